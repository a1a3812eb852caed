/*
 * req: new certificates made here — `local-certificate generate-self-signed`
 * and `generate-certificate-request` (PKCS#10, RFC 2986).  Both take the
 * Junos subject string ("DC=..,CN=..,OU=..,O=..,L=..,ST=..,C=..", attributes
 * kept in the order typed) and put domain-name, ip-address and email into
 * the subjectAltName (RFC 5280 4.2.1.6).  Operator strings never reach
 * OpenSSL's extension config parser: the SAN is built as GENERAL_NAMEs.
 */
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "lib/log.h"
#include "pki/pki_int.h"

/* Attributes Junos takes in `subject` (Junos's `request security pki` replies,
 * local-certificate enroll). */
static const char *const req_subject_keys[] = {
	"DC",
	"CN",
	"OU",
	"O",
	"L",
	"ST",
	"C",
	NULL,
};

static bool
req_key_ok(const char *k, bool any)
{
	size_t i;

	if (any)
		return OBJ_txt2nid(k) != NID_undef;
	for (i = 0; req_subject_keys[i] != NULL; i++)
		if (strcmp(req_subject_keys[i], k) == 0)
			return true;
	return false;
}

static void
req_trim(struct sb *s)
{
	size_t a = 0;

	while (s->len > 0 && s->buf[s->len - 1] == ' ')
		s->buf[--s->len] = '\0';
	while (a < s->len && s->buf[a] == ' ')
		a++;
	memmove(s->buf, s->buf + a, s->len - a + 1);
	s->len -= a;
}

/* One "KEY=value" (value may contain "\," and "\\") into dn. */
static int
req_add_rdn(X509_NAME *dn, struct sb *part, bool any, struct sb *err)
{
	char *eq;

	req_trim(part);
	eq = strchr(sb_str(part), '=');
	if (eq == NULL || eq == part->buf || eq[1] == '\0') {
		sb_printf(
		    err, "error: invalid subject attribute '%s'", sb_str(part));
		return -1;
	}
	*eq = '\0';
	req_trim(part);
	if (!req_key_ok(part->buf, any)) {
		sb_printf(err, "error: unsupported subject attribute '%s'",
		    part->buf);
		return -1;
	}
	if (X509_NAME_add_entry_by_txt(dn, part->buf, MBSTRING_UTF8,
		(const unsigned char *)eq + 1, -1, -1, 0) != 1) {
		ERR_clear_error();
		sb_printf(err, "error: invalid value for subject attribute %s",
		    part->buf);
		return -1;
	}
	return 0;
}

/*
 * Returns a new name; caller frees.  NULL with err.  any: every attribute
 * OpenSSL knows (identities to match), else the Junos subject set.
 */
X509_NAME *
pki_dn_parse(const char *s, bool any, struct sb *err)
{
	X509_NAME *dn = X509_NAME_new();
	struct sb part;
	int nrdn = 0;

	if (dn == NULL)
		fatal("out of memory");
	sb_init(&part);
	if (s == NULL || *s == '\0' || strlen(s) > PKI_SUBJECT_MAX) {
		sb_puts(err, "error: invalid subject");
		goto fail;
	}
	for (;; s++) {
		if (*s == '\\' && (s[1] == ',' || s[1] == '\\')) {
			sb_putc(&part, *++s);
			continue;
		}
		if (*s != ',' && *s != '\0') {
			sb_putc(&part, *s);
			continue;
		}
		if (++nrdn > PKI_SUBJECT_RDN_MAX) {
			sb_puts(err, "error: too many subject attributes");
			goto fail;
		}
		if (req_add_rdn(dn, &part, any, err) == -1)
			goto fail;
		sb_reset(&part);
		if (*s == '\0')
			break;
	}
	sb_free(&part);
	return dn;
fail:
	sb_free(&part);
	X509_NAME_free(dn);
	return NULL;
}

static int
req_add_gen(GENERAL_NAMES *gens, int type, const void *p, size_t n)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

	if (g == NULL || os == NULL || ia5 == NULL)
		fatal("out of memory");
	if (type == GEN_IPADD) {
		ASN1_OCTET_STRING_set(os, p, (int)n);
		GENERAL_NAME_set0_value(g, type, os);
		ASN1_IA5STRING_free(ia5);
	} else {
		ASN1_STRING_set(ia5, p, (int)n);
		GENERAL_NAME_set0_value(g, type, ia5);
		ASN1_OCTET_STRING_free(os);
	}
	sk_GENERAL_NAME_push(gens, g);
	return 0;
}

