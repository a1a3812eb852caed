/*
 * test_qkd014: the ETSI GS QKD 014 client against kme-sim over loopback
 * with mutual TLS.  One kme-sim serves the suite: KME A (SAE_A), KME B
 * (SAE_B, SAE_C) and KME F (SAE_F), whose faults each test sets at run time
 * through /sim/v1/faults.  A second kme-sim checks faults given on the
 * command line and a clean stop on SIGTERM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <check.h>
#include <jansson.h>

#include "keymgr/qkd014.h"
#include "tests/keymgr/kme_harness.h"
#include "tests/lib/check_main.h"

static char certdir[256];
static struct kme_harness sim;

static void
live_setup(void)
{
	static const char *const args[] = { "--kme", "A=127.0.0.1:0:SAE_A",
		"--kme", "B=127.0.0.1:0:SAE_B,SAE_C", "--kme",
		"F=127.0.0.1:0:SAE_F", NULL };

	ck_assert_int_eq(
	    kmeh_certs(certdir, sizeof(certdir), "SAE_A SAE_B SAE_C SAE_F"), 0);
	ck_assert_int_eq(kmeh_start(&sim, certdir, args), 0);
	ck_assert_int_gt(kmeh_port(&sim, "F"), 0);
}

static void
live_teardown(void)
{
	int st = kmeh_stop(&sim);

	kmeh_rmdir(certdir);
	ck_assert_int_eq(st, 0); /* kme-sim stopped cleanly */
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
assert_same_keys(const struct qkd_keys *a, const struct qkd_keys *b)
{
	size_t i;

	ck_assert_uint_eq(a->count, b->count);
	for (i = 0; i < a->count; i++) {
		ck_assert_str_eq(a->keys[i].key_id, b->keys[i].key_id);
		ck_assert_uint_eq(a->keys[i].len, b->keys[i].len);
		ck_assert_mem_eq(
		    a->keys[i].key, b->keys[i].key, a->keys[i].len);
	}
}

START_TEST(test_status)
{
	struct qkd_client *qc = kmeh_client(&sim, "A", "sae-SAE_A", NULL, 0);
	struct qkd_status st;
	struct qkd_error err;

	ck_assert_ptr_nonnull(qc);
	ck_assert_int_eq(qkd_get_status(qc, "SAE_B", &st, &err), 0);
	ck_assert_str_eq(st.source_kme_id, "A");
	ck_assert_str_eq(st.target_kme_id, "B");
	ck_assert_str_eq(st.master_sae_id, "SAE_A");
	ck_assert_str_eq(st.slave_sae_id, "SAE_B");
	ck_assert_int_eq(st.key_size, 256);
	ck_assert_int_eq(st.max_key_per_request, 128);
	ck_assert_int_eq(st.min_key_size, 64);
	ck_assert_int_eq(st.max_key_size, 1024);
	ck_assert_int_eq(st.max_key_count, 100000);
	ck_assert_int_eq(st.max_sae_id_count, 0);
	ck_assert_int_gt(st.stored_key_count, 0);
	qkd_client_free(qc);
}
END_TEST

/* Master gets keys from KME A, slave the same keys by ID from KME B. */
static void
roundtrip(
    unsigned number, unsigned size, enum qkd_method em, enum qkd_method dm)
{
	struct qkd_client *qa = kmeh_client(&sim, "A", "sae-SAE_A", NULL, 0);
	struct qkd_client *qb = kmeh_client(&sim, "B", "sae-SAE_B", NULL, 0);
	struct qkd_keys *enc, *dec, *one;
	const char *ids[16];
	struct qkd_error err;
	unsigned i;

	ck_assert_ptr_nonnull(qa);
	ck_assert_ptr_nonnull(qb);
	enc = qkd_get_key(qa, "SAE_B", number, size, em, &err);
	ck_assert_msg(enc != NULL, "%s", err.reason);
	ck_assert_uint_eq(enc->count, number);
	for (i = 0; i < number; i++) {
		ck_assert_uint_eq(enc->keys[i].len, (size ? size : 256) / 8);
		ck_assert_uint_eq(strlen(enc->keys[i].key_id), 36);
	}
	if (dm == QKD_METHOD_GET) {
		for (i = 0; i < number; i++) {
			ids[0] = enc->keys[i].key_id;
			one = qkd_get_key_with_key_ids(
			    qb, "SAE_A", ids, 1, size, dm, &err);
			ck_assert_msg(one != NULL, "%s", err.reason);
			ck_assert_mem_eq(one->keys[0].key, enc->keys[i].key,
			    enc->keys[i].len);
			qkd_keys_free(one);
		}
	} else {
		/* Ask in reverse order: the reply comes in ours. */
		for (i = 0; i < number; i++)
			ids[i] = enc->keys[number - 1 - i].key_id;
		dec = qkd_get_key_with_key_ids(
		    qb, "SAE_A", ids, number, size, dm, &err);
		ck_assert_msg(dec != NULL, "%s", err.reason);
		for (i = 0; i < number; i++) {
			ck_assert_str_eq(dec->keys[i].key_id, ids[i]);
			ck_assert_mem_eq(dec->keys[i].key,
			    enc->keys[number - 1 - i].key, dec->keys[i].len);
		}
		qkd_keys_free(dec);
	}
	qkd_keys_free(enc);
	qkd_client_free(qa);
	qkd_client_free(qb);
}

