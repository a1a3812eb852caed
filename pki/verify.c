/*
 * verify: trust decisions.  Trust stores are built from the CA certificates
 * of CA profiles (and their CRLs, RFC 5280 6.3) and handed to
 * X509_verify_cert (RFC 5280 6.1 path validation); identities of IKE peers
 * are matched against the subject or subjectAltName (RFC 4945 3.1); local
 * certificates and keys are given to TLS (keymgr to the KME).
 */
#include <string.h>
#include <strings.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "lib/log.h"
#include "pki/pki_int.h"
#include "pki/pki_verify.h"

/* Every loaded CA profile when n == 0; a new list, pki_names_free(). */
static char **
verify_profiles(struct pki_store *st, const char *const *profiles, size_t n)
{
	char **names;
	size_t i;

	if (n == 0)
		return pki_store_list(st, PKI_KIND_CA);
	names = xcalloc(n + 1, sizeof(*names));
	for (i = 0; i < n; i++)
		names[i] = xstrdup(profiles[i]);
	return names;
}

static bool
verify_uses_crl(struct pki_store *st, const char *profile)
{
	const struct pki_ca_profile *p = pki_store_ca_profile(st, profile);

	return p != NULL && p->revocation == PKI_REVOCATION_CRL;
}

/*
 * The store of names' CA certificates and CRLs; *crl_any tells whether a
 * profile asked for CRL checking.  A new store, or NULL with err.
 */
static X509_STORE *
verify_store(struct pki_store *st, char **names, bool *crl_any,
    struct sb *err)
{
	X509_STORE *xs = X509_STORE_new();
	X509_CRL *crl;
	struct sb why;
	X509 *ca;
	size_t i;

	if (xs == NULL)
		fatal("out of memory");
	sb_init(&why);
	*crl_any = false;
	for (i = 0; names[i] != NULL; i++) {
		if ((ca = pki_ca_cert_get(st, names[i], err)) == NULL)
			goto fail;
		X509_STORE_add_cert(xs, ca);
		X509_free(ca);
		if (!verify_uses_crl(st, names[i]))
			continue;
		*crl_any = true;
		/* A missing CRL fails the check later ("unable to get CRL"). */
		sb_reset(&why);
		if ((crl = pki_ca_crl_get(st, names[i], &why)) != NULL) {
			X509_STORE_add_crl(xs, crl);
			X509_CRL_free(crl);
		}
	}
	ERR_clear_error();
	sb_free(&why);
	return xs;
fail:
	sb_free(&why);
	X509_STORE_free(xs);
	return NULL;
}

X509_STORE *
pki_trust_store_new(struct pki_store *st, const char *const *profiles,
    size_t n, struct sb *err)
{
	char **names = verify_profiles(st, profiles, n);
	X509_STORE *xs = NULL;
	bool crl;

	if (names == NULL) {
		sb_puts(err, "error: cannot read the CA certificates");
		return NULL;
	}
	xs = verify_store(st, names, &crl, err);
	if (xs != NULL && crl)
		X509_STORE_set_flags(xs, X509_V_FLAG_CRL_CHECK);
	pki_names_free(names);
	return xs;
}

/* Does a CRL-checking profile's CA issue leaf or one of chain? */
static bool
verify_crl_needed(struct pki_store *st, char **names, X509 *leaf,
    STACK_OF(X509) *chain)
{
	struct sb why;
	bool need = false;
	size_t i;
	int j;

	/* A trust anchor checked on its own has no CRL above it. */
	if (X509_check_issued(leaf, leaf) == X509_V_OK &&
	    sk_X509_num(chain) <= 0)
		return false;
	sb_init(&why);
	for (i = 0; names[i] != NULL && !need; i++) {
		X509 *ca;

		if (!verify_uses_crl(st, names[i]))
			continue;
		if ((ca = pki_ca_cert_get(st, names[i], &why)) == NULL)
			continue;
		need = X509_check_issued(ca, leaf) == X509_V_OK;
		for (j = 0; j < sk_X509_num(chain) && !need; j++)
			need = X509_check_issued(ca, sk_X509_value(chain, j)) ==
			    X509_V_OK;
		X509_free(ca);
	}
	sb_free(&why);
	return need;
}

