/*
 * qkd014: the HTTPS side of the ETSI GS QKD 014 client (see qkd014.h).
 *
 * One CURL easy handle per KME carries every request, so libcurl keeps the
 * TLS connection (and session) open between calls.  The handle is set up once
 * in qkd_client_new() with everything that makes the channel trustworthy:
 * HTTPS only, TLS >= 1.2, peer and host verification against the configured
 * CA alone (no system store), our client certificate, connect and total
 * timeouts, no redirects, and a reply size cap enforced while receiving.
 * Per request only the URL, the method and the body change.
 *
 * The handle runs in a multi handle of its own (which keeps the connection
 * between requests) so that a request can be cancelled from another thread
 * at once: qkd_client_cancel() sets a flag and wakes curl_multi_poll(), and
 * the request ends there, with no wait for the KME or for a timeout
 * (keymgr's stop while a KME holds a request: keymgr/worker.c).
 *
 * The library does not log: failures are reported through struct qkd_error
 * and the caller (keymgr) logs them once and counts them per code.
 */
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "keymgr/qkd014.h"
#include "keymgr/qkd014_priv.h"
#include "lib/sb.h"

struct qkd_client {
	CURL *curl;
	CURLM *multi;	       /* carries curl, keeps its connection */
	atomic_bool cancelled; /* qkd_client_cancel: set once, for good */
	struct curl_slist *hdr_get;
	struct curl_slist *hdr_post;
	char *base_url;
	unsigned char *ca_blob; /* our copies, CURL_BLOB_NOCOPY */
	size_t ca_blob_len;
	unsigned char *cert_blob;
	size_t cert_blob_len;
	unsigned char *key_blob;
	size_t key_blob_len;
	char *body; /* reply body, max_response + 1 bytes */
	size_t body_len;
	size_t max_response;
	bool overflow;
	long connect_timeout_ms;	   /* as configured */
	int (*ssl_ctx_fn)(void *, void *); /* or NULL */
	void *ssl_ctx_arg;
	char errbuf[CURL_ERROR_SIZE];
	struct qkd_client_stats stats;
};

/* CURLOPT_WRITEFUNCTION: append, refusing anything past the cap. */
static size_t
qkd_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct qkd_client *qc = arg;
	size_t n = nmemb;

	if (size != 1)
		return 0;
	if (n > qc->max_response - qc->body_len) {
		qc->overflow = true;
		return 0; /* CURLE_WRITE_ERROR */
	}
	memcpy(qc->body + qc->body_len, ptr, n);
	qc->body_len += n;
	return n;
}

static unsigned char *
qkd_memdup(const void *p, size_t n)
{
	unsigned char *q = xmalloc(n);

	memcpy(q, p, n);
	return q;
}

/* CURLOPT_SSL_CTX_FUNCTION: the caller's set-up of each new SSL_CTX. */
static CURLcode
qkd_ssl_ctx_cb(CURL *curl, void *ssl_ctx, void *arg)
{
	const struct qkd_client *qc = arg;

	return qc->ssl_ctx_fn(ssl_ctx, qc->ssl_ctx_arg) == 0
	    ? CURLE_OK
	    : CURLE_SSL_CERTPROBLEM;
}

/* The whole TLS set-up by the caller's SSL_CTX function. */
static CURLcode
qkd_setup_tls_fn(struct qkd_client *qc, const struct qkd_client_config *cfg)
{
	CURL *c = qc->curl;
	CURLcode rc = CURLE_OK;

	qc->ssl_ctx_fn = cfg->ssl_ctx_fn;
	qc->ssl_ctx_arg = cfg->ssl_ctx_arg;
	/* Nothing of libcurl's own: no CA file, no system directory. */
	rc |= curl_easy_setopt(c, CURLOPT_CAINFO, NULL);
	rc |= curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	rc |= curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, qkd_ssl_ctx_cb);
	rc |= curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, qc);
	return rc;
}

static int
qkd_setup_tls(struct qkd_client *qc, const struct qkd_client_config *cfg,
    struct qkd_error *err)
{
	CURL *c = qc->curl;
	struct curl_blob blob;
	CURLcode rc = CURLE_OK;

