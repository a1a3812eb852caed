/*
 * pki_int: what the files of the pki library share and nobody else uses.
 */
#ifndef QSAFE_PKI_INT_H
#define QSAFE_PKI_INT_H

#include <sys/types.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "lib/file.h"
#include "pki/pki.h"

/* Kinds of objects: subdirectory and file suffix. */
#define PKI_KIND_KEY "keys"
#define PKI_KIND_IMPORTED "imported" /* marker next to a key */
#define PKI_KIND_CERT "certs"
#define PKI_KIND_REQ "requests"
#define PKI_KIND_CA "ca"
#define PKI_KIND_CRL "crl"

/*
 * store.c: files.  pki_file_read returns a new buffer of *len bytes (plus a
 * NUL not counted) that the caller frees with pki_buf_free (which wipes it);
 * files larger than PKI_FILE_MAX are refused.
 */
uint8_t *pki_file_read(const char *path, size_t *len, struct sb *err);
void pki_buf_free(uint8_t *buf, size_t len);
int pki_obj_write(struct pki_store *st, const char *kind, const char *name,
    const void *buf, size_t len, mode_t mode, struct sb *err);
uint8_t *pki_obj_read(struct pki_store *st, const char *kind, const char *name,
    size_t *len, struct sb *err);
bool pki_obj_exists(struct pki_store *st, const char *kind, const char *name);
/* Unlink; 0 when removed, -1 (errno) otherwise. */
int pki_obj_remove(struct pki_store *st, const char *kind, const char *name);

/* PEM encodings; new strings (caller frees; keys with pki_buf_free). */
char *pki_cert_pem(X509 *cert);
char *pki_key_pem(EVP_PKEY *key, size_t *len);

/* key.c */
int pki_key_store(
    struct pki_store *st, const char *id, EVP_PKEY *key, struct sb *err);

/* cert.c: description of a certificate as the JSON the renderers take. */
json_t *pki_cert_info(X509 *cert, bool detail);
json_t *pki_req_info(X509_REQ *req, bool detail);
/* "aa:bb:..." digests of DER; new strings. */
char *pki_fingerprint(X509 *cert, const char *md);
char *pki_der_fingerprint(const uint8_t *der, size_t len, const char *md);
char *pki_hex_colon(const uint8_t *p, size_t n);
/* Junos date "MM-DD-YYYY HH:MM UTC", day space-padded. */
int pki_time_junos(const ASN1_TIME *t, char *buf, size_t len);
/* Text of the newest OpenSSL error, for err lines. */
const char *pki_ssl_reason(void);

/* req.c: "CN=a, O=b" into a new name (caller frees); any: all attributes. */
X509_NAME *pki_dn_parse(const char *s, bool any, struct sb *err);

/* rpc.c: input leaves (borrowed), and the show handlers of rpc_show.c. */
const char *pki_rpc_str(const json_t *in, const char *key);
bool pki_rpc_flag(const json_t *in, const char *key);
json_t *pki_rpc_show_local(
    struct pki_store *st, const json_t *in, struct sb *err);
json_t *pki_rpc_show_ca(struct pki_store *st, const json_t *in, struct sb *err);
json_t *pki_rpc_show_request(
    struct pki_store *st, const json_t *in, struct sb *err);

#endif
