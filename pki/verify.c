/*
 * verify: trust decisions.  Trust stores are built from the CA certificates
 * of CA profiles (and their CRLs, RFC 5280 6.3) and handed to
 * X509_verify_cert (RFC 5280 6.1 path validation), the revocation of each
 * certificate decided by its own CA profile.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * What a trust store knows about revocation, kept in its ex_data so that it
 * travels with the store into an SSL_CTX: the CA certificates of profiles
 * that use CRLs, and those of profiles that do not.
 */
struct verify_rev {
	STACK_OF(X509) * crl;
	STACK_OF(X509) * nocrl;
};

static int verify_rev_idx = -1;
static pthread_once_t verify_rev_once = PTHREAD_ONCE_INIT;

static void
verify_rev_free(
    void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	struct verify_rev *r = ptr;

	if (r == NULL)
		return;
	sk_X509_pop_free(r->crl, X509_free);
	sk_X509_pop_free(r->nocrl, X509_free);
	free(r);
}

/* The ex_data index is OpenSSL's, registered once per process. */
static void
verify_rev_init(void)
{
	verify_rev_idx = CRYPTO_get_ex_new_index(
	    CRYPTO_EX_INDEX_X509_STORE, 0, NULL, NULL, NULL, verify_rev_free);
	if (verify_rev_idx < 0)
		fatal("pki: no X509_STORE ex_data index");
}

static bool
verify_in(STACK_OF(X509) * v, X509 *x)
{
	int i;

	for (i = 0; i < sk_X509_num(v); i++)
		if (X509_cmp(sk_X509_value(v, i), x) == 0)
			return true;
	return false;
}

/*
 * Does the certificate at depth of chain want a CRL?  The nearest CA profile
 * above it decides; a CA certificate in both kinds of profile checks CRLs.
 * The trust anchor (top of the chain) has nothing above it.
 */
static bool
verify_crl_wanted(const struct verify_rev *r, STACK_OF(X509) * chain, int depth)
{
	int i;

	for (i = depth + 1; i < sk_X509_num(chain); i++) {
		X509 *ca = sk_X509_value(chain, i);

		if (verify_in(r->crl, ca))
			return true;
		if (verify_in(r->nocrl, ca))
			return false;
	}
	return false;
}

/*
 * The store's verify callback: the store checks CRLs for every certificate
 * (X509_V_FLAG_CRL_CHECK_ALL) and this forgives a missing CRL where the
 * certificate's profile has revocation-check disable.  Any other outcome,
 * a revocation included, stands.
 */
static int
verify_cb(int ok, X509_STORE_CTX *ctx)
{
	const struct verify_rev *r;

	if (ok || X509_STORE_CTX_get_error(ctx) != X509_V_ERR_UNABLE_TO_GET_CRL)
		return ok;
	r = X509_STORE_get_ex_data(
	    X509_STORE_CTX_get0_store(ctx), verify_rev_idx);
	if (r != NULL &&
	    verify_crl_wanted(r, X509_STORE_CTX_get0_chain(ctx),
		X509_STORE_CTX_get_error_depth(ctx)))
		return 0;
	X509_STORE_CTX_set_error(ctx, X509_V_OK);
	return 1;
}

/* Adds profile name's CA certificate (and CRL) to xs and r. */
static int
verify_add_profile(struct pki_store *st, X509_STORE *xs, struct verify_rev *r,
    const char *name, struct sb *err)
{
	const struct pki_ca_profile *p = pki_store_ca_profile(st, name);
	enum pki_revocation rev = p ? p->revocation : PKI_REVOCATION_DISABLE;
	X509_CRL *crl;
	struct sb why;
	X509 *ca;

	if (rev == PKI_REVOCATION_OCSP) {
		sb_printf(err,
		    "error: ca-profile %s: revocation-check "
		    "use-ocsp is not supported",
		    name);
		return -1;
	}
	if ((ca = pki_ca_cert_get(st, name, err)) == NULL)
		return -1;
	X509_STORE_add_cert(xs, ca);
	/* The stack owns ca now. */
	sk_X509_push(rev == PKI_REVOCATION_CRL ? r->crl : r->nocrl, ca);
	if (rev != PKI_REVOCATION_CRL)
		return 0;
	/* A missing CRL fails the check later ("unable to get CRL"). */
	sb_init(&why);
	if ((crl = pki_ca_crl_get(st, name, &why)) != NULL) {
		X509_STORE_add_crl(xs, crl);
		X509_CRL_free(crl);
	}
	sb_free(&why);
	return 0;
}

