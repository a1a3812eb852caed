/*
 * test_dp_lpm: the table that picks a point-to-multipoint st0 device's
 * outbound SA by destination (iked/dp_lpm.h): traffic-selector ranges
 * cut into the exact prefixes, the longest prefix winning, the later of
 * equal prefixes winning (a rekey), the families apart, and a thousand
 * spokes each found.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include "iked/dp_lpm.h"

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
	ck_assert_ptr_null(dp_lpm_new(e, 0));
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

int
main(void)
{
	Suite *s = suite_create("dp-lpm");
	TCase *tc = tcase_create("dp-lpm");
	SRunner *sr;
	int nf;

	tcase_add_loop_test(
	    tc, range_prefixes, 0, (int)(sizeof(ranges) / sizeof(ranges[0])));
	tcase_add_test(tc, range_edges);
	tcase_add_test(tc, longest_wins);
	tcase_add_test(tc, thousand_spokes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
