/*
 * test_crypto: iked's crypto suite (iked/crypto.h) on its own.
 *
 *   prf       RFC 4231 (HMAC-SHA2) and RFC 2202 (HMAC-SHA1) vectors
 *   prf+      block by block against prf (RFC 7296 2.13), and its limit
 *   PPK       the RFC 8784 known answer strongSwan 5.9.8 checks (in the
 *             test, ppk_kat)
 *   DH        two private values of each group agree; malformed peer
 *             values (length, 0, 1, p-1, p, off the curve) are refused
 *
 * Key schedule and SK payload: test_keys_sk.c; the real strongSwan
 * exchange: test_strongswan.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/bn.h>

#include "iked/crypto.h"
#include "iked/ikev2.h"
#include "tests/iked/hex.h"
#include "tests/lib/check_main.h"

/* Bytes given as hex, as text, or as n times one octet. */
struct spec {
	const char *hex;
	const char *text;
	uint8_t fill;
	size_t n;
};

static size_t
spec_get(const struct spec *s, uint8_t *out, size_t cap)
{
	size_t n;

	if (s->hex != NULL)
		return hex_decode(s->hex, out, cap);
	if (s->text != NULL) {
		n = strlen(s->text);
		ck_assert_uint_le(n, cap);
		memcpy(out, s->text, n);
		return n;
	}
	ck_assert_uint_le(s->n, cap);
	memset(out, s->fill, s->n);
	return s->n;
}

#define FILL(b, k) \
	{ \
		NULL, NULL, b, k \
	}
#define TEXT(t) \
	{ \
		NULL, t, 0, 0 \
	}
#define HEX(h) \
	{ \
		h, NULL, 0, 0 \
	}

static const struct spec
    key_tc1 = FILL(0x0b, 20),
    key_jefe = TEXT("Jefe"), key_aa20 = FILL(0xaa, 20),
    key_tc5 = FILL(0x0c, 20), key_aa131 = FILL(0xaa, 131),
    key_aa80 = FILL(0xaa, 80),
    key_tc4 = HEX("0102030405060708090a0b0c0d0e0f10111213141516171819");
static const struct spec
    data_tc1 = TEXT("Hi There"),
    data_jefe = TEXT("what do ya want for nothing?"), data_dd = FILL(0xdd, 50),
    data_cd = FILL(0xcd, 50), data_tc5 = TEXT("Test With Truncation"),
    data_big = TEXT("Test Using Larger Than Block-Size Key - Hash Key First"),
    data_tc7 =
	TEXT("This is a test using a larger than block-size key and a "
	     "larger than block-size data. The key needs to be hashed before "
	     "being used by the HMAC algorithm."),
    data_2202_7 = TEXT("Test Using Larger Than Block-Size Key and Larger "
		       "Than One Block-Size Data");

struct prf_vec {
	uint16_t prf;
	const struct spec *key, *data;
	const char *mac; /* compared over its own length */
	const char *src;
};

