/*
 * crypto: every cryptographic operation of IKEv2, through OpenSSL 3 EVP,
 * keyed by IANA transform IDs (ikev2.h) from one static table.  No EVP_
 * call appears anywhere else in iked.  Key material lives in buffers that
 * are wiped when freed (OPENSSL_cleanse).
 *
 *   algorithms   crypto_encr() / crypto_integ() / crypto_prf(): what an ID
 *                means (key, IV, block, ICV sizes), NULL when unsupported
 *   prf, prf+    RFC 7296 2.13
 *   DH           struct dh: MODP 14/15/16, ECP 19/20/21, Curve25519 (31)
 *   keys         SKEYSEED and SK_* (RFC 7296 2.14), IKE SA rekey (2.18),
 *                Child SA KEYMAT (2.17), PPK mixing (RFC 8784 3)
 *   AUTH         the signed octets and PSK AUTH (RFC 7296 2.15)
 *   SK payload   seal / open, AES-CBC + HMAC and AES-GCM (RFC 5282)
 */
#ifndef QSAFE_IKE_CRYPTO_H
#define QSAFE_IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRYPTO_KEY_MAX 64   /* the longest SK_* (PRF SHA-512) */
#define CRYPTO_DH_MAX 512   /* MODP 4096 public value */
#define CRYPTO_NONCE_MIN 16 /* RFC 7296 2.10 */
#define CRYPTO_NONCE_MAX 256

struct encr_alg {
	uint16_t id;	  /* enum ike_encr */
	uint16_t keybits; /* the key length it was asked with */
	const char *name; /* Junos: "aes256-cbc", "aes-gcm-128", ... */
	size_t key_len;	  /* octets, salt included for AEADs */
	size_t salt_len;  /* AEAD: RFC 5282 / 4106 salt; else 0 */
	size_t iv_len;	  /* on the wire */
	size_t block;	  /* padding unit */
	size_t icv_len;	  /* AEAD tag; 0 for CBC */
	bool aead;
	/* Added with the implementation: the other names of the same thing. */
	const char *esp_name; /* Junos ESP column: "aes-cbc-256" */
	const char *evp;      /* OpenSSL cipher: "AES-256-CBC" */
	const char *xfrm;     /* Linux: "cbc(aes)", "rfc4106(gcm(aes))" */
};

struct integ_alg {
	uint16_t id;	  /* enum ike_integ */
	const char *name; /* "hmac-sha256-128" */
	size_t key_len;
	size_t out_len;	      /* truncated ICV */
	const char *esp_name; /* Junos ESP column: "sha256" */
	const char *evp;      /* OpenSSL digest: "SHA2-256" */
	const char *xfrm;     /* Linux: "hmac(sha256)" */
};

struct prf_alg {
	uint16_t id;	  /* enum ike_prf */
	const char *name; /* "hmac-sha256" */
	size_t key_len;	  /* preferred key length = output length */
	size_t out_len;
	const char *evp; /* OpenSSL digest: "SHA2-256" */
};

/* NULL when this build does not do it.  keybits 0: the default/only one. */
const struct encr_alg *crypto_encr(uint16_t id, uint16_t keybits);
const struct integ_alg *crypto_integ(uint16_t id);
const struct prf_alg *crypto_prf(uint16_t id);
/* Whether the DH group is supported, and its public value length. */
size_t crypto_dh_len(uint16_t group);

/* What an IKE SA or Child SA negotiated. */
struct ike_suite {
	const struct encr_alg *encr;
	const struct integ_alg *integ; /* NULL with an AEAD */
	const struct prf_alg *prf;     /* NULL for a Child SA */
	uint16_t dh;		       /* 0: none (Child SA without PFS) */
	bool esn;
};

/*
 * The algorithms an engine fetches from OpenSSL once (crypto.c); every
 * function taking one also takes NULL and then fetches for the call.
 */
struct crypto_algs;
struct crypto_algs *crypto_algs_new(void);
void crypto_algs_free(struct crypto_algs *ca);

/* prf(key, data) into out (prf->out_len octets).  0 / -1. */
int crypto_prf_run(const struct crypto_algs *ca, const struct prf_alg *prf,
    const uint8_t *key, size_t klen, const uint8_t *data, size_t dlen,
    uint8_t *out);
