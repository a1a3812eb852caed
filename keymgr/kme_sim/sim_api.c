/*
 * sim_api: the ETSI GS QKD 014 REST API of one simulated KME, the faults it
 * can inject, and the lab control endpoints.
 *
 *   GET      /api/v1/keys/{slave_SAE_ID}/status       ETSI GS QKD 014 5.1
 *   GET|POST /api/v1/keys/{slave_SAE_ID}/enc_keys     ETSI GS QKD 014 5.2
 *   GET|POST /api/v1/keys/{master_SAE_ID}/dec_keys    ETSI GS QKD 014 5.3
 *   GET      /sim/v1/stats    counters of this KME (connections, ...)
 *   GET|POST /sim/v1/faults   show / replace this KME's faults
 *
 * The caller is the SAE named by its verified client certificate; it must be
 * attached to this KME (else 401).  Errors follow ETSI GS QKD 014 5 and 6.5:
 * 400 with a message for bad requests and unknown key_IDs, 401 for an SAE
 * that may not have a key, 503 when keys cannot be delivered; every error,
 * also 404, 405 (with Allow) and those of the control endpoints, is an
 * error object.  Only libevent's own refusals (a malformed request line,
 * a body over SIM_MAX_BODY) stay its HTML.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "keymgr/kme_sim/kme_sim.h"
#include "lib/log.h"
#include "lib/sb.h"

struct sim_delay {
	TAILQ_ENTRY(sim_delay) entry;
	struct sim_kme *kme;
	struct evhttp_request *req;
	struct event *ev;
};

static void sim_api_handle(struct sim_kme *kme, struct evhttp_request *req);

static void
sim_reply_raw(struct evhttp_request *req, int code, const char *reason,
    const char *ctype, const char *body, size_t len)
{
	struct evbuffer *buf = evbuffer_new();

	evhttp_add_header(
	    evhttp_request_get_output_headers(req), "Content-Type", ctype);
	if (buf != NULL)
		evbuffer_add(buf, body, len);
	evhttp_send_reply(req, code, reason, buf);
	evbuffer_free(buf);
}

static const char *
sim_reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	default: return "Service Unavailable";
	}
}

/* An ETSI GS QKD 014 6.5 error object, as it is (no faults applied). */
static void
sim_reply_json_error(
    struct evhttp_request *req, int code, json_t *details, const char *msg)
{
	json_t *root = json_pack("{s:s}", "message", msg);
	char *s;

	if (details != NULL)
		json_object_set_new(root, "details", details);
	s = json_dumps(root, JSON_COMPACT);
	sim_reply_raw(
	    req, code, sim_reason(code), "application/json", s, strlen(s));
	free(s);
	json_decref(root);
}

/* ETSI GS QKD 014 6.5; with the `html` fault the page a web server sends. */
static void sim_reply_error(struct sim_kme *kme, struct evhttp_request *req,
    int code, json_t *details, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
sim_reply_error(struct sim_kme *kme, struct evhttp_request *req, int code,
    json_t *details, const char *fmt, ...)
{
	char msg[512];
	struct sb sb;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kme->stats.errors++;
	log_debug("KME %s: %d %s", kme->name, code, msg);
	if (kme->faults.html) {
		sb_init(&sb);
		sb_printf(&sb,
		    "<html><head><title>%d %s</title></head><body>"
		    "<h1>%s</h1><hr><center>nginx</center></body></html>\n",
		    code, sim_reason(code), sim_reason(code));
		sim_reply_raw(
		    req, code, sim_reason(code), "text/html", sb.buf, sb.len);
		sb_free(&sb);
		json_decref(details);
		return;
	}
	sim_reply_json_error(req, code, details, msg);
}

static const char *
sim_method(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_TRACE: return "TRACE";
	case EVHTTP_REQ_CONNECT: return "CONNECT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "?";
	}
}

/*
 * Is the request's method one of allow ("GET" or "GET, POST")?  If not,
 * 405 with an Allow header (RFC 9110 15.5.6) and an error object.
 */
