/*
 * crypto: the algorithm tables of IKEv2 and the primitives every key of it
 * is made from: prf, prf+ (RFC 7296 2.13) and random bytes.  One static
 * table per transform type, keyed by the IANA transform ID (ikev2.h); each
 * entry also carries the names Junos shows, OpenSSL fetches and Linux XFRM
 * wants, so that no other part of iked keeps its own copy of the mapping.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "iked/crypto.h"
#include "iked/crypto_int.h"
#include "iked/ikev2.h"

/*
 * Transform type 1.  AES-CBC: RFC 3602, key length attribute required
 * (RFC 7296 3.3.5).  AES-GCM with a 16-octet ICV: RFC 5282, the key is
 * followed by a 4-octet salt.  ChaCha20-Poly1305: RFC 7634, 32-octet key
 * and 4-octet salt, no key length attribute.  AEAD padding is to 4 octets,
 * which IKE allows (RFC 5282 3) and ESP needs (RFC 4303 2.4).
 */
static const struct encr_alg encr_table[] = {
	{ ENCR_AES_CBC, 128, "aes128-cbc", 16, 0, 16, 16, 0, false,
	    "aes-cbc-128", "AES-128-CBC", "cbc(aes)" },
	{ ENCR_AES_CBC, 192, "aes192-cbc", 24, 0, 16, 16, 0, false,
	    "aes-cbc-192", "AES-192-CBC", "cbc(aes)" },
	{ ENCR_AES_CBC, 256, "aes256-cbc", 32, 0, 16, 16, 0, false,
	    "aes-cbc-256", "AES-256-CBC", "cbc(aes)" },
	{ ENCR_AES_GCM_16, 128, "aes128-gcm", 20, 4, 8, 4, 16, true,
	    "aes-gcm-128", "AES-128-GCM", "rfc4106(gcm(aes))" },
	{ ENCR_AES_GCM_16, 192, "aes192-gcm", 28, 4, 8, 4, 16, true,
	    "aes-gcm-192", "AES-192-GCM", "rfc4106(gcm(aes))" },
	{ ENCR_AES_GCM_16, 256, "aes256-gcm", 36, 4, 8, 4, 16, true,
	    "aes-gcm-256", "AES-256-GCM", "rfc4106(gcm(aes))" },
	{ ENCR_CHACHA20_POLY1305, 0, "chacha20-poly1305", 36, 4, 8, 4, 16, true,
	    "chacha20-poly1305", "ChaCha20-Poly1305",
	    "rfc7539esp(chacha20,poly1305)" },
};

/* Transform type 3: RFC 2404 and RFC 4868 (truncated HMACs). */
static const struct integ_alg integ_table[] = {
	{ AUTH_HMAC_SHA1_96, "hmac-sha1-96", 20, 12, "sha1", "SHA1",
	    "hmac(sha1)" },
	{ AUTH_HMAC_SHA2_256_128, "hmac-sha256-128", 32, 16, "sha256",
	    "SHA2-256", "hmac(sha256)" },
	{ AUTH_HMAC_SHA2_384_192, "hmac-sha384-192", 48, 24, "sha384",
	    "SHA2-384", "hmac(sha384)" },
	{ AUTH_HMAC_SHA2_512_256, "hmac-sha512-256", 64, 32, "sha512",
	    "SHA2-512", "hmac(sha512)" },
};

/* Transform type 2: RFC 2104 HMACs, RFC 4868 for SHA-2. */
static const struct prf_alg prf_table[] = {
	{ PRF_HMAC_SHA1, "hmac-sha1", 20, 20, "SHA1" },
	{ PRF_HMAC_SHA2_256, "hmac-sha256", 32, 32, "SHA2-256" },
	{ PRF_HMAC_SHA2_384, "hmac-sha384", 48, 48, "SHA2-384" },
	{ PRF_HMAC_SHA2_512, "hmac-sha512", 64, 64, "SHA2-512" },
};

