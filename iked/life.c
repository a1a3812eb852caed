/*
 * life: the engine's clock and what it drives, once a second (the tick in
 * engine.c, or eng_timers_run from a test that moved its clock), for the
 * SAs that have something due then (life_wake.c).
 *
 *   lifetimes     IKE SA: the proposal's lifetime-seconds (Junos default
 *                 28800), Child SA: the ESP proposal's (3600).  Hard
 *                 expiry deletes; soft expiry rekeys (create_child.c).
 *                 Both peers run timers, so the soft one is jittered and
 *                 the side that initiated the IKE SA rekeys first: at
 *                 80-84% of the lifetime, the other side at 86-90%; the
 *                 second rarely fires, and when both do, 2.8.1 resolves
 *                 the collision.  Kilobyte lifetimes are the dataplane's
 *                 (dp_sa soft/hard bytes -> eng_expire).
 *   reauth        `reauth-frequency N`: every Nth IKE SA rekey is a new
 *                 IKE_SA_INIT + IKE_AUTH instead (a fresh PPK with RFC
 *                 8784); the old IKE SA goes when the new one is up.
 *   DPD           `dead-peer-detection`: an empty INFORMATIONAL request
 *                 every interval (always-send), or when nothing came
 *                 from the peer for an interval (probe-idle-tunnel; and
 *                 optimized, when we also sent ESP in it).  xchg.c resends
 *                 it every interval and declares the peer dead after
 *                 threshold sends.
 *   keepalives    RFC 3948 4: behind a NAT, one 0xFF octet to the peer's
 *                 NAT-T port every nat-keepalive seconds (default 20).
 *   INITIAL_CONTACT  RFC 7296 2.4: sent in IKE_AUTH when we have no other
 *                 IKE SA with the gateway; received, the peer lost its
 *                 state: our other IKE SAs with that identity go at once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iked/eng_int.h"
#include "lib/log.h"
#include "lib/sb.h"

time_t
eng_now(const struct ike_engine *e)
{
	return e->clock != NULL ? e->clock(e->clock_ctx) : time(NULL);
}

/*
 * When to rekey, in seconds after the start of a lifetime of life.  The
 * jitter's octet from the engine's pool: a RAND_bytes (the DRBG's lock
 * and a fork check) for each IKE and Child SA was 2 % of a setup.
 */
static time_t
life_soft(struct ike_engine *e, uint32_t life, bool first)
{
	uint8_t r = 0;
	uint64_t pct;

	if (crypto_pool_random(&e->rnd, &r, 1) == -1)
		r = 0;
	pct = (first ? 80 : 86) + r % 5;
	return (time_t)((uint64_t)life * pct / 100);
}

uint32_t
life_secs(const struct ike_engine *e, uint32_t life, uint32_t dflt)
{
	uint32_t s = (life != 0 ? life : dflt) / e->life_div;

	return s > 2 ? s : 2;
}

void
life_ike_start(struct ike_sa *sa)
{
	uint32_t life =
	    life_secs(sa->e, sa->prop.lifetime_s, ENG_IKE_LIFE_DEFAULT);
	time_t now = eng_now(sa->e);

	sa->created = now;
	sa->soft_at = now + life_soft(sa->e, life, sa->initiator);
	sa->hard_at = now + life;
	sa->ka_at = now +
	    (sa->gw->p.nat_keepalive ? sa->gw->p.nat_keepalive
				     : ENG_NATKA_DEFAULT);
	life_touch(sa);
}

void
life_child_start(struct ike_sa *sa, struct child_sa *c)
{
	uint32_t life =
	    life_secs(sa->e, c->prop.lifetime_s, ENG_ESP_LIFE_DEFAULT);
	time_t now = eng_now(sa->e);

	c->created = now;
	c->soft_at = now + life_soft(sa->e, life, sa->initiator);
	c->hard_at = now + life;
	life_touch(sa);
}

