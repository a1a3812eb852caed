/*
 * worker: one thread per quantum-key-manager profile, owning the profile's
 * ETSI GS QKD 014 client (one CURL handle: one TLS connection to the KME,
 * reused by every request) and a queue of requests.
 *
 * Why threads and not curl's multi interface: the client library is a
 * blocking one-handle-per-KME design with its own timeouts; a thread per
 * KME keeps it as it is, isolates a hung KME completely (its thread waits,
 * nobody else does), and costs one thread per configured KME, which is a
 * handful.  Requests to one KME are serialised, as on its one connection.
 *
 * Every request has a deadline (queued time + the profile's timeout).  A
 * request still queued at its deadline fails at once with queue-timeout,
 * and one taken off the queue before it gets the time left as its libcurl
 * timeout, so a KME that hangs costs each later request at most the
 * timeout, not the sum of the ones before it.  An idle worker probes the KME's
 * Status every KM_PROBE_INTERVAL_S seconds (ETSI GS QKD 014 5.1), which keeps
 * the profile's status and default key size current and the connection warm;
 * after a failed probe sooner (worker_schedule).
 *
 * The key ID of a Get key with key IDs (dec_keys, 5.3) comes from the peer
 * (its PPK_ID, RFC 8784 3).  A KME that refuses it (400 or 401: unknown,
 * already used, or another pair's key) fails that request only, as
 * unknown-key-id: a hostile peer must not take a healthy profile out of
 * service.  Since a 401 can also mean that the KME refuses us, such a
 * refusal brings the next Status probe forward (at most one per
 * KM_RECHECK_GAP_MS): the probe, which names no key, says whether the KME
 * still serves this SAE and sets the status.
 *
 * keymgr's stop does not wait for a KME: worker_cancel_all cancels the
 * request of every worker alive (qkd_client_cancel: it ends at once, its
 * connection closed), and each worker fails its queue and ends, freeing
 * its client and its OpenSSL thread state, within milliseconds.  A
 * profile deleted or changed by a commit does not cancel: its request in
 * flight still gets its answer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "keymgr/keymgr.h"
#include "lib/log.h"

struct km_worker {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct km_job *head, *tail;
	size_t qlen;
	bool stop;
	struct km_table *t;
	struct km_profile *p; /* a reference */
	struct qkd_client *qc;
	uint64_t next_probe_ms;
	uint64_t last_probe_ms; /* when the last Status probe ran */
	bool recheck;		/* a refused key ID asks for an early probe */
	unsigned retry_s;	/* after failed probes: the gap to the next */
	bool cancel;		/* keymgr stops: requests end at once */
	struct km_worker *next; /* t->live, under t->mu */
};

uint64_t
km_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const char *
km_err_name(int code)
{
	switch (code) {
	case KM_ERR_QUEUE_TIMEOUT: return "queue-timeout";
	case KM_ERR_BUSY: return "busy";
	case KM_ERR_CONFIG: return "not-configured";
	case KM_ERR_UNKNOWN_KEY_ID: return "unknown-key-id";
	case KM_ERR_KME_LIMIT: return "kme-limit";
	case KM_ERR_SAE_MISMATCH: return "sae-mismatch";
	default: return qkd_err_name((enum qkd_err)code);
	}
}

/* Failures that say nothing about the KME's health keep the status. */
static bool
worker_err_keeps_status(int code)
{
	return code == QKD_ERR_ARG || code == QKD_ERR_HTTP_400 ||
	    code == QKD_ERR_KEY_ID_MISMATCH || code == QKD_ERR_CANCELLED ||
	    code == KM_ERR_BUSY || code == KM_ERR_UNKNOWN_KEY_ID ||
	    code == KM_ERR_KME_LIMIT || code == KM_ERR_SAE_MISMATCH;
}

/*
 * A dec_keys refusal (ETSI GS QKD 014 5.3; 4 lists an unknown key_ID as a
 * 400, and 401 answers a key of another SAE pair) is the peer's key ID
 * being refused, not the KME failing: the request's own failure.
 */