/* Transform type 4: the KE data length (RFC 7296 3.4, 5903 7, 8031 3.1). */
static const struct {
	uint16_t group;
	size_t len;
} dh_table[] = {
	{ MODP_2048, 256 },
	{ MODP_3072, 384 },
	{ MODP_4096, 512 },
	{ ECP_256, 64 },
	{ ECP_384, 96 },
	{ ECP_521, 132 },
	{ CURVE25519, 32 },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const struct encr_alg *
crypto_encr(uint16_t id, uint16_t keybits)
{
	size_t i;

	for (i = 0; i < NELEM(encr_table); i++)
		if (encr_table[i].id == id && encr_table[i].keybits == keybits)
			return &encr_table[i];
	return NULL;
}

const struct integ_alg *
crypto_integ(uint16_t id)
{
	size_t i;

	for (i = 0; i < NELEM(integ_table); i++)
		if (integ_table[i].id == id)
			return &integ_table[i];
	return NULL;
}

const struct prf_alg *
crypto_prf(uint16_t id)
{
	size_t i;

	for (i = 0; i < NELEM(prf_table); i++)
		if (prf_table[i].id == id)
			return &prf_table[i];
	return NULL;
}

size_t
crypto_dh_len(uint16_t group)
{
	size_t i;

	for (i = 0; i < NELEM(dh_table); i++)
		if (dh_table[i].group == group)
			return dh_table[i].len;
	return 0;
}

/* The digests HMAC runs with here: prf_table's and integ_table's. */
static const char *const hmac_digests[] = { "SHA1", "SHA2-256", "SHA2-384",
	"SHA2-512" };

/*
 * What OpenSSL fetches once per engine instead of once per message or
 * key: each fetch looks the name up in the library context under its
 * lock.  hmac[i]: an HMAC context with hmac_digests[i] and an empty key,
 * duplicated and keyed for each use; cipher[i]: encr_table[i].
 */
struct crypto_algs {
	EVP_MAC_CTX *hmac[NELEM(hmac_digests)];
	EVP_CIPHER *cipher[NELEM(encr_table)];
};

/* HMAC takes an empty key (RFC 2104 2); OpenSSL wants a pointer. */
static const uint8_t hmac_none[1];

/* A fresh HMAC context with digest, keyed.  NULL on error. */
static EVP_MAC_CTX *
crypto_hmac_fetch(const char *digest, const uint8_t *key, size_t klen)
{
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];

	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac == NULL)
		return NULL;
	ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (ctx == NULL)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(ctx, klen ? key : hmac_none, klen, params)) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

struct crypto_algs *
crypto_algs_new(void)
{
	struct crypto_algs *ca;
	size_t i;

	if ((ca = calloc(1, sizeof(*ca))) == NULL)
		return NULL;
	/* One that fails stays NULL: its users fetch (and fail) as before. */
	for (i = 0; i < NELEM(hmac_digests); i++)
		ca->hmac[i] = crypto_hmac_fetch(hmac_digests[i], NULL, 0);
	for (i = 0; i < NELEM(encr_table); i++)
		ca->cipher[i] = EVP_CIPHER_fetch(NULL, encr_table[i].evp, NULL);
	return ca;
}

void
crypto_algs_free(struct crypto_algs *ca)
{
	size_t i;

	if (ca == NULL)
		return;
	for (i = 0; i < NELEM(hmac_digests); i++)
		EVP_MAC_CTX_free(ca->hmac[i]);
	for (i = 0; i < NELEM(encr_table); i++)
		EVP_CIPHER_free(ca->cipher[i]);
	free(ca);
}

const EVP_CIPHER *
crypto_algs_cipher(const struct crypto_algs *ca, const struct encr_alg *e)
{
	if (ca == NULL || e < encr_table || e >= encr_table + NELEM(encr_table))
		return NULL;
	return ca->cipher[e - encr_table];
}