void
eng_event_add(struct ike_engine *e, struct eng_vpnc *v, const char *what)
{
	size_t i, n = sizeof(v->ev) / sizeof(v->ev[0]);
	struct eng_event ev = { .when = eng_now(e), .what = what, .times = 1 };

	for (i = 0; i < n - 1; i++)
		if (v->ev[i].what != NULL && strcmp(v->ev[i].what, what) == 0)
			break;
	if (v->ev[i].what != NULL && strcmp(v->ev[i].what, what) == 0)
		ev.times = v->ev[i].times + 1;
	/* newest first: what was at 0..i-1 moves down one */
	memmove(&v->ev[1], &v->ev[0], i * sizeof(v->ev[0]));
	v->ev[0] = ev;
}

void
eng_gw_why(struct ike_engine *e, struct eng_gw *gw, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(gw->down_why, sizeof(gw->down_why), fmt, ap);
	va_end(ap);
	gw->down_at = eng_now(e);
}

/*
 * A failed negotiation (issue 10): one log line with the peer's address
 * and port ("ike G: why (peer 192.0.2.2:500)", or "ipsec vpn V: ..." for
 * a Child SA of vpn), and why kept as gw's last reason.  why is a notify
 * name or our words, never key material.  The caller counts it.
 */
void
eng_gw_fail(struct ike_engine *e, struct eng_gw *gw, const struct eng_vpnc *vpn,
    const struct sockaddr *peer, const char *fmt, ...)
{
	struct sockaddr_storage ss;
	char ab[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(gw->down_why, sizeof(gw->down_why), fmt, ap);
	va_end(ap);
	gw->down_at = eng_now(e);
	eng_ss_copy(&ss, peer);
	if (vpn != NULL)
		log_info("ipsec vpn %s: %s (peer %s)", vpn->v.name,
		    gw->down_why, eng_addr_str(&ss, ab, sizeof(ab)));
	else
		log_info("ike %s: %s (peer %s)", gw->p.name, gw->down_why,
		    eng_addr_str(&ss, ab, sizeof(ab)));
}

/* Reauthentication instead of this rekey?  `reauth-frequency`. */
static bool
life_reauth_due(const struct ike_sa *sa)
{
	uint32_t n = sa->gw->p.reauth_frequency;

	return n != 0 && (sa->rekeys + 1) % n == 0 &&
	    sa->gw->p.remote.ss_family != AF_UNSPEC;
}

/*
 * Whether the peer is already replacing sa (its own reauthentication,
 * make before break): an IKE SA of the same gateway that the peer
 * started no earlier than sa, half-open, waiting for its PPK or up.  Both
 * sides have `reauth-frequency` and the peer's soft expiry came first;
 * reauthenticating sa as well would leave two new IKE SAs that nothing
 * resolves as duplicates, and each later round would double them.  The
 * peer deletes sa once its new IKE SA is up; if it fails instead, the
 * next tick finds no such SA and reauthenticates.  Only walked when the
 * gateway has another SA.
 */
static bool
life_peer_replacing(const struct ike_sa *sa)
{
	if (sa->gw->nsas <= 1)
		return false;
	SA_EACH(sa->e, o, nx, i)
	{
		if (o != sa && o->gw == sa->gw && !o->initiator &&
		    o->created >= sa->created &&
		    (o->state == IKE_ST_INIT_DONE ||
			o->state == IKE_ST_AUTH_WAIT ||
			o->state == IKE_ST_ESTABLISHED))
			return true;
	}
	return false;
}

static void
life_reauth(struct ike_sa *sa)
{
	struct eng_vpnc *v = eng_vpn_for_gw(sa->e, sa->gw);
	struct ike_sa *nsa;

	if (v == NULL || (nsa = sa_init_start(sa->e, sa->gw, v)) == NULL) {
		rekey_ike(sa); /* cannot: rekey instead */
		return;
	}
	log_info("ike %s: reauthenticating IKE SA %016llx (reauth-frequency "
		 "%u)",
	    sa->gw->p.name, (unsigned long long)sa_our_spi(sa),
	    sa->gw->p.reauth_frequency);
	nsa->n->reauth_of = sa_our_spi(sa);
	sa->gw->st.reauths++;
	sa->rekeyed = true; /* no rekey of the one being replaced */
}

/* Sums the dataplane counters of sa's Child SAs: inbound, outbound. */
static void
life_traffic(struct ike_sa *sa, uint64_t *in, uint64_t *out)
{
	struct ike_engine *e = sa->e;
	struct dp_stats st;

	*in = *out = 0;
	if (e->dp_ops->sa_stats == NULL)
		return;
	for (struct child_sa *c = sa->child; c != NULL; c = c->next) {
		if (!c->in_dp)
			continue;
		if (e->dp_ops->sa_stats(e->dp, c->spi_in, true, &st) == 0)
			*in += st.dec_packets;
		if (!c->out_gone &&
		    e->dp_ops->sa_stats(e->dp, c->spi_out, false, &st) == 0)
			*out += st.enc_packets;
	}
}

static void
life_dpd(struct ike_sa *sa, time_t now)
{
	const struct eng_peer *p = &sa->gw->p;
	uint32_t ival = p->dpd_interval ? p->dpd_interval : 10;
	uint64_t in, out;
	bool send;

	if (p->dpd == ENG_DPD_OFF)
		return;
	if (sa->dpd_at == 0) {
		sa->dpd_at = now + ival;
		return;
	}
	if (now < sa->dpd_at || sa->x.busy)
		return;
	life_traffic(sa, &in, &out);
	if (in != sa->dpd_in) {
		sa->last_in = now; /* ESP from the peer: it lives */
		sa->dpd_in = in;
	}
	bool idle = now - sa->last_in >= (time_t)ival;
	switch (p->dpd) {
	case ENG_DPD_ALWAYS: send = true; break;
	case ENG_DPD_PROBE_IDLE: send = idle; break;
	default: /* optimized: we sent, nothing back */
		send = idle && out != sa->dpd_out;
		break;
	}
	sa->dpd_out = out;
	sa->dpd_at = now + ival;
	if (send) {
		log_debug("ike %s: DPD liveness check", p->name);
		info_liveness(sa);
	}
}

static void
life_keepalive(struct ike_sa *sa, time_t now)
{
	struct ike_engine *e = sa->e;
	uint32_t ival = sa->gw->p.nat_keepalive ? sa->gw->p.nat_keepalive
						: ENG_NATKA_DEFAULT;

	if (!sa->nat_local || e->io->send_keepalive == NULL)
		return;
	if (sa->ka_at == 0 || sa->ka_at > now + (time_t)ival)
		sa->ka_at = now + ival;
	if (now < sa->ka_at)
		return;
	sa->ka_at = now + ival;
	sa->gw->st.keepalives++;
	e->io->send_keepalive(e->io_ctx,
	    sa->local.ss_family == AF_UNSPEC
		? NULL
		: (const struct sockaddr *)&sa->local,
	    (const struct sockaddr *)&sa->remote);
}

static void
life_children(struct ike_sa *sa, time_t now)
{
	for (struct child_sa *c = sa->child, *cn; c != NULL; c = cn) {
		cn = c->next;
		if (!c->in_dp || c->deleting)
			continue;
		if (now >= c->hard_at) {
			log_info("ipsec vpn %s: Child SA %08x hard lifetime "
				 "expired",
			    c->vpn->v.name, c->spi_in);
			info_delete_child(sa, c);
			cn = sa->child; /* the list changed */
			continue;
		}
		if (!c->rekeyed && now >= c->soft_at && now >= c->retry_at &&
		    sa->rk == NULL && !sa->rekeyed)
			rekey_child(sa, c);
	}
}

/* One IKE SA's timers; the SA may be gone afterwards. */
/* Junos session half-open timeout, reduced when many are half-open. */
static time_t
life_half_open_timeout(const struct ike_engine *e)
{
	if (e->lim.reduce_threshold != 0 &&
	    e->half_open >= e->lim.reduce_threshold)
		return e->lim.reduce_timeout;
	return e->lim.half_open_timeout;
}

static void
life_sa(struct ike_sa *sa, time_t now)
{
	if (!sa->initiator &&
	    (sa->state == IKE_ST_INIT_DONE || sa->state == IKE_ST_AUTH_WAIT) &&
	    now - sa->created >= life_half_open_timeout(sa->e)) {
		/* Junos session half-open timeout: no IKE_AUTH came */
		log_debug("ike %s: half-open IKE SA %016llx timed out",
		    sa->gw->p.name, (unsigned long long)sa_our_spi(sa));
		sa->e->st.half_open_expired++;
		sa_free(sa);
		return;
	}
	if (sa->state != IKE_ST_ESTABLISHED)
		return;
	if (sa->hard_at == 0)
		life_ike_start(sa);
	if (now >= sa->hard_at) {
		log_info("ike %s: IKE SA %016llx hard lifetime expired",
		    sa->gw->p.name, (unsigned long long)sa_our_spi(sa));
		info_delete_ike(sa);
		return;
	}
	life_keepalive(sa, now);
	if (!sa->rekeyed && sa->rk == NULL && now >= sa->soft_at &&
	    now >= sa->retry_at) {
		if (life_reauth_due(sa)) {
			if (!life_peer_replacing(sa))
				life_reauth(sa);
		} else
			rekey_ike(sa);
	}
	life_children(sa, now);
	life_dpd(sa, now);
}

/* The SAs with something due (life_wake.c), each then rescheduled. */
void
life_run(struct ike_engine *e)
{
	time_t now = eng_now(e);
	uint64_t *spis;
	size_t n = life_due(e, now, &spis);

	for (size_t i = 0; i < n; i++) {
		struct ike_sa *sa = sa_find(e, spis[i]);
		if (sa == NULL)
			continue; /* freed by an SA before it */
		e->st.timer_visits++;
		life_sa(sa, now);
		if ((sa = sa_find(e, spis[i])) != NULL)
			life_resched(sa, now);
	}
	free(spis);
}

bool
life_first_contact(const struct ike_sa *sa)
{
	struct ike_engine *e = sa->e;

	if (sa->gw->nsas <= 1)
		return true; /* no other: no walk of every SA */
	SA_EACH(e, o, nx, i)
	if (o != sa && o->gw == sa->gw &&
	    (o->state == IKE_ST_ESTABLISHED || o->state == IKE_ST_DELETING))
		return false;
	return true;
}

void
life_authenticated(struct ike_sa *sa, const struct ike_msg *msg)
{
	struct ike_engine *e = sa->e;
	const struct ike_id *id = sa->initiator ? &msg->idr : &msg->idi;
	struct eng_vpnc *v = sa->n != NULL ? sa->n->vpn : NULL;
	struct ike_sa *o;
	bool crossed;

	sa_id_set(sa, id->type, id->data.p, id->data.len);
	life_ike_start(sa);
	if (v == NULL)
		v = eng_vpn_for_gw(e, sa->gw);
	if (v != NULL && sa->child != NULL)
		eng_event_add(e, v, "IPsec SA negotiation succeeds");
	if (sa->n != NULL && sa->n->reauth_of != 0) {
		struct ike_sa *old = sa_find(e, sa->n->reauth_of);
		if (old != NULL && old != sa) {
			log_info("ike %s: reauthenticated, IKE SA %016llx goes",
			    sa->gw->p.name,
			    (unsigned long long)sa->n->reauth_of);
			info_delete_ike(old);
		}
	}
	/* a crossed pair: the peer's INITIAL_CONTACT came before it knew
	 * of ours, which is no stale SA; collide.c picks one */
	crossed = collide_resolve(sa,
	    !sa->initiator && pld_notify_find(msg, N_INITIAL_CONTACT) != NULL);
	if (sa->initiator || pld_notify_find(msg, N_INITIAL_CONTACT) == NULL ||
	    sa->gw->nsas <= 1 || crossed)
		return; /* nothing else with the gateway to go */
	/* RFC 7296 2.4: the peer restarted; what we had with it is stale. */
	while ((o = sa_id_other(e, sa)) != NULL) {
		log_info("ike %s: INITIAL_CONTACT: IKE SA %016llx is stale, "
			 "deleted",
		    sa->gw->p.name, (unsigned long long)sa_our_spi(o));
		sa_free(o);
	}
}
