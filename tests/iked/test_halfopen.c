/*
 * test_halfopen: the bound on half-open IKE SAs per peer address (issue
 * 10; iked/sa.c sa_peer_*, ike_sa_init.c).  Over the fake wire
 * (eng_wire.h) the test plays a third peer, 10.0.0.9, that B has a
 * gateway for: it floods B with IKE_SA_INIT requests (A's first request
 * under other SPIs) and returns every COOKIE B asks for, as a real host
 * would.  It gets half its share answered outright, the other half only
 * with cookies, and nothing more; A still brings its tunnel up meanwhile;
 * after the half-open timeout its count is back at zero.  A second
 * flooding address shows max-count still bounds them all.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/log.h"
#include "tests/iked/eng_wire.h"
#include "tests/lib/check_main.h"

#define FLOOD_MAX 64
#define FLOOD_TAG 0x4f /* first octet of the flood's SPIs */
#define COOKIE_LEN 32  /* B's: SHA-256 (natd.c) */
#define HDR_LEN 28     /* RFC 7296 3.1 */
#define FLOOD6 "2001:db8::9"
#define B6 "2001:db8::2"

/* What B answered the flooding peer, by SPI index (its last octet). */
struct flood {
	bool hold; /* A's datagrams lost */
	int answered, cookies;
	bool has_cookie[FLOOD_MAX];
	uint8_t cookie[FLOOD_MAX][COOKIE_LEN];
};

static bool
drop_a(struct wire *w, int side, const uint8_t *p, size_t len)
{
	struct flood *f = w->ctx;

	(void)p;
	(void)len;
	return side == 0 && f->hold;
}

/* B's answers to the flooders: the IKE_SA_INIT response or N(COOKIE). */
static void
flood_stray(
    struct wire *w, const uint8_t *p, size_t len, const struct sockaddr *dst)
{
	struct flood *f = w->ctx;
	size_t i = p[7];
	char to[INET6_ADDRSTRLEN];

	if (dst->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)dst)->sin6_addr, to,
		    sizeof(to));
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)dst)->sin_addr,
		    to, sizeof(to));
	ck_assert(strcmp(to, "10.0.0.9") == 0 || strcmp(to, "10.0.0.10") == 0 ||
	    strcmp(to, FLOOD6) == 0);
	ck_assert_uint_ge(len, HDR_LEN);
	ck_assert_uint_eq(p[0], FLOOD_TAG);
	ck_assert_uint_lt(i, FLOOD_MAX);
	if (p[16] == PLD_SA) {
		f->answered++;
		return;
	}
	/* RFC 7296 2.6: HDR, N(COOKIE) and nothing else */
	ck_assert_uint_eq(p[16], PLD_NOTIFY);
	ck_assert_uint_eq(len, HDR_LEN + 8 + COOKIE_LEN);
	ck_assert_uint_eq((unsigned)(p[34] << 8 | p[35]), N_COOKIE);
	memcpy(f->cookie[i], p + HDR_LEN + 8, COOKIE_LEN);
	f->has_cookie[i] = true;
	f->cookies++;
}

/*
 * The flooding peer's IKE_SA_INIT number i: A's first request tmpl under
 * SPI FLOOD_TAG..i, from 10.0.0.9, with N(COOKIE) first when B gave it
 * one (RFC 7296 2.6: the other payloads unchanged).
 */
static size_t
flood_msg(
    struct flood *f, const struct pkt *tmpl, size_t i, uint8_t *buf, size_t cap)
{
	size_t clen = f->has_cookie[i] ? 8 + COOKIE_LEN : 0;
	size_t len = tmpl->len + clen;

	ck_assert_uint_le(len, cap);
	memcpy(buf, tmpl->p, HDR_LEN);
	memcpy(buf + HDR_LEN + clen, tmpl->p + HDR_LEN, tmpl->len - HDR_LEN);
	memset(buf, 0, 8);
	buf[0] = FLOOD_TAG;
	buf[7] = (uint8_t)i;
	if (clen) {
		uint8_t *n = buf + HDR_LEN;
		n[0] = tmpl->p[16]; /* the first payload follows */
		n[1] = 0;
		n[2] = 0;
		n[3] = (uint8_t)clen;
		n[4] = 0; /* protocol: none */
		n[5] = 0; /* SPI size */
		n[6] = N_COOKIE >> 8;
		n[7] = N_COOKIE & 0xff;
		memcpy(n + 8, f->cookie[i], COOKIE_LEN);
		buf[16] = PLD_NOTIFY;
	}
	buf[24] = (uint8_t)(len >> 24);
	buf[25] = (uint8_t)(len >> 16);
	buf[26] = (uint8_t)(len >> 8);
	buf[27] = (uint8_t)len;
	return len;
}