	/* ETSI GS QKD 014 5: TLS with mutual authentication. */
	if (cfg->ca_file == NULL && cfg->ca_blob == NULL &&
	    cfg->ssl_ctx_fn == NULL) {
		qkd_seterr(err, QKD_ERR_ARG, "no CA file to verify the KME");
		return -1;
	}
	rc |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	rc |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	rc |= curl_easy_setopt(
	    c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (cfg->ssl_ctx_fn != NULL) {
		rc |= qkd_setup_tls_fn(qc, cfg);
	} else if (cfg->ca_blob != NULL) {
		/* CAINFO_BLOB: libcurl 7.77 with OpenSSL. */
		qc->ca_blob = qkd_memdup(cfg->ca_blob, cfg->ca_blob_len);
		qc->ca_blob_len = cfg->ca_blob_len;
		blob.data = qc->ca_blob;
		blob.len = qc->ca_blob_len;
		blob.flags = CURL_BLOB_NOCOPY;
		rc |= curl_easy_setopt(c, CURLOPT_CAINFO, NULL);
		rc |= curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
	} else {
		rc |= curl_easy_setopt(c, CURLOPT_CAINFO, cfg->ca_file);
	}
	/* Only the configured CA: not the system directory. */
	rc |= curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	if (cfg->ssl_ctx_fn != NULL) {
		/* our certificate and key come with the SSL_CTX */
	} else if (cfg->cert_blob != NULL && cfg->key_blob != NULL) {
		qc->cert_blob = qkd_memdup(cfg->cert_blob, cfg->cert_blob_len);
		qc->cert_blob_len = cfg->cert_blob_len;
		qc->key_blob = qkd_memdup(cfg->key_blob, cfg->key_blob_len);
		qc->key_blob_len = cfg->key_blob_len;
		blob.data = qc->cert_blob;
		blob.len = qc->cert_blob_len;
		blob.flags = CURL_BLOB_NOCOPY;
		rc |= curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &blob);
		blob.data = qc->key_blob;
		blob.len = qc->key_blob_len;
		rc |= curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &blob);
	} else if (cfg->cert_file != NULL && cfg->key_file != NULL) {
		rc |= curl_easy_setopt(c, CURLOPT_SSLCERT, cfg->cert_file);
		rc |= curl_easy_setopt(c, CURLOPT_SSLKEY, cfg->key_file);
	} else {
		qkd_seterr(err, QKD_ERR_ARG, "no client certificate and key");
		return -1;
	}
	rc |= curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
	rc |= curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
	if (rc != CURLE_OK) {
		qkd_seterr(err, QKD_ERR_TLS_LOCAL,
		    "libcurl refused a TLS "
		    "option (is it built with OpenSSL?)");
		return -1;
	}
	return 0;
}

static int
qkd_setup(struct qkd_client *qc, const struct qkd_client_config *cfg,
    struct qkd_error *err)
{
	CURL *c = qc->curl;
	CURLcode rc = CURLE_OK;
	long cto, to;

	cto = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms
					  : QKD_CONNECT_TIMEOUT_MS_DEFAULT;
	to = cfg->timeout_ms > 0 ? cfg->timeout_ms : QKD_TIMEOUT_MS_DEFAULT;
	qc->connect_timeout_ms = cto;
	rc |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	rc |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(
	    c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	rc |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, cto);
	rc |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, to);
	rc |= curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
	rc |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	rc |= curl_easy_setopt(
	    c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)qc->max_response);
	rc |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, qkd_write_cb);
	rc |= curl_easy_setopt(c, CURLOPT_WRITEDATA, qc);
	rc |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, qc->errbuf);
	rc |= curl_easy_setopt(
	    c, CURLOPT_USERAGENT, "qsafe-keymgr/" QSAFE_VERSION);
	if (rc != CURLE_OK) {
		qkd_seterr(err, QKD_ERR_ARG, "libcurl refused an option");
		return -1;
	}
	return qkd_setup_tls(qc, cfg, err);
}