EVP_MAC_CTX *
crypto_hmac_new(const struct crypto_algs *ca, const char *digest,
    const uint8_t *key, size_t klen)
{
	EVP_MAC_CTX *ctx;
	size_t i;

	for (i = 0; ca != NULL && i < NELEM(hmac_digests); i++)
		if (ca->hmac[i] != NULL && strcmp(hmac_digests[i], digest) == 0)
			break;
	if (ca == NULL || i == NELEM(hmac_digests))
		return crypto_hmac_fetch(digest, key, klen);
	if ((ctx = EVP_MAC_CTX_dup(ca->hmac[i])) == NULL)
		return NULL;
	if (!EVP_MAC_init(ctx, klen ? key : hmac_none, klen, NULL)) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* RFC 7296 2.13: prf is HMAC here, so any key length is allowed. */
int
crypto_prf_run(const struct crypto_algs *ca, const struct prf_alg *prf,
    const uint8_t *key, size_t klen, const uint8_t *data, size_t dlen,
    uint8_t *out)
{
	EVP_MAC_CTX *ctx;
	size_t n = 0;
	int rc = -1;

	if (prf == NULL || (key == NULL && klen) || (data == NULL && dlen))
		return -1;
	ctx = crypto_hmac_new(ca, prf->evp, key, klen);
	if (ctx == NULL)
		return -1;
	if (dlen && !EVP_MAC_update(ctx, data, dlen))
		goto done;
	if (!EVP_MAC_final(ctx, out, &n, prf->out_len) || n != prf->out_len)
		goto done;
	rc = 0;
done:
	EVP_MAC_CTX_free(ctx);
	return rc;
}

/*
 * RFC 7296 2.13: prf+ (K,S) = T1 | T2 | T3 | ... where
 * T1 = prf (K, S | 0x01), Tn = prf (K, Tn-1 | S | n), n at most 255.
 */
int
crypto_prfplus(const struct crypto_algs *ca, const struct prf_alg *prf,
    const uint8_t *key, size_t klen, const uint8_t *seed, size_t slen,
    uint8_t *out, size_t outlen)
{
	EVP_MAC_CTX *ctx;
	uint8_t t[CRYPTO_KEY_MAX];
	size_t tlen = 0, n, take;
	unsigned i;
	uint8_t cnt;
	int rc = -1;

	if (prf == NULL || (seed == NULL && slen) || out == NULL)
		return -1;
	if (outlen > 255 * prf->out_len)
		return -1;
	ctx = crypto_hmac_new(ca, prf->evp, key, klen);
	if (ctx == NULL)
		return -1;
	for (i = 1; outlen > 0; i++) {
		cnt = (uint8_t)i;
		if (i > 1 && !EVP_MAC_init(ctx, NULL, 0, NULL))
			goto done;
		if (tlen && !EVP_MAC_update(ctx, t, tlen))
			goto done;
		if (slen && !EVP_MAC_update(ctx, seed, slen))
			goto done;
		if (!EVP_MAC_update(ctx, &cnt, 1) ||
		    !EVP_MAC_final(ctx, t, &n, sizeof(t)) || n != prf->out_len)
			goto done;
		tlen = n;
		take = outlen < n ? outlen : n;
		memcpy(out, t, take);
		out += take;
		outlen -= take;
	}
	rc = 0;
done:
	OPENSSL_cleanse(t, sizeof(t));
	EVP_MAC_CTX_free(ctx);
	return rc;
}

int
crypto_random(uint8_t *out, size_t n)
{
	if (n == 0)
		return 0;
	if (n > INT32_MAX)
		return -1;
	return RAND_bytes(out, (int)n) == 1 ? 0 : -1;
}

int
crypto_pool_random(struct crypto_pool *p, uint8_t *out, size_t n)
{
	uint8_t *src;

	if (n == 0)
		return 0;
	if (n > CRYPTO_POOL_LEN / 4)
		return crypto_random(out, n);
	if (p->avail < n) {
		if (RAND_bytes(p->b, CRYPTO_POOL_LEN) != 1) {
			crypto_pool_wipe(p);
			return -1;
		}
		p->avail = CRYPTO_POOL_LEN;
	}
	src = p->b + CRYPTO_POOL_LEN - p->avail;
	memcpy(out, src, n);
	OPENSSL_cleanse(src, n);
	p->avail -= n;
	return 0;
}

void
crypto_pool_wipe(struct crypto_pool *p)
{
	OPENSSL_cleanse(p->b, sizeof(p->b));
	p->avail = 0;
}

int
crypto_hash(
    enum crypto_hash_alg alg, const uint8_t *p, size_t len, uint8_t *out)
{
	const char *name = alg == CRYPTO_SHA1 ? "SHA1" : "SHA2-256";
	size_t olen = 0;

	return EVP_Q_digest(NULL, name, NULL, p, len, out, &olen) == 1 ? 0 : -1;
}
