/*
 * rpc: the pki operational commands as mgd calls them.  Commands are
 * described once in pki_rpcs[] (name, allowed input leaves, mandatory
 * ones, handler) and the dispatcher checks the input against that before a
 * handler runs, as Redis does with its command table.  Handlers return
 * structured data; render/pki_render.c turns it into Junos text.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "pki/pki_int.h"
#include "pki/pki_rpc.h"

#define RPC_ARGS_MAX 8

struct rpc_cmd {
	const char *name;
	const char *args[RPC_ARGS_MAX]; /* allowed input leaves */
	const char *mandatory[RPC_ARGS_MAX];
	json_t *(*fn)(struct pki_store *, const json_t *, struct sb *);
};

const char *
pki_rpc_str(const json_t *in, const char *key)
{
	return json_string_value(json_object_get(in, key));
}

/* An `empty` leaf: present as true (or RFC 7951 [null]). */
bool
pki_rpc_flag(const json_t *in, const char *key)
{
	const json_t *v = json_object_get(in, key);

	return v != NULL && !json_is_false(v);
}

/* A name leaf, checked so that it can never leave the store directory. */
static const char *
rpc_name_arg(const json_t *in, const char *key, struct sb *err)
{
	const char *v = pki_rpc_str(in, key);

	if (v == NULL || !pki_name_is_valid(v)) {
		sb_printf(err,
		    "error: invalid %s: 1 to %d letters, digits, "
		    "'.', '_' or '-', starting with a letter or digit",
		    key, PKI_NAME_MAX);
		return NULL;
	}
	return v;
}

static json_t *
rpc_generate_key_pair(struct pki_store *st, const json_t *in, struct sb *err)
{
	const char *id, *type = pki_rpc_str(in, "type");
	const json_t *size = json_object_get(in, "size");
	enum pki_key_type t = PKI_KEY_RSA;
	long bits = 0;

	if ((id = rpc_name_arg(in, "certificate-id", err)) == NULL)
		return NULL;
	if (type != NULL && strcmp(type, "ecdsa") == 0)
		t = PKI_KEY_ECDSA;
	else if (type != NULL && strcmp(type, "rsa") != 0) {
		sb_printf(err, "error: unsupported key type %s", type);
		return NULL;
	}
	if (json_is_integer(size))
		bits = (long)json_integer_value(size);
	else if (json_is_string(size)) {
		char *end;

		errno = 0;
		bits = strtol(json_string_value(size), &end, 10);
		if (errno != 0 || *end != '\0' ||
		    end == json_string_value(size))
			bits = -1;
	} else if (size != NULL)
		bits = -1;
	if (bits < 0 || bits > 65536) {
		sb_puts(err, "error: invalid key size");
		return NULL;
	}
	if (bits == 0)
		bits = t == PKI_KEY_RSA ? 2048 : 256;
	if (pki_key_generate(st, id, t, (int)bits, err) == -1)
		return NULL;
	return json_pack("{s:s, s:s, s:i}", "certificate-id", id, "type",
	    pki_key_type_name(t), "size", (int)bits);
}

static void
rpc_subject_args(const json_t *in, struct pki_subject_args *a)
{
	a->subject = pki_rpc_str(in, "subject");
	a->domain_name = pki_rpc_str(in, "domain-name");
	a->ip_address = pki_rpc_str(in, "ip-address");
	a->email = pki_rpc_str(in, "email");
}

static json_t *
rpc_self_signed(struct pki_store *st, const json_t *in, struct sb *err)
{
	struct pki_subject_args a;
	const char *id;

	if ((id = rpc_name_arg(in, "certificate-id", err)) == NULL)
		return NULL;
	rpc_subject_args(in, &a);
	if (pki_local_self_signed(st, id, &a, err) == -1)
		return NULL;
	return json_pack("{s:s}", "certificate-id", id);
}

static json_t *
rpc_request(struct pki_store *st, const json_t *in, struct sb *err)
{
	const char *id, *file = pki_rpc_str(in, "filename");
	struct pki_subject_args a;
	X509_REQ *req = NULL;
	json_t *out = NULL, *info;
	char *pem = NULL;

	if ((id = rpc_name_arg(in, "certificate-id", err)) == NULL)
		return NULL;
	rpc_subject_args(in, &a);
	if (pki_request_generate(st, id, &a, file, &pem, err) == -1)
		return NULL;
	if ((req = pki_request_get(st, id, err)) == NULL)
		goto done;
	info = pki_req_info(req, true);
	out = json_pack("{s:s, s:O, s:O}", "certificate-id", id,
	    "fingerprint-sha1", json_object_get(info, "fingerprint-sha1"),
	    "fingerprint-md5", json_object_get(info, "fingerprint-md5"));
	json_decref(info);
	if (file != NULL)
		json_object_set_new(out, "filename", json_string(file));
	else
		json_object_set_new(
		    out, "certificate-request", json_string(pem));
done:
	X509_REQ_free(req);
	free(pem);
	return out;
}

