/*
 * rpc: keymgr's operational commands (schema/qsafe-rpc-keymgr.yang), answered
 * with structured data that render/keymgr_render.c turns into the Junos layouts
 * of Junos's `show security key-manager`.
 *
 *   show security key-manager profiles [name P] [detail]
 *   request security key-manager profiles get profile-keys name P
 *       [peer-sae-id S]
 *   clear security key-manager statistics [name P]      (qsafe; see README)
 *
 * `show` reads counters only and never waits for a KME.  `get profile-keys`
 * asks the profile's worker like iked does and answers later (link_defer):
 * keymgr's main loop does not wait for the KME.  The answer comes at most
 * KM_RPC_WAIT_MS later (below mgd's DAEMON_REPLY_TIMEOUT_MS), so a hung KME
 * makes the command report FAILED instead of mgd declaring keymgr dead.
 * iked's socket is served by another thread and does not wait either.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "keymgr/keymgr.h"
#include "lib/msg.h"
#include "proto/link.h"
#include "proto/proto_daemon.h"

static const char *
rpc_type(const struct km_profile *p)
{
	return p->type == KM_STATIC ? "Static" : "Quantum-key-manager";
}

static const char *
rpc_status(enum km_status s)
{
	switch (s) {
	case KM_STATUS_UP: return "Active";
	case KM_STATUS_DOWN: return "Down";
	default: return "Unknown";
	}
}

/* Junos's `show security key-manager`: "11.09.25 (02:36:33)", local time. */
static json_t *
rpc_time(time_t t)
{
	struct tm tm;
	char buf[32];

	localtime_r(&t, &tm);
	snprintf(buf, sizeof(buf), "%02d.%02d.%02d (%02d:%02d:%02d)",
	    tm.tm_mday, tm.tm_mon + 1, tm.tm_year % 100, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
	return json_string(buf);
}

static json_t *
rpc_strv(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *
rpc_profile(struct km_profile *p, size_t index, time_t now)
{
	json_t *o = json_object(), *st = json_object(), *f;
	struct km_stats s;

	pthread_mutex_lock(&p->mu);
	s = p->st;
	pthread_mutex_unlock(&p->mu);
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "index", json_integer((json_int_t)index));
	json_object_set_new(o, "type", json_string(rpc_type(p)));
	json_object_set_new(o, "status", json_string(rpc_status(s.status)));
	json_object_set_new(o, "configured-at", rpc_time(p->configured_at));
	json_object_set_new(o, "time-elapsed",
	    json_integer((json_int_t)(now - p->configured_at)));
	if (p->type == KM_QKD) {
		json_object_set_new(o, "url", json_string(p->url));
		json_object_set_new(
		    o, "local-sae-id", json_string(p->local_sae_id));
		json_object_set_new(
		    o, "local-certificate-id", json_string(p->cert_id));
		json_object_set_new(
		    o, "trusted-cas", rpc_strv(p->cas, p->ncas));
		json_object_set_new(
		    o, "peer-sae-ids", rpc_strv(p->peers, p->npeers));
		if (s.default_key_size > 0)
			json_object_set_new(o, "default-key-size",
			    json_integer(s.default_key_size));
		json_object_set_new(o, "key-size", json_integer(p->key_bits));
		if (s.stored_key_count >= 0)
			json_object_set_new(o, "stored-key-count",
			    json_integer(s.stored_key_count));
		json_object_set_new(
		    o, "keys-delivered", json_integer((json_int_t)s.keys));
		if (s.max_key_size > 0)
			json_object_set_new(o, "kme-limits",
			    json_pack("{s:I,s:I,s:I}", "min-key-size",
				(json_int_t)s.min_key_size, "max-key-size",
				(json_int_t)s.max_key_size,
				"max-key-per-request",
				(json_int_t)s.max_key_per_request));
		if (s.kme_code != 0)
			json_object_set_new(
			    o, "kme-problem", json_string(s.kme_problem));
		json_object_set_new(o, "probes",
		    json_pack("{s:I,s:I}", "sent", (json_int_t)s.probes,
			"failed", (json_int_t)s.probes_failed));
		if (s.probe_code != 0)
			json_object_set_new(o, "last-probe-error",
			    json_pack("{s:s,s:o,s:s}", "reason",
				km_err_name(s.probe_code), "time",
				rpc_time(s.probe_time), "message",
				s.probe_reason));
	}
#define RPC_STAT(k, v) json_object_set_new(st, k, json_integer((json_int_t)(v)))
	RPC_STAT("received", s.received);
	RPC_STAT("to-server", s.to_server);
	RPC_STAT("to-server-failed", s.to_server_failed);
	RPC_STAT("from-server", s.from_server);
	RPC_STAT("from-server-failed", s.from_server_failed);
	RPC_STAT("success", s.success);
	RPC_STAT("failed", s.failed);
#undef RPC_STAT
	json_object_set_new(o, "stats", st);
	f = json_object();
	for (int c = 1; c < KM_ERR_COUNT; c++)
		if (s.by_reason[c] > 0)
			json_object_set_new(f, km_err_name(c),
			    json_integer((json_int_t)s.by_reason[c]));
	json_object_set_new(o, "failures", f);
	if (s.last_code != 0) {
		json_t *e = json_object();
		json_object_set_new(
		    e, "reason", json_string(km_err_name(s.last_code)));
		json_object_set_new(e, "time", rpc_time(s.last_time));
		json_object_set_new(e, "message", json_string(s.last_reason));
		json_object_set_new(o, "last-error", e);
	}
	if (p->setup_error != NULL)
		json_object_set_new(
		    o, "setup-error", json_string(p->setup_error));
	return o;
}

static json_t *
rpc_show(struct keymgr *km, const json_t *in, struct sb *err)
{
	const char *name = msg_str(in, "name");
	size_t n;
	struct km_profile **v = profile_get_all(&km->table, &n);
	json_t *out = json_object(), *a = json_array();
	time_t now = time(NULL);
	bool found = false;

	for (size_t i = 0; i < n; i++) {
		if (name != NULL && strcmp(name, v[i]->name) != 0)
			continue;
		found = true;
		json_array_append_new(a, rpc_profile(v[i], i + 1, now));
	}
	profile_put_all(&km->table, v, n);
	json_object_set_new(
	    out, "detail", json_boolean(msg_bool(in, "detail")));
	json_object_set_new(out, "profiles", a);
	if (name != NULL && !found) {
		json_decref(out);
		sb_printf(err, "error: key-manager profile %s not found", name);
		return NULL;
	}
	return out;
}

/*
 * A get profile-keys waiting for its worker.  The main thread owns it; the
 * worker hands the finished job over under mu and wakes the main loop.  If
 * KM_RPC_WAIT_MS passes first, the operator gets FAILED and the worker,
 * finding the call abandoned, frees the job and the call itself.
 */
struct rpc_call {
	struct keymgr *km;
	struct link_call *call;
	struct km_profile *p; /* a reference, for the reply */
	struct event *wake;   /* the job is done: rpc_call_done */
	struct event *timer;  /* KM_RPC_WAIT_MS: rpc_call_expire */
	pthread_mutex_t mu;
	struct km_job *job; /* under mu: the finished job */
	bool abandoned;	    /* under mu: answered; the worker frees */
};

static void
rpc_call_free(struct rpc_call *rc)
{
	pthread_mutex_destroy(&rc->mu);
	free(rc);
}

/* The main thread lets go of rc's events and profile. */
static void
rpc_call_release(struct rpc_call *rc)
{
	event_free(rc->wake);
	event_free(rc->timer);
	profile_put(&rc->km->table, rc->p);
}

/* Worker thread (or the main one, for static profiles). */
static void
rpc_job_done(struct km_job *j)
{
	struct rpc_call *rc = j->arg;
	bool abandoned;

	pthread_mutex_lock(&rc->mu);
	rc->job = j;
	abandoned = rc->abandoned;
	pthread_mutex_unlock(&rc->mu);
	if (abandoned) { /* the operator got FAILED already */
		job_free(&rc->km->table, j);
		rpc_call_free(rc);
		return;
	}
	event_active(rc->wake, EV_READ, 0);
}

static json_t *rpc_keys_reply(struct km_profile *p, const struct km_job *j);

static void
rpc_call_done(evutil_socket_t fd, short what, void *arg)
{
	struct rpc_call *rc = arg;
	struct km_job *j;

	pthread_mutex_lock(&rc->mu);
	j = rc->job;
	pthread_mutex_unlock(&rc->mu);
	/* The keys leave in a frame that is wiped once written. */
	link_reply(rc->call, rpc_keys_reply(rc->p, j), NULL, true);
	job_free(&rc->km->table, j); /* handed out: wiped */
	rpc_call_release(rc);
	rpc_call_free(rc);
}

static void
rpc_call_expire(evutil_socket_t fd, short what, void *arg)
{
	struct rpc_call *rc = arg;
	bool abandoned;

	pthread_mutex_lock(&rc->mu);
	if (rc->job == NULL)
		rc->abandoned = true;
	abandoned = rc->abandoned;
	pthread_mutex_unlock(&rc->mu);
	if (!abandoned)
		return; /* done just now: rpc_call_done is on its way */
	link_reply(rc->call, rpc_keys_reply(rc->p, NULL), NULL, false);
	rpc_call_release(rc); /* rc itself: the worker's */
}

static json_t *
rpc_keys_reply(struct km_profile *p, const struct km_job *j)
{
	json_t *o = json_object(), *ids, *keys;

	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "type", json_string(rpc_type(p)));
	if (j == NULL || j->code != 0) {
		struct sb e;
		sb_init(&e);
		if (j == NULL)
			sb_printf(&e,
			    "timeout: no answer from the KME within"
			    " %d seconds",
			    KM_RPC_WAIT_MS / 1000);
		else
			sb_printf(
			    &e, "%s: %s", km_err_name(j->code), j->reason);
		json_object_set_new(o, "status", json_string("FAILED"));
		json_object_set_new(o, "error", json_string(sb_str(&e)));
		/* the command fails: cli -c exits non-zero */
		json_object_set_new(o, RPC_DATA_FAILED, json_true());
		sb_free(&e);
		return o;
	}
	json_object_set_new(o, "status", json_string("SUCCESS"));
	json_object_set_new(
	    o, "key-size", json_integer((json_int_t)j->keys->keys[0].len * 8));
	ids = json_array();
	keys = json_array();
	for (size_t i = 0; i < j->keys->count; i++) {
		json_array_append_new(
		    ids, json_string(j->keys->keys[i].key_id));
		json_array_append_new(keys,
		    keystore_hex_json(
			j->keys->keys[i].key, j->keys->keys[i].len, "0x"));
	}
	json_object_set_new(o, "key-ids", ids);
	json_object_set_new(o, "keys", keys);
	return o;
}

