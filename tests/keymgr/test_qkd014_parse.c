/*
 * test_qkd014_parse: the ETSI GS QKD 014 reply parsers over vector tables,
 * plus a truncation and bit-flip loop over the valid replies (no crash, no
 * success on garbage that changes a key's length).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "keymgr/qkd014.h"
#include "tests/lib/check_main.h"

/* 32 bytes 0x00..0x1f, and 8 bytes 0xff. */
#define K256 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define K64 "//////////8="
#define ID1 "bc490419-7d60-487f-adc1-4ddcc177c139"
#define ID2 "16fb8915-e50e-4212-8c34-a4b780297f8f"

static const struct {
	const char *body;
	size_t number;
	unsigned size;
	enum qkd_err code;
} keys_vec[] = {
	/* ETSI GS QKD 014 6.3 */
	{ "{\"keys\":[{\"key_ID\":\"" ID1 "\",\"key\":\"" K256 "\"}]}", 1, 256,
	    QKD_OK },
	{ "{\"keys\":[{\"key_ID\":\"" ID1 "\",\"key\":\"" K256 "\","
	  "\"key_ID_extension\":{},\"key_extension\":{\"a\":1}},"
	  "{\"key_ID\":\"" ID2 "\",\"key\":\"" K256 "\"}],"
	  "\"key_container_extension\":{}}",
	    2, 256, QKD_OK },
	{ "{\"keys\":[{\"key_ID\":\"" ID1 "\",\"key\":\"" K64 "\"}]}", 1, 0,
	    QKD_OK },
	{ " {\"keys\":[{\"key\":\"" K64 "\",\"key_ID\":\"x\"}]}\n", 0, 64,
	    QKD_OK },
	/* types */
	{ "{\"keys\":[{\"key_ID\":1,\"key\":\"" K256 "\"}]}", 1, 256,
	    QKD_ERR_BAD_REPLY },
	{ "{\"keys\":[{\"key_ID\":\"" ID1 "\",\"key\":[]}]}", 1, 256,
	    QKD_ERR_BAD_REPLY },
	{ "{\"keys\":[{\"key_ID\":\"" ID1 "\"}]}", 1, 256, QKD_ERR_BAD_REPLY },
	{ "{\"keys\":[{\"key_ID\":\"a b\",\"key\":\"" K256 "\"}]}", 1, 256,
	    QKD_ERR_BAD_REPLY },
	{ "{\"keys\":[{\"key_ID\":\"\",\"key\":\"" K256 "\"}]}", 1, 256,
	    QKD_ERR_BAD_REPLY },
	{ "{\"keys\":{}}", 1, 256, QKD_ERR_BAD_REPLY },
	{ "{\"keys\":[1]}", 1, 256, QKD_ERR_BAD_REPLY },
	{ "{}", 1, 256, QKD_ERR_BAD_REPLY },
	{ "[]", 1, 256, QKD_ERR_BAD_REPLY },
	{ "{\"keys\":[],\"keys\":[]}", 1, 256, QKD_ERR_BAD_JSON },
	/* counts */
	{ "{\"keys\":[]}", 1, 256, QKD_ERR_SHORT },
	{ "{\"keys\":[]}", 0, 256, QKD_ERR_SHORT },
	{ "{\"keys\":[{\"key_ID\":\"" ID1 "\",\"key\":\"" K256 "\"}]}", 2, 256,
	    QKD_ERR_SHORT },
	{ "{\"keys\":[{\"key_ID\":\"a\",\"key\":\"" K256 "\"},"
	  "{\"key_ID\":\"b\",\"key\":\"" K256 "\"}]}",
	    1, 256, QKD_ERR_BAD_REPLY },
	/* sizes */
	{ "{\"keys\":[{\"key_ID\":\"" ID1 "\",\"key\":\"" K64 "\"}]}", 1, 256,
	    QKD_ERR_KEY_SIZE },
	{ "{\"keys\":[{\"key_ID\":\"a\",\"key\":\"" K256 "\"},"
	  "{\"key_ID\":\"b\",\"key\":\"" K64 "\"}]}",
	    2, 0, QKD_ERR_KEY_SIZE },
	{ "{\"keys\":[{\"key_ID\":\"" ID1 "\",\"key\":\"\"}]}", 1, 0,
	    QKD_ERR_BAD_KEY },
	/* base64 */
	{ "{\"keys\":[{\"key_ID\":\"a\",\"key\":\"//////////8\"}]}", 1, 64,
	    QKD_ERR_BAD_KEY },
	{ "{\"keys\":[{\"key_ID\":\"a\",\"key\":\"__________8=\"}]}", 1, 64,
	    QKD_ERR_BAD_KEY },
	{ "{\"keys\":[{\"key_ID\":\"a\",\"key\":\"//////////9=\"}]}", 1, 64,
	    QKD_ERR_BAD_KEY },
	{ "{\"keys\":[{\"key_ID\":\"a\",\"key\":\"////// ////8=\"}]}", 1, 64,
	    QKD_ERR_BAD_KEY },
	{ "{\"keys\":[{\"key_ID\":\"a\",\"key\":\"///=//////8=\"}]}", 1, 64,
	    QKD_ERR_BAD_KEY },
	{ "{\"keys\":[{\"key_ID\":\"a\",\"key\":\"//////////8=\\n\"}]}", 1, 64,
	    QKD_ERR_BAD_KEY },
	/* not JSON */
	{ "<html><body>500</body></html>", 1, 256, QKD_ERR_BAD_JSON },
	{ "", 1, 256, QKD_ERR_BAD_JSON },
	{ "{\"keys\":[{\"key_ID\":\"a\",\"key\":\"" K256, 1, 256,
	    QKD_ERR_BAD_JSON },
};