static bool
sim_method_ok(struct evhttp_request *req, const char *allow, bool post,
    const char *path, struct sim_kme *faulted)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	char msg[256];

	if (cmd == EVHTTP_REQ_GET || (post && cmd == EVHTTP_REQ_POST))
		return true;
	evhttp_add_header(
	    evhttp_request_get_output_headers(req), "Allow", allow);
	snprintf(msg, sizeof(msg), "method %s not allowed on %.128s (%s)",
	    sim_method(cmd), path, allow);
	if (faulted != NULL)
		sim_reply_error(faulted, req, 405, NULL, "%s", msg);
	else
		sim_reply_json_error(req, 405, NULL, msg);
	return false;
}

/* A 200 reply; `malformed` cuts it, `huge` pads it.  Wipes the text. */
static void
sim_reply_ok(struct sim_kme *kme, struct evhttp_request *req, json_t *root)
{
	struct evbuffer *buf;
	char *s, *pad;
	size_t len;

	s = json_dumps(root, JSON_COMPACT);
	len = strlen(s);
	if (kme->faults.malformed)
		len = len / 2;
	buf = evbuffer_new();
	evbuffer_add(buf, s, len);
	if (kme->faults.malformed)
		evbuffer_add(buf, "<!-- truncated", 14);
	if (kme->faults.huge) {
		/* Trailing whitespace: valid JSON, too big for the client. */
		pad = xmalloc(SIM_HUGE_BODY);
		memset(pad, ' ', SIM_HUGE_BODY);
		evbuffer_add(buf, pad, SIM_HUGE_BODY);
		free(pad);
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, 200, "OK", buf);
	evbuffer_free(buf);
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

/* Strict decimal in [min, max]; -1 on anything else. */
static long
sim_number(const char *s, long min, long max)
{
	char *end;
	long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	return v;
}

/* The body of a POST as JSON object ({} when empty), or NULL. */
static json_t *
sim_body_json(struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	unsigned char *p;

	if (len == 0)
		return json_object();
	if (len > SIM_MAX_BODY || (p = evbuffer_pullup(in, -1)) == NULL)
		return NULL;
	return json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, NULL);
}

/* ETSI GS QKD 014 6.3: the key container, with the faults applied. */
static json_t *
sim_key_container(struct sim_kme *kme, struct sim_key **keys, size_t n)
{
	json_t *arr = json_array();
	unsigned char b64[SIM_MAX_KEY_BITS / 6 + 8];
	size_t i, len;

	if (kme->faults.short_list && n > 0)
		n--;
	for (i = 0; i < n; i++) {
		len = keys[i]->len;
		if (kme->faults.wrong_size && len > 1)
			len--;
		EVP_EncodeBlock(b64, keys[i]->key, (int)len);
		if (kme->faults.bad_base64)
			b64[0] = '*';
		json_array_append_new(arr,
		    json_pack("{s:s,s:s}", "key_ID", keys[i]->id, "key",
			(char *)b64));
		OPENSSL_cleanse(b64, sizeof(b64));
	}
	kme->stats.keys_out += n;
	return json_pack("{s:o}", "keys", arr);
}

/* Wipe the base64 text in a container before it is released. */
static void
sim_key_container_free(json_t *root)
{
	json_t *ent, *k;
	size_t i;

	json_array_foreach(json_object_get(root, "keys"), i, ent)
	{
		k = json_object_get(ent, "key");
		OPENSSL_cleanse(
		    (char *)json_string_value(k), json_string_length(k));
	}
	json_decref(root);
}