/*
 * Answered later (link_defer): the main loop goes on serving mgd while the
 * worker asks the KME, and the answer is bounded by KM_RPC_WAIT_MS.
 */
static json_t *
rpc_get_keys(struct keymgr *km, const json_t *in, struct sb *err)
{
	const char *name = msg_str(in, "name");
	const char *want = msg_str(in, "peer-sae-id"), *peer, *why = "";
	struct km_profile *p = profile_get(&km->table, name);
	struct timeval tv = { KM_RPC_WAIT_MS / 1000,
		(KM_RPC_WAIT_MS % 1000) * 1000 };
	struct rpc_call *rc;
	struct km_job *j;

	if (p == NULL) {
		sb_printf(err, "error: key-manager profile %s not found",
		    name ? name : "");
		return NULL;
	}
	/* The peer as the key API chooses it (api_peer). */
	if ((peer = api_peer(p, want, &why)) == NULL) {
		sb_printf(err, "error: key-manager profile %s: %s%s%s", p->name,
		    want ? "peer-sae-id " : "", want ? want : "",
		    want ? ": " : "");
		sb_puts(err, why);
		profile_put(&km->table, p);
		return NULL;
	}
	rc = xcalloc(1, sizeof(*rc));
	pthread_mutex_init(&rc->mu, NULL);
	rc->km = km;
	rc->p = p;
	rc->wake = event_new(km->base, -1, 0, rpc_call_done, rc);
	rc->timer = evtimer_new(km->base, rpc_call_expire, rc);
	rc->call = link_defer(km->link);
	j = xcalloc(1, sizeof(*j));
	j->kind = KM_JOB_GET_KEY;
	j->p = profile_get(&km->table, p->name);
	j->count = 1;
	snprintf(j->peer, sizeof(j->peer), "%s", peer);
	j->deadline_ms = km_now_ms() + (uint64_t)p->timeout_ms;
	j->done = rpc_job_done;
	j->arg = rc;
	evtimer_add(rc->timer, &tv);
	worker_submit(&km->table, j);
	return LINK_PENDING;
}