static const struct prf_vec prf_vecs[] = {
	/* RFC 4231 4.2 - 4.8 */
	{ PRF_HMAC_SHA2_256, &key_tc1, &data_tc1,
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	    "4231 tc1" },
	{ PRF_HMAC_SHA2_384, &key_tc1, &data_tc1,
	    "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfa"
	    "ea9ea9076ede7f4af152e8b2fa9cb6",
	    "4231 tc1" },
	{ PRF_HMAC_SHA2_512, &key_tc1, &data_tc1,
	    "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdeda"
	    "a833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
	    "4231 tc1" },
	{ PRF_HMAC_SHA2_256, &key_jefe, &data_jefe,
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	    "4231 tc2" },
	{ PRF_HMAC_SHA2_384, &key_jefe, &data_jefe,
	    "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e"
	    "2240ca5e69e2c78b3239ecfab21649",
	    "4231 tc2" },
	{ PRF_HMAC_SHA2_512, &key_jefe, &data_jefe,
	    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea25055497"
	    "58bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
	    "4231 tc2" },
	{ PRF_HMAC_SHA2_256, &key_aa20, &data_dd,
	    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
	    "4231 tc3" },
	{ PRF_HMAC_SHA2_384, &key_aa20, &data_dd,
	    "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a"
	    "5ab39dc13814b94e3ab6e101a34f27",
	    "4231 tc3" },
	{ PRF_HMAC_SHA2_512, &key_aa20, &data_dd,
	    "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf"
	    "3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
	    "4231 tc3" },
	{ PRF_HMAC_SHA2_256, &key_tc4, &data_cd,
	    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
	    "4231 tc4" },
	{ PRF_HMAC_SHA2_384, &key_tc4, &data_cd,
	    "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e68"
	    "01dd23c4a7d679ccf8a386c674cffb",
	    "4231 tc4" },
	{ PRF_HMAC_SHA2_512, &key_tc4, &data_cd,
	    "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba9"
	    "1ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd",
	    "4231 tc4" },
	/* tc5: the RFC gives the first 128 bits only */
	{ PRF_HMAC_SHA2_256, &key_tc5, &data_tc5,
	    "a3b6167473100ee06e0c796c2955552b", "4231 tc5" },
	{ PRF_HMAC_SHA2_384, &key_tc5, &data_tc5,
	    "3abf34c3503b2a23a46efc619baef897", "4231 tc5" },
	{ PRF_HMAC_SHA2_512, &key_tc5, &data_tc5,
	    "415fad6271580a531d4179bc891d87a6", "4231 tc5" },
	{ PRF_HMAC_SHA2_256, &key_aa131, &data_big,
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	    "4231 tc6" },
	{ PRF_HMAC_SHA2_384, &key_aa131, &data_big,
	    "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c"
	    "2ef6ab4030fe8296248df163f44952",
	    "4231 tc6" },
	{ PRF_HMAC_SHA2_512, &key_aa131, &data_big,
	    "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b"
	    "56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
	    "4231 tc6" },
	{ PRF_HMAC_SHA2_256, &key_aa131, &data_tc7,
	    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
	    "4231 tc7" },
	{ PRF_HMAC_SHA2_384, &key_aa131, &data_tc7,
	    "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a6"
	    "78cc31e799176d3860e6110c46523e",
	    "4231 tc7" },
	{ PRF_HMAC_SHA2_512, &key_aa131, &data_tc7,
	    "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6"
	    "022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
	    "4231 tc7" },
	/* RFC 2202 3 */
	{ PRF_HMAC_SHA1, &key_tc1, &data_tc1,
	    "b617318655057264e28bc0b6fb378c8ef146be00", "2202 tc1" },
	{ PRF_HMAC_SHA1, &key_jefe, &data_jefe,
	    "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", "2202 tc2" },
	{ PRF_HMAC_SHA1, &key_aa20, &data_dd,
	    "125d7342b9ac11cd91a39af48aa17b4f63f175d3", "2202 tc3" },
	{ PRF_HMAC_SHA1, &key_tc4, &data_cd,
	    "4c9007f4026250c6bc8414f9bf50c86c2d7235da", "2202 tc4" },
	{ PRF_HMAC_SHA1, &key_tc5, &data_tc5,
	    "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04", "2202 tc5" },
	{ PRF_HMAC_SHA1, &key_aa80, &data_big,
	    "aa4ae5e15272d00e95705637ce8a3b55ed402112", "2202 tc6" },
	{ PRF_HMAC_SHA1, &key_aa80, &data_2202_7,
	    "e8e99d0f45237d786d6bbaa7965c7808bbff1a91", "2202 tc7" },
};

START_TEST(prf_kat)
{
	const struct prf_vec *v = &prf_vecs[_i];
	const struct prf_alg *prf = crypto_prf(v->prf);
	struct crypto_algs *ca = crypto_algs_new();
	uint8_t key[256], data[256], want[64], out[64];
	size_t klen, dlen, wlen;
	int i;

	ck_assert_ptr_nonnull(prf);
	ck_assert_ptr_nonnull(ca);
	klen = spec_get(v->key, key, sizeof(key));
	dlen = spec_get(v->data, data, sizeof(data));
	wlen = hex_decode(v->mac, want, sizeof(want));
	/* fetched for the call, then twice from an engine's fetched HMAC */
	for (i = 0; i < 3; i++) {
		memset(out, 0, sizeof(out));
		ck_assert_int_eq(crypto_prf_run(i ? ca : NULL, prf, key, klen,
				     data, dlen, out),
		    0);
		ck_assert_msg(memcmp(out, want, wlen) == 0, "RFC %s, %s (%d)",
		    v->src, prf->name, i);
	}
	crypto_algs_free(ca);
}
END_TEST

