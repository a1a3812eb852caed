/*
 * frag: IKEv2 fragmentation (RFC 7383).
 *
 * Out: when both sides announced IKEV2_FRAGMENTATION_SUPPORTED in
 * IKE_SA_INIT (2.3) and an encrypted message would not fit the fragment
 * size (the IP datagram: by default 576 octets over IPv4, 1280 over
 * IPv6, 2.5.1), its plaintext payload chain is cut into pieces, each
 * sealed in its own SKF payload (2.5) with the same message ID; only
 * fragment 1 names the first inner payload.  The fragments are kept back
 * to back, each an IKE message with its own length, and a retransmission
 * sends them all (2.6.3).
 *
 * In: each fragment's integrity is checked before it is kept (2.6.2);
 * fragments are kept per IKE SA for one message ID at a time, at most
 * ENG_FRAG_MAX of them and IKE_MSG_MAX octets in all, for at most
 * ENG_FRAG_TIMEOUT_S, and all SAs together at most e->frag_budget octets
 * (ENG_FRAG_BUDGET: half-open SAs reassemble too).  A fragment with a larger
 * Total Fragments restarts the reassembly, one with a smaller one is dropped
 * (2.6.2).  When the last one is in, the pieces are joined in e->in and decoded
 * as one message.  What is refused is counted (in_frag_dropped) and changes
 * nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "iked/eng_int.h"
#include "lib/log.h"
#include "lib/sb.h"

struct frag_rx {
	struct ike_hdr hdr; /* the first fragment kept: the others agree */
	uint16_t total, have;
	uint8_t first;
	size_t bytes;
	time_t started;
	uint8_t *piece[ENG_FRAG_MAX + 1]; /* 1..total */
	size_t plen[ENG_FRAG_MAX + 1];
};

void
frag_rx_free(struct ike_sa *sa)
{
	struct frag_rx *rx = sa->frx;

	if (rx == NULL)
		return;
	sa->e->frag_held -= rx->bytes;
	for (size_t i = 0; i <= ENG_FRAG_MAX; i++) {
		if (rx->piece[i] != NULL)
			OPENSSL_cleanse(rx->piece[i], rx->plen[i]);
		free(rx->piece[i]);
	}
	free(rx);
	sa->frx = NULL;
}

void
frag_rx_held(const struct ike_sa *sa, size_t *nfrags, size_t *bytes)
{
	*nfrags = sa->frx != NULL ? sa->frx->have : 0;
	*bytes = sa->frx != NULL ? sa->frx->bytes : 0;
}

static uint32_t
frag_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

size_t
frag_send_all(struct ike_engine *e, const uint8_t *p, size_t len,
    const struct sockaddr_storage *local, const struct sockaddr_storage *remote)
{
	size_t off = 0, mlen, n = 0;

	if (len >= IKE_HDR_LEN && frag_get32(p + 24) == len) {
		eng_send(e, p, len, local, remote);
		return 0;
	}
	while (len - off >= IKE_HDR_LEN) {
		mlen = frag_get32(p + off + 24);
		if (mlen < IKE_HDR_LEN || mlen > len - off)
			break;
		e->st.out_frags++;
		n++;
		eng_send(e, p + off, mlen, local, remote);
		off += mlen;
	}
	return n;
}

/* RFC 7383 2.5.1: the IKE message length a fragment may have. */
static size_t
frag_msg_max(const struct ike_sa *sa)
{
	bool v6 = sa->remote.ss_family == AF_INET6;
	size_t size = sa->gw->p.fragment_size ? sa->gw->p.fragment_size
	    : v6			      ? ENG_FRAG_SIZE6
					      : ENG_FRAG_SIZE;
	size_t ip = v6 ? 40 : 20;

	if (size < ENG_FRAG_MIN)
		size = ENG_FRAG_MIN;
	/* IP and UDP headers, and the non-ESP marker on port 4500 */
	return size - ip - 8 - (sa->natt ? 4 : 0);
}

int
frag_seal(struct ike_sa *sa, const struct ike_hdr *h, uint8_t first,
    size_t plen, uint8_t **out, size_t *outlen)
{
	struct ike_engine *e = sa->e;
	size_t max = frag_msg_max(sa), ov = sk_overhead(&sa->keys);
	size_t chunk, total, off = 0, len;
	uint8_t *buf;

	if (!sa->frag_ok || h->exchange == IKE_SA_INIT || ov == 0 ||
	    IKE_HDR_LEN + IKE_PLD_HDR_LEN + plen + ov <= max)
		return 0;
	if (max <= IKE_HDR_LEN + IKE_PLD_HDR_LEN + 4 + ov)
		return -1;
	chunk = max - IKE_HDR_LEN - IKE_PLD_HDR_LEN - 4 - ov;
	total = (plen + chunk - 1) / chunk;
	if (total > ENG_FRAG_MAX)
		return -1;
	buf = xmalloc(total * max);
	for (size_t i = 1; i <= total; i++) {
		size_t n = i < total ? chunk : plen - (i - 1) * chunk;
		struct pld_build ob;
		size_t at;

		pld_build_init(&ob, e->out, sizeof(e->out), h);
		at = pld_add_skf_header(
		    &ob, i == 1 ? first : 0, (uint16_t)i, (uint16_t)total);
		if (ob.err != 0 ||
		    skf_seal(&sa->keys, sa->initiator, e->out, sizeof(e->out),
			at, e->pout + (i - 1) * chunk, n, &len) == -1 ||
		    len > max)
			goto fail;
		ob.len = len;
		if (pld_build_end(&ob) != (long)len)
			goto fail;
		memcpy(buf + off, e->out, len);
		off += len;
	}
	*out = buf;
	*outlen = off;
	return 1;
fail:
	free(buf);
	return -1;
}

