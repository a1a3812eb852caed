/*
 * cert: parsing certificates, CRLs and requests from untrusted bytes (PEM or
 * DER), and describing a certificate as the structured data that
 * `show security pki local-certificate | ca-certificate` return.  The member
 * names follow the Junos XML of those commands (Junos's XML of `show security
 * pki ca-certificate`: identifier, version, serial-number, issuer-name,
 * subject-string, not-before, public-key-algorithm, ...), so `| display xml`
 * can reuse them.
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "lib/log.h"
#include "pki/pki_int.h"

/*
 * The bytes are PEM when they contain a PEM header; otherwise DER, which must
 * fill the buffer exactly (trailing bytes mean a damaged file).
 */
static bool
cert_is_pem(const uint8_t *buf, size_t len)
{
	static const char hdr[] = "-----BEGIN ";
	size_t i, n = sizeof(hdr) - 1;

	for (i = 0; i + n <= len; i++)
		if (memcmp(buf + i, hdr, n) == 0)
			return true;
	return false;
}

static BIO *
cert_bio(const uint8_t *buf, size_t len)
{
	BIO *b = BIO_new_mem_buf(buf, (int)len);

	if (b == NULL)
		fatal("out of memory");
	return b;
}

/* DER must end exactly at the end of the buffer. */
static bool
cert_der_whole(const uint8_t *buf, size_t len, const unsigned char *end)
{
	return end == buf + len;
}

static void *
cert_done(void *obj, const char *what, struct sb *err)
{
	ERR_clear_error();
	if (obj == NULL)
		sb_printf(err, "error: not %s (PEM or DER)", what);
	return obj;
}

X509 *
pki_cert_parse(const uint8_t *buf, size_t len, struct sb *err)
{
	const unsigned char *p = buf;
	X509 *x = NULL;
	BIO *b;

	if (len == 0 || len > PKI_FILE_MAX)
		return cert_done(NULL, "a certificate", err);
	if (cert_is_pem(buf, len)) {
		b = cert_bio(buf, len);
		x = PEM_read_bio_X509(b, NULL, NULL, (void *)"");
		BIO_free(b);
	} else if ((x = d2i_X509(NULL, &p, (long)len)) != NULL &&
	    !cert_der_whole(buf, len, p)) {
		X509_free(x);
		x = NULL;
	}
	return cert_done(x, "a certificate", err);
}

X509_CRL *
pki_crl_parse(const uint8_t *buf, size_t len, struct sb *err)
{
	const unsigned char *p = buf;
	X509_CRL *x = NULL;
	BIO *b;

	if (len == 0 || len > PKI_FILE_MAX)
		return cert_done(NULL, "a CRL", err);
	if (cert_is_pem(buf, len)) {
		b = cert_bio(buf, len);
		x = PEM_read_bio_X509_CRL(b, NULL, NULL, (void *)"");
		BIO_free(b);
	} else if ((x = d2i_X509_CRL(NULL, &p, (long)len)) != NULL &&
	    !cert_der_whole(buf, len, p)) {
		X509_CRL_free(x);
		x = NULL;
	}
	return cert_done(x, "a CRL", err);
}

X509_REQ *
pki_req_parse(const uint8_t *buf, size_t len, struct sb *err)
{
	const unsigned char *p = buf;
	X509_REQ *x = NULL;
	BIO *b;

	if (len == 0 || len > PKI_FILE_MAX)
		return cert_done(NULL, "a certificate request", err);
	if (cert_is_pem(buf, len)) {
		b = cert_bio(buf, len);
		x = PEM_read_bio_X509_REQ(b, NULL, NULL, (void *)"");
		BIO_free(b);
	} else if ((x = d2i_X509_REQ(NULL, &p, (long)len)) != NULL &&
	    !cert_der_whole(buf, len, p)) {
		X509_REQ_free(x);
		x = NULL;
	}
	return cert_done(x, "a certificate request", err);
}

char *
pki_hex_colon(const uint8_t *p, size_t n)
{
	struct sb s;
	size_t i;

	sb_init(&s);
	for (i = 0; i < n; i++)
		sb_printf(&s, "%s%02x", i ? ":" : "", p[i]);
	return sb_steal(&s);
}

