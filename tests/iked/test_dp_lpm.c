/*
 * test_dp_lpm: the table that picks a point-to-multipoint st0 device's
 * outbound SA by destination (iked/dp_lpm.h): traffic-selector ranges
 * cut into the exact prefixes, the longest prefix winning, the later of
 * equal prefixes winning (a rekey), the families apart, and a thousand
 * spokes each found; and the table changed in place as SAs come and go:
 * equal prefixes stacked (deleting the newest reveals the one before),
 * inserts and deletes in every order of a small set, and 10,000 inserts
 * with 5,000 deletes (then nearly all) answering every lookup as a table
 * built whole from what is left.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include "iked/dp_lpm.h"
#include "tests/lib/check_main.h"

static struct dp_sel
sel4(const char *a, const char *b)
{
	struct dp_sel s = { 0 };

	s.start.family = s.end.family = AF_INET;
	inet_pton(AF_INET, a, &s.start.u.v4);
	inet_pton(AF_INET, b, &s.end.u.v4);
	return s;
}

static struct dp_sel
sel6(const char *a, const char *b)
{
	struct dp_sel s = { 0 };

	s.start.family = s.end.family = AF_INET6;
	inet_pton(AF_INET6, a, &s.start.u.v6);
	inet_pton(AF_INET6, b, &s.end.u.v6);
	return s;
}

static const char *
pfx(const struct dp_lpm_ent *e, char *buf)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(e->family, e->addr, ip, sizeof(ip));
	sprintf(buf, "%s/%u", ip, e->plen);
	return buf;
}

static const struct {
	const char *a, *b, *want;
} ranges[] = {
	{ "192.0.2.128", "192.0.2.255", "192.0.2.128/25" },
	{ "10.0.0.1", "10.0.0.6",
	    "10.0.0.1/32 10.0.0.2/31 10.0.0.4/31 10.0.0.6/32" },
	{ "0.0.0.0", "255.255.255.255", "0.0.0.0/0" },
	{ "10.0.0.7", "10.0.0.7", "10.0.0.7/32" },
	{ "255.255.255.254", "255.255.255.255", "255.255.255.254/31" },
	{ "10.0.0.0", "10.0.1.255", "10.0.0.0/23" },
	{ "10.0.0.255", "10.0.1.0", "10.0.0.255/32 10.0.1.0/32" },
};

START_TEST(range_prefixes)
{
	struct dp_lpm_ent e[DP_LPM_RANGE_MAX];
	struct dp_sel s = sel4(ranges[_i].a, ranges[_i].b);
	char got[1024] = "", buf[64];
	size_t n = dp_lpm_prefixes(&s, NULL, e, DP_LPM_RANGE_MAX);

	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(got, " ");
		strcat(got, pfx(&e[i], buf));
	}
	ck_assert_str_eq(got, ranges[_i].want);
}
END_TEST

START_TEST(range_edges)
{
	struct dp_lpm_ent e[DP_LPM_RANGE_MAX];
	struct dp_sel s = sel4("10.0.0.9", "10.0.0.1");
	char buf[64];

	ck_assert_uint_eq(dp_lpm_prefixes(&s, NULL, e, DP_LPM_RANGE_MAX), 0);
	s = sel6("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	ck_assert_uint_eq(dp_lpm_prefixes(&s, NULL, e, DP_LPM_RANGE_MAX), 1);
	ck_assert_str_eq(pfx(&e[0], buf), "::/0");
	s = sel6("2001:db8::", "2001:db8::ffff:ffff");
	ck_assert_uint_eq(dp_lpm_prefixes(&s, NULL, e, DP_LPM_RANGE_MAX), 1);
	ck_assert_str_eq(pfx(&e[0], buf), "2001:db8::/96");
	/* 1..254 needs 14 prefixes: refused when only 4 fit */
	s = sel4("0.0.0.1", "0.0.0.254");
	ck_assert_uint_eq(dp_lpm_prefixes(&s, NULL, e, DP_LPM_RANGE_MAX), 14);
	ck_assert_uint_eq(dp_lpm_prefixes(&s, NULL, e, 4), 0);
	/* mixed families: nothing */
	s = sel4("10.0.0.0", "10.0.0.1");
	s.end.family = AF_INET6;
	ck_assert_uint_eq(dp_lpm_prefixes(&s, NULL, e, DP_LPM_RANGE_MAX), 0);
}
END_TEST