int
pki_verify_cert(struct pki_store *st, const char *const *profiles, size_t n,
    X509 *leaf, STACK_OF(X509) *chain, struct sb *err)
{
	char **names = verify_profiles(st, profiles, n);
	X509_STORE_CTX *ctx = NULL;
	X509_STORE *xs = NULL;
	bool crl;
	int rc = -1;

	if (names == NULL || names[0] == NULL) {
		sb_puts(err, "no CA certificate loaded");
		goto done;
	}
	if ((xs = verify_store(st, names, &crl, err)) == NULL)
		goto done;
	if ((ctx = X509_STORE_CTX_new()) == NULL)
		fatal("out of memory");
	if (X509_STORE_CTX_init(ctx, xs, leaf, chain) != 1) {
		sb_puts(err, pki_ssl_reason());
		goto done;
	}
	/* A self-signed trust anchor's own signature is checked too. */
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CHECK_SS_SIGNATURE);
	if (crl && verify_crl_needed(st, names, leaf, chain))
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CRL_CHECK);
	if (X509_verify_cert(ctx) != 1) {
		sb_puts(err, X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)));
		goto done;
	}
	rc = 0;
done:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(xs);
	pki_names_free(names);
	return rc;
}

/* Toby's verify outcomes (pki.md 2): "... is not valid yet". */
static void
verify_fail(const char *what, const char *name, const char *why,
    struct sb *err)
{
	if (strcmp(why, X509_verify_cert_error_string(
	    X509_V_ERR_CERT_NOT_YET_VALID)) == 0)
		sb_printf(err, "error: %s %s is not valid yet", what, name);
	else
		sb_printf(err, "error: %s %s verification failed: %s", what,
		    name, why);
}

int
pki_local_verify(struct pki_store *st, const char *id, struct sb *err)
{
	struct sb why;
	X509 *cert;
	int rc;

	if ((cert = pki_local_cert_get(st, id, err)) == NULL)
		return -1;
	sb_init(&why);
	rc = pki_verify_cert(st, NULL, 0, cert, NULL, &why);
	if (rc == -1)
		verify_fail("Local certificate", id, sb_str(&why), err);
	sb_free(&why);
	X509_free(cert);
	return rc;
}

int
pki_ca_verify(struct pki_store *st, const char *profile, struct sb *err)
{
	struct sb why;
	X509 *cert;
	int rc;

	if ((cert = pki_ca_cert_get(st, profile, err)) == NULL)
		return -1;
	sb_init(&why);
	/* Against every loaded CA: a sub-CA's root may be another profile. */
	rc = pki_verify_cert(st, NULL, 0, cert, NULL, &why);
	if (rc == -1)
		verify_fail("CA certificate", profile, sb_str(&why), err);
	sb_free(&why);
	X509_free(cert);
	return rc;
}

const char *
pki_id_type_name(enum pki_id_type t)
{
	switch (t) {
	case PKI_ID_IPV4_ADDR: return "ipv4-addr";
	case PKI_ID_FQDN: return "fqdn";
	case PKI_ID_RFC822: return "rfc822";
	case PKI_ID_IPV6_ADDR: return "ipv6-addr";
	case PKI_ID_DER_DN: return "der-asn1-dn";
	case PKI_ID_DN_TEXT: return "distinguished-name";
	}
	return "?";
}

static bool
verify_san_has(X509 *cert, int gtype, const uint8_t *id, size_t len,
    bool nocase)
{
	GENERAL_NAMES *gens;
	bool found = false;
	int i;

	gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (i = 0; i < sk_GENERAL_NAME_num(gens) && !found; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s;
		size_t n;

		if (g->type != gtype)
			continue;
		/* dNSName, rfc822Name, iPAddress share the ASN1_STRING. */
		s = g->d.ia5;
		n = (size_t)ASN1_STRING_length(s);
		if (n != len)
			continue;
		found = nocase ? strncasecmp((const char *)
		    ASN1_STRING_get0_data(s), (const char *)id, n) == 0 :
		    memcmp(ASN1_STRING_get0_data(s), id, n) == 0;
	}
	GENERAL_NAMES_free(gens);
	return found;
}

static bool
verify_dn_equal(X509 *cert, X509_NAME *dn)
{
	return dn != NULL &&
	    X509_NAME_cmp(dn, X509_get_subject_name(cert)) == 0;
}

