/*
 * test_junos9: the "$9$" secret encoding.  Public vectors (decode, and
 * re-encode with the vector's own salt), malformed inputs, truncation at
 * every length, round trips of random bytes, and a random-input loop over
 * the decoder.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/crypto.h>

#include "lib/junos9.h"
#include "tests/lib/check_main.h"

#define ALPHA \
	"QzF3n6/9CAtpu0OB1IREhcSyrleKvMW8LXx7N-dVbwsY2g4oaJZGUDjiHkq.mPf5T"

/* Characters per plain byte, by position mod 7. */
static const size_t group_len[7] = { 3, 3, 3, 2, 2, 4, 3 };

struct vector {
	const char *enc;
	const char *plain;
	const char *src;
};

/*
 * Public decode vectors: each was published together with its plain text.
 */
static const struct vector vectors[] = {
	/* Crypt::Juniper (CPAN) SYNOPSIS */
	{ "$9$LbHX-wg4Z", "lc", "Crypt::Juniper" },
	/* github.com/jeremmfr/junosdecode jdecode_test.go */
	{ "$9$1HFIyKXxdsgJ-VH.Pfn6lKMXdsZUi5Qnikfz", "testPassWord",
	    "jeremmfr/junosdecode" },
	/* github.com/ytti/router_crypt spec/spec_helper.rb */
	{ "$9$40aikFn/9tOQFRSleXxoJGDi.CA0Ihr.PRSylXxGDi.Qn/"
	  "9p0BEz3rvLNY2.P5QF/",
	    "99problemsbutpwaintone", "ytti/router_crypt" },
	/* github.com/intentionet/netconan tests (non-random salt "nne") */
	{ "$9$nnet/9pOBEyrv", "abc", "netconan" },
	{ "$9$nnet/p01RhrKM", "123", "netconan" },
	{ "$9$nnet9pBcSe8xdApK8xdg4aZUi.5", "netconan", "netconan" },
	{ "$9$nnet/pOleWN-bO18X-Vg4.P5F/tSyevL7yrx-bw4o6/"
	  "CuOIKvLNds7NPQFnpuSylMXN4"
	  "aZGi.Rh7dbs4ojikPFnCt0BRh9C",
	    "QjEf.WloKY4IBVGik9xeIO9xWN5F7S13", "netconan" },
	/* netconan tests, another revision (salt "a", padding "a") */
	{ "$9$aaZGiq.5F39", "abc", "netconan" },
	{ "$9$aaZikmfT3/C", "123", "netconan" },
	{ "$9$aaGi.Qz6t0IDi/t0IrlKM8xds", "netconan", "netconan" },
	/*
	 * Published without their plain text, which decodes to an obvious word:
	 * the example of github.com/jumation/crypt crypt.slax (next to
	 * "op crypt encrypt foo") and of github.com/netmeld/netmeld
	 * playbook/junos-type9-decode/README.md.
	 */
	{ "$9$ReqcyKY2aHqf", "foo", "jumation/crypt" },
	{ "$9$2GgZjHkPQ39.PhrvLVb.P5Tz6", "password", "netmeld" },
};

/* Malformed encodings; the first five are from Crypt::Juniper's t/. */
static const char *const invalid[] = {
	"$9jadsfdf", "$9$asd", "$9$asdf*", "$9$dLw2ajHmFnCZUnCtuEhVwYY",
	"$9$dLw2ajHmFnCZUnCtuEhVw", "", "$", "$9", "$9$", /* no salt */
	"$9$Q",		  /* salt of family 0 needs 3 padding characters */
	"$9$QQQ", "$9$L", /* salt of family 1 needs 2 */
	"$8$LbHX-wg4Z",	  /* wrong prefix */
	"9$LbHX-wg4Z", " $9$LbHX-wg4Z", "$9$ LbHX-wg4Z",
	"$9$LbHX-wg4",	  /* truncated group */
	"$9$LbHX-wg4Z!",  /* unknown character */
	"$9$#bHX-wg4Z",	  /* unknown salt */
	"$9$L#HX-wg4Z",	  /* unknown padding */
	"$9$LbHX-w#4Z",	  /* unknown group character */
	"$9$LbHX-wg4Z\n", /* trailing newline */
	"$9$LbHX\xc3\xa9wg4Z",
	"$9$iiHk", /* repeats the previous character: gap -1 */
	"$9$iHkz", /* gaps 0,0,8 with weights 1,4,32: 256 */
	"$9$ijDU", /* gaps 63,63,63: 2331 */
};

