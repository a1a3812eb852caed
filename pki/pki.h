/*
 * pki: the appliance's certificate store — key pairs, local certificates,
 * CA certificates per CA profile, CRLs and certificate requests — kept as
 * files in one directory of the state directory (<state>/pki).
 * It is the one copy of certificate code in qsafe: mgd runs the
 * `request security pki ...` commands through pki_rpc() (pki_rpc.h), iked and
 * keymgr verify peers and set up TLS through pki_verify.h.
 *
 * Layout under the store directory (created 0700):
 *   keys/<id>.key        private key, PKCS#8 PEM, mode 0600
 *   keys/<id>.imported   marker: key came with `local-certificate load ... key`
 *   certs/<id>.crt       local certificate, PEM
 *   requests/<id>.csr    PKCS#10 request, PEM
 *   ca/<profile>.crt     CA certificate of a CA profile, PEM
 *   crl/<profile>.crl    CRL of a CA profile, PEM (`request security pki crl
 *                        load`; Junos has no CRL file statement)
 * Every file is written atomically (temp file in the same directory, fsync,
 * rename, fsync of the directory).  Names (certificate-id, ca-profile) are
 * checked with pki_name_is_valid() before they touch a path.
 *
 * Private keys are never printed or logged; buffers that held them are wiped
 * with OPENSSL_cleanse.
 */
#ifndef QSAFE_PKI_H
#define QSAFE_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lib/sb.h"

/* Limits. */
#define PKI_NAME_MAX 32		   /* certificate-id, ca-profile */
#define PKI_FILE_MAX (1024 * 1024) /* any certificate, key, CRL file */
#define PKI_SUBJECT_MAX 1024	   /* `subject "..."` string */
#define PKI_SUBJECT_RDN_MAX 16	   /* attributes in a subject */
#define PKI_SELF_SIGNED_DAYS (5 * 365)

/* `security pki ca-profile P revocation-check ...` */
enum pki_revocation {
	PKI_REVOCATION_DISABLE, /* revocation-check disable, or none */
	PKI_REVOCATION_CRL,	/* revocation-check use-crl | crl { ... } */
	PKI_REVOCATION_OCSP,	/* revocation-check use-ocsp: not supported;
				   commit refuses it, verification fails */
};

/*
 * One CA profile as configured (`security pki ca-profile P ...`).  mgd and
 * the daemons fill it from their configuration with pki_conf_sync()
 * (pki_conf.h); pki_store_set_ca_profiles() copies it.
 */
struct pki_ca_profile {
	const char *name;	 /* ca-profile P */
	const char *ca_identity; /* ca-identity X (NULL: same as name) */
	enum pki_revocation revocation;
	const char *crl_url;	    /* crl url U (recorded; not fetched) */
	const char *enrollment_url; /* enrollment url U (recorded) */
};

/* Key pair types (`generate-key-pair type rsa|ecdsa`). */
enum pki_key_type {
	PKI_KEY_RSA,
	PKI_KEY_ECDSA,
};

struct pki_store;

/*
 * Open (creating when missing) the store in dir.  Returns a new store; caller
 * frees with pki_store_free().  NULL with the reason in err.
 */
struct pki_store *pki_store_new(const char *dir, struct sb *err);
void pki_store_free(struct pki_store *st);

/*
 * Replace the configured CA profiles (copied; the caller keeps profs).  A
 * profile whose name pki_name_is_valid() refuses is left out (and logged);
 * the others are kept.  Returns the number left out.
 */
size_t pki_store_set_ca_profiles(
    struct pki_store *st, const struct pki_ca_profile *profs, size_t n);
/* A configured CA profile by name; borrowed, NULL when not configured. */
const struct pki_ca_profile *pki_store_ca_profile(
    const struct pki_store *st, const char *name);

/* 1..PKI_NAME_MAX of [A-Za-z0-9._-], starting with a letter or digit. */
bool pki_name_is_valid(const char *name);

/* The Junos names of these enums, for logs and replies. */
const char *pki_key_type_name(enum pki_key_type t);

/*
 * Parsers for untrusted bytes (files an operator names, fuzz input).  PEM or
 * DER is detected.  Each returns a new object the caller frees, or NULL with
 * the reason in err.  pki_key_parse accepts RSA (>= 1024 bits) and EC
 * P-256 / P-384 keys only ("unsupported key type" otherwise).
 */
