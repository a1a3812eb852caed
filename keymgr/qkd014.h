/*
 * qkd014: an ETSI GS QKD 014 V1.1.1 client (the SAE side of the key delivery
 * REST API) over HTTPS with mutual TLS, on libcurl with the OpenSSL backend.
 *
 * One struct qkd_client talks to one KME.  It owns one CURL easy handle, so
 * one TLS connection is set up once and reused by every request (a key costs
 * one HTTP round trip, not one handshake).  A client is used by one thread at
 * a time; keymgr keeps one per quantum-key-manager profile.
 *
 * Every call returns 0 / a new object on success and -1 / NULL on failure,
 * and fills a struct qkd_error the caller provides: an enum code that names
 * the reason (stable: keymgr counts failures per code for `show security
 * key-manager profiles detail`), the HTTP status if there was one, and a
 * short human sentence (never key bytes; at most QKD_REASON_MAX bytes).
 *
 * Key ownership: keys come back in a struct qkd_keys that the caller owns and
 * releases with qkd_keys_free(), which wipes the key bytes
 * (OPENSSL_cleanse) before freeing.  The client wipes every reply buffer and
 * the base64 text inside the parsed JSON tree before it lets go of them.
 */
#ifndef QSAFE_QKD014_H
#define QSAFE_QKD014_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits (named, checked before use). */
#define QKD_MAX_RESPONSE_DEFAULT (256u * 1024) /* reply body cap, bytes */
#define QKD_MAX_RESPONSE_LIMIT (16u * 1024 * 1024)
#define QKD_CONNECT_TIMEOUT_MS_DEFAULT 3000
#define QKD_TIMEOUT_MS_DEFAULT 5000
#define QKD_MAX_KEYS_PER_CALL 1024 /* number= / key_IDs we ever ask for */
#define QKD_MAX_KEY_BITS 65536	   /* size= we ever ask for or accept */
#define QKD_KEY_ID_MAX 128	   /* key_ID length (a UUID is 36) */
#define QKD_SAE_ID_MAX 256	   /* SAE/KME ID length in URLs and replies */
#define QKD_REASON_MAX 256

/*
 * Failure reasons.  The numeric values may change; the names from
 * qkd_err_name() are stable tokens for counters and logs.
 */
enum qkd_err {
	QKD_OK = 0,
	QKD_ERR_ARG,	   /* caller passed something unusable */
	QKD_ERR_TLS_LOCAL, /* our cert/key/CA file or blob is unusable */
	QKD_ERR_CONNECT,   /* TCP connect or name resolution failed */
	QKD_ERR_TIMEOUT,   /* connect or total request timeout */
	QKD_ERR_TLS_KME_UNTRUSTED, /* KME certificate failed verification */
	QKD_ERR_TLS_REJECTED, /* handshake failed, e.g. KME refused our cert */
	QKD_ERR_TRANSPORT,    /* other send/receive failure */
	QKD_ERR_TOO_LARGE,    /* reply body over the configured cap */
	QKD_ERR_HTTP_400,     /* ETSI GS QKD 014 5: bad request */
	QKD_ERR_HTTP_401,     /* ETSI GS QKD 014 5: unauthorized (SAE) */
	QKD_ERR_HTTP_503,     /* ETSI GS QKD 014 5: error of server */
	QKD_ERR_HTTP_OTHER,   /* any other non-200 status */
	QKD_ERR_BAD_JSON,     /* a 200 reply that is not JSON */
	QKD_ERR_BAD_REPLY,    /* JSON, but wrong members or types */
	QKD_ERR_BAD_KEY,      /* key is not strict standard base64 */
	QKD_ERR_KEY_SIZE,     /* key of another size than asked */
	QKD_ERR_SHORT,	      /* fewer keys than asked */
	QKD_ERR_KEY_ID_MISMATCH, /* dec_keys answered other key_IDs */
	QKD_ERR_CANCELLED,	 /* qkd_client_cancel() ended it */
	QKD_ERR_COUNT
};

