/*
 * fuzz_eng: two real engines brought to a state and fed the fuzzer's
 * records (see fuzz_eng.h).  Internal structs (iked/eng_int.h) are read
 * only to find the live IKE SAs, their keys and the counts the
 * invariants compare; every input reaches the engines through eng_input
 * and the timers as a datagram from the network would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "iked/ca.h"
#include "iked/eng_int.h"
#include "lib/log.h"
#include "tests/fuzz/fuzz_eng.h"

#define FZ_PUMP_MAX 10000 /* loop passes before the wire is called stuck */
#define FZ_TUNNEL 500001

struct fz_held {
	int side; /* the sender */
	size_t len;
	uint8_t *p;
};

struct fz {
	bool hold;	/* what the engines send each other is held */
	bool hold_auth; /* setup: A's IKE_AUTH is held */
	size_t nheld;
	struct fz_held held[FZ_HELD_MAX];
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;
	struct signer_local *sig[2]; /* certificates: the signers */
};

static void
fz_fail(const char *what, int side)
{
	fprintf(stderr, "fuzz_eng: %s (engine %c)\n", what, side ? 'B' : 'A');
	abort();
}

void (*fz_tap)(struct wire *w, int side, const uint8_t *p, size_t len);

/* The wire's drop hook: what is held waits for FZ_RELEASE. */
static bool
fz_drop(struct wire *w, int side, const uint8_t *p, size_t len)
{
	struct fz *fz = w->ctx;
	bool auth = fz->hold_auth && side == 0 && len > 18 && p[18] == IKE_AUTH;

	if (fz_tap != NULL)
		fz_tap(w, side, p, len);
	if (!fz->hold && !auth)
		return false;
	if (fz->nheld < FZ_HELD_MAX) {
		struct fz_held *h = &fz->held[fz->nheld++];
		h->side = side;
		h->len = len;
		h->p = malloc(len);
		if (h->p == NULL)
			abort();
		memcpy(h->p, p, len);
	}
	return true;
}

static void
fz_release(struct wire *w)
{
	struct fz *fz = w->ctx;

	for (size_t i = 0; i < fz->nheld; i++) {
		struct fz_held *h = &fz->held[i];
		wire_queue(w,
		    pkt_new(1 - h->side, h->p, h->len, &w->addr[h->side],
			&w->addr[1 - h->side]));
		free(h->p);
	}
	fz->nheld = 0;
}

void
fz_pump(struct wire *w)
{
	for (int n = 0; n < FZ_PUMP_MAX; n++) {
		event_base_loop(w->base, EVLOOP_NONBLOCK);
		if (w->head != NULL)
			continue;
		/* a timer of zero added meanwhile (eng_kick_soon) */
		event_base_loop(w->base, EVLOOP_NONBLOCK);
		if (w->head == NULL)
			return;
	}
	fz_fail("the engines never go quiet", 0);
}

/* The sender's IKE SA number pick (0, 1) that has keys, or its first. */
static struct ike_sa *
fz_sender(struct wire *w, int side, int pick)
{
	struct ike_sa *first = NULL;
	int n = 0;

	SA_EACH(w->eng[side], sa, nx, i)
	{
		if (sa->keys.prf == NULL || sa->state == IKE_ST_DEAD)
			continue;
		if (n++ == pick)
			return sa;
		if (first == NULL)
			first = sa;
	}
	return first;
}

size_t
fz_seal(struct wire *w, int to, int pick, uint8_t exch, uint8_t fl,
    int8_t dmsgid, uint8_t first, uint16_t frag_num, uint16_t frag_total,
    const uint8_t *plain, size_t plen, uint8_t *out, size_t cap)
{
	struct ike_sa *s = fz_sender(w, 1 - to, pick), *r;
	bool resp = (fl & 1) != 0, iflag;
	struct pld_build b;
	size_t off, mlen;
	uint32_t base;
	int rc;

	if (s == NULL)
		return 0;
	/* the receiver's side of the same SA: what IDs it expects */
	r = sa_find(w->eng[to], s->initiator ? s->rspi : s->ispi);
	base = r == NULL ? 0 : resp ? r->x.req_id : r->x.peer_next;
	iflag = s->initiator != ((fl & 2) != 0);
	struct ike_hdr h = {
		.ispi = s->ispi,
		.rspi = s->rspi,
		.version = IKEV2_VERSION,
		.exchange = exch,
		.flags = (iflag ? IKE_FLAG_INITIATOR : 0) |
		    (resp ? IKE_FLAG_RESPONSE : 0),
		.msgid = base + (uint32_t)(int32_t)dmsgid,
	};
	pld_build_init(&b, out, cap, &h);
	if (frag_total == 0) {
		off = pld_add_sk_header(&b, first);
		rc = b.err != 0 ? -1
				: sk_seal(&s->keys, s->initiator, out, cap, off,
				      plain, plen, &mlen);
	} else {
		off = pld_add_skf_header(&b, first, frag_num, frag_total);
		rc = b.err != 0 ? -1
				: skf_seal(&s->keys, s->initiator, out, cap,
				      off, plain, plen, &mlen);
	}
	if (rc == -1)
		return 0;
	b.len = mlen;
	return pld_build_end(&b) == (long)mlen ? mlen : 0;
}