/* ETSI GS QKD 014 5.1, 6.1 */
static void
sim_status(struct sim_kme *kme, struct evhttp_request *req, const char *caller,
    const char *slave, struct sim_kme *peer)
{
	struct sim_limits *lim = &kme->sim->lim;
	long stored;
	json_t *root;

	stored = kme->faults.exhaust
	    ? 0
	    : sim_pool_stored(kme->sim->pool, caller, slave);
	root = json_pack("{s:s,s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:i}",
	    "source_KME_ID", kme->name, "target_KME_ID", peer->name,
	    "master_SAE_ID", caller, "slave_SAE_ID", slave, "key_size",
	    (json_int_t)lim->key_size, "stored_key_count", (json_int_t)stored,
	    "max_key_count", (json_int_t)lim->max_key_count,
	    "max_key_per_request", (json_int_t)lim->max_key_per_request,
	    "max_key_size", (json_int_t)lim->max_key_size, "min_key_size",
	    (json_int_t)lim->min_key_size, "max_SAE_ID_count",
	    (json_int_t)lim->max_sae_id_count);
	sim_reply_ok(kme, req, root);
	json_decref(root);
}

/*
 * ETSI GS QKD 014 6.2: additional_slave_SAE_IDs (at most max_SAE_ID_count;
 * this KME has no key multicast, so 0) and extension_mandatory (none is
 * supported: each one named in the details, as in the 6.5 example).
 */
static int
sim_key_request_ext(
    struct sim_kme *kme, struct evhttp_request *req, json_t *body)
{
	long max = kme->sim->lim.max_sae_id_count;
	json_t *v = json_object_get(body, "additional_slave_SAE_IDs");
	json_t *ext = json_object_get(body, "extension_mandatory");
	json_t *details, *e, *val;
	const char *name;
	size_t i;

	if ((v != NULL && !json_is_array(v)) ||
	    (ext != NULL && !json_is_array(ext))) {
		sim_reply_error(kme, req, 400, NULL,
		    "additional_slave_SAE_IDs"
		    " and extension_mandatory must be arrays");
		return -1;
	}
	if ((long)json_array_size(v) > max) {
		sim_reply_error(kme, req, 400,
		    json_pack("[{s:I}]", "max_SAE_ID_count", (json_int_t)max),
		    "%zu "
		    "additional_slave_SAE_IDs, more than max_SAE_ID_count "
		    "%ld%s",
		    json_array_size(v), max,
		    max == 0 ? " (this KME has no key"
			       " multicast)"
			     : "");
		return -1;
	}
	if (json_array_size(ext) == 0)
		return 0;
	details = json_array();
	json_array_foreach(ext, i, e)
	{
		char what[160];
		json_object_foreach(e, name, val)
		{
			snprintf(what, sizeof(what), "%.100s is not supported",
			    name);
			json_array_append_new(details,
			    json_pack("{s:s}",
				"extension_mandatory_unsupported", what));
		}
	}
	sim_reply_error(kme, req, 400, details,
	    "not all extension_mandatory"
	    " parameters are supported");
	return -1;
}

/* ETSI GS QKD 014 6.2: number and size from the query or the body. */
static int
sim_key_request(
    struct sim_kme *kme, struct evhttp_request *req, long *number, long *size)
{
	struct sim_limits *lim = &kme->sim->lim;
	struct evkeyvalq q;
	const char *query, *s;
	json_t *body, *v;

	*number = 1;
	*size = lim->key_size;
	if (evhttp_request_get_command(req) == EVHTTP_REQ_GET) {
		query =
		    evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
		TAILQ_INIT(&q);
		if (query != NULL && evhttp_parse_query_str(query, &q) == -1) {
			sim_reply_error(kme, req, 400, NULL, "bad query");
			return -1;
		}
		if ((s = evhttp_find_header(&q, "number")) != NULL)
			*number = sim_number(s, 0, 1L << 30);
		if ((s = evhttp_find_header(&q, "size")) != NULL)
			*size = sim_number(s, 0, 1L << 30);
		evhttp_clear_headers(&q);
	} else {
		if ((body = sim_body_json(req)) == NULL ||
		    !json_is_object(body)) {
			json_decref(body);
			sim_reply_error(kme, req, 400, NULL,
			    "request body is "
			    "not a JSON object");
			return -1;
		}
		v = json_object_get(body, "number");
		if (v != NULL)
			*number = json_is_integer(v)
			    ? (long)json_integer_value(v)
			    : -1;
		v = json_object_get(body, "size");
		if (v != NULL)
			*size = json_is_integer(v) ? (long)json_integer_value(v)
						   : -1;
		if (sim_key_request_ext(kme, req, body) == -1) {
			json_decref(body);
			return -1;
		}
		json_decref(body);
	}
	if (*number < 1 || *number > lim->max_key_per_request) {
		sim_reply_error(kme, req, 400, NULL, "number must be 1..%ld",
		    lim->max_key_per_request);
		return -1;
	}
	if (*size < lim->min_key_size || *size > lim->max_key_size ||
	    *size % 8 != 0) {
		sim_reply_error(kme, req, 400, NULL,
		    "size must be a multiple "
		    "of 8 in %ld..%ld",
		    lim->min_key_size, lim->max_key_size);
		return -1;
	}
	return 0;
}

