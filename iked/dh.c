/*
 * dh: the Diffie-Hellman groups of IKEv2 through OpenSSL's EVP_PKEY.
 *
 *   MODP 14/15/16   RFC 3526 primes, OpenSSL's "modp_2048/3072/4096"
 *                   (not the RFC 7919 ffdhe groups).  KE data and g^ir are
 *                   big-endian, zero-padded to the prime's length
 *                   (RFC 7296 3.4, 2.14).
 *   ECP 19/20/21    RFC 5903: KE data is x | y without the 0x04 point
 *                   format octet; g^ir is the x coordinate.
 *   Curve25519      RFC 8031: the 32-octet u coordinate both ways; an
 *                   all-zero shared secret is refused (RFC 8031 2.3).
 *
 * A peer's value is checked before use: its length, 1 < y < p-1 for MODP
 * (RFC 7296 5, RFC 6989 2.1: enough for a safe prime; OpenSSL's quick
 * check), the point on the curve for ECP (RFC 6989 2.3, and OpenSSL's
 * full public key check).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "iked/crypto.h"
#include "iked/ikev2.h"

struct dh {
	uint16_t group;
	EVP_PKEY *key;
	EVP_PKEY *domain; /* ECP from dh_params: a reference, or NULL */
};

/* ECP 19, 20, 21: each curve's domain, made when first asked for. */
#define DH_NCURVES 3
struct dh_params {
	EVP_PKEY *curve[DH_NCURVES];
	/* each curve's key generation context, initialised once (a
	 * context made and freed per key pair was 6 % of a setup), and
	 * Curve25519's last (made from its name, fetched once) */
	EVP_PKEY_CTX *gen[DH_NCURVES + 1];
};

static bool
dh_is_modp(uint16_t group)
{
	return group == MODP_2048 || group == MODP_3072 || group == MODP_4096;
}

/* The OpenSSL algorithm and group name of an IKE group. */
static int
dh_names(uint16_t group, const char **alg, const char **name)
{
	switch (group) {
	case MODP_2048: *alg = "DH", *name = "modp_2048"; return 0;
	case MODP_3072: *alg = "DH", *name = "modp_3072"; return 0;
	case MODP_4096: *alg = "DH", *name = "modp_4096"; return 0;
	case ECP_256: *alg = "EC", *name = "P-256"; return 0;
	case ECP_384: *alg = "EC", *name = "P-384"; return 0;
	case ECP_521: *alg = "EC", *name = "P-521"; return 0;
	case CURVE25519: *alg = "X25519", *name = NULL; return 0;
	}
	return -1;
}

static int
dh_curve_slot(uint16_t group)
{
	switch (group) {
	case ECP_256: return 0;
	case ECP_384: return 1;
	case ECP_521: return 2;
	}
	return -1;
}

struct dh_params *
dh_params_new(void)
{
	struct dh_params *dp = calloc(1, sizeof(*dp));

	if (dp == NULL)
		abort();
	return dp;
}

void
dh_params_free(struct dh_params *dp)
{
	if (dp == NULL)
		return;
	for (int i = 0; i < DH_NCURVES; i++) {
		EVP_PKEY_CTX_free(dp->gen[i]);
		EVP_PKEY_free(dp->curve[i]);
	}
	EVP_PKEY_CTX_free(dp->gen[DH_NCURVES]);
	free(dp);
}

/* The domain of an ECP group from dp (made now if new), or NULL. */
static EVP_PKEY *
dh_domain(struct dh_params *dp, uint16_t group)
{
	int slot = dh_curve_slot(group);
	const char *alg, *name;
	EVP_PKEY_CTX *ctx;
	OSSL_PARAM params[2];

	if (dp == NULL || slot < 0 || dh_names(group, &alg, &name) == -1)
		return NULL;
	if (dp->curve[slot] != NULL)
		return dp->curve[slot];
	ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, (char *)name, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (ctx == NULL || EVP_PKEY_paramgen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_params(ctx, params) <= 0 ||
	    EVP_PKEY_paramgen(ctx, &dp->curve[slot]) <= 0)
		dp->curve[slot] = NULL;
	EVP_PKEY_CTX_free(ctx);
	return dp->curve[slot];
}

