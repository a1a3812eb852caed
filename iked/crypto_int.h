/*
 * crypto_int: what the files of the crypto module (crypto.c, dh.c, keys.c,
 * sk.c) share and the rest of iked does not see: a keyed HMAC context.
 * Only these files include OpenSSL headers.
 */
#ifndef QSAFE_IKE_CRYPTO_INT_H
#define QSAFE_IKE_CRYPTO_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "iked/crypto.h"

/*
 * An HMAC context keyed with key (from ca's, if not NULL), ready for
 * EVP_MAC_update; the caller frees it with EVP_MAC_CTX_free (OpenSSL wipes the
 * key).  NULL on error. EVP_MAC_init(ctx, NULL, 0, NULL) starts a new MAC with
 * the same key.
 */
EVP_MAC_CTX *crypto_hmac_new(const struct crypto_algs *ca, const char *digest,
    const uint8_t *key, size_t klen);
/* ca's fetched cipher for e (from crypto_encr); NULL: fetch it. */
const EVP_CIPHER *crypto_algs_cipher(
    const struct crypto_algs *ca, const struct encr_alg *e);

#endif
