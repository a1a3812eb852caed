/*
 * eng_rpc_detail: the `detail` forms of show security ike security-
 * associations and show security ipsec security-associations, as reply
 * data in the shape render/ike_render.c's header comment defines (THE
 * CONTRACT: Junos's elements, in Junos's order).  Every member is filled
 * from what the engine knows: lifetimes left on the engine's clock, the
 * IKE SA's own message counters, Child SA counts, the dataplane's byte
 * counters (sa_stats) for the kilobyte lifetime left, the PPK profile and
 * whether a PPK was mixed in (RFC 8784: "Quantum Secured"), and each
 * VPN's negotiation counts and tunnel events.  Optional members with
 * nothing true to say are left out (the renderer drops their lines).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/x509.h>

#include "iked/eng_int.h"
#include "lib/log.h"

static const char *
expires(char *buf, size_t len, time_t at, time_t now)
{
	snprintf(buf, len, "Expires in %lld seconds",
	    (long long)(at > now ? at - now : 0));
	return buf;
}

static const char *
dh_str(char *buf, size_t len, uint16_t group)
{
	if (group == 0)
		snprintf(buf, len, "N/A");
	else
		snprintf(buf, len, "DH-group-%u", group);
	return buf;
}

static const char *
auth_method_str(const struct ike_sa *sa)
{
	/* ours as IKE_AUTH used it; RFC 7427's Digital Signature does not
	 * say the algorithm, the proposal's configured method does */
	uint8_t m = sa->auth_method;

	if (m == 0 || m == AUTH_DIGITAL_SIGNATURE)
		m = sa->prop.auth_method;
	if (sa->auth_method == AUTH_SHARED_KEY_MIC ||
	    (sa->auth_method == 0 && sa->gw->p.psk_len != 0))
		return "Pre-shared-keys";
	switch (m) {
	case AUTH_ECDSA_256: return "ECDSA-signatures-256";
	case AUTH_ECDSA_384: return "ECDSA-signatures-384";
	default: return "RSA-signatures";
	}
}

/*
 * A distinguished name as Junos shows a certificate peer's ID: its RDNs in
 * the order of the DER, ", " between them (C=US, O=Juniper, CN=eng_hub).
 */
static bool
rpc_dn_str(const struct ike_sa *sa, char *buf, size_t len)
{
	const unsigned char *p = sa->peer_id;
	X509_NAME *dn = d2i_X509_NAME(NULL, &p, (long)sa->peer_id_len);
	BIO *b = BIO_new(BIO_s_mem());
	bool ok = false;
	int n;

	if (dn != NULL && b != NULL && len > 0 &&
	    X509_NAME_print_ex(b, dn, 0,
		(ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) |
		    XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN) >= 0 &&
	    (n = BIO_read(b, buf, (int)len - 1)) >= 0) {
		buf[n] = '\0';
		ok = true;
	}
	BIO_free(b);
	X509_NAME_free(dn);
	return ok;
}

/* The peer's authenticated ID as Junos prints it (its address until
 * IKE_AUTH authenticated one). */
const char *
rpc_peer_id_str(const struct ike_sa *sa, char *buf, size_t len)
{
	size_t n = sa->peer_id_len;

	if (sa->peer_id_type == ID_IPV4_ADDR && n == 4)
		return inet_ntop(AF_INET, sa->peer_id, buf, (socklen_t)len);
	if (sa->peer_id_type == ID_IPV6_ADDR && n == 16)
		return inet_ntop(AF_INET6, sa->peer_id, buf, (socklen_t)len);
	if (sa->peer_id_type == ID_FQDN || sa->peer_id_type == ID_RFC822_ADDR) {
		if (n >= len)
			n = len - 1;
		for (size_t i = 0; i < n; i++)
			buf[i] = sa->peer_id[i] >= 0x20 && sa->peer_id[i] < 0x7f
			    ? (char)sa->peer_id[i]
			    : '?';
		buf[n] = '\0';
		return buf;
	}
	if (sa->peer_id_len == 0)
		return rpc_ip_str(&sa->remote, buf, len);
	if (sa->peer_id_type == ID_DER_ASN1_DN && rpc_dn_str(sa, buf, len))
		return buf;
	snprintf(buf, len, "%s", ikev2_id_type_name(sa->peer_id_type));
	return buf;
}

/* `reauth-frequency`: when the IKE SA will be reauthenticated. */
static const char *
reauth_str(const struct ike_sa *sa, time_t now, char *buf, size_t len)
{
	uint32_t n = sa->gw->p.reauth_frequency;
	uint32_t life =
	    life_secs(sa->e, sa->prop.lifetime_s, ENG_IKE_LIFE_DEFAULT);
	time_t at;

	if (n == 0 || sa->soft_at == 0)
		return "Disabled";
	/* the soft expiry of the (rekeys..) Nth rekey; 82%: the mean */
	at = sa->soft_at + (time_t)(n - 1 - sa->rekeys % n) * life * 82 / 100;
	return expires(buf, len, at, now);
}

