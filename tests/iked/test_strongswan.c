/*
 * test_strongswan: iked's key schedule and SK payload against a real
 * strongSwan 5.9.8 exchange (three runs: PPK mandatory, PPK optional with
 * NO_PPK_AUTH, no PPK), from vectors/strongswan-ppk.txt, which
 * extract_strongswan.py made from the initiator's ike=4 log and the
 * capture of the same runs.  For each run:
 *
 *   - SKEYSEED and every SK_* from the DH secret, the nonces and the SPIs
 *     (nonces and SPIs read from the captured IKE_SA_INIT, keys from the
 *     log), PRF HMAC-SHA2-256, AES-CBC-256, HMAC-SHA2-256-128;
 *   - SK_d, SK_pi, SK_pr after RFC 8784 mixing with the PPK;
 *   - each AUTH the log computed: its octets from the captured message 1,
 *     the peer's nonce and IDx', and the PSK AUTH value;
 *   - every encrypted message of the capture opens with the derived keys
 *     into the plaintext the log shows; IKE_AUTH requests begin with IDi,
 *     carry the AUTH values, and any bit flipped makes open fail.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "iked/crypto.h"
#include "iked/ikev2.h"
#include "tests/iked/hex.h"
#include "tests/lib/check_main.h"

#define REC_MAX 128
#define FIELD_MAX 5
#define BLOB_MAX 1024

struct rec {
	char run[16], name[16];
	int nf;
	char *f[FIELD_MAX];
};

static struct rec recs[REC_MAX];
static int nrecs;
/* what an engine fetches once: the keys and SK payloads run with it */
static struct crypto_algs *algs;
static const char *runs[] = { "ppk", "ppkopt", "noppk" };

static void
vectors_load(const char *path)
{
	static char buf[64 * 1024];
	FILE *fp = fopen(path, "r");
	size_t n;
	char *line, *save = NULL, *tok, *s2;
	struct rec *r;

	if (fp == NULL) {
		perror(path);
		exit(EXIT_FAILURE);
	}
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || nrecs == REC_MAX)
			continue;
		r = &recs[nrecs++];
		tok = strtok_r(line, " ", &s2);
		snprintf(r->run, sizeof(r->run), "%s", tok);
		tok = strtok_r(NULL, " ", &s2);
		snprintf(r->name, sizeof(r->name), "%s", tok ? tok : "");
		while (r->nf < FIELD_MAX &&
		    (tok = strtok_r(NULL, " ", &s2)) != NULL)
			r->f[r->nf++] = tok;
	}
}

/* The one record run/name; fails the test when absent. */
static size_t
vec(const char *run, const char *name, uint8_t *out)
{
	int i;

	for (i = 0; i < nrecs; i++)
		if (strcmp(recs[i].run, run) == 0 &&
		    strcmp(recs[i].name, name) == 0)
			return hex_decode(recs[i].f[0], out, BLOB_MAX);
	ck_abort_msg("%s: no %s in the vectors", run, name);
	return 0;
}

