/*
 * eng_rpc: the operational commands the engine answers, as reply data in
 * the shape render/ike_render.c documents (THE CONTRACT there: Junos's
 * reply elements, members in Junos's order).  Commands are one static
 * table; each handler filters by the input members mgd passes
 * ("peer-address", "index", "brief", "detail").
 *
 * The brief forms of show security ike / ipsec security-associations,
 * show security ike active-peer, and the clear commands (which send
 * Deletes, RFC 7296 1.4.1) are here; the detail forms in
 * eng_rpc_detail.c.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "iked/eng_int.h"
#include "lib/log.h"
#include "lib/sb.h"

#define IKE_XMLNS "http://xml.juniper.net/junos/qsafe/junos-kmd"
#define ESP_LIFETIME_DEFAULT 3600 /* Junos ipsec proposal default */

static void
rpc_filter_get(const json_t *in, struct rpc_filter *f)
{
	const json_t *v;

	memset(f, 0, sizeof(*f));
	f->index = -1;
	if (!json_is_object(in))
		return;
	if ((v = json_object_get(in, "peer-address")) && json_is_string(v))
		f->peer = json_string_value(v);
	if ((v = json_object_get(in, "vpn-name")) && json_is_string(v))
		f->vpn = json_string_value(v);
	if ((v = json_object_get(in, "index")) && json_is_string(v))
		f->index = strtol(json_string_value(v), NULL, 10);
	else if (v != NULL && json_is_integer(v))
		f->index = (long)json_integer_value(v);
	f->brief = json_is_true(json_object_get(in, "brief"));
	f->detail = json_is_true(json_object_get(in, "detail"));
	/* `index N` alone shows the detail form; brief wins. */
	if (f->index >= 0 && !f->brief)
		f->detail = true;
	if (f->brief)
		f->detail = false;
}

const char *
rpc_ip_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a = ss->ss_family == AF_INET6
	    ? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
	    : (const void *)&((const struct sockaddr_in *)ss)->sin_addr;

	if (ss->ss_family != AF_INET && ss->ss_family != AF_INET6)
		return "0.0.0.0";
	return inet_ntop(ss->ss_family, a, buf, (socklen_t)len) ? buf : "?";
}

bool
rpc_sa_matches(const struct ike_sa *sa, const struct rpc_filter *f)
{
	char ab[INET6_ADDRSTRLEN];

	if (f->index >= 0 && (long)sa->index != f->index)
		return false;
	if (f->peer != NULL &&
	    strcmp(rpc_ip_str(&sa->remote, ab, sizeof(ab)), f->peer) != 0)
		return false;
	return true;
}

json_t *
rpc_reply(const char *elem, const char *style, json_t *body)
{
	json_t *at = json_pack("{s:s}", "xmlns", IKE_XMLNS);
	json_t *o = json_object();

	if (style != NULL)
		json_object_set_new(at, "junos:style", json_string(style));
	json_object_set_new(o, "@", at);
	json_object_update(o, body);
	json_decref(body);
	return json_pack("{s:o}", elem, o);
}

/*
 * The brief form is written as JSON text, not built as a jansson tree: at
 * 10,000 SAs the tree was 70,000 values and, with its dump, 40% of iked's
 * time per show.  The text is the data (engine.h: eng_rpc), passed
 * through mgd untouched (proto/proto_daemon.h, RPC_DATA_JSON).
 */
static json_t *
rpc_show_ike(
    struct ike_engine *e, const struct rpc_filter *f, char *err, size_t errlen)
{
	char ab[INET6_ADDRSTRLEN];
	struct sb t;
	bool first = true;
	json_t *text;

	if (f->detail)
		return rpc_ike_detail(e, f);
	sb_init(&t);
	sb_puts(&t,
	    "{\"ike-security-associations-information\":{\"@\":{"
	    "\"xmlns\":");
	sb_json_quote(&t, IKE_XMLNS);
	sb_puts(&t,
	    ",\"junos:style\":\"brief\"},"
	    "\"ike-security-associations\":[");
	SA_EACH(e, sa, nx, i)
	{
		if (!rpc_sa_matches(sa, f))
			continue;
		sb_puts(&t,
		    first ? "{\"ike-sa-remote-address\":"
			  : ",{\"ike-sa-remote-address\":");
		sb_json_quote(&t, rpc_ip_str(&sa->remote, ab, sizeof(ab)));
		sb_printf(&t,
		    ",\"ike-sa-index\":%lu,\"ike-sa-state\":\"%s\","
		    "\"ike-sa-initiator-cookie\":\"%016llx\","
		    "\"ike-sa-responder-cookie\":\"%016llx\","
		    "\"ike-sa-exchange-type\":\"IKEv2\"}",
		    (unsigned long)sa->index,
		    sa->state == IKE_ST_ESTABLISHED ? "UP" : "DOWN",
		    (unsigned long long)sa->ispi, (unsigned long long)sa->rspi);
		first = false;
	}
	sb_puts(&t, "]}}");
	text = json_stringn_nocheck(t.buf, t.len);
	sb_free(&t);
	return text;
}

