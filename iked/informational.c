/*
 * informational: the INFORMATIONAL exchange (RFC 7296 1.4): Delete of the
 * IKE SA or of Child SAs, and the empty request that checks liveness.
 *
 * Deleting the IKE SA takes its Child SAs with it (1.4.1): they leave the
 * dataplane when the Delete is sent, and the IKE SA goes when the peer
 * answers (or the retransmissions run out).  Deleting a Child SA names
 * our inbound SPI; its outbound SA leaves the dataplane at once, its
 * inbound one only when the peer answers (so that packets the peer sent
 * before it saw the Delete, e.g. during a rekey, still arrive; 2.8).  The
 * peer answers with its own SPI and both sides remove both directions.
 * Requests we cannot send yet (window 1) wait in x.pending and go when
 * the request in flight is answered; Child SA Deletes are queued.
 */
#include <arpa/inet.h>
#include <string.h>

#include "iked/eng_int.h"
#include "lib/log.h"

static uint32_t
spi32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

void
info_delete_ike(struct ike_sa *sa)
{
	if (sa->state == IKE_ST_DELETING)
		return;
	if (sa->state != IKE_ST_ESTABLISHED) {
		sa_free(sa); /* nothing the peer could delete yet */
		return;
	}
	while (sa->child != NULL)
		child_free(sa, sa->child);
	sa->x.pending = XW_DELETE_IKE; /* nothing else matters now */
	sa_state(sa, IKE_ST_DELETING);
	if (!sa->x.busy)
		info_send_pending(sa);
}

void
info_delete_child(struct ike_sa *sa, struct child_sa *c)
{
	if (c->deleting)
		return;
	if (sa->state != IKE_ST_ESTABLISHED ||
	    sa->ndel >= sizeof(sa->del_spis) / sizeof(sa->del_spis[0])) {
		child_free(sa, c); /* nobody to tell, or no room: now */
		return;
	}
	c->deleting = true;
	child_out_remove(sa, c);
	sa->del_spis[sa->ndel++] = c->spi_in;
	sa->x.pending |= XW_DELETE_CHILD;
	if (!sa->x.busy)
		info_send_pending(sa);
}

void
info_liveness(struct ike_sa *sa)
{
	sa->x.pending |= XW_LIVENESS;
	if (!sa->x.busy)
		info_send_pending(sa);
}

void
info_send_pending(struct ike_sa *sa)
{
	struct xmsg m;
	uint8_t what;

	if (sa->x.busy || sa->x.pending == 0)
		return;
	if (sa->x.pending & XW_DELETE_IKE)
		what = XW_DELETE_IKE;
	else if (sa->x.pending & XW_DELETE_CHILD)
		what = XW_DELETE_CHILD;
	else if (sa->x.pending & XW_CREATE)
		what = XW_CREATE;
	else
		what = XW_LIVENESS;
	sa->x.pending &= ~what;
	if (what == XW_CREATE) {
		create_child_send(sa);
		return;
	}
	xchg_begin(sa, &m, INFORMATIONAL, false);
	if (what == XW_DELETE_IKE) {
		pld_add_delete(&m.b, PROTO_IKE, 0, NULL, 0);
	} else if (what == XW_DELETE_CHILD) {
		uint8_t spi[ENG_DEL_MAX][4];
		for (size_t i = 0; i < sa->ndel; i++)
			put32(spi[i], sa->del_spis[i]);
		pld_add_delete(
		    &m.b, PROTO_ESP, 4, &spi[0][0], (uint16_t)sa->ndel);
		memcpy(sa->del_sent, sa->del_spis, sizeof(sa->del_sent));
		sa->ndel_sent = sa->ndel;
		sa->ndel = 0;
	}
	if (xchg_finish(sa, &m, what) == -1 && what == XW_DELETE_IKE)
		sa_free(sa);
}

void
info_request(struct ike_sa *sa, const struct ike_msg *msg)
{
	uint8_t spis[IKE_DELETE_MAX * 16][4];
	uint16_t nspi = 0;
	bool del_ike = false;
	struct xmsg m;

	if (sa->state != IKE_ST_ESTABLISHED && sa->state != IKE_ST_DELETING)
		return;
	for (size_t i = 0; i < msg->ndelete; i++) {
		const struct ike_delete *d = &msg->del[i];
		if (d->proto == PROTO_IKE) {
			del_ike = true;
			continue;
		}
		if (d->proto != PROTO_ESP || d->spi_len != 4)
			continue;
		for (size_t j = 0; j < d->nspi; j++) {
			/* The peer names its inbound SPI: our outbound. */
			struct child_sa *c =
			    child_find_out(sa, spi32(d->spis.p + j * 4));
			if (c == NULL)
				continue;
			if (nspi < sizeof(spis) / sizeof(spis[0]))
				put32(spis[nspi++], c->spi_in);
			child_free(sa, c);
		}
	}
	xchg_begin(sa, &m, INFORMATIONAL, true);
	if (nspi > 0 && !del_ike)
		pld_add_delete(&m.b, PROTO_ESP, 4, &spis[0][0], nspi);
	xchg_finish(sa, &m, XW_NONE);
	if (del_ike) {
		log_info("ike %s: IKE SA %016llx deleted by peer",
		    sa->gw->p.name, (unsigned long long)sa_our_spi(sa));
		sa_free(sa);
	}
}

void
info_response(struct ike_sa *sa, const struct ike_msg *msg)
{
	uint8_t what = sa->x.what;

	xchg_answered(sa);
	sa->dpd_sent = 0;
	if (what == XW_DELETE_IKE) {
		log_info("ike %s: IKE SA %016llx deleted", sa->gw->p.name,
		    (unsigned long long)sa_our_spi(sa));
		sa_free(sa);
		return;
	}
	if (what == XW_DELETE_CHILD) {
		/* RFC 7296 1.4.1: answered; the inbound SAs go now too. */
		for (size_t i = 0; i < sa->ndel_sent; i++) {
			struct child_sa *c = child_find_in(sa, sa->del_sent[i]);
			if (c != NULL)
				child_free(sa, c);
		}
		sa->ndel_sent = 0;
	}
	xchg_kick(sa);
}