char *
pki_der_fingerprint(const uint8_t *der, size_t len, const char *md)
{
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	EVP_MD *m = EVP_MD_fetch(NULL, md, NULL);
	char *out = NULL;

	if (m != NULL && EVP_Digest(der, len, dig, &dlen, m, NULL) == 1)
		out = pki_hex_colon(dig, dlen);
	EVP_MD_free(m);
	ERR_clear_error();
	return out ? out : xstrdup("unavailable");
}

char *
pki_fingerprint(X509 *cert, const char *md)
{
	unsigned char *der = NULL;
	char *out;
	int n;

	n = i2d_X509(cert, &der);
	if (n <= 0)
		return xstrdup("unavailable");
	out = pki_der_fingerprint(der, (size_t)n, md);
	OPENSSL_free(der);
	return out;
}

/*
 * Junos's `show security pki local-certificate`: "MM-DD-YYYY HH:MM UTC", the
 * day space-padded
 * ("04- 3-2018 09:13 UTC"); every verbatim sample has a zero-padded month.
 */
int
pki_time_junos(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	snprintf(buf, len, "%02d-%2d-%04d %02d:%02d UTC", tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
	return 0;
}

/*
 * Attribute → Junos element, in the order of Junos's <distinguished-name>
 * (organization-name, common-name, country-name; the others, not seen in
 * a Junos sample, where its text lists them).  The text renderer keeps its
 * own order (Country before Common name).
 */
static const struct {
	int nid;
	const char *key;
} cert_dn_fields[] = {
	{ NID_organizationName, "organization-name" },
	{ NID_organizationalUnitName, "organizational-unit-name" },
	{ NID_stateOrProvinceName, "state" },
	{ NID_localityName, "locality-name" },
	{ NID_commonName, "common-name" },
	{ NID_domainComponent, "domain-component" },
	{ NID_countryName, "country-name" },
};

static char *
cert_entry_utf8(const X509_NAME_ENTRY *e)
{
	unsigned char *u = NULL;
	char *out;
	int n;

	n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(e));
	if (n < 0)
		return xstrdup("");
	out = xstrndup((const char *)u, (size_t)n);
	OPENSSL_free(u);
	return out;
}

/*
 * {"distinguished-name": {"organization-name": "juniper", ...}} (Junos's XML of
 * `show security pki ca-certificate`), in the order of cert_dn_fields; an
 * attribute given twice is an array.
 */
static json_t *
cert_dn_json(const X509_NAME *dn)
{
	json_t *o = json_object(), *prev;
	size_t f;
	int i;

	for (f = 0; f < sizeof(cert_dn_fields) / sizeof(cert_dn_fields[0]);
	     f++) {
		const char *key = cert_dn_fields[f].key;

		for (i = 0; i < X509_NAME_entry_count(dn); i++) {
			const X509_NAME_ENTRY *e = X509_NAME_get_entry(dn, i);
			char *v;

			if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) !=
			    cert_dn_fields[f].nid)
				continue;
			v = cert_entry_utf8(e);
			prev = json_object_get(o, key);
			if (prev == NULL) {
				json_object_set_new(o, key, json_string(v));
			} else if (json_is_array(prev)) {
				json_array_append_new(prev, json_string(v));
			} else {
				json_object_set_new(
				    o, key, json_pack("[O, s]", prev, v));
			}
			free(v);
		}
	}
	return json_pack("{s:o}", "distinguished-name", o);
}

/* "DC=juniper, CN=local, ..." in certificate order (Junos's `show security pki
 * local-certificate`). */
static char *
cert_dn_string(const X509_NAME *dn)
{
	struct sb s;
	int i;

	sb_init(&s);
	for (i = 0; i < X509_NAME_entry_count(dn); i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(dn, i);
		int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
		char *v = cert_entry_utf8(e);

		sb_printf(&s, "%s%s=%s", i ? ", " : "",
		    nid != NID_undef ? OBJ_nid2sn(nid) : "?", v);
		free(v);
	}
	return sb_steal(&s);
}

