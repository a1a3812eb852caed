/*
 * test_verify: CA and local certificate verification (success, unknown CA,
 * expired, not yet valid), CRL revocation through a use-crl CA profile,
 * chains with an intermediate, revocation per CA profile, IKE identity
 * matching (tables: ID payloads, Junos DN container | wildcard, SANs with
 * an embedded NUL), and the TLS material keymgr uses, through a handshake.
 */
#include <arpa/inet.h>

#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "pki/pki_int.h"
#include "pki/pki_verify.h"
#include "tests/pki/pki_test.h"

#define DAY 86400L

static EVP_PKEY *ca_key;
static X509 *ca_cert;

/* Profile ca1 (no revocation) trusts a root; key pair gw exists. */
static void
v_setup(void)
{
	struct sb err;

	t_setup();
	t_profiles();
	sb_init(&err);
	ca_key = t_key_ec();
	ca_cert =
	    t_cert(ca_key, "Root-CA", NULL, NULL, -DAY, 365 * DAY, true, NULL);
	t_write_cert_pem(t_path("root.pem"), ca_cert);
	ck_assert_int_eq(
	    pki_ca_load(t_st, "ca1", t_path("root.pem"), NULL, &err), 0);
	ck_assert_int_eq(
	    pki_key_generate(t_st, "gw", PKI_KEY_ECDSA, 0, &err), 0);
	sb_free(&err);
}

static void
v_teardown(void)
{
	X509_free(ca_cert);
	EVP_PKEY_free(ca_key);
	t_teardown();
}

/* A certificate for key pair gw, issued by ca, loaded as "gw". */
static X509 *
v_load_leaf(X509 *ca, EVP_PKEY *cakey, long nb, long na)
{
	struct sb err;
	EVP_PKEY *k;
	X509 *leaf;

	sb_init(&err);
	k = pki_local_key_get(t_st, "gw", &err);
	ck_assert_ptr_nonnull(k);
	leaf = t_cert(k, "gw.example.net", ca, cakey, nb, na, false, NULL);
	t_write_cert_pem(t_path("gw.pem"), leaf);
	/* A load refuses what is out of its dates; it got in before. */
	if (nb > 0 || na < 0)
		t_store_cert(PKI_KIND_CERT, "gw", leaf);
	else
		ck_assert_msg(pki_local_load(t_st, "gw", t_path("gw.pem"), NULL,
				  &err) == 0,
		    "%s", sb_str(&err));
	EVP_PKEY_free(k);
	sb_free(&err);
	return leaf;
}

START_TEST(test_ca_verify)
{
	struct sb err;

	sb_init(&err);
	ck_assert_msg(
	    pki_ca_verify(t_st, "ca1", &err) == 0, "%s", sb_str(&err));
	ck_assert_int_eq(pki_ca_verify(t_st, "ca2", &err), -1);
	ck_assert_str_eq(sb_str(&err),
	    "error: CA certificate ca2 doesn't "
	    "exist");
	sb_free(&err);
}
END_TEST

START_TEST(test_ca_verify_dates)
{
	EVP_PKEY *k = t_key_ec();
	X509 *old = t_cert(k, "Old", NULL, NULL, -10 * DAY, -DAY, true, NULL);
	X509 *young = t_cert(k, "Young", NULL, NULL, DAY, 10 * DAY, true, NULL);
	struct sb err;

	sb_init(&err);
	ck_assert_int_eq(pki_ca_clear(t_st, "ca1", &err), 0);
	t_store_cert(PKI_KIND_CA, "ca1", old);
	ck_assert_int_eq(pki_ca_verify(t_st, "ca1", &err), -1);
	ck_assert_str_eq(sb_str(&err),
	    "error: CA certificate ca1 "
	    "verification failed: certificate has expired");
	ck_assert_int_eq(pki_ca_clear(t_st, "ca1", &err), 0);
	t_store_cert(PKI_KIND_CA, "ca1", young);
	sb_reset(&err);
	ck_assert_int_eq(pki_ca_verify(t_st, "ca1", &err), -1);
	ck_assert_str_eq(
	    sb_str(&err), "error: CA certificate ca1 is not valid yet");
	X509_free(old);
	X509_free(young);
	EVP_PKEY_free(k);
	sb_free(&err);
}
END_TEST

