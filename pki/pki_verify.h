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
 * A trust store holding the CA certificates of the named profiles (all
 * loaded CA profiles when n == 0) and the CRL of each profile whose
 * revocation-check uses CRLs.  Revocation is decided per profile (RFC 5280
 * 6.3): a certificate is checked against a CRL when the nearest CA profile
 * above it in the verified chain uses CRLs — a missing CRL then fails the
 * check ("unable to get certificate CRL") — and never when that profile has
 * revocation-check disable, whatever the other profiles say.  Trust anchors
 * themselves are not checked.  The store carries this on its own (SSL_CTX,
 * X509_STORE_CTX users need nothing else).  Profiles without a loaded CA
 * certificate, and profiles with revocation-check use-ocsp (not supported),
 * are an error.  Returns a new store (caller X509_STORE_free), or NULL with
 * the reason in err.
 */
X509_STORE *pki_trust_store_new(struct pki_store *st,
    const char *const *profiles, size_t n, struct sb *err);

/*
 * Verify leaf (borrowed), with untrusted intermediates chain (borrowed, may
 * be NULL), against pki_trust_store_new(st, profiles, n): what iked does
 * with a peer's CERT payloads and its ca-profile (RFC 7296 3.6, RFC 4945
 * 3.2).  0 on success; -1 with the reason ("certificate has expired",
 * "certificate revoked", ...) in err.
 */
int pki_verify_cert(struct pki_store *st, const char *const *profiles, size_t n,
    X509 *leaf, STACK_OF(X509) * chain, struct sb *err);

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
bool pki_cert_has_identity(
    X509 *cert, enum pki_id_type type, const uint8_t *id, size_t len);

/*
 * Junos `remote-identity distinguished-name [container C] [wildcard W]`
 * (iked checks each one given) against cert's subject, dn being C or W:
 *   PKI_DN_EXACT      the subject is dn (X509_NAME_cmp)
 *   PKI_DN_CONTAINER  dn's attributes appear in the subject in dn's order,
 *                     one after another; the subject may have more before
 *                     or after them
 *   PKI_DN_WILDCARD   each of dn's attributes appears in the subject, in
 *                     any order
 * Values compare as X509_NAME_cmp does (case and inner spaces folded); a dn
 * that is not a distinguished name never matches.
 */
enum pki_dn_match {
	PKI_DN_EXACT,
	PKI_DN_CONTAINER,
	PKI_DN_WILDCARD,
};
const char *pki_dn_match_name(enum pki_dn_match m);
bool pki_cert_dn_matches(X509 *cert, enum pki_dn_match how, const char *dn);

/*
 * TLS material for mutual TLS (keymgr to the KME, ETSI GS QKD 014 5): local
 * certificate cert_id with its key pair, and pki_trust_store_new() of the
 * named profiles, read from st once.  The object does not refer to st, so
 * it may be used from other threads while st changes; it is not changed
 * after pki_tls_new().  Returns a new object (pki_tls_free), or NULL with
 * err ("error: certificate-id c1 not found", ...).
 */
struct pki_tls;
struct pki_tls *pki_tls_new(struct pki_store *st, const char *cert_id,
    const char *const *profiles, size_t n, struct sb *err);
void pki_tls_free(struct pki_tls *t);
/*
 * Give t to ctx (borrowed): our certificate and key, the trust store, and
 * SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT.  Safe to call from
 * several threads at once (libcurl's CURLOPT_SSL_CTX_FUNCTION).  0, or -1.
 */
int pki_tls_ssl_ctx(const struct pki_tls *t, SSL_CTX *ctx);
/*
 * SHA-256 (hex) over everything t holds: the certificate, the CA
 * certificates and the CRLs.  Borrowed; tells whether the material changed.
 */
const char *pki_tls_digest(const struct pki_tls *t);

/* pki_tls_new() + pki_tls_ssl_ctx() in one step.  0, or -1 with err. */
int pki_ssl_ctx_setup(struct pki_store *st, SSL_CTX *ctx, const char *cert_id,
    const char *const *profiles, size_t n, struct sb *err);

#endif
