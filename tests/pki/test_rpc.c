/*
 * test_rpc: every pki rpc through pki_rpc() as mgd calls it — the JSON
 * input, the structured reply, the operator error — and the reply of each
 * rendered by pki_renderers[] so data and text stay in step.
 */
#include <string.h>
#include <unistd.h>

#include "render/render.h"
#include "pki/pki_int.h"
#include "pki/pki_rpc.h"
#include "tests/pki/pki_test.h"

/* Render out with the rpc's renderer; returns the text (borrowed in sb). */
static const char *
r_text(const char *rpc, const json_t *data, struct sb *sb)
{
	const struct render_entry *e;

	sb_reset(sb);
	for (e = pki_renderers; e->name != NULL; e++)
		if (strcmp(e->name, rpc) == 0)
			break;
	ck_assert_msg(e->name != NULL, "no renderer for %s", rpc);
	ck_assert_int_eq(e->fn(data, sb), 0);
	return sb_str(sb);
}

#define GEN "request-security-pki-generate-key-pair"
#define SELF "request-security-pki-local-certificate-generate-self-signed"
#define CSR "request-security-pki-generate-certificate-request"
#define SHOW_LOCAL "show-security-pki-local-certificate"
#define SHOW_CA "show-security-pki-ca-certificate"
#define SHOW_REQ "show-security-pki-certificate-request"

START_TEST(test_generate_key_pair)
{
	struct sb err, txt;
	json_t *r;

	sb_init(&err);
	sb_init(&txt);
	r = t_rpc(GEN, "{\"certificate-id\":\"c1\"}", &err);
	ck_assert_msg(r != NULL, "%s", sb_str(&err));
	ck_assert_str_eq(r_text(GEN, r, &txt),
	    "Generated key pair c1, key size 2048 bits\n");
	json_decref(r);
	r = t_rpc(GEN,
	    "{\"certificate-id\":\"c2\",\"type\":\"ecdsa\","
	    "\"size\":\"384\"}",
	    &err);
	ck_assert_msg(r != NULL, "%s", sb_str(&err));
	ck_assert_str_eq(
	    r_text(GEN, r, &txt), "Generated key pair c2, key size 384 bits\n");
	json_decref(r);
	r = t_rpc(GEN, "{\"certificate-id\":\"c3\",\"type\":\"ecdsa\"}", &err);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "size")), 256);
	json_decref(r);
	sb_free(&err);
	sb_free(&txt);
}
END_TEST

/* Operator errors of the dispatcher and of generate-key-pair. */
static const struct {
	const char *rpc, *input, *want;
} err_cases[] = {
	{ GEN, "{\"certificate-id\":\"../x\"}",
	    "error: invalid "
	    "certificate-id: 1 to 32 letters, digits, '.', '_' or '-', "
	    "starting with a letter or digit" },
	{ GEN, "{}", "error: missing mandatory argument certificate-id" },
	{ GEN, NULL, "error: missing mandatory argument certificate-id" },
	{ GEN, "{\"certificate-id\":\"c\",\"type\":\"dsa\"}",
	    "error: unsupported key type dsa" },
	{ GEN, "{\"certificate-id\":\"c\",\"size\":512}",
	    "error: key size 512 is not supported for rsa" },
	{ GEN, "{\"certificate-id\":\"c\",\"size\":\"big\"}",
	    "error: invalid key size" },
	{ GEN, "{\"certificate-id\":\"c\",\"colour\":\"red\"}",
	    "error: syntax error, unexpected argument colour" },
	{ GEN, "{\"certificate-id\":{\"a\":1}}",
	    "error: invalid value for "
	    "certificate-id" },
	{ "request-security-pki-frobnicate", "{}",
	    "error: unknown command request-security-pki-frobnicate" },
	{ SHOW_LOCAL, "{\"certificate-id\":\"c9\"}",
	    "error: certificate-id c9 not found" },
	{ SHOW_CA, "{\"ca-profile\":\"p9\"}",
	    "error: CA certificate for profile p9 not found" },
	{ SHOW_REQ, "{\"certificate-id\":\"c9\"}",
	    "error: certificate request c9 not found" },
	{ "request-security-pki-local-certificate-verify",
	    "{\"certificate-id\":\"c9\"}",
	    "error: Local certificate c9 doesn't exist" },
	{ "request-security-pki-ca-certificate-verify",
	    "{\"ca-profile\":\"p9\"}",
	    "error: CA certificate p9 doesn't exist" },
	{ "request-security-pki-ca-certificate-load",
	    "{\"ca-profile\":\"p9\","
	    "\"filename\":\"/nonexistent\"}",
	    "error: ca-profile p9 is not configured" },
	{ "clear-security-pki-local-certificate", "{}",
	    "error: specify certificate-id or all" },
	{ "clear-security-pki-key-pair", "{\"certificate-id\":\"c9\"}",
	    "error: key pair c9 not found" },
	{ SELF, "{\"certificate-id\":\"c9\",\"subject\":\"CN=x\"}",
	    "error: key pair c9 not found" },
	{ SELF, "{\"certificate-id\":\"c9\"}",
	    "error: missing mandatory argument subject" },
};