static bool
req_ia5_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 255)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* The SAN extension, or NULL with *none set when nothing was asked for. */
static X509_EXTENSION *
req_san(const struct pki_subject_args *a, bool *none, struct sb *err)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	X509_EXTENSION *ext = NULL;
	unsigned char ip[16];

	*none = false;
	if (a->email != NULL) {
		if (!req_ia5_ok(a->email) || strchr(a->email, '@') == NULL) {
			sb_printf(err, "error: invalid email '%s'", a->email);
			goto done;
		}
		req_add_gen(gens, GEN_EMAIL, a->email, strlen(a->email));
	}
	if (a->domain_name != NULL) {
		if (!req_ia5_ok(a->domain_name)) {
			sb_printf(err, "error: invalid domain-name '%s'",
			    a->domain_name);
			goto done;
		}
		req_add_gen(
		    gens, GEN_DNS, a->domain_name, strlen(a->domain_name));
	}
	if (a->ip_address != NULL) {
		if (inet_pton(AF_INET, a->ip_address, ip) == 1)
			req_add_gen(gens, GEN_IPADD, ip, 4);
		else if (inet_pton(AF_INET6, a->ip_address, ip) == 1)
			req_add_gen(gens, GEN_IPADD, ip, 16);
		else {
			sb_printf(err, "error: invalid ip-address '%s'",
			    a->ip_address);
			goto done;
		}
	}
	if (sk_GENERAL_NAME_num(gens) == 0) {
		*none = true;
		goto done;
	}
	ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, gens);
	if (ext == NULL)
		sb_puts(err, "error: cannot encode subjectAltName");
done:
	GENERAL_NAMES_free(gens);
	return ext;
}

static const EVP_MD *
req_digest(EVP_PKEY *key)
{
	/* RFC 5480 4: SHA-384 goes with P-384. */
	return EVP_PKEY_is_a(key, "EC") && EVP_PKEY_get_bits(key) == 384
	    ? EVP_sha384()
	    : EVP_sha256();
}

static int
req_add_conf_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int rc;

	if (ext == NULL)
		return -1;
	rc = X509_add_ext(cert, ext, -1) == 1 ? 0 : -1;
	X509_EXTENSION_free(ext);
	return rc;
}

/* Returns a new self-signed certificate for key; caller frees. */
static X509 *
req_self_signed(EVP_PKEY *key, X509_NAME *dn, X509_EXTENSION *san)
{
	X509 *cert = X509_new();
	unsigned char serial[8];
	BIGNUM *bn = NULL;
	X509V3_CTX ctx;
	bool ec = EVP_PKEY_is_a(key, "EC");

	if (cert == NULL || RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f; /* RFC 5280 4.1.2.2: positive */
	serial[0] |= 0x40;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (bn == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) == NULL)
		goto fail;
	if (X509_set_version(cert, X509_VERSION_3) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(cert), 0) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(cert), PKI_SELF_SIGNED_DAYS, 0,
		NULL) == NULL ||
	    X509_set_subject_name(cert, dn) != 1 ||
	    X509_set_issuer_name(cert, dn) != 1 ||
	    X509_set_pubkey(cert, key) != 1)
		goto fail;
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	/* Fixed strings only (RFC 5280 4.2.1.9, 4.2.1.3, 4.2.1.2). */
	if (req_add_conf_ext(
		cert, &ctx, NID_basic_constraints, "critical,CA:FALSE") == -1 ||
	    req_add_conf_ext(cert, &ctx, NID_key_usage,
		ec ? "critical,digitalSignature"
		   : "critical,digitalSignature,keyEncipherment") == -1 ||
	    req_add_conf_ext(cert, &ctx, NID_subject_key_identifier, "hash") ==
		-1)
		goto fail;
	if (san != NULL && X509_add_ext(cert, san, -1) != 1)
		goto fail;
	if (X509_sign(cert, key, req_digest(key)) <= 0)
		goto fail;
	BN_free(bn);
	return cert;
fail:
	BN_free(bn);
	X509_free(cert);
	return NULL;
}

/* Common start: the key pair, the parsed subject, the SAN. */
static EVP_PKEY *
req_prepare(struct pki_store *st, const char *id,
    const struct pki_subject_args *a, X509_NAME **dn, X509_EXTENSION **san,
    struct sb *err)
{
	EVP_PKEY *key;
	bool none;

	*dn = NULL;
	*san = NULL;
	if (!pki_name_is_valid(id)) {
		sb_puts(err, "error: invalid certificate-id");
		return NULL;
	}
	if ((*dn = pki_dn_parse(a->subject, false, err)) == NULL)
		return NULL;
	*san = req_san(a, &none, err);
	if (*san == NULL && !none)
		goto fail;
	if ((key = pki_local_key_get(st, id, err)) == NULL)
		goto fail;
	return key;
fail:
	X509_NAME_free(*dn);
	X509_EXTENSION_free(*san);
	*dn = NULL;
	*san = NULL;
	return NULL;
}

