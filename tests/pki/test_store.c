/*
 * test_store: the store and the loaders — names, key generation, file
 * modes, atomic writes, and every way a file an operator names can be
 * wrong (garbage, truncated, wrong key, unsupported key type, missing, too
 * large), each leaving the store as it was.
 */
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "pki/pki_int.h"
#include "tests/pki/pki_test.h"

static const struct {
	const char *name;
	bool ok;
} name_cases[] = {
	{ "c1", true },
	{ "Root-CA", true },
	{ "a.b_c-d9", true },
	{ "01234567890123456789012345678901", true },	/* 32 */
	{ "012345678901234567890123456789012", false }, /* 33 */
	{ "", false },
	{ ".", false },
	{ "..", false },
	{ "../x", false },
	{ "a/b", false },
	{ "-a", false },
	{ ".hidden", false },
	{ "a b", false },
	{ "a\nb", false },
	{ "caf\xc3\xa9", false },
};

START_TEST(test_names)
{
	ck_assert_msg(
	    pki_name_is_valid(name_cases[_i].name) == name_cases[_i].ok,
	    "name case %d", _i);
}
END_TEST

START_TEST(test_keygen_modes)
{
	struct sb err;
	char *path;

	sb_init(&err);
	ck_assert_int_eq(
	    pki_key_generate(t_st, "k1", PKI_KEY_ECDSA, 0, &err), 0);
	ck_assert_int_eq(
	    pki_key_generate(t_st, "k2", PKI_KEY_ECDSA, 384, &err), 0);
	ck_assert_int_eq(
	    pki_key_generate(t_st, "k3", PKI_KEY_RSA, 1024, &err), 0);
	path = pki_store_path(t_st, PKI_KIND_KEY, "k1");
	ck_assert_int_eq(t_mode(path), 0600);
	free(path);
	path = pki_store_path(t_st, PKI_KIND_KEY, "k3");
	ck_assert_int_eq(t_mode(path), 0600);
	free(path);
	/* No temp files left behind. */
	path = pki_store_path(t_st, PKI_KIND_KEY, NULL);
	ck_assert_int_eq(t_count(path), 3);
	free(path);
	{
		EVP_PKEY *k = pki_local_key_get(t_st, "k2", &err);
		enum pki_key_type t;
		int bits;

		ck_assert_ptr_nonnull(k);
		ck_assert_int_eq(pki_key_type_of(k, &t, &bits), 0);
		ck_assert_int_eq(t, PKI_KEY_ECDSA);
		ck_assert_int_eq(bits, 384);
		EVP_PKEY_free(k);
	}
	ck_assert_int_eq(
	    pki_key_generate(t_st, "k1", PKI_KEY_ECDSA, 256, &err), -1);
	ck_assert_str_eq(sb_str(&err), "error: key pair k1 already exists");
	sb_free(&err);
}
END_TEST

static const struct {
	enum pki_key_type type;
	int bits;
} bad_sizes[] = {
	{ PKI_KEY_RSA, 512 },
	{ PKI_KEY_RSA, 256 },
	{ PKI_KEY_RSA, 2047 },
	{ PKI_KEY_ECDSA, 521 },
	{ PKI_KEY_ECDSA, 2048 },
	{ PKI_KEY_ECDSA, -1 },
};

START_TEST(test_keygen_bad_size)
{
	struct sb err;

	sb_init(&err);
	ck_assert_int_eq(pki_key_generate(t_st, "k", bad_sizes[_i].type,
			     bad_sizes[_i].bits, &err),
	    -1);
	ck_assert_ptr_nonnull(strstr(sb_str(&err), "is not supported"));
	ck_assert(!pki_has_key(t_st, "k"));
	sb_free(&err);
}
END_TEST

START_TEST(test_keygen_bad_name)
{
	struct sb err;

	sb_init(&err);
	ck_assert_int_eq(
	    pki_key_generate(t_st, "../x", PKI_KEY_ECDSA, 0, &err), -1);
	ck_assert_str_eq(sb_str(&err), "error: invalid certificate-id");
	ck_assert_int_eq(t_mode(t_path("x.key")), -1);
	ck_assert_int_eq(t_mode(t_path("pki/x.key")), -1);
	sb_free(&err);
}
END_TEST