/* prf+(key, seed) (RFC 7296 2.13), outlen octets (<= 255 blocks). */
int crypto_prfplus(const struct crypto_algs *ca, const struct prf_alg *prf,
    const uint8_t *key, size_t klen, const uint8_t *seed, size_t slen,
    uint8_t *out, size_t outlen);
/* n random octets (nonces, SPIs, IVs). */
int crypto_random(uint8_t *out, size_t n);

/*
 * A pool of OpenSSL DRBG output: one RAND_bytes per CRYPTO_POOL_LEN
 * octets instead of one per nonce or SPI (each call takes the DRBG's
 * lock and checks for a fork).  Octets handed out are wiped from the
 * pool; zeroed (calloc) it is empty.  Taken from the end: the unused
 * octets are b[CRYPTO_POOL_LEN - avail .. CRYPTO_POOL_LEN).
 */
#define CRYPTO_POOL_LEN 2048
struct crypto_pool {
	uint8_t b[CRYPTO_POOL_LEN];
	size_t avail;
};

/* n random octets from the pool (refilled when short).  0 / -1. */
int crypto_pool_random(struct crypto_pool *p, uint8_t *out, size_t n);
/* Wipes what the pool still holds; it is empty after. */
void crypto_pool_wipe(struct crypto_pool *p);

/*
 * A plain hash of p[0..len) into out (CRYPTO_SHA1: 20 octets, the NAT
 * detection hashes of RFC 7296 2.23; CRYPTO_SHA256: 32, the cookie of
 * 2.6).  0 / -1.
 */
enum crypto_hash_alg { CRYPTO_SHA1, CRYPTO_SHA256 };
#define CRYPTO_SHA1_LEN 20
#define CRYPTO_SHA256_LEN 32
int crypto_hash(
    enum crypto_hash_alg alg, const uint8_t *p, size_t len, uint8_t *out);

/* Diffie-Hellman: a fresh private value for group; the caller frees. */
struct dh;
struct dh *dh_new(uint16_t group);
/*
 * The curves' domain parameters, made once per curve and shared by the
 * keys made with them (an engine keeps one): building a curve from its
 * name (with its Montgomery constants) for every key pair and every
 * peer's point was a fifth of a responder's CPU per setup.  Never NULL;
 * the caller frees (keys made with it hold their own reference).
 */
struct dh_params;
struct dh_params *dh_params_new(void);
void dh_params_free(struct dh_params *dp);
/* dh_new with the domain from dp (NULL: as dh_new). */
struct dh *dh_new_with(struct dh_params *dp, uint16_t group);
void dh_free(struct dh *dh); /* wipes */
uint16_t dh_group(const struct dh *dh);
/* Our public value as IKE sends it in KE (RFC 7296 3.4, RFC 5903, 8031). */
int dh_public(const struct dh *dh, uint8_t *out, size_t cap, size_t *len);
/* g^ir from the peer's KE data; -1 if it is malformed. */
int dh_shared(struct dh *dh, const uint8_t *peer, size_t plen, uint8_t *out,
    size_t cap, size_t *len);

/* The keys of one IKE SA (RFC 7296 2.14). */
struct ike_keys {
	const struct crypto_algs *ca; /* the engine's, or NULL */
	const struct prf_alg *prf;
	const struct encr_alg *encr;
	const struct integ_alg *integ;
	size_t d_len, a_len, e_len, p_len;
	uint8_t sk_d[CRYPTO_KEY_MAX];
	uint8_t sk_ai[CRYPTO_KEY_MAX], sk_ar[CRYPTO_KEY_MAX];
	uint8_t sk_ei[CRYPTO_KEY_MAX], sk_er[CRYPTO_KEY_MAX];
	uint8_t sk_pi[CRYPTO_KEY_MAX], sk_pr[CRYPTO_KEY_MAX];
};
void ike_keys_wipe(struct ike_keys *k);

/*
 * SKEYSEED = prf(Ni | Nr, g^ir) and SK_* = prf+(SKEYSEED, Ni|Nr|SPIi|SPIr)
 * for a new IKE SA; for a rekeyed one (2.18) SKEYSEED = prf(SK_d_old,
 * g^ir | Ni | Nr) with the old SA's PRF (old_prf, old_sk_d; NULL for a new
 * SA).  SPIs in host order.  k keeps ca for the SK payloads and the
 * Child SA keys made with it.
 */
