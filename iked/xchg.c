/*
 * xchg: message IDs, retransmission and the response cache of one IKE SA
 * (RFC 7296 2.1, 2.2), and the building, sealing and opening of messages.
 *
 * Window size 1: at most one request of ours is in flight.  It is kept as
 * sent and resent with a doubling timeout (ENG_RETRANS_BASE_MS, then x2)
 * until ENG_RETRANS_TRIES sends are unanswered; then the peer is
 * unreachable and the IKE SA goes (with its Child SAs).  Our last response
 * is kept too: the peer repeating a request gets it again, byte for byte,
 * and nothing is processed twice.  A response whose ID is not the one of
 * our request in flight, and a request that is neither the next one nor
 * the last one, is counted and dropped.  A message too long for the
 * fragment size goes as RFC 7383 fragments (frag.c), kept and resent
 * together.
 *
 * A liveness check of dead peer detection is resent on its own schedule
 * instead: every dpd interval, and the peer is dead after dpd threshold
 * sends with no answer (Junos `dead-peer-detection interval N threshold
 * M`); its SAs go and an `immediately` VPN is renegotiated.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "iked/eng_int.h"
#include "lib/log.h"
#include "lib/sb.h"

int
eng_send(struct ike_engine *e, const uint8_t *p, size_t len,
    const struct sockaddr_storage *local, const struct sockaddr_storage *remote)
{
	const struct sockaddr *l = local->ss_family == AF_UNSPEC
	    ? NULL
	    : (const struct sockaddr *)local;

	e->st.out_packets++;
	return e->io->send(
	    e->io_ctx, p, len, l, (const struct sockaddr *)remote);
}

void
xchg_begin(struct ike_sa *sa, struct xmsg *m, uint8_t exch, bool response)
{
	struct ike_engine *e = sa->e;

	m->exch = exch;
	m->response = response;
	m->msgid = response ? sa->x.peer_next - 1 : sa->x.next_id;
	if (exch == IKE_SA_INIT) {
		struct ike_hdr h = {
			.ispi = sa->ispi,
			.rspi = sa->rspi,
			.version = IKEV2_VERSION,
			.exchange = exch,
			.flags = (sa->initiator ? IKE_FLAG_INITIATOR : 0) |
			    (response ? IKE_FLAG_RESPONSE : 0),
			.msgid = m->msgid,
		};
		pld_build_init(&m->b, e->out, sizeof(e->out), &h);
	} else {
		pld_build_init_inner(&m->b, e->pout, sizeof(e->pout));
	}
}

static bool
xchg_is_dpd(const struct ike_sa *sa)
{
	return sa->x.what == XW_LIVENESS && sa->gw->p.dpd != ENG_DPD_OFF;
}

/* The wait after send number tries (1..), in milliseconds. */
static unsigned
xchg_rto_ms(const struct ike_sa *sa, int tries)
{
	if (xchg_is_dpd(sa))
		return (sa->gw->p.dpd_interval ? sa->gw->p.dpd_interval : 10) *
		    1000u;
	return (unsigned)ENG_RETRANS_BASE_MS << (tries - 1);
}

static int
xchg_tries_max(const struct ike_sa *sa)
{
	if (xchg_is_dpd(sa))
		return sa->gw->p.dpd_threshold ? (int)sa->gw->p.dpd_threshold
					       : 5;
	return ENG_RETRANS_TRIES;
}

static void
xchg_arm(struct ike_sa *sa)
{
	unsigned ms = xchg_rto_ms(sa, sa->x.tries);
	struct timeval tv = {
		.tv_sec = ms / 1000,
		.tv_usec = (ms % 1000) * 1000,
	};

	evtimer_add(sa->x.ev, &tv);
}

