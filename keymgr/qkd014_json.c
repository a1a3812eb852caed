/*
 * qkd014_json: the ETSI GS QKD 014 reply parsers and the error vocabulary.
 *
 * Replies come from a KME, i.e. from the network: every member is checked for
 * its JSON type, every string for its length against a named limit, and keys
 * are decoded as strict padded base64 and compared with the size asked for.
 * Parsed key material is copied once, into buffers that qkd_keys_free()
 * wipes; the base64 text inside the jansson tree is wiped before the tree is
 * released.  Nothing here logs: the caller decides what the operator sees.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "keymgr/qkd014.h"
#include "keymgr/qkd014_priv.h"
#include "lib/sb.h"

static const struct {
	const char *name;
	const char *str;
	bool transient;
} qkd_err_tab[QKD_ERR_COUNT] = {
	[QKD_OK] = { "ok", "success", false },
	[QKD_ERR_ARG] = { "bad-argument", "invalid request argument", false },
	[QKD_ERR_TLS_LOCAL] = { "tls-local",
	    "local certificate, key or CA unusable", false },
	[QKD_ERR_CONNECT] = { "connect", "cannot connect to KME", true },
	[QKD_ERR_TIMEOUT] = { "timeout", "KME did not answer in time", true },
	[QKD_ERR_TLS_KME_UNTRUSTED] = { "tls-kme-untrusted",
	    "KME certificate not trusted", false },
	[QKD_ERR_TLS_REJECTED] = { "tls-rejected",
	    "TLS handshake failed or client certificate refused", false },
	[QKD_ERR_TRANSPORT] = { "transport", "connection failed during request",
	    true },
	[QKD_ERR_TOO_LARGE] = { "reply-too-large", "KME reply over size limit",
	    false },
	[QKD_ERR_HTTP_400] = { "http-400", "KME refused request (HTTP 400)",
	    false },
	[QKD_ERR_HTTP_401] = { "http-401", "SAE not authorized (HTTP 401)",
	    false },
	[QKD_ERR_HTTP_503] = { "http-503", "KME error (HTTP 503)", true },
	[QKD_ERR_HTTP_OTHER] = { "http-other", "unexpected HTTP status",
	    false },
	[QKD_ERR_BAD_JSON] = { "bad-json", "KME reply is not JSON", false },
	[QKD_ERR_BAD_REPLY] = { "bad-reply", "KME reply has wrong members",
	    false },
	[QKD_ERR_BAD_KEY] = { "bad-key", "key is not valid base64", false },
	[QKD_ERR_KEY_SIZE] = { "key-size", "key of wrong size", false },
	[QKD_ERR_SHORT] = { "short", "fewer keys than requested", true },
	[QKD_ERR_KEY_ID_MISMATCH] = { "key-id-mismatch",
	    "KME returned other key IDs", false },
	[QKD_ERR_CANCELLED] = { "cancelled",
	    "request cancelled before the KME answered", false },
};

const char *
qkd_err_name(enum qkd_err code)
{
	if ((unsigned)code >= QKD_ERR_COUNT)
		return "?";
	return qkd_err_tab[code].name;
}

const char *
qkd_err_str(enum qkd_err code)
{
	if ((unsigned)code >= QKD_ERR_COUNT)
		return "?";
	return qkd_err_tab[code].str;
}

bool
qkd_err_is_transient(enum qkd_err code)
{
	if ((unsigned)code >= QKD_ERR_COUNT)
		return false;
	return qkd_err_tab[code].transient;
}

void
qkd_seterr(struct qkd_error *err, enum qkd_err code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
}

void
qkd_keys_free(struct qkd_keys *ks)
{
	size_t i;

	if (ks == NULL)
		return;
	for (i = 0; i < ks->count; i++) {
		if (ks->keys[i].key != NULL) {
			OPENSSL_cleanse(ks->keys[i].key, ks->keys[i].len);
			free(ks->keys[i].key);
		}
	}
	free(ks->keys);
	OPENSSL_cleanse(ks, sizeof(*ks));
	free(ks);
}

static int
qkd_b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* RFC 4648 4: padded, standard alphabet, no whitespace, canonical bits. */
long
qkd_b64_decode(const char *in, size_t inlen, unsigned char *out, size_t outmax)
{
	unsigned char *tmp = NULL;
	size_t i, pad = 0, need, full;
	int n, last;
	long ret = -1;

	if (inlen == 0 || inlen % 4 != 0 || inlen > (size_t)LONG_MAX / 3 ||
	    inlen > INT_MAX)
		return -1;
	if (in[inlen - 1] == '=')
		pad = in[inlen - 2] == '=' ? 2 : 1;
	for (i = 0; i < inlen - pad; i++)
		if (qkd_b64_val((unsigned char)in[i]) < 0)
			return -1;
	/* The bits dropped by the padding must be zero (canonical form). */
	last = qkd_b64_val((unsigned char)in[inlen - pad - 1]);
	if ((pad == 1 && (last & 0x03)) || (pad == 2 && (last & 0x0f)))
		return -1;
	full = inlen / 4 * 3;
	need = full - pad;
	if (need > outmax)
		return -1;
	tmp = xmalloc(full);
	n = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)inlen);
	if (n < 0 || (size_t)n != full)
		goto done;
	memcpy(out, tmp, need);
	ret = (long)need;