START_TEST(test_get_get)
{
	roundtrip(1, 256, QKD_METHOD_GET, QKD_METHOD_GET);
	roundtrip(3, 512, QKD_METHOD_GET, QKD_METHOD_GET);
}
END_TEST

START_TEST(test_post_post)
{
	roundtrip(5, 256, QKD_METHOD_POST, QKD_METHOD_POST);
	roundtrip(16, 1024, QKD_METHOD_POST, QKD_METHOD_POST);
}
END_TEST

START_TEST(test_mixed_default_size)
{
	roundtrip(2, 0, QKD_METHOD_POST, QKD_METHOD_GET);
	roundtrip(2, 0, QKD_METHOD_GET, QKD_METHOD_POST);
}
END_TEST

/* Keys are one-shot (default), and only the named slave may have them. */
START_TEST(test_once_and_401)
{
	struct qkd_client *qa = kmeh_client(&sim, "A", "sae-SAE_A", NULL, 0);
	struct qkd_client *qb = kmeh_client(&sim, "B", "sae-SAE_B", NULL, 0);
	struct qkd_client *qc = kmeh_client(&sim, "B", "sae-SAE_C", NULL, 0);
	struct qkd_client *qab = kmeh_client(&sim, "B", "sae-SAE_A", NULL, 0);
	struct qkd_keys *enc, *dec;
	struct qkd_error err;
	const char *id;

	enc = qkd_get_key(qa, "SAE_B", 1, 256, QKD_METHOD_GET, &err);
	ck_assert_ptr_nonnull(enc);
	id = enc->keys[0].key_id;
	/* SAE_C asks for SAE_B's key. */
	dec = qkd_get_key_with_key_ids(
	    qc, "SAE_A", &id, 1, 256, QKD_METHOD_POST, &err);
	ck_assert_ptr_null(dec);
	ck_assert_int_eq(err.code, QKD_ERR_HTTP_401);
	ck_assert_int_eq(err.http_status, 401);
	ck_assert_ptr_nonnull(strstr(err.reason, "not the slave"));
	/* SAE_A asks a KME it is not attached to. */
	dec = qkd_get_key_with_key_ids(
	    qab, "SAE_A", &id, 1, 256, QKD_METHOD_GET, &err);
	ck_assert_ptr_null(dec);
	ck_assert_int_eq(err.code, QKD_ERR_HTTP_401);
	/* The slave gets it once ... */
	dec = qkd_get_key_with_key_ids(
	    qb, "SAE_A", &id, 1, 256, QKD_METHOD_GET, &err);
	ck_assert_ptr_nonnull(dec);
	qkd_keys_free(dec);
	/* ... and not twice. */
	dec = qkd_get_key_with_key_ids(
	    qb, "SAE_A", &id, 1, 256, QKD_METHOD_GET, &err);
	ck_assert_ptr_null(dec);
	ck_assert_int_eq(err.code, QKD_ERR_HTTP_400);
	qkd_keys_free(enc);
	qkd_client_free(qa);
	qkd_client_free(qb);
	qkd_client_free(qc);
	qkd_client_free(qab);
}
END_TEST

START_TEST(test_bad_requests)
{
	struct qkd_client *qa = kmeh_client(&sim, "A", "sae-SAE_A", NULL, 0);
	const char *ids[2] = { "a", "b" };
	struct qkd_error err;

	/* Refused by the KME: 400 with its ETSI error message. */
	ck_assert_ptr_null(
	    qkd_get_key(qa, "SAE_B", 200, 256, QKD_METHOD_GET, &err));
	ck_assert_int_eq(err.code, QKD_ERR_HTTP_400);
	ck_assert_ptr_nonnull(strstr(err.reason, "number must be"));
	ck_assert_ptr_null(
	    qkd_get_key(qa, "SAE_B", 1, 2048, QKD_METHOD_POST, &err));
	ck_assert_int_eq(err.code, QKD_ERR_HTTP_400);
	ck_assert_ptr_null(
	    qkd_get_key(qa, "NOBODY", 1, 256, QKD_METHOD_GET, &err));
	ck_assert_int_eq(err.code, QKD_ERR_HTTP_400);
	/* Refused before sending. */
	ck_assert_ptr_null(
	    qkd_get_key(qa, "SAE_B", 1, 100, QKD_METHOD_GET, &err));
	ck_assert_int_eq(err.code, QKD_ERR_ARG);
	ck_assert_ptr_null(
	    qkd_get_key(qa, "SAE B", 1, 256, QKD_METHOD_GET, &err));
	ck_assert_int_eq(err.code, QKD_ERR_ARG);
	ck_assert_ptr_null(qkd_get_key_with_key_ids(
	    qa, "SAE_B", ids, 2, 0, QKD_METHOD_GET, &err));
	ck_assert_int_eq(err.code, QKD_ERR_ARG);
	qkd_client_free(qa);
}
END_TEST