static void *
find4(const struct dp_lpm *t, const char *a)
{
	uint8_t b[4];

	inet_pton(AF_INET, a, b);
	return dp_lpm_find(t, AF_INET, b);
}

static size_t
add(struct dp_lpm_ent *e, size_t n, struct dp_sel s, void *val)
{
	return n + dp_lpm_prefixes(&s, val, e + n, DP_LPM_RANGE_MAX);
}

START_TEST(longest_wins)
{
	static struct dp_lpm_ent e[8 * DP_LPM_RANGE_MAX];
	int hub, s1, s2, s2new, def, v6;
	size_t n = 0;
	uint8_t b6[16];

	n = add(e, n, sel4("0.0.0.0", "255.255.255.255"), &def);
	n = add(e, n, sel4("192.0.2.128", "192.0.2.255"), &hub);
	n = add(e, n, sel4("192.0.2.128", "192.0.2.191"), &s1);
	n = add(e, n, sel4("192.0.2.192", "192.0.2.255"), &s2);
	n = add(e, n, sel6("2001:db8::", "2001:db8::ffff"), &v6);
	n = add(e, n, sel4("192.0.2.192", "192.0.2.255"), &s2new);
	struct dp_lpm *t = dp_lpm_new(e, n);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_eq(find4(t, "192.0.2.138"), &s1);
	ck_assert_ptr_eq(find4(t, "192.0.2.191"), &s1);
	/* the later of two equal prefixes: a rekey's new SA */
	ck_assert_ptr_eq(find4(t, "192.0.2.202"), &s2new);
	ck_assert_ptr_eq(find4(t, "192.0.2.10"), &def);
	ck_assert_ptr_eq(find4(t, "203.0.113.1"), &def);
	inet_pton(AF_INET6, "2001:db8::42", b6);
	ck_assert_ptr_eq(dp_lpm_find(t, AF_INET6, b6), &v6);
	inet_pton(AF_INET6, "2001:db8::1:0", b6);
	ck_assert_ptr_null(dp_lpm_find(t, AF_INET6, b6));
	/* IPv4 bytes asked as another family find nothing */
	ck_assert_ptr_null(dp_lpm_find(t, AF_UNIX, b6));
	dp_lpm_free(t);
	/* an empty table finds nothing */
	t = dp_lpm_new(e, 0);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(dp_lpm_count(t), 0);
	ck_assert_ptr_null(find4(t, "192.0.2.138"));
	dp_lpm_free(t);
	ck_assert_ptr_null(dp_lpm_find(NULL, AF_INET, b6));
	dp_lpm_free(NULL);
}
END_TEST

/* A hub with 1,000 spokes, a /26 each out of 10.0.0.0/8: each found. */
START_TEST(thousand_spokes)
{
	static struct dp_lpm_ent e[1000];
	static int val[1000];
	uint8_t a[4];

	for (int i = 0; i < 1000; i++) {
		uint32_t net = 0x0a000000u | (uint32_t)i << 6;
		e[i] = (struct dp_lpm_ent){
			.family = AF_INET, .plen = 26, .val = &val[i]
		};
		for (int k = 0; k < 4; k++)
			e[i].addr[k] = (uint8_t)(net >> (24 - 8 * k));
	}
	struct dp_lpm *t = dp_lpm_new(e, 1000);
	ck_assert_ptr_nonnull(t);
	for (int i = 0; i < 1000; i++) {
		uint32_t host = (0x0a000000u | (uint32_t)i << 6) + 37;
		for (int k = 0; k < 4; k++)
			a[k] = (uint8_t)(host >> (24 - 8 * k));
		ck_assert_ptr_eq(dp_lpm_find(t, AF_INET, a), &val[i]);
	}
	a[0] = 11;
	ck_assert_ptr_null(dp_lpm_find(t, AF_INET, a));
	dp_lpm_free(t);
}
END_TEST