/* Parsers: PEM and DER, and damaged input of each kind. */
START_TEST(test_parse_cert_forms)
{
	EVP_PKEY *k = t_key_ec();
	X509 *c = t_cert(k, "p", NULL, NULL, -60, 3600, false, NULL), *got;
	unsigned char *der = NULL;
	char *pem = pki_cert_pem(c);
	struct sb err;
	int n = i2d_X509(c, &der);
	uint8_t *junk;

	sb_init(&err);
	got = pki_cert_parse((const uint8_t *)pem, strlen(pem), &err);
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(X509_cmp(got, c), 0);
	X509_free(got);
	got = pki_cert_parse(der, (size_t)n, &err);
	ck_assert_ptr_nonnull(got);
	X509_free(got);
	/* Truncated PEM and DER; DER with trailing bytes. */
	ck_assert_ptr_null(
	    pki_cert_parse((const uint8_t *)pem, strlen(pem) / 2, &err));
	ck_assert_ptr_null(pki_cert_parse(der, (size_t)n - 10, &err));
	junk = xmalloc((size_t)n + 4);
	memcpy(junk, der, (size_t)n);
	memcpy(junk + n, "xxxx", 4);
	ck_assert_ptr_null(pki_cert_parse(junk, (size_t)n + 4, &err));
	free(junk);
	/* Garbage inside a PEM frame; random bytes; empty. */
	{
		static const char g[] =
		    "-----BEGIN CERTIFICATE-----\n"
		    "bm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
		static const uint8_t r[] = { 0x30, 0x82, 0xff, 0xff, 1, 2, 3 };

		ck_assert_ptr_null(
		    pki_cert_parse((const uint8_t *)g, sizeof(g) - 1, &err));
		ck_assert_ptr_null(pki_cert_parse(r, sizeof(r), &err));
		ck_assert_ptr_null(pki_cert_parse(r, 0, &err));
	}
	ck_assert_ptr_nonnull(strstr(sb_str(&err), "not a certificate"));
	/* A certificate is not a key, a CRL or a request. */
	ck_assert_ptr_null(
	    pki_key_parse((const uint8_t *)pem, strlen(pem), &err));
	ck_assert_ptr_null(pki_crl_parse(der, (size_t)n, &err));
	ck_assert_ptr_null(pki_req_parse(der, (size_t)n, &err));
	OPENSSL_free(der);
	free(pem);
	X509_free(c);
	EVP_PKEY_free(k);
	sb_free(&err);
}
END_TEST

/* A key under a passphrase is said to be encrypted: PEM (both forms), DER. */
START_TEST(test_parse_key_encrypted)
{
	EVP_PKEY *k = t_key_ec();
	BIO *pk8 = BIO_new(BIO_s_mem()), *trad = BIO_new(BIO_s_mem());
	BIO *der = BIO_new(BIO_s_mem());
	BIO *v[3] = { pk8, trad, der };
	struct sb err;
	BUF_MEM *m;
	int i;

	sb_init(&err);
	ck_assert_int_eq(
	    PEM_write_bio_PKCS8PrivateKey(
		pk8, k, EVP_aes_256_cbc(), NULL, 0, NULL, (void *)"secret"),
	    1);
	ck_assert_int_eq(
	    PEM_write_bio_PrivateKey_traditional(
		trad, k, EVP_aes_256_cbc(), NULL, 0, NULL, (void *)"secret"),
	    1);
	ck_assert_int_eq(i2d_PKCS8PrivateKey_bio(der, k, EVP_aes_256_cbc(),
			     NULL, 0, NULL, (void *)"secret"),
	    1);
	for (i = 0; i < 3; i++) {
		BIO_get_mem_ptr(v[i], &m);
		sb_reset(&err);
		ck_assert_ptr_null(
		    pki_key_parse((const uint8_t *)m->data, m->length, &err));
		ck_assert_msg(
		    strcmp(sb_str(&err),
			"error: the private key is "
			"encrypted (load it without a passphrase)") == 0,
		    "form %d: %s", i, sb_str(&err));
		BIO_free(v[i]);
	}
	EVP_PKEY_free(k);
	sb_free(&err);
}
END_TEST