/*
 * The same key_ID twice in one dec_keys: 400 with an ETSI error object, and
 * the key is still there for a proper request (it used to be removed from
 * the pool twice: a use after free in kme-sim).
 */
START_TEST(test_dec_keys_duplicate_id)
{
	struct qkd_client *qa = kmeh_client(&sim, "A", "sae-SAE_A", NULL, 0);
	struct qkd_client *qb = kmeh_client(&sim, "B", "sae-SAE_B", NULL, 0);
	struct qkd_keys *enc, *dec;
	struct qkd_error err;
	char body[512], out[1024];
	const char *id;
	json_t *root;

	enc = qkd_get_key(qa, "SAE_B", 1, 256, QKD_METHOD_POST, &err);
	ck_assert_msg(enc != NULL, "%s", err.reason);
	id = enc->keys[0].key_id;
	snprintf(body, sizeof(body),
	    "{\"key_IDs\":[{\"key_ID\":\"%s\"},"
	    "{\"key_ID\":\"%s\"}]}",
	    id, id);
	ck_assert_int_eq(
	    kmeh_http(&sim, "B", "sae-SAE_B", NULL,
		"/api/v1/keys/SAE_A/dec_keys", body, out, sizeof(out)),
	    400);
	root = json_loads(out, 0, NULL);
	ck_assert_msg(root != NULL, "not JSON: %s", out);
	ck_assert_ptr_nonnull(
	    strstr(json_string_value(json_object_get(root, "message")),
		"requested twice"));
	ck_assert(json_is_array(json_object_get(root, "details")));
	json_decref(root);
	/* kme-sim is alive and the key was not consumed. */
	dec = qkd_get_key_with_key_ids(
	    qb, "SAE_A", &id, 1, 256, QKD_METHOD_POST, &err);
	ck_assert_msg(dec != NULL, "%s", err.reason);
	assert_same_keys(enc, dec);
	qkd_keys_free(dec);
	qkd_keys_free(enc);
	qkd_client_free(qa);
	qkd_client_free(qb);
}
END_TEST

/* An ETSI GS QKD 014 6.5 error object whose message has want in it. */
static json_t *
assert_error_object(const char *body, const char *want)
{
	json_t *root = json_loads(body, 0, NULL);

	ck_assert_msg(json_is_object(root), "not an error object: %s", body);
	ck_assert_msg(json_is_string(json_object_get(root, "message")) &&
		strstr(json_string_value(json_object_get(root, "message")),
		    want) != NULL,
	    "no '%s' in %s", want, body);
	return root;
}

/* Every error of kme-sim is JSON, 405 for the wrong method. */
static const struct {
	const char *method; /* NULL: GET, or POST with a body */
	const char *path;
	const char *body;
	int status;
	const char *message;
} http_vec[] = {
	{ "PUT", "/api/v1/keys/SAE_B/enc_keys", "{}", 405, "method PUT" },
	{ "DELETE", "/api/v1/keys/SAE_B/dec_keys", NULL, 405, "method DELETE" },
	{ NULL, "/api/v1/keys/SAE_B/status", "{}", 405, "method POST" },
	{ "PATCH", "/api/v1/keys/SAE_B/status", NULL, 405, "(GET)" },
	{ NULL, "/api/v1/keys/SAE_B/nothing", NULL, 404, "no such resource" },
	{ NULL, "/sim/v1/nothing", NULL, 404, "no such control resource" },
	{ NULL, "/sim/v1/faults", "no-such-fault", 400, "bad fault list" },
	{ "PUT", "/sim/v1/faults", "none", 405, "method PUT" },
	{ "DELETE", "/sim/v1/stats", NULL, 405, "(GET)" },
};

START_TEST(test_http_errors)
{
	char out[1024];

	ck_assert_int_eq(
	    kmeh_http(&sim, "A", "sae-SAE_A", http_vec[_i].method,
		http_vec[_i].path, http_vec[_i].body, out, sizeof(out)),
	    http_vec[_i].status);
	json_decref(assert_error_object(out, http_vec[_i].message));
}
END_TEST