static struct dp_lpm_ent
ent(sa_family_t fam, const char *a, uint8_t plen, void *val)
{
	struct dp_lpm_ent e = { .family = fam, .plen = plen, .val = val };

	inet_pton(fam, a, e.addr);
	return e;
}

/* A rekey's SAs on one prefix: the newest wins, deleting it reveals the
 * one before; deleting an older one changes nothing seen. */
START_TEST(stack_reveal)
{
	int a, b, c, wide;
	struct dp_lpm *t = dp_lpm_new(NULL, 0);
	struct dp_lpm_ent ea = ent(AF_INET, "10.1.2.0", 24, &a);
	struct dp_lpm_ent eb = ent(AF_INET, "10.1.2.9", 24, &b); /* masked */
	struct dp_lpm_ent ec = ent(AF_INET, "10.1.2.0", 24, &c);
	struct dp_lpm_ent ew = ent(AF_INET, "10.0.0.0", 8, &wide);

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(dp_lpm_insert(t, &ew), 0);
	ck_assert_int_eq(dp_lpm_insert(t, &ea), 0);
	ck_assert_ptr_eq(find4(t, "10.1.2.3"), &a);
	ck_assert_int_eq(dp_lpm_insert(t, &eb), 0);
	ck_assert_ptr_eq(find4(t, "10.1.2.3"), &b);
	ck_assert_int_eq(dp_lpm_insert(t, &ec), 0);
	ck_assert_ptr_eq(find4(t, "10.1.2.3"), &c);
	ck_assert_uint_eq(dp_lpm_count(t), 4);
	/* the middle one goes: the newest still wins */
	ck_assert_int_eq(dp_lpm_delete(t, &eb), 0);
	ck_assert_ptr_eq(find4(t, "10.1.2.3"), &c);
	/* not there (any more), or another SA's value: refused, no change */
	ck_assert_int_eq(dp_lpm_delete(t, &eb), -1);
	struct dp_lpm_ent other = ent(AF_INET, "10.1.2.0", 24, &wide);
	ck_assert_int_eq(dp_lpm_delete(t, &other), -1);
	other = ent(AF_INET, "10.1.3.0", 24, &c);
	ck_assert_int_eq(dp_lpm_delete(t, &other), -1);
	ck_assert_ptr_eq(find4(t, "10.1.2.3"), &c);
	/* the newest goes: the one before takes the prefix back */
	ck_assert_int_eq(dp_lpm_delete(t, &ec), 0);
	ck_assert_ptr_eq(find4(t, "10.1.2.3"), &a);
	/* the last of the prefix goes: the shorter prefix carries it */
	ck_assert_int_eq(dp_lpm_delete(t, &ea), 0);
	ck_assert_ptr_eq(find4(t, "10.1.2.3"), &wide);
	ck_assert_int_eq(dp_lpm_delete(t, &ew), 0);
	ck_assert_ptr_null(find4(t, "10.1.2.3"));
	ck_assert_uint_eq(dp_lpm_count(t), 0);
	/* no family, or longer than the family: refused */
	other = ent(AF_INET, "10.1.2.0", 33, &a);
	ck_assert_int_eq(dp_lpm_insert(t, &other), -1);
	other.family = AF_UNIX;
	other.plen = 8;
	ck_assert_int_eq(dp_lpm_insert(t, &other), -1);
	ck_assert_uint_eq(dp_lpm_count(t), 0);
	dp_lpm_free(t);
}
END_TEST

/* Nested and equal prefixes of both families, and the addresses that
 * tell them apart. */
static int vals[6];
static struct dp_lpm_ent set[6];
static const char *probes[] = { "10.0.0.1", "10.1.0.1", "10.1.2.3", "10.1.3.1",
	"11.0.0.1", "2001:db8::1", "2001:db8:1::1", "2001:db9::1" };

static void
set_init(void)
{
	set[0] = ent(AF_INET, "10.0.0.0", 8, &vals[0]);
	set[1] = ent(AF_INET, "10.1.0.0", 16, &vals[1]);
	set[2] = ent(AF_INET, "10.1.2.0", 24, &vals[2]);
	set[3] = ent(AF_INET, "10.1.0.0", 16, &vals[3]); /* over set[1] */
	set[4] = ent(AF_INET6, "2001:db8::", 32, &vals[4]);
	set[5] = ent(AF_INET6, "2001:db8:1::", 48, &vals[5]);
}