START_TEST(test_local_verify_ok)
{
	X509 *leaf = v_load_leaf(ca_cert, ca_key, -60, 30 * DAY);
	struct sb err;

	sb_init(&err);
	ck_assert_msg(
	    pki_local_verify(t_st, "gw", &err) == 0, "%s", sb_str(&err));
	ck_assert_int_eq(pki_verify_cert(t_st, (const char *[]){ "ca1" }, 1,
			     leaf, NULL, &err),
	    0);
	ck_assert_int_eq(pki_local_verify(t_st, "nope", &err), -1);
	ck_assert_str_eq(sb_str(&err),
	    "error: Local certificate nope doesn't "
	    "exist");
	X509_free(leaf);
	sb_free(&err);
}
END_TEST

/* Expired, not yet valid, and issued by a CA nobody trusts. */
static const struct {
	long nb, na;
	bool foreign;
	const char *want;
} leaf_cases[] = {
	{ -10 * DAY, -DAY, false,
	    "error: Local certificate gw verification "
	    "failed: certificate has expired" },
	{ DAY, 10 * DAY, false,
	    "error: Local certificate gw is not valid "
	    "yet" },
	{ -60, DAY, true,
	    "error: Local certificate gw verification failed: "
	    "unable to get local issuer certificate" },
};

START_TEST(test_local_verify_fail)
{
	EVP_PKEY *k2 = t_key_ec();
	X509 *ca2 = t_cert(k2, "Other-CA", NULL, NULL, -DAY, DAY, true, NULL);
	X509 *leaf;
	struct sb err;

	sb_init(&err);
	leaf = leaf_cases[_i].foreign
	    ? v_load_leaf(ca2, k2, leaf_cases[_i].nb, leaf_cases[_i].na)
	    : v_load_leaf(
		  ca_cert, ca_key, leaf_cases[_i].nb, leaf_cases[_i].na);
	ck_assert_int_eq(pki_local_verify(t_st, "gw", &err), -1);
	ck_assert_str_eq(sb_str(&err), leaf_cases[_i].want);
	X509_free(leaf);
	X509_free(ca2);
	EVP_PKEY_free(k2);
	sb_free(&err);
}
END_TEST

/* Profile ca2 is use-crl: no CRL fails, a clean CRL passes, a revocation fails.
 */
START_TEST(test_crl)
{
	EVP_PKEY *k2 = t_key_ec();
	X509 *ca2 =
	    t_cert(k2, "CRL-CA", NULL, NULL, -DAY, 365 * DAY, true, NULL);
	X509_CRL *clean = t_crl(ca2, k2, NULL), *foreign;
	X509_CRL *revoking;
	X509 *leaf;
	struct sb err;

	sb_init(&err);
	t_write_cert_pem(t_path("ca2.pem"), ca2);
	ck_assert_int_eq(
	    pki_ca_load(t_st, "ca2", t_path("ca2.pem"), NULL, &err), 0);
	/* The root itself needs no CRL to be verified. */
	ck_assert_msg(
	    pki_ca_verify(t_st, "ca2", &err) == 0, "%s", sb_str(&err));
	leaf = v_load_leaf(ca2, k2, -60, DAY);
	ck_assert_int_eq(pki_local_verify(t_st, "gw", &err), -1);
	ck_assert_str_eq(sb_str(&err),
	    "error: Local certificate gw "
	    "verification failed: unable to get certificate CRL");
	/* A CRL signed by someone else is refused at load. */
	foreign = t_crl(ca_cert, ca_key, NULL);
	t_write_crl_pem(t_path("foreign.crl"), foreign);
	sb_reset(&err);
	ck_assert_int_eq(
	    pki_crl_load(t_st, "ca2", t_path("foreign.crl"), &err), -1);
	ck_assert_str_eq(sb_str(&err),
	    "error: the CRL is not signed by the "
	    "CA of profile ca2");
	ck_assert_int_eq(
	    pki_crl_load(t_st, "ca2", t_path("root.pem"), &err), -1);
	t_write_crl_pem(t_path("clean.crl"), clean);
	ck_assert_int_eq(
	    pki_crl_load(t_st, "ca2", t_path("clean.crl"), &err), 0);
	sb_reset(&err);
	ck_assert_msg(
	    pki_local_verify(t_st, "gw", &err) == 0, "%s", sb_str(&err));
	revoking = t_crl(ca2, k2, leaf);
	t_write_crl_pem(t_path("rev.crl"), revoking);
	ck_assert_int_eq(pki_crl_load(t_st, "ca2", t_path("rev.crl"), &err), 0);
	ck_assert_int_eq(pki_local_verify(t_st, "gw", &err), -1);
	ck_assert_str_eq(sb_str(&err),
	    "error: Local certificate gw "
	    "verification failed: certificate revoked");
	/* The trust store for iked/keymgr carries the CRL too. */
	{
		X509_STORE *xs = pki_trust_store_new(
		    t_st, (const char *[]){ "ca2" }, 1, &err);
		X509_STORE_CTX *ctx = X509_STORE_CTX_new();

		ck_assert_ptr_nonnull(xs);
		X509_STORE_CTX_init(ctx, xs, leaf, NULL);
		ck_assert_int_ne(X509_verify_cert(ctx), 1);
		ck_assert_int_eq(
		    X509_STORE_CTX_get_error(ctx), X509_V_ERR_CERT_REVOKED);
		X509_STORE_CTX_free(ctx);
		X509_STORE_free(xs);
	}
	X509_free(leaf);
	X509_free(ca2);
	X509_CRL_free(clean);
	X509_CRL_free(foreign);
	X509_CRL_free(revoking);
	EVP_PKEY_free(k2);
	sb_free(&err);
}
END_TEST