static const uint16_t prf_ids[] = { PRF_HMAC_SHA1, PRF_HMAC_SHA2_256,
	PRF_HMAC_SHA2_384, PRF_HMAC_SHA2_512 };

/* RFC 7296 2.13, block by block with crypto_prf_run. */
START_TEST(prfplus_blocks)
{
	const struct prf_alg *prf = crypto_prf(prf_ids[_i]);
	uint8_t key[40], seed[50], stream[3 * 64 + 7], t[64 + 50 + 1];
	uint8_t block[64], part[70];
	size_t h = prf->out_len, n, i;
	struct crypto_algs *ca = crypto_algs_new();

	crypto_random(key, sizeof(key));
	crypto_random(seed, sizeof(seed));
	n = 3 * h + 7;
	/* the stream with the engine's HMAC, the blocks fetched per call */
	ck_assert_int_eq(crypto_prfplus(ca, prf, key, sizeof(key), seed,
			     sizeof(seed), stream, n),
	    0);
	/* T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n) */
	for (i = 0; i < 4; i++) {
		size_t tl = 0;

		if (i > 0) {
			memcpy(t, block, h);
			tl = h;
		}
		memcpy(t + tl, seed, sizeof(seed));
		t[tl + sizeof(seed)] = (uint8_t)(i + 1);
		ck_assert_int_eq(crypto_prf_run(NULL, prf, key, sizeof(key), t,
				     tl + sizeof(seed) + 1, block),
		    0);
		ck_assert_mem_eq(stream + i * h, block, i < 3 ? h : 7);
	}
	/* A shorter stream is a prefix of a longer one. */
	ck_assert_int_eq(crypto_prfplus(NULL, prf, key, sizeof(key), seed,
			     sizeof(seed), part, h + 3),
	    0);
	ck_assert_mem_eq(part, stream, h + 3);
	/* At most 255 blocks. */
	ck_assert_int_eq(crypto_prfplus(NULL, prf, key, sizeof(key), seed,
			     sizeof(seed), stream, 255 * h + 1),
	    -1);
	crypto_algs_free(ca);
}
END_TEST

/* RFC 8784 3, the KAT strongSwan 5.9.8 checked (PRF HMAC-SHA2-256). */
START_TEST(ppk_kat)
{
	struct ike_keys k;
	uint8_t ppk[32], want[32];

	memset(&k, 0, sizeof(k));
	k.prf = crypto_prf(PRF_HMAC_SHA2_256);
	k.d_len = k.p_len = 32;
	hex_decode(
	    "ef390bdad9fe908429e3676f78e9fee4998bd3e39206fdf289b5b5c8952f00fc",
	    ppk, sizeof(ppk));
	hex_decode(
	    "1b9f5073681bd83a9941c87795f4a266ea89b62a0187274bf0232996b18689e9",
	    k.sk_d, 32);
	hex_decode(
	    "3e467df5e1bd21dfe2a96652db5c3a142340558d420f821d29d9966c87232b94",
	    k.sk_pi, 32);
	hex_decode(
	    "9c32ad0142a951d5b9a9277294b6c6aaaa0c752e6248294e8ffc779a0d05038e",
	    k.sk_pr, 32);
	memset(k.sk_ei, 0x5a, sizeof(k.sk_ei));
	ck_assert_int_eq(ike_keys_ppk_mix(&k, ppk, sizeof(ppk)), 0);
	hex_decode(
	    "310186fadc08b35c3fdea47df243208252ec23609a43a84c16cbccb43a2cde09",
	    want, 32);
	ck_assert_mem_eq(k.sk_d, want, 32);
	hex_decode(
	    "13d8c5df87fdeaf32828f02314c7b72f50ed055d2d18b66a484c807ce12b6817",
	    want, 32);
	ck_assert_mem_eq(k.sk_pi, want, 32);
	hex_decode(
	    "bb45e73ec7af2461b85208104d63fc7309867bf809fd001bcff6e5a3ce75f634",
	    want, 32);
	ck_assert_mem_eq(k.sk_pr, want, 32);
	/* SK_e and SK_a are not PPK keys (RFC 8784 3). */
	memset(want, 0x5a, sizeof(want));
	ck_assert_mem_eq(k.sk_ei, want, 32);
	ck_assert_int_eq(ike_keys_ppk_mix(&k, NULL, 0), -1);
}
END_TEST

