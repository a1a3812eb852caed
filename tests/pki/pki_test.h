/*
 * pki_test: helpers shared by the pki unit tests — a temp store per test,
 * certificates, keys and CRLs made with OpenSSL APIs (so expired, not yet
 * valid, wrong-key and revoked cases need no fixture files), and a way to
 * run an rpc from a JSON text.
 */
#ifndef QSAFE_PKI_TEST_H
#define QSAFE_PKI_TEST_H

#include <stdbool.h>

#include <check.h>
#include <jansson.h>
#include <openssl/x509.h>

#include "pki/pki.h"

/* The store of the running test and its directory (fixture). */
extern struct pki_store *t_st;
extern char t_dir[];
void t_setup(void);
void t_teardown(void);
/* t_dir/name: a path for test files (static; the last four stay valid). */
const char *t_path(const char *name);

EVP_PKEY *t_key_ec(void);
EVP_PKEY *t_key_rsa(int bits);
/*
 * A certificate for key with CN=cn, issued by issuer/ikey (NULL: self),
 * valid from now+nb to now+na seconds; ca: basicConstraints CA:TRUE.
 * san: "DNS:x" / "IP:1.2.3.4" / "email:a@b" list for the SAN, or NULL.
 */
X509 *t_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey,
    long nb, long na, bool ca, const char *san);
/* A CRL from ca revoking rev (NULL: none). */
X509_CRL *t_crl(X509 *ca, EVP_PKEY *cakey, X509 *rev);

void t_write(const char *path, const void *buf, size_t len);
void t_write_cert_pem(const char *path, X509 *cert);
void t_write_cert_der(const char *path, X509 *cert);
void t_write_key_pem(const char *path, EVP_PKEY *key);
void t_write_crl_pem(const char *path, X509_CRL *crl);
/*
 * cert written straight into the store as object name of kind ("certs",
 * "ca"), past the checks of a load: how the tests get expired and not yet
 * valid certificates in, which the operator's loads refuse.
 */
void t_store_cert(const char *kind, const char *name, X509 *cert);
/* Mode bits of a file, -1 when missing. */
int t_mode(const char *path);
/* Number of entries (without . and ..) in dir. */
int t_count(const char *dir);

/* Run rpc with input given as JSON text; err receives the error line. */
json_t *t_rpc(const char *rpc, const char *input, struct sb *err);
/* The CA profiles "ca1" (revocation disable) and "ca2" (use-crl). */
void t_profiles(void);

Suite *pki_store_suite(void);
Suite *pki_verify_suite(void);
Suite *pki_rpc_suite(void);
Suite *pki_render_suite(void);
Suite *pki_conf_suite(void);

#endif