/*
 * Profiles ca1 (revocation-check disable) and ca2 (use-crl, no CRL loaded)
 * trusted together: each certificate is judged by its own profile.
 */
START_TEST(test_crl_mixed_profiles)
{
	const char *both[] = { "ca1", "ca2" };
	EVP_PKEY *k2 = t_key_ec(), *lk = t_key_ec();
	X509 *ca2 =
	    t_cert(k2, "CRL-CA", NULL, NULL, -DAY, 365 * DAY, true, NULL);
	X509 *leaf1 =
	    t_cert(lk, "under-ca1", ca_cert, ca_key, -60, DAY, false, NULL);
	X509 *leaf2 = t_cert(lk, "under-ca2", ca2, k2, -60, DAY, false, NULL);
	X509 *sub = t_cert(lk, "Sub-CA", ca_cert, ca_key, -60, DAY, true, NULL);
	X509 *leaf3 = t_cert(k2, "under-sub", sub, lk, -60, DAY, false, NULL);
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509_CRL *clean = t_crl(ca2, k2, NULL), *rev = t_crl(ca2, k2, leaf2);
	struct sb err;

	sb_init(&err);
	t_write_cert_pem(t_path("ca2.pem"), ca2);
	ck_assert_int_eq(
	    pki_ca_load(t_st, "ca2", t_path("ca2.pem"), NULL, &err), 0);
	ck_assert_msg(pki_verify_cert(t_st, both, 2, leaf1, NULL, &err) == 0,
	    "%s", sb_str(&err));
	/* A peer's intermediate below ca1 goes by ca1 too. */
	sk_X509_push(chain, sub);
	ck_assert_msg(pki_verify_cert(t_st, both, 2, leaf3, chain, &err) == 0,
	    "%s", sb_str(&err));
	ck_assert_int_eq(pki_verify_cert(t_st, both, 2, leaf2, NULL, &err), -1);
	ck_assert_str_eq(sb_str(&err), "unable to get certificate CRL");
	t_write_crl_pem(t_path("clean.crl"), clean);
	ck_assert_int_eq(
	    pki_crl_load(t_st, "ca2", t_path("clean.crl"), &err), 0);
	sb_reset(&err);
	ck_assert_msg(pki_verify_cert(t_st, both, 2, leaf2, NULL, &err) == 0,
	    "%s", sb_str(&err));
	t_write_crl_pem(t_path("rev.crl"), rev);
	ck_assert_int_eq(pki_crl_load(t_st, "ca2", t_path("rev.crl"), &err), 0);
	ck_assert_int_eq(pki_verify_cert(t_st, both, 2, leaf2, NULL, &err), -1);
	ck_assert_str_eq(sb_str(&err), "certificate revoked");
	sb_reset(&err);
	ck_assert_msg(pki_verify_cert(t_st, NULL, 0, leaf1, NULL, &err) == 0,
	    "%s", sb_str(&err));
	sk_X509_free(chain);
	X509_CRL_free(clean);
	X509_CRL_free(rev);
	X509_free(leaf1);
	X509_free(leaf2);
	X509_free(leaf3);
	X509_free(sub);
	X509_free(ca2);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(lk);
	sb_free(&err);
}
END_TEST

