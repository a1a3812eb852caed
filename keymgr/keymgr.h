/*
 * keymgr: what the files of the key manager daemon share (not a public
 * interface; iked speaks proto_keymgr.h over the socket).
 *
 * Threads.  keymgr runs
 *   - the main thread: the link to mgd (check, apply, operational rpcs;
 *     get profile-keys is answered later, when its worker is done: rpc.c);
 *   - the API thread (api.c): iked's requests on <state>/keymgr.sock;
 *   - one worker thread per quantum-key-manager profile (worker.c), which
 *     owns the profile's ETSI GS QKD 014 client (one reused TLS connection
 *     to its KME) and runs its queue of requests one at a time.
 * A KME that hangs holds only its own worker: every request carries a
 * deadline, requests that waited past it fail without reaching the KME, and
 * nobody else waits for a worker longer than that deadline.
 *
 * Profiles are reference counted: the table (struct km_table) holds one
 * reference, each queued request another, so a profile deleted by a commit
 * lives until its last request is answered.  Counters of a profile are
 * under its mutex.
 */
#ifndef QSAFE_KEYMGR_H
#define QSAFE_KEYMGR_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "keymgr/qkd014.h"
#include "lib/sb.h"
#include "schema/conf.h"
#include "schema/validate.h"

/* Limits and defaults. */
#define KM_KEY_BITS_DEFAULT 256 /* RFC 8784 5: at least 256 bits */
#define KM_TIMEOUT_S_DEFAULT 5
#define KM_CONNECT_TIMEOUT_MS 3000
#define KM_QUEUE_MAX 256	   /* requests waiting per profile */
#define KM_KEYS_PER_REQUEST_MAX 64 /* "count" of one API request */
#define KM_RPC_WAIT_MS 8000	   /* < DAEMON_REPLY_TIMEOUT_MS */
#define KM_PROBE_INTERVAL_S 30	   /* status probe of an idle profile */
#define KM_PROBE_RETRY_MIN_S 5	   /* after a failed probe, doubling */
#define KM_RECHECK_GAP_MS 1000	   /* probes brought forward: at most 1/s */
#define KM_STATIC_KEY_MAX 512	   /* bytes of a static key */
/* The longest a key request waits for a checked change not being applied
 * yet (api.c); with a KME's KM_TIMEOUT_S_DEFAULT it stays below iked's
 * KEYSRC_TIMEOUT_MS.  Once keymgr applies the change, the request waits
 * for the apply's end. */
#define KM_HOLD_MAX_MS 2500

enum km_type {
	KM_STATIC,
	KM_QKD,
};

enum km_status {
	KM_STATUS_UNKNOWN,
	KM_STATUS_UP,
	KM_STATUS_DOWN,
};

/* Extra failure reasons of keymgr beyond the client's enum qkd_err. */
enum km_err {
	KM_ERR_QUEUE_TIMEOUT = QKD_ERR_COUNT, /* waited past the deadline */
	KM_ERR_BUSY,			      /* queue full */
	KM_ERR_CONFIG,	       /* certificate or CA missing at apply */
	KM_ERR_UNKNOWN_KEY_ID, /* the peer's key ID: not the static key-id,
				  or refused by the KME (dec_keys 400/401) */
	KM_ERR_KME_LIMIT,      /* outside the KME's Status limits (6.1) */
	KM_ERR_SAE_MISMATCH,   /* the KME's Status names another SAE */
	KM_ERR_COUNT
};
const char *km_err_name(int code); /* qkd_err_name() and ours */

/*
 * Request stats count the requests of iked and the operator (the Junos
 * "Request stats" of Junos's `show security key-manager`); keymgr's own Status
 * probes are counted apart and keep their own last error.
 */