static json_t *
rpc_local_load(struct pki_store *st, const json_t *in, struct sb *err)
{
	const char *id;

	if ((id = rpc_name_arg(in, "certificate-id", err)) == NULL)
		return NULL;
	if (pki_local_load(st, id, pki_rpc_str(in, "filename"),
		pki_rpc_str(in, "key"), err) == -1)
		return NULL;
	return json_pack("{s:s}", "certificate-id", id);
}

static json_t *
rpc_ca_load(struct pki_store *st, const json_t *in, struct sb *err)
{
	const char *p;
	json_t *out;
	X509 *cert;
	char *sha1, *md5;

	bool confirmed = json_is_true(json_object_get(in, "confirmed"));

	if ((p = rpc_name_arg(in, "ca-profile", err)) == NULL)
		return NULL;
	/* Junos's `request security pki` replies: the fingerprint is shown and
	 * confirmed first. */
	if (pki_ca_load(st, p, pki_rpc_str(in, "filename"),
		confirmed ? NULL : &cert, err) == -1)
		return NULL;
	if (confirmed && (cert = pki_ca_cert_get(st, p, err)) == NULL)
		return NULL;
	sha1 = pki_fingerprint(cert, "SHA1");
	md5 = pki_fingerprint(cert, "MD5");
	out = json_pack("{s:s, s:s, s:s}", "ca-profile", p, "fingerprint-sha1",
	    sha1, "fingerprint-md5", md5);
	if (confirmed)
		json_object_set_new(out, "loaded", json_true());
	else
		json_object_set_new(out, "confirm",
		    json_string("Do you want to"
				" load this CA certificate ? [yes,no] (no)"));
	free(sha1);
	free(md5);
	X509_free(cert);
	return out;
}

static json_t *
rpc_crl_load(struct pki_store *st, const json_t *in, struct sb *err)
{
	const char *p;

	if ((p = rpc_name_arg(in, "ca-profile", err)) == NULL)
		return NULL;
	if (pki_crl_load(st, p, pki_rpc_str(in, "filename"), err) == -1)
		return NULL;
	return json_pack("{s:s}", "ca-profile", p);
}

static json_t *
rpc_ca_verify(struct pki_store *st, const json_t *in, struct sb *err)
{
	const char *p;

	if ((p = rpc_name_arg(in, "ca-profile", err)) == NULL)
		return NULL;
	if (pki_ca_verify(st, p, err) == -1)
		return NULL;
	return json_pack("{s:s}", "ca-profile", p);
}

static json_t *
rpc_local_verify(struct pki_store *st, const json_t *in, struct sb *err)
{
	const char *id;

	if ((id = rpc_name_arg(in, "certificate-id", err)) == NULL)
		return NULL;
	if (pki_local_verify(st, id, err) == -1)
		return NULL;
	return json_pack("{s:s}", "certificate-id", id);
}

/*
 * `clear ... (certificate-id X | all)`: one name, or every object of kind.
 * Reply {"cleared": [names]}.
 */
static json_t *
rpc_clear(struct pki_store *st, const json_t *in, const char *key,
    const char *kind, int (*fn)(struct pki_store *, const char *, struct sb *),
    struct sb *err)
{
	json_t *cleared = json_array();
	char **names = NULL;
	const char *one;
	size_t i;

	if (!pki_rpc_flag(in, "all")) {
		if (json_object_get(in, key) == NULL) {
			sb_printf(err, "error: specify %s or all", key);
			goto fail;
		}
		if ((one = rpc_name_arg(in, key, err)) == NULL ||
		    fn(st, one, err) == -1)
			goto fail;
		json_array_append_new(cleared, json_string(one));
		return json_pack("{s:o}", "cleared", cleared);
	}
	if ((names = pki_store_list(st, kind)) == NULL) {
		sb_puts(err, "error: cannot read the pki store");
		goto fail;
	}
	for (i = 0; names[i] != NULL; i++) {
		if (fn(st, names[i], err) == -1)
			goto fail;
		json_array_append_new(cleared, json_string(names[i]));
	}
	pki_names_free(names);
	return json_pack("{s:o}", "cleared", cleared);
fail:
	pki_names_free(names);
	json_decref(cleared);
	return NULL;
}

static json_t *
rpc_clear_local(struct pki_store *st, const json_t *in, struct sb *err)
{
	return rpc_clear(
	    st, in, "certificate-id", PKI_KIND_CERT, pki_local_clear, err);
}

static json_t *
rpc_clear_ca(struct pki_store *st, const json_t *in, struct sb *err)
{
	return rpc_clear(st, in, "ca-profile", PKI_KIND_CA, pki_ca_clear, err);
}

static json_t *
rpc_clear_key(struct pki_store *st, const json_t *in, struct sb *err)
{
	return rpc_clear(
	    st, in, "certificate-id", PKI_KIND_KEY, pki_key_clear, err);
}