static json_t *
rpc_active_peer(
    struct ike_engine *e, const struct rpc_filter *f, char *err, size_t errlen)
{
	json_t *list = json_array();
	char ab[INET6_ADDRSTRLEN], id[ENG_ID_MAX + 1];

	SA_EACH(e, sa, nx, i)
	{
		if (sa->state != IKE_ST_ESTABLISHED || !rpc_sa_matches(sa, f))
			continue;
		/* Peer IKE-ID: the ID it authenticated (as in the detail) */
		rpc_ip_str(&sa->remote, ab, sizeof(ab));
		json_array_append_new(list,
		    json_pack("{s:s, s:I, s:s, s:s, s:s}",
			"ike-sa-remote-address", ab, "ike-sa-remote-port",
			(json_int_t)eng_port((struct sockaddr *)&sa->remote),
			"ike-ike-id", rpc_peer_id_str(sa, id, sizeof(id)),
			"ike-xauth-username", "not available",
			"ike-xauth-user-assigned-ip", "0.0.0.0"));
	}
	return rpc_reply("ike-active-peers-information", NULL,
	    json_pack("{s:o}", "ike-active-peers", list));
}

bool
rpc_child_matches(const struct child_sa *c, const struct rpc_filter *f)
{
	if (!c->in_dp || c->deleting)
		return false;
	if (f->index >= 0 && (long)c->vpn->v.tunnel_id != f->index)
		return false;
	return f->vpn == NULL || strcmp(c->vpn->v.name, f->vpn) == 0;
}

static json_t *
rpc_esp_sa(
    const struct ike_sa *sa, const struct child_sa *c, bool in, time_t now)
{
	char spi[12], enc[40], hard[24], size[24], ab[INET6_ADDRSTRLEN];
	const struct encr_alg *ea = c->suite.encr;
	uint32_t life =
	    life_secs(sa->e, c->prop.lifetime_s, ESP_LIFETIME_DEFAULT);
	long left = (long)life - (long)(now - c->created);

	snprintf(spi, sizeof(spi), "0x%08x", in ? c->spi_in : c->spi_out);
	snprintf(
	    enc, sizeof(enc), "%s/", ea->esp_name ? ea->esp_name : ea->name);
	snprintf(hard, sizeof(hard), "%ld/", left > 0 ? left : 0);
	if (c->prop.lifetime_kb)
		snprintf(size, sizeof(size), "%u", c->prop.lifetime_kb);
	else
		snprintf(size, sizeof(size), " unlim");
	return json_pack("{s:s, s:I, s:s, s:i, s:s, s:I, s:s, s:s, s:s, "
			 "s:s, s:s, s:s, s:s}",
	    "sa-direction", in ? "<" : ">", "sa-tunnel-index",
	    (json_int_t)c->vpn->v.tunnel_id, "sa-spi", spi, "sa-aux-spi", 0,
	    "sa-remote-gateway", rpc_ip_str(&sa->remote, ab, sizeof(ab)),
	    "sa-port", (json_int_t)eng_port((struct sockaddr *)&sa->remote),
	    "sa-vpn-monitoring-state", "-", "sa-protocol",
	    "ESP:", "sa-esp-encryption-algorithm", enc, "sa-hmac-algorithm",
	    c->suite.integ == NULL
		? "None"
		: (c->suite.integ->esp_name ? c->suite.integ->esp_name
					    : c->suite.integ->name),
	    "sa-hard-lifetime", hard, "sa-lifesize-remaining", size,
	    "sa-virtual-system", "root");
}

static json_t *
rpc_show_ipsec(
    struct ike_engine *e, const struct rpc_filter *f, char *err, size_t errlen)
{
	json_t *blocks = json_array();
	json_int_t tunnels = 0, sas = 0;
	time_t now = eng_now(e);

	if (f->detail) {
		json_decref(blocks);
		return rpc_ipsec_detail(e, f);
	}
	SA_EACH(e, sa, nx, i)
	{
		for (const struct child_sa *c = sa->child; c; c = c->next) {
			if (!rpc_child_matches(c, f))
				continue;
			json_t *l = json_array();
			json_array_append_new(l, rpc_esp_sa(sa, c, true, now));
			json_array_append_new(l, rpc_esp_sa(sa, c, false, now));
			json_array_append_new(blocks,
			    json_pack("{s:s, s:o}", "sa-block-state", "up",
				"ipsec-security-associations", l));
			tunnels++;
			sas++; /* Junos counts the pair (cSRX: 1 for < and >) */
		}
	}
	return rpc_reply("ipsec-security-associations-information", "brief",
	    json_pack("{s:I, s:I, s:o}", "total-active-tunnels", tunnels,
		"total-ipsec-sas", sas, "ipsec-security-associations-block",
		blocks));
}