START_TEST(test_parse_key_forms)
{
	EVP_PKEY *k = t_key_rsa(1024), *got, *ed;
	unsigned char *der = NULL;
	struct sb err;
	size_t len = 0;
	char *pem = pki_key_pem(k, &len);
	int n = i2d_PrivateKey(k, &der);

	sb_init(&err);
	got = pki_key_parse((const uint8_t *)pem, len, &err);
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(EVP_PKEY_eq(got, k), 1);
	EVP_PKEY_free(got);
	got = pki_key_parse(der, (size_t)n, &err);
	ck_assert_ptr_nonnull(got);
	EVP_PKEY_free(got);
	ck_assert_ptr_null(pki_key_parse((const uint8_t *)pem, len / 2, &err));
	ck_assert_ptr_null(pki_key_parse(der, (size_t)n / 2, &err));
	OPENSSL_free(der);
	pki_buf_free((uint8_t *)pem, len);
	/* Ed25519 parses but is not a key type pki supports. */
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ck_assert_ptr_nonnull(ed);
	pem = pki_key_pem(ed, &len);
	sb_reset(&err);
	ck_assert_ptr_null(pki_key_parse((const uint8_t *)pem, len, &err));
	ck_assert_str_eq(sb_str(&err), "error: unsupported key type");
	pki_buf_free((uint8_t *)pem, len);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(k);
	sb_free(&err);
}
END_TEST

/* Load a certificate with its key; PEM and DER; key mode and marker. */
START_TEST(test_local_load_with_key)
{
	EVP_PKEY *k = t_key_ec();
	X509 *c = t_cert(k, "gw", NULL, NULL, -60, 86400, false, NULL);
	struct sb err;
	char *path;

	sb_init(&err);
	t_write_cert_der(t_path("gw.der"), c);
	t_write_key_pem(t_path("gw.key"), k);
	ck_assert_msg(pki_local_load(t_st, "gw", t_path("gw.der"),
			  t_path("gw.key"), &err) == 0,
	    "%s", sb_str(&err));
	ck_assert(pki_has_local_cert(t_st, "gw"));
	ck_assert(pki_key_is_imported(t_st, "gw"));
	path = pki_store_path(t_st, PKI_KIND_KEY, "gw");
	ck_assert_int_eq(t_mode(path), 0600);
	free(path);
	/* Again: already exists. */
	ck_assert_int_eq(pki_local_load(t_st, "gw", t_path("gw.der"),
			     t_path("gw.key"), &err),
	    -1);
	ck_assert_str_eq(
	    sb_str(&err), "error: local certificate gw already exists");
	X509_free(c);
	EVP_PKEY_free(k);
	sb_free(&err);
}
END_TEST

/* Every failure leaves no file behind (keys, certs, temp files). */
static void
assert_store_empty(void)
{
	static const char *const kinds[] = { PKI_KIND_KEY, PKI_KIND_CERT,
		PKI_KIND_CA, NULL };
	size_t i;

	for (i = 0; kinds[i] != NULL; i++) {
		char *p = pki_store_path(t_st, kinds[i], NULL);

		ck_assert_msg(t_count(p) == 0, "%s not empty", kinds[i]);
		free(p);
	}
}

