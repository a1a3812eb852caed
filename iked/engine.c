/*
 * engine: the eng_* entry points (engine.h) but eng_input (input.c): the
 * engine made and freed, its clock, and the configuration.
 *
 * The configuration (gateways and VPNs) is kept as given; a VPN set to
 * establish immediately is started here and retried every ENG_RETRY_S
 * (tests shorten it: eng_retry_set) while it has no Child SA.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "iked/eng_int.h"
#include "lib/log.h"
#include "lib/sb.h"

bool
eng_addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a == NULL || b == NULL || a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		    ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			   &((const struct sockaddr_in6 *)b)->sin6_addr,
			   16) == 0;
	return false;
}

uint16_t
eng_port(const struct sockaddr *a)
{
	if (a->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)a)->sin_port);
	if (a->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
	return 0;
}

void
eng_set_port(struct sockaddr_storage *a, uint16_t port)
{
	if (a->ss_family == AF_INET)
		((struct sockaddr_in *)a)->sin_port = htons(port);
	else if (a->ss_family == AF_INET6)
		((struct sockaddr_in6 *)a)->sin6_port = htons(port);
}

void
eng_addr_to_dp(const struct sockaddr_storage *ss, struct dp_addr *d)
{
	memset(d, 0, sizeof(*d));
	d->family = ss->ss_family;
	if (ss->ss_family == AF_INET)
		d->u.v4 = ((const struct sockaddr_in *)ss)->sin_addr;
	else if (ss->ss_family == AF_INET6)
		d->u.v6 = ((const struct sockaddr_in6 *)ss)->sin6_addr;
}

const char *
eng_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
		    a, sizeof(a));
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)ss)->sin6_addr, a,
		    sizeof(a));
	snprintf(buf, len, "%s:%u", a, eng_port((const struct sockaddr *)ss));
	return buf;
}

void
eng_ss_copy(struct sockaddr_storage *ss, const struct sockaddr *sa)
{
	memset(ss, 0, sizeof(*ss));
	if (sa == NULL)
		return;
	memcpy(ss, sa,
	    sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
				      : sizeof(struct sockaddr_in));
}

struct eng_vpnc *
eng_vpn_for_gw(struct ike_engine *e, const struct eng_gw *gw)
{
	return eng_vpn_first(e, gw->p.name);
}

/* Whether v has a Child SA or one on its way (an up VPN: O(1)). */
static bool
vpn_busy(struct ike_engine *e, const struct eng_vpnc *v)
{
	if (v->nchild > 0)
		return true;
	SA_EACH(e, sa, nx, i)
	{
		if (sa->n != NULL && sa->n->vpn == v)
			return true;
		for (struct child_sa *c = sa->child; c; c = c->next)
			if (c->vpn == v)
				return true;
	}
	return false;
}

static void
vpn_start(struct ike_engine *e, struct eng_vpnc *v)
{
	struct eng_gw *gw = eng_gw_find(e, v->v.gateway);

	v->retry_at = eng_now(e) + e->retry_s;
	if (gw == NULL)
		return;
	/* no SA with its gateway: nothing to wait for or to reuse (a
	 * commit of N new VPNs is not N walks of the SA table) */
	if (gw->nsas == 0 && v->nchild == 0) {
		sa_init_start(e, gw, v);
		return;
	}
	if (vpn_busy(e, v))
		return;
	/* RFC 7296 1.3.1: an IKE SA with the gateway takes a new Child SA. */
	SA_EACH(e, sa, nx, i)
	{
		if (sa->gw != gw || sa->rekeyed)
			continue;
		if (sa->state == IKE_ST_ESTABLISHED) {
			rekey_new_child(sa, v); /* busy: the next retry */
			return;
		}
		if (sa->initiator && sa->state != IKE_ST_NEW &&
		    sa->state != IKE_ST_DELETING)
			return; /* one coming up: the next retry */
		if (!sa->initiator &&
		    (sa->state == IKE_ST_INIT_DONE ||
			sa->state == IKE_ST_AUTH_WAIT)) {
			/* the peer's is coming up and may carry this VPN:
			 * a second one now would cross it (collide.c);
			 * look again at the next tick */
			v->retry_at = eng_now(e) + 1;
			return;
		}
	}
	sa_init_start(e, gw, v);
}