/* Small deterministic generator so failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

static size_t
head_len(const char *enc)
{
	const char *p = strchr(ALPHA, enc[3]);
	size_t i = (size_t)(p - ALPHA);

	ck_assert_ptr_nonnull(p);
	return 1 + (i < 15 ? 3 : i < 35 ? 2 : i < 55 ? 1 : 0);
}

static void
free_plain(char *p, size_t n)
{
	if (p != NULL)
		OPENSSL_cleanse(p, n);
	free(p);
}

/* Decodes enc and checks it gives exactly plain[0..n). */
static void
check_decode(const char *enc, const char *plain, size_t n)
{
	size_t m = 12345;
	char *p = junos9_decode(enc, &m);

	ck_assert_msg(p != NULL, "decode failed: %s", enc);
	ck_assert_uint_eq(m, n);
	ck_assert_mem_eq(p, plain, n);
	ck_assert_int_eq(p[n], '\0');
	free_plain(p, m);
}

/* Round trip with a random salt; checks the shape of the encoding. */
static void
check_round_trip(const char *plain, size_t n)
{
	char *enc = junos9_encode(plain, n);
	size_t i;

	ck_assert_ptr_nonnull(enc);
	ck_assert_int_eq(strncmp(enc, "$9$", 3), 0);
	for (i = 3; enc[i] != '\0'; i++)
		ck_assert_msg(
		    strchr(ALPHA, enc[i]) != NULL, "bad char in %s", enc);
	ck_assert(junos9_is_encoded(enc));
	check_decode(enc, plain, n);
	free(enc);
}

START_TEST(test_vector_decode)
{
	const struct vector *v = &vectors[_i];

	check_decode(v->enc, v->plain, strlen(v->plain));
	ck_assert(junos9_is_encoded(v->enc));
}
END_TEST

START_TEST(test_vector_encode)
{
	const struct vector *v = &vectors[_i];
	char *enc =
	    junos9_encode_salted(v->plain, strlen(v->plain), v->enc + 3);

	ck_assert_ptr_nonnull(enc);
	ck_assert_str_eq(enc, v->enc);
	free(enc);
}
END_TEST

START_TEST(test_invalid)
{
	size_t n = 0;

	ck_assert_msg(
	    junos9_decode(invalid[_i], &n) == NULL, "accepted %s", invalid[_i]);
	ck_assert(!junos9_is_encoded(invalid[_i]));
}
END_TEST

START_TEST(test_null_and_plain)
{
	ck_assert_ptr_null(junos9_decode(NULL, NULL));
	ck_assert(!junos9_is_encoded(NULL));
	ck_assert(!junos9_is_encoded("secret123"));
	ck_assert(!junos9_is_encoded("$9$"));
	ck_assert_ptr_null(junos9_encode_salted("x", 1, ""));
	ck_assert_ptr_null(junos9_encode_salted("x", 1, "Q"));
	ck_assert_ptr_null(junos9_encode_salted("x", 1, "Q#QQ"));
	ck_assert_ptr_null(junos9_encode_salted("x", 1, NULL));
}
END_TEST

/* The smallest and largest bytes at each weights row. */
START_TEST(test_edges)
{
	char *p;
	size_t n;

	check_decode("$9$iHkQ", "\xe0", 1); /* gaps 0,0,7: 224 */
	p = junos9_decode("$9$i", &n);	    /* salt only: empty secret */
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(p, "");
	free(p);
	check_round_trip("", 0);
	check_round_trip("\0\0\0\0\0\0\0\0", 8);
	check_round_trip("\xff\xff\xff\xff\xff\xff\xff\xff", 8);
}
END_TEST

/*
 * Cutting a valid encoding anywhere is rejected, except at a group boundary,
 * where it is a shorter secret: the prefix.
 */