bool
pki_cert_has_identity(X509 *cert, enum pki_id_type type, const uint8_t *id,
    size_t len)
{
	const unsigned char *p = id;
	X509_NAME *dn = NULL;
	struct sb why;
	char *text;
	bool ok = false;

	if (cert == NULL || id == NULL || len == 0)
		return false;
	switch (type) {
	case PKI_ID_IPV4_ADDR:
		return len == 4 && verify_san_has(cert, GEN_IPADD, id, 4,
		    false);
	case PKI_ID_IPV6_ADDR:
		return len == 16 && verify_san_has(cert, GEN_IPADD, id, 16,
		    false);
	case PKI_ID_FQDN:
		/* RFC 4945 3.1.2: compared case-insensitively. */
		return verify_san_has(cert, GEN_DNS, id, len, true);
	case PKI_ID_RFC822:
		return verify_san_has(cert, GEN_EMAIL, id, len, true);
	case PKI_ID_DER_DN:
		/* RFC 4945 3.1.5: the DER of the subject, all of it. */
		if (len > PKI_FILE_MAX)
			return false;
		dn = d2i_X509_NAME(NULL, &p, (long)len);
		ok = dn != NULL && p == id + len && verify_dn_equal(cert, dn);
		break;
	case PKI_ID_DN_TEXT:
		if (len > PKI_SUBJECT_MAX || memchr(id, '\0', len) != NULL)
			return false;
		text = xstrndup((const char *)id, len);
		sb_init(&why);
		dn = pki_dn_parse(text, true, &why);
		ok = verify_dn_equal(cert, dn);
		sb_free(&why);
		free(text);
		break;
	}
	X509_NAME_free(dn);
	ERR_clear_error();
	return ok;
}

int
pki_tls_paths_get(struct pki_store *st, const char *cert_id,
    const char *const *profiles, size_t n, struct pki_tls_paths *out,
    struct sb *err)
{
	char **names = NULL;
	struct sb bundle, path;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	sb_init(&bundle);
	sb_init(&path);
	if (!pki_name_is_valid(cert_id) || !pki_has_local_cert(st, cert_id)) {
		sb_printf(err, "error: certificate-id %s not found", cert_id);
		goto done;
	}
	if (!pki_has_key(st, cert_id)) {
		sb_printf(err, "error: key pair %s not found", cert_id);
		goto done;
	}
	if ((names = verify_profiles(st, profiles, n)) == NULL)
		goto done;
	for (i = 0; names[i] != NULL; i++) {
		X509 *ca = pki_ca_cert_get(st, names[i], err);
		char *pem;

		if (ca == NULL)
			goto done;
		pem = pki_cert_pem(ca);
		X509_free(ca);
		if (pem != NULL)
			sb_puts(&bundle, pem);
		free(pem);
	}
	sb_printf(&path, "%s/%s/%s-ca.pem", pki_store_dir(st), PKI_KIND_TLS,
	    cert_id);
	if (pki_file_write(path.buf, sb_str(&bundle), bundle.len, 0644,
	    err) == -1)
		goto done;
	out->cert = pki_store_path(st, PKI_KIND_CERT, cert_id);
	out->key = pki_store_path(st, PKI_KIND_KEY, cert_id);
	out->ca_bundle = sb_steal(&path);
	rc = 0;
done:
	pki_names_free(names);
	sb_free(&bundle);
	sb_free(&path);
	return rc;
}

void
pki_tls_paths_free(struct pki_tls_paths *p)
{
	if (p == NULL)
		return;
	free(p->cert);
	free(p->key);
	free(p->ca_bundle);
	memset(p, 0, sizeof(*p));
}

int
pki_ssl_ctx_setup(struct pki_store *st, SSL_CTX *ctx, const char *cert_id,
    const char *const *profiles, size_t n, struct sb *err)
{
	EVP_PKEY *key = NULL;
	X509_STORE *xs = NULL;
	X509 *cert = NULL;
	int rc = -1;

	if ((cert = pki_local_cert_get(st, cert_id, err)) == NULL ||
	    (key = pki_local_key_get(st, cert_id, err)) == NULL)
		goto done;
	if ((xs = pki_trust_store_new(st, profiles, n, err)) == NULL)
		goto done;
	if (SSL_CTX_use_certificate(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		sb_printf(err, "error: cannot use certificate %s: %s", cert_id,
		    pki_ssl_reason());
		goto done;
	}
	SSL_CTX_set_cert_store(ctx, xs);	/* ctx owns it now */
	xs = NULL;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	rc = 0;
done:
	ERR_clear_error();
	X509_STORE_free(xs);
	EVP_PKEY_free(key);
	X509_free(cert);
	return rc;
}