START_TEST(test_keys)
{
	struct qkd_keys *ks;
	struct qkd_error err = { 0 };
	const char *b = keys_vec[_i].body;

	ks = qkd_parse_keys(
	    b, strlen(b), keys_vec[_i].number, keys_vec[_i].size, &err);
	if (keys_vec[_i].code == QKD_OK) {
		ck_assert_msg(ks != NULL, "vector %d: %s", _i, err.reason);
		ck_assert_uint_ge(ks->count, 1);
	} else {
		ck_assert_ptr_null(ks);
		ck_assert_msg(err.code == keys_vec[_i].code,
		    "vector %d: got %s (%s)", _i, qkd_err_name(err.code),
		    err.reason);
	}
	qkd_keys_free(ks);
}
END_TEST

START_TEST(test_key_bytes)
{
	const char *b =
	    "{\"keys\":[{\"key_ID\":\"" ID1 "\",\"key\":\"" K256 "\"}]}";
	struct qkd_error err;
	struct qkd_keys *ks;
	unsigned char want[32];
	int i;

	for (i = 0; i < 32; i++)
		want[i] = (unsigned char)i;
	/* Not NUL-terminated: the parser must respect len. */
	ks = qkd_parse_keys(b, strlen(b), 1, 256, &err);
	ck_assert_ptr_nonnull(ks);
	ck_assert_str_eq(ks->keys[0].key_id, ID1);
	ck_assert_uint_eq(ks->keys[0].len, 32);
	ck_assert_mem_eq(ks->keys[0].key, want, 32);
	qkd_keys_free(ks);
	ck_assert_ptr_null(qkd_parse_keys(b, strlen(b) - 1, 1, 256, &err));
	ck_assert_int_eq(err.code, QKD_ERR_BAD_JSON);
}
END_TEST

#define STATUS_OK \
	"{\"source_KME_ID\":\"A\",\"target_KME_ID\":\"B\"," \
	"\"master_SAE_ID\":\"SAE_A\",\"slave_SAE_ID\":\"SAE_B\"," \
	"\"key_size\":352,\"stored_key_count\":25000," \
	"\"max_key_count\":100000,\"max_key_per_request\":128," \
	"\"max_key_size\":1024,\"min_key_size\":64,\"max_SAE_ID_count\":0"