/* Every busy SA's retransmission timer fires now. */
static void
fz_retransmit(struct wire *w)
{
	for (int side = 0; side < 2; side++) {
		SA_EACH(w->eng[side], sa, nx, i)
		{
			if (sa->x.busy && sa->x.ev != NULL)
				event_active(sa->x.ev, EV_TIMEOUT, 1);
		}
	}
}

void
fz_input(struct wire *w, int to, uint16_t port, const uint8_t *p, size_t len)
{
	struct sockaddr_in from = w->addr[1 - to], dst = w->addr[to];

	from.sin_port = dst.sin_port = htons(port);
	eng_input(w->eng[to], p, len, (struct sockaddr *)&from,
	    (struct sockaddr *)&dst);
}

static void
fz_put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* One datagram record's body: as it is, SPIs patched, or sealed. */
static void
fz_datagram(struct wire *w, int to, int mode, int pick, uint16_t port,
    const uint8_t *body, size_t n)
{
	static uint8_t buf[IKE_MSG_MAX];
	struct ike_sa *s;
	size_t len = 0;

	switch (mode) {
	case FZ_RAW:
	case FZ_SPI:
		len = n < sizeof(buf) ? n : sizeof(buf);
		memcpy(buf, body, len);
		if (mode == FZ_SPI && len >= 16 &&
		    (s = fz_sender(w, 1 - to, pick)) != NULL) {
			fz_put64(buf, s->ispi);
			fz_put64(buf + 8, s->rspi);
		}
		break;
	case FZ_SK:
		if (n < 4)
			return;
		len = fz_seal(w, to, pick, body[0], body[1], (int8_t)body[2],
		    body[3], 0, 0, body + 4, n - 4, buf, sizeof(buf));
		break;
	case FZ_SKF:
		if (n < 8)
			return;
		len = fz_seal(w, to, pick, body[0], body[1], (int8_t)body[2],
		    body[3], (uint16_t)(body[4] << 8 | body[5]),
		    (uint16_t)(body[6] << 8 | body[7]), body + 8, n - 8, buf,
		    sizeof(buf));
		if (len == 0)
			return;
		break;
	}
	if (len == 0 && mode != FZ_RAW)
		return;
	fz_input(w, to, port, buf, len);
}

size_t
fz_record(struct wire *w, const uint8_t *p, size_t len)
{
	static const time_t adv[4] = { 0, 1, 10, 61 };
	uint8_t op;
	int to, mode, pick;
	uint16_t port;
	size_t used = 1, n;

	if (len == 0)
		return 0;
	op = p[0];
	to = op & 1;
	mode = (op >> 1) & 7;
	port = (op & 0x10) ? 4500 : 500;
	pick = op >> 7;
	if (adv[(op >> 5) & 3] != 0)
		wire_advance(w, adv[(op >> 5) & 3]);
	switch (mode) {
	case FZ_HOLD:
		((struct fz *)w->ctx)->hold = !((struct fz *)w->ctx)->hold;
		break;
	case FZ_RELEASE: fz_release(w); break;
	case FZ_RETRANSMIT: fz_retransmit(w); break;
	case FZ_CLOCK:
		/* past the Child SA's lifetime: soft and hard expiry */
		wire_advance(w, ENG_ESP_LIFE_DEFAULT);
		break;
	default:
		n = len - used < 2 ? 0 : (size_t)(p[1] | p[2] << 8);
		used = len - used < 2 ? len : 3;
		if (n > len - used)
			n = len - used;
		fz_datagram(w, to, mode, pick, port, p + used, n);
		used += n;
		break;
	}
	fz_pump(w);
	fz_check(w);
	return used;
}

/* Whether some Child SA of e owns the dataplane SA d. */
static bool
fz_dp_owned(struct ike_engine *e, const struct dp_sa *d)
{
	SA_EACH(e, sa, nx, i)
	{
		for (struct child_sa *c = sa->child; c != NULL; c = c->next)
			if (d->inbound ? c->spi_in == d->spi
				       : c->spi_out == d->spi)
				return true;
	}
	return false;
}

void
fz_check(struct wire *w)
{
	for (int side = 0; side < 2; side++) {
		struct ike_engine *e = w->eng[side];
		size_t n = 0, half = 0, flight = 0, held = 0, nf, nb;

		SA_EACH(e, sa, nx, i)
		{
			n++;
			if (sa->e != e || sa->state == IKE_ST_DEAD ||
			    sa_find(e, sa_our_spi(sa)) != sa)
				fz_fail("SA table: an SA not found by its SPI",
				    side);
			half += !sa->initiator &&
			    (sa->state == IKE_ST_INIT_DONE ||
				sa->state == IKE_ST_AUTH_WAIT);
			flight += sa->initiator &&
			    (sa->state == IKE_ST_INIT_SENT ||
				sa->state == IKE_ST_AUTH_WAIT ||
				sa->state == IKE_ST_AUTH_SENT);
			frag_rx_held(sa, &nf, &nb);
			if (nf > ENG_FRAG_MAX || nb > IKE_MSG_MAX)
				fz_fail("reassembly past its bounds", side);
			held += nb;
		}
		if (held != e->frag_held || held > e->frag_budget)
			fz_fail(
			    "reassembly octets differ from the budget's", side);
		if (n != e->nsa)
			fz_fail("SA table: count differs", side);
		if (half != e->half_open || half > e->lim.half_open_max)
			fz_fail("half-open count differs", side);
		if (flight != e->init_flight)
			fz_fail("in-flight count differs", side);
		for (size_t i = 0; i < w->dp[side].n; i++)
			if (!fz_dp_owned(e, &w->dp[side].sa[i]))
				fz_fail(
				    "dataplane SA without its Child SA", side);
	}
}

