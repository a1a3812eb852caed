/*
 * kme_sim: an ETSI GS QKD 014 KME simulator for labs without QKD hardware.
 *
 * Several KMEs run in one process, each on its own HTTPS listener with
 * mutual TLS; the verified client certificate's CN is the calling SAE's ID.
 * All KMEs share one key pool, which stands in for the QKD links: a key the
 * KME of a master SAE hands out (enc_keys) is handed by key_ID (dec_keys) to
 * the slave SAE by the slave's own KME.
 *
 * Modules: kme_sim.c (options, startup, signals), sim_tls.c (TLS contexts,
 * peer identity, connection counters), sim_pool.c (keys and per-pair key
 * stores), sim_api.c (the REST API, fault injection and /sim/v1 control).
 */
#ifndef QSAFE_KME_SIM_H
#define QSAFE_KME_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <openssl/ssl.h>

#define SIM_MAX_KMES 16
#define SIM_MAX_SAES 64		 /* SAEs attached to one KME */
#define SIM_ID_MAX 64		 /* SAE and KME IDs */
#define SIM_MAX_BODY (64 * 1024) /* request body */
#define SIM_MAX_HEADERS (16 * 1024)
#define SIM_POOL_MAX 1000000 /* keys waiting for their slave */
#define SIM_MAX_KEY_BITS 8192
#define SIM_HUGE_BODY (4 * 1024 * 1024) /* the `huge` fault's padding */

struct event_base;
struct evhttp;
struct evhttp_bound_socket;
struct evhttp_request;
struct event;

/* The standard's Status values (ETSI GS QKD 014 6.1), one set for all. */
struct sim_limits {
	long key_size; /* default, bits */
	long min_key_size;
	long max_key_size;
	long max_key_per_request;
	long max_key_count;    /* max stored keys per SAE pair */
	long stored_keys;      /* stored keys per pair at start */
	long key_rate;	       /* keys/s the "QKD link" adds */
	long max_sae_id_count; /* 0: no key multicast */
};

/* Faults one KME injects; all off by default. */
struct sim_faults {
	long latency_ms;  /* delay every API reply */
	bool unavailable; /* every API call: 503 */
	bool exhaust;	  /* no stored keys: enc_keys 503 */
	bool malformed;	  /* 200 replies with broken JSON */
	bool html;	  /* error bodies as an HTML page */
	bool short_list;  /* one key fewer than asked */
	bool wrong_size;  /* keys one byte short */
	bool huge;	  /* 200 replies padded by 4 MiB */
	bool many;	  /* dec_keys keeps keys (not once) */
	bool bad_base64;  /* a '*' in every key's base64 */
	bool close;	  /* Connection: close on every reply */
};

struct sim_stats {
	uint64_t connections; /* TCP connections accepted */
	uint64_t handshakes;  /* TLS handshakes completed */
	uint64_t resumed;     /* ... of which session resumptions */
	uint64_t requests;    /* HTTP requests */
	uint64_t keys_out;    /* keys handed out */
	uint64_t errors;      /* non-200 API replies */
};

struct sim_delay;
TAILQ_HEAD(sim_delay_list, sim_delay);

struct sim;

struct sim_kme {
	struct sim *sim;
	char name[SIM_ID_MAX + 1]; /* the KME_ID */
	char addr[64];
	int port; /* as given; bound_port once bound */
	int bound_port;
	char *saes[SIM_MAX_SAES];
	size_t nsaes;
	struct sim_faults faults;
	struct sim_stats stats;
	SSL_CTX *ssl_ctx;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct sim_delay_list delays; /* replies waiting for latency */
};

struct sim_pool;

struct sim {
	struct event_base *base;
	struct sim_kme kmes[SIM_MAX_KMES];
	size_t nkmes;
	struct sim_limits lim;
	struct sim_pool *pool;
	const char *cert_dir;
	const char *ca_file;
	int ssl_idx; /* SSL ex_data: handshake counted */
	struct event *ev_term;
	struct event *ev_int;
};

/* kme_sim.c */
struct sim_kme *sim_kme_of_sae(struct sim *sim, const char *sae);
bool sim_kme_has_sae(const struct sim_kme *kme, const char *sae);
int sim_faults_parse(const char *list, struct sim_faults *f);
void sim_faults_format(const struct sim_faults *f, char *out, size_t outlen);

/* sim_tls.c */
int sim_tls_init(struct sim *sim);
int sim_tls_kme(struct sim_kme *kme);
void sim_tls_kme_free(struct sim_kme *kme);
/* The verified client certificate's CN into out; 0 or -1. */
int sim_tls_peer_sae(struct evhttp_request *req, char *out, size_t outlen);

/* sim_pool.c */
struct sim_key {
	struct sim_key *next; /* hash chain */
	char id[37];	      /* UUID */
	char master[SIM_ID_MAX + 1];
	char slave[SIM_ID_MAX + 1];
	unsigned char *key;
	size_t len;
};

struct sim_pool *sim_pool_new(const struct sim_limits *lim);
void sim_pool_free(struct sim_pool *pool);
/* Keys stored for the pair, after the lazy refill at key_rate. */
long sim_pool_stored(
    struct sim_pool *pool, const char *master, const char *slave);
/* Take n keys of len bytes for the pair; NULL when not enough stored. */
int sim_pool_take(struct sim_pool *pool, const char *master, const char *slave,
    size_t n, size_t len, struct sim_key **out);
struct sim_key *sim_pool_find(struct sim_pool *pool, const char *id);
void sim_pool_remove(struct sim_pool *pool, struct sim_key *k);
size_t sim_pool_count(const struct sim_pool *pool);

/* sim_api.c */
void sim_api_cb(struct evhttp_request *req, void *arg);
void sim_api_shutdown(struct sim_kme *kme);

#endif