struct qkd_client *
qkd_client_new(const struct qkd_client_config *cfg, struct qkd_error *err)
{
	struct qkd_client *qc;
	size_t n;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (cfg == NULL || cfg->base_url == NULL ||
	    strncasecmp(cfg->base_url, "https://", 8) != 0 ||
	    cfg->max_response > QKD_MAX_RESPONSE_LIMIT) {
		qkd_seterr(err, QKD_ERR_ARG,
		    "KME URL must be https:// and "
		    "the reply cap at most %u bytes",
		    QKD_MAX_RESPONSE_LIMIT);
		return NULL;
	}
	qc = xcalloc(1, sizeof(*qc));
	qc->base_url = xstrdup(cfg->base_url);
	n = strlen(qc->base_url);
	while (n > 8 && qc->base_url[n - 1] == '/')
		qc->base_url[--n] = '\0';
	qc->max_response =
	    cfg->max_response ? cfg->max_response : QKD_MAX_RESPONSE_DEFAULT;
	qc->body = xmalloc(qc->max_response + 1);
	qc->hdr_get = curl_slist_append(NULL, "Accept: application/json");
	qc->hdr_post = curl_slist_append(NULL, "Accept: application/json");
	if (qc->hdr_post != NULL)
		qc->hdr_post = curl_slist_append(
		    qc->hdr_post, "Content-Type: application/json");
	atomic_init(&qc->cancelled, false);
	if ((qc->curl = curl_easy_init()) == NULL ||
	    (qc->multi = curl_multi_init()) == NULL || qc->hdr_get == NULL ||
	    qc->hdr_post == NULL) {
		qkd_seterr(err, QKD_ERR_ARG, "libcurl initialisation failed");
		goto fail;
	}
	if (qkd_setup(qc, cfg, err) == -1)
		goto fail;
	return qc;
fail:
	qkd_client_free(qc);
	return NULL;
}

void
qkd_client_free(struct qkd_client *qc)
{
	if (qc == NULL)
		return;
	/* curl is out of the multi handle between requests */
	if (qc->multi != NULL)
		curl_multi_cleanup(qc->multi);
	if (qc->curl != NULL)
		curl_easy_cleanup(qc->curl);
	curl_slist_free_all(qc->hdr_get);
	curl_slist_free_all(qc->hdr_post);
	if (qc->key_blob != NULL)
		OPENSSL_cleanse(qc->key_blob, qc->key_blob_len);
	free(qc->key_blob);
	free(qc->cert_blob);
	free(qc->ca_blob);
	OPENSSL_cleanse(qc->body, qc->max_response + 1);
	free(qc->body);
	free(qc->base_url);
	free(qc);
}