/*
 * A timer of zero, not event_active: libevent runs events activated from
 * a callback in the same pass, before it looks at the sockets again.
 */
void
eng_kick_soon(struct ike_engine *e)
{
	static const struct timeval now = { 0, 0 };

	event_add(e->kick_ev, &now);
}

/*
 * Starts the VPNs that should be up and are not (ENG_IMMEDIATELY), at
 * most ENG_KICK_BATCH in one turn of the loop: a commit of 10,000 such
 * VPNs returns at once, and packets and mgd's requests are served
 * between the batches of IKE_SA_INIT that follow it.  No more than
 * ENG_INIT_FLIGHT of our negotiations at a time (as strongSwan's
 * init_limit_half_open): 10,000 IKE_SA_INIT at once overflow the
 * responder's socket and wait for retransmissions; sa_state() kicks
 * again when half of them are done.
 */
static void
eng_kick(struct ike_engine *e)
{
	time_t now = eng_now(e);
	size_t n = 0;

	for (struct eng_vpnc *v = e->vpns; v != NULL; v = v->next) {
		if (v->v.establish != ENG_IMMEDIATELY || now < v->retry_at)
			continue;
		if (e->init_flight >= ENG_INIT_FLIGHT)
			return; /* sa_state() or the tick: later */
		if (n++ == ENG_KICK_BATCH) {
			eng_kick_soon(e); /* the rest: next turn */
			return;
		}
		vpn_start(e, v);
	}
}

static void
eng_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	eng_kick(arg);
}

/* v is to start now if it should be up: from the loop, not the caller. */
static void
vpn_kick(struct ike_engine *e, struct eng_vpnc *v)
{
	v->retry_at = 0;
	if (v->v.establish == ENG_IMMEDIATELY)
		eng_kick_soon(e);
}

void
eng_gw_restart(struct ike_engine *e, const struct eng_gw *gw)
{
	for (struct eng_vpnc *v = eng_vpn_first(e, gw->p.name); v != NULL;
	     v = eng_vpn_next(v))
		vpn_kick(e, v);
}

/*
 * A policy-based VPN's configured selectors go to the dataplane as a
 * trap (dp.h): matching traffic reaches the tunnel and, with no SA yet,
 * asks for one (acquire: establish-tunnels on-traffic).  Off: removed.
 */
static void
vpn_trap(struct ike_engine *e, const struct eng_vpnc *vc, bool on)
{
	const struct eng_vpn *v = &vc->v;
	const struct eng_gw *gw;
	struct dp_trap t;

	if (v->bind_if[0] != '\0' || e->dp_ops == NULL ||
	    e->dp_ops->trap_set == NULL)
		return;
	if (!on) {
		e->dp_ops->trap_del(e->dp, v->tunnel_id);
		return;
	}
	memset(&t, 0, sizeof(t));
	t.tunnel_id = v->tunnel_id;
	if ((gw = eng_gw_find(e, v->gateway)) != NULL) {
		if (gw->p.remote.ss_family != AF_UNSPEC)
			eng_addr_to_dp(&gw->p.remote, &t.remote);
		if (gw->p.local.ss_family != AF_UNSPEC)
			eng_addr_to_dp(&gw->p.local, &t.local);
	}
	t.nsel_local = v->nts_local;
	t.nsel_remote = v->nts_remote;
	for (size_t i = 0; i < v->nts_local; i++)
		t.sel_local[i] = (struct dp_sel){ v->ts_local[i].start,
			v->ts_local[i].end, v->ts_local[i].ipproto,
			v->ts_local[i].sport, v->ts_local[i].eport };
	for (size_t i = 0; i < v->nts_remote; i++)
		t.sel_remote[i] = (struct dp_sel){ v->ts_remote[i].start,
			v->ts_remote[i].end, v->ts_remote[i].ipproto,
			v->ts_remote[i].sport, v->ts_remote[i].eport };
	e->dp_ops->trap_set(e->dp, &t);
}