static bool
worker_key_id_refused(const struct km_job *j, int code)
{
	return j->kind == KM_JOB_GET_KEY_ID &&
	    (code == QKD_ERR_HTTP_400 || code == QKD_ERR_HTTP_401);
}

/* Failures where no answer came from the KME. */
static bool
worker_err_no_answer(int code)
{
	return code == QKD_ERR_TLS_LOCAL || code == QKD_ERR_CONNECT ||
	    code == QKD_ERR_TIMEOUT || code == QKD_ERR_TLS_KME_UNTRUSTED ||
	    code == QKD_ERR_TLS_REJECTED || code == QKD_ERR_TRANSPORT ||
	    code == QKD_ERR_CANCELLED;
}

/*
 * Counts one finished job.  http: a request went to the KME.  A request of
 * iked or the operator moves the request stats and the failures; a Status
 * probe (KM_JOB_STATUS) its own counters.  Both set the profile's status.
 */
static void
worker_count(struct km_profile *p, const struct km_job *j, bool http)
{
	pthread_mutex_lock(&p->mu);
	struct km_stats *s = &p->st;
	if (j->kind == KM_JOB_STATUS) {
		s->probes++;
		if (j->code != 0) {
			s->probes_failed++;
			s->probe_code = j->code;
			s->probe_time = time(NULL);
			snprintf(s->probe_reason, sizeof(s->probe_reason), "%s",
			    j->reason);
		}
	} else {
		if (http) {
			s->to_server++;
			if (j->code != 0 && worker_err_no_answer(j->code)) {
				s->to_server_failed++;
			} else {
				s->from_server++;
				if (j->code != 0)
					s->from_server_failed++;
			}
		}
		if (j->code == 0) {
			s->success++;
			s->keys += j->keys ? j->keys->count : 0;
		} else {
			s->failed++;
			if (j->code > 0 && j->code < KM_ERR_COUNT)
				s->by_reason[j->code]++;
			s->last_code = j->code;
			s->last_time = time(NULL);
			snprintf(s->last_reason, sizeof(s->last_reason), "%s",
			    j->reason);
		}
	}
	if (j->code == 0)
		s->status = s->kme_code ? KM_STATUS_DOWN : KM_STATUS_UP;
	else if (!worker_err_keeps_status(j->code))
		s->status = KM_STATUS_DOWN;
	pthread_mutex_unlock(&p->mu);
}

/*
 * What the KME's Status (ETSI GS QKD 014 6.1) says about the profile, under
 * p->mu: a key size outside [min_key_size, max_key_size], or a master SAE
 * (who the KME takes us for, from our certificate) other than local-sae-id.
 */
static void
worker_status_learn(struct km_profile *p, const struct qkd_status *st)
{
	struct km_stats *s = &p->st;

	s->default_key_size = st->key_size;
	s->stored_key_count = st->stored_key_count;
	s->min_key_size = st->min_key_size;
	s->max_key_size = st->max_key_size;
	s->max_key_per_request = st->max_key_per_request;
	s->kme_code = 0;
	s->kme_problem[0] = '\0';
	if (strcmp(st->master_sae_id, p->local_sae_id) != 0) {
		s->kme_code = KM_ERR_SAE_MISMATCH;
		snprintf(s->kme_problem, sizeof(s->kme_problem),
		    "the KME"
		    " takes this SAE for %.64s (master_SAE_ID of its Status),"
		    " not local-sae-id %.64s",
		    st->master_sae_id, p->local_sae_id);
	} else if ((long)p->key_bits < st->min_key_size ||
	    (long)p->key_bits > st->max_key_size) {
		s->kme_code = KM_ERR_KME_LIMIT;
		snprintf(s->kme_problem, sizeof(s->kme_problem),
		    "key-size %u"
		    " bits is outside the KME's %ld..%ld bits",
		    p->key_bits, st->min_key_size, st->max_key_size);
	}
}

