/*
 * auth_sig: the signatures of certificate AUTH (RFC 7296 2.15, 3.8) as
 * EVP does them, and nothing else: which method and hash we sign with,
 * the AUTH payload's data for a signature (RFC 7427 3 AlgorithmIdentifier
 * or RFC 4754 r|s), verifying a peer's AUTH against its certificate, the
 * private-key operation itself (for the signers: the ca process and the
 * in-process one of the tests), and the CERTREQ authority hash.  The
 * exchange files never call EVP; they call these.
 */
#ifndef QSAFE_IKE_AUTH_SIG_H
#define QSAFE_IKE_AUTH_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "iked/engine.h"

#define SIG_MAX 1024	 /* RSA 8192 bits; ECDSA DER is less */
#define SIG_ALGID_MAX 80 /* the longest AlgorithmIdentifier */
#define SIG_AUTH_MAX (1 + SIG_ALGID_MAX + SIG_MAX)
#define SIG_SHA1_LEN 20 /* CERTREQ: SHA-1 of a CA's SPKI */

/* How a side signs (or signed) its AUTH. */
struct sig_alg {
	uint8_t method; /* AUTH_RSA_SIG, AUTH_ECDSA_*, AUTH_DIGITAL_SIGNATURE */
	enum eng_sig_scheme scheme;
	uint16_t hash; /* HASH_* (RFC 7427 4) */
};

/* Bit (1 << HASH_x) set of the hashes we announce and accept (RFC 7427 4). */
uint32_t sig_hashes_ours(void);
/* Our SIGNATURE_HASH_ALGORITHMS notify data (2 octets per hash); length. */
size_t sig_hashes_notify(uint8_t *out, size_t cap);
/* The bit set of a peer's SIGNATURE_HASH_ALGORITHMS data (unknown ignored). */
uint32_t sig_hashes_parse(const uint8_t *p, size_t len);

/*
 * What we sign with, from our certificate's key: RFC 7427 with the best
 * hash both sides know when the peer announced any (RSA-PSS when pss),
 * else RSA PKCS#1 v1.5 (AUTH_RSA_SIG) or RFC 4754 ECDSA for the curve.
 * -1: no way (an RSA-PSS wish toward a peer without RFC 7427, a key type
 * we do not sign with).
 */
int sig_choose(X509 *ours, bool pss, uint32_t peer_hashes, struct sig_alg *out);

/*
 * The AUTH payload data for signature sig (as sig_sign made it: ECDSA in
 * DER) made with a; *olen.  0 / -1.
 */
int sig_auth_data(X509 *ours, const struct sig_alg *a, const uint8_t *sig,
    size_t slen, uint8_t *out, size_t cap, size_t *olen);

/*
 * Whether AUTH method/data is the peer's valid signature of octets with
 * the key of its certificate.  RFC 7427 hashes outside sig_hashes_ours()
 * are refused.  On false, *why says why (static text).
 */
bool sig_verify(X509 *peer, uint8_t method, const uint8_t *data, size_t len,
    const uint8_t *octets, size_t olen, const char **why);

/* The private-key operation: sig (ECDSA: DER) of octets.  0 / -1. */
int sig_sign(EVP_PKEY *key, enum eng_sig_scheme scheme, uint16_t hash,
    const uint8_t *octets, size_t olen, uint8_t *sig, size_t cap, size_t *slen);

/* RFC 7296 3.7: SHA-1 of the certificate's SubjectPublicKeyInfo. */
int sig_spki_sha1(X509 *ca, uint8_t out[SIG_SHA1_LEN]);

const char *sig_scheme_name(enum eng_sig_scheme s);

#endif