void
qkd_client_set_timeout(struct qkd_client *qc, long timeout_ms)
{
	/* 0 would mean no timeout to libcurl. */
	if (timeout_ms < 1)
		timeout_ms = 1;
	curl_easy_setopt(qc->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(qc->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    qc->connect_timeout_ms < timeout_ms ? qc->connect_timeout_ms
						: timeout_ms);
}

void
qkd_client_cancel(struct qkd_client *qc)
{
	atomic_store(&qc->cancelled, true);
	/* curl_multi_wakeup(3): the one call meant for another thread */
	curl_multi_wakeup(qc->multi);
}

void
qkd_client_stats(const struct qkd_client *qc, struct qkd_client_stats *st)
{
	*st = qc->stats;
}

static enum qkd_err
qkd_map_curl(struct qkd_client *qc, CURLcode rc, bool fresh)
{
	switch (rc) {
	case CURLE_WRITE_ERROR:
		return qc->overflow ? QKD_ERR_TOO_LARGE : QKD_ERR_TRANSPORT;
	case CURLE_FILESIZE_EXCEEDED: return QKD_ERR_TOO_LARGE;
	case CURLE_OPERATION_TIMEDOUT: return QKD_ERR_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT: return QKD_ERR_CONNECT;
	case CURLE_PEER_FAILED_VERIFICATION: return QKD_ERR_TLS_KME_UNTRUSTED;
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED: return QKD_ERR_TLS_LOCAL;
	case CURLE_SSL_CONNECT_ERROR: return QKD_ERR_TLS_REJECTED;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
		/*
		 * TLS 1.3: the KME checks our certificate after the client
		 * has finished its handshake, so a refusal arrives as an
		 * alert on the first read -- or, when the KME's close
		 * resets the connection first, as a send or receive error
		 * on a connection made for this very request, before any
		 * byte of HTTP came back.
		 */
		if (strstr(qc->errbuf, "alert") != NULL ||
		    (fresh && qc->body_len == 0))
			return QKD_ERR_TLS_REJECTED;
		return QKD_ERR_TRANSPORT;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL: return QKD_ERR_ARG;
	case CURLE_ABORTED_BY_CALLBACK: return QKD_ERR_CANCELLED;
	default: return QKD_ERR_TRANSPORT;
	}
}

static enum qkd_err
qkd_map_http(long status)
{
	/* ETSI GS QKD 014 5: 400, 401 and 503 are the defined errors. */
	switch (status) {
	case 400: return QKD_ERR_HTTP_400;
	case 401: return QKD_ERR_HTTP_401;
	case 503: return QKD_ERR_HTTP_503;
	default: return QKD_ERR_HTTP_OTHER;
	}
}

/*
 * curl_easy_perform, but in qc's multi handle: the wait for the KME ends
 * when the transfer does or when qkd_client_cancel() wakes it
 * (CURLE_ABORTED_BY_CALLBACK; removing an unfinished transfer closes its
 * connection).  libcurl's own timeouts hold as in the easy interface.
 */
static CURLcode
qkd_perform(struct qkd_client *qc)
{
	CURLcode rc = CURLE_ABORTED_BY_CALLBACK;
	CURLMsg *msg;
	int running = 1, left;

	if (atomic_load(&qc->cancelled))
		return rc;
	if (curl_multi_add_handle(qc->multi, qc->curl) != CURLM_OK)
		return CURLE_FAILED_INIT;
	while (running > 0) {
		if (curl_multi_perform(qc->multi, &running) != CURLM_OK) {
			rc = CURLE_FAILED_INIT;
			break;
		}
		if (running == 0 || atomic_load(&qc->cancelled))
			break;
		/* at most 1 s, less when one of libcurl's timers is due */
		if (curl_multi_poll(qc->multi, NULL, 0, 1000, NULL) !=
		    CURLM_OK) {
			rc = CURLE_FAILED_INIT;
			break;
		}
		if (atomic_load(&qc->cancelled))
			break;
	}
	while ((msg = curl_multi_info_read(qc->multi, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == qc->curl)
			rc = msg->data.result;
	curl_multi_remove_handle(qc->multi, qc->curl);
	return rc;
}

/*
 * One request.  On 0 the reply body is in qc->body/body_len (the caller
 * wipes it with qkd_body_wipe); on -1 *err says why.
 */
static int
qkd_request(struct qkd_client *qc, const char *url, const char *post,
    struct qkd_error *err)
{
	CURL *c = qc->curl;
	CURLcode rc;
	long status = 0, nconn = 0;
	char msg[QKD_REASON_MAX];
	enum qkd_err code;

	qc->body_len = 0;
	qc->overflow = false;
	qc->errbuf[0] = '\0';
	qc->stats.requests++;
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (post != NULL) {
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, qc->hdr_post);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(post));
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, qc->hdr_get);
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
	rc = qkd_perform(qc);
	if (curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &nconn) == CURLE_OK &&
	    nconn > 0)
		qc->stats.connects += (uint64_t)nconn;
	if (rc != CURLE_OK) {
		code = qkd_map_curl(qc, rc, nconn > 0);
		qkd_seterr(err, code, "%s: %s", qkd_err_str(code),
		    qc->errbuf[0] ? qc->errbuf : curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (err != NULL)
		err->http_status = status;
	if (status == 200)
		return 0;
	qkd_parse_error(qc->body, qc->body_len, msg, sizeof(msg));
	code = qkd_map_http(status);
	qkd_seterr(err, code, "HTTP %ld from KME: %s", status, msg);
	return -1;
}

static void
qkd_body_wipe(struct qkd_client *qc)
{
	OPENSSL_cleanse(qc->body, qc->body_len);
	qc->body_len = 0;
}

/* Printable, bounded, then percent-encoded into the URL by libcurl. */
static char *
qkd_url(struct qkd_client *qc, const char *sae_id, const char *op,
    const char *query, struct qkd_error *err)
{
	struct sb sb;
	char *esc;
	size_t i, n;

	n = sae_id != NULL ? strlen(sae_id) : 0;
	for (i = 0; i < n; i++)
		if (sae_id[i] <= 0x20 || sae_id[i] >= 0x7f)
			break;
	if (n == 0 || n > QKD_SAE_ID_MAX || i != n) {
		qkd_seterr(err, QKD_ERR_ARG,
		    "SAE ID empty, too long or not "
		    "printable");
		return NULL;
	}
	if ((esc = curl_easy_escape(qc->curl, sae_id, (int)n)) == NULL) {
		qkd_seterr(err, QKD_ERR_ARG, "cannot escape SAE ID");
		return NULL;
	}
	sb_init(&sb);
	/* ETSI GS QKD 014 5.1-5.3: https://{KME}/api/v1/keys/{SAE_ID}/op */
	sb_printf(&sb, "%s/api/v1/keys/%s/%s%s%s", qc->base_url, esc, op,
	    query ? "?" : "", query ? query : "");
	curl_free(esc);
	return sb_steal(&sb);
}

static void
qkd_begin(struct qkd_error *err)
{
	if (err != NULL)
		memset(err, 0, sizeof(*err));
}

static void
qkd_end(struct qkd_client *qc, int failed, size_t nkeys)
{
	if (failed)
		qc->stats.failures++;
	else
		qc->stats.keys += nkeys;
}

int
qkd_get_status(struct qkd_client *qc, const char *slave_sae_id,
    struct qkd_status *st, struct qkd_error *err)
{
	char *url;
	int ret = -1;

	qkd_begin(err);
	if ((url = qkd_url(qc, slave_sae_id, "status", NULL, err)) == NULL)
		goto done;
	if (qkd_request(qc, url, NULL, err) == -1)
		goto done;
	ret = qkd_parse_status(qc->body, qc->body_len, st, err);
done:
	qkd_body_wipe(qc);
	free(url);
	qkd_end(qc, ret == -1, 0);
	return ret;
}

struct qkd_keys *
qkd_get_key(struct qkd_client *qc, const char *slave_sae_id, unsigned number,
    unsigned size_bits, enum qkd_method method, struct qkd_error *err)
{
	struct qkd_keys *ks = NULL;
	char *url = NULL, *post = NULL, query[64];
	json_t *req;

	qkd_begin(err);
	if (number == 0 || number > QKD_MAX_KEYS_PER_CALL ||
	    size_bits % 8 != 0 || size_bits > QKD_MAX_KEY_BITS) {
		qkd_seterr(err, QKD_ERR_ARG,
		    "number must be 1..%d and size a "
		    "multiple of 8 up to %d",
		    QKD_MAX_KEYS_PER_CALL, QKD_MAX_KEY_BITS);
		goto done;
	}
	if (method == QKD_METHOD_GET) {
		/* ETSI GS QKD 014 5.2: GET carries number and size only. */
		if (size_bits != 0)
			snprintf(query, sizeof(query), "number=%u&size=%u",
			    number, size_bits);
		else
			snprintf(query, sizeof(query), "number=%u", number);
		url = qkd_url(qc, slave_sae_id, "enc_keys", query, err);
	} else {
		/* ETSI GS QKD 014 6.2: Key request */
		req = json_pack("{s:i}", "number", (json_int_t)number);
		if (size_bits != 0)
			json_object_set_new(
			    req, "size", json_integer(size_bits));
		post = json_dumps(req, JSON_COMPACT);
		json_decref(req);
		url = qkd_url(qc, slave_sae_id, "enc_keys", NULL, err);
	}
	if (url == NULL)
		goto done;
	if (qkd_request(qc, url, post, err) == -1)
		goto done;
	ks = qkd_parse_keys(qc->body, qc->body_len, number, size_bits, err);
done:
	qkd_body_wipe(qc);
	free(url);
	free(post);
	qkd_end(qc, ks == NULL, ks ? ks->count : 0);
	return ks;
}

/* Put the keys in the order of ids; every id exactly once. */
static int
qkd_match_ids(struct qkd_keys *ks, const char *const *ids, size_t n,
    struct qkd_error *err)
{
	struct qkd_key tmp;
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = i; j < ks->count; j++)
			if (strcmp(ks->keys[j].key_id, ids[i]) == 0)
				break;
		if (j == ks->count) {
			qkd_seterr(err, QKD_ERR_KEY_ID_MISMATCH,
			    "reply lacks "
			    "key_ID %s",
			    ids[i]);
			return -1;
		}
		if (j != i) {
			tmp = ks->keys[i];
			ks->keys[i] = ks->keys[j];
			ks->keys[j] = tmp;
		}
	}
	OPENSSL_cleanse(&tmp, sizeof(tmp));
	return 0;
}