static void
eng_tick(evutil_socket_t fd, short what, void *arg)
{
	eng_timers_run(arg);
}

void
eng_timers_run(struct ike_engine *e)
{
	life_run(e);
	eng_kick(e);
}

void
eng_clock_set(struct ike_engine *e, time_t (*now)(void *ctx), void *ctx)
{
	e->clock = now;
	e->clock_ctx = ctx;
}

void
eng_life_div_set(struct ike_engine *e, uint32_t div)
{
	e->life_div = div != 0 ? div : 1;
	life_wake_all(e);
}

void
eng_retry_set(struct ike_engine *e, uint32_t secs)
{
	e->retry_s = secs != 0 ? secs : ENG_RETRY_S;
}

struct ike_engine *
eng_new(struct event_base *base, const struct eng_io *io, void *io_ctx,
    const struct eng_keysrc *keys, void *keys_ctx, const struct dp_ops *dp_ops,
    struct dp *dp)
{
	struct ike_engine *e = xcalloc(1, sizeof(*e));
	struct timeval tv = { .tv_sec = 1 };

	e->base = base;
	e->io = io;
	e->io_ctx = io_ctx;
	e->keys = keys;
	e->keys_ctx = keys_ctx;
	e->dp_ops = dp_ops;
	e->dp = dp;
	e->life_div = 1;
	e->frag_budget = ENG_FRAG_BUDGET;
	e->retry_s = ENG_RETRY_S;
	e->dhp = dh_params_new();
	e->ca = crypto_algs_new(); /* NULL: each use fetches */
	if (sa_table_init(e) == -1 ||
	    crypto_random(e->cookie_secret, sizeof(e->cookie_secret)) == -1) {
		eng_free(e);
		return NULL;
	}
	eng_limits_set(e, NULL);
	e->tick = event_new(base, -1, EV_PERSIST, eng_tick, e);
	e->kick_ev = evtimer_new(base, eng_kick_cb, e);
	event_add(e->tick, &tv);
	return e;
}

void
eng_set_certs(struct ike_engine *e, struct pki_store *st,
    const struct eng_signer *signer, void *signer_ctx)
{
	e->pki = st;
	e->signer = signer;
	e->signer_ctx = signer_ctx;
}

/* Sends a Delete without waiting for its answer, and frees the SA. */
static void
sa_drop(struct ike_sa *sa)
{
	if (sa->state == IKE_ST_ESTABLISHED && !sa->x.busy) {
		struct xmsg m;
		while (sa->child != NULL)
			child_free(sa, sa->child);
		xchg_begin(sa, &m, INFORMATIONAL, false);
		pld_add_delete(&m.b, PROTO_IKE, 0, NULL, 0);
		xchg_finish(sa, &m, XW_DELETE_IKE);
	}
	sa_free(sa);
}

void
eng_free(struct ike_engine *e)
{
	if (e == NULL)
		return;
	if (e->tab != NULL) {
		SA_EACH(e, sa, nx, i)
		sa_drop(sa);
		sa_table_free(e);
	}
	ppk_waits_free(e);
	cert_waits_free(e);
	child_spiset_free(e);
	life_wake_free(e);
	if (e->tick != NULL)
		event_free(e->tick);
	if (e->kick_ev != NULL)
		event_free(e->kick_ev);
	while (e->gws != NULL) {
		struct eng_gw *gw = e->gws;
		e->gws = gw->next;
		OPENSSL_cleanse(gw, sizeof(*gw));
		free(gw);
	}
	while (e->vpns != NULL) {
		struct eng_vpnc *v = e->vpns;
		e->vpns = v->next;
		free(v);
	}
	ix_free(e);
	dh_params_free(e->dhp);
	crypto_pool_wipe(&e->rnd);
	crypto_algs_free(e->ca);
	OPENSSL_cleanse(e->pout, sizeof(e->pout));
	OPENSSL_cleanse(e->in, sizeof(e->in));
	free(e);
}

