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
 * the same gateway, so that a reauthentication (the old SA established)
 * or an IKE SA rekey is never taken for one.
 */
#include <stdbool.h>
#include <stdint.h>

#include "iked/eng_int.h"
#include "lib/log.h"

static bool
collide_negotiating(const struct ike_sa *sa)
{
	return sa->state == IKE_ST_INIT_SENT || sa->state == IKE_ST_INIT_DONE ||
	    sa->state == IKE_ST_AUTH_WAIT || sa->state == IKE_ST_AUTH_SENT;
}

void
collide_mark(struct ike_sa *sa)
{
	struct ike_engine *e = sa->e;

	if (sa->gw->nsas < 2)
		return; /* no other SA with the gateway: O(1) */
	SA_EACH(e, o, nx, i)
	{
		if (o == sa || o->gw != sa->gw || o->rekeyed ||
		    o->initiator == sa->initiator || !collide_negotiating(o))
			continue;
		o->crossed = true;
		sa->crossed = true;
	}
}

static uint64_t
collide_low(const struct ike_sa *sa)
{
	return sa->ispi < sa->rspi ? sa->ispi : sa->rspi;
}

void
collide_resolve(struct ike_sa *sa)
{
	struct ike_engine *e = sa->e;
	struct ike_sa *gone;

	if (!sa->crossed || sa->state != IKE_ST_ESTABLISHED)
		return;
	SA_EACH(e, o, nx, i)
	{
		if (o == sa || o->gw != sa->gw || !o->crossed ||
		    o->state != IKE_ST_ESTABLISHED || o->rekeyed ||
		    o->initiator == sa->initiator)
			continue;
		gone = collide_low(o) < collide_low(sa) ? o : sa;
		o->crossed = sa->crossed = false;
		log_info("ike %s: simultaneous initiation: IKE SAs "
			 "%016llx and %016llx, the first redundant, deleted",
		    sa->gw->p.name, (unsigned long long)sa_our_spi(gone),
		    (unsigned long long)sa_our_spi(gone == sa ? o : sa));
		info_delete_ike(gone);
		return;
	}
}
