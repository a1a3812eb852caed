/*
 * tls: the material of one mutual-TLS client (keymgr to the KME, ETSI GS
 * QKD 014 5): our certificate and key pair from the store and the trust
 * store of the profiles we trust (verify.c, with their CRLs).  It is read
 * once, in the thread that owns the store, and then only handed out: every
 * SSL_CTX that libcurl makes gets references to the same objects.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "lib/log.h"
#include "pki/pki_int.h"
#include "pki/pki_verify.h"

struct pki_tls {
	X509 *cert;
	EVP_PKEY *key;
	X509_STORE *trust;
	char digest[2 * 32 + 1]; /* SHA-256, hex */
};

/* The digest of the certificate, each CA certificate and each CRL. */
static void
tls_digest(struct pki_tls *t)
{
	STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(t->trust);
	unsigned char md[EVP_MAX_MD_SIZE], fp[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int n = 0, fn;
	int i;

	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
		fatal("out of memory");
	if (X509_digest(t->cert, EVP_sha256(), fp, &fn) == 1)
		EVP_DigestUpdate(c, fp, fn);
	for (i = 0; i < sk_X509_OBJECT_num(objs); i++) {
		X509_OBJECT *o = sk_X509_OBJECT_value(objs, i);
		X509_CRL *crl = X509_OBJECT_get0_X509_CRL(o);
		X509 *x = X509_OBJECT_get0_X509(o);

		if ((x != NULL && X509_digest(x, EVP_sha256(), fp, &fn) == 1) ||
		    (crl != NULL &&
			X509_CRL_digest(crl, EVP_sha256(), fp, &fn) == 1))
			EVP_DigestUpdate(c, fp, fn);
	}
	EVP_DigestFinal_ex(c, md, &n);
	EVP_MD_CTX_free(c);
	for (i = 0; i < (int)n && i < 32; i++)
		snprintf(t->digest + 2 * i, 3, "%02x", md[i]);
}

struct pki_tls *
pki_tls_new(struct pki_store *st, const char *cert_id,
    const char *const *profiles, size_t n, struct sb *err)
{
	struct pki_tls *t = xcalloc(1, sizeof(*t));

	if ((t->cert = pki_local_cert_get(st, cert_id, err)) == NULL ||
	    (t->key = pki_local_key_get(st, cert_id, err)) == NULL ||
	    (t->trust = pki_trust_store_new(st, profiles, n, err)) == NULL)
		goto fail;
	/* RFC 5280 4.1.2.7: the certificate carries our public key. */
	if (X509_check_private_key(t->cert, t->key) != 1) {
		sb_printf(err,
		    "error: certificate %s does not match its key "
		    "pair",
		    cert_id);
		goto fail;
	}
	tls_digest(t);
	ERR_clear_error();
	return t;
fail:
	ERR_clear_error();
	pki_tls_free(t);
	return NULL;
}

void
pki_tls_free(struct pki_tls *t)
{
	if (t == NULL)
		return;
	X509_free(t->cert);
	EVP_PKEY_free(t->key);
	X509_STORE_free(t->trust);
	free(t);
}

int
pki_tls_ssl_ctx(const struct pki_tls *t, SSL_CTX *ctx)
{
	int rc = -1;

	/* Each call takes its own references; t itself is not changed. */
	if (SSL_CTX_use_certificate(ctx, t->cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, t->key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		goto done;
	SSL_CTX_set1_cert_store(ctx, t->trust);
	SSL_CTX_set_verify(
	    ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	rc = 0;
done:
	ERR_clear_error();
	return rc;
}

const char *
pki_tls_digest(const struct pki_tls *t)
{
	return t->digest;
}

int
pki_ssl_ctx_setup(struct pki_store *st, SSL_CTX *ctx, const char *cert_id,
    const char *const *profiles, size_t n, struct sb *err)
{
	struct pki_tls *t = pki_tls_new(st, cert_id, profiles, n, err);
	int rc = -1;

	if (t == NULL)
		return -1;
	if (pki_tls_ssl_ctx(t, ctx) == -1)
		sb_printf(err, "error: cannot use certificate %s", cert_id);
	else
		rc = 0;
	pki_tls_free(t);
	return rc;
}