static void
gw_drop_sas(struct ike_engine *e, const struct eng_gw *gw)
{
	SA_EACH(e, sa, nx, i)
	if (sa->gw == gw)
		sa_drop(sa);
}

static void
vpn_drop_sas(struct ike_engine *e, const struct eng_vpnc *v)
{
	SA_EACH(e, sa, nx, i)
	{
		if (sa->n != NULL && sa->n->vpn == v) {
			sa_free(sa);
			continue;
		}
		for (struct child_sa *c = sa->child, *cn; c; c = cn) {
			cn = c->next;
			if (c->vpn == v)
				info_delete_child(sa, c);
		}
	}
}

void
eng_limits_set(struct ike_engine *e, const struct eng_limits *l)
{
	static const struct eng_limits none;

	life_wake_all(e); /* DPD, keepalive, half-open timeouts */
	if (l == NULL)
		l = &none;
	e->lim.half_open_max =
	    l->half_open_max ? l->half_open_max : ENG_HALF_OPEN_MAX;
	e->lim.cookie_threshold =
	    l->cookie_threshold ? l->cookie_threshold : ENG_COOKIE_THRESHOLD;
	e->lim.half_open_timeout =
	    l->half_open_timeout ? l->half_open_timeout : ENG_HALF_OPEN_TIMEOUT;
	e->lim.reduce_threshold = l->reduce_timeout ? l->reduce_threshold : 0;
	e->lim.reduce_timeout = l->reduce_threshold ? l->reduce_timeout : 0;
	/*
	 * One peer address may hold an eighth of max-count, at least 16 (all
	 * of it when max-count is smaller): 8 busy addresses fill the table,
	 * one cannot (docs/architecture.md, iked).  Junos has no knob for it.
	 */
	e->hop_max = e->lim.half_open_max / ENG_HALF_OPEN_PEER_DIV;
	if (e->hop_max < ENG_HALF_OPEN_PEER_MIN)
		e->hop_max = ENG_HALF_OPEN_PEER_MIN;
	if (e->hop_max > e->lim.half_open_max)
		e->hop_max = e->lim.half_open_max;
}

int
eng_peer_set(struct ike_engine *e, const struct eng_peer *p)
{
	struct eng_gw *gw;

	life_wake_all(e); /* DPD, keepalive, half-open timeouts */
	if (p->name[0] == '\0' || p->nprop == 0 ||
	    p->nprop > ENG_PROPOSALS_MAX || p->psk_len > ENG_PSK_MAX)
		return -1;
	gw = eng_gw_find(e, p->name);
	if (gw != NULL) {
		if (memcmp(&gw->p, p, sizeof(*p)) == 0)
			return 0; /* unchanged: keeps its SAs */
		gw_drop_sas(e, gw);
		ix_gw_del(e, gw); /* indexed by its address too */
		OPENSSL_cleanse(&gw->p, sizeof(gw->p));
		gw->p = *p;
		ix_gw_add(e, gw);
	} else {
		gw = xcalloc(1, sizeof(*gw));
		gw->p = *p;
		ix_gw_add(e, gw);
	}
	/* its VPNs only: a commit at N gateways is not N walks of all */
	for (struct eng_vpnc *v = eng_vpn_first(e, p->name); v != NULL;
	     v = eng_vpn_next(v)) {
		vpn_trap(e, v, true); /* the outer addresses */
		vpn_kick(e, v);
	}
	return 0;
}

void
eng_peer_del(struct ike_engine *e, const char *name)
{
	struct eng_gw *gw = eng_gw_find(e, name);

	if (gw == NULL)
		return;
	gw_drop_sas(e, gw);
	ix_gw_del(e, gw);
	OPENSSL_cleanse(gw, sizeof(*gw));
	free(gw);
}