/* ETSI GS QKD 014 5.2: the caller is the master SAE. */
static void
sim_enc_keys(struct sim_kme *kme, struct evhttp_request *req,
    const char *caller, const char *slave)
{
	struct sim_key **keys;
	long number, size;
	json_t *root;

	if (sim_key_request(kme, req, &number, &size) == -1)
		return;
	if (kme->faults.exhaust) {
		sim_reply_error(kme, req, 503, NULL,
		    "no keys stored for "
		    "%s -> %s",
		    caller, slave);
		return;
	}
	keys = xcalloc((size_t)number, sizeof(*keys));
	if (sim_pool_take(kme->sim->pool, caller, slave, (size_t)number,
		(size_t)size / 8, keys) == -1) {
		sim_reply_error(kme, req, 503, NULL,
		    "insufficient keys stored "
		    "for %s -> %s",
		    caller, slave);
		free(keys);
		return;
	}
	root = sim_key_container(kme, keys, (size_t)number);
	sim_reply_ok(kme, req, root);
	sim_key_container_free(root);
	free(keys);
}

/* The key_IDs of a dec_keys request (ETSI GS QKD 014 6.4); count or -1. */
static long
sim_key_ids(struct sim_kme *kme, struct evhttp_request *req, json_t **out)
{
	struct evkeyvalq q;
	const char *query, *s;
	json_t *body, *arr, *ent, *id;
	size_t i;

	*out = json_array();
	if (evhttp_request_get_command(req) == EVHTTP_REQ_GET) {
		query =
		    evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
		TAILQ_INIT(&q);
		if (query != NULL && evhttp_parse_query_str(query, &q) == 0 &&
		    (s = evhttp_find_header(&q, "key_ID")) != NULL)
			json_array_append_new(*out, json_string(s));
		evhttp_clear_headers(&q);
	} else if ((body = sim_body_json(req)) != NULL) {
		arr = json_object_get(body, "key_IDs");
		json_array_foreach(arr, i, ent)
		{
			id = json_object_get(ent, "key_ID");
			if (!json_is_string(id)) {
				json_array_clear(*out);
				break;
			}
			json_array_append(*out, id);
		}
		json_decref(body);
	}
	if (json_array_size(*out) == 0 ||
	    (long)json_array_size(*out) > kme->sim->lim.max_key_per_request) {
		sim_reply_error(kme, req, 400, NULL, "need 1..%ld key_IDs",
		    kme->sim->lim.max_key_per_request);
		return -1;
	}
	/* A key is handed out once: the same key_ID twice is a bad request. */
	for (i = 1; i < json_array_size(*out); i++)
		for (size_t k = 0; k < i; k++)
			if (json_equal(json_array_get(*out, i),
				json_array_get(*out, k))) {
				sim_reply_error(kme, req, 400,
				    json_pack("[{s:s}]", "duplicate_key_ID",
					json_string_value(
					    json_array_get(*out, i))),
				    "key_ID %.40s requested twice",
				    json_string_value(json_array_get(*out, i)));
				return -1;
			}
	return (long)json_array_size(*out);
}