/* use-ocsp is not supported: refused, never taken for "disable". */
START_TEST(test_ocsp_fails_closed)
{
	static const struct pki_ca_profile p = { .name = "ca1",
		.revocation = PKI_REVOCATION_OCSP };
	X509 *leaf = v_load_leaf(ca_cert, ca_key, -60, DAY);
	struct sb err;

	sb_init(&err);
	ck_assert_uint_eq(pki_store_set_ca_profiles(t_st, &p, 1), 0);
	ck_assert_int_eq(pki_local_verify(t_st, "gw", &err), -1);
	ck_assert_str_eq(sb_str(&err),
	    "error: Local certificate gw "
	    "verification failed: ca-profile ca1: revocation-check use-ocsp "
	    "is not supported");
	sb_reset(&err);
	ck_assert_ptr_null(
	    pki_trust_store_new(t_st, (const char *[]){ "ca1" }, 1, &err));
	ck_assert_ptr_nonnull(strstr(sb_str(&err), "use-ocsp"));
	X509_free(leaf);
	sb_free(&err);
}
END_TEST

START_TEST(test_chain_intermediate)
{
	EVP_PKEY *ik = t_key_ec(), *lk = t_key_ec();
	X509 *inter =
	    t_cert(ik, "Sub-CA", ca_cert, ca_key, -DAY, DAY, true, NULL);
	X509 *leaf = t_cert(lk, "peer", inter, ik, -60, DAY, false, NULL);
	STACK_OF(X509) *chain = sk_X509_new_null();
	struct sb err;

	sb_init(&err);
	ck_assert_int_eq(pki_verify_cert(t_st, NULL, 0, leaf, NULL, &err), -1);
	ck_assert_str_eq(sb_str(&err),
	    "unable to get local issuer "
	    "certificate");
	sk_X509_push(chain, inter);
	sb_reset(&err);
	ck_assert_msg(pki_verify_cert(t_st, (const char *[]){ "ca1" }, 1, leaf,
			  chain, &err) == 0,
	    "%s", sb_str(&err));
	/* An unknown profile is an error, not an empty trust. */
	ck_assert_int_eq(pki_verify_cert(t_st, (const char *[]){ "ca2" }, 1,
			     leaf, chain, &err),
	    -1);
	sk_X509_free(chain);
	X509_free(leaf);
	X509_free(inter);
	EVP_PKEY_free(ik);
	EVP_PKEY_free(lk);
	sb_free(&err);
}
END_TEST

/* RFC 7296 3.5 identities against one certificate. */
static const struct {
	enum pki_id_type type;
	const char *text; /* for addresses: inet_pton text */
	bool want;
} id_cases[] = {
	{ PKI_ID_FQDN, "gw.example.net", true },
	{ PKI_ID_FQDN, "GW.Example.NET", true },
	{ PKI_ID_FQDN, "gw.example.ne", false },
	{ PKI_ID_FQDN, "other.example.net", false },
	{ PKI_ID_RFC822, "ops@example.net", true },
	{ PKI_ID_RFC822, "OPS@EXAMPLE.NET", true },
	{ PKI_ID_RFC822, "ops@example.org", false },
	{ PKI_ID_IPV4_ADDR, "192.0.2.1", true },
	{ PKI_ID_IPV4_ADDR, "192.0.2.2", false },
	{ PKI_ID_IPV6_ADDR, "2001:db8::1", true },
	{ PKI_ID_IPV6_ADDR, "2001:db8::2", false },
	{ PKI_ID_DN_TEXT, "C=US,O=qsafe,CN=gw.example.net", true },
	{ PKI_ID_DN_TEXT, "C=US, O=qsafe, CN=GW.example.net", true },
	{ PKI_ID_DN_TEXT, "C=US,O=qsafe,CN=other", false },
	{ PKI_ID_DN_TEXT, "CN=gw.example.net,O=qsafe,C=US", false },
	{ PKI_ID_DN_TEXT, "not a dn", false },
	{ PKI_ID_DER_DN, NULL, true }, /* the subject's own DER */
};