START_TEST(test_errors)
{
	struct sb err;
	json_t *r;

	sb_init(&err);
	r = t_rpc(err_cases[_i].rpc, err_cases[_i].input, &err);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(sb_str(&err), err_cases[_i].want);
	sb_free(&err);
}
END_TEST

/* Subject and SAN errors against an existing key pair. */
static const struct {
	const char *input, *want;
} subj_cases[] = {
	{ "\"subject\":\"CN\"", "error: invalid subject attribute 'CN'" },
	{ "\"subject\":\"XX=a\"", "error: unsupported subject attribute 'XX'" },
	{ "\"subject\":\"C=USA\"",
	    "error: invalid value for subject "
	    "attribute C" },
	{ "\"subject\":\"CN=a\",\"ip-address\":\"1.2.3\"",
	    "error: invalid ip-address '1.2.3'" },
	{ "\"subject\":\"CN=a\",\"email\":\"nobody\"",
	    "error: invalid email 'nobody'" },
	{ "\"subject\":\"CN=a\",\"domain-name\":\"a b\"",
	    "error: invalid domain-name 'a b'" },
};

START_TEST(test_subject_errors)
{
	struct sb err, in;

	sb_init(&err);
	sb_init(&in);
	ck_assert_int_eq(
	    pki_key_generate(t_st, "c1", PKI_KEY_ECDSA, 0, &err), 0);
	sb_printf(&in, "{\"certificate-id\":\"c1\",%s}", subj_cases[_i].input);
	ck_assert_ptr_null(t_rpc(SELF, sb_str(&in), &err));
	ck_assert_str_eq(sb_str(&err), subj_cases[_i].want);
	ck_assert_ptr_null(t_rpc(CSR, sb_str(&in), &err));
	ck_assert_str_eq(sb_str(&err), subj_cases[_i].want);
	ck_assert(!pki_has_local_cert(t_st, "c1"));
	sb_free(&in);
	sb_free(&err);
}
END_TEST