done:
	OPENSSL_cleanse(tmp, full);
	free(tmp);
	return ret;
}

/* Printable ASCII without spaces: safe to log, to put in URLs and PPK_IDs. */
static bool
qkd_is_id(const char *s, size_t len, size_t max)
{
	size_t i;

	if (len == 0 || len > max)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	return true;
}

/* Overwrite a string's bytes inside the jansson tree before json_decref(). */
static void
qkd_wipe_json_string(json_t *s)
{
	if (json_is_string(s))
		OPENSSL_cleanse(
		    (char *)json_string_value(s), json_string_length(s));
}

static void
qkd_wipe_keys_tree(json_t *root)
{
	json_t *arr, *ent;
	size_t i;

	arr = json_object_get(root, "keys");
	if (!json_is_array(arr))
		return;
	json_array_foreach(arr, i, ent)
	    qkd_wipe_json_string(json_object_get(ent, "key"));
}

static json_t *
qkd_load(const char *body, size_t len, struct qkd_error *err)
{
	json_error_t jerr;
	json_t *root;

	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		qkd_seterr(err, QKD_ERR_BAD_JSON,
		    "reply is not JSON: %s "
		    "(offset %d)",
		    jerr.text, jerr.position);
		return NULL;
	}
	if (!json_is_object(root)) {
		qkd_seterr(
		    err, QKD_ERR_BAD_REPLY, "reply is not a JSON object");
		json_decref(root);
		return NULL;
	}
	return root;
}

/* One entry of a key container (ETSI GS QKD 014 6.3). */
static int
qkd_parse_one_key(json_t *ent, size_t idx, size_t want_len, struct qkd_key *k,
    struct qkd_error *err)
{
	json_t *jid, *jkey;
	const char *b64;
	size_t b64len, maxlen;
	long n;