static const struct {
	const char *body;
	enum qkd_err code;
} status_vec[] = {
	{ STATUS_OK "}", QKD_OK },
	{ STATUS_OK ",\"status_extension\":{\"x\":1}}", QKD_OK },
	{ "{\"source_KME_ID\":\"A\"}", QKD_ERR_BAD_REPLY },
	{ "{\"source_KME_ID\":\"A\",\"target_KME_ID\":\"B\","
	  "\"master_SAE_ID\":\"SAE_A\",\"slave_SAE_ID\":\"SAE_B\","
	  "\"key_size\":\"352\",\"stored_key_count\":25000,"
	  "\"max_key_count\":100000,\"max_key_per_request\":128,"
	  "\"max_key_size\":1024,\"min_key_size\":64,"
	  "\"max_SAE_ID_count\":0}",
	    QKD_ERR_BAD_REPLY },
	{ "{\"source_KME_ID\":7,\"target_KME_ID\":\"B\"}", QKD_ERR_BAD_REPLY },
	{ "{\"source_KME_ID\":\"A\",\"target_KME_ID\":\"B\","
	  "\"master_SAE_ID\":\"SAE_A\",\"slave_SAE_ID\":\"SAE_B\","
	  "\"key_size\":352.5,\"stored_key_count\":25000,"
	  "\"max_key_count\":100000,\"max_key_per_request\":128,"
	  "\"max_key_size\":1024,\"min_key_size\":64,"
	  "\"max_SAE_ID_count\":0}",
	    QKD_ERR_BAD_REPLY },
	{ "{\"source_KME_ID\":\"A\",\"target_KME_ID\":\"B\","
	  "\"master_SAE_ID\":\"SAE_A\",\"slave_SAE_ID\":\"SAE_B\","
	  "\"key_size\":352,\"stored_key_count\":-1,"
	  "\"max_key_count\":100000,\"max_key_per_request\":128,"
	  "\"max_key_size\":1024,\"min_key_size\":64,"
	  "\"max_SAE_ID_count\":0}",
	    QKD_ERR_BAD_REPLY },
	{ "{\"source_KME_ID\":\"A\",\"target_KME_ID\":\"B\","
	  "\"master_SAE_ID\":\"SAE_A\",\"slave_SAE_ID\":\"SAE_B\","
	  "\"key_size\":352,\"stored_key_count\":1,"
	  "\"max_key_count\":100000,\"max_key_per_request\":128,"
	  "\"max_key_size\":64,\"min_key_size\":1024,"
	  "\"max_SAE_ID_count\":0}",
	    QKD_ERR_BAD_REPLY },
	{ "Service Unavailable", QKD_ERR_BAD_JSON },
};

START_TEST(test_status)
{
	struct qkd_status st;
	struct qkd_error err = { 0 };
	const char *b = status_vec[_i].body;
	int rc;

	rc = qkd_parse_status(b, strlen(b), &st, &err);
	if (status_vec[_i].code == QKD_OK) {
		ck_assert_msg(rc == 0, "vector %d: %s", _i, err.reason);
		ck_assert_int_eq(st.key_size, 352);
		ck_assert_int_eq(st.stored_key_count, 25000);
		ck_assert_str_eq(st.slave_sae_id, "SAE_B");
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_msg(err.code == status_vec[_i].code,
		    "vector %d: got %s", _i, qkd_err_name(err.code));
	}
}
END_TEST