static void
frag_drop(struct ike_engine *e)
{
	e->st.in_frag_dropped++;
}

/* RFC 7296 2.2 for a fragment: is it part of what we wait for? */
static bool
frag_id_ok(
    struct ike_sa *sa, const struct ike_msg *msg, const struct sockaddr *from)
{
	const struct ike_hdr *h = &msg->hdr;

	if (h->flags & IKE_FLAG_RESPONSE) {
		if (sa->x.busy && h->msgid == sa->x.req_id &&
		    h->exchange == sa->x.req_exch)
			return true;
	} else if (h->msgid == sa->x.peer_next) {
		return true;
	} else if (h->msgid + 1 == sa->x.peer_next) {
		/* a repeated request: its first fragment gets our answer,
		 * where it came from (RFC 7296 2.11, as a whole one) */
		if (msg->sk.frag_num == 1)
			(void)xchg_check_in(sa, h, from);
		return false;
	}
	sa->e->st.in_bad_msgid++;
	return false;
}

/* Joins the pieces in e->in and decodes them into msg.  1 / 0. */
static int
frag_join(struct ike_sa *sa, struct ike_msg *msg)
{
	struct ike_engine *e = sa->e;
	struct frag_rx *rx = sa->frx;
	uint16_t notify;
	size_t off = 0;

	for (size_t i = 1; i <= rx->total; i++) {
		memcpy(e->in + off, rx->piece[i], rx->plen[i]);
		off += rx->plen[i];
	}
	e->in_len = off;
	if (pld_decode_inner(msg, rx->first, e->in, off, &notify) == -1) {
		e->st.in_malformed++;
		frag_rx_free(sa);
		return 0;
	}
	msg->sk.first = rx->first;
	e->st.in_reassembled++;
	frag_rx_free(sa);
	return 1;
}

/*
 * RFC 7383 2.6: the fragments of one message carry its IKE header; one
 * whose header differs from the first kept (another exchange, SPI or
 * flags) is not part of it and is dropped, the reassembly kept.
 */
static bool
frag_hdr_agrees(
    struct ike_sa *sa, const struct frag_rx *rx, const struct ike_msg *msg)
{
	const struct ike_hdr *a = &rx->hdr, *b = &msg->hdr;

	if (a->ispi == b->ispi && a->rspi == b->rspi &&
	    a->version == b->version && a->exchange == b->exchange &&
	    a->flags == b->flags)
		return true;
	log_info("ike %s: fragment %u/%u of message ID %u dropped: its "
		 "header (%s, flags 0x%02x) differs from the first's (%s, "
		 "flags 0x%02x)",
	    sa->gw->p.name, msg->sk.frag_num, msg->sk.frag_total, b->msgid,
	    ikev2_exchange_name(b->exchange), b->flags,
	    ikev2_exchange_name(a->exchange), a->flags);
	return false;
}

int
frag_input(struct ike_sa *sa, struct ike_msg *msg, const struct sockaddr *from)
{
	struct ike_engine *e = sa->e;
	const struct ike_sk *sk = &msg->sk;
	bool resp = (msg->hdr.flags & IKE_FLAG_RESPONSE) != 0;
	struct frag_rx *rx;
	time_t now = eng_now(e); /* the engine's clock, as every deadline */
	size_t plen;

	if (!sa->frag_ok || sa->keys.prf == NULL ||
	    sk->frag_total > ENG_FRAG_MAX) {
		frag_drop(e);
		return 0;
	}
	/* RFC 7383 2.6.2: nothing is kept before its ICV verified. */
	if (skf_open(&sa->keys, (msg->hdr.flags & IKE_FLAG_INITIATOR) != 0,
		msg->raw.p, msg->raw.len, sk->off, e->in, sizeof(e->in),
		&plen) == -1) {
		e->st.in_integrity++;
		frag_drop(e);
		return 0;
	}
	e->st.in_frags++;
	sa->in_frags++;
	if (!frag_id_ok(sa, msg, from))
		return 0;
	rx = sa->frx;
	if (rx != NULL &&
	    (rx->hdr.msgid != msg->hdr.msgid ||
		((rx->hdr.flags & IKE_FLAG_RESPONSE) != 0) != resp ||
		now - rx->started > ENG_FRAG_TIMEOUT_S ||
		sk->frag_total > rx->total)) {
		e->st.in_frag_dropped += rx->have;
		frag_rx_free(sa);
		rx = NULL;
	}
	if (rx != NULL &&
	    (sk->frag_total < rx->total || !frag_hdr_agrees(sa, rx, msg))) {
		frag_drop(e);
		return 0;
	}
	if (rx == NULL) {
		rx = sa->frx = xcalloc(1, sizeof(*rx));
		rx->hdr = msg->hdr;
		rx->total = sk->frag_total;
		rx->started = now;
	}
	if (rx->piece[sk->frag_num] != NULL)
		return 0; /* a repeated fragment */
	if (plen > IKE_MSG_MAX - rx->bytes ||
	    plen > e->frag_budget - e->frag_held ||
	    (sk->frag_num == 1 && sk->first == PLD_NONE)) {
		e->st.in_frag_dropped += rx->have + 1;
		frag_rx_free(sa);
		return 0;
	}
	rx->piece[sk->frag_num] = xmalloc(plen ? plen : 1);
	memcpy(rx->piece[sk->frag_num], e->in, plen);
	rx->plen[sk->frag_num] = plen;
	rx->bytes += plen;
	e->frag_held += plen;
	if (sk->frag_num == 1)
		rx->first = sk->first;
	if (++rx->have < rx->total)
		return 0;
	return frag_join(sa, msg);
}
