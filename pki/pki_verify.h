/*
 * pki_verify: what iked (certificate authentication, RFC 7296 2.15 / 3.5,
 * RFC 4945) and keymgr (mutual TLS to the KME, ETSI GS QKD 014 5) need from
 * the store: trust stores built from named CA profiles (with their CRLs),
 * peer chain verification, IKE identity matching, and a local certificate
 * with its key for TLS.
 *
 * Ownership: functions named *_new return objects the caller frees with the
 * OpenSSL free function named in the comment; X509 / STACK_OF(X509)
 * arguments are borrowed (not freed, not kept).
 */
#ifndef QSAFE_PKI_VERIFY_H
#define QSAFE_PKI_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pki/pki.h"

/*
 * A trust store holding the CA certificates of the named profiles, and the
 * CRL of each profile whose revocation-check uses CRLs; CRL checking of the
 * leaf is on when any of them does.  Profiles without a loaded CA
 * certificate are an error.  Returns a new store (caller X509_STORE_free),
 * or NULL with the reason in err.
 */
X509_STORE *pki_trust_store_new(struct pki_store *st,
    const char *const *profiles, size_t n, struct sb *err);

/*
 * Verify leaf (borrowed), with untrusted intermediates chain (borrowed, may
 * be NULL), against the CA certificates of the named profiles (all loaded
 * CA profiles when n == 0).  CRLs are checked when the profile whose CA
 * issued the chain's top asks for it.  0 on success; -1 with the reason
 * ("certificate has expired", "certificate revoked", ...) in err.
 */
int pki_verify_cert(struct pki_store *st, const char *const *profiles,
    size_t n, X509 *leaf, STACK_OF(X509) *chain, struct sb *err);

/*
 * IKE identification types (RFC 7296 3.5), id/len being the ID payload's
 * identification data:
 *   PKI_ID_IPV4_ADDR  4 bytes,  matches a SAN iPAddress
 *   PKI_ID_FQDN       a name,   matches a SAN dNSName (case-insensitive)
 *   PKI_ID_RFC822     an email, matches a SAN rfc822Name (case-insensitive)
 *   PKI_ID_IPV6_ADDR  16 bytes, matches a SAN iPAddress
 *   PKI_ID_DER_DN     DER Name, equal to the subject (RFC 4945 3.1.5)
 *   PKI_ID_DN_TEXT    "CN=a,O=b" (configured remote-identity
 *                     distinguished-name), equal to the subject
 */
enum pki_id_type {
	PKI_ID_IPV4_ADDR = 1,
	PKI_ID_FQDN = 2,
	PKI_ID_RFC822 = 3,
	PKI_ID_IPV6_ADDR = 5,
	PKI_ID_DER_DN = 9,
	PKI_ID_DN_TEXT = 256,
};
const char *pki_id_type_name(enum pki_id_type t);
bool pki_cert_has_identity(X509 *cert, enum pki_id_type type,
    const uint8_t *id, size_t len);

/*
 * For libcurl mutual TLS (CURLOPT_SSLCERT, CURLOPT_SSLKEY, CURLOPT_CAINFO):
 * the PEM paths of local certificate cert_id, its key, and a CA bundle of
 * the named profiles written to tls/<cert_id>-ca.pem.  The strings are new;
 * free with pki_tls_paths_free().  0, or -1 with err.
 */
struct pki_tls_paths {
	char *cert;
	char *key;
	char *ca_bundle;
};
int pki_tls_paths_get(struct pki_store *st, const char *cert_id,
    const char *const *profiles, size_t n, struct pki_tls_paths *out,
    struct sb *err);
void pki_tls_paths_free(struct pki_tls_paths *p);

/*
 * In-memory alternative: load certificate cert_id and its key into ctx
 * (borrowed), check they match, trust the named profiles and require the
 * peer's certificate (SSL_VERIFY_PEER).  0, or -1 with err.
 */
int pki_ssl_ctx_setup(struct pki_store *st, SSL_CTX *ctx, const char *cert_id,
    const char *const *profiles, size_t n, struct sb *err);

#endif