START_TEST(tables)
{
	const struct encr_alg *e;

	e = crypto_encr(ENCR_AES_GCM_16, 128);
	ck_assert_ptr_nonnull(e);
	ck_assert(e->aead);
	ck_assert_uint_eq(e->key_len, 20);
	ck_assert_uint_eq(e->salt_len, 4);
	ck_assert_uint_eq(e->iv_len, 8);
	ck_assert_uint_eq(e->icv_len, 16);
	ck_assert_str_eq(e->esp_name, "aes-gcm-128");
	e = crypto_encr(ENCR_AES_CBC, 256);
	ck_assert_str_eq(e->name, "aes256-cbc");
	ck_assert_str_eq(e->esp_name, "aes-cbc-256");
	ck_assert_uint_eq(e->key_len, 32);
	ck_assert_uint_eq(e->iv_len, 16);
	ck_assert_uint_eq(crypto_encr(ENCR_AES_GCM_16, 256)->key_len, 36);
	ck_assert_uint_eq(crypto_encr(ENCR_CHACHA20_POLY1305, 0)->key_len, 36);
	/* AES needs its key length attribute (RFC 7296 3.3.5). */
	ck_assert_ptr_null(crypto_encr(ENCR_AES_CBC, 0));
	ck_assert_ptr_null(crypto_encr(ENCR_AES_CBC, 100));
	ck_assert_ptr_null(crypto_encr(ENCR_3DES, 0));
	ck_assert_str_eq(
	    crypto_integ(AUTH_HMAC_SHA2_256_128)->name, "hmac-sha256-128");
	ck_assert_str_eq(
	    crypto_integ(AUTH_HMAC_SHA2_256_128)->esp_name, "sha256");
	ck_assert_uint_eq(crypto_integ(AUTH_HMAC_SHA2_384_192)->out_len, 24);
	ck_assert_uint_eq(crypto_integ(AUTH_HMAC_SHA1_96)->out_len, 12);
	ck_assert_ptr_null(crypto_integ(AUTH_HMAC_MD5_96));
	ck_assert_str_eq(crypto_prf(PRF_HMAC_SHA2_256)->name, "hmac-sha256");
	ck_assert_ptr_null(crypto_prf(PRF_HMAC_MD5));
	ck_assert_uint_eq(crypto_dh_len(MODP_2048), 256);
	ck_assert_uint_eq(crypto_dh_len(ECP_521), 132);
	ck_assert_uint_eq(crypto_dh_len(CURVE25519), 32);
	ck_assert_uint_eq(crypto_dh_len(MODP_1024), 0);
	ck_assert_ptr_null(dh_new(MODP_1024));
}
END_TEST

static const struct {
	uint16_t group;
	size_t shared_len;
} dh_groups[] = {
	{ MODP_2048, 256 },
	{ MODP_3072, 384 },
	{ MODP_4096, 512 },
	{ ECP_256, 32 },
	{ ECP_384, 48 },
	{ ECP_521, 66 },
	{ CURVE25519, 32 },
};

START_TEST(dh_agree)
{
	uint16_t g = dh_groups[_i].group;
	/* a with the shared curve domain (dh_params), b without: the two
	 * ways of making keys agree */
	struct dh_params *dp = dh_params_new();
	struct dh *a = dh_new_with(dp, g), *b = dh_new(g);
	uint8_t pa[CRYPTO_DH_MAX], pb[CRYPTO_DH_MAX];
	uint8_t sa[CRYPTO_DH_MAX], sb[CRYPTO_DH_MAX];
	size_t la, lb, na, nb;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(dh_group(a), g);
	ck_assert_int_eq(dh_public(a, pa, sizeof(pa), &la), 0);
	ck_assert_int_eq(dh_public(b, pb, sizeof(pb), &lb), 0);
	ck_assert_uint_eq(la, crypto_dh_len(g));
	ck_assert_uint_eq(lb, la);
	ck_assert_int_eq(dh_public(a, pa, la - 1, &la), -1);
	ck_assert(memcmp(pa, pb, la) != 0);
	ck_assert_int_eq(dh_shared(a, pb, lb, sa, sizeof(sa), &na), 0);
	ck_assert_int_eq(dh_shared(b, pa, la, sb, sizeof(sb), &nb), 0);
	ck_assert_uint_eq(na, dh_groups[_i].shared_len);
	ck_assert_uint_eq(nb, na);
	ck_assert_mem_eq(sa, sb, na);
	/* RFC 7296 3.4: the KE data is exactly the group's length. */
	ck_assert_int_eq(dh_shared(a, pb, lb - 1, sa, sizeof(sa), &na), -1);
	ck_assert_int_eq(dh_shared(a, pb, lb + 1, sa, sizeof(sa), &na), -1);
	dh_free(a);
	dh_free(b);
	dh_free(NULL);
	/* a second key of the same domain: its own private value */
	a = dh_new_with(dp, g);
	ck_assert_int_eq(dh_public(a, pb, sizeof(pb), &lb), 0);
	ck_assert(memcmp(pa, pb, la) != 0);
	dh_free(a);
	dh_params_free(dp);
}
END_TEST