static char *
qkd_key_ids_body(const char *const *ids, size_t n)
{
	json_t *req, *arr;
	char *s;
	size_t i;

	/* ETSI GS QKD 014 6.4: Key IDs */
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(
		    arr, json_pack("{s:s}", "key_ID", ids[i]));
	req = json_pack("{s:o}", "key_IDs", arr);
	s = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	return s;
}

static int
qkd_check_ids(const char *const *ids, size_t n, enum qkd_method method,
    struct qkd_error *err)
{
	size_t i, j, len, k;

	if (n == 0 || n > QKD_MAX_KEYS_PER_CALL ||
	    (method == QKD_METHOD_GET && n != 1)) {
		qkd_seterr(err, QKD_ERR_ARG, "need 1..%d key IDs (GET: one)",
		    QKD_MAX_KEYS_PER_CALL);
		return -1;
	}
	for (i = 0; i < n; i++) {
		len = ids[i] ? strlen(ids[i]) : 0;
		for (k = 0; k < len; k++)
			if (ids[i][k] <= 0x20 || ids[i][k] >= 0x7f)
				break;
		if (len == 0 || len > QKD_KEY_ID_MAX || k != len) {
			qkd_seterr(err, QKD_ERR_ARG,
			    "key ID %zu empty, too "
			    "long or not printable",
			    i);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(ids[i], ids[j]) == 0) {
				qkd_seterr(err, QKD_ERR_ARG,
				    "key ID %s given "
				    "twice",
				    ids[i]);
				return -1;
			}
	}
	return 0;
}