X509 *pki_cert_parse(const uint8_t *buf, size_t len, struct sb *err);
EVP_PKEY *pki_key_parse(const uint8_t *buf, size_t len, struct sb *err);
X509_CRL *pki_crl_parse(const uint8_t *buf, size_t len, struct sb *err);
X509_REQ *pki_req_parse(const uint8_t *buf, size_t len, struct sb *err);

/* Key type of a supported key; -1 for others. */
int pki_key_type_of(const EVP_PKEY *key, enum pki_key_type *type, int *bits);

/*
 * Operations behind `request security pki ...`.  All return 0, or -1 with a
 * one-line operator error in err ("error: ...").  Nothing is left on disk
 * when they fail.
 */
int pki_key_generate(struct pki_store *st, const char *id,
    enum pki_key_type type, int bits, struct sb *err);

/* Subject, SAN and the rest of a new certificate or request. */
struct pki_subject_args {
	const char *subject;	 /* "DC=..,CN=..,OU=..,O=..,L=..,ST=..,C=.." */
	const char *domain_name; /* SAN dNSName */
	const char *ip_address;	 /* SAN iPAddress (v4 or v6) */
	const char *email;	 /* SAN rfc822Name */
};
int pki_local_self_signed(struct pki_store *st, const char *id,
    const struct pki_subject_args *a, struct sb *err);
/*
 * Makes a PKCS#10 request for key pair id and keeps it in the store,
 * replacing the one of the same id.  With file (`filename F`) the PEM is
 * written there first: when that fails the store is left as it was.  When
 * pem is not NULL it receives the PEM text (a new string; caller frees).
 */
int pki_request_generate(struct pki_store *st, const char *id,
    const struct pki_subject_args *a, const char *file, char **pem,
    struct sb *err);
/* keyfile NULL: the certificate must match key pair id already stored. */
int pki_local_load(struct pki_store *st, const char *id, const char *file,
    const char *keyfile, struct sb *err);
/*
 * With preview non-NULL nothing is stored: every check is made and
 * *preview gets the certificate (caller frees), for the operator to
 * confirm its fingerprint (Junos's `request security pki` replies) before the
 * load proper.
 */
int pki_ca_load(struct pki_store *st, const char *profile, const char *file,
    X509 **preview, struct sb *err);
int pki_crl_load(struct pki_store *st, const char *profile, const char *file,
    struct sb *err);
int pki_ca_verify(struct pki_store *st, const char *profile, struct sb *err);
int pki_local_verify(struct pki_store *st, const char *id, struct sb *err);

/* Removal; a missing object is an error ("... not found"). */
int pki_local_clear(struct pki_store *st, const char *id, struct sb *err);
int pki_key_clear(struct pki_store *st, const char *id, struct sb *err);
int pki_ca_clear(struct pki_store *st, const char *profile, struct sb *err);
int pki_request_clear(struct pki_store *st, const char *id, struct sb *err);

/*
 * Reading the store.  Each returns a new object the caller frees (X509_free,
 * EVP_PKEY_free, ...), or NULL with "error: ... not found" in err.
 */
X509 *pki_local_cert_get(struct pki_store *st, const char *id, struct sb *err);
EVP_PKEY *pki_local_key_get(
    struct pki_store *st, const char *id, struct sb *err);
X509 *pki_ca_cert_get(
    struct pki_store *st, const char *profile, struct sb *err);
X509_CRL *pki_ca_crl_get(
    struct pki_store *st, const char *profile, struct sb *err);
X509_REQ *pki_request_get(struct pki_store *st, const char *id, struct sb *err);
bool pki_has_local_cert(struct pki_store *st, const char *id);
bool pki_has_key(struct pki_store *st, const char *id);
bool pki_has_ca_cert(struct pki_store *st, const char *profile);
bool pki_key_is_imported(struct pki_store *st, const char *id);

/*
 * Names of the objects of one kind, sorted.  kind: "keys", "certs", "ca",
 * "crl", "requests".  Returns a new NULL-terminated array; caller frees with
 * pki_names_free().  NULL on error.
 */
char **pki_store_list(struct pki_store *st, const char *kind);
void pki_names_free(char **names);

/* Path of an object in the store: a new string; caller frees. */
char *pki_store_path(
    const struct pki_store *st, const char *kind, const char *name);

#endif