/* "C = US, O = Let's Encrypt, CN = R13" (Junos's `show security pki
 * local-certificate`, Issued by). */
static char *
cert_dn_oneline(const X509_NAME *dn)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out;
	BUF_MEM *m;

	if (b == NULL)
		fatal("out of memory");
	X509_NAME_print_ex(b, dn, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
	BIO_get_mem_ptr(b, &m);
	out = xstrndup(m->data, m->length);
	BIO_free(b);
	return out;
}

static char *
cert_common_name(const X509_NAME *dn)
{
	int i = X509_NAME_get_index_by_NID(dn, NID_commonName, -1);

	if (i < 0)
		return xstrdup("");
	return cert_entry_utf8(X509_NAME_get_entry(dn, i));
}

/* {"email": .., "domain-name": .., "ipv4": .., "ipv6": ..}, first of each. */
static json_t *
cert_san_json(const GENERAL_NAMES *gens)
{
	json_t *o = json_object();
	char ip[64];
	int i;

	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s;
		const char *key = NULL;
		char *v = NULL;

		switch (g->type) {
		case GEN_EMAIL:
			key = "email";
			s = g->d.rfc822Name;
			v = xstrndup((const char *)ASN1_STRING_get0_data(s),
			    (size_t)ASN1_STRING_length(s));
			break;
		case GEN_DNS:
			key = "domain-name";
			s = g->d.dNSName;
			v = xstrndup((const char *)ASN1_STRING_get0_data(s),
			    (size_t)ASN1_STRING_length(s));
			break;
		case GEN_IPADD:
			s = g->d.iPAddress;
			if (ASN1_STRING_length(s) == 4) {
				key = "ipv4";
				inet_ntop(AF_INET, ASN1_STRING_get0_data(s), ip,
				    sizeof(ip));
			} else if (ASN1_STRING_length(s) == 16) {
				key = "ipv6";
				inet_ntop(AF_INET6, ASN1_STRING_get0_data(s),
				    ip, sizeof(ip));
			}
			if (key != NULL)
				v = xstrdup(ip);
			break;
		default: break;
		}
		if (key != NULL && json_object_get(o, key) == NULL)
			json_object_set_new(o, key, json_string(v));
		free(v);
	}
	return o;
}

/* o[list] = {item: arr} (Junos's XML of `show security pki ca-certificate`'s
 * *-list elements); nothing when empty. */
static void
cert_set_list(json_t *o, const char *list, const char *item, json_t *arr)
{
	if (json_array_size(arr) > 0)
		json_object_set_new(o, list, json_pack("{s:o}", item, arr));
	else
		json_decref(arr);
}

/* CRL distribution points and OCSP URIs (RFC 5280 4.2.1.13, 4.2.2.1). */
static json_t *
cert_uris(X509 *cert)
{
	json_t *o = json_object(), *crl = json_array(), *ocsp = json_array();
	STACK_OF(DIST_POINT) * dps;
	AUTHORITY_INFO_ACCESS *aia;
	int i, j;

	dps = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
	for (i = 0; i < sk_DIST_POINT_num(dps); i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
		GENERAL_NAMES *names;

		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;
		names = dp->distpoint->name.fullname;
		for (j = 0; j < sk_GENERAL_NAME_num(names); j++) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(names, j);
			const ASN1_STRING *s = g->d.uniformResourceIdentifier;

			if (g->type != GEN_URI)
				continue;
			json_array_append_new(crl,
			    json_stringn((const char *)ASN1_STRING_get0_data(s),
				(size_t)ASN1_STRING_length(s)));
		}
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	aia = X509_get_ext_d2i(cert, NID_info_access, NULL, NULL);
	for (i = 0; i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
		ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
		const ASN1_STRING *s;

		if (OBJ_obj2nid(ad->method) != NID_ad_OCSP ||
		    ad->location->type != GEN_URI)
			continue;
		s = ad->location->d.uniformResourceIdentifier;
		json_array_append_new(ocsp,
		    json_stringn((const char *)ASN1_STRING_get0_data(s),
			(size_t)ASN1_STRING_length(s)));
	}
	AUTHORITY_INFO_ACCESS_free(aia);
	cert_set_list(o, "distribution-crl-list", "distribution-crl", crl);
	cert_set_list(o, "authority-information-access-ocsp-list",
	    "authority-information-access-ocsp", ocsp);
	return o;
}