/*
 * RFC 7296 2.14: g^ir keeps its leading zero octets.  About one secret in
 * 256 starts with one: draw private values until one does.
 */
START_TEST(dh_modp_leading_zero)
{
	struct dh *a, *b = dh_new(MODP_2048);
	uint8_t pa[256], pb[256], sa[256], sb[256];
	size_t la, lb, na = 0, nb = 0;
	int tries;

	ck_assert_int_eq(dh_public(b, pb, sizeof(pb), &lb), 0);
	for (tries = 0; tries < 5000; tries++) {
		a = dh_new(MODP_2048);
		ck_assert_int_eq(dh_shared(a, pb, lb, sa, sizeof(sa), &na), 0);
		ck_assert_uint_eq(na, 256);
		if (sa[0] == 0) {
			ck_assert_int_eq(dh_public(a, pa, sizeof(pa), &la), 0);
			ck_assert_int_eq(
			    dh_shared(b, pa, la, sb, sizeof(sb), &nb), 0);
			dh_free(a);
			break;
		}
		dh_free(a);
	}
	ck_assert_int_lt(tries, 5000);
	ck_assert_uint_eq(nb, 256);
	ck_assert_mem_eq(sa, sb, 256);
	dh_free(b);
}
END_TEST

/* 0, 1, p-1, p and 2^n-1 are refused (RFC 6989 2.1). */
START_TEST(dh_modp_bad)
{
	static const uint16_t g[] = { MODP_2048, MODP_3072, MODP_4096 };
	BIGNUM *(*const prime[])(BIGNUM *) = { BN_get_rfc3526_prime_2048,
		BN_get_rfc3526_prime_3072, BN_get_rfc3526_prime_4096 };
	struct dh *dh = dh_new(g[_i]);
	size_t len = crypto_dh_len(g[_i]), n;
	uint8_t v[CRYPTO_DH_MAX], out[CRYPTO_DH_MAX];
	BIGNUM *p = prime[_i](NULL);

	ck_assert_ptr_nonnull(dh);
	memset(v, 0, len);
	ck_assert_int_eq(dh_shared(dh, v, len, out, sizeof(out), &n), -1);
	v[len - 1] = 1;
	ck_assert_int_eq(dh_shared(dh, v, len, out, sizeof(out), &n), -1);
	ck_assert_int_eq(BN_bn2binpad(p, v, (int)len), (int)len);
	ck_assert_int_eq(dh_shared(dh, v, len, out, sizeof(out), &n), -1);
	ck_assert(BN_sub_word(p, 1));
	ck_assert_int_eq(BN_bn2binpad(p, v, (int)len), (int)len);
	ck_assert_int_eq(dh_shared(dh, v, len, out, sizeof(out), &n), -1);
	/* 2 is a fine public value (g itself). */
	memset(v, 0, len);
	v[len - 1] = 2;
	ck_assert_int_eq(dh_shared(dh, v, len, out, sizeof(out), &n), 0);
	memset(v, 0xff, len);
	ck_assert_int_eq(dh_shared(dh, v, len, out, sizeof(out), &n), -1);
	BN_free(p);
	dh_free(dh);
}
END_TEST

/*
 * Key pairs from one engine's dh_params (one generation context reused,
 * Curve25519's too):
 * each is new, and each agrees with a peer on the secret (RFC 5903 9).
 */