/* The peer answered nothing: it is gone (RFC 7296 2.4). */
static void
xchg_peer_dead(struct ike_sa *sa)
{
	struct ike_engine *e = sa->e;
	char ab[64];

	if (xchg_is_dpd(sa)) {
		log_warn("ike %s: peer %s dead: %d liveness checks "
			 "unanswered (DPD)",
		    sa->gw->p.name, eng_addr_str(&sa->remote, ab, sizeof(ab)),
		    sa->x.tries);
		sa->gw->st.dpd_dead++;
		eng_gw_why(e, sa->gw, "Peer is dead (DPD)");
	} else {
		log_warn("ike %s: peer %s unreachable, %s not answered after "
			 "%d tries",
		    sa->gw->p.name, eng_addr_str(&sa->remote, ab, sizeof(ab)),
		    ikev2_exchange_name(sa->x.req_exch), sa->x.tries);
		eng_gw_why(e, sa->gw, "peer unreachable: %s not answered",
		    ikev2_exchange_name(sa->x.req_exch));
	}
	sa->gw->st.unreachable++;
	/* `establish-tunnels immediately`: renegotiate at the next tick. */
	for (struct eng_vpnc *v = eng_vpn_first(e, sa->gw->p.name); v != NULL;
	     v = eng_vpn_next(v)) {
		v->retry_at = 0;
		if (sa->state == IKE_ST_ESTABLISHED)
			eng_event_add(e, v, "Peer is dead (DPD)");
	}
	sa_free(sa);
}

static void
xchg_timer(evutil_socket_t fd, short what, void *arg)
{
	struct ike_sa *sa = arg;
	struct ike_engine *e = sa->e;

	if (!sa->x.busy)
		return;
	life_touch(sa);
	if (sa->x.tries >= xchg_tries_max(sa)) {
		xchg_peer_dead(sa);
		return;
	}
	sa->x.tries++;
	e->st.out_retransmits++;
	sa->out_pkts++;
	sa->out_bytes += sa->x.req_len;
	/* RFC 7383 2.6.3: every fragment again */
	sa->out_frags +=
	    frag_send_all(e, sa->x.req, sa->x.req_len, &sa->local, &sa->remote);
	xchg_arm(sa);
}

int
xchg_finish(struct ike_sa *sa, struct xmsg *m, uint8_t what)
{
	struct ike_engine *e = sa->e;
	uint8_t *copy = NULL;
	size_t len;

	if (m->exch == IKE_SA_INIT) {
		long l = pld_build_end(&m->b);
		if (l < 0)
			return -1;
		len = (size_t)l;
	} else {
		long plen = pld_build_end(&m->b);
		if (plen < 0) {
			OPENSSL_cleanse(e->pout, sizeof(e->pout));
			return -1;
		}
		struct ike_hdr h = {
			.ispi = sa->ispi,
			.rspi = sa->rspi,
			.version = IKEV2_VERSION,
			.exchange = m->exch,
			.flags = (sa->initiator ? IKE_FLAG_INITIATOR : 0) |
			    (m->response ? IKE_FLAG_RESPONSE : 0),
			.msgid = m->msgid,
		};
		struct pld_build ob;
		int fr = frag_seal(
		    sa, &h, pld_build_first(&m->b), (size_t)plen, &copy, &len);
		pld_build_init(&ob, e->out, sizeof(e->out), &h);
		size_t off = pld_add_sk_header(&ob, pld_build_first(&m->b));
		bool bad = fr == -1 ||
		    (fr == 0 &&
			(ob.err != 0 ||
			    sk_seal(&sa->keys, sa->initiator, e->out,
				sizeof(e->out), off, e->pout, (size_t)plen,
				&len) == -1));
		/* sealed or not, the plaintext (nonces, KE, AUTH) goes */
		OPENSSL_cleanse(e->pout, (size_t)plen);
		if (bad) {
			log_warn("ike %s: cannot seal %s", sa->gw->p.name,
			    ikev2_exchange_name(m->exch));
			return -1;
		}
		if (fr == 0) {
			ob.len = len;
			if (pld_build_end(&ob) != (long)len)
				return -1;
		}
	}

	if (copy == NULL) {
		copy = xmalloc(len);
		memcpy(copy, e->out, len);
	}
	if (m->response) {
		free(sa->x.resp);
		sa->x.resp = copy;
		sa->x.resp_len = len;
		sa->x.resp_id = m->msgid;
	} else {
		xchg_stop(sa);
		sa->x.req = copy;
		sa->x.req_len = len;
		sa->x.req_id = m->msgid;
		sa->x.req_exch = m->exch;
		sa->x.busy = true;
		sa->x.what = what;
		sa->x.tries = 1;
		sa->x.next_id = m->msgid + 1;
		if (sa->x.ev == NULL)
			sa->x.ev = evtimer_new(e->base, xchg_timer, sa);
		xchg_arm(sa);
	}
	sa->out_pkts++;
	sa->out_bytes += len;
	sa->out_frags += frag_send_all(e, copy, len, &sa->local, &sa->remote);
	return 0;
}

