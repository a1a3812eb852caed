/*
 * pki_test: fixtures and certificate factories for the pki tests, and the
 * main() that runs every pki suite.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "lib/log.h"
#include "pki/pki_rpc.h"
#include "tests/pki/pki_test.h"
#include "tests/lib/check_main.h"

struct pki_store *t_st;
char t_dir[256];

void
t_setup(void)
{
	struct sb err;
	char store[300];

	snprintf(t_dir, sizeof(t_dir), "/tmp/qsafe-pki-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t_dir));
	snprintf(store, sizeof(store), "%s/pki", t_dir);
	sb_init(&err);
	t_st = pki_store_new(store, &err);
	ck_assert_msg(t_st != NULL, "%s", sb_str(&err));
	sb_free(&err);
}

static int
t_rm(const char *path, const struct stat *sbuf, int flag, struct FTW *ftw)
{
	return remove(path);
}

void
t_teardown(void)
{
	pki_store_free(t_st);
	t_st = NULL;
	if (t_dir[0] != '\0')
		nftw(t_dir, t_rm, 16, FTW_DEPTH | FTW_PHYS);
	t_dir[0] = '\0';
}

const char *
t_path(const char *name)
{
	static char buf[4][512];
	static int next;
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", t_dir, name);
	return b;
}

EVP_PKEY *
t_key_ec(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	ck_assert_ptr_nonnull(k);
	return k;
}

EVP_PKEY *
t_key_rsa(int bits)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);

	ck_assert_ptr_nonnull(k);
	return k;
}

static void
t_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ck_assert_ptr_nonnull(ext);
	ck_assert_int_eq(X509_add_ext(cert, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

X509 *
t_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey, long nb,
    long na, bool ca, const char *san)
{
	static long serial = 1000;
	X509 *c = X509_new();
	X509_NAME *dn = X509_NAME_new();

	ck_assert_ptr_nonnull(c);
	X509_set_version(c, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(c), serial++);
	X509_gmtime_adj(X509_getm_notBefore(c), nb);
	X509_gmtime_adj(X509_getm_notAfter(c), na);
	X509_NAME_add_entry_by_txt(
	    dn, "C", MBSTRING_ASC, (const unsigned char *)"US", -1, -1, 0);
	X509_NAME_add_entry_by_txt(
	    dn, "O", MBSTRING_ASC, (const unsigned char *)"qsafe", -1, -1, 0);
	X509_NAME_add_entry_by_txt(
	    dn, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(c, dn);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : dn);
	X509_NAME_free(dn);
	X509_set_pubkey(c, key);
	t_ext(c, issuer ? issuer : c, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "CA:FALSE");
	if (ca)
		t_ext(c, c, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (san != NULL)
		t_ext(c, c, NID_subject_alt_name, san);
	ck_assert_int_gt(X509_sign(c, ikey ? ikey : key, EVP_sha256()), 0);
	return c;
}

X509_CRL *
t_crl(X509 *ca, EVP_PKEY *cakey, X509 *rev)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();

	ck_assert_ptr_nonnull(crl);
	X509_CRL_set_version(crl, X509_CRL_VERSION_2);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca));
	X509_gmtime_adj(t, -3600);
	X509_CRL_set1_lastUpdate(crl, t);
	X509_gmtime_adj(t, 86400);
	X509_CRL_set1_nextUpdate(crl, t);
	if (rev != NULL) {
		X509_REVOKED *r = X509_REVOKED_new();

		X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(rev));
		X509_gmtime_adj(t, -60);
		X509_REVOKED_set_revocationDate(r, t);
		X509_CRL_add0_revoked(crl, r);
	}
	ASN1_TIME_free(t);
	X509_CRL_sort(crl);
	ck_assert_int_gt(X509_CRL_sign(crl, cakey, EVP_sha256()), 0);
	return crl;
}

void
t_write(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	fclose(f);
}

void
t_write_cert_pem(const char *path, X509 *cert)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	PEM_write_X509(f, cert);
	fclose(f);
}

void
t_write_cert_der(const char *path, X509 *cert)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	i2d_X509_fp(f, cert);
	fclose(f);
}

void
t_write_key_pem(const char *path, EVP_PKEY *key)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
}

void
t_write_crl_pem(const char *path, X509_CRL *crl)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	PEM_write_X509_CRL(f, crl);
	fclose(f);
}

void
t_store_cert(const char *kind, const char *name, X509 *cert)
{
	char *path = pki_store_path(t_st, kind, name);

	t_write_cert_pem(path, cert);
	free(path);
}

int
t_mode(const char *path)
{
	struct stat sbuf;

	if (stat(path, &sbuf) == -1)
		return -1;
	return (int)(sbuf.st_mode & 07777);
}

int
t_count(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

json_t *
t_rpc(const char *rpc, const char *input, struct sb *err)
{
	json_error_t jerr;
	json_t *in = input ? json_loads(input, 0, &jerr) : NULL;
	json_t *out;

	if (input != NULL)
		ck_assert_msg(in != NULL, "bad test JSON: %s", jerr.text);
	sb_reset(err);
	out = pki_rpc(t_st, rpc, in, err);
	json_decref(in);
	return out;
}

void
t_profiles(void)
{
	static const struct pki_ca_profile p[] = {
		{ .name = "ca1",
		    .ca_identity = "Root-CA",
		    .revocation = PKI_REVOCATION_DISABLE },
		{ .name = "ca2", .revocation = PKI_REVOCATION_CRL },
	};

	ck_assert_int_eq(pki_store_set_ca_profiles(t_st, p, 2), 0);
}

int
main(void)
{
	log_init("test_pki", stderr);
	log_set_level(LOG_LVL_WARN);
	return check_main(0, pki_store_suite(), pki_verify_suite(),
	    pki_rpc_suite(), pki_render_suite(), pki_conf_suite(), NULL);
}
