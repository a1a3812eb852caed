/*
 * test_render: the renderers against Junos's layouts, to the character for
 * the VERBATIM samples (the `request security pki` replies, `show security
 * pki local-certificate`), and the reconstructed ones (`show security pki
 * ca-certificate`) as written down.  Input is the
 * structured data pki_rpc returns, filled with the samples' values.
 */
#include <string.h>

#include "render/render.h"
#include "tests/pki/pki_test.h"

static const struct render_entry *
r_find(const char *name)
{
	const struct render_entry *e;

	for (e = pki_renderers; e->name != NULL; e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

static const struct {
	const char *rpc;
	const char *data;
	const char *want;
} golden[] = {
	/* Junos's `request security pki` replies, generate-key-pair [VERBATIM]
	 */
	{ "request-security-pki-generate-key-pair",
	    "{\"certificate-id\":\"mynewcert\",\"type\":\"rsa\",\"size\":2048}",
	    "Generated key pair mynewcert, key size 2048 bits\n" },
	/* Junos's `request security pki` replies, local-certificate load
	   [VERBATIM] */
	{ "request-security-pki-local-certificate-load",
	    "{\"certificate-id\":\"myCert\"}",
	    "Local certificate loaded successfully\n" },
	/* Junos's `request security pki` replies, verify [VERBATIM] */
	{ "request-security-pki-local-certificate-verify",
	    "{\"certificate-id\":\"myCert\"}",
	    "Local certificate myCert verification success\n" },
	{ "request-security-pki-ca-certificate-verify",
	    "{\"ca-profile\":\"myCA\"}",
	    "CA certificate myCA verified successfully\n" },
	/* Junos's `request security pki` replies, ca-certificate load
	 * [VERBATIM]: the fingerprint before mgd's question, then the outcome
	 * once confirmed */
	{ "request-security-pki-ca-certificate-load",
	    "{\"ca-profile\":\"myCA\",\"fingerprint-sha1\":"
	    "\"9a:59:d8:c3:6f:01:01:64:43:f5:ad:98:bb:9d:b6:d1:25:fe:80:2e\","
	    "\"fingerprint-md5\":\"a8:82:78:85:7f:02:c5:ef:6a:33:2c:dd:be:12:"
	    "f9:d1\"}",
	    "Fingerprint:\n"
	    " 9a:59:d8:c3:6f:01:01:64:43:f5:ad:98:bb:9d:b6:d1:25:fe:80:2e "
	    "(sha1)\n"
	    " a8:82:78:85:7f:02:c5:ef:6a:33:2c:dd:be:12:f9:d1 (md5)\n" },
	{ "request-security-pki-ca-certificate-load",
	    "{\"ca-profile\":\"myCA\",\"fingerprint-sha1\":\"9a:59\","
	    "\"fingerprint-md5\":\"a8:82\",\"loaded\":true}",
	    "CA certificate for profile myCA loaded successfully\n" },
	/* Junos's `show security pki local-certificate`, brief [VERBATIM] */
	{ "show-security-pki-local-certificate",
	    "{\"x509-pki-certificate-info-list\":{\"pkid-x5"
	    "09-certificate-information\":[{\"identifier\":\"p1-acme-cert\",\"i"
	    "ssued-to\":\"p1.jnpr.cz\",\"issued-by\":\"C = US, O = Let's Encryp"
	    "t, CN = R13\",\"validity\":{\"not-before\":\"01- 2-2026 09:55 UTC"
	    "\",\"not-after\":\"04- 2-2026 09:55 UTC\"},\"public-key\":{\"publi"
	    "c-key-algorithm\":\"rsaEncryption\",\"public-key-length\":2048},\""
	    "keypair-location\":\"Keypair generated locally\"}]}}",
	    "\n"
	    "LSYS: root-logical-system\n"
	    "Certificate identifier: p1-acme-cert\n"
	    "  Issued to: p1.jnpr.cz, Issued by: C = US, O = Let's Encrypt, CN "
	    "= R13\n"
	    "  Validity:\n"
	    "    Not before: 01- 2-2026 09:55 UTC\n"
	    "    Not after: 04- 2-2026 09:55 UTC\n"
	    "  Public key algorithm: rsaEncryption(2048 bits)\n"
	    "  Keypair Location: Keypair generated locally\n" },
	/* Junos's `show security pki local-certificate`, detail [VERBATIM], the
	   key contents cut to two lines */
	{ "show-security-pki-local-certificate",
	    "{\"x509-pki-certificate-info-list\":{\"pkid-x"
	    "509-certificate-information\":[{\"@\":{\"junos:style\":\"detail\"}"
	    ","
	    "\"identifier\":\"mynewcert\",\"ver"
	    "sion\":3,\"serial-number-list\":{\"serial-number-x509\":\"00043da0"
	    "\"},\"issuer-name\":{\"distinguished-name\":{\"organization-name\""
	    ":\"juniper\",\"country-name\":\"us\",\"common-name\":\"Root\"}},\""
	    "subject-name\":{\"distinguished-name\":{\"organization-name\":\"ju"
	    "niper\",\"organizational-unit-name\":\"marketing\",\"state\":\"cal"
	    "ifornia\",\"locality-name\":\"sunnyvale\",\"common-name\":\"local"
	    "\",\"domain-component\":\"juniper\"}},\"subject-string-list\":{\"s"
	    "ubject-string\":\"DC=juniper, CN=local, OU=marketing, O=juniper, L"
	    "=sunnyvale, ST=california, C=us\"},\"alternate-subject\":{\"email"
	    "\":\"test@juniper.net\",\"domain-name\":\"juniper.net\"},\"validit"
	    "y\":{\"not-before\":\"04-21-2017 19:22 UTC\",\"not-after\":\"04- 3"
	    "-2018 09:13 UTC\"},\"public-key\":{\"public-key-algorithm\":\"rsaE"
	    "ncryption\",\"public-key-length\":1024},\"public-key-contents-list"
	    "\":{\"key-contents\":\"30:81:89:02:81:81:00:b4:af:4d:d4:52:aa:89:1"
	    "6:98:ee:98:b3:e9:da:e3:6f:ef:09:c0:85:00:90:8f:78:48:da:5d:46:47:3"
	    "c:28:3e:d0\"},\"signature-algorithm\":\"sha256WithRSAEncryption\","
	    "\"distribution-crl-list\":{\"distribution-crl\":[\"http://10.204.1"
	    "28.120:8080/crl-as-der/currentcrl-292.crl?id=292\"]},\"authority-i"
	    "nformation-access-ocsp-list\":{\"authority-information-access-ocsp"
	    "\":[\"http://10.204.128.120:8090/Root/\"]},\"fingerprint\":{\"fing"
	    "erprint-content\":[\"a2:95:2f:e5:db:7b:45:42:70:3a:61:1b:5d:aa:63:"
	    "3f:73:b5:3d:5d\",\"84:0e:ab:53:dc:aa:e1:4a:1a:6e:4e:ab:bc:87:af:4d"
	    "\"],\"fingerprint-hash-algorithm\":[\"sha1\",\"md5\"]}}]}}",
	    "\n"
	    "Certificate identifier: mynewcert\n"
	    "  Certificate version: 3\n"
	    "  Serial number: 00043da0\n"
	    "  Issuer:\n"
	    "    Organization: juniper, Country: us, Common name: Root\n"
	    "  Subject:\n"
	    "    Organization: juniper, Organizational unit: marketing, State: "
	    "california, Locality: sunnyvale, Common name: local, Domain "
	    "component: juniper\n"
	    "  Subject string:\n"
	    "    DC=juniper, CN=local, OU=marketing, O=juniper, L=sunnyvale, "
	    "ST=california, C=us\n"
	    "  Alternate subject: \"test@juniper.net\", juniper.net, ipv4 "
	    "empty, ipv6 empty\n"
	    "  Validity:\n"
	    "    Not before: 04-21-2017 19:22 UTC\n"
	    "    Not after: 04- 3-2018 09:13 UTC\n"
	    "  Public key algorithm: rsaEncryption(1024 bits)\n"
	    "    30:81:89:02:81:81:00:b4:af:4d:d4:52:aa:89:16:98:ee:98:b3:e9\n"
	    "    da:e3:6f:ef:09:c0:85:00:90:8f:78:48:da:5d:46:47:3c:28:3e:d0\n"
	    "  Signature algorithm: sha256WithRSAEncryption\n"
	    "  Distribution CRL:\n"
	    "    "
	    "http://10.204.128.120:8080/crl-as-der/currentcrl-292.crl?id=292\n"
	    "  Authority Information Access OCSP:\n"
	    "    http://10.204.128.120:8090/Root/\n"
	    "  Fingerprint:\n"
	    "    a2:95:2f:e5:db:7b:45:42:70:3a:61:1b:5d:aa:63:3f:73:b5:3d:5d "
	    "(sha1)\n"
	    "    84:0e:ab:53:dc:aa:e1:4a:1a:6e:4e:ab:bc:87:af:4d (md5)\n"
	    "  Auto-re-enrollment:\n"
	    "    Status: Disabled\n"
	    "    Next trigger time: Timer not started\n" },
	/* Junos's XML of `show security pki ca-certificate`, ca-certificate
	   brief [RECONSTRUCTED] */
	{ "show-security-pki-ca-certificate",
	    "{\"x509-pki-certificate-info-list\":{\"pkid-x5"
	    "09-certificate-information\":[{\"identifier\":\"Root-CA\","
	    "\"@ca-profile\":\"Root-CA\",\"issued-to\":\"Root-CA\",\"issued-"
	    "by\":\"C = U"
	    "S, O = Juniper, CN = Root-CA\",\"validity\":{\"not-before\":\"01- "
	    "2-2026 09:55 UTC\",\"not-after\":\"01- 2-2036 09:55 UTC\"},\"publi"
	    "c-key\":{\"public-key-algorithm\":\"rsaEncryption\",\"public-key-l"
	    "ength\":2048}}]}}",
	    "\n"
	    "LSYS: root-logical-system\n"
	    "CA profile: Root-CA\n"
	    "Certificate identifier: Root-CA\n"
	    "  Issued to: Root-CA, Issued by: C = US, O = Juniper, CN = "
	    "Root-CA\n"
	    "  Validity:\n"
	    "    Not before: 01- 2-2026 09:55 UTC\n"
	    "    Not after: 01- 2-2036 09:55 UTC\n"
	    "  Public key algorithm: rsaEncryption(2048 bits)\n" },
	/* Empty lists print nothing; clears print nothing. */
	{ "show-security-pki-local-certificate",
	    "{\"x509-pki-certificate-info-list\":{\"pkid-x5"
	    "09-certificate-information\":[]}}",
	    "" },
	{ "clear-security-pki-key-pair", "{\"cleared\":[\"a\"]}", "" },
	{ "request-security-pki-crl-load", "{\"ca-profile\":\"Root-CA\"}",
	    "CRL for CA profile Root-CA loaded successfully\n" },
	{ "request-security-pki-local-certificate-generate-self-signed",
	    "{\"certificate-id\":\"c1\"}",
	    "Self-signed certificate generated and loaded successfully\n" },
	{ "request-security-pki-generate-certificate-request",
	    "{\"certificate-id\":\"c1\",\"filename\":\"/tmp/c1.csr\","
	    "\"fingerprint-sha1\":\"0f:e6\",\"fingerprint-md5\":\"f4:07\"}",
	    "Generated certificate request\n"
	    "Certificate request written to /tmp/c1.csr\n"
	    "Fingerprint:\n0f:e6 (sha1)\nf4:07 (md5)\n" },
	{ "show-security-pki-certificate-request",
	    "{\"certificate-request-list\":{\"certificate-r"
	    "equest\":[{\"identifier\":\"c1\",\"issued-to\":\"gw\",\"public-key"
	    "-algorithm\":\"ecdsaEncryption\",\"public-key-length\":256,\"signa"
	    "ture-verified\":true}]}}",
	    "\nCertificate identifier: c1\n  Issued to: gw\n"
	    "  Public key algorithm: ecdsaEncryption(256 bits)\n"
	    "  Public key verification status: Passed\n" },
};

START_TEST(test_golden)
{
	const struct render_entry *e = r_find(golden[_i].rpc);
	json_error_t jerr;
	json_t *d = json_loads(golden[_i].data, 0, &jerr);
	struct sb out;

	ck_assert_msg(d != NULL, "case %d: %s", _i, jerr.text);
	ck_assert_ptr_nonnull(e);
	sb_init(&out);
	ck_assert_int_eq(e->fn(d, &out), 0);
	ck_assert_str_eq(sb_str(&out), golden[_i].want);
	sb_free(&out);
	json_decref(d);
}
END_TEST

/* Every rpc has a renderer, and malformed data is refused, not printed. */
START_TEST(test_malformed)
{
	static const char *const rpcs[] = {
		"request-security-pki-generate-key-pair",
		"request-security-pki-ca-certificate-load",
		"request-security-pki-ca-certificate-verify",
		"request-security-pki-local-certificate-verify",
		"request-security-pki-crl-load",
		"request-security-pki-generate-certificate-request",
		"clear-security-pki-local-certificate",
		"show-security-pki-local-certificate",
		"show-security-pki-ca-certificate",
		"show-security-pki-certificate-request",
		NULL,
	};
	json_t *d = json_object();
	struct sb out;
	size_t i, n = 0;

	sb_init(&out);
	for (i = 0; rpcs[i] != NULL; i++)
		ck_assert_msg(
		    r_find(rpcs[i])->fn(d, &out) == -1, "%s", rpcs[i]);
	for (i = 0; pki_renderers[i].name != NULL; i++)
		n++;
	ck_assert_uint_eq(n, 15);
	json_decref(d);
	sb_free(&out);
}
END_TEST

Suite *
pki_render_suite(void)
{
	Suite *s = suite_create("pki-render");
	TCase *tc = tcase_create("render");

	tcase_add_loop_test(
	    tc, test_golden, 0, sizeof(golden) / sizeof(golden[0]));
	tcase_add_test(tc, test_malformed);
	suite_add_tcase(s, tc);
	return s;
}