START_TEST(dh_ecp_params_fresh)
{
	static const uint16_t g[] = { ECP_256, ECP_384, ECP_521, CURVE25519 };
	struct dh_params *dp = dh_params_new();
	struct dh *a[3], *b = dh_new(g[_i]);
	uint8_t pa[3][CRYPTO_DH_MAX], pb[CRYPTO_DH_MAX];
	uint8_t s1[CRYPTO_DH_MAX], s2[CRYPTO_DH_MAX];
	size_t len, lb, n1, n2;

	ck_assert_int_eq(dh_public(b, pb, sizeof(pb), &lb), 0);
	for (int i = 0; i < 3; i++) {
		a[i] = dh_new_with(dp, g[_i]);
		ck_assert_ptr_nonnull(a[i]);
		ck_assert_int_eq(
		    dh_public(a[i], pa[i], sizeof(pa[i]), &len), 0);
		ck_assert_uint_eq(len, lb);
		for (int j = 0; j < i; j++)
			ck_assert_mem_ne(pa[i], pa[j], len);
		ck_assert_int_eq(
		    dh_shared(a[i], pb, lb, s1, sizeof(s1), &n1), 0);
		ck_assert_int_eq(
		    dh_shared(b, pa[i], len, s2, sizeof(s2), &n2), 0);
		ck_assert_uint_eq(n1, n2);
		ck_assert_mem_eq(s1, s2, n1);
	}
	for (int i = 0; i < 3; i++)
		dh_free(a[i]);
	dh_free(b);
	dh_params_free(dp);
}
END_TEST

/*
 * A point off the curve, the point of all zeros and coordinates beyond p
 * (RFC 6989 2.3), with and without the engine's curve domain.
 */
START_TEST(dh_ecp_bad)
{
	static const uint16_t g[] = { ECP_256, ECP_384, ECP_521 };
	struct dh_params *dp = dh_params_new();
	struct dh *a = dh_new_with(dp, g[_i]), *b = dh_new(g[_i]);
	uint8_t v[CRYPTO_DH_MAX], out[CRYPTO_DH_MAX];
	size_t len, n;

	/* a keeps its own reference to the domain */
	dh_params_free(dp);
	ck_assert_int_eq(dh_public(b, v, sizeof(v), &len), 0);
	ck_assert_int_eq(dh_shared(a, v, len, out, sizeof(out), &n), 0);
	v[len - 1] ^= 1; /* y changed: not on the curve */
	ck_assert_int_eq(dh_shared(a, v, len, out, sizeof(out), &n), -1);
	ck_assert_int_eq(dh_shared(b, v, len, out, sizeof(out), &n), -1);
	memset(v, 0, len);
	ck_assert_int_eq(dh_shared(a, v, len, out, sizeof(out), &n), -1);
	ck_assert_int_eq(dh_shared(b, v, len, out, sizeof(out), &n), -1);
	/* x and y of all ones: beyond p, not a field element */
	memset(v, 0xff, len);
	ck_assert_int_eq(dh_shared(a, v, len, out, sizeof(out), &n), -1);
	ck_assert_int_eq(dh_shared(b, v, len, out, sizeof(out), &n), -1);
	dh_free(a);
	dh_free(b);
}
END_TEST

/* RFC 8031 2.3: small-order u give an all-zero secret and are refused. */
START_TEST(dh_x25519_bad)
{
	struct dh *a = dh_new(CURVE25519);
	uint8_t v[32], out[32];
	size_t n;

	memset(v, 0, sizeof(v));
	ck_assert_int_eq(dh_shared(a, v, 32, out, sizeof(out), &n), -1);
	v[0] = 1; /* little-endian u = 1 */
	ck_assert_int_eq(dh_shared(a, v, 32, out, sizeof(out), &n), -1);
	dh_free(a);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("crypto");
	TCase *tc = tcase_create("crypto");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(
	    tc, prf_kat, 0, sizeof(prf_vecs) / sizeof(prf_vecs[0]));
	tcase_add_loop_test(tc, prfplus_blocks, 0, 4);
	tcase_add_test(tc, ppk_kat);
	tcase_add_test(tc, tables);
	tcase_add_loop_test(
	    tc, dh_agree, 0, sizeof(dh_groups) / sizeof(dh_groups[0]));
	tcase_add_test(tc, dh_modp_leading_zero);
	tcase_add_loop_test(tc, dh_modp_bad, 0, 3);
	tcase_add_loop_test(tc, dh_ecp_bad, 0, 3);
	tcase_add_loop_test(tc, dh_ecp_params_fresh, 0, 4);
	tcase_add_test(tc, dh_x25519_bad);
	suite_add_tcase(s, tc);
	return check_main(0, s, NULL);
}