static json_t *
rpc_clear_ike(
    struct ike_engine *e, const struct rpc_filter *f, char *err, size_t errlen)
{
	int n = 0;

	SA_EACH(e, sa, nx, i)
	{
		if (!rpc_sa_matches(sa, f) || sa->state == IKE_ST_DELETING)
			continue;
		/* Junos: a cleared `immediately` tunnel comes back at once
		 * (our IKE_SA_INIT follows our Delete), not at the VPN's
		 * next retry, up to ENG_RETRY_S later, when the peer's
		 * retry could fall at the same moment and cross it */
		eng_gw_restart(e, sa->gw);
		info_delete_ike(sa);
		n++;
	}
	if (n == 0 && (f->peer != NULL || f->index >= 0)) {
		snprintf(err, errlen, "error: no IKE SA matches");
		return NULL;
	}
	return json_object();
}

static json_t *
rpc_clear_ipsec(
    struct ike_engine *e, const struct rpc_filter *f, char *err, size_t errlen)
{
	int n = 0;

	SA_EACH(e, sa, nx, i)
	{
		if (f->peer != NULL &&
		    !rpc_sa_matches(sa,
			&(struct rpc_filter){ .peer = f->peer, .index = -1 }))
			continue;
		for (struct child_sa *c = sa->child, *cn; c; c = cn) {
			cn = c->next;
			if (f->index >= 0 &&
			    (long)c->vpn->v.tunnel_id != f->index)
				continue;
			info_delete_child(sa, c);
			n++;
		}
	}
	if (n == 0 && (f->peer != NULL || f->index >= 0)) {
		snprintf(err, errlen, "error: no IPsec SA matches");
		return NULL;
	}
	return json_object();
}

/* Has any IKE SA an installed Child SA of v? */
static bool
rpc_vpn_up(struct ike_engine *e, const struct eng_vpnc *v)
{
	SA_EACH(e, sa, nx, i)
	{
		for (const struct child_sa *c = sa->child; c; c = c->next)
			if (c->vpn == v)
				return true;
	}
	return false;
}

/*
 * show security ipsec inactive-tunnels: the VPNs with no Child SA, their
 * negotiation counts and why they are down (the gateway's last failed
 * negotiation, eng_gw_fail: IKE_SA_INIT, IKE_AUTH, a Child SA or no
 * answer), or that none was tried yet.
 */
static json_t *
rpc_inactive(
    struct ike_engine *e, const struct rpc_filter *f, char *err, size_t errlen)
{
	json_t *list = json_array();
	json_int_t total = 0, immediately = 0;
	char ab[INET6_ADDRSTRLEN];

	for (const struct eng_vpnc *v = e->vpns; v != NULL; v = v->next) {
		const struct eng_gw *gw = eng_gw_find(e, v->v.gateway);
		const char *why = "Not negotiated yet";

		if (rpc_vpn_up(e, v))
			continue;
		total++;
		immediately += v->v.establish == ENG_IMMEDIATELY;
		if (gw != NULL && gw->down_why[0] != '\0')
			why = gw->down_why;
		else if (v->nego_fail > 0)
			why = "IPsec SA negotiation failed";
		json_array_append_new(list,
		    json_pack("{s:I, s:I, s:I, s:I, s:s, s:s}",
			"sa-tunnel-index", (json_int_t)v->v.tunnel_id,
			"sa-port", (json_int_t)IKE_PORT, "sa-nego-num",
			(json_int_t)v->nego, "sa-nego-fail",
			(json_int_t)v->nego_fail, "sa-remote-gateway",
			gw == NULL || gw->p.remote.ss_family == AF_UNSPEC
			    ? "dynamic"
			    : rpc_ip_str(&gw->p.remote, ab, sizeof(ab)),
			"sa-tunnel-down-reason", why));
	}
	return rpc_reply("ipsec-unestablished-tunnel-information", NULL,
	    json_pack("{s:I, s:I, s:o}", "total-inactive-tunnels", total,
		"total-inactive-tunnels-immediately", immediately,
		"ipsec-unestablished-tunnels", list));
}

static json_t *
rpc_clear_stats(
    struct ike_engine *e, const struct rpc_filter *f, char *err, size_t errlen)
{
	if (e->dp_ops->stats_clear != NULL)
		e->dp_ops->stats_clear(e->dp);
	return json_object();
}