START_TEST(test_local_load_failures)
{
	EVP_PKEY *k = t_key_ec(), *other = t_key_ec();
	X509 *c = t_cert(k, "gw", NULL, NULL, -60, 86400, false, NULL);
	static const char garbage[] = "-----BEGIN CERTIFICATE-----\nAAAA\n"
				      "-----END CERTIFICATE-----\n";
	struct sb err;
	char *pem;

	sb_init(&err);
	t_write_cert_pem(t_path("gw.pem"), c);
	t_write_key_pem(t_path("other.key"), other);
	t_write(t_path("garbage.pem"), garbage, sizeof(garbage) - 1);
	pem = pki_cert_pem(c);
	t_write(t_path("trunc.pem"), pem, strlen(pem) - 40);
	free(pem);
	t_write(t_path("empty"), "", 0);

	/* Certificate does not match the key. */
	ck_assert_int_eq(pki_local_load(t_st, "gw", t_path("gw.pem"),
			     t_path("other.key"), &err),
	    -1);
	ck_assert_str_eq(
	    sb_str(&err), "error: the certificate does not match the key pair");
	assert_store_empty();
	/* No key given and no key pair generated for the id. */
	sb_reset(&err);
	ck_assert_int_eq(
	    pki_local_load(t_st, "gw", t_path("gw.pem"), NULL, &err), -1);
	ck_assert_str_eq(sb_str(&err), "error: key pair gw not found");
	/* Garbage, truncated, empty, missing, a key given as certificate. */
	ck_assert_int_eq(pki_local_load(t_st, "gw", t_path("garbage.pem"),
			     t_path("other.key"), &err),
	    -1);
	ck_assert_int_eq(pki_local_load(t_st, "gw", t_path("trunc.pem"),
			     t_path("other.key"), &err),
	    -1);
	ck_assert_int_eq(pki_local_load(t_st, "gw", t_path("empty"),
			     t_path("other.key"), &err),
	    -1);
	ck_assert_int_eq(pki_local_load(t_st, "gw", t_path("other.key"),
			     t_path("other.key"), &err),
	    -1);
	sb_reset(&err);
	ck_assert_int_eq(
	    pki_local_load(t_st, "gw", t_path("missing.pem"), NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(sb_str(&err), "No such file"));
	/* A certificate given as the key. */
	sb_reset(&err);
	ck_assert_int_eq(pki_local_load(t_st, "gw", t_path("gw.pem"),
			     t_path("gw.pem"), &err),
	    -1);
	ck_assert_ptr_nonnull(strstr(sb_str(&err), "not a private key"));
	/* A bad name never reaches the file system. */
	ck_assert_int_eq(pki_local_load(t_st, "../gw", t_path("gw.pem"),
			     t_path("other.key"), &err),
	    -1);
	assert_store_empty();
	X509_free(c);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
	sb_free(&err);
}
END_TEST

/*
 * Loads refuse a certificate outside its validity period, and a CA
 * certificate that is not a CA; nothing is written.
 */
static const struct {
	long nb, na;
	bool ca;	  /* load as CA certificate */
	bool is_ca;	  /* basicConstraints CA:TRUE */
	const char *want; /* after "error: the certificate in F " */
} load_cases[] = {
	{ -10 * 86400, -86400, false, false, "has expired" },
	{ 86400, 10 * 86400, false, false, "is not valid yet" },
	{ -10 * 86400, -86400, true, true, "has expired" },
	{ 86400, 10 * 86400, true, true, "is not valid yet" },
	{ -60, 86400, true, false,
	    "is not a CA certificate (basicConstraints CA:TRUE)" },
};

START_TEST(test_load_refused)
{
	EVP_PKEY *k = t_key_ec();
	X509 *c = t_cert(k, "x", NULL, NULL, load_cases[_i].nb,
	    load_cases[_i].na, load_cases[_i].is_ca, NULL);
	char want[512];
	struct sb err;
	int rc;

	sb_init(&err);
	t_profiles();
	t_write_cert_pem(t_path("x.pem"), c);
	t_write_key_pem(t_path("x.key"), k);
	rc = load_cases[_i].ca
	    ? pki_ca_load(t_st, "ca1", t_path("x.pem"), NULL, &err)
	    : pki_local_load(t_st, "x", t_path("x.pem"), t_path("x.key"), &err);
	ck_assert_int_eq(rc, -1);
	snprintf(want, sizeof(want), "error: the certificate in %s %s",
	    t_path("x.pem"), load_cases[_i].want);
	ck_assert_str_eq(sb_str(&err), want);
	assert_store_empty();
	X509_free(c);
	EVP_PKEY_free(k);
	sb_free(&err);
}
END_TEST

START_TEST(test_unsupported_key_in_cert)
{
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	X509 *c = X509_new();
	struct sb err;

	sb_init(&err);
	X509_set_version(c, X509_VERSION_3);
	X509_gmtime_adj(X509_getm_notBefore(c), 0);
	X509_gmtime_adj(X509_getm_notAfter(c), 3600);
	X509_set_pubkey(c, ed);
	ck_assert_int_gt(X509_sign(c, ed, NULL), 0);
	t_write_cert_pem(t_path("ed.pem"), c);
	t_write_key_pem(t_path("ed.key"), ed);
	ck_assert_int_eq(pki_local_load(t_st, "ed", t_path("ed.pem"),
			     t_path("ed.key"), &err),
	    -1);
	ck_assert_str_eq(
	    sb_str(&err), "error: unsupported key type in the certificate");
	/* The same for a CA certificate. */
	t_profiles();
	sb_reset(&err);
	ck_assert_int_eq(
	    pki_ca_load(t_st, "ca1", t_path("ed.pem"), NULL, &err), -1);
	ck_assert_str_eq(
	    sb_str(&err), "error: unsupported key type in the certificate");
	assert_store_empty();
	X509_free(c);
	EVP_PKEY_free(ed);
	sb_free(&err);
}
END_TEST

START_TEST(test_file_limits)
{
	struct sb err;
	uint8_t *big = xcalloc(PKI_FILE_MAX + 1, 1);
	size_t len;

	sb_init(&err);
	t_write(t_path("big"), big, PKI_FILE_MAX + 1);
	ck_assert_ptr_null(pki_file_read(t_path("big"), &len, &err));
	ck_assert_ptr_nonnull(strstr(sb_str(&err), "larger than"));
	/* A directory is not a file. */
	ck_assert_ptr_null(pki_file_read(t_dir, &len, &err));
	/* Writing into a missing directory fails cleanly. */
	sb_reset(&err);
	ck_assert_int_eq(
	    file_write_atomic(t_path("nodir/x"), "a", 1, 0600, &err), -1);
	ck_assert_ptr_nonnull(strstr(sb_str(&err), "cannot create"));
	/* An atomic replace leaves exactly one file. */
	ck_assert_int_eq(
	    file_write_atomic(t_path("f"), "one", 3, 0640, &err), 0);
	ck_assert_int_eq(
	    file_write_atomic(t_path("f"), "two", 3, 0600, &err), 0);
	ck_assert_int_eq(t_mode(t_path("f")), 0600);
	ck_assert_int_eq(t_count(t_dir), 3); /* pki, big, f: no temp */
	/* Its first half alone: a file under the template's name, filled in
	 * place, with the mode; in a missing directory, an error and none. */
	char tmpl[512];
	snprintf(tmpl, sizeof(tmpl), "%s", t_path("n.XXXXXX"));
	ck_assert_int_eq(file_write_new(tmpl, "n", "new", 3, 0600, &err), 0);
	ck_assert_ptr_null(strstr(tmpl, "XXXXXX"));
	ck_assert_int_eq(t_mode(tmpl), 0600);
	ck_assert_int_eq(t_count(t_dir), 4);
	snprintf(tmpl, sizeof(tmpl), "%s", t_path("nodir/n.XXXXXX"));
	sb_reset(&err);
	ck_assert_int_eq(file_write_new(tmpl, "n", "new", 3, 0600, &err), -1);
	ck_assert_str_eq(sb_str(&err),
	    "error: cannot create a file next to n: No such file or directory");
	ck_assert_int_eq(t_count(t_dir), 4);
	free(big);
	sb_free(&err);
}
END_TEST

START_TEST(test_ca_load_profiles)
{
	EVP_PKEY *k = t_key_ec();
	X509 *c = t_cert(k, "Root", NULL, NULL, -60, 86400, true, NULL);
	struct sb err;

	sb_init(&err);
	t_write_cert_pem(t_path("root.pem"), c);
	ck_assert_int_eq(
	    pki_ca_load(t_st, "ca1", t_path("root.pem"), NULL, &err), -1);
	ck_assert_str_eq(sb_str(&err),
	    "error: ca-profile ca1 is not "
	    "configured");
	t_profiles();
	ck_assert_ptr_nonnull(pki_store_ca_profile(t_st, "ca1"));
	sb_reset(&err);
	/* the preview checks and gives the certificate, stores nothing */
	X509 *seen = NULL;
	ck_assert_int_eq(
	    pki_ca_load(t_st, "ca1", t_path("root.pem"), &seen, &err), 0);
	ck_assert_ptr_nonnull(seen);
	ck_assert_int_eq(X509_cmp(seen, c), 0);
	X509_free(seen);
	ck_assert(!pki_has_ca_cert(t_st, "ca1"));
	ck_assert_int_eq(
	    pki_ca_load(t_st, "ca1", t_path("root.pem"), NULL, &err), 0);
	ck_assert_int_eq(
	    pki_ca_load(t_st, "ca1", t_path("root.pem"), NULL, &err), -1);
	ck_assert_str_eq(sb_str(&err),
	    "error: CA certificate for profile "
	    "ca1 already exists");
	ck_assert_int_eq(pki_ca_clear(t_st, "ca1", &err), 0);
	ck_assert(!pki_has_ca_cert(t_st, "ca1"));
	sb_reset(&err);
	ck_assert_int_eq(pki_ca_clear(t_st, "ca1", &err), -1);
	ck_assert_str_eq(sb_str(&err),
	    "error: CA certificate for profile "
	    "ca1 not found");
	X509_free(c);
	EVP_PKEY_free(k);
	sb_free(&err);
}
END_TEST

/* One name the library cannot take costs that profile only. */
START_TEST(test_profiles_bad_name)
{
	static const struct pki_ca_profile p[] = {
		{ .name = "good-1" },
		{ .name = "../bad" },
		{ .name = "good-2" },
	};

	ck_assert_uint_eq(pki_store_set_ca_profiles(t_st, p, 3), 1);
	ck_assert_ptr_nonnull(pki_store_ca_profile(t_st, "good-1"));
	ck_assert_ptr_nonnull(pki_store_ca_profile(t_st, "good-2"));
	ck_assert_ptr_null(pki_store_ca_profile(t_st, "../bad"));
	ck_assert_uint_eq(pki_store_set_ca_profiles(t_st, NULL, 0), 0);
	ck_assert_ptr_null(pki_store_ca_profile(t_st, "good-1"));
}
END_TEST

START_TEST(test_store_list_and_clear)
{
	struct sb err;
	char **names;

	sb_init(&err);
	ck_assert_int_eq(
	    pki_key_generate(t_st, "b", PKI_KEY_ECDSA, 0, &err), 0);
	ck_assert_int_eq(
	    pki_key_generate(t_st, "a", PKI_KEY_ECDSA, 0, &err), 0);
	names = pki_store_list(t_st, PKI_KIND_KEY);
	ck_assert_ptr_nonnull(names);
	ck_assert_str_eq(names[0], "a");
	ck_assert_str_eq(names[1], "b");
	ck_assert_ptr_null(names[2]);
	pki_names_free(names);
	ck_assert_int_eq(pki_key_clear(t_st, "a", &err), 0);
	ck_assert_int_eq(pki_key_clear(t_st, "a", &err), -1);
	ck_assert_str_eq(sb_str(&err), "error: key pair a not found");
	sb_free(&err);
}
END_TEST

Suite *
pki_store_suite(void)
{
	Suite *s = suite_create("pki-store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(
	    tc, test_names, 0, sizeof(name_cases) / sizeof(name_cases[0]));
	tcase_add_test(tc, test_keygen_modes);
	tcase_add_loop_test(tc, test_keygen_bad_size, 0,
	    sizeof(bad_sizes) / sizeof(bad_sizes[0]));
	tcase_add_test(tc, test_keygen_bad_name);
	tcase_add_test(tc, test_parse_cert_forms);
	tcase_add_test(tc, test_parse_key_forms);
	tcase_add_test(tc, test_parse_key_encrypted);
	tcase_add_test(tc, test_local_load_with_key);
	tcase_add_test(tc, test_local_load_failures);
	tcase_add_test(tc, test_unsupported_key_in_cert);
	tcase_add_loop_test(tc, test_load_refused, 0,
	    sizeof(load_cases) / sizeof(load_cases[0]));
	tcase_add_test(tc, test_file_limits);
	tcase_add_test(tc, test_ca_load_profiles);
	tcase_add_test(tc, test_profiles_bad_name);
	tcase_add_test(tc, test_store_list_and_clear);
	suite_add_tcase(s, tc);
	return s;
}