/* generate-self-signed, then show brief and detail, verify, clear. */
START_TEST(test_self_signed_show)
{
	struct sb err, txt;
	json_t *r, *c;

	sb_init(&err);
	sb_init(&txt);
	json_decref(t_rpc(GEN,
	    "{\"certificate-id\":\"c1\",\"type\":\"rsa\","
	    "\"size\":1024}",
	    &err));
	r = t_rpc(SELF,
	    "{\"certificate-id\":\"c1\",\"subject\":"
	    "\"DC=juniper,CN=local,OU=marketing,O=juniper,L=sunnyvale,"
	    "ST=california,C=us\",\"domain-name\":\"juniper.net\","
	    "\"email\":\"test@juniper.net\",\"ip-address\":\"192.0.2.7\"}",
	    &err);
	ck_assert_msg(r != NULL, "%s", sb_str(&err));
	ck_assert_str_eq(r_text(SELF, r, &txt),
	    "Self-signed certificate "
	    "generated and loaded successfully\n");
	json_decref(r);
	ck_assert_ptr_null(t_rpc(SELF,
	    "{\"certificate-id\":\"c1\","
	    "\"subject\":\"CN=x\"}",
	    &err));
	ck_assert_str_eq(
	    sb_str(&err), "error: local certificate c1 already exists");

	r = t_rpc(
	    SHOW_LOCAL, "{\"certificate-id\":\"c1\",\"detail\":true}", &err);
	ck_assert_msg(r != NULL, "%s", sb_str(&err));
	/* Junos' XML element names (Junos's XML of `show security pki
	 * ca-certificate`) for | display xml. */
	c = json_array_get(
	    json_object_get(
		json_object_get(r, "x509-pki-certificate-info-list"),
		"pkid-x509-certificate-information"),
	    0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(c, "identifier")), "c1");
	/* <x509-pki-certificate-info-list xmlns="...junos-pki"> of
	 * <pkid-x509-certificate-information junos:style="detail"> */
	ck_assert_str_eq(json_string_value(json_object_get(
			     json_object_get(c, "@"), "junos:style")),
	    "detail");
	ck_assert_str_eq(
	    json_string_value(json_object_get(
		json_object_get(
		    json_object_get(r, "x509-pki-certificate-info-list"), "@"),
		"xmlns")),
	    "http://xml.juniper.net/junos/qsafe/junos-pki");
	ck_assert_str_eq(
	    json_string_value(json_object_get(
		json_object_get(c, "subject-string-list"), "subject-string")),
	    "DC=juniper, CN=local, "
	    "OU=marketing, O=juniper, L=sunnyvale, ST=california, C=us");
	ck_assert_str_eq(json_string_value(json_object_get(
			     json_object_get(json_object_get(c, "subject-name"),
				 "distinguished-name"),
			     "common-name")),
	    "local");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(
		json_object_get(c, "public-key"), "public-key-length")),
	    1024);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(
	    json_object_get(c, "serial-number-list"), "serial-number-x509")));
	ck_assert_str_eq(json_string_value(json_array_get(
			     json_object_get(json_object_get(c, "fingerprint"),
				 "fingerprint-hash-algorithm"),
			     1)),
	    "md5");
	ck_assert_ptr_nonnull(
	    json_object_get(json_object_get(c, "validity"), "not-after"));
	r_text(SHOW_LOCAL, r, &txt);
	ck_assert_ptr_nonnull(strstr(sb_str(&txt),
	    "  Alternate subject: "
	    "\"test@juniper.net\", juniper.net, 192.0.2.7, ipv6 empty\n"));
	/* Junos's `show security pki local-certificate`, verbatim: the Subject
	 * line has no Country */
	ck_assert_ptr_nonnull(strstr(sb_str(&txt),
	    "  Subject:\n    "
	    "Organization: juniper, Organizational unit: marketing, "
	    "State: california, Locality: sunnyvale, Common name: local, "
	    "Domain component: juniper\n"));
	ck_assert_ptr_nonnull(strstr(sb_str(&txt),
	    "  Public key algorithm: rsaEncryption(1024 bits)\n    30:81:89:"));
	ck_assert_ptr_nonnull(strstr(sb_str(&txt),
	    "Signature algorithm: "
	    "sha256WithRSAEncryption\n"));
	json_decref(r);

	r = t_rpc(SHOW_LOCAL, NULL, &err);
	r_text(SHOW_LOCAL, r, &txt);
	ck_assert_ptr_nonnull(strstr(sb_str(&txt),
	    "\nLSYS: root-logical-"
	    "system\nCertificate identifier: c1\n  Issued to: local, Issued "
	    "by: DC = juniper, CN = local, OU = marketing, O = juniper, "
	    "L = sunnyvale, ST = california, C = us\n"));
	ck_assert_ptr_nonnull(strstr(
	    sb_str(&txt), "  Keypair Location: Keypair generated locally\n"));
	json_decref(r);

	/* A damaged file in the store is named; the others still show. */
	{
		char *bad = pki_store_path(t_st, PKI_KIND_CERT, "b0");
		char want[600];

		t_write(bad, "garbage", 7);
		r = t_rpc(SHOW_LOCAL, NULL, &err);
		ck_assert_msg(r != NULL, "%s", sb_str(&err));
		r_text(SHOW_LOCAL, r, &txt);
		ck_assert_ptr_nonnull(
		    strstr(sb_str(&txt), "Certificate identifier: c1\n"));
		snprintf(want, sizeof(want),
		    "warning: certificate-id b0 "
		    "skipped: %s is not a certificate (PEM or DER)\n",
		    bad);
		ck_assert_ptr_nonnull(strstr(sb_str(&txt), want));
		json_decref(r);
		/* Asked for by name it is an error, naming the file. */
		ck_assert_ptr_null(
		    t_rpc(SHOW_LOCAL, "{\"certificate-id\":\"b0\"}", &err));
		ck_assert_ptr_nonnull(strstr(sb_str(&err), bad));
		unlink(bad);
		free(bad);
	}

	/* Self-signed and no CA: verification fails. */
	ck_assert_ptr_null(t_rpc("request-security-pki-local-certificate-"
				 "verify",
	    "{\"certificate-id\":\"c1\"}", &err));
	ck_assert_str_eq(sb_str(&err),
	    "error: Local certificate c1 "
	    "verification failed: no CA certificate loaded");

	r = t_rpc("clear-security-pki-local-certificate",
	    "{\"certificate-id\":\"c1\"}", &err);
	ck_assert_msg(r != NULL, "%s", sb_str(&err));
	ck_assert_str_eq(
	    r_text("clear-security-pki-local-certificate", r, &txt), "");
	json_decref(r);
	ck_assert(!pki_has_local_cert(t_st, "c1"));
	ck_assert(!pki_has_key(t_st, "c1"));
	sb_free(&err);
	sb_free(&txt);
}
END_TEST