static json_t *
ike_detail_sa(const struct ike_sa *sa, time_t now)
{
	char ci[17], cr[17], la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN];
	char life[48], reauth[48], pid[ENG_ID_MAX + 1], dh[24];
	const struct eng_peer *p = &sa->gw->p;
	json_t *o;

	snprintf(ci, sizeof(ci), "%016llx", (unsigned long long)sa->ispi);
	snprintf(cr, sizeof(cr), "%016llx", (unsigned long long)sa->rspi);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:I, "
		      "s:s, s:s, s:s, s:I, s:s}",
	    "ike-sa-role", sa->initiator ? "initiator" : "responder",
	    "ike-sa-state", sa->state == IKE_ST_ESTABLISHED ? "UP" : "DOWN",
	    "ike-sa-initiator-cookie", ci, "ike-sa-responder-cookie", cr,
	    "ike-sa-exchange-type", "IKEv2", "ike-sa-authentication-method",
	    auth_method_str(sa), "ike-sa-remote-address",
	    rpc_ip_str(&sa->remote, ra, sizeof(ra)), "ike-sa-remote-port",
	    (json_int_t)eng_port((const struct sockaddr *)&sa->remote),
	    "ike-sa-local-address", rpc_ip_str(&sa->local, la, sizeof(la)),
	    "ike-sa-local-port",
	    (json_int_t)(eng_port((const struct sockaddr *)&sa->local)
		    ? eng_port((const struct sockaddr *)&sa->local)
		    : IKE_PORT),
	    "ike-sa-lifetime",
	    sa->hard_at ? expires(life, sizeof(life), sa->hard_at, now)
			: "Not established",
	    "ike-sa-reauthlifetime",
	    reauth_str(sa, now, reauth, sizeof(reauth)), "ike-sa-ike-frag",
	    p->fragmentation ? "Enabled" : "Disabled", "ike-sa-frag-size",
	    (json_int_t)(p->fragment_size ? p->fragment_size : 576),
	    "ike-sa-remote-client-info", "Unknown Client");
	json_object_set_new(o, "ike-xauth-user-info",
	    json_pack("{s:s, s:b, s:s}", "ike-ike-id",
		rpc_peer_id_str(sa, pid, sizeof(pid)), "ike-xauth-username", 1,
		"ike-xauth-user-assigned-ip", "0.0.0.0"));
	if (p->ppk_profile[0] != '\0') {
		json_object_set_new(
		    o, "ike-sa-ppk-profile", json_string(p->ppk_profile));
		json_object_set_new(o, "ike-sa-ppk-optional",
		    json_string(p->ppk_optional ? "Yes" : "No"));
	}
	json_object_set_new(o, "ike-sa-algorithms",
	    json_pack("{s:s, s:s, s:s, s:s}", "ike-sa-authentication-algorithm",
		sa->suite.integ ? sa->suite.integ->name : "-",
		"ike-sa-encryption-algorithm",
		sa->suite.encr ? sa->suite.encr->name : "-",
		"ike-sa-prf-algorithm",
		sa->suite.prf ? sa->suite.prf->name : "-", "ike-sa-dhgroup",
		dh_str(dh, sizeof(dh), sa->prop.dh)));
	json_object_set_new(o, "ike-sa-traffic-statistics",
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "ike-sa-input-bytes",
		(json_int_t)sa->in_bytes, "ike-sa-output-bytes",
		(json_int_t)sa->out_bytes, "ike-sa-input-packets",
		(json_int_t)sa->in_pkts, "ike-sa-output-packets",
		(json_int_t)sa->out_pkts, "ike-sa-input-frag-packets",
		(json_int_t)sa->in_frags, "ike-sa-output-frag-packets",
		(json_int_t)sa->out_frags));
	json_object_set_new(o, "ike-sa-misc",
	    json_pack("{s:I, s:I, s:i}", "ike-sa-num-ipsec-sas-created",
		(json_int_t)sa->child_created, "ike-sa-num-ipsec-sas-deleted",
		(json_int_t)sa->child_deleted, "ike-sa-num-phase2-negotiations",
		sa->rk != NULL && sa->x.what == XW_CREATE ? 1 : 0));
	return o;
}

