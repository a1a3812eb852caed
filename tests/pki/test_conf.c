/*
 * test_conf: `security pki` configuration into CA profiles (pki_conf.h),
 * the one mapping mgd and the daemons share: each revocation-check form,
 * ca-identity, urls, inactive profiles; the commit check of use-ocsp; the
 * schema's refusal of a ca-profile name the library cannot take.
 */
#include <string.h>

#include "pki/pki_conf.h"
#include "schema/edit.h"
#include "schema/path.h"
#include "tests/pki/pki_test.h"

static struct schema *S;

static int
c_set(struct conf *c, const char *line, char *why, size_t whylen)
{
	struct path_err err;
	struct sb warn;
	int rc;

	sb_init(&err.msg);
	sb_init(&warn);
	err.tok = 0;
	err.at_end = false;
	rc = edit_apply_line(c, NULL, line, &err, &warn);
	snprintf(why, whylen, "%s", sb_str(&err.msg));
	sb_free(&err.msg);
	sb_free(&warn);
	return rc;
}

static struct conf *
c_new(const char *const *lines)
{
	struct conf *c = conf_new(S);
	char why[256];

	for (; *lines != NULL; lines++)
		ck_assert_msg(c_set(c, *lines, why, sizeof(why)) == 0, "%s: %s",
		    *lines, why);
	return c;
}

#define P "set security pki ca-profile "

START_TEST(test_mapping)
{
	static const char *const lines[] = {
		P "a ca-identity Root-A",
		P "a revocation-check use-crl",
		P "b revocation-check disable",
		P "c revocation-check crl url http://crl.example.net/c.crl",
		P "c enrollment url http://ca.example.net/scep",
		P "d",
		P "e revocation-check use-ocsp",
		P "f revocation-check use-crl",
		"deactivate security pki ca-profile f",
		NULL,
	};
	struct conf *c = c_new(lines);
	struct pki_ca_profile *v;
	size_t n;

	v = pki_conf_ca_profiles(conf_root(c), &n);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(v[0].name, "a");
	ck_assert_str_eq(v[0].ca_identity, "Root-A");
	ck_assert_int_eq(v[0].revocation, PKI_REVOCATION_CRL);
	ck_assert_int_eq(v[1].revocation, PKI_REVOCATION_DISABLE);
	ck_assert_ptr_null(v[1].ca_identity);
	ck_assert_int_eq(v[2].revocation, PKI_REVOCATION_CRL);
	ck_assert_str_eq(v[2].crl_url, "http://crl.example.net/c.crl");
	ck_assert_str_eq(v[2].enrollment_url, "http://ca.example.net/scep");
	ck_assert_int_eq(v[3].revocation, PKI_REVOCATION_DISABLE);
	ck_assert_int_eq(v[4].revocation, PKI_REVOCATION_OCSP);
	/* The store gets the same (mgd_pki_sync, keymgr's apply). */
	pki_conf_sync(t_st, conf_root(c));
	ck_assert_int_eq(
	    pki_store_ca_profile(t_st, "a")->revocation, PKI_REVOCATION_CRL);
	ck_assert_int_eq(
	    pki_store_ca_profile(t_st, "e")->revocation, PKI_REVOCATION_OCSP);
	ck_assert_ptr_null(pki_store_ca_profile(t_st, "f"));
	free(v);
	conf_free(c);
}
END_TEST

START_TEST(test_check_ocsp)
{
	static const char *const lines[] = {
		P "ok revocation-check use-crl",
		P "oc revocation-check use-ocsp",
		NULL,
	};
	struct conf *c = c_new(lines);
	struct verrs errs = { 0 };

	pki_conf_check(conf_root(c), &errs);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.v[0].edit,
	    "[edit security pki ca-profile oc revocation-check]");
	ck_assert_str_eq(errs.v[0].stmt, "use-ocsp");
	ck_assert_ptr_nonnull(strstr(errs.v[0].msg, "OCSP is not supported"));
	verrs_free(&errs);
	conf_free(c);
}
END_TEST

/* The schema takes only the names pki_name_is_valid() takes. */
static const struct {
	const char *name;
	bool ok;
} name_cases[] = {
	{ "Root-CA", true }, { "ca_1.x", true }, { "-bad", false },
	{ "a/b", false }, { "has space", false },
	{ "abcdefghijabcdefghijabcdefghijab", true },	/* 32 */
	{ "abcdefghijabcdefghijabcdefghijabc", false }, /* 33 */
};

START_TEST(test_schema_names)
{
	struct conf *c = conf_new(S);
	char line[128], why[256];
	int rc;

	snprintf(
	    line, sizeof(line), P "\"%s\" ca-identity x", name_cases[_i].name);
	rc = c_set(c, line, why, sizeof(why));
	ck_assert_msg((rc == 0) == name_cases[_i].ok, "%s: %s", line, why);
	ck_assert(pki_name_is_valid(name_cases[_i].name) == name_cases[_i].ok);
	conf_free(c);
}
END_TEST

static void
c_setup(void)
{
	t_setup();
	S = schema_new(NULL);
	ck_assert_ptr_nonnull(S);
}

static void
c_teardown(void)
{
	schema_free(S);
	S = NULL;
	t_teardown();
}

Suite *
pki_conf_suite(void)
{
	Suite *s = suite_create("pki-conf");
	TCase *tc = tcase_create("conf");

	tcase_add_checked_fixture(tc, c_setup, c_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_mapping);
	tcase_add_test(tc, test_check_ocsp);
	tcase_add_loop_test(tc, test_schema_names, 0,
	    sizeof(name_cases) / sizeof(name_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}