struct qkd_error {
	enum qkd_err code;
	long http_status;	     /* 0 when no HTTP reply came */
	char reason[QKD_REASON_MAX]; /* human sentence, may quote the KME */
};

/* "http-503", "timeout", ...: a stable token; "?" for out-of-range values. */
const char *qkd_err_name(enum qkd_err code);
/* A short fixed description of the code ("KME error (HTTP 503)"). */
const char *qkd_err_str(enum qkd_err code);
/* True for reasons that may go away by themselves (timeout, 503, ...). */
bool qkd_err_is_transient(enum qkd_err code);

/*
 * Where the KME is and who we are.  Strings and blobs are copied by
 * qkd_client_new(); the caller may free them afterwards.  For the client
 * certificate and key give either the file paths, the PEM blobs or an
 * SSL_CTX function.
 */
struct qkd_client_config {
	const char *base_url; /* "https://kme-a.example.net:443" (no path) */
	const char *ca_file;  /* PEM bundle the KME certificate must chain to */
	const void *ca_blob;  /* or: that bundle in memory (PEM), copied */
	size_t ca_blob_len;
	const char *cert_file; /* SAE client certificate (PEM) ... */
	const char *key_file;  /* ... and its private key (PEM) */
	const void *cert_blob; /* or: the certificate in memory (PEM) ... */
	size_t cert_blob_len;
	const void *key_blob; /* ... and the key (PEM); our copy of it is */
	size_t key_blob_len;  /* wiped by qkd_client_free() */
	/*
	 * or: a function that sets up each SSL_CTX itself — our certificate,
	 * key and trust store (libcurl's CURLOPT_SSL_CTX_FUNCTION, OpenSSL
	 * backend; keymgr gives pki_tls_ssl_ctx() of the pki library).  It
	 * returns 0, or -1 to fail the connection (QKD_ERR_TLS_LOCAL); with
	 * it no CA, certificate or key above is needed.
	 */
	int (*ssl_ctx_fn)(void *ssl_ctx, void *arg);
	void *ssl_ctx_arg;	 /* borrowed; must outlive the client */
	long connect_timeout_ms; /* 0: QKD_CONNECT_TIMEOUT_MS_DEFAULT */
	long timeout_ms;	 /* whole request; 0: QKD_TIMEOUT_MS_DEFAULT */
	size_t max_response;	 /* 0: QKD_MAX_RESPONSE_DEFAULT */
};

struct qkd_client;

/* A new client, or NULL with *err filled.  No connection is made yet. */
struct qkd_client *qkd_client_new(
    const struct qkd_client_config *cfg, struct qkd_error *err);
void qkd_client_free(struct qkd_client *qc);

/*
 * The whole-request timeout of the requests that follow (the connect
 * timeout stays as configured, or this if shorter): a caller with a
 * deadline gives each request the time left before it.
 */
void qkd_client_set_timeout(struct qkd_client *qc, long timeout_ms);

/*
 * Cancels the client for good: a request in progress ends at once (its
 * connection closed) and every later one fails at once, both with
 * QKD_ERR_CANCELLED.  The one call another thread may make while the
 * client is in use (keymgr's stop: worker_cancel_all); qc must stay
 * allocated until it returns.
 */
void qkd_client_cancel(struct qkd_client *qc);

/* Counters since qkd_client_new(), for show commands and tests. */
struct qkd_client_stats {
	uint64_t requests; /* HTTP requests attempted */
	uint64_t connects; /* new TCP+TLS connections (CURLINFO_NUM_CONNECTS) */
	uint64_t failures; /* calls that returned an error */
	uint64_t keys;	   /* keys returned to the caller */
};
void qkd_client_stats(const struct qkd_client *qc, struct qkd_client_stats *st);