json_t *
rpc_ike_detail(struct ike_engine *e, const struct rpc_filter *f)
{
	json_t *list = json_array();
	char ab[INET6_ADDRSTRLEN];
	time_t now = eng_now(e);

	SA_EACH(e, sa, nx, i)
	{
		/* an IKE SA rekey's new SA before the answer: not yet */
		if (!rpc_sa_matches(sa, f) || sa->state == IKE_ST_NEW)
			continue;
		json_array_append_new(list,
		    json_pack("{s:s, s:I, s:s, s:o}", "ike-sa-remote-address",
			rpc_ip_str(&sa->remote, ab, sizeof(ab)), "ike-sa-index",
			(json_int_t)sa->index, "ike-gw-name", sa->gw->p.name,
			"ike-security-associations", ike_detail_sa(sa, now)));
	}
	return rpc_reply("ike-security-associations-information", "detail",
	    json_pack("{s:o}", "ike-security-associations-block", list));
}

/* The prefix length of the range s, or -1 when it is not a prefix. */
static int
sel_prefix_len(const struct dp_sel *s)
{
	const uint8_t *a = (const uint8_t *)&s->start.u;
	const uint8_t *b = (const uint8_t *)&s->end.u;
	size_t n = s->start.family == AF_INET6 ? 16 : 4;
	int len = 0;
	bool host = true; /* still in the network part */

	for (size_t i = 0; i < n; i++)
		for (int bit = 7; bit >= 0; bit--) {
			int x = (a[i] >> bit) & 1, y = (b[i] >> bit) & 1;
			if (host && x == y) {
				len++;
				continue;
			}
			host = false;
			if (x != 0 || y != 1)
				return -1;
		}
	return len;
}

/*
 * "ipv4(0.0.0.0-255.255.255.255)", or for a subnet (a policy-based
 * VPN's proxy ID, a traffic selector) Junos's
 * "ipv4_subnet(any:0,[0..7]=10.0.0.0/20)".
 */
static const char *
sel_str(const struct dp_sel *s, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?", b[INET6_ADDRSTRLEN] = "?";
	bool v6 = s->start.family == AF_INET6;
	int plen = sel_prefix_len(s);

	inet_ntop(v6 ? AF_INET6 : AF_INET, &s->start.u, a, sizeof(a));
	inet_ntop(v6 ? AF_INET6 : AF_INET, &s->end.u, b, sizeof(b));
	if (plen > 0)
		snprintf(buf, len, "%s_subnet(any:0,[0..%d]=%s/%d)",
		    v6 ? "ipv6" : "ipv4", v6 ? 15 : 7, a, plen);
	else
		snprintf(buf, len, "%s(%s-%s)", v6 ? "ipv6" : "ipv4", a, b);
	return buf;
}

static const char *
df_str(enum dp_df df)
{
	return df == DP_DF_CLEAR ? "clear" : df == DP_DF_SET ? "set" : "copy";
}

static json_t *
esp_detail(struct ike_engine *e, const struct ike_sa *sa,
    const struct child_sa *c, bool in, time_t now)
{
	const struct eng_vpn *v = &c->vpn->v;
	const struct encr_alg *ea = c->suite.encr;
	char spi[12], hard[48], soft[48], size[40], enc[40];
	struct dp_stats st;
	json_t *o;

	snprintf(spi, sizeof(spi), "0x%08x", in ? c->spi_in : c->spi_out);
	if (c->prop.lifetime_kb == 0) {
		snprintf(size, sizeof(size), " Unlimited");
	} else {
		uint64_t used = 0;
		if (e->dp_ops->sa_stats != NULL &&
		    e->dp_ops->sa_stats(
			e->dp, in ? c->spi_in : c->spi_out, in, &st) == 0)
			used = (in ? st.dec_bytes : st.enc_bytes) / 1024;
		snprintf(size, sizeof(size), " %llu kilobytes",
		    (unsigned long long)(used < c->prop.lifetime_kb
			    ? c->prop.lifetime_kb - used
			    : 0));
	}
	snprintf(enc, sizeof(enc), "%s (%u bits)",
	    ea->aead ? "aes-gcm" : "aes-cbc",
	    (unsigned)(ea->keybits ? ea->keybits
				   : (ea->key_len - ea->salt_len) * 8));
	o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
		      "s:s, s:s, s:s, s:s}",
	    "sa-direction", in ? "inbound" : "outbound", "sa-spi", spi,
	    "sa-aux-spi", 0, "sa-vpn-monitoring-state", "-", "sa-hard-lifetime",
	    expires(hard, sizeof(hard), c->hard_at, now),
	    "sa-lifesize-remaining", size, "sa-soft-lifetime",
	    expires(soft, sizeof(soft), c->soft_at, now), "sa-mode",
	    "Tunnel(0 0)", "sa-type", "dynamic", "sa-state", "installed",
	    "sa-protocol", "ESP", "sa-authentication-algorithm",
	    c->suite.integ ? c->suite.integ->name : ea->name,
	    "sa-encryption-algorithm", enc, "sa-anti-replay-service",
	    v->no_anti_replay ? "disabled" : "counter-based enabled");
	if (!v->no_anti_replay)
		json_object_set_new(o, "sa-replay-window-size",
		    json_integer(v->replay_window ? v->replay_window : 64));
	json_object_set_new(o, "sa-extended-seq-number",
	    json_string(c->suite.esn ? "Enabled" : "Disabled"));
	if (v->establish != ENG_RESPONDER_ONLY)
		json_object_set_new(o, "sa-tunnel-establishment",
		    json_string(v->establish == ENG_IMMEDIATELY
			    ? "establish-tunnels-immediately"
			    : "establish-tunnels-on-traffic"));
	json_object_set_new(o, "sa-ike-index", json_integer(sa->index));
	return o;
}