int
pki_local_self_signed(struct pki_store *st, const char *id,
    const struct pki_subject_args *a, struct sb *err)
{
	X509_EXTENSION *san = NULL;
	X509_NAME *dn = NULL;
	X509 *cert = NULL;
	EVP_PKEY *key;
	char *pem = NULL;
	int rc = -1;

	if (pki_name_is_valid(id) && pki_has_local_cert(st, id)) {
		sb_printf(
		    err, "error: local certificate %s already exists", id);
		return -1;
	}
	if ((key = req_prepare(st, id, a, &dn, &san, err)) == NULL)
		return -1;
	cert = req_self_signed(key, dn, san);
	if (cert == NULL || (pem = pki_cert_pem(cert)) == NULL) {
		sb_printf(err, "error: cannot make the certificate: %s",
		    pki_ssl_reason());
		goto done;
	}
	if (pki_obj_write(st, PKI_KIND_CERT, id, pem, strlen(pem), 0644, err) ==
	    -1)
		goto done;
	log_info("pki: self-signed certificate %s generated", id);
	rc = 0;
done:
	ERR_clear_error();
	free(pem);
	X509_free(cert);
	EVP_PKEY_free(key);
	X509_NAME_free(dn);
	X509_EXTENSION_free(san);
	return rc;
}

static X509_REQ *
req_make(EVP_PKEY *key, X509_NAME *dn, X509_EXTENSION *san)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_REQ *req = X509_REQ_new();

	if (req == NULL || X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
	    X509_REQ_set_subject_name(req, dn) != 1 ||
	    X509_REQ_set_pubkey(req, key) != 1)
		goto fail;
	if (san != NULL) {
		/* RFC 2986 4.1 attributes; RFC 2985 5.4.2 extensionRequest */
		exts = sk_X509_EXTENSION_new_null();
		if (exts == NULL || sk_X509_EXTENSION_push(exts, san) == 0 ||
		    X509_REQ_add_extensions(req, exts) != 1)
			goto fail;
	}
	if (X509_REQ_sign(req, key, req_digest(key)) <= 0)
		goto fail;
	sk_X509_EXTENSION_free(exts);
	return req;
fail:
	sk_X509_EXTENSION_free(exts);
	X509_REQ_free(req);
	return NULL;
}

int
pki_request_generate(struct pki_store *st, const char *id,
    const struct pki_subject_args *a, const char *file, char **pemp,
    struct sb *err)
{
	X509_EXTENSION *san = NULL;
	X509_NAME *dn = NULL;
	X509_REQ *req = NULL;
	EVP_PKEY *key;
	BUF_MEM *m;
	BIO *b = NULL;
	int rc = -1;

	if ((key = req_prepare(st, id, a, &dn, &san, err)) == NULL)
		return -1;
	req = req_make(key, dn, san);
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		fatal("out of memory");
	if (req == NULL || PEM_write_bio_X509_REQ(b, req) != 1) {
		sb_printf(err, "error: cannot make the request: %s",
		    pki_ssl_reason());
		goto done;
	}
	BIO_get_mem_ptr(b, &m);
	/* The operator's file first: a failure there keeps the old request. */
	if (file != NULL &&
	    file_write_atomic(file, m->data, m->length, 0644, err) == -1)
		goto done;
	if (pki_obj_write(
		st, PKI_KIND_REQ, id, m->data, m->length, 0644, err) == -1) {
		if (file != NULL)
			(void)unlink(file);
		goto done;
	}
	if (pemp != NULL)
		*pemp = xstrndup(m->data, m->length);
	log_info("pki: certificate request %s generated", id);
	rc = 0;
done:
	ERR_clear_error();
	BIO_free(b);
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	X509_NAME_free(dn);
	X509_EXTENSION_free(san);
	return rc;
}

X509_REQ *
pki_request_get(struct pki_store *st, const char *id, struct sb *err)
{
	X509_REQ *req;
	uint8_t *buf;
	size_t len;

	if (!pki_obj_exists(st, PKI_KIND_REQ, id)) {
		sb_printf(err, "error: certificate request %s not found", id);
		return NULL;
	}
	if ((buf = pki_obj_read(st, PKI_KIND_REQ, id, &len, err)) == NULL)
		return NULL;
	req = pki_req_parse(buf, len, err);
	pki_buf_free(buf, len);
	return req;
}

int
pki_request_clear(struct pki_store *st, const char *id, struct sb *err)
{
	if (!pki_obj_exists(st, PKI_KIND_REQ, id) ||
	    pki_obj_remove(st, PKI_KIND_REQ, id) == -1) {
		sb_printf(err, "error: certificate request %s not found", id);
		return -1;
	}
	return 0;
}
