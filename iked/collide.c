/*
 * collide: two IKE SAs with one gateway from a simultaneous initiation.
 *
 * When both gateways start a tunnel at once (`establish-tunnels
 * immediately` on both, or traffic on both sides), their IKE_SA_INIT
 * requests cross, each side answers the other's, and two IKE SAs come
 * up, each with a Child SA for the same VPN.  RFC 7296 leaves this case
 * to the implementation; its rule for the like case of a simultaneous
 * rekey (2.8.1: the SA made with the lowest of the four nonces is
 * redundant) is what both sides can apply here without a word: the IKE SA
 * whose lower SPI is the lowest of the four SPIs is redundant (the nonces
 * are gone once an SA is up; the SPIs are as random and both sides hold
 * the same values).  Either side that saw the crossing deletes the
 * redundant one with an INFORMATIONAL Delete (its Child SA goes with it,
 * 1.4.1); when both do, each answers the other's Delete (2.8.1's crossing
 * Deletes).  The survivor's Child SA carries the VPN.
 *
 * The crossing is noted when an SA starts (our IKE_SA_INIT sent, or the
 * peer's answered) while one of the other role is being negotiated with
 * the same gateway, or came up less than ENG_CROSS_S ago: the peer's
 * retransmitted IKE_SA_INIT may reach us after ours is done (strongSwan,
 * whose own is still CONNECTING then, keeps both).  A reauthentication
 * (the old SA up for long) or an IKE SA rekey (no IKE_SA_INIT) is never
 * taken for one; nor is a peer that restarted just after an SA came up:
 * one whose IKE_AUTH says INITIAL_CONTACT (2.4) when ours was up before
 * its IKE_SA_INIT arrived (in a true crossing it had one with us then,
 * and says nothing); life.c then removes the stale SA.
 */
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "iked/eng_int.h"
#include "lib/log.h"

static bool
collide_young(const struct ike_sa *sa, time_t now)
{
	if (sa->state == IKE_ST_ESTABLISHED)
		/* life_ike_start: created is when it came up */
		return sa->rekeys == 0 && now - sa->created <= ENG_CROSS_S;
	return sa->state == IKE_ST_INIT_SENT || sa->state == IKE_ST_INIT_DONE ||
	    sa->state == IKE_ST_AUTH_WAIT || sa->state == IKE_ST_AUTH_SENT;
}

void
collide_mark(struct ike_sa *sa)
{
	struct ike_engine *e = sa->e;
	time_t now = eng_now(e);

	/* none of the other role with the gateway: O(1) (a responder's
	 * one gateway for thousands of initiators has none) */
	if ((sa->initiator ? sa->gw->nsas - sa->gw->nsas_init
			   : sa->gw->nsas_init) == 0)
		return;
	SA_EACH(e, o, nx, i)
	{
		if (o == sa || o->gw != sa->gw || o->rekeyed ||
		    o->initiator == sa->initiator || !collide_young(o, now))
			continue;
		uint8_t how = o->state == IKE_ST_ESTABLISHED ? COLLIDE_LATE
							     : COLLIDE_NEGO;
		if (o->crossed < how)
			o->crossed = how;
		if (sa->crossed < how)
			sa->crossed = how;
	}
}

static uint64_t
collide_low(const struct ike_sa *sa)
{
	return sa->ispi < sa->rspi ? sa->ispi : sa->rspi;
}

bool
collide_resolve(struct ike_sa *sa, bool initial_contact)
{
	struct ike_engine *e = sa->e;
	struct ike_sa *gone;

	if (sa->crossed == 0)
		return false;
	if (initial_contact && sa->crossed == COLLIDE_LATE) {
		sa->crossed = 0; /* the peer restarted (2.4) */
		return false;
	}
	if (sa->state != IKE_ST_ESTABLISHED)
		return true;
	SA_EACH(e, o, nx, i)
	{
		if (o == sa || o->gw != sa->gw || !o->crossed ||
		    o->state != IKE_ST_ESTABLISHED || o->rekeyed ||
		    o->initiator == sa->initiator)
			continue;
		gone = collide_low(o) < collide_low(sa) ? o : sa;
		o->crossed = sa->crossed = 0;
		log_info("ike %s: simultaneous initiation: IKE SAs "
			 "%016llx and %016llx, the first redundant, deleted",
		    sa->gw->p.name, (unsigned long long)sa_our_spi(gone),
		    (unsigned long long)sa_our_spi(gone == sa ? o : sa));
		info_delete_ike(gone);
		return true;
	}
	return true;
}
