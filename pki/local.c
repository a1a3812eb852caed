/*
 * local: loading objects an operator names by file into the store —
 * `local-certificate load` (with or without its key), `ca-certificate load`,
 * `crl load` — and reading or clearing them again.  A load checks
 * everything first (parses, validity period, key type, certificate matches
 * key, a CA certificate is a CA, CRL signed by the profile's CA) and writes
 * last, so a failed load changes nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "lib/log.h"
#include "pki/pki_int.h"

/* Returns a new certificate read from an operator's file; NULL with err. */
static X509 *
local_cert_file(const char *file, struct sb *err)
{
	struct sb why;
	uint8_t *buf;
	size_t len;
	X509 *cert;

	if ((buf = pki_file_read(file, &len, err)) == NULL)
		return NULL;
	sb_init(&why);
	cert = pki_cert_parse(buf, len, &why);
	pki_buf_free(buf, len);
	if (cert == NULL)
		sb_printf(
		    err, "error: %s is not a certificate (PEM or DER)", file);
	sb_free(&why);
	return cert;
}

/* RFC 5280 4.1.2.5: a certificate outside its validity period is refused. */
static int
local_cert_dates(X509 *cert, const char *file, struct sb *err)
{
	if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0) {
		sb_printf(
		    err, "error: the certificate in %s is not valid yet", file);
		return -1;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) {
		sb_printf(
		    err, "error: the certificate in %s has expired", file);
		return -1;
	}
	return 0;
}

/* What a certificate must be to enter the store: dated, a key we take. */
static int
local_cert_check(X509 *cert, const char *file, struct sb *err)
{
	enum pki_key_type t;
	int bits;

	if (local_cert_dates(cert, file, err) == -1)
		return -1;
	if (pki_key_type_of(X509_get0_pubkey(cert), &t, &bits) == -1) {
		sb_puts(err, "error: unsupported key type in the certificate");
		return -1;
	}
	return 0;
}

static EVP_PKEY *
local_key_file(const char *file, struct sb *err)
{
	struct sb why;
	EVP_PKEY *key;
	uint8_t *buf;
	size_t len;

	if ((buf = pki_file_read(file, &len, err)) == NULL)
		return NULL;
	sb_init(&why);
	key = pki_key_parse(buf, len, &why);
	pki_buf_free(buf, len);
	if (key == NULL)
		sb_printf(err, "%s: %s", sb_str(&why), file);
	sb_free(&why);
	return key;
}

static int
local_write_cert(struct pki_store *st, const char *kind, const char *name,
    X509 *cert, struct sb *err)
{
	char *pem = pki_cert_pem(cert);
	int rc;

	if (pem == NULL) {
		sb_puts(err, "error: cannot encode the certificate");
		return -1;
	}
	rc = pki_obj_write(st, kind, name, pem, strlen(pem), 0644, err);
	free(pem);
	return rc;
}

int
pki_local_load(struct pki_store *st, const char *id, const char *file,
    const char *keyfile, struct sb *err)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int rc = -1;
	bool new_key = false;

	if (!pki_name_is_valid(id)) {
		sb_puts(err, "error: invalid certificate-id");
		return -1;
	}
	if (pki_has_local_cert(st, id)) {
		sb_printf(
		    err, "error: local certificate %s already exists", id);
		return -1;
	}
	if ((cert = local_cert_file(file, err)) == NULL ||
	    local_cert_check(cert, file, err) == -1)
		goto done;
	if (keyfile != NULL) {
		if (pki_has_key(st, id)) {
			sb_printf(err, "error: key pair %s already exists", id);
			goto done;
		}
		key = local_key_file(keyfile, err);
		new_key = true;
	} else
		key = pki_local_key_get(st, id, err);
	if (key == NULL)
		goto done;
	/* RFC 5280 4.1.2.7: the certificate carries our public key. */
	if (X509_check_private_key(cert, key) != 1) {
		sb_puts(err,
		    "error: the certificate does not match the key "
		    "pair");
		goto done;
	}
	if (new_key) {
		if (pki_key_store(st, id, key, err) == -1)
			goto done;
		if (pki_obj_write(
			st, PKI_KIND_IMPORTED, id, "", 0, 0600, err) == -1) {
			(void)pki_obj_remove(st, PKI_KIND_KEY, id);
			goto done;
		}
	}
	if (local_write_cert(st, PKI_KIND_CERT, id, cert, err) == -1) {
		if (new_key) {
			(void)pki_obj_remove(st, PKI_KIND_KEY, id);
			(void)pki_obj_remove(st, PKI_KIND_IMPORTED, id);
		}
		goto done;
	}
	log_info("pki: local certificate %s loaded", id);
	rc = 0;