static void *
find_any(const struct dp_lpm *t, const char *a)
{
	uint8_t b[16];
	sa_family_t fam = strchr(a, ':') ? AF_INET6 : AF_INET;

	inet_pton(fam, a, b);
	return dp_lpm_find(t, fam, b);
}

/*
 * t answers every probe as a table built whole of e[0..n) would.  The
 * loops here and in churn_check test and call ck_abort_msg only on a
 * difference: check's ck_assert_* record each passing assertion (a write
 * to the runner), hundreds of thousands here.
 */
static void
same_as_whole(
    const struct dp_lpm *t, const struct dp_lpm_ent *e, size_t n, int order)
{
	struct dp_lpm *w = dp_lpm_new(e, n);

	ck_assert_ptr_nonnull(w);
	if (dp_lpm_count(t) != dp_lpm_count(w))
		ck_abort_msg("order %d: %zu entries, built whole %zu", order,
		    dp_lpm_count(t), dp_lpm_count(w));
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (find_any(t, probes[i]) != find_any(w, probes[i]))
			ck_abort_msg("order %d: %s differs", order, probes[i]);
	dp_lpm_free(w);
}

/* The k-th of the 720 orders of 6 (Lehmer code). */
static void
perm(int k, int *p)
{
	int left[6] = { 0, 1, 2, 3, 4, 5 }, n = 6;

	for (int i = 0; i < 6; i++) {
		int f = 1;
		for (int j = 2; j < n; j++)
			f *= j;
		int d = k / f;
		k %= f;
		p[i] = left[d];
		memmove(
		    left + d, left + d + 1, (size_t)(n - d - 1) * sizeof(int));
		n--;
	}
}

/* Inserted in order k and deleted in the reverse of order 719 - k: after
 * each step as the table built whole. */
static void
insert_delete_order(int k)
{
	int in[6], out[6];
	struct dp_lpm_ent live[6];
	size_t n = 0;
	struct dp_lpm *t = dp_lpm_new(NULL, 0);

	ck_assert_ptr_nonnull(t);
	perm(k, in);
	perm(719 - k, out);
	for (int i = 0; i < 6; i++) {
		if (dp_lpm_insert(t, &set[in[i]]) != 0)
			ck_abort_msg("order %d: insert %d failed", k, i);
		live[n++] = set[in[i]];
		same_as_whole(t, live, n, k);
	}
	for (int i = 0; i < 6; i++) {
		if (dp_lpm_delete(t, &set[out[i]]) != 0)
			ck_abort_msg("order %d: delete %d failed", k, i);
		for (size_t j = 0; j < n; j++)
			if (live[j].val == set[out[i]].val) {
				memmove(live + j, live + j + 1,
				    (n - j - 1) * sizeof(live[0]));
				n--;
				break;
			}
		same_as_whole(t, live, n, k);
	}
	if (dp_lpm_count(t) != 0)
		ck_abort_msg("order %d: %zu entries left", k, dp_lpm_count(t));
	dp_lpm_free(t);
}

/* All 720 orders in one test: a test of its own each was a fork each,
 * most of the suite's time under ASan. */
START_TEST(insert_delete_orders)
{
	set_init();
	for (int k = 0; k < 720; k++)
		insert_delete_order(k);
}
END_TEST

#define CHURN_N 10000

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A random prefix from a small space so that prefixes nest and repeat:
 * v4 out of 10.0.0.0/12, v6 out of 2001:db8::/44. */
static struct dp_lpm_ent
rnd_ent(uint64_t *s, void *val)
{
	static const uint8_t len4[] = { 8, 12, 16, 20, 22, 24, 28, 32 };
	static const uint8_t len6[] = { 32, 44, 48, 56, 64, 128 };
	struct dp_lpm_ent e = { .val = val };
	uint64_t r = rnd(s);

	if (r & 1) {
		e.family = AF_INET;
		e.plen = len4[(r >> 1) % sizeof(len4)];
		e.addr[0] = 10;
		e.addr[1] = (uint8_t)((r >> 8) & 0x0f);
		e.addr[2] = (uint8_t)(r >> 16);
		e.addr[3] = (uint8_t)(r >> 24);
	} else {
		e.family = AF_INET6;
		e.plen = len6[(r >> 1) % sizeof(len6)];
		memcpy(e.addr, "\x20\x01\x0d\xb8", 4);
		e.addr[4] = 0;
		e.addr[5] = (uint8_t)((r >> 8) & 0x0f);
		e.addr[6] = (uint8_t)(r >> 16);
		e.addr[15] = (uint8_t)(r >> 24);
	}
	return e;
}