struct dh *
dh_new_with(struct dh_params *dp, uint16_t group)
{
	EVP_PKEY *domain = dh_domain(dp, group);
	EVP_PKEY_CTX **ctx;
	struct dh *dh;
	bool x25519 = dp != NULL && group == CURVE25519;
	int slot = x25519 ? DH_NCURVES : dh_curve_slot(group);

	if ((domain == NULL && !x25519) || slot < 0)
		return dh_new(group);
	/* a new key pair from each EVP_PKEY_generate on the same context */
	ctx = &dp->gen[slot];
	if (*ctx == NULL) {
		*ctx = x25519 ? EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL)
			      : EVP_PKEY_CTX_new_from_pkey(NULL, domain, NULL);
		if (*ctx == NULL || EVP_PKEY_keygen_init(*ctx) <= 0) {
			EVP_PKEY_CTX_free(*ctx);
			*ctx = NULL;
			return NULL;
		}
	}
	if ((dh = calloc(1, sizeof(*dh))) == NULL)
		return NULL;
	dh->group = group;
	if (EVP_PKEY_generate(*ctx, &dh->key) <= 0 ||
	    (domain != NULL && !EVP_PKEY_up_ref(domain))) {
		EVP_PKEY_free(dh->key);
		free(dh);
		return NULL;
	}
	dh->domain = domain;
	return dh;
}

struct dh *
dh_new(uint16_t group)
{
	const char *alg, *name;
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	struct dh *dh = NULL;

	if (dh_names(group, &alg, &name) == -1)
		return NULL;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0)
		goto done;
	if (name != NULL) {
		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_PKEY_PARAM_GROUP_NAME, (char *)name, 0);
		params[1] = OSSL_PARAM_construct_end();
		if (EVP_PKEY_CTX_set_params(ctx, params) <= 0)
			goto done;
	}
	dh = calloc(1, sizeof(*dh));
	if (dh == NULL)
		goto done;
	dh->group = group;
	if (EVP_PKEY_generate(ctx, &dh->key) <= 0) {
		free(dh);
		dh = NULL;
	}
done:
	EVP_PKEY_CTX_free(ctx);
	return dh;
}

/* The private value goes with the key: OpenSSL clears it when freed. */
void
dh_free(struct dh *dh)
{
	if (dh == NULL)
		return;
	EVP_PKEY_free(dh->key);
	EVP_PKEY_free(dh->domain);
	OPENSSL_cleanse(dh, sizeof(*dh));
	free(dh);
}

uint16_t
dh_group(const struct dh *dh)
{
	return dh->group;
}

int
dh_public(const struct dh *dh, uint8_t *out, size_t cap, size_t *len)
{
	size_t want = crypto_dh_len(dh->group), n = 0;
	uint8_t pt[1 + 2 * 66];
	BIGNUM *y = NULL;
	int rc = -1;

	if (want == 0 || cap < want)
		return -1;
	switch (dh->group) {
	case MODP_2048:
	case MODP_3072:
	case MODP_4096:
		if (!EVP_PKEY_get_bn_param(
			dh->key, OSSL_PKEY_PARAM_PUB_KEY, &y))
			return -1;
		if (BN_bn2binpad(y, out, (int)want) != (int)want)
			goto done;
		break;
	case CURVE25519:
		n = want;
		if (!EVP_PKEY_get_raw_public_key(dh->key, out, &n) || n != want)
			return -1;
		break;
	default:
		/* RFC 5903 7: x | y, without the uncompressed point's 0x04. */
		if (!EVP_PKEY_get_octet_string_param(
			dh->key, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &n) ||
		    n != want + 1 || pt[0] != 0x04)
			return -1;
		memcpy(out, pt + 1, want);
		break;
	}
	*len = want;
	rc = 0;
done:
	BN_free(y);
	return rc;
}

/* The peer's MODP public value as a key of our group, or NULL. */
static EVP_PKEY *
dh_peer_modp(const struct dh *dh, const uint8_t *peer, size_t plen)
{
	BIGNUM *y = NULL, *p = NULL, *pm1 = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	const char *alg, *name;

	if (dh_names(dh->group, &alg, &name) == -1)
		return NULL;
	y = BN_bin2bn(peer, (int)plen, NULL);
	if (y == NULL ||
	    !EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_FFC_P, &p))
		goto done;
	/* RFC 6989 2.1: 1 < y < p-1. */
	pm1 = BN_dup(p);
	if (pm1 == NULL || !BN_sub_word(pm1, 1))
		goto done;
	if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, pm1) >= 0)
		goto done;
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(
		bld, OSSL_PKEY_PARAM_GROUP_NAME, name, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
		goto done;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		key = NULL;
done:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(pm1);
	BN_free(p);
	BN_free(y);
	return key;
}