/* RFC 5280 4.2.1.3 bits, in the order of the Junos XML sample (Junos's XML of
 * `show security pki ca-certificate`). */
static json_t *
cert_key_usage(X509 *cert)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} ku[] = {
		{ KU_CRL_SIGN, "CRL signing" },
		{ KU_KEY_CERT_SIGN, "Certificate signing" },
		{ KU_KEY_ENCIPHERMENT, "Key encipherment" },
		{ KU_DIGITAL_SIGNATURE, "Digital signature" },
		{ KU_NON_REPUDIATION, "Non repudiation" },
		{ KU_DATA_ENCIPHERMENT, "Data encipherment" },
		{ KU_KEY_AGREEMENT, "Key agreement" },
	};
	json_t *arr = json_array();
	uint32_t bits = X509_get_key_usage(cert);
	size_t i;

	if (bits == UINT32_MAX)
		return arr;
	for (i = 0; i < sizeof(ku) / sizeof(ku[0]); i++)
		if (bits & ku[i].bit)
			json_array_append_new(arr, json_string(ku[i].name));
	return arr;
}

/* "rsaEncryption" / "ecdsaEncryption" and the key size in bits. */
static void
cert_pubkey_json(json_t *o, EVP_PKEY *pk)
{
	const char *alg = "unknown";

	if (pk != NULL && EVP_PKEY_is_a(pk, "RSA"))
		alg = "rsaEncryption";
	else if (pk != NULL && EVP_PKEY_is_a(pk, "EC"))
		alg = "ecdsaEncryption"; /* Junos spelling */
	else if (pk != NULL)
		alg = OBJ_nid2ln(EVP_PKEY_get_base_id(pk));
	json_object_set_new(o, "public-key-algorithm", json_string(alg));
	json_object_set_new(o, "public-key-length",
	    json_integer(pk ? EVP_PKEY_get_bits(pk) : 0));
}

static char *
cert_serial(X509 *cert)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	struct sb s;
	size_t n, i;

	sb_init(&s);
	n = hex ? strlen(hex) : 0;
	/* At least 8 digits, an even count: "00043da0" (Junos's `show security
	 * pki local-certificate`). */
	for (i = n; i < 8 || (i % 2) != 0; i++)
		sb_putc(&s, '0');
	for (i = 0; i < n; i++)
		sb_putc(&s,
		    (char)(hex[i] >= 'A' && hex[i] <= 'F' ? hex[i] - 'A' + 'a'
							  : hex[i]));
	OPENSSL_free(hex);
	BN_free(bn);
	return sb_steal(&s);
}

static void
cert_set_str(json_t *o, const char *key, char *v)
{
	json_object_set_new(o, key, json_string(v));
	free(v);
}

/*
 * Junos's XML of `show security pki ca-certificate`'s
 * pkid-x509-certificate-information members; brief: issued-to, issued-by,
 * validity, public-key.
 */