done:
	ERR_clear_error();
	EVP_PKEY_free(key);
	X509_free(cert);
	return rc;
}

static int
local_profile_check(struct pki_store *st, const char *profile, struct sb *err)
{
	if (!pki_name_is_valid(profile)) {
		sb_puts(err, "error: invalid ca-profile");
		return -1;
	}
	if (pki_store_ca_profile(st, profile) == NULL) {
		sb_printf(
		    err, "error: ca-profile %s is not configured", profile);
		return -1;
	}
	return 0;
}

int
pki_ca_load(struct pki_store *st, const char *profile, const char *file,
    X509 **preview, struct sb *err)
{
	X509 *cert = NULL;
	int rc = -1;

	if (local_profile_check(st, profile, err) == -1)
		return -1;
	/* Toby's `... already exists` (Junos's `request security pki` replies).
	 */
	if (pki_has_ca_cert(st, profile)) {
		sb_printf(err,
		    "error: CA certificate for profile %s already "
		    "exists",
		    profile);
		return -1;
	}
	if ((cert = local_cert_file(file, err)) == NULL ||
	    local_cert_check(cert, file, err) == -1)
		goto done;
	/* RFC 5280 4.2.1.9: a CA certificate says so (cA TRUE). */
	if (!(X509_get_extension_flags(cert) & EXFLAG_CA)) {
		sb_printf(err,
		    "error: the certificate in %s is not a CA "
		    "certificate (basicConstraints CA:TRUE)",
		    file);
		goto done;
	}
	if (preview != NULL) {
		/* checked, not stored: the operator confirms first */
		*preview = cert;
		cert = NULL;
		rc = 0;
		goto done;
	}
	if (local_write_cert(st, PKI_KIND_CA, profile, cert, err) == -1)
		goto done;
	log_info("pki: CA certificate for profile %s loaded", profile);
	rc = 0;
done:
	ERR_clear_error();
	X509_free(cert);
	return rc;
}

int
pki_crl_load(
    struct pki_store *st, const char *profile, const char *file, struct sb *err)
{
	X509_CRL *crl = NULL;
	X509 *ca = NULL;
	struct sb why;
	uint8_t *buf;
	size_t len;
	BIO *b = NULL;
	BUF_MEM *m;
	int rc = -1;

	sb_init(&why);
	if (local_profile_check(st, profile, err) == -1)
		return -1;
	if ((ca = pki_ca_cert_get(st, profile, err)) == NULL)
		goto done;
	if ((buf = pki_file_read(file, &len, err)) == NULL)
		goto done;
	crl = pki_crl_parse(buf, len, &why);
	pki_buf_free(buf, len);
	if (crl == NULL) {
		sb_printf(err, "error: %s is not a CRL (PEM or DER)", file);
		goto done;
	}
	/* RFC 5280 6.3.3 (f): the CRL is signed by the CA. */
	if (X509_NAME_cmp(
		X509_CRL_get_issuer(crl), X509_get_subject_name(ca)) != 0 ||
	    X509_CRL_verify(crl, X509_get0_pubkey(ca)) != 1) {
		sb_printf(err,
		    "error: the CRL is not signed by the CA of "
		    "profile %s",
		    profile);
		goto done;
	}
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		fatal("out of memory");
	if (PEM_write_bio_X509_CRL(b, crl) != 1) {
		sb_puts(err, "error: cannot encode the CRL");
		goto done;
	}
	BIO_get_mem_ptr(b, &m);
	if (pki_obj_write(
		st, PKI_KIND_CRL, profile, m->data, m->length, 0644, err) == -1)
		goto done;
	log_info("pki: CRL for CA profile %s loaded", profile);
	rc = 0;
done:
	ERR_clear_error();
	sb_free(&why);
	BIO_free(b);
	X509_CRL_free(crl);
	X509_free(ca);
	return rc;
}