/* Forgets the request in flight (answered, or to be rebuilt). */
void
xchg_stop(struct ike_sa *sa)
{
	if (sa->x.ev != NULL)
		evtimer_del(sa->x.ev);
	free(sa->x.req);
	sa->x.req = NULL;
	sa->x.req_len = 0;
	sa->x.busy = false;
	sa->x.what = XW_NONE;
}

void
xchg_answered(struct ike_sa *sa)
{
	xchg_stop(sa);
}

/* Sends what waited for the window (RFC 7296 2.3). */
void
xchg_kick(struct ike_sa *sa)
{
	if (!sa->x.busy && sa->x.pending != 0 &&
	    (sa->state == IKE_ST_ESTABLISHED || sa->state == IKE_ST_DELETING))
		info_send_pending(sa);
}

void
xchg_free(struct ike_sa *sa)
{
	xchg_stop(sa);
	if (sa->x.ev != NULL)
		event_free(sa->x.ev);
	sa->x.ev = NULL;
	free(sa->x.resp);
	sa->x.resp = NULL;
}

int
xchg_check_in(
    struct ike_sa *sa, const struct ike_hdr *h, const struct sockaddr *from)
{
	struct ike_engine *e = sa->e;
	struct sockaddr_storage to = sa->remote;

	if (h->flags & IKE_FLAG_RESPONSE) {
		if (!sa->x.busy || h->msgid != sa->x.req_id ||
		    h->exchange != sa->x.req_exch) {
			e->st.in_bad_msgid++;
			return 0;
		}
		return 1;
	}
	if (h->msgid == sa->x.peer_next) {
		sa->x.peer_next++;
		return 1;
	}
	if (h->msgid + 1 == sa->x.peer_next) {
		/* RFC 7296 2.1: a retransmitted request gets our answer. */
		if (sa->x.resp != NULL && sa->x.resp_id == h->msgid) {
			/* RFC 7296 2.11: to where the request came from (a
			 * NAT may have moved it; 2.23: the SA does not) */
			if (from != NULL)
				eng_ss_copy(&to, from);
			e->st.in_dup_answered++;
			sa->out_frags += frag_send_all(
			    e, sa->x.resp, sa->x.resp_len, &sa->local, &to);
		}
		/* else: still being answered (key source), ignore */
		return 0;
	}
	e->st.in_bad_msgid++;
	return 0;
}

int
xchg_open(struct ike_sa *sa, struct ike_msg *msg, uint16_t *notify)
{
	struct ike_engine *e = sa->e;
	size_t plen;
	bool from_init = (msg->hdr.flags & IKE_FLAG_INITIATOR) != 0;

	*notify = 0;
	if (!msg->has_sk || sa->keys.prf == NULL || msg->sk.frag)
		return -1;
	if (sk_open(&sa->keys, from_init, msg->raw.p, msg->raw.len, msg->sk.off,
		e->in, sizeof(e->in), &plen) == -1) {
		e->st.in_integrity++;
		return -1;
	}
	e->in_len = plen;
	if (pld_decode_inner(msg, msg->sk.first, e->in, plen, notify) == -1) {
		e->st.in_malformed++;
		return -1;
	}
	return 0;
}