/* A request the KME's Status says it would refuse: its code, or 0. */
static int
worker_status_refuses(struct km_profile *p, struct km_job *j)
{
	int code = 0;

	pthread_mutex_lock(&p->mu);
	if (p->st.kme_code != 0) {
		code = p->st.kme_code;
		snprintf(j->reason, sizeof(j->reason), "%s", p->st.kme_problem);
	} else if (p->st.max_key_per_request > 0 &&
	    (long)j->count > p->st.max_key_per_request) {
		code = KM_ERR_KME_LIMIT;
		snprintf(j->reason, sizeof(j->reason),
		    "%u keys asked; the KME"
		    " gives at most %ld per request (max_key_per_request)",
		    j->count, p->st.max_key_per_request);
	}
	pthread_mutex_unlock(&p->mu);
	j->code = code;
	return code;
}

static void
worker_fail(struct km_job *j, int code, const char *reason)
{
	j->code = code;
	snprintf(j->reason, sizeof(j->reason), "%s", reason);
}

static int
worker_client(struct km_worker *w, struct qkd_error *err)
{
	struct km_profile *p = w->p;
	struct qkd_client_config cfg = { 0 };
	struct qkd_client *qc;

	if (w->qc != NULL)
		return 0;
	cfg.base_url = p->url;
	cfg.ssl_ctx_fn = profile_tls_setup; /* the pki material */
	cfg.ssl_ctx_arg = p;
	cfg.connect_timeout_ms = p->timeout_ms < KM_CONNECT_TIMEOUT_MS
	    ? p->timeout_ms
	    : KM_CONNECT_TIMEOUT_MS;
	cfg.timeout_ms = p->timeout_ms;
	if ((qc = qkd_client_new(&cfg, err)) == NULL)
		return -1;
	/* worker_cancel_all reads w->qc under w->mu */
	pthread_mutex_lock(&w->mu);
	w->qc = qc;
	if (w->cancel)
		qkd_client_cancel(qc);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

/*
 * Get key with key IDs (ETSI GS QKD 014 5.3) names the master SAE, the
 * peer that asked for the key.  A responder whose profile lists several
 * peer-sae-ids (an AutoVPN hub answering its spokes) is not told which
 * one: the PPK_ID is the KME's key_ID and nothing else (RFC 8784 3).  The
 * KME knows the pair each key_ID belongs to and refuses it for any other
 * (400/401), so without a peer named the SAEs are asked in the order of
 * peer-sae-ids and the first that the KME accepts is the peer; j->peer
 * says which.  A failure other than a refusal (the KME down, a timeout)
 * ends the search at once.  At most npeers requests, all within the job's
 * deadline.
 */
static void
worker_get_by_id(struct km_worker *w, struct km_job *j, struct qkd_error *err)
{
	struct km_profile *p = w->p;
	size_t n = j->any_peer ? p->npeers : 1;

	for (size_t i = 0; i < n; i++) {
		const char *peer = j->any_peer ? p->peers[i] : j->peer;

		if (i > 0) {
			uint64_t now = km_now_ms();
			if (now >= j->deadline_ms)
				break;
			qkd_client_set_timeout(
			    w->qc, (long)(j->deadline_ms - now));
			*err = (struct qkd_error){ 0 };
		}
		j->keys = qkd_get_key_with_key_ids(w->qc, peer,
		    (const char *const *)j->key_ids, j->count, p->key_bits,
		    QKD_METHOD_POST, err);
		if (j->keys != NULL) {
			snprintf(j->peer, sizeof(j->peer), "%s", peer);
			if (j->any_peer)
				log_info("profile %s: key ID %.64s is %s's",
				    p->name, j->key_ids[0], peer);
			return;
		}
		if (!worker_key_id_refused(j, err->code))
			return;
	}
}

/* Runs one job against the KME (worker thread, no lock held). */
static void
worker_run(struct km_worker *w, struct km_job *j)
{
	struct km_profile *p = w->p;
	struct qkd_error err = { 0 };
	struct qkd_status st;
	uint64_t now = km_now_ms();

	if (now >= j->deadline_ms) {
		worker_fail(j, KM_ERR_QUEUE_TIMEOUT,
		    "the request waited past"
		    " its deadline behind earlier requests to a slow KME");
		worker_count(p, j, false);
		return;
	}
	if (p->setup_error != NULL) {
		worker_fail(j, KM_ERR_CONFIG, p->setup_error);
		worker_count(p, j, false);
		return;
	}
	if (j->kind != KM_JOB_STATUS && worker_status_refuses(p, j) != 0) {
		worker_count(p, j, false);
		return;
	}
	if (worker_client(w, &err) == -1) {
		worker_fail(j, err.code, err.reason);
		worker_count(p, j, false);
		return;
	}
	/* The time left, not the whole timeout: the deadline holds. */
	qkd_client_set_timeout(w->qc, (long)(j->deadline_ms - now));
	switch (j->kind) {
	case KM_JOB_GET_KEY: /* ETSI GS QKD 014 5.2 */
		j->keys = qkd_get_key(w->qc, j->peer, j->count, p->key_bits,
		    QKD_METHOD_POST, &err);
		break;
	case KM_JOB_GET_KEY_ID: /* ETSI GS QKD 014 5.3 */
		worker_get_by_id(w, j, &err);
		break;
	case KM_JOB_STATUS: /* ETSI GS QKD 014 5.1 */
		if (qkd_get_status(w->qc, j->peer, &st, &err) == 0) {
			pthread_mutex_lock(&p->mu);
			worker_status_learn(p, &st);
			pthread_mutex_unlock(&p->mu);
		}
		break;
	}
	if (err.code != QKD_OK && worker_key_id_refused(j, err.code)) {
		snprintf(j->reason, sizeof(j->reason),
		    "the KME refused key ID"
		    " %.64s: %.160s",
		    j->key_ids[0], err.reason);
		j->code = KM_ERR_UNKNOWN_KEY_ID;
		pthread_mutex_lock(&w->mu);
		w->recheck = true;
		pthread_mutex_unlock(&w->mu);
	} else if (err.code != QKD_OK)
		worker_fail(j, err.code, err.reason);
	if (j->code != 0 && j->kind != KM_JOB_STATUS)
		log_warn("profile %s: %s: %s", p->name, km_err_name(j->code),
		    j->reason);
	worker_count(p, j, true);
}

/*
 * When the next Status probe is due (under w->mu).  An idle profile is
 * probed every KM_PROBE_INTERVAL_S.  One whose probe failed is probed
 * sooner, KM_PROBE_RETRY_MIN_S after it and doubling up to that interval,
 * so a KME that comes within reach (back after an outage, or the address
 * to it applied by hostd just after keymgr started the profile) is seen
 * within seconds.  After a refused key ID: once idle, at most one per
 * KM_RECHECK_GAP_MS.
 */
static void
worker_schedule(struct km_worker *w)
{
	if (w->recheck)
		w->next_probe_ms = w->last_probe_ms + KM_RECHECK_GAP_MS;
	else if (w->retry_s > 0)
		w->next_probe_ms =
		    w->last_probe_ms + (uint64_t)w->retry_s * 1000;
	else
		w->next_probe_ms = km_now_ms() + KM_PROBE_INTERVAL_S * 1000;
}

/* The worker's Status probe of its KME (ETSI GS QKD 014 5.1). */
static void
worker_probe(struct km_worker *w)
{
	struct km_job probe = { .kind = KM_JOB_STATUS };

	snprintf(probe.peer, sizeof(probe.peer), "%s", w->p->peers[0]);
	probe.deadline_ms = km_now_ms() + (uint64_t)w->p->timeout_ms;
	worker_run(w, &probe);
	pthread_mutex_lock(&w->mu);
	w->last_probe_ms = km_now_ms();
	w->recheck = false;
	if (probe.code == 0)
		w->retry_s = 0;
	else if (w->retry_s == 0)
		w->retry_s = KM_PROBE_RETRY_MIN_S;
	else if ((w->retry_s *= 2) > KM_PROBE_INTERVAL_S)
		w->retry_s = KM_PROBE_INTERVAL_S;
	pthread_mutex_unlock(&w->mu);
}

static void
worker_free(struct km_worker *w)
{
	struct km_table *t = w->t;
	struct km_worker **pp;
	struct qkd_client *qc;

	pthread_mutex_lock(&w->mu);
	qc = w->qc;
	w->qc = NULL;
	pthread_mutex_unlock(&w->mu);
	qkd_client_free(qc);
	profile_put(w->t, w->p);
	/* OpenSSL's state of this thread (its DRBGs, its error queue) goes
	 * now, not in a destructor at the thread's end: keymgr's stop may
	 * exit as soon as the count below reaches 0, and a thread still
	 * ending then leaked them (LeakSanitizer saw it under load) */
	OPENSSL_thread_stop();
	pthread_mutex_lock(&t->mu);
	for (pp = &t->live; *pp != w; pp = &(*pp)->next)
		;
	*pp = w->next;
	t->workers--;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

static void *
worker_main(void *arg)
{
	struct km_worker *w = arg;
	struct km_job *j;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stop && w->head == NULL &&
		    km_now_ms() < w->next_probe_ms) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&w->cv, &w->mu, &ts);
		}
		if (w->stop)
			break;
		j = w->head;
		if (j != NULL) {
			w->head = j->next;
			if (w->head == NULL)
				w->tail = NULL;
			w->qlen--;
		}
		pthread_mutex_unlock(&w->mu);
		if (j != NULL) {
			worker_run(w, j);
			j->done(j);
		} else if (w->p->npeers > 0) {
			worker_probe(w);
		}
		pthread_mutex_lock(&w->mu);
		worker_schedule(w);
	}
	/* Stopped: the queue fails, then the worker goes. */
	while ((j = w->head) != NULL) {
		w->head = j->next;
		pthread_mutex_unlock(&w->mu);
		worker_fail(j, KM_ERR_CONFIG,
		    "the profile was deleted or"
		    " changed");
		j->done(j);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	worker_free(w);
	return NULL;
}