static void
flood_from(struct wire *w, const struct pkt *tmpl, size_t i, const char *src)
{
	uint8_t buf[2048];
	size_t len = flood_msg(w->ctx, tmpl, i, buf, sizeof(buf));
	struct sockaddr_in from;

	addr4(&from, src, 500);
	wire_queue(w, pkt_new(1, buf, len, &from, &tmpl->dst));
}

/* The same from FLOOD6 (port given) to B6, straight into B's engine. */
static void
flood_v6(struct wire *w, const struct pkt *tmpl, size_t i, uint16_t port)
{
	uint8_t buf[2048];
	size_t len = flood_msg(w->ctx, tmpl, i, buf, sizeof(buf));
	struct sockaddr_in6 from = { .sin6_family = AF_INET6 }, to = from;

	from.sin6_port = htons(port);
	inet_pton(AF_INET6, FLOOD6, &from.sin6_addr);
	to.sin6_port = htons(500);
	inet_pton(AF_INET6, B6, &to.sin6_addr);
	eng_input(w->eng[1], buf, len, (struct sockaddr *)&from,
	    (struct sockaddr *)&to);
}

static void
flood_send(struct wire *w, const struct pkt *tmpl, size_t i)
{
	flood_from(w, tmpl, i, "10.0.0.9");
}

/* A member of B's `show security ike stats`. */
static json_int_t
b_stat(struct wire *w, const char *name)
{
	char err[128];
	json_t *in = json_object();
	json_t *r =
	    eng_rpc(w->eng[1], "show-security-ike-stats", in, err, sizeof(err));
	json_t *v;
	json_int_t n;

	ck_assert_ptr_nonnull(r);
	v = json_object_get(json_object_get(r, "ike-stats-information"), name);
	ck_assert(json_is_integer(v));
	n = json_integer_value(v);
	json_decref(r);
	json_decref(in);
	return n;
}

static bool
sent_one(struct wire *w)
{
	return w->nlog >= 1;
}

START_TEST(one_address_holds_its_share)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb, pf;
	struct eng_vpn va, vb;
	/* max-count 64: an eighth is 8, so the floor, 16, is the share */
	struct eng_limits lim = { .half_open_max = 64 };
	struct flood f = { .hold = true };
	const size_t share = 16, n = 24;
	const struct pkt *tmpl;

	w->ctx = &f;
	w->drop = drop_a;
	w->stray = flood_stray;
	eng_limits_set(w->eng[1], &lim);
	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	peer_conf(&pf, 1, "other-psk");
	snprintf(pf.name, sizeof(pf.name), "flooder");
	addr4((struct sockaddr_in *)&pf.remote, "10.0.0.9", 0);
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert_int_eq(eng_peer_set(w->eng[1], &pf), 0);
	ck_assert(wire_run(w, sent_one, 2));
	tmpl = w->log[0];
	ck_assert_uint_eq(tmpl->p[18], IKE_SA_INIT);

	/* n requests: half the share answered, then cookies asked for
	 * although B's half-open SAs in all are far below its threshold */
	for (size_t i = 0; i < n; i++)
		flood_send(w, tmpl, i);
	ck_assert(wire_run(w, quiet, 2));
	ck_assert_int_eq(f.answered, (int)share / 2);
	ck_assert_int_eq(f.cookies, (int)(n - share / 2));
	ck_assert_int_eq(b_stat(w, "ike-half-open"), share / 2);
	/* the peer returns them: up to its share, the rest dropped */
	for (size_t i = 0; i < n; i++)
		if (f.has_cookie[i])
			flood_send(w, tmpl, i);
	ck_assert(wire_run(w, quiet, 2));
	ck_assert_int_eq(f.answered, (int)share);
	ck_assert_int_eq(b_stat(w, "ike-half-open"), share);
	ck_assert_int_eq(b_stat(w, "ike-half-open-peer-dropped"), n - share);
	ck_assert_int_eq(b_stat(w, "ike-half-open-dropped"), 0);

	/* another peer is not held back: A's tunnel comes up */
	f.hold = false;
	ck_assert(wire_run(w, both_up, 10));
	ck_assert_uint_eq(pst(w, 1).established, 1);
	ck_assert_int_eq(b_stat(w, "ike-half-open"), share);

	/* the flood's half-open SAs time out (Junos default 60 s) ... */
	wire_advance(w, 61);
	ck_assert_int_eq(b_stat(w, "ike-half-open"), 0);
	ck_assert_uint_eq(est(w, 1).half_open_expired, share);
	ck_assert(both_up(w));
	/* ... and the address's count with them: half a share again goes
	 * without cookies, the next one needs one */
	memset(&f.has_cookie, 0, sizeof(f.has_cookie));
	f.answered = f.cookies = 0;
	for (size_t i = 32; i < 32 + share / 2 + 1; i++)
		flood_send(w, tmpl, i);
	ck_assert(wire_run(w, quiet, 2));
	ck_assert_int_eq(f.answered, (int)share / 2);
	ck_assert_int_eq(f.cookies, 1);
	wire_free(w);
}
END_TEST