START_TEST(test_identity)
{
	EVP_PKEY *k = t_key_ec();
	X509 *c = t_cert(k, "gw.example.net", NULL, NULL, -60, DAY, false,
	    "DNS:gw.example.net,email:ops@example.net,IP:192.0.2.1,"
	    "IP:2001:db8::1");
	uint8_t addr[16];
	unsigned char *der = NULL;
	const char *t = id_cases[_i].text;
	bool got;
	int n;

	switch (id_cases[_i].type) {
	case PKI_ID_IPV4_ADDR:
		ck_assert_int_eq(inet_pton(AF_INET, t, addr), 1);
		got = pki_cert_has_identity(c, id_cases[_i].type, addr, 4);
		break;
	case PKI_ID_IPV6_ADDR:
		ck_assert_int_eq(inet_pton(AF_INET6, t, addr), 1);
		got = pki_cert_has_identity(c, id_cases[_i].type, addr, 16);
		break;
	case PKI_ID_DER_DN:
		n = i2d_X509_NAME(X509_get_subject_name(c), &der);
		got = pki_cert_has_identity(c, PKI_ID_DER_DN, der, (size_t)n);
		/* and a truncated DER never matches */
		ck_assert(!pki_cert_has_identity(
		    c, PKI_ID_DER_DN, der, (size_t)n - 1));
		OPENSSL_free(der);
		break;
	default:
		got = pki_cert_has_identity(
		    c, id_cases[_i].type, (const uint8_t *)t, strlen(t));
		break;
	}
	ck_assert_msg(got == id_cases[_i].want, "identity case %d (%s %s)", _i,
	    pki_id_type_name(id_cases[_i].type), t ? t : "der");
	X509_free(c);
	EVP_PKEY_free(k);
}
END_TEST

/* Junos remote-identity distinguished-name container | wildcard. */
static const struct {
	enum pki_dn_match how;
	const char *dn;
	bool want;
} dn_cases[] = {
	{ PKI_DN_EXACT, "C=us, ST=ca, L=sunnyvale, O=juniper, OU=sales, CN=bob",
	    true },
	{ PKI_DN_EXACT, "C=us, ST=ca, L=sunnyvale, O=juniper, OU=sales",
	    false },
	{ PKI_DN_CONTAINER, "C=us, ST=ca, L=sunnyvale, O=juniper", true },
	{ PKI_DN_CONTAINER, "O=juniper, OU=sales, CN=bob", true },
	{ PKI_DN_CONTAINER, "O=JUNIPER,OU=Sales", true },
	{ PKI_DN_CONTAINER,
	    "C=us, ST=ca, L=sunnyvale, O=juniper, OU=sales, "
	    "CN=bob",
	    true },
	{ PKI_DN_CONTAINER, "OU=sales, O=juniper", false }, /* order */
	{ PKI_DN_CONTAINER, "C=us, O=juniper", false },	    /* a gap */
	{ PKI_DN_CONTAINER, "O=juniper, OU=marketing", false },
	{ PKI_DN_CONTAINER, "O=juniper, OU=sales, CN=bob, CN=x", false },
	{ PKI_DN_WILDCARD, "CN=bob, O=juniper", true },
	{ PKI_DN_WILDCARD, "OU=sales, C=us, CN=bob", true },
	{ PKI_DN_WILDCARD, "CN=BOB", true },
	{ PKI_DN_WILDCARD, "CN=alice, O=juniper", false },
	{ PKI_DN_WILDCARD, "CN=bob, CN=bob", false }, /* one CN only */
	{ PKI_DN_WILDCARD, "DC=juniper", false },
	{ PKI_DN_WILDCARD, "not a dn", false },
	{ PKI_DN_CONTAINER, "", false },
};