int
eng_vpn_set(struct ike_engine *e, const struct eng_vpn *v)
{
	struct eng_vpnc *vc;

	life_wake_all(e); /* DPD, keepalive, half-open timeouts */
	if (v->name[0] == '\0' || v->nprop == 0 ||
	    v->nprop > ENG_PROPOSALS_MAX || v->nts_local > ENG_TS_MAX ||
	    v->nts_remote > ENG_TS_MAX)
		return -1;
	vc = eng_vpn_find(e, v->name);
	if (vc != NULL) {
		if (memcmp(&vc->v, v, sizeof(*v)) == 0)
			return 0;
		vpn_drop_sas(e, vc);
		vpn_trap(e, vc, false);
		if (strcmp(vc->v.gateway, v->gateway) != 0) {
			ix_vpn_del(e, vc); /* indexed by its gateway */
			vc->v = *v;
			ix_vpn_add(e, vc);
		}
		vc->v = *v;
	} else {
		vc = xcalloc(1, sizeof(*vc));
		vc->v = *v;
		ix_vpn_add(e, vc);
	}
	vpn_trap(e, vc, true);
	vpn_kick(e, vc); /* only it: the others did not change */
	return 0;
}

void
eng_vpn_del(struct ike_engine *e, const char *name)
{
	struct eng_vpnc *vc = eng_vpn_find(e, name);

	if (vc == NULL)
		return;
	vpn_drop_sas(e, vc);
	/*
	 * A Child SA whose Delete awaits the peer's answer would outlive
	 * its VPN (and name it in a log once answered): it goes now.  The
	 * answer then finds no SA, as for any SA already gone (1.4.1).
	 */
	SA_EACH(e, sa, nx, i)
	{
		for (struct child_sa *c = sa->child, *cn; c; c = cn) {
			cn = c->next;
			if (c->vpn == vc)
				child_free(sa, c);
		}
	}
	vpn_trap(e, vc, false);
	ix_vpn_del(e, vc);
	free(vc);
}

void
eng_acquire(struct ike_engine *e, uint32_t tunnel_id)
{
	for (struct eng_vpnc *v = e->vpns; v != NULL; v = v->next)
		if (v->v.tunnel_id == tunnel_id &&
		    v->v.establish != ENG_RESPONDER_ONLY)
			vpn_start(e, v);
}

void
eng_expire(struct ike_engine *e, uint32_t spi, bool inbound, bool hard)
{
	SA_EACH(e, sa, nx, i)
	{
		struct child_sa *c =
		    inbound ? child_find_in(sa, spi) : child_find_out(sa, spi);
		if (c == NULL)
			continue;
		life_touch(sa);
		if (hard) {
			log_info("ipsec vpn %s: hard lifetime of %08x reached",
			    c->vpn->v.name, spi);
			info_delete_child(sa, c);
		} else if (!c->rekeyed && !c->deleting) {
			c->soft_at = eng_now(e); /* retried from the timers */
			/* RFC 7296 2.8: soft expiry rekeys. */
			log_info("ipsec vpn %s: soft lifetime of %08x reached, "
				 "rekeying",
			    c->vpn->v.name, spi);
			rekey_child(sa, c);
		}
		return;
	}
}

void
eng_stats_get(const struct ike_engine *e, struct eng_stats *out)
{
	*out = e->st;
}

int
eng_peer_stats_get(
    const struct ike_engine *e, const char *name, struct eng_peer_stats *out)
{
	const struct eng_gw *gw = e->gws;

	while (gw != NULL && strcmp(gw->p.name, name) != 0)
		gw = gw->next;
	if (gw == NULL)
		return -1;
	*out = gw->st;
	out->ike_sas = out->ike_up = out->child_sas = 0;
	SA_EACH(e, sa, nx, i)
	{
		if (sa->gw != gw)
			continue;
		out->ike_sas++;
		if (sa->state == IKE_ST_ESTABLISHED)
			out->ike_up++;
		for (const struct child_sa *c = sa->child; c; c = c->next)
			out->child_sas += c->in_dp;
	}
	return 0;
}

json_t *
eng_rpc(struct ike_engine *e, const char *name, const json_t *input, char *err,
    size_t errlen)
{
	/* a clear or a rekey asked for: every SA at the next tick */
	if (strncmp(name, "show-", 5) != 0)
		life_wake_all(e);
	return rpc_run(e, name, input, err, errlen);
}