/* ETSI GS QKD 014 5.3: the caller is the slave SAE. */
static void
sim_dec_keys(struct sim_kme *kme, struct evhttp_request *req,
    const char *caller, const char *master)
{
	struct sim_key **keys = NULL;
	json_t *ids = NULL, *root;
	const char *id;
	long n, i;

	if ((n = sim_key_ids(kme, req, &ids)) == -1)
		goto done;
	keys = xcalloc((size_t)n, sizeof(*keys));
	/* Check every ID before handing out any (all or nothing). */
	for (i = 0; i < n; i++) {
		id = json_string_value(json_array_get(ids, (size_t)i));
		if ((keys[i] = sim_pool_find(kme->sim->pool, id)) == NULL) {
			sim_reply_error(kme, req, 400, NULL,
			    "key_ID %.40s "
			    "unknown or already retrieved",
			    id);
			goto done;
		}
		if (strcmp(keys[i]->master, master) != 0 ||
		    strcmp(keys[i]->slave, caller) != 0) {
			sim_reply_error(kme, req, 401, NULL,
			    "SAE %s is not "
			    "the slave of key_ID %s from %s",
			    caller, id, master);
			goto done;
		}
	}
	root = sim_key_container(kme, keys, (size_t)n);
	sim_reply_ok(kme, req, root);
	sim_key_container_free(root);
	if (!kme->faults.many)
		for (i = 0; i < n; i++)
			sim_pool_remove(kme->sim->pool, keys[i]);
done:
	free(keys);
	json_decref(ids);
}

static void
sim_control(struct sim_kme *kme, struct evhttp_request *req, const char *op)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	char list[512], *text;
	size_t len;
	json_t *root;

	if (strcmp(op, "stats") == 0) {
		if (!sim_method_ok(req, "GET", false, "/sim/v1/stats", NULL))
			return;
		root = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "kme",
		    kme->name, "connections",
		    (json_int_t)kme->stats.connections, "handshakes",
		    (json_int_t)kme->stats.handshakes, "resumed",
		    (json_int_t)kme->stats.resumed, "requests",
		    (json_int_t)kme->stats.requests, "keys_delivered",
		    (json_int_t)kme->stats.keys_out, "errors",
		    (json_int_t)kme->stats.errors, "pool_keys",
		    (json_int_t)sim_pool_count(kme->sim->pool));
	} else if (strcmp(op, "faults") == 0) {
		if (!sim_method_ok(
			req, "GET, POST", true, "/sim/v1/faults", NULL))
			return;
		if (evhttp_request_get_command(req) == EVHTTP_REQ_POST) {
			len = evbuffer_get_length(in);
			if (len >= sizeof(list)) {
				sim_reply_json_error(
				    req, 400, NULL, "fault list too long");
				return;
			}
			evbuffer_copyout(in, list, len);
			list[len] = '\0';
			while (len > 0 &&
			    (list[len - 1] == '\n' || list[len - 1] == '\r'))
				list[--len] = '\0';
			if (sim_faults_parse(list, &kme->faults) == -1) {
				sim_reply_json_error(
				    req, 400, NULL, "bad fault list");
				return;
			}
			log_info("KME %s: faults now %s", kme->name, list);
		}
		sim_faults_format(&kme->faults, list, sizeof(list));
		root = json_pack("{s:s,s:s}", "kme", kme->name, "faults", list);
	} else {
		sim_reply_json_error(req, 404, NULL,
		    "no such control resource"
		    " (/sim/v1/stats, /sim/v1/faults)");
		return;
	}
	/* Control replies bypass the faults. */
	text = json_dumps(root, JSON_COMPACT);
	sim_reply_raw(req, 200, "OK", "application/json", text, strlen(text));
	free(text);
	json_decref(root);
}

/* "/api/v1/keys/{SAE}/{op}": the decoded SAE ID and op, or -1. */
static int
sim_split_path(const char *path, char *sae, size_t saelen, const char **op)
{
	const char *p = path + strlen("/api/v1/keys/"), *slash;
	char *dec;
	size_t n;

	if (strncmp(path, "/api/v1/keys/", strlen("/api/v1/keys/")) != 0 ||
	    (slash = strchr(p, '/')) == NULL || slash == p)
		return -1;
	*op = slash + 1;
	n = (size_t)(slash - p);
	if (n > SIM_ID_MAX * 3)
		return -1;
	memcpy(sae, p, n);
	sae[n] = '\0';
	if ((dec = evhttp_uridecode(sae, 0, &n)) == NULL)
		return -1;
	if (n == 0 || n >= saelen || strlen(dec) != n) {
		free(dec);
		return -1;
	}
	memcpy(sae, dec, n + 1);
	free(dec);
	return 0;
}