int ike_keys_derive(const struct crypto_algs *ca, struct ike_keys *k,
    const struct ike_suite *s, const uint8_t *shared, size_t shlen,
    const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
    uint64_t spii, uint64_t spir, const struct prf_alg *old_prf,
    const uint8_t *old_sk_d, size_t old_len);

/* RFC 8784 3: SK_d, SK_pi, SK_pr := prf+(PPK, SK_x), lengths unchanged. */
int ike_keys_ppk_mix(struct ike_keys *k, const uint8_t *ppk, size_t ppklen);

/*
 * RFC 7296 2.17: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr), split as
 * encr_i | integ_i | encr_r | integ_r (i = initiator to responder).
 */
struct child_keys {
	size_t e_len, a_len;
	uint8_t ei[CRYPTO_KEY_MAX], ai[CRYPTO_KEY_MAX];
	uint8_t er[CRYPTO_KEY_MAX], ar[CRYPTO_KEY_MAX];
};
int child_keys_derive(struct child_keys *ck, const struct ike_keys *k,
    const struct ike_suite *child, const uint8_t *shared, size_t shlen,
    const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen);
void child_keys_wipe(struct child_keys *ck);

/*
 * RFC 7296 2.15: the octets an AUTH covers: the sender's first message,
 * the peer's nonce, prf(SK_px, IDx') with id_body the ID payload body.
 * Writes into out (cap); *len.  0 / -1.
 */
int ike_auth_octets(const struct crypto_algs *ca, const struct prf_alg *prf,
    const uint8_t *sk_p, size_t sk_p_len, const uint8_t *msg1, size_t msg1_len,
    const uint8_t *nonce, size_t nonce_len, const uint8_t *id_body,
    size_t id_len, uint8_t *out, size_t cap, size_t *len);
/* AUTH = prf(prf(PSK, "Key Pad for IKEv2"), octets); out: prf->out_len. */
int ike_auth_psk(const struct crypto_algs *ca, const struct prf_alg *prf,
    const uint8_t *psk, size_t psklen, const uint8_t *octets, size_t olen,
    uint8_t *out);
/* Constant-time comparison of two AUTH values; true when equal. */
bool ike_auth_equal(const uint8_t *a, const uint8_t *b, size_t len);

/*
 * The SK payload (RFC 7296 3.14, RFC 5282).  msg holds the IKE header and
 * the SK generic header at sk_off (pld_add_sk_header); sk_seal writes IV,
 * the encrypted plain[0..plen) with its padding, and the ICV after it,
 * sets the SK payload and IKE header lengths, and returns the message
 * length in *msglen.  from_initiator picks SK_ei/SK_ai or SK_er/SK_ar.
 */
int sk_seal(const struct ike_keys *k, bool from_initiator, uint8_t *msg,
    size_t cap, size_t sk_off, const uint8_t *plain, size_t plen,
    size_t *msglen);
/*
 * Checks the ICV of the message raw (header to end) whose SK payload body
 * is at sk_off + 4, and decrypts it into out (cap >= the body length).
 * *plen: the plaintext without padding.  -1 on any failure (integrity,
 * padding, lengths) without saying which (no oracle).
 */
int sk_open(const struct ike_keys *k, bool from_initiator, const uint8_t *raw,
    size_t rawlen, size_t sk_off, uint8_t *out, size_t cap, size_t *plen);

/*
 * RFC 7383 2.5: the same for one SKF fragment (the header at skf_off is 8
 * octets: generic header, Fragment Number, Total Fragments, all covered
 * by the ICV / associated data).
 */
int skf_seal(const struct ike_keys *k, bool from_initiator, uint8_t *msg,
    size_t cap, size_t skf_off, const uint8_t *plain, size_t plen,
    size_t *msglen);
int skf_open(const struct ike_keys *k, bool from_initiator, const uint8_t *raw,
    size_t rawlen, size_t skf_off, uint8_t *out, size_t cap, size_t *plen);
/* The payload overhead of one SK/SKF: IV, ICV and at most one block of
 * padding with its length octet; 0 with no keys. */
size_t sk_overhead(const struct ike_keys *k);

#endif