struct qkd_keys *
qkd_get_key_with_key_ids(struct qkd_client *qc, const char *master_sae_id,
    const char *const *key_ids, size_t n, unsigned size_bits,
    enum qkd_method method, struct qkd_error *err)
{
	struct qkd_keys *ks = NULL;
	char *url = NULL, *post = NULL, *esc = NULL, *query = NULL;

	qkd_begin(err);
	if (qkd_check_ids(key_ids, n, method, err) == -1)
		goto done;
	if (method == QKD_METHOD_GET) {
		/* ETSI GS QKD 014 5.3: GET carries a single key_ID. */
		esc = curl_easy_escape(qc->curl, key_ids[0], 0);
		if (esc == NULL) {
			qkd_seterr(err, QKD_ERR_ARG, "cannot escape key ID");
			goto done;
		}
		query = xmalloc(strlen(esc) + sizeof("key_ID="));
		strcpy(query, "key_ID=");
		strcat(query, esc);
	} else
		post = qkd_key_ids_body(key_ids, n);
	url = qkd_url(qc, master_sae_id, "dec_keys", query, err);
	if (url == NULL || qkd_request(qc, url, post, err) == -1)
		goto done;
	ks = qkd_parse_keys(qc->body, qc->body_len, n, size_bits, err);
	if (ks != NULL && qkd_match_ids(ks, key_ids, n, err) == -1) {
		qkd_keys_free(ks);
		ks = NULL;
	}
done:
	qkd_body_wipe(qc);
	curl_free(esc);
	free(query);
	free(url);
	free(post);
	qkd_end(qc, ks == NULL, ks ? ks->count : 0);
	return ks;
}