X509_STORE *
pki_trust_store_new(
    struct pki_store *st, const char *const *profiles, size_t n, struct sb *err)
{
	char **names = verify_profiles(st, profiles, n);
	X509_STORE *xs = NULL;
	struct verify_rev *r;
	size_t i;

	if (names == NULL || names[0] == NULL) {
		sb_puts(err,
		    names == NULL ? "error: cannot read the CA "
				    "certificates"
				  : "error: no CA certificate loaded");
		pki_names_free(names);
		return NULL;
	}
	pthread_once(&verify_rev_once, verify_rev_init);
	r = xcalloc(1, sizeof(*r));
	if ((xs = X509_STORE_new()) == NULL ||
	    (r->crl = sk_X509_new_null()) == NULL ||
	    (r->nocrl = sk_X509_new_null()) == NULL)
		fatal("out of memory");
	for (i = 0; names[i] != NULL; i++)
		if (verify_add_profile(st, xs, r, names[i], err) == -1)
			goto fail;
	if (sk_X509_num(r->crl) > 0)
		X509_STORE_set_flags(
		    xs, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	X509_STORE_set_verify_cb(xs, verify_cb);
	if (X509_STORE_set_ex_data(xs, verify_rev_idx, r) != 1)
		fatal("out of memory");
	ERR_clear_error();
	pki_names_free(names);
	return xs;
fail:
	verify_rev_free(NULL, r, NULL, 0, 0, NULL);
	X509_STORE_free(xs);
	pki_names_free(names);
	return NULL;
}

int
pki_verify_cert(struct pki_store *st, const char *const *profiles, size_t n,
    X509 *leaf, STACK_OF(X509) * chain, struct sb *err)
{
	X509_STORE_CTX *ctx = NULL;
	X509_STORE *xs = NULL;
	struct sb why;
	int rc = -1;

	sb_init(&why);
	if ((xs = pki_trust_store_new(st, profiles, n, &why)) == NULL) {
		/* Without the "error: " of the operator line. */
		sb_puts(err,
		    strncmp(sb_str(&why), "error: ", 7) == 0 ? sb_str(&why) + 7
							     : sb_str(&why));
		goto done;
	}
	if ((ctx = X509_STORE_CTX_new()) == NULL)
		fatal("out of memory");
	if (X509_STORE_CTX_init(ctx, xs, leaf, chain) != 1) {
		sb_puts(err, pki_ssl_reason());
		goto done;
	}
	/* A self-signed trust anchor's own signature is checked too. */
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CHECK_SS_SIGNATURE);
	if (X509_verify_cert(ctx) != 1) {
		sb_puts(err,
		    X509_verify_cert_error_string(
			X509_STORE_CTX_get_error(ctx)));
		goto done;
	}
	rc = 0;
done:
	ERR_clear_error();
	sb_free(&why);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(xs);
	return rc;
}

/* Toby's verify outcomes (Junos's `request security pki` replies): "... is not
 * valid yet". */
static void
verify_fail(const char *what, const char *name, const char *why, struct sb *err)
{
	if (strcmp(why,
		X509_verify_cert_error_string(X509_V_ERR_CERT_NOT_YET_VALID)) ==
	    0)
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

	/* Toby's "... doesn't exist" (Junos's `request security pki` replies).
	 */
	if (!pki_has_local_cert(st, id)) {
		sb_printf(err, "error: Local certificate %s doesn't exist", id);
		return -1;
	}
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

	if (!pki_has_ca_cert(st, profile)) {
		sb_printf(
		    err, "error: CA certificate %s doesn't exist", profile);
		return -1;
	}
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