static X509 *
local_get(
    struct pki_store *st, const char *kind, const char *name, struct sb *err)
{
	uint8_t *buf;
	size_t len;
	X509 *cert;

	struct sb why;
	char *path;

	if ((buf = pki_obj_read(st, kind, name, &len, err)) == NULL)
		return NULL;
	sb_init(&why);
	if ((cert = pki_cert_parse(buf, len, &why)) == NULL) {
		/* A damaged file of the store: say which. */
		path = pki_store_path(st, kind, name);
		sb_printf(
		    err, "error: %s is not a certificate (PEM or DER)", path);
		free(path);
	}
	sb_free(&why);
	pki_buf_free(buf, len);
	return cert;
}

X509 *
pki_local_cert_get(struct pki_store *st, const char *id, struct sb *err)
{
	if (!pki_has_local_cert(st, id)) {
		sb_printf(err, "error: certificate-id %s not found", id);
		return NULL;
	}
	return local_get(st, PKI_KIND_CERT, id, err);
}

X509 *
pki_ca_cert_get(struct pki_store *st, const char *profile, struct sb *err)
{
	if (!pki_has_ca_cert(st, profile)) {
		sb_printf(err, "error: CA certificate for profile %s not found",
		    profile);
		return NULL;
	}
	return local_get(st, PKI_KIND_CA, profile, err);
}

X509_CRL *
pki_ca_crl_get(struct pki_store *st, const char *profile, struct sb *err)
{
	X509_CRL *crl;
	uint8_t *buf;
	size_t len;

	if (!pki_obj_exists(st, PKI_KIND_CRL, profile)) {
		sb_printf(
		    err, "error: CRL for CA profile %s not found", profile);
		return NULL;
	}
	if ((buf = pki_obj_read(st, PKI_KIND_CRL, profile, &len, err)) == NULL)
		return NULL;
	crl = pki_crl_parse(buf, len, err);
	pki_buf_free(buf, len);
	return crl;
}

int
pki_local_clear(struct pki_store *st, const char *id, struct sb *err)
{
	if (!pki_name_is_valid(id)) {
		sb_puts(err, "error: invalid certificate-id");
		return -1;
	}
	if (!pki_has_local_cert(st, id)) {
		sb_printf(err, "error: certificate-id %s not found", id);
		return -1;
	}
	/* Junos: the certificate goes with its request and key pair. */
	if (pki_obj_remove(st, PKI_KIND_CERT, id) == -1) {
		sb_printf(
		    err, "error: cannot remove %s: %s", id, strerror(errno));
		return -1;
	}
	(void)pki_obj_remove(st, PKI_KIND_REQ, id);
	(void)pki_obj_remove(st, PKI_KIND_KEY, id);
	(void)pki_obj_remove(st, PKI_KIND_IMPORTED, id);
	log_info("pki: cleared local certificate %s", id);
	return 0;
}

int
pki_ca_clear(struct pki_store *st, const char *profile, struct sb *err)
{
	if (!pki_name_is_valid(profile)) {
		sb_puts(err, "error: invalid ca-profile");
		return -1;
	}
	if (pki_obj_remove(st, PKI_KIND_CA, profile) == -1) {
		sb_printf(err, "error: CA certificate for profile %s not found",
		    profile);
		return -1;
	}
	(void)pki_obj_remove(st, PKI_KIND_CRL, profile);
	log_info("pki: cleared CA certificate of profile %s", profile);
	return 0;
}