static void
sim_api_handle(struct sim_kme *kme, struct evhttp_request *req)
{
	char caller[SIM_ID_MAX + 1], sae[SIM_ID_MAX * 3 + 1];
	const char *path, *op;
	struct sim_kme *peer;
	bool status;

	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path == NULL || sim_split_path(path, sae, sizeof(sae), &op) == -1 ||
	    (!(status = strcmp(op, "status") == 0) &&
		strcmp(op, "enc_keys") != 0 && strcmp(op, "dec_keys") != 0)) {
		sim_reply_error(kme, req, 404, NULL, "no such resource");
		return;
	}
	/* ETSI GS QKD 014 5: the SAE is who its certificate says. */
	if (sim_tls_peer_sae(req, caller, sizeof(caller)) == -1 ||
	    !sim_kme_has_sae(kme, caller)) {
		sim_reply_error(kme, req, 401, NULL,
		    "SAE not attached to KME "
		    "%s",
		    kme->name);
		return;
	}
	/* ETSI GS QKD 014 5: Status is GET only, the key requests GET or POST.
	 */
	if (!sim_method_ok(
		req, status ? "GET" : "GET, POST", !status, path, kme))
		return;
	if (kme->faults.unavailable) {
		sim_reply_error(kme, req, 503, NULL, "key data access error");
		return;
	}
	if ((peer = sim_kme_of_sae(kme->sim, sae)) == NULL ||
	    strcmp(sae, caller) == 0) {
		sim_reply_error(kme, req, 400, NULL, "unknown SAE %.64s", sae);
		return;
	}
	if (status)
		sim_status(kme, req, caller, sae, peer);
	else if (strcmp(op, "enc_keys") == 0)
		sim_enc_keys(kme, req, caller, sae);
	else
		sim_dec_keys(kme, req, caller, sae);
}

static void
sim_delay_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim_delay *d = arg;

	TAILQ_REMOVE(&d->kme->delays, d, entry);
	sim_api_handle(d->kme, d->req);
	event_free(d->ev);
	free(d);
}

void
sim_api_cb(struct evhttp_request *req, void *arg)
{
	struct sim_kme *kme = arg;
	const char *path;
	struct sim_delay *d;
	struct timeval tv;

	kme->stats.requests++;
	/* evhttp closes the connection once this reply is out. */
	if (kme->faults.close)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path != NULL && strncmp(path, "/sim/v1/", 8) == 0) {
		sim_control(kme, req, path + 8);
		return;
	}
	if (kme->faults.latency_ms <= 0) {
		sim_api_handle(kme, req);
		return;
	}
	/*
	 * Answer later without blocking the other KMEs.  If the client gives
	 * up meanwhile, evhttp detaches the request from its connection and
	 * our late reply just frees it.
	 */
	d = xcalloc(1, sizeof(*d));
	d->kme = kme;
	d->req = req;
	d->ev = evtimer_new(kme->sim->base, sim_delay_cb, d);
	tv.tv_sec = kme->faults.latency_ms / 1000;
	tv.tv_usec = (kme->faults.latency_ms % 1000) * 1000;
	TAILQ_INSERT_TAIL(&kme->delays, d, entry);
	evtimer_add(d->ev, &tv);
}

/* Answer what still waits (503) so no request is left behind. */
void
sim_api_shutdown(struct sim_kme *kme)
{
	struct sim_delay *d;

	while ((d = TAILQ_FIRST(&kme->delays)) != NULL) {
		TAILQ_REMOVE(&kme->delays, d, entry);
		sim_reply_json_error(d->req, 503, NULL,
		    "the KME is shutting"
		    " down");
		event_free(d->ev);
		free(d);
	}
}