/*
 * max-count still bounds them all: with 20, one address takes its 16
 * (the floor), a second one the 4 left, and the rest of the second's is
 * dropped at max-count, not at its own share.
 */
START_TEST(max_count_across_addresses)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb, pf, pg;
	struct eng_vpn va, vb;
	struct eng_limits lim = { .half_open_max = 20 };
	struct flood f = { .hold = true };
	const struct pkt *tmpl;

	w->ctx = &f;
	w->drop = drop_a;
	w->stray = flood_stray;
	eng_limits_set(w->eng[1], &lim);
	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	peer_conf(&pf, 1, "other-psk");
	snprintf(pf.name, sizeof(pf.name), "flooder");
	addr4((struct sockaddr_in *)&pf.remote, "10.0.0.9", 0);
	pg = pf;
	snprintf(pg.name, sizeof(pg.name), "flooder2");
	addr4((struct sockaddr_in *)&pg.remote, "10.0.0.10", 0);
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert_int_eq(eng_peer_set(w->eng[1], &pf), 0);
	ck_assert_int_eq(eng_peer_set(w->eng[1], &pg), 0);
	ck_assert(wire_run(w, sent_one, 2));
	tmpl = w->log[0];
	for (size_t i = 0; i < 16; i++)
		flood_send(w, tmpl, i);
	ck_assert(wire_run(w, quiet, 2));
	for (size_t i = 0; i < 16; i++)
		if (f.has_cookie[i])
			flood_send(w, tmpl, i); /* with it */
	ck_assert(wire_run(w, quiet, 2));
	ck_assert_int_eq(f.answered, 16);
	ck_assert_int_eq(b_stat(w, "ike-half-open"), 16);
	for (size_t i = 40; i < 48; i++)
		flood_from(w, tmpl, i, "10.0.0.10");
	ck_assert(wire_run(w, quiet, 2));
	ck_assert_int_eq(f.answered, 20);
	ck_assert_int_eq(b_stat(w, "ike-half-open"), 20);
	ck_assert_int_eq(b_stat(w, "ike-half-open-dropped"), 4);
	ck_assert_int_eq(b_stat(w, "ike-half-open-peer-dropped"), 0);
	wire_free(w);
}
END_TEST

/*
 * An IPv6 address is counted the same way, its port aside: 20 requests
 * from two ports of one address get 16 half-open SAs, which time out.
 */
START_TEST(ipv6_address)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb, pf;
	struct eng_vpn va, vb;
	struct eng_limits lim = { .half_open_max = 64 };
	struct flood f = { .hold = true };
	const struct pkt *tmpl;
	struct sockaddr_in6 *r6;

	w->ctx = &f;
	w->drop = drop_a;
	w->stray = flood_stray;
	eng_limits_set(w->eng[1], &lim);
	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	peer_conf(&pf, 1, "other-psk");
	snprintf(pf.name, sizeof(pf.name), "flooder6");
	memset(&pf.remote, 0, sizeof(pf.remote));
	memset(&pf.local, 0, sizeof(pf.local)); /* any */
	r6 = (struct sockaddr_in6 *)&pf.remote;
	r6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, FLOOD6, &r6->sin6_addr);
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert_int_eq(eng_peer_set(w->eng[1], &pf), 0);
	ck_assert(wire_run(w, sent_one, 2));
	tmpl = w->log[0];
	for (size_t i = 0; i < 20; i++)
		flood_v6(w, tmpl, i, i % 2 ? 500 : 4501);
	ck_assert_int_eq(f.answered, 8);
	ck_assert_int_eq(f.cookies, 12);
	for (size_t i = 0; i < 20; i++)
		if (f.has_cookie[i])
			flood_v6(w, tmpl, i, i % 2 ? 500 : 4501);
	ck_assert_int_eq(f.answered, 16);
	ck_assert_int_eq(b_stat(w, "ike-half-open"), 16);
	ck_assert_int_eq(b_stat(w, "ike-half-open-peer-dropped"), 4);
	wire_advance(w, 61);
	ck_assert_int_eq(b_stat(w, "ike-half-open"), 0);
	f.answered = 0;
	memset(&f.has_cookie, 0, sizeof(f.has_cookie));
	flood_v6(w, tmpl, 40, 500);
	ck_assert_int_eq(f.answered, 1);
	wire_free(w);
}
END_TEST

static Suite *
halfopen_suite(void)
{
	Suite *s = suite_create("halfopen");
	TCase *tc = tcase_create("per peer");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, one_address_holds_its_share);
	tcase_add_test(tc, max_count_across_addresses);
	tcase_add_test(tc, ipv6_address);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("test_halfopen", stderr);
	return check_main(0, halfopen_suite(), NULL);
}