	if (!json_is_object(ent)) {
		qkd_seterr(
		    err, QKD_ERR_BAD_REPLY, "keys[%zu] is not an object", idx);
		return -1;
	}
	jid = json_object_get(ent, "key_ID");
	jkey = json_object_get(ent, "key");
	if (!json_is_string(jid) ||
	    !qkd_is_id(json_string_value(jid), json_string_length(jid),
		QKD_KEY_ID_MAX)) {
		qkd_seterr(err, QKD_ERR_BAD_REPLY,
		    "keys[%zu].key_ID missing, "
		    "not a string or not a printable ID",
		    idx);
		return -1;
	}
	if (!json_is_string(jkey)) {
		qkd_seterr(err, QKD_ERR_BAD_REPLY,
		    "keys[%zu].key missing or "
		    "not a string",
		    idx);
		return -1;
	}
	b64 = json_string_value(jkey);
	b64len = json_string_length(jkey);
	maxlen = (QKD_MAX_KEY_BITS / 8 + 2) / 3 * 4;
	if (b64len > maxlen) {
		qkd_seterr(err, QKD_ERR_KEY_SIZE,
		    "keys[%zu].key longer than "
		    "%d bits",
		    idx, QKD_MAX_KEY_BITS);
		return -1;
	}
	k->key = xmalloc(b64len / 4 * 3 + 1);
	n = qkd_b64_decode(b64, b64len, k->key, b64len / 4 * 3);
	if (n < 0) {
		qkd_seterr(err, QKD_ERR_BAD_KEY,
		    "keys[%zu].key is not strict "
		    "base64",
		    idx);
		return -1;
	}
	k->len = (size_t)n;
	if (k->len == 0 || (want_len != 0 && k->len != want_len)) {
		qkd_seterr(err, QKD_ERR_KEY_SIZE,
		    "keys[%zu] has %zu bits, "
		    "expected %zu",
		    idx, k->len * 8, want_len * 8);
		return -1;
	}
	memcpy(k->key_id, json_string_value(jid), json_string_length(jid));
	k->key_id[json_string_length(jid)] = '\0';
	return 0;
}

struct qkd_keys *
qkd_parse_keys(const char *body, size_t len, size_t number, unsigned size_bits,
    struct qkd_error *err)
{
	struct qkd_keys *ks = NULL;
	json_t *root, *arr;
	size_t i, n, want_len;

	if (size_bits % 8 != 0 || size_bits > QKD_MAX_KEY_BITS ||
	    number > QKD_MAX_KEYS_PER_CALL) {
		qkd_seterr(err, QKD_ERR_ARG, "bad size or number");
		return NULL;
	}
	if ((root = qkd_load(body, len, err)) == NULL)
		return NULL;
	arr = json_object_get(root, "keys");
	if (!json_is_array(arr)) {
		qkd_seterr(err, QKD_ERR_BAD_REPLY, "reply has no keys array");
		goto done;
	}
	n = json_array_size(arr);
	if ((number != 0 && n < number) || n == 0) {
		qkd_seterr(err, QKD_ERR_SHORT, "KME returned %zu keys of %zu",
		    n, number);
		goto done;
	}
	if ((number != 0 && n > number) || n > QKD_MAX_KEYS_PER_CALL) {
		qkd_seterr(err, QKD_ERR_BAD_REPLY,
		    "KME returned %zu keys, "
		    "asked for %zu",
		    n, number);
		goto done;
	}
	ks = xcalloc(1, sizeof(*ks));
	ks->keys = xcalloc(n, sizeof(*ks->keys));
	want_len = size_bits / 8;
	for (i = 0; i < n; i++) {
		ks->count = i + 1;
		if (qkd_parse_one_key(json_array_get(arr, i), i, want_len,
			&ks->keys[i], err) == -1) {
			qkd_keys_free(ks);
			ks = NULL;
			goto done;
		}
		/* Default size: all keys as long as the first. */
		if (want_len == 0)
			want_len = ks->keys[0].len;
	}
done:
	qkd_wipe_keys_tree(root);
	json_decref(root);
	return ks;
}

static int
qkd_get_str(json_t *root, const char *name, char *out, size_t outsz,
    struct qkd_error *err)
{
	json_t *v = json_object_get(root, name);