/*
 * ETSI GS QKD 014 6.2: additional_slave_SAE_IDs beyond max_SAE_ID_count
 * (0 here: no key multicast) and any extension_mandatory are 400, each
 * with details that say which; extension_optional is ignored.
 */
START_TEST(test_key_request_extensions)
{
	char out[1024];
	json_t *root, *d;

	ck_assert_int_eq(
	    kmeh_http(&sim, "A", "sae-SAE_A", NULL,
		"/api/v1/keys/SAE_B/enc_keys",
		"{\"number\":1,\"additional_slave_SAE_IDs\":[\"SAE_C\"]}", out,
		sizeof(out)),
	    400);
	root = assert_error_object(out,
	    "1 additional_slave_SAE_IDs, more than"
	    " max_SAE_ID_count 0");
	d = json_array_get(json_object_get(root, "details"), 0);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(d, "max_SAE_ID_count")), 0);
	json_decref(root);
	ck_assert_int_eq(kmeh_http(&sim, "A", "sae-SAE_A", NULL,
			     "/api/v1/keys/SAE_B/enc_keys",
			     "{\"extension_mandatory\":"
			     "[{\"abc_route_type\":\"direct\"}]}",
			     out, sizeof(out)),
	    400);
	root = assert_error_object(out, "not all extension_mandatory");
	d = json_array_get(json_object_get(root, "details"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(
			     d, "extension_mandatory_unsupported")),
	    "abc_route_type is not supported");
	json_decref(root);
	ck_assert_int_eq(kmeh_http(&sim, "A", "sae-SAE_A", NULL,
			     "/api/v1/keys/SAE_B/enc_keys",
			     "{\"additional_slave_SAE_IDs\":"
			     "\"SAE_C\"}",
			     out, sizeof(out)),
	    400);
	json_decref(assert_error_object(out, "must be arrays"));
	ck_assert_int_eq(
	    kmeh_http(&sim, "A", "sae-SAE_A", NULL,
		"/api/v1/keys/SAE_B/enc_keys",
		"{\"additional_slave_SAE_IDs\":[],"
		"\"extension_optional\":[{\"abc_max_age\":30000}]}",
		out, sizeof(out)),
	    200);
}
END_TEST

/* One connection and one handshake for many keys. */
START_TEST(test_reuse)
{
	struct qkd_client *qa = kmeh_client(&sim, "A", "sae-SAE_A", NULL, 0);
	struct qkd_client_stats st;
	struct qkd_keys *ks;
	struct qkd_error err;
	long c0, h0, c1, h1;
	int i;

	c0 = kmeh_stat(&sim, "A", "sae-SAE_A", "connections");
	h0 = kmeh_stat(&sim, "A", "sae-SAE_A", "handshakes");
	for (i = 0; i < 50; i++) {
		ks = qkd_get_key(qa, "SAE_B", 1, 256,
		    i % 2 ? QKD_METHOD_POST : QKD_METHOD_GET, &err);
		ck_assert_msg(ks != NULL, "%s", err.reason);
		qkd_keys_free(ks);
	}
	qkd_client_stats(qa, &st);
	ck_assert_uint_eq(st.connects, 1);
	ck_assert_uint_eq(st.requests, 50);
	ck_assert_uint_eq(st.keys, 50);
	c1 = kmeh_stat(&sim, "A", "sae-SAE_A", "connections");
	h1 = kmeh_stat(&sim, "A", "sae-SAE_A", "handshakes");
	/*
	 * Each kmeh_stat is a connection of its own: between c0 and c1 the
	 * ones of h0 and c1, between h0 and h1 those of c1 and h1.  Anything
	 * beyond 2 is the client's: exactly one.
	 */
	ck_assert_int_eq(c1 - c0, 2 + 1);
	ck_assert_int_eq(h1 - h0, 2 + 1);
	qkd_client_free(qa);
}
END_TEST

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(65536);

	ck_assert_ptr_nonnull(f);
	*len = fread(buf, 1, 65536, f);
	fclose(f);
	return buf;
}