START_TEST(test_certificate_request)
{
	X509_REQ *before, *after;
	struct sb err, txt;
	json_t *r, *q;
	char in[512];

	sb_init(&err);
	sb_init(&txt);
	json_decref(t_rpc(GEN,
	    "{\"certificate-id\":\"c1\",\"type\":"
	    "\"ecdsa\"}",
	    &err));
	r = t_rpc(CSR,
	    "{\"certificate-id\":\"c1\",\"subject\":\"CN=gw,"
	    "O=qsafe\",\"domain-name\":\"gw.example.net\"}",
	    &err);
	ck_assert_msg(r != NULL, "%s", sb_str(&err));
	r_text(CSR, r, &txt);
	ck_assert_ptr_nonnull(strstr(sb_str(&txt),
	    "Generated certificate "
	    "request\n-----BEGIN CERTIFICATE REQUEST-----\n"));
	ck_assert_ptr_nonnull(strstr(sb_str(&txt),
	    "-----END CERTIFICATE "
	    "REQUEST-----\nFingerprint:\n"));
	ck_assert_ptr_nonnull(strstr(sb_str(&txt), " (md5)\n"));
	json_decref(r);
	/* With filename: written there, not printed. */
	snprintf(in, sizeof(in),
	    "{\"certificate-id\":\"c1\",\"subject\":"
	    "\"CN=gw\",\"filename\":\"%s\"}",
	    t_path("c1.csr"));
	r = t_rpc(CSR, in, &err);
	ck_assert_msg(r != NULL, "%s", sb_str(&err));
	ck_assert_ptr_null(json_object_get(r, "certificate-request"));
	ck_assert_int_eq(t_mode(t_path("c1.csr")), 0644);
	json_decref(r);
	/* A file that cannot be written keeps the stored request as it was. */
	before = pki_request_get(t_st, "c1", &err);
	ck_assert_ptr_nonnull(before);
	snprintf(in, sizeof(in),
	    "{\"certificate-id\":\"c1\",\"subject\":"
	    "\"CN=other\",\"filename\":\"%s\"}",
	    t_path("nodir/c1.csr"));
	ck_assert_ptr_null(t_rpc(CSR, in, &err));
	ck_assert_ptr_nonnull(strstr(sb_str(&err), "nodir/c1.csr"));
	after = pki_request_get(t_st, "c1", &err);
	ck_assert_ptr_nonnull(after);
	ck_assert_int_eq(X509_NAME_cmp(X509_REQ_get_subject_name(before),
			     X509_REQ_get_subject_name(after)),
	    0);
	ck_assert_int_eq(t_count(t_path("pki/requests")), 1);
	X509_REQ_free(before);
	X509_REQ_free(after);
	json_decref(t_rpc(CSR,
	    "{\"certificate-id\":\"c1\",\"subject\":"
	    "\"CN=gw\",\"domain-name\":\"gw.example.net\"}",
	    &err));
	r = t_rpc(SHOW_REQ, "{\"detail\":true}", &err);
	q = json_array_get(
	    json_object_get(json_object_get(r, "certificate-request-list"),
		"certificate-request"),
	    0);
	ck_assert(json_is_true(json_object_get(q, "signature-verified")));
	r_text(SHOW_REQ, r, &txt);
	ck_assert_ptr_nonnull(strstr(sb_str(&txt),
	    "\nCertificate identifier: "
	    "c1\n  Issued to: gw\n  Public key algorithm: ecdsaEncryption(256 "
	    "bits)\n  Public key verification status: Passed\n  Subject "
	    "string:\n    CN=gw\n  Alternate subject: email empty, "
	    "gw.example.net, ipv4 empty, ipv6 empty\n  Fingerprint:\n"));
	json_decref(r);
	r = t_rpc(
	    "clear-security-pki-certificate-request", "{\"all\":true}", &err);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "cleared")), 1);
	json_decref(r);
	sb_free(&err);
	sb_free(&txt);
}
END_TEST