static bool
vec_has(const char *run, const char *name)
{
	int i;

	for (i = 0; i < nrecs; i++)
		if (strcmp(recs[i].run, run) == 0 &&
		    strcmp(recs[i].name, name) == 0)
			return true;
	return false;
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static const struct ike_suite *
suite(void)
{
	static struct ike_suite s;

	s.encr = crypto_encr(ENCR_AES_CBC, 256);
	s.integ = crypto_integ(AUTH_HMAC_SHA2_256_128);
	s.prf = crypto_prf(PRF_HMAC_SHA2_256);
	s.dh = CURVE25519;
	return &s;
}

/* The keys of run, derived here from the log's DH secret. */
static void
derive(const char *run, struct ike_keys *k)
{
	uint8_t shared[BLOB_MAX], ni[BLOB_MAX], nr[BLOB_MAX], spi[8];
	size_t shlen, nilen, nrlen;
	uint64_t spii, spir;

	shlen = vec(run, "shared", shared);
	nilen = vec(run, "ni", ni);
	nrlen = vec(run, "nr", nr);
	vec(run, "spii", spi);
	spii = get64(spi);
	vec(run, "spir", spi);
	spir = get64(spi);
	ck_assert_int_eq(ike_keys_derive(algs, k, suite(), shared, shlen, ni,
			     nilen, nr, nrlen, spii, spir, NULL, NULL, 0),
	    0);
}

static void
check_key(const char *run, const char *name, const uint8_t *key, size_t len)
{
	uint8_t want[BLOB_MAX];

	ck_assert_uint_eq(vec(run, name, want), len);
	ck_assert_msg(memcmp(key, want, len) == 0, "%s: %s differs", run, name);
}

START_TEST(keys)
{
	const char *run = runs[_i];
	const struct prf_alg *prf = crypto_prf(PRF_HMAC_SHA2_256);
	uint8_t shared[BLOB_MAX], nonces[2 * BLOB_MAX], seed[32];
	size_t shlen, n;
	struct ike_keys k;

	/* RFC 7296 2.14: SKEYSEED = prf(Ni | Nr, g^ir) */
	shlen = vec(run, "shared", shared);
	n = vec(run, "ni", nonces);
	n += vec(run, "nr", nonces + n);
	ck_assert_int_eq(
	    crypto_prf_run(NULL, prf, nonces, n, shared, shlen, seed), 0);
	check_key(run, "skeyseed", seed, 32);

	derive(run, &k);
	ck_assert_uint_eq(k.e_len, 32);
	ck_assert_uint_eq(k.a_len, 32);
	check_key(run, "sk_d", k.sk_d, k.d_len);
	check_key(run, "sk_ai", k.sk_ai, k.a_len);
	check_key(run, "sk_ar", k.sk_ar, k.a_len);
	check_key(run, "sk_ei", k.sk_ei, k.e_len);
	check_key(run, "sk_er", k.sk_er, k.e_len);
	check_key(run, "sk_pi", k.sk_pi, k.p_len);
	check_key(run, "sk_pr", k.sk_pr, k.p_len);
	if (vec_has(run, "ppk")) {
		uint8_t ppk[BLOB_MAX];
		size_t plen = vec(run, "ppk", ppk);

		ck_assert_int_eq(ike_keys_ppk_mix(&k, ppk, plen), 0);
		check_key(run, "sk_d_ppk", k.sk_d, k.d_len);
		check_key(run, "sk_pi_ppk", k.sk_pi, k.p_len);
		check_key(run, "sk_pr_ppk", k.sk_pr, k.p_len);
		check_key(run, "sk_ei", k.sk_ei, k.e_len);
	} else {
		ck_assert_str_eq(run, "noppk");
	}
	ike_keys_wipe(&k);
}
END_TEST

START_TEST(auth)
{
	const char *run = runs[_i];
	const struct prf_alg *prf = crypto_prf(PRF_HMAC_SHA2_256);
	static uint8_t msg1[BLOB_MAX], nonce[BLOB_MAX], octets[BLOB_MAX];
	static uint8_t want[BLOB_MAX];
	uint8_t psk[64], skp[64], idx[64], value[32], out[32];
	size_t psklen, m1, nl, il, ol, wl, nauth = 0;
	struct ike_keys k, mixed;
	bool side_i;
	int i;

	derive(run, &k);
	mixed = k;
	if (vec_has(run, "ppk")) {
		uint8_t ppk[BLOB_MAX];
		size_t plen = vec(run, "ppk", ppk);

		ck_assert_int_eq(ike_keys_ppk_mix(&mixed, ppk, plen), 0);
	}
	psklen = vec(run, "psk", psk);
	for (i = 0; i < nrecs; i++) {
		const struct rec *r = &recs[i];

		if (strcmp(r->run, run) != 0 || strcmp(r->name, "auth") != 0)
			continue;
		nauth++;
		ck_assert_int_eq(r->nf, 5);
		side_i = strcmp(r->f[0], "i") == 0;
		hex_decode(r->f[1], skp, sizeof(skp));
		il = hex_decode(r->f[2], idx, sizeof(idx));
		wl = hex_decode(r->f[3], want, BLOB_MAX);
		hex_decode(r->f[4], value, sizeof(value));
		/* The SK_p used is ours, mixed with the PPK or not. */
		ck_assert(memcmp(skp, side_i ? k.sk_pi : k.sk_pr, 32) == 0 ||
		    memcmp(skp, side_i ? mixed.sk_pi : mixed.sk_pr, 32) == 0);
		/* RFC 7296 2.15: own message 1 | peer's nonce | prf(SK_p, IDx')
		 */
		m1 = vec(run, side_i ? "init_req" : "init_resp", msg1);
		nl = vec(run, side_i ? "nr" : "ni", nonce);
		ck_assert_int_eq(ike_auth_octets(algs, prf, skp, 32, msg1, m1,
				     nonce, nl, idx, il, octets, BLOB_MAX, &ol),
		    0);
		ck_assert_uint_eq(ol, wl);
		ck_assert_mem_eq(octets, want, wl);
		ck_assert_int_eq(ike_auth_octets(algs, prf, skp, 32, msg1, m1,
				     nonce, nl, idx, il, octets, wl - 1, &ol),
		    -1);
		ck_assert_int_eq(
		    ike_auth_psk(algs, prf, psk, psklen, want, wl, out), 0);
		ck_assert(ike_auth_equal(out, value, 32));
		out[31] ^= 0x80;
		ck_assert(!ike_auth_equal(out, value, 32));
	}
	/* ppk: i, r; ppkopt: i (PPK), i (NO_PPK_AUTH), r; noppk: i */
	ck_assert_uint_eq(nauth, _i == 1 ? 3 : _i == 0 ? 2 : 1);
	ike_keys_wipe(&k);
	ike_keys_wipe(&mixed);
}
END_TEST

/* Whether the AUTH value of side appears in plain (the AUTH payload or the
 * NO_PPK_AUTH notify). */
static bool
carries_auths(const char *run, bool side_i, const uint8_t *plain, size_t plen)
{
	uint8_t value[32];
	int i, n = 0;

	for (i = 0; i < nrecs; i++) {
		const struct rec *r = &recs[i];

		if (strcmp(r->run, run) != 0 || strcmp(r->name, "auth") != 0 ||
		    (strcmp(r->f[0], "i") == 0) != side_i)
			continue;
		hex_decode(r->f[4], value, sizeof(value));
		if (memmem(plain, plen, value, 32) == NULL)
			return false;
		n++;
	}
	return n > 0;
}

/* The IDx' of side, from its auth record. */
static size_t
idx_of(const char *run, bool side_i, uint8_t *out)
{
	int i;

	for (i = 0; i < nrecs; i++)
		if (strcmp(recs[i].run, run) == 0 &&
		    strcmp(recs[i].name, "auth") == 0 &&
		    (strcmp(recs[i].f[0], "i") == 0) == side_i)
			return hex_decode(recs[i].f[2], out, 64);
	ck_abort_msg("%s: no IDx'", run);
	return 0;
}

START_TEST(sk_open_capture)
{
	const char *run = runs[_i];
	static uint8_t msg[BLOB_MAX], want[BLOB_MAX], out[BLOB_MAX];
	uint8_t id[64];
	size_t mlen, wlen, plen, il, bit, nmsg = 0;
	struct ike_keys k;
	bool from_i;
	int i;

	derive(run, &k);
	if (vec_has(run, "ppk")) {
		uint8_t ppk[BLOB_MAX];
		size_t len = vec(run, "ppk", ppk);

		/* SK_e and SK_a do not change with the PPK. */
		ck_assert_int_eq(ike_keys_ppk_mix(&k, ppk, len), 0);
	}
	for (i = 0; i < nrecs; i++) {
		const struct rec *r = &recs[i];

		if (strcmp(r->run, run) != 0 || strcmp(r->name, "sk") != 0)
			continue;
		nmsg++;
		from_i = strcmp(r->f[0], "1") == 0;
		mlen = hex_decode(r->f[1], msg, sizeof(msg));
		wlen = r->nf > 2 ? hex_decode(r->f[2], want, sizeof(want)) : 0;
		ck_assert_uint_eq(msg[16], PLD_SK);
		ck_assert_uint_eq(!!(msg[19] & IKE_FLAG_INITIATOR), from_i);
		ck_assert_int_eq(sk_open(&k, from_i, msg, mlen, IKE_HDR_LEN,
				     out, sizeof(out), &plen),
		    0);
		ck_assert_uint_eq(plen, wlen);
		ck_assert_mem_eq(out, want, wlen);
		/* The other direction's keys do not open it. */
		ck_assert_int_eq(sk_open(&k, !from_i, msg, mlen, IKE_HDR_LEN,
				     out, sizeof(out), &plen),
		    -1);
		if (msg[18] == IKE_AUTH && !(msg[19] & IKE_FLAG_RESPONSE)) {
			/* It begins with IDi (RFC 7296 1.2), whose body is
			 * the IDx' of the initiator's AUTH. */
			ck_assert_uint_eq(msg[IKE_HDR_LEN], PLD_IDI);
			il = idx_of(run, true, id);
			ck_assert_uint_eq((size_t)(want[2] << 8 | want[3]),
			    IKE_PLD_HDR_LEN + il);
			ck_assert_mem_eq(want + IKE_PLD_HDR_LEN, id, il);
			ck_assert(carries_auths(run, true, want, wlen));
		} else if (msg[18] == IKE_AUTH && vec_has(run, "ppk")) {
			ck_assert_uint_eq(msg[IKE_HDR_LEN], PLD_IDR);
			ck_assert(carries_auths(run, false, want, wlen));
		} else if (msg[18] == IKE_AUTH) {
			/* noppk: N(AUTHENTICATION_FAILED) */
			ck_assert_uint_eq(msg[IKE_HDR_LEN], PLD_NOTIFY);
			ck_assert_uint_eq((size_t)(want[6] << 8 | want[7]),
			    N_AUTHENTICATION_FAILED);
		}
		/* RFC 7296 3.14: the ICV covers every bit of the message. */
		for (bit = 0; bit < mlen * 8; bit++) {
			msg[bit / 8] ^= (uint8_t)(1 << (bit % 8));
			ck_assert_msg(
			    sk_open(&k, from_i, msg, mlen, IKE_HDR_LEN, out,
				sizeof(out), &plen) == -1,
			    "bit %zu", bit);
			msg[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		}
	}
	/* IKE_AUTH request and response; two INFORMATIONAL exchanges */
	ck_assert_uint_eq(nmsg, _i == 2 ? 2 : 6);
	ike_keys_wipe(&k);
}
END_TEST

int
main(int argc, char **argv)
{
	Suite *s = suite_create("strongswan");
	TCase *tc = tcase_create("strongswan");
	int status;

	if (argc != 2) {
		fprintf(stderr, "usage: test_strongswan vectors-file\n");
		return EXIT_FAILURE;
	}
	vectors_load(argv[1]);
	if ((algs = crypto_algs_new()) == NULL)
		return EXIT_FAILURE;
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, keys, 0, 3);
	tcase_add_loop_test(tc, auth, 0, 3);
	tcase_add_loop_test(tc, sk_open_capture, 0, 3);
	suite_add_tcase(s, tc);
	status = check_main(0, s, NULL);
	crypto_algs_free(algs);
	return status;
}