/* The peer's ECP point (x | y) as a key of our curve, or NULL. */
static EVP_PKEY *
dh_peer_ecp(const struct dh *dh, const uint8_t *peer, size_t plen)
{
	uint8_t pt[1 + 2 * 66];
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	const char *alg, *name;

	if (dh_names(dh->group, &alg, &name) == -1 || plen + 1 > sizeof(pt))
		return NULL;
	pt[0] = 0x04;
	memcpy(pt + 1, peer, plen);
	if (dh->domain != NULL) {
		/* a copy of the curve's domain (no curve built from its
		 * name); setting the point decodes it, which checks that
		 * it is on the curve */
		if ((key = EVP_PKEY_dup(dh->domain)) != NULL &&
		    EVP_PKEY_set1_encoded_public_key(key, pt, plen + 1) <= 0) {
			EVP_PKEY_free(key);
			key = NULL;
		}
		return key;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, (char *)name, 0);
	params[1] = OSSL_PARAM_construct_octet_string(
	    OSSL_PKEY_PARAM_PUB_KEY, pt, plen + 1);
	params[2] = OSSL_PARAM_construct_end();
	/* Decoding the point checks that it is on the curve. */
	ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	return key;
}

int
dh_shared(struct dh *dh, const uint8_t *peer, size_t plen, uint8_t *out,
    size_t cap, size_t *len)
{
	size_t want = crypto_dh_len(dh->group), n = 0, i;
	EVP_PKEY_CTX *ctx = NULL, *chk = NULL;
	EVP_PKEY *pk = NULL;
	uint8_t acc = 0;
	int rc = -1;

	/* RFC 7296 3.4: the KE data is exactly the group's length. */
	if (want == 0 || plen != want || peer == NULL)
		return -1;
	switch (dh->group) {
	case MODP_2048:
	case MODP_3072:
	case MODP_4096: pk = dh_peer_modp(dh, peer, plen); break;
	case CURVE25519:
		pk = EVP_PKEY_new_raw_public_key(
		    EVP_PKEY_X25519, NULL, peer, plen);
		break;
	default: pk = dh_peer_ecp(dh, peer, plen); break;
	}
	if (pk == NULL)
		goto done;
	if (dh->group != CURVE25519) {
		/*
		 * RFC 6989 2.1: the RFC 3526 primes are safe primes, so
		 * 1 < y < p-1 (checked in dh_peer_modp) is the whole test;
		 * OpenSSL's quick check repeats it.  Its full check adds
		 * y^q mod p = 1, a modular exponentiation with a 2047-bit
		 * exponent, 2.2 ms of a 2.6 ms derive here, for nothing
		 * (docs/benchmarks.md, issue 12).
		 *
		 * RFC 6989 2.3: for an ECP group of prime order (cofactor 1:
		 * the curves of RFC 5903, groups 19-21) a point on the curve
		 * is all there is to check: coordinates in [0, p-1] and the
		 * curve equation, which the quick check tests (the point is
		 * not the point at infinity either).  The full check adds
		 * n * Q = O, a scalar multiplication as costly as the derive
		 * itself (a tenth of a responder's setup at ECP-256) that on
		 * such a curve holds for every point on it.
		 */
		chk = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
		if (chk == NULL || EVP_PKEY_public_check_quick(chk) != 1)
			goto done;
	}
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL);
	if (ctx == NULL || EVP_PKEY_derive_init(ctx) <= 0)
		goto done;
	/* RFC 7296 2.14: g^ir keeps its leading zeros. */
	if (dh_is_modp(dh->group) && EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0)
		goto done;
	/* checked above: derive_set_peer would run the full check again */
	if (EVP_PKEY_derive_set_peer_ex(ctx, pk, 0) <= 0 ||
	    EVP_PKEY_derive(ctx, NULL, &n) <= 0)
		goto done;
	if (n > cap || EVP_PKEY_derive(ctx, out, &n) <= 0)
		goto done;
	for (i = 0; i < n; i++)
		acc |= out[i];
	if (acc == 0) { /* RFC 8031 2.3 (and no use anywhere) */
		OPENSSL_cleanse(out, n);
		goto done;
	}
	*len = n;
	rc = 0;
done:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_free(pk);
	return rc;
}
