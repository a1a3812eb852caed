/*
 * life_wake: when the engine's timers (life.c) next need to look at an IKE
 * SA, so that the once-a-second tick visits only the SAs with something
 * due instead of every SA: an idle responder with 10,000 tunnels does no
 * per-SA work in a second in which none of them has a deadline.
 *
 * A binary min-heap of SAs keyed by wake_at, the earliest of the SA's
 * deadlines that life_sa() acts on (life_next): the half-open timeout,
 * the IKE SA's hard and soft lifetime and rekey retry, its NAT keepalive
 * and DPD check, each Child SA's hard and soft lifetime and retry.
 * Retransmission is not here: each exchange in flight has its own timer
 * (xchg.c).
 *
 * Deadlines are set in many places, and a condition that held a due
 * action back (a rekey in flight, an exchange busy) clears in others.
 * Rather than have each of them compute the SA's next deadline, any of
 * them marks the SA due now (life_touch): a new SA, a state change, a
 * message or retransmission of the SA, a lifetime started, a dataplane
 * expiry; the tick then visits it and computes its next deadline after
 * life_sa() has run.  What changes the deadlines of many SAs at once (a
 * gateway's DPD or keepalive settings, the half-open limits, an operator's
 * clear) marks them all (life_wake_all), visited at the next tick.  A
 * deadline that is due but held back is looked at again each second, as
 * before.  Visiting an SA early does nothing: life_sa() only acts on what
 * is due.
 */
#include <stdint.h>
#include <stdlib.h>

#include "iked/eng_int.h"
#include "lib/sb.h"

#define LIFE_NEVER ((time_t)INT64_MAX)

static time_t
life_min(time_t a, time_t b)
{
	return a < b ? a : b;
}

static time_t
life_max(time_t a, time_t b)
{
	return a > b ? a : b;
}

/*
 * The earliest time after now at which life_sa() may act on sa: what it
 * acts on at once (a deadline not yet set, or due but held back) gives
 * now + 1, the next tick.
 */
static time_t
life_next(const struct ike_sa *sa, time_t now)
{
	const struct ike_engine *e = sa->e;
	const struct eng_peer *p = &sa->gw->p;
	time_t t = LIFE_NEVER;

	if (!sa->initiator &&
	    (sa->state == IKE_ST_INIT_DONE || sa->state == IKE_ST_AUTH_WAIT)) {
		/* the shorter timeout may apply by then */
		time_t to = e->lim.half_open_timeout;
		if (e->lim.reduce_threshold != 0)
			to = life_min(to, e->lim.reduce_timeout);
		t = sa->created + to;
	}
	if (sa->state != IKE_ST_ESTABLISHED)
		return t <= now ? now + 1 : t;
	if (sa->hard_at == 0)
		return now + 1; /* life_ike_start() at the next tick */
	t = life_min(t, sa->hard_at);
	if (!sa->rekeyed)
		t = life_min(t, life_max(sa->soft_at, sa->retry_at));
	if (sa->nat_local && e->io->send_keepalive != NULL)
		t = life_min(t, sa->ka_at != 0 ? sa->ka_at : now + 1);
	if (p->dpd != ENG_DPD_OFF)
		t = life_min(t, sa->dpd_at != 0 ? sa->dpd_at : now + 1);
	for (const struct child_sa *c = sa->child; c != NULL; c = c->next) {
		if (!c->in_dp || c->deleting)
			continue;
		t = life_min(t, c->hard_at);
		if (!c->rekeyed)
			t = life_min(t, life_max(c->soft_at, c->retry_at));
	}
	return t <= now ? now + 1 : t;
}

static void
wake_set(struct ike_engine *e, size_t i, struct ike_sa *sa)
{
	e->wake[i] = sa;
	sa->wake_i = i + 1;
}

static void
wake_up(struct ike_engine *e, size_t i)
{
	struct ike_sa *sa = e->wake[i];

	while (i > 0 && e->wake[(i - 1) / 2]->wake_at > sa->wake_at) {
		wake_set(e, i, e->wake[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	wake_set(e, i, sa);
}

static void
wake_down(struct ike_engine *e, size_t i)
{
	struct ike_sa *sa = e->wake[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= e->nwake)
			break;
		if (c + 1 < e->nwake &&
		    e->wake[c + 1]->wake_at < e->wake[c]->wake_at)
			c++;
		if (e->wake[c]->wake_at >= sa->wake_at)
			break;
		wake_set(e, i, e->wake[c]);
		i = c;
	}
	wake_set(e, i, sa);
}

/* sa to be looked at no later than at; earlier if it already is. */
static void
life_wake_at(struct ike_sa *sa, time_t at)
{
	struct ike_engine *e = sa->e;

	if (sa->wake_i != 0) {
		if (at < sa->wake_at) {
			sa->wake_at = at;
			wake_up(e, sa->wake_i - 1);
		}
		return;
	}
	if (e->nwake == e->wake_cap) {
		e->wake_cap = e->wake_cap ? 2 * e->wake_cap : 64;
		e->wake = xrealloc(e->wake, e->wake_cap * sizeof(*e->wake));
	}
	sa->wake_at = at;
	wake_set(e, e->nwake++, sa);
	wake_up(e, e->nwake - 1);
}

void
life_touch(struct ike_sa *sa)
{
	life_wake_at(sa, eng_now(sa->e));
}

void
life_wake_all(struct ike_engine *e)
{
	e->wake_all = true;
}

void
life_unwake(struct ike_sa *sa)
{
	struct ike_engine *e = sa->e;
	size_t i = sa->wake_i;

	if (i-- == 0)
		return;
	sa->wake_i = 0;
	if (i == --e->nwake)
		return;
	struct ike_sa *m = e->wake[e->nwake]; /* the last, into the hole */
	wake_set(e, i, m);
	wake_down(e, i);
	wake_up(e, m->wake_i - 1);
}

size_t
life_due(struct ike_engine *e, time_t now, uint64_t **spis)
{
	size_t n = 0, cap = 0;

	*spis = NULL;
	if (e->wake_all) {
		e->wake_all = false;
		SA_EACH(e, sa, nx, i)
		life_wake_at(sa, now);
	}
	while (e->nwake > 0 && e->wake[0]->wake_at <= now) {
		struct ike_sa *sa = e->wake[0];
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			*spis = xrealloc(*spis, cap * sizeof(**spis));
		}
		(*spis)[n++] = sa_our_spi(sa);
		life_unwake(sa);
	}
	return n;
}

void
life_resched(struct ike_sa *sa, time_t now)
{
	life_wake_at(sa, life_next(sa, now));
}

void
life_wake_free(struct ike_engine *e)
{
	free(e->wake);
	e->wake = NULL;
	e->nwake = e->wake_cap = 0;
}