START_TEST(test_blob)
{
	struct qkd_client_config cfg;
	struct qkd_client *qc;
	struct qkd_status st;
	struct qkd_error err;
	char url[64], ca[512], path[512];
	char *cert, *key;
	size_t certlen, keylen;

	snprintf(path, sizeof(path), "%s/sae-SAE_A.pem", certdir);
	cert = slurp(path, &certlen);
	snprintf(path, sizeof(path), "%s/sae-SAE_A.key", certdir);
	key = slurp(path, &keylen);
	snprintf(
	    url, sizeof(url), "https://localhost:%d/", kmeh_port(&sim, "A"));
	snprintf(ca, sizeof(ca), "%s/ca.pem", certdir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.base_url = url;
	cfg.ca_file = ca;
	cfg.cert_blob = cert;
	cfg.key_blob = key;
	cfg.cert_blob_len = certlen;
	cfg.key_blob_len = keylen;
	qc = qkd_client_new(&cfg, &err);
	ck_assert_ptr_nonnull(qc);
	memset(key, 0, cfg.key_blob_len); /* the client keeps its copy */
	free(key);
	free(cert);
	ck_assert_msg(
	    qkd_get_status(qc, "SAE_B", &st, &err) == 0, "%s", err.reason);
	ck_assert_str_eq(st.master_sae_id, "SAE_A");
	qkd_client_free(qc);
}
END_TEST

/* TLS failures: each a distinct code, never an HTTP status. */
static const struct {
	const char *cert; /* client certificate prefix */
	const char *ca;	  /* what the client trusts */
	enum qkd_err code;
} tls_vec[] = {
	{ "rogue-SAE_A", NULL, QKD_ERR_TLS_REJECTED }, /* unknown CA */
	{ "sae-SAE_A-expired", NULL, QKD_ERR_TLS_REJECTED },
	{ "sae-SAE_A", "rogue-ca", QKD_ERR_TLS_KME_UNTRUSTED },
	{ "sae-NOBODY", NULL, QKD_ERR_TLS_LOCAL }, /* no such file */
};

START_TEST(test_tls)
{
	struct qkd_client *qc;
	struct qkd_status st;
	struct qkd_error err;

	qc = kmeh_client(&sim, "A", tls_vec[_i].cert, tls_vec[_i].ca, 3000);
	ck_assert_ptr_nonnull(qc);
	ck_assert_int_eq(qkd_get_status(qc, "SAE_B", &st, &err), -1);
	ck_assert_msg(err.code == tls_vec[_i].code, "%s: got %s (%s)",
	    tls_vec[_i].cert, qkd_err_name(err.code), err.reason);
	ck_assert_int_eq(err.http_status, 0);
	qkd_client_free(qc);
}
END_TEST

START_TEST(test_connect_refused)
{
	struct qkd_client_config cfg = { 0 };
	struct qkd_client *qc;
	struct qkd_status st;
	struct qkd_error err;
	char ca[512], cert[512], key[512];

	snprintf(ca, sizeof(ca), "%s/ca.pem", certdir);
	snprintf(cert, sizeof(cert), "%s/sae-SAE_A.pem", certdir);
	snprintf(key, sizeof(key), "%s/sae-SAE_A.key", certdir);
	cfg.base_url = "https://127.0.0.1:1";
	cfg.ca_file = ca;
	cfg.cert_file = cert;
	cfg.key_file = key;
	qc = qkd_client_new(&cfg, &err);
	ck_assert_ptr_nonnull(qc);
	ck_assert_int_eq(qkd_get_status(qc, "SAE_B", &st, &err), -1);
	ck_assert_int_eq(err.code, QKD_ERR_CONNECT);
	qkd_client_free(qc);
	cfg.base_url = "http://127.0.0.1:1";
	ck_assert_ptr_null(qkd_client_new(&cfg, &err));
	ck_assert_int_eq(err.code, QKD_ERR_ARG);
}
END_TEST

/* Faults of KME F; SAE_F is the master, SAE_B the slave. */
static const struct {
	const char *faults;
	unsigned number;
	enum qkd_err code;
	const char *reason; /* a substring of err.reason, or NULL */
} fault_vec[] = {
	{ "unavailable", 1, QKD_ERR_HTTP_503, "key data access error" },
	{ "unavailable,html", 1, QKD_ERR_HTTP_503, "non-JSON" },
	{ "exhaust", 1, QKD_ERR_HTTP_503, "no keys stored" },
	{ "malformed", 2, QKD_ERR_BAD_JSON, NULL },
	{ "short", 3, QKD_ERR_SHORT, "2 keys of 3" },
	{ "short", 1, QKD_ERR_SHORT, NULL },
	{ "wrong-size", 2, QKD_ERR_KEY_SIZE, "248 bits" },
	{ "bad-base64", 1, QKD_ERR_BAD_KEY, NULL },
	{ "huge", 1, QKD_ERR_TOO_LARGE, NULL },
	{ "latency=3000", 1, QKD_ERR_TIMEOUT, NULL },
	{ "latency=50", 1, QKD_OK, NULL },
	{ "many", 1, QKD_OK, NULL },
};

START_TEST(test_faults)
{
	struct qkd_client *qc = kmeh_client(&sim, "F", "sae-SAE_F", NULL, 800);
	struct qkd_keys *ks;
	struct qkd_error err;
	enum qkd_method m = _i % 2 ? QKD_METHOD_POST : QKD_METHOD_GET;
	char out[256];
	double t0, dt;

	ck_assert_int_eq(kmeh_ctl(&sim, "F", "sae-SAE_F", "faults",
			     fault_vec[_i].faults, out, sizeof(out)),
	    200);
	t0 = now_ms();
	ks = qkd_get_key(qc, "SAE_B", fault_vec[_i].number, 256, m, &err);
	dt = now_ms() - t0;
	ck_assert_msg(err.code == fault_vec[_i].code, "%s: got %s (%s)",
	    fault_vec[_i].faults, qkd_err_name(err.code), err.reason);
	ck_assert_int_eq(ks == NULL, fault_vec[_i].code != QKD_OK);
	if (fault_vec[_i].reason != NULL)
		ck_assert_msg(strstr(err.reason, fault_vec[_i].reason) != NULL,
		    "%s: reason \"%s\"", fault_vec[_i].faults, err.reason);
	ck_assert_double_lt(dt, 2000); /* the timeout bounds every call */
	qkd_keys_free(ks);
	/* The same client works again once the fault is gone. */
	ck_assert_int_eq(kmeh_ctl(&sim, "F", "sae-SAE_F", "faults", "none", out,
			     sizeof(out)),
	    200);
	ks = qkd_get_key(qc, "SAE_B", 1, 256, m, &err);
	ck_assert_msg(
	    ks != NULL, "after %s: %s", fault_vec[_i].faults, err.reason);
	qkd_keys_free(ks);
	qkd_client_free(qc);
}
END_TEST

/* exhaust shows in the status; `many` lets the slave fetch a key twice. */
START_TEST(test_exhaust_status_and_many)
{
	struct qkd_client *qf = kmeh_client(&sim, "F", "sae-SAE_F", NULL, 0);
	struct qkd_client *qa = kmeh_client(&sim, "A", "sae-SAE_A", NULL, 0);
	struct qkd_keys *enc, *d1, *d2;
	struct qkd_status st;
	struct qkd_error err;
	const char *id;
	char out[256];

	kmeh_ctl(&sim, "F", "sae-SAE_F", "faults", "exhaust", out, sizeof(out));
	ck_assert_int_eq(qkd_get_status(qf, "SAE_A", &st, &err), 0);
	ck_assert_int_eq(st.stored_key_count, 0);
	kmeh_ctl(&sim, "F", "sae-SAE_F", "faults", "many", out, sizeof(out));
	ck_assert_str_eq(out, "{\"kme\":\"F\",\"faults\":\"many\"}");
	enc = qkd_get_key(qa, "SAE_F", 1, 256, QKD_METHOD_GET, &err);
	ck_assert_ptr_nonnull(enc);
	id = enc->keys[0].key_id;
	d1 = qkd_get_key_with_key_ids(
	    qf, "SAE_A", &id, 1, 0, QKD_METHOD_GET, &err);
	d2 = qkd_get_key_with_key_ids(
	    qf, "SAE_A", &id, 1, 0, QKD_METHOD_POST, &err);
	ck_assert_ptr_nonnull(d1);
	ck_assert_ptr_nonnull(d2);
	assert_same_keys(d1, d2);
	assert_same_keys(enc, d1);
	kmeh_ctl(&sim, "F", "sae-SAE_F", "faults", "none", out, sizeof(out));
	qkd_keys_free(enc);
	qkd_keys_free(d1);
	qkd_keys_free(d2);
	qkd_client_free(qf);
	qkd_client_free(qa);
}
END_TEST

/*
 * A KME that closes the connection after every reply: the client connects
 * again and resumes its TLS session (kme-sim counts resumptions) instead of
 * a full handshake with its certificates.
 */
START_TEST(test_session_resumption)
{
	struct qkd_client *qc = kmeh_client(&sim, "F", "sae-SAE_F", NULL, 0);
	struct qkd_client_stats st;
	struct qkd_keys *ks;
	struct qkd_error err;
	char out[256];
	long r0, r1;
	int i;

	ck_assert_int_eq(kmeh_ctl(&sim, "F", "sae-SAE_F", "faults", "close",
			     out, sizeof(out)),
	    200);
	r0 = kmeh_stat(&sim, "F", "sae-SAE_F", "resumed");
	for (i = 0; i < 3; i++) {
		ks = qkd_get_key(qc, "SAE_B", 1, 256, QKD_METHOD_POST, &err);
		ck_assert_msg(ks != NULL, "%s", err.reason);
		qkd_keys_free(ks);
	}
	r1 = kmeh_stat(&sim, "F", "sae-SAE_F", "resumed");
	kmeh_ctl(&sim, "F", "sae-SAE_F", "faults", "none", out, sizeof(out));
	qkd_client_stats(qc, &st);
	ck_assert_uint_eq(st.connects, 3);
	/* The kmeh_stat clients are new each time: never resumed. */
	ck_assert_int_eq(r1 - r0, 2);
	qkd_client_free(qc);
}
END_TEST

/*
 * ETSI GS QKD 014 6.1 limits of a kme-sim of its own: stored_key_count
 * goes down with each key and grows back at --key-rate up to
 * max_key_count; max_key_per_request bounds number and key_IDs; a pair
 * whose keys are used up gets 503.
 */
START_TEST(test_limits)
{
	static const char *const args[] = { "--kme", "A=127.0.0.1:0:SAE_A",
		"--kme", "B=127.0.0.1:0:SAE_B", "--stored-keys", "10",
		"--max-key-count", "12", "--key-rate", "5",
		"--max-key-per-request", "4", NULL };
	const char *ids[5] = { "a", "b", "c", "d", "e" };
	struct kme_harness h;
	struct qkd_client *qa, *qb;
	struct qkd_status st;
	struct qkd_keys *ks;
	struct qkd_error err;
	int i;

	ck_assert_int_eq(kmeh_start(&h, certdir, args), 0);
	qa = kmeh_client(&h, "A", "sae-SAE_A", NULL, 2000);
	qb = kmeh_client(&h, "B", "sae-SAE_B", NULL, 2000);
	ck_assert_int_eq(qkd_get_status(qa, "SAE_B", &st, &err), 0);
	ck_assert_int_eq(st.stored_key_count, 10);
	ck_assert_int_eq(st.max_key_count, 12);
	ck_assert_int_eq(st.max_key_per_request, 4);
	ks = qkd_get_key(qa, "SAE_B", 4, 256, QKD_METHOD_POST, &err);
	ck_assert_msg(ks != NULL, "%s", err.reason);
	qkd_keys_free(ks);
	ck_assert_int_eq(qkd_get_status(qa, "SAE_B", &st, &err), 0);
	ck_assert_msg(st.stored_key_count >= 6 && st.stored_key_count <= 7,
	    "stored %ld after 4 of 10", st.stored_key_count);
	/* 2 s at 5 keys/s: 16, capped at max_key_count. */
	usleep(2000 * 1000);
	ck_assert_int_eq(qkd_get_status(qa, "SAE_B", &st, &err), 0);
	ck_assert_int_eq(st.stored_key_count, 12);
	/* --max-key-per-request 4 */
	ck_assert_ptr_null(
	    qkd_get_key(qa, "SAE_B", 5, 256, QKD_METHOD_POST, &err));
	ck_assert_int_eq(err.code, QKD_ERR_HTTP_400);
	ck_assert_ptr_nonnull(strstr(err.reason, "number must be 1..4"));
	ck_assert_ptr_null(qkd_get_key_with_key_ids(
	    qb, "SAE_A", ids, 5, 0, QKD_METHOD_POST, &err));
	ck_assert_int_eq(err.code, QKD_ERR_HTTP_400);
	ck_assert_ptr_nonnull(strstr(err.reason, "need 1..4 key_IDs"));
	/* Use up the 12; the next key is not there yet. */
	for (i = 0; i < 3; i++) {
		ks = qkd_get_key(qa, "SAE_B", 4, 256, QKD_METHOD_GET, &err);
		ck_assert_msg(ks != NULL, "%d: %s", i, err.reason);
		qkd_keys_free(ks);
	}
	ck_assert_ptr_null(
	    qkd_get_key(qa, "SAE_B", 1, 256, QKD_METHOD_GET, &err));
	ck_assert_int_eq(err.code, QKD_ERR_HTTP_503);
	ck_assert_ptr_nonnull(strstr(err.reason, "insufficient keys"));
	qkd_client_free(qa);
	qkd_client_free(qb);
	ck_assert_int_eq(kmeh_stop(&h), 0);
}
END_TEST

/*
 * A KME that accepts the TCP connection and never answers the TLS
 * handshake (the listen backlog accepts for it): the client's timeout
 * ends the request as a timeout.
 */
START_TEST(test_tls_handshake_stall)
{
	struct qkd_client_config cfg = { 0 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	char url[64], ca[512], cert[512], key[512];
	struct qkd_client *qc;
	struct qkd_status st;
	struct qkd_error err;
	double t0, dt;
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd = socket(AF_INET, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &slen), 0);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d", ntohs(sin.sin_port));
	snprintf(ca, sizeof(ca), "%s/ca.pem", certdir);
	snprintf(cert, sizeof(cert), "%s/sae-SAE_A.pem", certdir);
	snprintf(key, sizeof(key), "%s/sae-SAE_A.key", certdir);
	cfg.base_url = url;
	cfg.ca_file = ca;
	cfg.cert_file = cert;
	cfg.key_file = key;
	cfg.timeout_ms = 600;
	qc = qkd_client_new(&cfg, &err);
	ck_assert_ptr_nonnull(qc);
	t0 = now_ms();
	ck_assert_int_eq(qkd_get_status(qc, "SAE_B", &st, &err), -1);
	dt = now_ms() - t0;
	ck_assert_msg(err.code == QKD_ERR_TIMEOUT, "got %s (%s)",
	    qkd_err_name(err.code), err.reason);
	ck_assert_double_lt(dt, 1500);
	qkd_client_free(qc);
	close(fd);
}
END_TEST

/* Faults from the command line; a stop with a reply still pending. */
START_TEST(test_cmdline_faults_and_stop)
{
	static const char *const args[] = { "--kme", "X=127.0.0.1:0:SAE_A",
		"--kme", "B=127.0.0.1:0:SAE_B", "--fault", "X:unavailable,html",
		"--fault", "B:latency=5000", "--max-key-per-request", "4",
		NULL };
	struct kme_harness h2;
	struct qkd_client *qx, *qb;
	struct qkd_status st;
	struct qkd_error err;
	const char *id = "00000000-0000-4000-8000-000000000000";

	ck_assert_int_eq(kmeh_start(&h2, certdir, args), 0);
	qx = kmeh_client(&h2, "X", "sae-SAE_A", NULL, 2000);
	ck_assert_int_eq(qkd_get_status(qx, "SAE_B", &st, &err), -1);
	ck_assert_int_eq(err.code, QKD_ERR_HTTP_503);
	qb = kmeh_client(&h2, "B", "sae-SAE_B", NULL, 300);
	ck_assert_ptr_null(qkd_get_key_with_key_ids(
	    qb, "SAE_A", &id, 1, 0, QKD_METHOD_GET, &err));
	ck_assert_int_eq(err.code, QKD_ERR_TIMEOUT);
	/* The delayed request is still queued in kme-sim. */
	ck_assert_int_eq(kmeh_stop(&h2), 0);
	qkd_client_free(qx);
	qkd_client_free(qb);
}
END_TEST

START_TEST(test_err_names)
{
	int i, j;

	for (i = 0; i < QKD_ERR_COUNT; i++) {
		ck_assert_ptr_nonnull(qkd_err_name(i));
		ck_assert_str_ne(qkd_err_name(i), "?");
		ck_assert_ptr_nonnull(qkd_err_str(i));
		for (j = 0; j < i; j++)
			ck_assert_str_ne(qkd_err_name(i), qkd_err_name(j));
	}
	ck_assert_str_eq(qkd_err_name(QKD_ERR_COUNT), "?");
	ck_assert_str_eq(qkd_err_name(QKD_ERR_HTTP_503), "http-503");
	ck_assert(qkd_err_is_transient(QKD_ERR_HTTP_503));
	ck_assert(!qkd_err_is_transient(QKD_ERR_HTTP_401));
}
END_TEST

static Suite *
qkd014_suite(void)
{
	Suite *s = suite_create("qkd014");
	TCase *tc = tcase_create("live");
	TCase *tn = tcase_create("names");

	tcase_add_unchecked_fixture(tc, live_setup, live_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_get_get);
	tcase_add_test(tc, test_post_post);
	tcase_add_test(tc, test_mixed_default_size);
	tcase_add_test(tc, test_once_and_401);
	tcase_add_test(tc, test_bad_requests);
	tcase_add_test(tc, test_dec_keys_duplicate_id);
	tcase_add_loop_test(
	    tc, test_http_errors, 0, sizeof(http_vec) / sizeof(http_vec[0]));
	tcase_add_test(tc, test_key_request_extensions);
	tcase_add_test(tc, test_reuse);
	tcase_add_test(tc, test_blob);
	tcase_add_loop_test(
	    tc, test_tls, 0, sizeof(tls_vec) / sizeof(tls_vec[0]));
	tcase_add_test(tc, test_connect_refused);
	tcase_add_loop_test(
	    tc, test_faults, 0, sizeof(fault_vec) / sizeof(fault_vec[0]));
	tcase_add_test(tc, test_exhaust_status_and_many);
	tcase_add_test(tc, test_session_resumption);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_tls_handshake_stall);
	tcase_add_test(tc, test_cmdline_faults_and_stop);
	suite_add_tcase(s, tc);
	tcase_add_test(tn, test_err_names);
	suite_add_tcase(s, tn);
	return s;
}

int
main(void)
{
	return check_main(0, qkd014_suite(), NULL);
}