struct km_stats {
	uint64_t received;	   /* key requests from iked or the operator */
	uint64_t to_server;	   /* their HTTP requests sent to the KME */
	uint64_t to_server_failed; /* not delivered / no answer */
	uint64_t from_server;	   /* answers received */
	uint64_t from_server_failed; /* answers that were errors */
	uint64_t success;
	uint64_t failed;
	uint64_t keys; /* keys handed out */
	uint64_t by_reason[KM_ERR_COUNT];
	int last_code; /* 0: none */
	time_t last_time;
	char last_reason[QKD_REASON_MAX];
	enum km_status status;
	long default_key_size; /* from the KME's Status; 0: not known */
	long stored_key_count; /* idem; -1: not known */
	long min_key_size;     /* idem (bits); 0: not known */
	long max_key_size;
	long max_key_per_request;
	/* Why the KME's Status says the profile cannot work (0: it can). */
	int kme_code; /* KM_ERR_KME_LIMIT or KM_ERR_SAE_MISMATCH */
	char kme_problem[QKD_REASON_MAX];
	/* The Status probes (ETSI GS QKD 014 5.1) of an idle worker. */
	uint64_t probes;
	uint64_t probes_failed;
	int probe_code; /* of the last failed probe; 0: none */
	time_t probe_time;
	char probe_reason[QKD_REASON_MAX];
};

struct km_worker;

struct km_profile {
	int refs; /* under the table lock */
	char *name;
	enum km_type type;
	char *conf_text; /* the profile's configuration, to compare */
	time_t configured_at;
	/* static */
	char *key_id;
	unsigned char *key; /* wiped on free */
	size_t key_len;
	/* quantum-key-manager */
	char *url;
	char *local_sae_id;
	char *cert_id;
	char **cas;
	size_t ncas;
	char **peers;
	size_t npeers;
	unsigned key_bits;
	long timeout_ms;
	struct pki_tls *tls; /* certificate, key, trusted CAs + CRLs */
	char *setup_error;   /* why the profile cannot run, or NULL */
	struct km_worker *w;
	/* counters */
	pthread_mutex_t mu;
	struct km_stats st;
};

/* The running profiles, in configuration order. */
struct km_table {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* signalled when a worker ends */
	struct km_profile **v;
	size_t n;
	/* v by name: 1 + the index in v, 0 for an empty slot; open
	 * addressing over a power of two of at least 2n slots (profile_get is
	 * asked per key request; a commit finds the running profiles by
	 * name).  Changed only with v. */
	size_t *idx;
	size_t idxsize;
	int workers;		/* worker threads alive */
	struct km_worker *live; /* those threads (worker.c) */
};

struct km_api;
struct pki_store;
struct pki_tls;

struct keymgr {
	struct event_base *base;
	struct link *link;
	const char *state_dir;
	struct pki_store *pki;
	struct km_table table;
	struct km_api *api;
	bool handed; /* the start-up configuration was applied */
};

/* profile.c */
/*
 * Appends errors for next; the names of the profiles next adds or changes
 * go to *touched (new strings, *ntouched of them; free with
 * profile_names_free).
 */
void profile_check(struct keymgr *km, struct conf *prev, struct conf *next,
    struct verrs *errs, char ***touched, size_t *ntouched);
void profile_names_free(char **v, size_t n);
void profile_apply(struct keymgr *km, struct conf *prev, struct conf *next);
/* A new reference to profile name, or NULL.  profile_put releases one. */
struct km_profile *profile_get(struct km_table *t, const char *name);
void profile_put(struct km_table *t, struct km_profile *p);
/* New references to every profile (n in *n); free with profile_put_all. */
struct km_profile **profile_get_all(struct km_table *t, size_t *n);
void profile_put_all(struct km_table *t, struct km_profile **v, size_t n);
void profile_table_free(struct km_table *t);
/*
 * qkd_client_config.ssl_ctx_fn of a quantum-key-manager profile (arg: the
 * km_profile): its pki material into the SSL_CTX libcurl makes.
 */
int profile_tls_setup(void *ssl_ctx, void *arg);