START_TEST(test_dn_match)
{
	EVP_PKEY *k = t_key_ec();
	X509 *c = t_cert(k, "x", NULL, NULL, -60, DAY, false, NULL);
	struct sb err;
	X509_NAME *dn;

	sb_init(&err);
	dn = pki_dn_parse("C=us, ST=ca, L=sunnyvale, O=juniper, OU=sales, "
			  "CN=bob",
	    true, &err);
	ck_assert_ptr_nonnull(dn);
	X509_set_subject_name(c, dn);
	ck_assert(pki_cert_dn_matches(c, dn_cases[_i].how, dn_cases[_i].dn) ==
	    dn_cases[_i].want);
	ck_assert(!pki_cert_dn_matches(c, dn_cases[_i].how, NULL));
	X509_NAME_free(dn);
	X509_free(c);
	EVP_PKEY_free(k);
	sb_free(&err);
}
END_TEST

/* A SAN with an embedded NUL matches only all of itself. */
START_TEST(test_san_embedded_nul)
{
	static const char san[] = "gw.example.net\0a.evil";
	static const char other[] = "gw.example.net\0b.evil";
	EVP_PKEY *k = t_key_ec();
	X509 *c = t_cert(k, "x", NULL, NULL, -60, DAY, false, NULL);
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_IA5STRING *s = ASN1_IA5STRING_new();

	ck_assert_int_eq(ASN1_STRING_set(s, san, sizeof(san) - 1), 1);
	GENERAL_NAME_set0_value(g, GEN_DNS, s);
	sk_GENERAL_NAME_push(gens, g);
	ck_assert_int_eq(X509_add1_ext_i2d(c, NID_subject_alt_name, gens, 0,
			     X509V3_ADD_DEFAULT),
	    1);
	GENERAL_NAMES_free(gens);
	ck_assert(pki_cert_has_identity(
	    c, PKI_ID_FQDN, (const uint8_t *)san, sizeof(san) - 1));
	ck_assert(pki_cert_has_identity(c, PKI_ID_FQDN,
	    (const uint8_t *)"GW.EXAMPLE.NET\0A.EVIL", sizeof(san) - 1));
	ck_assert(!pki_cert_has_identity(
	    c, PKI_ID_FQDN, (const uint8_t *)other, sizeof(other) - 1));
	ck_assert(!pki_cert_has_identity(
	    c, PKI_ID_FQDN, (const uint8_t *)"gw.example.net", 14));
	X509_free(c);
	EVP_PKEY_free(k);
}
END_TEST

/*
 * A TLS handshake in memory (a BIO pair, no network): client ctx against a
 * server with cert/key.  Returns the client's verify result, or -1 when the
 * handshake failed for another reason.
 */
static long
v_handshake(SSL_CTX *cctx, X509 *cert, EVP_PKEY *key)
{
	SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
	SSL *c, *s;
	BIO *cb, *sb;
	long res = -1;
	int i, rc_c = 0, rc_s = 0;

	ck_assert_int_eq(SSL_CTX_use_certificate(sctx, cert), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey(sctx, key), 1);
	c = SSL_new(cctx);
	s = SSL_new(sctx);
	ck_assert_int_eq(BIO_new_bio_pair(&cb, 0, &sb, 0), 1);
	SSL_set_bio(c, cb, cb);
	SSL_set_bio(s, sb, sb);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	for (i = 0; i < 20 && (rc_c != 1 || rc_s != 1); i++) {
		if (rc_c != 1)
			rc_c = SSL_do_handshake(c);
		if (rc_s != 1)
			rc_s = SSL_do_handshake(s);
		if (rc_c <= 0 && SSL_get_error(c, rc_c) != SSL_ERROR_WANT_READ)
			break;
	}
	res = SSL_get_verify_result(c);
	if (rc_c != 1 && res == X509_V_OK)
		res = -1;
	ERR_clear_error();
	SSL_free(c);
	SSL_free(s);
	SSL_CTX_free(sctx);
	return res;
}