/* CA load, CA verify, local load, local verify, CRL load, clear all. */
START_TEST(test_ca_flow)
{
	EVP_PKEY *ck = t_key_ec(), *lk;
	X509 *ca = t_cert(ck, "Root-CA", NULL, NULL, -3600, 86400, true, NULL);
	X509 *leaf;
	X509_CRL *crl = t_crl(ca, ck, NULL);
	struct sb err, txt;
	char in[512];
	json_t *r;

	sb_init(&err);
	sb_init(&txt);
	t_profiles();
	t_write_cert_der(t_path("ca.der"), ca);
	snprintf(in, sizeof(in),
	    "{\"ca-profile\":\"ca1\",\"filename\":"
	    "\"%s\"}",
	    t_path("ca.der"));
	/* first the fingerprint and the question; nothing is loaded */
	r = t_rpc("request-security-pki-ca-certificate-load", in, &err);
	ck_assert_msg(r != NULL, "%s", sb_str(&err));
	r_text("request-security-pki-ca-certificate-load", r, &txt);
	ck_assert_ptr_nonnull(strstr(sb_str(&txt), " (sha1)\n"));
	ck_assert_str_eq(json_string_value(json_object_get(r, "confirm")),
	    "Do you want to load this CA certificate ? [yes,no] (no)");
	ck_assert(!pki_has_ca_cert(t_st, "ca1"));
	json_decref(r);
	/* then, confirmed, the load */
	snprintf(in, sizeof(in),
	    "{\"ca-profile\":\"ca1\",\"filename\":"
	    "\"%s\",\"confirmed\":true}",
	    t_path("ca.der"));
	sb_reset(&txt);
	r = t_rpc("request-security-pki-ca-certificate-load", in, &err);
	ck_assert_msg(r != NULL, "%s", sb_str(&err));
	r_text("request-security-pki-ca-certificate-load", r, &txt);
	ck_assert_ptr_nonnull(strstr(sb_str(&txt),
	    "CA certificate for profile ca1 loaded successfully\n"));
	ck_assert(pki_has_ca_cert(t_st, "ca1"));
	json_decref(r);
	r = t_rpc("request-security-pki-ca-certificate-verify",
	    "{\"ca-profile\":\"ca1\"}", &err);
	ck_assert_msg(r != NULL, "%s", sb_str(&err));
	json_decref(r);

	json_decref(t_rpc(GEN,
	    "{\"certificate-id\":\"gw\",\"type\":"
	    "\"ecdsa\"}",
	    &err));
	lk = pki_local_key_get(t_st, "gw", &err);
	leaf = t_cert(lk, "gw", ca, ck, -60, 86400, false, NULL);
	t_write_cert_pem(t_path("gw.pem"), leaf);
	snprintf(in, sizeof(in),
	    "{\"certificate-id\":\"gw\",\"filename\":"
	    "\"%s\"}",
	    t_path("gw.pem"));
	r = t_rpc("request-security-pki-local-certificate-load", in, &err);
	ck_assert_msg(r != NULL, "%s", sb_str(&err));
	json_decref(r);
	r = t_rpc("request-security-pki-local-certificate-verify",
	    "{\"certificate-id\":\"gw\"}", &err);
	ck_assert_msg(r != NULL, "%s", sb_str(&err));
	ck_assert_str_eq(r_text("request-security-pki-local-certificate-"
				"verify",
			     r, &txt),
	    "Local certificate gw verification success\n");
	json_decref(r);

	t_write_crl_pem(t_path("ca.crl"), crl);
	snprintf(in, sizeof(in),
	    "{\"ca-profile\":\"ca1\",\"filename\":"
	    "\"%s\"}",
	    t_path("ca.crl"));
	r = t_rpc("request-security-pki-crl-load", in, &err);
	ck_assert_msg(r != NULL, "%s", sb_str(&err));
	json_decref(r);

	r = t_rpc(SHOW_CA, "{\"detail\":true}", &err);
	r_text(SHOW_CA, r, &txt);
	ck_assert_ptr_nonnull(strstr(sb_str(&txt),
	    "\nCA profile: ca1\n"
	    "Certificate identifier: Root-CA\n  Certificate version: 3\n"));
	ck_assert_ptr_nonnull(strstr(
	    sb_str(&txt), "  Keyusage: CRL signing, Certificate signing\n"));
	json_decref(r);

	r = t_rpc("clear-security-pki-ca-certificate", "{\"all\":true}", &err);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "cleared")), 1);
	json_decref(r);
	ck_assert(!pki_has_ca_cert(t_st, "ca1"));
	ck_assert(!pki_obj_exists(t_st, PKI_KIND_CRL, "ca1"));
	r = t_rpc("clear-security-pki-key-pair", "{\"all\":true}", &err);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "cleared")), 1);
	json_decref(r);
	X509_free(leaf);
	X509_free(ca);
	X509_CRL_free(crl);
	EVP_PKEY_free(lk);
	EVP_PKEY_free(ck);
	sb_free(&err);
	sb_free(&txt);
}
END_TEST

Suite *
pki_rpc_suite(void)
{
	Suite *s = suite_create("pki-rpc");
	TCase *tc = tcase_create("rpc");

	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_generate_key_pair);
	tcase_add_loop_test(
	    tc, test_errors, 0, sizeof(err_cases) / sizeof(err_cases[0]));
	tcase_add_loop_test(tc, test_subject_errors, 0,
	    sizeof(subj_cases) / sizeof(subj_cases[0]));
	tcase_add_test(tc, test_self_signed_show);
	tcase_add_test(tc, test_certificate_request);
	tcase_add_test(tc, test_ca_flow);
	suite_add_tcase(s, tc);
	return s;
}