int
worker_start(struct km_table *t, struct km_profile *p)
{
	struct km_worker *w = xcalloc(1, sizeof(*w));
	pthread_attr_t attr;
	int rc;

	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->t = t;
	w->p = p;
	p->refs++;	      /* not in the table yet: no one else sees p */
	w->next_probe_ms = 0; /* probe at once: status and key size */
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_mutex_lock(&t->mu);
	t->workers++;
	w->next = t->live;
	t->live = w;
	pthread_mutex_unlock(&t->mu);
	rc = pthread_create(&w->th, &attr, worker_main, w);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		pthread_mutex_lock(&t->mu);
		t->workers--;
		t->live = w->next; /* nothing ran: w is still first */
		pthread_mutex_unlock(&t->mu);
		p->refs--;
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return -1;
	}
	pthread_mutex_lock(&p->mu);
	p->w = w;
	pthread_mutex_unlock(&p->mu);
	return 0;
}

void
worker_stop_profile(struct km_table *t, struct km_profile *p)
{
	struct km_worker *w;

	pthread_mutex_lock(&p->mu);
	if ((w = p->w) != NULL) {
		p->w = NULL;
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
	pthread_mutex_unlock(&p->mu);
	profile_put(t, p);
}

/* ETSI GS QKD 014 does not apply: the configured key, every time. */
static void
worker_static(struct km_job *j)
{
	struct km_profile *p = j->p;
	struct qkd_keys *ks;

	if (j->kind == KM_JOB_GET_KEY_ID &&
	    strcmp(j->key_ids[0], p->key_id) != 0) {
		worker_fail(j, KM_ERR_UNKNOWN_KEY_ID,
		    "the key ID is not the"
		    " profile's key-id");
		return;
	}
	ks = xcalloc(1, sizeof(*ks));
	ks->count = 1;
	ks->keys = xcalloc(1, sizeof(*ks->keys));
	snprintf(
	    ks->keys[0].key_id, sizeof(ks->keys[0].key_id), "%s", p->key_id);
	ks->keys[0].key = xmalloc(p->key_len);
	memcpy(ks->keys[0].key, p->key, p->key_len);
	ks->keys[0].len = p->key_len;
	j->keys = ks;
}

void
worker_submit(struct km_table *t, struct km_job *j)
{
	struct km_profile *p = j->p;
	struct km_worker *w;
	int code = 0;

	if (p->type == KM_STATIC) {
		pthread_mutex_lock(&p->mu);
		p->st.received++;
		pthread_mutex_unlock(&p->mu);
		if (j->kind == KM_JOB_GET_KEY_ID && j->count != 1)
			worker_fail(j, QKD_ERR_ARG,
			    "a static profile has one"
			    " key ID");
		else if (p->key == NULL || p->key_id == NULL)
			worker_fail(j, KM_ERR_CONFIG, "the profile has no key");
		else
			worker_static(j);
		worker_count(p, j, false);
		j->done(j);
		return;
	}
	/* p->mu, then w->mu: the worker cannot go while we queue. */
	pthread_mutex_lock(&p->mu);
	p->st.received++;
	if ((w = p->w) == NULL) {
		code = KM_ERR_CONFIG;
	} else {
		pthread_mutex_lock(&w->mu);
		if (w->stop || w->qlen >= KM_QUEUE_MAX) {
			code = KM_ERR_BUSY;
		} else {
			j->next = NULL;
			if (w->tail != NULL)
				w->tail->next = j;
			else
				w->head = j;
			w->tail = j;
			w->qlen++;
			pthread_cond_signal(&w->cv);
		}
		pthread_mutex_unlock(&w->mu);
	}
	pthread_mutex_unlock(&p->mu);
	if (code == 0)
		return;
	if (code == KM_ERR_BUSY)
		worker_fail(j, code,
		    "too many requests are waiting for this"
		    " KME");
	else
		worker_fail(j, code,
		    p->setup_error ? p->setup_error
				   : "the profile is not running");
	worker_count(p, j, false);
	j->done(j);
}

int
worker_cancel_all(struct km_table *t)
{
	int n;

	/* t->mu, then w->mu: a worker takes t->mu only without w->mu */
	pthread_mutex_lock(&t->mu);
	for (struct km_worker *w = t->live; w != NULL; w = w->next) {
		pthread_mutex_lock(&w->mu);
		w->cancel = true;
		if (w->qc != NULL)
			qkd_client_cancel(w->qc);
		pthread_mutex_unlock(&w->mu);
	}
	n = t->workers;
	pthread_mutex_unlock(&t->mu);
	return n;
}

bool
worker_wait_all(struct km_table *t, int ms)
{
	struct timespec ts;
	bool done;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&t->mu);
	while (t->workers > 0)
		if (pthread_cond_timedwait(&t->cv, &t->mu, &ts) == ETIMEDOUT)
			break;
	done = t->workers == 0;
	pthread_mutex_unlock(&t->mu);
	return done;
}

void
job_free(struct km_table *t, struct km_job *j)
{
	if (j == NULL)
		return;
	qkd_keys_free(j->keys);
	for (size_t i = 0; j->key_ids != NULL && i < j->count; i++)
		free(j->key_ids[i]);
	free(j->key_ids);
	profile_put(t, j->p);
	OPENSSL_cleanse(j, sizeof(*j));
	free(j);
}