/*
 * The gateways with a failed negotiation, each with its counts by reason
 * and the last failure's reason (eng_gw_fail; issue 10: "counted per
 * gateway where a show command can see it").  Only those with a failure:
 * 10,000 quiet gateways add nothing.
 */
static json_t *
rpc_gw_failures(const struct ike_engine *e)
{
	json_t *l = json_array();

	for (const struct eng_gw *gw = e->gws; gw != NULL; gw = gw->next) {
		const struct eng_peer_stats *st = &gw->st;

		if (st->no_proposal + st->auth_failed + st->ts_unacceptable +
			st->unreachable + st->invalid_ke ==
		    0)
			continue;
		json_array_append_new(l,
		    json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s}",
			"ike-gateway-name", gw->p.name, "ike-sas-established",
			(json_int_t)st->established, "ike-no-proposal-chosen",
			(json_int_t)st->no_proposal,
			"ike-authentication-failed",
			(json_int_t)st->auth_failed, "ike-ts-unacceptable",
			(json_int_t)st->ts_unacceptable, "ike-peer-unreachable",
			(json_int_t)st->unreachable, "ike-peer-dead-dpd",
			(json_int_t)st->dpd_dead, "ike-invalid-ke",
			(json_int_t)st->invalid_ke, "ike-last-failure",
			gw->down_why));
	}
	return l;
}

/*
 * `show security ike stats`: what arrived and what was refused before it
 * reached an exchange (eng_stats), and the half-open SAs (RFC 7296 2.6);
 * then "ike-gateway-failures" (rpc_gw_failures; the text renderer
 * prints a block a gateway after the counters).  Member names are ours
 * (qsafe): no capture of Junos's reply.
 */
static json_t *
rpc_ike_stats(
    struct ike_engine *e, const struct rpc_filter *f, char *err, size_t errlen)
{
	const struct eng_stats *s = &e->st;
	json_t *o = json_object();
	const struct {
		const char *name;
		uint64_t v;
	} rows[] = {
		{ "ike-input-packets", s->in_packets },
		{ "ike-output-packets", s->out_packets },
		{ "ike-retransmits", s->out_retransmits },
		{ "ike-malformed", s->in_malformed },
		{ "ike-unknown-spi", s->in_unknown_spi },
		{ "ike-bad-message-id", s->in_bad_msgid },
		{ "ike-integrity-failures", s->in_integrity },
		{ "ike-duplicates-answered", s->in_dup_answered },
		{ "ike-cookies-sent", s->cookies_sent },
		{ "ike-half-open", e->half_open },
		{ "ike-half-open-dropped", s->in_half_open_full },
		{ "ike-half-open-peer-dropped", s->in_half_open_peer },
		{ "ike-half-open-expired", s->half_open_expired },
		{ "ike-fragments-received", s->in_frags },
		{ "ike-fragments-refused", s->in_frag_dropped },
		{ "ike-fragments-reassembled", s->in_reassembled },
		{ "ike-fragments-sent", s->out_frags },
		{ "ike-sas", e->nsa },
		{ "ike-sas-established", s->ike_established },
		{ "ipsec-sas-installed", s->child_installed },
		{ "ipsec-sas-deleted", s->child_deleted },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		json_object_set_new(
		    o, rows[i].name, json_integer((json_int_t)rows[i].v));
	json_object_set_new(o, "ike-gateway-failures", rpc_gw_failures(e));
	return rpc_reply("ike-stats-information", NULL, o);
}

static const struct {
	const char *name;
	json_t *(*run)(
	    struct ike_engine *, const struct rpc_filter *, char *, size_t);
} rpc_table[] = {
	{ "show-security-ike-stats", rpc_ike_stats },
	{ "show-security-ike-security-associations", rpc_show_ike },
	{ "show-security-ike-active-peer", rpc_active_peer },
	{ "show-security-ipsec-security-associations", rpc_show_ipsec },
	{ "show-security-ipsec-inactive-tunnels", rpc_inactive },
	{ "clear-security-ike-security-associations", rpc_clear_ike },
	{ "clear-security-ipsec-security-associations", rpc_clear_ipsec },
	{ "clear-security-ipsec-statistics", rpc_clear_stats },
};

json_t *
rpc_run(struct ike_engine *e, const char *name, const json_t *in, char *err,
    size_t errlen)
{
	struct rpc_filter f;

	rpc_filter_get(in, &f);
	for (size_t i = 0; i < sizeof(rpc_table) / sizeof(rpc_table[0]); i++)
		if (strcmp(rpc_table[i].name, name) == 0)
			return rpc_table[i].run(e, &f, err, errlen);
	snprintf(
	    err, errlen, "error: %s is not answered by the IKE engine", name);
	return NULL;
}