/* After the engines, before the loop (wire_free). */
static void
fz_fini(struct wire *w)
{
	struct fz *fz = w->ctx;

	for (int side = 0; side < 2; side++)
		if (fz->sig[side] != NULL)
			signer_local_free(fz->sig[side]);
}

struct wire *
fz_start(enum fz_state st, enum fz_auth a)
{
	struct wire *w = wire_new();
	struct fz *fz = calloc(1, sizeof(*fz));
	struct ike_sa *sa;

	if (fz == NULL)
		abort();
	if (getenv("FUZZ_ENG_LOG") == NULL)
		log_set_level(LOG_LVL_ERR);
	w->ctx = fz;
	w->drop = fz_drop;
	w->fini = fz_fini;
	peer_conf(&fz->pa, 0, a == FZ_AUTH_PSK ? "s3cret-psk" : "");
	peer_conf(&fz->pb, 1, a == FZ_AUTH_PSK ? "s3cret-psk" : "");
	fz_cert_conf(w, a, &fz->pa, &fz->pb, fz->sig);
	/* RFC 7383 on, as Junos has it by default */
	fz->pa.fragmentation = fz->pb.fragmentation = true;
	vpn_conf(&fz->va, 0);
	vpn_conf(&fz->vb, 1);
	fz->va.establish = ENG_ON_TRAFFIC; /* started here, not by a tick */
	wire_conf(w, &fz->pa, &fz->pb, &fz->va, &fz->vb);
	if (st == FZ_ST_NONE)
		return w;
	fz->hold_auth = st == FZ_ST_HALF;
	eng_acquire(w->eng[0], FZ_TUNNEL);
	fz_pump(w);
	fz->hold_auth = false;
	if (st == FZ_ST_HALF) {
		/* an IKE_AUTH with a certificate: in fragments */
		if (w->eng[1]->half_open != 1 || fz->nheld < 1)
			fz_fail("setup: no half-open SA", 1);
		return w;
	}
	if (!both_up(w))
		fz_fail("setup: no SA up", 0);
	if (st == FZ_ST_UP)
		return w;
	fz->hold = true;
	sa = fz_sender(w, 0, 0);
	if (st == FZ_ST_REKEY)
		eng_expire(
		    w->eng[0], mock_find(&w->dp[0], true)->spi, true, false);
	else if (st == FZ_ST_REKEY_IKE)
		(void)rekey_ike(sa);
	else
		info_liveness(sa);
	fz_pump(w);
	fz->hold = false;
	if (fz->nheld != 1)
		fz_fail("setup: the request was not held", 0);
	return w;
}

void
fz_end(struct wire *w)
{
	struct fz *fz = w->ctx;

	fz->hold = false;
	fz_release(w);
	fz_pump(w);
	fz_check(w);
	/* every SA goes with the gateway: nothing may be left counted */
	for (int side = 0; side < 2; side++) {
		struct ike_engine *e = w->eng[side];
		eng_peer_del(e, "gw");
		if (e->nsa != 0 || e->half_open != 0 || e->init_flight != 0)
			fz_fail(
			    "SAs or counts left after the gateway went", side);
		if (w->dp[side].n != 0)
			fz_fail(
			    "dataplane SAs left after the gateway went", side);
	}
	fz_pump(w);
	/* and the engines still negotiate a fresh pair */
	if (eng_peer_set(w->eng[1], &fz->pb) != 0 ||
	    eng_peer_set(w->eng[0], &fz->pa) != 0)
		fz_fail("the gateway cannot be set again", 0);
	eng_acquire(w->eng[0], FZ_TUNNEL);
	fz_pump(w);
	if (!both_up(w))
		fz_fail("no fresh SA after the input", 0);
	wire_free(w);
	for (size_t i = 0; i < fz->nheld; i++)
		free(fz->held[i].p);
	free(fz);
}

void
fz_run(const uint8_t *data, size_t size)
{
	struct wire *w;
	size_t used;
	int records = 0;

	if (size == 0)
		return;
	w = fz_start((enum fz_state)(data[0] % FZ_ST_COUNT),
	    (enum fz_auth)(data[0] / FZ_ST_COUNT % FZ_AUTH_COUNT));
	data++;
	size--;
	while (size > 0 && records++ < FZ_RECORDS_MAX) {
		used = fz_record(w, data, size);
		data += used;
		size -= used;
	}
	fz_end(w);
}