START_TEST(test_tls_material)
{
	const char *both[] = { "ca1", "ca2" };
	X509 *leaf = v_load_leaf(ca_cert, ca_key, -60, DAY);
	EVP_PKEY *k2 = t_key_ec(), *sk = t_key_ec();
	X509 *ca2 =
	    t_cert(k2, "CRL-CA", NULL, NULL, -DAY, 365 * DAY, true, NULL);
	X509 *kme1 = t_cert(sk, "kme1", ca_cert, ca_key, -60, DAY, false, NULL);
	X509 *kme2 = t_cert(sk, "kme2", ca2, k2, -60, DAY, false, NULL);
	X509_CRL *rev = t_crl(ca2, k2, kme2);
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	struct pki_tls *t;
	char d1[80];
	struct sb err;

	sb_init(&err);
	t_write_cert_pem(t_path("ca2.pem"), ca2);
	ck_assert_int_eq(
	    pki_ca_load(t_st, "ca2", t_path("ca2.pem"), NULL, &err), 0);
	ck_assert_ptr_null(pki_tls_new(t_st, "none", both, 2, &err));
	ck_assert_str_eq(sb_str(&err), "error: certificate-id none not found");
	sb_reset(&err);
	ck_assert_ptr_null(
	    pki_tls_new(t_st, "gw", (const char *[]){ "x" }, 1, &err));
	ck_assert_str_eq(sb_str(&err),
	    "error: CA certificate for profile x "
	    "not found");
	ck_assert_msg(pki_ssl_ctx_setup(t_st, ctx, "gw", both, 2, &err) == 0,
	    "%s", sb_str(&err));
	ck_assert_int_eq(X509_cmp(SSL_CTX_get0_certificate(ctx), leaf), 0);
	ck_assert_int_eq(
	    SSL_CTX_get_verify_mode(ctx) & SSL_VERIFY_PEER, SSL_VERIFY_PEER);
	/* ca1 has revocation disabled: no CRL needed for its KME. */
	ck_assert_int_eq(v_handshake(ctx, kme1, sk), X509_V_OK);
	/* ca2 uses CRLs and has none loaded. */
	ck_assert_int_eq(
	    v_handshake(ctx, kme2, sk), X509_V_ERR_UNABLE_TO_GET_CRL);
	SSL_CTX_free(ctx);
	/* The same through pki_tls, with the CRL revoking kme2. */
	t = pki_tls_new(t_st, "gw", both, 2, &err);
	ck_assert_ptr_nonnull(t);
	snprintf(d1, sizeof(d1), "%s", pki_tls_digest(t));
	ck_assert_uint_eq(strlen(d1), 64);
	pki_tls_free(t);
	t_write_crl_pem(t_path("rev.crl"), rev);
	ck_assert_int_eq(pki_crl_load(t_st, "ca2", t_path("rev.crl"), &err), 0);
	t = pki_tls_new(t_st, "gw", both, 2, &err);
	ck_assert_str_ne(pki_tls_digest(t), d1);
	ctx = SSL_CTX_new(TLS_client_method());
	ck_assert_int_eq(pki_tls_ssl_ctx(t, ctx), 0);
	ck_assert_int_eq(v_handshake(ctx, kme2, sk), X509_V_ERR_CERT_REVOKED);
	ck_assert_int_eq(v_handshake(ctx, kme1, sk), X509_V_OK);
	SSL_CTX_free(ctx);
	pki_tls_free(t);
	X509_CRL_free(rev);
	X509_free(kme1);
	X509_free(kme2);
	X509_free(ca2);
	X509_free(leaf);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(sk);
	sb_free(&err);
}
END_TEST

Suite *
pki_verify_suite(void)
{
	Suite *s = suite_create("pki-verify");
	TCase *tc = tcase_create("verify");
	TCase *id = tcase_create("identity");

	tcase_add_checked_fixture(tc, v_setup, v_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ca_verify);
	tcase_add_test(tc, test_ca_verify_dates);
	tcase_add_test(tc, test_local_verify_ok);
	tcase_add_loop_test(tc, test_local_verify_fail, 0,
	    sizeof(leaf_cases) / sizeof(leaf_cases[0]));
	tcase_add_test(tc, test_crl);
	tcase_add_test(tc, test_crl_mixed_profiles);
	tcase_add_test(tc, test_ocsp_fails_closed);
	tcase_add_test(tc, test_chain_intermediate);
	tcase_add_test(tc, test_tls_material);
	suite_add_tcase(s, tc);
	tcase_add_loop_test(
	    id, test_identity, 0, sizeof(id_cases) / sizeof(id_cases[0]));
	tcase_add_loop_test(
	    id, test_dn_match, 0, sizeof(dn_cases) / sizeof(dn_cases[0]));
	tcase_add_test(id, test_san_embedded_nul);
	suite_add_tcase(s, id);
	return s;
}