/*
 * A request to a profile (worker.c).  Keys come back in res.keys (owned by
 * the job; job_free wipes them).  done() runs in the worker thread (or in
 * the caller's, for static profiles and immediate failures).
 */
enum km_job_kind {
	KM_JOB_GET_KEY,	   /* enc_keys: new keys for peer */
	KM_JOB_GET_KEY_ID, /* dec_keys: the keys with these IDs */
	KM_JOB_STATUS,	   /* status probe */
};

struct km_job {
	enum km_job_kind kind;
	struct km_profile *p; /* a reference */
	char peer[QKD_SAE_ID_MAX + 1];
	bool any_peer; /* get-key-by-id naming no peer SAE: try each
			* of p's peer-sae-ids, peer set to the one
			* whose key it was (worker_get_by_id) */
	unsigned count;
	char **key_ids;	      /* count of them, for KM_JOB_GET_KEY_ID */
	uint64_t deadline_ms; /* km_now_ms() clock */
	int code;	      /* 0 on success, else qkd_err / km_err */
	char reason[QKD_REASON_MAX];
	struct qkd_keys *keys;
	struct km_job *next; /* queue link */
	void (*done)(struct km_job *j);
	void *arg;
};

uint64_t km_now_ms(void);
/* Starts a worker thread for quantum-key-manager profile p; 0 or -1. */
int worker_start(struct km_table *t, struct km_profile *p);
/*
 * Tells p's worker to stop (it fails its queue and ends by itself once its
 * current request returns: nobody waits for a hung KME) and drops one
 * reference to p (the table's).
 */
void worker_stop_profile(struct km_table *t, struct km_profile *p);
/*
 * Runs j: static profiles at once, quantum ones on the worker.  j->done is
 * always called exactly once; the caller frees j after that.
 */
void worker_submit(struct km_table *t, struct km_job *j);
/* Releases j: wipes its keys, drops its profile reference. */
void job_free(struct km_table *t, struct km_job *j);

/* keystore.c: secrets in memory and in JSON. */
/* Lower-case hex of buf into a new json string; the temporary is wiped. */
json_t *keystore_hex_json(
    const unsigned char *buf, size_t len, const char *prefix);

/*
 * keymgr's stop: every worker alive cancels its request in flight and every
 * later one (qkd_client_cancel), so none waits for its KME.  Returns the
 * number of workers alive.
 */
int worker_cancel_all(struct km_table *t);
/* Waits up to ms for every worker thread to end; true when they did. */
bool worker_wait_all(struct km_table *t, int ms);

/* api.c: iked's socket, served by a thread of its own. */
struct km_api *api_start(struct keymgr *km, const char *path);
/*
 * The peer SAE of a request to p: want if it is one of p's peer-sae-ids
 * (or p has none), the first of them when want is NULL, "" for a static
 * profile; NULL with the reason in *why otherwise.
 */
const char *api_peer(
    const struct km_profile *p, const char *want, const char **why);
/*
 * Main thread, after a check: the profiles the checked change adds or
 * changes (names, stolen).  Until api_release, a key request for one of
 * them waits, then is answered from the running profiles (at most
 * KM_HOLD_MAX_MS); others are answered at once.  A hold replaces the one
 * before it, whose requests go on.
 */
void api_hold(struct km_api *a, char **names, size_t n);
/* Main thread: the held change is being applied; the requests it holds
 * wait for api_release past KM_HOLD_MAX_MS. */
void api_apply_begin(struct km_api *a);
/* Main thread: the checked change is applied or dropped. */
void api_release(struct km_api *a);
/* Stops the thread; answers still owed are dropped. */
void api_stop(struct km_api *a);
/* Frees a stopped API (after the workers ended). */
void api_free(struct km_api *a);

/* rpc.c */
json_t *rpc_dispatch(
    struct keymgr *km, const char *name, const json_t *input, struct sb *err);

#endif