START_TEST(test_error_object)
{
	char out[QKD_REASON_MAX];
	const char *b;

	/* ETSI GS QKD 014 6.5 example */
	b = "{\"message\":\"not all extension_mandatory parameters are "
	    "supported\",\"details\":[{\"extension_mandatory_unsupported\":"
	    "\"abc_route_type is not supported\"}]}";
	qkd_parse_error(b, strlen(b), out, sizeof(out));
	ck_assert_str_eq(out,
	    "not all extension_mandatory parameters are "
	    "supported; details: [{\"extension_mandatory_unsupported\":"
	    "\"abc_route_type is not supported\"}]");
	b = "{\"message\":\"key data access error\"}";
	qkd_parse_error(b, strlen(b), out, sizeof(out));
	ck_assert_str_eq(out, "key data access error");
	b = "<html><title>401 Authorization Required</title></html>";
	qkd_parse_error(b, strlen(b), out, sizeof(out));
	ck_assert_str_eq(out, "no ETSI error object (non-JSON body, 54 bytes)");
	qkd_parse_error("", 0, out, sizeof(out));
	ck_assert_str_eq(out, "empty body");
	b = "{\"message\":\"a\\u0001b\\nc\"}";
	qkd_parse_error(b, strlen(b), out, 4);
	ck_assert_str_eq(out, "a?b");
	b = "{\"msg\":\"x\"}";
	qkd_parse_error(b, strlen(b), out, sizeof(out));
	ck_assert_str_eq(out, "no ETSI error object (JSON body, 11 bytes)");
}
END_TEST

START_TEST(test_b64)
{
	unsigned char out[8];

	ck_assert_int_eq(qkd_b64_decode("QQ==", 4, out, sizeof(out)), 1);
	ck_assert_int_eq(out[0], 'A');
	ck_assert_int_eq(qkd_b64_decode("QUI=", 4, out, sizeof(out)), 2);
	ck_assert_int_eq(qkd_b64_decode("QUJD", 4, out, sizeof(out)), 3);
	ck_assert_int_eq(qkd_b64_decode("QUJD", 4, out, 2), -1);
	ck_assert_int_eq(qkd_b64_decode("QR==", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(qkd_b64_decode("Q===", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(qkd_b64_decode("====", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(qkd_b64_decode("QUJ", 3, out, sizeof(out)), -1);
	ck_assert_int_eq(qkd_b64_decode("", 0, out, sizeof(out)), -1);
	ck_assert_int_eq(qkd_b64_decode("QU-D", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(qkd_b64_decode("Q=JD", 4, out, sizeof(out)), -1);
}
END_TEST

/* Every prefix and every single-bit flip of valid replies. */
START_TEST(test_mutations)
{
	const char *b = keys_vec[1].body;
	size_t len = strlen(b), i;
	struct qkd_error err;
	struct qkd_keys *ks;
	struct qkd_status st;
	char *m = malloc(len);
	int bit;

	for (i = 0; i < len; i++) {
		ks = qkd_parse_keys(b, i, 2, 256, &err);
		ck_assert_ptr_null(ks);
	}
	for (i = 0; i < len; i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(m, b, len);
			m[i] ^= (char)(1 << bit);
			ks = qkd_parse_keys(m, len, 2, 256, &err);
			if (ks != NULL) {
				ck_assert_uint_eq(ks->count, 2);
				ck_assert_uint_eq(ks->keys[0].len, 32);
				ck_assert_uint_eq(ks->keys[1].len, 32);
			}
			qkd_keys_free(ks);
			(void)qkd_parse_status(m, len, &st, &err);
		}
	free(m);
}
END_TEST

static Suite *
parse_suite(void)
{
	Suite *s = suite_create("qkd014-parse");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(
	    tc, test_keys, 0, sizeof(keys_vec) / sizeof(keys_vec[0]));
	tcase_add_test(tc, test_key_bytes);
	tcase_add_loop_test(
	    tc, test_status, 0, sizeof(status_vec) / sizeof(status_vec[0]));
	tcase_add_test(tc, test_error_object);
	tcase_add_test(tc, test_b64);
	tcase_add_test(tc, test_mutations);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(0, parse_suite(), NULL);
}