/* Every probe (each entry's own address, each with its host bits
 * changed, random ones) answered by t as by the table built whole. */
static void
churn_check(
    const struct dp_lpm *t, const struct dp_lpm_ent *e, size_t n, uint64_t *s)
{
	struct dp_lpm *w = dp_lpm_new(e, n);
	uint8_t a[16];

	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(dp_lpm_count(t), n);
	ck_assert_uint_eq(dp_lpm_count(w), n);
	for (size_t i = 0; i < CHURN_N; i++) {
		struct dp_lpm_ent p = i < n ? e[i] : rnd_ent(s, NULL);
		size_t w8 = p.family == AF_INET ? 4 : 16;
		for (int k = 0; k < 2; k++) {
			memcpy(a, p.addr, 16);
			if (k)
				a[w8 - 1] ^= (uint8_t)rnd(s);
			if (dp_lpm_find(t, p.family, a) !=
			    dp_lpm_find(w, p.family, a))
				ck_abort_msg("probe %zu (%d) of %zu entries: "
					     "not as built whole",
				    i, k, n);
		}
		/* an entry's own address: something covers it */
		if (i < n && dp_lpm_find(t, p.family, p.addr) == NULL)
			ck_abort_msg("entry %zu of %zu: not found", i, n);
	}
	dp_lpm_free(w);
}

/* Random entries deleted from t and e until keep are left; how many. */
static size_t
churn_delete(
    struct dp_lpm *t, struct dp_lpm_ent *e, size_t n, uint64_t *s, size_t keep)
{
	while (n > keep) {
		size_t i = rnd(s) % n;
		if (dp_lpm_delete(t, &e[i]) != 0)
			ck_abort_msg("delete of entry %zu of %zu failed", i, n);
		memmove(e + i, e + i + 1, (n - i - 1) * sizeof(e[0]));
		n--;
	}
	return n;
}

START_TEST(churn_as_whole)
{
	static struct dp_lpm_ent e[CHURN_N];
	static char v[CHURN_N];
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	size_t n;
	struct dp_lpm *t = dp_lpm_new(NULL, 0);

	ck_assert_ptr_nonnull(t);
	for (n = 0; n < CHURN_N; n++) {
		e[n] = rnd_ent(&s, &v[n]);
		if (dp_lpm_insert(t, &e[n]) != 0)
			ck_abort_msg("insert %zu failed", n);
	}
	churn_check(t, e, n, &s);
	n = churn_delete(t, e, n, &s, CHURN_N / 2);
	churn_check(t, e, n, &s);
	/* nearly all gone: the slots halve, lookups unchanged */
	n = churn_delete(t, e, n, &s, 100);
	churn_check(t, e, n, &s);
	n = churn_delete(t, e, n, &s, 0);
	ck_assert_uint_eq(dp_lpm_count(t), 0);
	ck_assert_ptr_null(
	    dp_lpm_find(t, AF_INET, (const uint8_t *)"\x0a\0\0\0"));
	dp_lpm_free(t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dp-lpm");
	TCase *tc = tcase_create("dp-lpm");

	tcase_add_loop_test(
	    tc, range_prefixes, 0, (int)(sizeof(ranges) / sizeof(ranges[0])));
	tcase_add_test(tc, range_edges);
	tcase_add_test(tc, longest_wins);
	tcase_add_test(tc, thousand_spokes);
	tcase_add_test(tc, stack_reveal);
	tcase_add_test(tc, insert_delete_orders);
	tcase_add_test(tc, churn_as_whole);
	suite_add_tcase(s, tc);
	return check_main(0, s, NULL);
}