json_t *
pki_cert_info(X509 *cert, bool detail)
{
	json_t *o = json_object(), *v = json_object(), *pk = json_object();
	const ASN1_BIT_STRING *bs;
	char when[40];
	GENERAL_NAMES *gens;
	char *sha1, *md5;

	if (!detail) {
		cert_set_str(o, "issued-to",
		    cert_common_name(X509_get_subject_name(cert)));
		cert_set_str(o, "issued-by",
		    cert_dn_oneline(X509_get_issuer_name(cert)));
	} else {
		json_object_set_new(
		    o, "version", json_integer(X509_get_version(cert) + 1));
		json_object_set_new(o, "serial-number-list", json_object());
		cert_set_str(json_object_get(o, "serial-number-list"),
		    "serial-number-x509", cert_serial(cert));
		json_object_set_new(
		    o, "issuer-name", cert_dn_json(X509_get_issuer_name(cert)));
		json_object_set_new(o, "subject-name",
		    cert_dn_json(X509_get_subject_name(cert)));
		json_object_set_new(o, "subject-string-list", json_object());
		cert_set_str(json_object_get(o, "subject-string-list"),
		    "subject-string",
		    cert_dn_string(X509_get_subject_name(cert)));
		gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
		/* Junos: no <alternate-subject> without the extension */
		if (gens != NULL)
			json_object_set_new(
			    o, "alternate-subject", cert_san_json(gens));
		GENERAL_NAMES_free(gens);
	}
	if (pki_time_junos(X509_get0_notBefore(cert), when, sizeof(when)) == 0)
		json_object_set_new(v, "not-before", json_string(when));
	if (pki_time_junos(X509_get0_notAfter(cert), when, sizeof(when)) == 0)
		json_object_set_new(v, "not-after", json_string(when));
	json_object_set_new(o, "validity", v);
	cert_pubkey_json(pk, X509_get0_pubkey(cert));
	json_object_set_new(o, "public-key", pk);
	if (!detail)
		return o;
	bs = X509_get0_pubkey_bitstr(cert);
	json_object_set_new(o, "public-key-contents-list", json_object());
	cert_set_str(json_object_get(o, "public-key-contents-list"),
	    "key-contents",
	    pki_hex_colon(
		ASN1_STRING_get0_data(bs), (size_t)ASN1_STRING_length(bs)));
	json_object_set_new(o, "signature-algorithm",
	    json_string(OBJ_nid2ln(X509_get_signature_nid(cert))));
	{
		json_t *uris = cert_uris(cert);

		json_object_update(o, uris);
		json_decref(uris);
	}
	cert_set_list(o, "key-usage-list", "key-usage", cert_key_usage(cert));
	/* One <fingerprint>: contents and algorithms in step, each content
	 * next to its algorithm in XML (as Junos; "@interleave", cmd.c). */
	sha1 = pki_fingerprint(cert, "SHA1");
	md5 = pki_fingerprint(cert, "MD5");
	json_object_set_new(o, "fingerprint",
	    json_pack("{s:[s?, s?], s:[s, s], s:b}", "fingerprint-content",
		sha1, md5, "fingerprint-hash-algorithm", "sha1", "md5",
		"@interleave", 1));
	free(sha1);
	free(md5);
	ERR_clear_error();
	return o;
}

json_t *
pki_req_info(X509_REQ *req, bool detail)
{
	json_t *o = json_object();
	STACK_OF(X509_EXTENSION) * exts;
	EVP_PKEY *pk = X509_REQ_get0_pubkey(req);
	unsigned char *der = NULL;
	int n;

	cert_set_str(
	    o, "issued-to", cert_common_name(X509_REQ_get_subject_name(req)));
	cert_pubkey_json(o, pk);
	json_object_set_new(o, "signature-verified",
	    json_boolean(pk != NULL && X509_REQ_verify(req, pk) == 1));
	if (!detail)
		goto done;
	cert_set_str(o, "subject-string",
	    cert_dn_string(X509_REQ_get_subject_name(req)));
	exts = X509_REQ_get_extensions(req);
	{
		int i = X509v3_get_ext_by_NID(exts, NID_subject_alt_name, -1);
		GENERAL_NAMES *gens =
		    i < 0 ? NULL : X509V3_EXT_d2i(X509v3_get_ext(exts, i));

		json_object_set_new(
		    o, "alternate-subject", cert_san_json(gens));
		GENERAL_NAMES_free(gens);
	}
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	n = i2d_X509_REQ(req, &der);
	if (n > 0) {
		cert_set_str(o, "fingerprint-sha1",
		    pki_der_fingerprint(der, (size_t)n, "SHA1"));
		cert_set_str(o, "fingerprint-md5",
		    pki_der_fingerprint(der, (size_t)n, "MD5"));
	}
	OPENSSL_free(der);
done:
	ERR_clear_error();
	return o;
}