static void
check_truncations(const char *enc, const char *plain, size_t n)
{
	size_t len = strlen(enc), head = head_len(enc), cut, b, k;
	char *t, *p;

	for (cut = 0; cut < len; cut++) {
		t = strndup(enc, cut);
		ck_assert_ptr_nonnull(t);
		/* boundary after k bytes? */
		b = 3 + head;
		for (k = 0; b < cut && k < n; k++)
			b += group_len[k % 7];
		p = junos9_decode(t, NULL);
		if (cut >= 3 + head && b == cut) {
			ck_assert_msg(p != NULL, "cut %zu of %s", cut, enc);
			free_plain(p, k);
			check_decode(t, plain, k);
		} else {
			ck_assert_msg(
			    p == NULL, "accepted cut %zu of %s", cut, enc);
		}
		free(t);
	}
}

START_TEST(test_truncate_vectors)
{
	const struct vector *v = &vectors[_i];

	check_truncations(v->enc, v->plain, strlen(v->plain));
}
END_TEST

START_TEST(test_truncate_random)
{
	char plain[40], *enc;
	size_t n, i;

	for (n = 0; n < sizeof(plain); n++) {
		for (i = 0; i < n; i++)
			plain[i] = (char)rng();
		enc = junos9_encode(plain, n);
		ck_assert_ptr_nonnull(enc);
		check_truncations(enc, plain, n);
		free(enc);
	}
}
END_TEST

START_TEST(test_round_trip_random)
{
	char plain[301];
	size_t n, i;
	int rep;

	for (n = 0; n <= 300; n++)
		for (rep = 0; rep < 4; rep++) {
			for (i = 0; i < n; i++)
				plain[i] = (char)rng();
			check_round_trip(plain, n);
		}
}
END_TEST

START_TEST(test_round_trip_ranges)
{
	char plain[256];
	size_t n = 0;
	int c;

	for (c = ' '; c <= '~'; c++)
		plain[n++] = (char)c;
	check_round_trip(plain, n);

	n = 0;
	for (c = 0x01; c <= 0xff; c++)
		plain[n++] = (char)c;
	check_round_trip(plain, n);

	/* Every byte at every position of the 7 weights rows. */
	for (c = 0; c <= 0xff; c++) {
		memset(plain, c, 14);
		check_round_trip(plain, 14);
	}
}
END_TEST

START_TEST(test_salt_random)
{
	char *first, *enc;
	int i, differ = 0;

	first = junos9_encode("same secret", 11);
	ck_assert_ptr_nonnull(first);
	for (i = 0; i < 16; i++) {
		enc = junos9_encode("same secret", 11);
		ck_assert_ptr_nonnull(enc);
		differ += strcmp(enc, first) != 0;
		free(enc);
	}
	ck_assert_int_gt(differ, 0);
	free(first);
}
END_TEST

/*
 * Salts drawn ahead (junos9_encode_from, a `load`'s secrets): every encoding
 * decodes to the secret, the salt character takes every value of the
 * alphabet across the pool's refills (a pool that handed out one byte
 * twice, or stopped refilling, would not), and the bytes drawn and not
 * used are wiped.
 */
START_TEST(test_salts_pool)
{
	struct junos9_salts salts;
	bool seen[256] = { false };
	char *enc, *dec;
	size_t n, nseen = 0;

	junos9_salts_init(&salts);
	for (int i = 0; i < 3000; i++) {
		enc = junos9_encode_from("same secret", 11, &salts);
		ck_assert_ptr_nonnull(enc);
		dec = junos9_decode(enc, &n);
		ck_assert_ptr_nonnull(dec);
		ck_assert_uint_eq(n, 11);
		ck_assert_mem_eq(dec, "same secret", 11);
		free(dec);
		nseen += !seen[(unsigned char)enc[3]];
		seen[(unsigned char)enc[3]] = true;
		free(enc);
	}
	/* 65 characters; missing one in 3,000 draws: p < 1e-19 */
	ck_assert_uint_eq(nseen, 65);
	junos9_salts_wipe(&salts);
	for (size_t i = 0; i < sizeof(salts.buf); i++)
		ck_assert_uint_eq(salts.buf[i], 0);
	/* usable again after the wipe */
	enc = junos9_encode_from("x", 1, &salts);
	ck_assert_ptr_nonnull(enc);
	free(enc);
	junos9_salts_wipe(&salts);
}
END_TEST

