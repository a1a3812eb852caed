/*
 * test_auth_sig: auth_sig.c over a table of keys (RSA, ECDSA P-256, P-384,
 * P-521) and peers (with and without RFC 7427 hashes): the method, scheme
 * and hash we sign with, that the AUTH data verifies, and that a changed
 * octet, a changed signature, a method for another key and every
 * truncation do not.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "iked/auth_sig.h"
#include "iked/ikev2.h"
#include "tests/iked/cert_lab.h"
#include "tests/lib/check_main.h"

/* auth_sig over a table: what we sign with, and that it verifies. */
static const struct {
	enum kt kt;
	bool pss;
	uint32_t peer; /* the peer's RFC 7427 hashes */
	int method;    /* -1: no way */
	enum eng_sig_scheme scheme;
	uint16_t hash;
} sig_cases[] = {
	{ KT_RSA, false, 1u << HASH_SHA2_256 | 1u << HASH_SHA2_512,
	    AUTH_DIGITAL_SIGNATURE, ENG_SIG_RSA_PKCS1, HASH_SHA2_256 },
	{ KT_RSA, true, 1u << HASH_SHA2_384, AUTH_DIGITAL_SIGNATURE,
	    ENG_SIG_RSA_PSS, HASH_SHA2_384 },
	{ KT_RSA, false, 0, AUTH_RSA_SIG, ENG_SIG_RSA_PKCS1, HASH_SHA1 },
	{ KT_RSA, true, 0, -1, 0, 0 },
	{ KT_RSA, false, 1u << HASH_SHA1, AUTH_RSA_SIG, ENG_SIG_RSA_PKCS1,
	    HASH_SHA1 },
	{ KT_EC256, false, 0, AUTH_ECDSA_256, ENG_SIG_ECDSA, HASH_SHA2_256 },
	{ KT_EC384, false, 0, AUTH_ECDSA_384, ENG_SIG_ECDSA, HASH_SHA2_384 },
	{ KT_EC521, false, 0, AUTH_ECDSA_521, ENG_SIG_ECDSA, HASH_SHA2_512 },
	{ KT_EC384, false, 0x1c, AUTH_DIGITAL_SIGNATURE, ENG_SIG_ECDSA,
	    HASH_SHA2_384 },
	{ KT_EC256, false, 1u << HASH_SHA2_512, AUTH_DIGITAL_SIGNATURE,
	    ENG_SIG_ECDSA, HASH_SHA2_512 },
};

START_TEST(sig_table)
{
	EVP_PKEY *k = key_make(sig_cases[_i].kt);
	X509 *x = cert_make("t", "t", k, NULL, NULL, false, NULL);
	uint8_t oct[300], sig[SIG_MAX], data[SIG_AUTH_MAX];
	size_t slen, dlen;
	struct sig_alg a;
	const char *why;

	for (size_t i = 0; i < sizeof(oct); i++)
		oct[i] = (uint8_t)(i * 7);
	if (sig_cases[_i].method == -1) {
		ck_assert_int_eq(
		    sig_choose(x, sig_cases[_i].pss, sig_cases[_i].peer, &a),
		    -1);
		goto done;
	}
	ck_assert_int_eq(
	    sig_choose(x, sig_cases[_i].pss, sig_cases[_i].peer, &a), 0);
	ck_assert_int_eq(a.method, sig_cases[_i].method);
	ck_assert_int_eq(a.scheme, sig_cases[_i].scheme);
	ck_assert_int_eq(a.hash, sig_cases[_i].hash);
	ck_assert_int_eq(sig_sign(k, a.scheme, a.hash, oct, sizeof(oct), sig,
			     sizeof(sig), &slen),
	    0);
	ck_assert_int_eq(
	    sig_auth_data(x, &a, sig, slen, data, sizeof(data), &dlen), 0);
	ck_assert_msg(
	    sig_verify(x, a.method, data, dlen, oct, sizeof(oct), &why), "%s",
	    why);
	oct[5] ^= 1;
	ck_assert(!sig_verify(x, a.method, data, dlen, oct, sizeof(oct), &why));
	oct[5] ^= 1;
	data[dlen - 1] ^= 0x40;
	ck_assert(!sig_verify(x, a.method, data, dlen, oct, sizeof(oct), &why));
	data[dlen - 1] ^= 0x40;
	/* A method for another key type, and truncation, never verify. */
	ck_assert(!sig_verify(x,
	    a.method == AUTH_ECDSA_384 ? AUTH_ECDSA_256 : AUTH_ECDSA_384, data,
	    dlen, oct, sizeof(oct), &why));
	for (size_t n = 0; n < dlen; n += 13)
		ck_assert(
		    !sig_verify(x, a.method, data, n, oct, sizeof(oct), &why));
done:
	X509_free(x);
	EVP_PKEY_free(k);
}
END_TEST

/* RFC 7427: an AlgorithmIdentifier naming SHA-1 is refused. */
START_TEST(sig_7427_sha1_refused)
{
	static const uint8_t sha1rsa[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86,
		0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00 };
	EVP_PKEY *k = key_make(KT_RSA);
	X509 *x = cert_make("t", "t", k, NULL, NULL, false, NULL);
	uint8_t oct[32] = { 1 }, sig[SIG_MAX], data[SIG_AUTH_MAX];
	size_t slen;
	const char *why;

	ck_assert_int_eq(sig_sign(k, ENG_SIG_RSA_PKCS1, HASH_SHA1, oct,
			     sizeof(oct), sig, sizeof(sig), &slen),
	    0);
	data[0] = sizeof(sha1rsa);
	memcpy(data + 1, sha1rsa, sizeof(sha1rsa));
	memcpy(data + 1 + sizeof(sha1rsa), sig, slen);
	ck_assert(!sig_verify(x, AUTH_DIGITAL_SIGNATURE, data,
	    1 + sizeof(sha1rsa) + slen, oct, sizeof(oct), &why));
	ck_assert_str_eq(why, "signature algorithm not accepted");
	/* but the same signature is a valid AUTH_RSA_SIG (RFC 7296) */
	ck_assert(
	    sig_verify(x, AUTH_RSA_SIG, sig, slen, oct, sizeof(oct), &why));
	X509_free(x);
	EVP_PKEY_free(k);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("auth_sig");
	TCase *tc = tcase_create("signatures");

	tcase_add_loop_test(
	    tc, sig_table, 0, sizeof(sig_cases) / sizeof(sig_cases[0]));
	tcase_add_test(tc, sig_7427_sha1_refused);
	/* each case generates a key pair: check's 4 s is too short on a
	 * loaded 2-core machine (seen under a parallel ASan suite) */
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return check_main(0, s, NULL);
}