	if (!json_is_string(v) || json_string_length(v) >= outsz ||
	    !qkd_is_id(
		json_string_value(v), json_string_length(v), outsz - 1)) {
		qkd_seterr(err, QKD_ERR_BAD_REPLY,
		    "status %s missing or not "
		    "a printable string",
		    name);
		return -1;
	}
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int
qkd_get_int(json_t *root, const char *name, long *out, struct qkd_error *err)
{
	json_t *v = json_object_get(root, name);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > LONG_MAX) {
		qkd_seterr(err, QKD_ERR_BAD_REPLY,
		    "status %s missing or not "
		    "a non-negative integer",
		    name);
		return -1;
	}
	*out = (long)json_integer_value(v);
	return 0;
}

/* ETSI GS QKD 014 6.1 */
int
qkd_parse_status(
    const char *body, size_t len, struct qkd_status *st, struct qkd_error *err)
{
	json_t *root;
	int ret = -1;

	memset(st, 0, sizeof(*st));
	if ((root = qkd_load(body, len, err)) == NULL)
		return -1;
	if (qkd_get_str(root, "source_KME_ID", st->source_kme_id,
		sizeof(st->source_kme_id), err) == -1 ||
	    qkd_get_str(root, "target_KME_ID", st->target_kme_id,
		sizeof(st->target_kme_id), err) == -1 ||
	    qkd_get_str(root, "master_SAE_ID", st->master_sae_id,
		sizeof(st->master_sae_id), err) == -1 ||
	    qkd_get_str(root, "slave_SAE_ID", st->slave_sae_id,
		sizeof(st->slave_sae_id), err) == -1 ||
	    qkd_get_int(root, "key_size", &st->key_size, err) == -1 ||
	    qkd_get_int(root, "stored_key_count", &st->stored_key_count, err) ==
		-1 ||
	    qkd_get_int(root, "max_key_count", &st->max_key_count, err) == -1 ||
	    qkd_get_int(root, "max_key_per_request", &st->max_key_per_request,
		err) == -1 ||
	    qkd_get_int(root, "max_key_size", &st->max_key_size, err) == -1 ||
	    qkd_get_int(root, "min_key_size", &st->min_key_size, err) == -1 ||
	    qkd_get_int(root, "max_SAE_ID_count", &st->max_sae_id_count, err) ==
		-1)
		goto done;
	if (st->min_key_size > st->max_key_size || st->key_size == 0) {
		qkd_seterr(err, QKD_ERR_BAD_REPLY,
		    "status key sizes "
		    "inconsistent (min %ld, default %ld, max %ld)",
		    st->min_key_size, st->key_size, st->max_key_size);
		goto done;
	}
	ret = 0;
done:
	json_decref(root);
	return ret;
}

/* Copy s into out replacing bytes that do not belong in a log line. */
static void
qkd_copy_printable(char *out, size_t outlen, const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < outlen; i++)
		out[i] = (s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	out[i] = '\0';
}

/* ETSI GS QKD 014 6.5: {"message": "...", "details": [{..}, ..]} */
void
qkd_parse_error(const char *body, size_t len, char *out, size_t outlen)
{
	json_t *root, *msg, *det;
	char *dd = NULL;
	struct sb sb;

	if (outlen == 0)
		return;
	out[0] = '\0';
	if (len == 0) {
		snprintf(out, outlen, "empty body");
		return;
	}
	root = json_loadb(body, len, 0, NULL);
	msg = json_object_get(root, "message");
	if (!json_is_string(msg)) {
		snprintf(out, outlen,
		    "no ETSI error object (%s body, %zu "
		    "bytes)",
		    root == NULL ? "non-JSON" : "JSON", len);
		json_decref(root);
		return;
	}
	sb_init(&sb);
	sb_puts(&sb, json_string_value(msg));
	det = json_object_get(root, "details");
	if (json_is_array(det) && json_array_size(det) > 0 &&
	    (dd = json_dumps(det, JSON_COMPACT)) != NULL) {
		sb_puts(&sb, "; details: ");
		sb_puts(&sb, dd);
		free(dd);
	}
	qkd_copy_printable(out, outlen, sb_str(&sb));
	sb_free(&sb);
	json_decref(root);
}
