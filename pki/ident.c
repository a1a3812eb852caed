/*
 * ident: does a certificate carry the identity an IKE peer claims or the
 * configuration asks for?  ID payloads against the subjectAltName or the
 * subject (RFC 7296 3.5, RFC 4945 3.1), and Junos' `remote-identity
 * distinguished-name container | wildcard` against the subject.  Every
 * comparison runs over the exact lengths of both sides: an embedded NUL
 * never ends one early.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "lib/log.h"
#include "pki/pki_int.h"
#include "pki/pki_verify.h"

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

const char *
pki_dn_match_name(enum pki_dn_match m)
{
	switch (m) {
	case PKI_DN_EXACT: return "exact";
	case PKI_DN_CONTAINER: return "container";
	case PKI_DN_WILDCARD: return "wildcard";
	}
	return "?";
}

/* ASCII case-insensitive, n bytes each, NULs included (RFC 4945 3.1.2). */
static bool
ident_casecmp_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (uint8_t)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (uint8_t)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

static bool
ident_san_has(X509 *cert, int gtype, const uint8_t *id, size_t len, bool nocase)
{
	GENERAL_NAMES *gens;
	bool found = false;
	int i;

	gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (i = 0; i < sk_GENERAL_NAME_num(gens) && !found; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s;

		if (g->type != gtype)
			continue;
		/* dNSName, rfc822Name, iPAddress share the ASN1_STRING. */
		s = g->d.ia5;
		if ((size_t)ASN1_STRING_length(s) != len)
			continue;
		found = nocase
		    ? ident_casecmp_eq(ASN1_STRING_get0_data(s), id, len)
		    : memcmp(ASN1_STRING_get0_data(s), id, len) == 0;
	}
	GENERAL_NAMES_free(gens);
	return found;
}

/* "CN=a,O=b" of a given length into a new name; NULL when it is not one. */
static X509_NAME *
ident_dn_text(const uint8_t *text, size_t len)
{
	X509_NAME *dn;
	struct sb why;
	char *s;

	if (len == 0 || len > PKI_SUBJECT_MAX || memchr(text, '\0', len))
		return NULL;
	s = xstrndup((const char *)text, len);
	sb_init(&why);
	dn = pki_dn_parse(s, true, &why);
	sb_free(&why);
	free(s);
	return dn;
}

/* One attribute each, compared as X509_NAME_cmp does (canonical form). */
static bool
ident_entry_eq(const X509_NAME_ENTRY *a, const X509_NAME_ENTRY *b)
{
	X509_NAME *x, *y;
	bool eq;

	if (OBJ_cmp(X509_NAME_ENTRY_get_object(a),
		X509_NAME_ENTRY_get_object(b)) != 0)
		return false;
	if ((x = X509_NAME_new()) == NULL || (y = X509_NAME_new()) == NULL)
		fatal("out of memory");
	eq = X509_NAME_add_entry(x, a, -1, 0) == 1 &&
	    X509_NAME_add_entry(y, b, -1, 0) == 1 && X509_NAME_cmp(x, y) == 0;
	X509_NAME_free(x);
	X509_NAME_free(y);
	return eq;
}

/* container: want's attributes, in order, one after another in have. */
static bool
ident_dn_container(const X509_NAME *have, const X509_NAME *want)
{
	int nh = X509_NAME_entry_count(have), nw = X509_NAME_entry_count(want);
	int at, j;

	for (at = 0; at + nw <= nh; at++) {
		for (j = 0; j < nw; j++)
			if (!ident_entry_eq(X509_NAME_get_entry(have, at + j),
				X509_NAME_get_entry(want, j)))
				break;
		if (j == nw)
			return true;
	}
	return false;
}

/* wildcard: each of want's attributes in have, any order, each used once. */
static bool
ident_dn_wildcard(const X509_NAME *have, const X509_NAME *want)
{
	int nh = X509_NAME_entry_count(have), nw = X509_NAME_entry_count(want);
	bool *used = xcalloc((size_t)(nh > 0 ? nh : 1), sizeof(*used));
	bool ok = true;
	int i, j;

	for (j = 0; j < nw && ok; j++) {
		ok = false;
		for (i = 0; i < nh && !ok; i++) {
			if (used[i] ||
			    !ident_entry_eq(X509_NAME_get_entry(have, i),
				X509_NAME_get_entry(want, j)))
				continue;
			used[i] = ok = true;
		}
	}
	free(used);
	return ok;
}

bool
pki_cert_dn_matches(X509 *cert, enum pki_dn_match how, const char *dn)
{
	const X509_NAME *subj;
	X509_NAME *want;
	bool ok = false;

	if (cert == NULL || dn == NULL)
		return false;
	if ((want = ident_dn_text((const uint8_t *)dn, strlen(dn))) == NULL)
		return false;
	subj = X509_get_subject_name(cert);
	switch (how) {
	case PKI_DN_EXACT: ok = X509_NAME_cmp(want, subj) == 0; break;
	case PKI_DN_CONTAINER: ok = ident_dn_container(subj, want); break;
	case PKI_DN_WILDCARD: ok = ident_dn_wildcard(subj, want); break;
	}
	X509_NAME_free(want);
	ERR_clear_error();
	return ok;
}

bool
pki_cert_has_identity(
    X509 *cert, enum pki_id_type type, const uint8_t *id, size_t len)
{
	const unsigned char *p = id;
	X509_NAME *dn = NULL;
	bool ok = false;

	if (cert == NULL || id == NULL || len == 0)
		return false;
	switch (type) {
	case PKI_ID_IPV4_ADDR:
		return len == 4 && ident_san_has(cert, GEN_IPADD, id, 4, false);
	case PKI_ID_IPV6_ADDR:
		return len == 16 &&
		    ident_san_has(cert, GEN_IPADD, id, 16, false);
	case PKI_ID_FQDN:
		/* RFC 4945 3.1.2: compared case-insensitively. */
		return ident_san_has(cert, GEN_DNS, id, len, true);
	case PKI_ID_RFC822:
		return ident_san_has(cert, GEN_EMAIL, id, len, true);
	case PKI_ID_DER_DN:
		/* RFC 4945 3.1.5: the DER of the subject, all of it. */
		if (len > PKI_FILE_MAX)
			return false;
		dn = d2i_X509_NAME(NULL, &p, (long)len);
		ok = dn != NULL && p == id + len &&
		    X509_NAME_cmp(dn, X509_get_subject_name(cert)) == 0;
		break;
	case PKI_ID_DN_TEXT:
		dn = ident_dn_text(id, len);
		ok = dn != NULL &&
		    X509_NAME_cmp(dn, X509_get_subject_name(cert)) == 0;
		break;
	}
	X509_NAME_free(dn);
	ERR_clear_error();
	return ok;
}