static json_t *
rpc_clear(struct keymgr *km, const json_t *in, struct sb *err)
{
	const char *name = msg_str(in, "name");
	size_t n;
	struct km_profile **v = profile_get_all(&km->table, &n);
	bool found = false;

	for (size_t i = 0; i < n; i++) {
		struct km_profile *p = v[i];
		if (name != NULL && strcmp(name, p->name) != 0)
			continue;
		found = true;
		pthread_mutex_lock(&p->mu);
		struct km_stats keep = p->st;
		/* The counters go; what the KME's Status said stays. */
		memset(&p->st, 0, sizeof(p->st));
		p->st.status = keep.status;
		p->st.default_key_size = keep.default_key_size;
		p->st.stored_key_count = keep.stored_key_count;
		p->st.min_key_size = keep.min_key_size;
		p->st.max_key_size = keep.max_key_size;
		p->st.max_key_per_request = keep.max_key_per_request;
		p->st.kme_code = keep.kme_code;
		memcpy(p->st.kme_problem, keep.kme_problem,
		    sizeof(p->st.kme_problem));
		pthread_mutex_unlock(&p->mu);
	}
	profile_put_all(&km->table, v, n);
	if (name != NULL && !found) {
		sb_printf(err, "error: key-manager profile %s not found", name);
		return NULL;
	}
	return json_object();
}

static const struct {
	const char *name;
	json_t *(*fn)(struct keymgr *, const json_t *, struct sb *);
} rpc_table[] = {
	{ "show-security-key-manager-profiles", rpc_show },
	{ "request-security-key-manager-profiles-get-profile-keys",
	    rpc_get_keys },
	{ "clear-security-key-manager-statistics", rpc_clear },
};

json_t *
rpc_dispatch(
    struct keymgr *km, const char *name, const json_t *input, struct sb *err)
{
	for (size_t i = 0; i < sizeof(rpc_table) / sizeof(rpc_table[0]); i++)
		if (name != NULL && strcmp(name, rpc_table[i].name) == 0)
			return rpc_table[i].fn(km, input, err);
	sb_printf(err, "error: keymgr does not answer '%s'", name ? name : "");
	return NULL;
}