static json_t *
rpc_clear_request(struct pki_store *st, const json_t *in, struct sb *err)
{
	return rpc_clear(
	    st, in, "certificate-id", PKI_KIND_REQ, pki_request_clear, err);
}

#define SUBJ "subject", "domain-name", "ip-address", "email"

static const struct rpc_cmd pki_rpcs[] = {
	{ "request-security-pki-generate-key-pair",
	    { "certificate-id", "type", "size" }, { "certificate-id" },
	    rpc_generate_key_pair },
	{ "request-security-pki-local-certificate-generate-self-signed",
	    { "certificate-id", SUBJ }, { "certificate-id", "subject" },
	    rpc_self_signed },
	{ "request-security-pki-generate-certificate-request",
	    { "certificate-id", SUBJ, "filename" },
	    { "certificate-id", "subject" }, rpc_request },
	{ "request-security-pki-local-certificate-load",
	    { "certificate-id", "filename", "key" },
	    { "certificate-id", "filename" }, rpc_local_load },
	/* "confirmed": mgd's, after the operator said yes (not in the YANG) */
	{ "request-security-pki-ca-certificate-load",
	    { "ca-profile", "filename", "confirmed" },
	    { "ca-profile", "filename" }, rpc_ca_load },
	{ "request-security-pki-crl-load", { "ca-profile", "filename" },
	    { "ca-profile", "filename" }, rpc_crl_load },
	{ "request-security-pki-ca-certificate-verify", { "ca-profile" },
	    { "ca-profile" }, rpc_ca_verify },
	{ "request-security-pki-local-certificate-verify", { "certificate-id" },
	    { "certificate-id" }, rpc_local_verify },
	{ "clear-security-pki-local-certificate", { "certificate-id", "all" },
	    { NULL }, rpc_clear_local },
	{ "clear-security-pki-ca-certificate", { "ca-profile", "all" },
	    { NULL }, rpc_clear_ca },
	{ "clear-security-pki-key-pair", { "certificate-id", "all" }, { NULL },
	    rpc_clear_key },
	{ "clear-security-pki-certificate-request", { "certificate-id", "all" },
	    { NULL }, rpc_clear_request },
	{ "show-security-pki-local-certificate", { "certificate-id", "detail" },
	    { NULL }, pki_rpc_show_local },
	{ "show-security-pki-ca-certificate", { "ca-profile", "detail" },
	    { NULL }, pki_rpc_show_ca },
	{ "show-security-pki-certificate-request",
	    { "certificate-id", "detail" }, { NULL }, pki_rpc_show_request },
	{ NULL, { NULL }, { NULL }, NULL },
};

static const struct rpc_cmd *
rpc_find(const char *name)
{
	const struct rpc_cmd *c;

	for (c = pki_rpcs; name != NULL && c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static bool
rpc_allowed(const struct rpc_cmd *c, const char *key)
{
	size_t i;

	for (i = 0; i < RPC_ARGS_MAX && c->args[i] != NULL; i++)
		if (strcmp(c->args[i], key) == 0)
			return true;
	return false;
}

/* Arity and types, checked once here for every command. */
static int
rpc_check_input(const struct rpc_cmd *c, const json_t *in, struct sb *err)
{
	const char *key;
	json_t *v;
	size_t i;

	if (in != NULL && !json_is_object(in)) {
		sb_puts(err, "error: syntax error");
		return -1;
	}
	json_object_foreach((json_t *)in, key, v)
	{
		if (!rpc_allowed(c, key)) {
			sb_printf(err,
			    "error: syntax error, unexpected "
			    "argument %s",
			    key);
			return -1;
		}
		if (!json_is_string(v) && !json_is_boolean(v) &&
		    !json_is_integer(v) && !json_is_array(v) &&
		    !json_is_null(v)) {
			sb_printf(err, "error: invalid value for %s", key);
			return -1;
		}
		if (json_is_string(v) &&
		    json_string_length(v) > PKI_SUBJECT_MAX * 4) {
			sb_printf(err, "error: value of %s is too long", key);
			return -1;
		}
	}
	for (i = 0; i < RPC_ARGS_MAX && c->mandatory[i] != NULL; i++) {
		v = json_object_get(in, c->mandatory[i]);
		if (!json_is_string(v) && !json_is_integer(v)) {
			sb_printf(err, "error: missing mandatory argument %s",
			    c->mandatory[i]);
			return -1;
		}
	}
	return 0;
}

json_t *
pki_rpc(struct pki_store *st, const char *rpc_name, const json_t *input,
    struct sb *err)
{
	const struct rpc_cmd *c = rpc_find(rpc_name);
	json_t *empty = NULL, *out;

	if (c == NULL) {
		sb_printf(err, "error: unknown command %s",
		    rpc_name ? rpc_name : "(none)");
		return NULL;
	}
	if (input == NULL)
		input = empty = json_object();
	out =
	    rpc_check_input(c, input, err) == 0 ? c->fn(st, input, err) : NULL;
	json_decref(empty);
	return out;
}