static json_t *
events(const struct eng_vpnc *vc)
{
	json_t *l = json_array();
	char tb[40];
	struct tm tm;

	for (size_t i = 0; i < ENG_EVENTS_MAX && vc->ev[i].what != NULL; i++) {
		time_t t = vc->ev[i].when;
		localtime_r(&t, &tm);
		strftime(tb, sizeof(tb), "%a %b %d %Y %H:%M:%S", &tm);
		json_array_append_new(l,
		    json_pack("{s:s, s:s, s:I}", "sa-tunnel-event-time", tb,
			"sa-tunnel-event", vc->ev[i].what,
			"sa-tunnel-event-num-times",
			(json_int_t)vc->ev[i].times));
	}
	return l;
}

static json_t *
ipsec_block(struct ike_engine *e, const struct ike_sa *sa,
    const struct child_sa *c, time_t now)
{
	const struct eng_vpn *v = &c->vpn->v;
	char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN], li[96], ri[96];
	char dh[24];
	uint16_t group = c->prop.dh ? c->prop.dh : v->prop[0].dh;
	json_t *b, *df, *l;

	b = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
		      "s:s, s:s, s:I, s:s}",
	    "sa-block-state", "up", "sa-tunnel-index", (json_int_t)v->tunnel_id,
	    "sa-virtual-system", "root", "sa-vpn-name", v->name,
	    "sa-local-gateway", rpc_ip_str(&sa->local, la, sizeof(la)),
	    "sa-remote-gateway", rpc_ip_str(&sa->remote, ra, sizeof(ra)),
	    "sa-local-identity", sel_str(&c->sel_local, li, sizeof(li)),
	    "sa-remote-identity", sel_str(&c->sel_remote, ri, sizeof(ri)),
	    "sa-ike-version", "IKEv2", "sa-is-quantum-secured",
	    sa->ppk_used ? "Yes" : "No", "sa-pfs-group",
	    dh_str(dh, sizeof(dh), group), "sa-packet-encapsulation-protocol",
	    sa->natt ? "UDP" : "None",
	    "sa-packet-encapsulation-destination-port",
	    (json_int_t)(sa->natt
		    ? eng_port((const struct sockaddr *)&sa->remote)
		    : 0),
	    "sa-passive-mode-tunneling", "Disabled");
	df = json_pack("{s:s, s:s, s:s}", "sa-df-bit", df_str(v->df),
	    "sa-copy-outer-dscp", v->copy_dscp ? "Enabled" : "Disabled",
	    "sa-bind-interface", v->bind_if);
	if (v->policy[0] != '\0')
		json_object_set_new(
		    df, "sa-policy-name", json_string(v->policy));
	json_object_set_new(b, "sa-df-bit-policy-name", df);
	json_object_set_new(b, "sa-dev-info",
	    json_pack("{s:I, s:I, s:I, s:i, s:s}", "sa-port",
		(json_int_t)eng_port((const struct sockaddr *)&sa->remote),
		"sa-nego-num", (json_int_t)c->vpn->nego, "sa-nego-fail",
		(json_int_t)c->vpn->nego_fail, "sa-del-num", 0, "sa-flag",
		"0"));
	if (c->vpn->ev[0].what != NULL)
		json_object_set_new(
		    b, "sa-ipsec-tunnel-events", events(c->vpn));
	l = json_array();
	json_array_append_new(l, esp_detail(e, sa, c, true, now));
	json_array_append_new(l, esp_detail(e, sa, c, false, now));
	json_object_set_new(b, "ipsec-security-associations", l);
	return b;
}

json_t *
rpc_ipsec_detail(struct ike_engine *e, const struct rpc_filter *f)
{
	json_t *blocks = json_array();
	time_t now = eng_now(e);

	SA_EACH(e, sa, nx, i)
	for (const struct child_sa *c = sa->child; c; c = c->next)
		if (rpc_child_matches(c, f))
			json_array_append_new(
			    blocks, ipsec_block(e, sa, c, now));
	return rpc_reply("ipsec-security-associations-information", "detail",
	    json_pack("{s:o}", "ipsec-security-associations-block", blocks));
}