/* ETSI GS QKD 014 6.1: Status.  Strings are NUL-terminated copies. */
struct qkd_status {
	char source_kme_id[QKD_SAE_ID_MAX + 1];
	char target_kme_id[QKD_SAE_ID_MAX + 1];
	char master_sae_id[QKD_SAE_ID_MAX + 1];
	char slave_sae_id[QKD_SAE_ID_MAX + 1];
	long key_size; /* default key size, bits */
	long stored_key_count;
	long max_key_count;
	long max_key_per_request;
	long max_key_size;     /* bits */
	long min_key_size;     /* bits */
	long max_sae_id_count; /* 0: key multicast not supported */
};

/* One key; key_id is a copy of the KME's key_ID (a UUID in practice). */
struct qkd_key {
	char key_id[QKD_KEY_ID_MAX + 1];
	unsigned char *key; /* len bytes, wiped by qkd_keys_free() */
	size_t len;
};

/* A key container (ETSI GS QKD 014 6.3); owned by the caller. */
struct qkd_keys {
	size_t count;
	struct qkd_key *keys;
};

/* Wipes every key and frees the container.  NULL is a no-op. */
void qkd_keys_free(struct qkd_keys *ks);

enum qkd_method {
	QKD_METHOD_GET,	 /* query-string form */
	QKD_METHOD_POST, /* JSON body form */
};

/*
 * GET /api/v1/keys/{slave_sae_id}/status (ETSI GS QKD 014 5.1).
 * Fills *st; 0 or -1.
 */
int qkd_get_status(struct qkd_client *qc, const char *slave_sae_id,
    struct qkd_status *st, struct qkd_error *err);

/*
 * Get key (ETSI GS QKD 014 5.2) as master SAE: `number` keys of `size_bits`
 * bits shared with slave_sae_id.  size_bits 0 asks for the KME's default
 * size (then every key must have the size of the first one).  Returns
 * exactly `number` keys, or NULL: fewer is QKD_ERR_SHORT, another size is
 * QKD_ERR_KEY_SIZE.
 */
struct qkd_keys *qkd_get_key(struct qkd_client *qc, const char *slave_sae_id,
    unsigned number, unsigned size_bits, enum qkd_method method,
    struct qkd_error *err);

/*
 * Get key with key IDs (ETSI GS QKD 014 5.3) as slave SAE: the keys the
 * master SAE master_sae_id obtained.  The GET form carries one key_ID only.
 * size_bits 0 accepts any (equal) size.  Keys come back in the order of
 * key_ids; a reply naming other IDs is QKD_ERR_KEY_ID_MISMATCH.
 */
struct qkd_keys *qkd_get_key_with_key_ids(struct qkd_client *qc,
    const char *master_sae_id, const char *const *key_ids, size_t n,
    unsigned size_bits, enum qkd_method method, struct qkd_error *err);

/*
 * The reply parsers, exposed for tests and the fuzzer.  body need not be
 * NUL-terminated.  qkd_parse_keys checks: `keys` array of objects, each with
 * string key_ID and string key in strict padded base64, exactly `number`
 * entries (number 0: any count >= 1), every key size_bits/8 bytes (0: all
 * equal).  The buffer is not modified.
 */
struct qkd_keys *qkd_parse_keys(const char *body, size_t len, size_t number,
    unsigned size_bits, struct qkd_error *err);
int qkd_parse_status(
    const char *body, size_t len, struct qkd_status *st, struct qkd_error *err);
/*
 * ETSI GS QKD 014 6.5 error object: writes "message; details" (or a note
 * that the body was not JSON) into out, always NUL-terminated.
 */
void qkd_parse_error(const char *body, size_t len, char *out, size_t outlen);

/*
 * Strict standard base64 (RFC 4648 4, padded): decodes into out (room for
 * outmax bytes); returns the decoded length or -1.
 */
long qkd_b64_decode(
    const char *in, size_t inlen, unsigned char *out, size_t outmax);

#endif