START_TEST(test_limits)
{
	char *plain, *enc, *big;
	size_t n;

	plain = calloc(1, JUNOS9_PLAIN_MAX + 1);
	ck_assert_ptr_nonnull(plain);
	ck_assert_ptr_null(junos9_encode(plain, JUNOS9_PLAIN_MAX + 1));
	enc = junos9_encode(plain, JUNOS9_PLAIN_MAX);
	ck_assert_ptr_nonnull(enc);
	check_decode(enc, plain, JUNOS9_PLAIN_MAX);

	/* One more byte (a complete group) is over the limit. */
	n = strlen(enc);
	big = malloc(n + 4);
	ck_assert_ptr_nonnull(big);
	memcpy(big, enc, n);
	memcpy(big + n, "QQQ", 4); /* row 8192 % 7 = 2: 3 chars */
	big[n] = ALPHA[(strchr(ALPHA, enc[n - 1]) - ALPHA + 1) % 65];
	big[n + 1] = ALPHA[(strchr(ALPHA, big[n]) - ALPHA + 1) % 65];
	big[n + 2] = ALPHA[(strchr(ALPHA, big[n + 1]) - ALPHA + 1) % 65];
	ck_assert_ptr_null(junos9_decode(big, NULL));
	free(big);
	free(enc);
	free(plain);
}
END_TEST

/*
 * Random strings: mostly alphabet characters after "$9$" (to reach the group
 * decoder), some arbitrary bytes.  Decode must not crash; whatever decodes
 * must survive a round trip.
 */
START_TEST(test_fuzz_loop)
{
	char s[128], *p, *enc;
	size_t len, i, n;
	int iter;

	for (iter = 0; iter < 200000; iter++) {
		len = rng() % (sizeof(s) - 1);
		for (i = 0; i < len; i++) {
			if (rng() % 16 == 0)
				s[i] = (char)(rng() % 255 + 1);
			else
				s[i] = ALPHA[rng() % 65];
		}
		s[len] = '\0';
		if (len >= 3 && rng() % 8 != 0)
			memcpy(s, "$9$", 3);
		if ((p = junos9_decode(s, &n)) == NULL)
			continue;
		enc = junos9_encode(p, n);
		ck_assert_ptr_nonnull(enc);
		check_decode(enc, p, n);
		free(enc);
		free_plain(p, n);
	}
}
END_TEST

/* Single-character mutations of valid encodings. */
START_TEST(test_mutate)
{
	char plain[64], *enc, *p;
	size_t n, len, i, pos;
	int iter;

	for (iter = 0; iter < 20000; iter++) {
		n = rng() % sizeof(plain);
		for (i = 0; i < n; i++)
			plain[i] = (char)rng();
		enc = junos9_encode(plain, n);
		ck_assert_ptr_nonnull(enc);
		len = strlen(enc);
		pos = rng() % len;
		enc[pos] = (char)(rng() % 255 + 1);
		p = junos9_decode(enc, &n);
		free_plain(p, n);
		free(enc);
	}
}
END_TEST

static Suite *
junos9_suite(void)
{
	Suite *s = suite_create("junos9");
	TCase *tc = tcase_create("junos9");
	int nvec = (int)(sizeof(vectors) / sizeof(vectors[0]));
	int ninv = (int)(sizeof(invalid) / sizeof(invalid[0]));

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_vector_decode, 0, nvec);
	tcase_add_loop_test(tc, test_vector_encode, 0, nvec);
	tcase_add_loop_test(tc, test_invalid, 0, ninv);
	tcase_add_test(tc, test_null_and_plain);
	tcase_add_test(tc, test_edges);
	tcase_add_loop_test(tc, test_truncate_vectors, 0, nvec);
	tcase_add_test(tc, test_truncate_random);
	tcase_add_test(tc, test_round_trip_random);
	tcase_add_test(tc, test_round_trip_ranges);
	tcase_add_test(tc, test_salt_random);
	tcase_add_test(tc, test_salts_pool);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_fuzz_loop);
	tcase_add_test(tc, test_mutate);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(0, junos9_suite(), NULL);
}
