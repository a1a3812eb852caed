/*
 * api: the key API for iked on <state>/keymgr.sock (proto_keymgr.h), served
 * by a thread with an event loop of its own, so that neither mgd's requests
 * on the main thread nor a KME that hangs on a worker delay it.
 *
 * A request becomes a job on its profile's worker; when the worker is done
 * it queues the job here and wakes the loop (event_active from another
 * thread: libevent runs with evthread_use_pthreads).  Answers therefore
 * come in the order the KMEs answer, each with its request's id.  The reply
 * carrying keys is handed out once (msg_bev_send_wiped) and the job, with its
 * keys, wiped.
 *
 * mgd applies a commit to keymgr and iked at once, so iked may ask for the
 * key of a profile the commit adds (or changes) before keymgr runs it.
 * From keymgr's check of such a change until its apply or abort (api_hold,
 * api_release), a request naming one of the change's profiles waits here
 * (struct api_held), at most KM_HOLD_MAX_MS unless the apply has begun,
 * and is then served from the
 * running profiles: the new one after an apply, the old one (or
 * "unknown-profile") after an abort.  Requests for other profiles go on
 * at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "keymgr/keymgr.h"
#include "proto/proto_keymgr.h"
#include "lib/log.h"
#include "lib/msg.h"
#include "lib/privsep.h"

struct km_api {
	struct keymgr *km;
	pthread_t th;
	bool running;
	struct event_base *base;
	int lfd;
	struct event *accept_ev;
	struct event *wake;
	pthread_mutex_t mu;
	struct km_job *done_head; /* answered by workers, under mu */
	bool stopped;		  /* under mu: drop answers */
	/* Under mu: the profiles of the checked change (sorted names) and
	 * the generations of holds made and released. */
	char **hold;
	size_t nhold;
	uint64_t hold_gen;
	uint64_t released_gen;
	bool applying;	       /* the main thread applies the held change */
	struct event *release; /* api_release: the held requests go on */
	struct api_held *held; /* API thread only; newest first */
};

/* A request waiting for the checked change of generation gen. */
struct api_held {
	struct api_held *next;
	struct api_conn *c; /* its inflight counts this */
	json_t *req;
	uint64_t gen;
	struct event *timer; /* KM_HOLD_MAX_MS: api_held_expire */
};

struct api_conn {
	struct km_api *a;
	struct bufferevent *bev;
	unsigned inflight;
	bool closed;
};

struct api_req { /* job->arg */
	struct api_conn *c;
	json_t *id;
	unsigned count;
};

static void
api_conn_release(struct api_conn *c)
{
	if (c->closed && c->inflight == 0)
		free(c);
}

static void
api_send_error(
    struct api_conn *c, json_t *id, const char *code, const char *msg)
{
	json_t *r = json_object();

	json_object_set(r, "id", id ? id : json_null());
	json_object_set_new(r, "ok", json_false());
	json_object_set_new(r, "error", json_string(code));
	json_object_set_new(r, "message", json_string(msg));
	msg_bev_send(c->bev, r);
	json_decref(r);
}

/* The reply to a finished job (API thread). */
static void
api_answer(struct km_job *j)
{
	struct api_req *rq = j->arg;
	struct api_conn *c = rq->c;
	json_t *r;

	if (c->closed)
		goto done;
	if (j->code != 0) {
		api_send_error(c, rq->id, km_err_name(j->code), j->reason);
		goto done;
	}
	r = json_object();
	json_object_set(r, "id", rq->id);
	json_object_set_new(r, "ok", json_true());
	json_object_set_new(r, "profile", json_string(j->p->name));
	if (j->p->type == KM_QKD)
		json_object_set_new(r, "peer_sae_id", json_string(j->peer));
	json_object_set_new(
	    r, "key_size", json_integer((json_int_t)j->keys->keys[0].len * 8));
	json_object_set_new(r, "key_id", json_string(j->keys->keys[0].key_id));
	json_object_set_new(r, "key",
	    keystore_hex_json(
		j->keys->keys[0].key, j->keys->keys[0].len, NULL));
	if (j->keys->count > 1) {
		json_t *a = json_array();
		for (size_t i = 0; i < j->keys->count; i++) {
			struct qkd_key *k = &j->keys->keys[i];
			json_t *o = json_object();
			json_object_set_new(
			    o, "key_id", json_string(k->key_id));
			json_object_set_new(
			    o, "key", keystore_hex_json(k->key, k->len, NULL));
			json_array_append_new(a, o);
		}
		json_object_set_new(r, "keys", a);
	}
	if (msg_bev_send_wiped(c->bev, r) == -1)
		log_err("api: a reply could not be queued");
	json_decref(r); /* wiped by the jansson free function */
done:
	c->inflight--;
	json_decref(rq->id);
	free(rq);
	job_free(&c->a->km->table, j);
	api_conn_release(c);
}

/* Worker thread (or API thread for static profiles): hand the job back. */
static void
api_job_done(struct km_job *j)
{
	struct api_req *rq = j->arg;
	struct km_api *a = rq->c->a;
	bool drop;

	pthread_mutex_lock(&a->mu);
	drop = a->stopped;
	if (!drop) {
		j->next = a->done_head;
		a->done_head = j;
	}
	pthread_mutex_unlock(&a->mu);
	if (drop) {
		json_decref(rq->id);
		free(rq);
		job_free(&a->km->table, j);
		return;
	}
	event_active(a->wake, EV_READ, 0);
}

static void
api_wake(evutil_socket_t fd, short what, void *arg)
{
	struct km_api *a = arg;
	struct km_job *j, *rev = NULL;

	pthread_mutex_lock(&a->mu);
	j = a->done_head;
	a->done_head = NULL;
	pthread_mutex_unlock(&a->mu);
	while (j != NULL) { /* oldest first */
		struct km_job *n = j->next;
		j->next = rev;
		rev = j;
		j = n;
	}
	while ((j = rev) != NULL) {
		rev = j->next;
		api_answer(j);
	}
}

const char *
api_peer(const struct km_profile *p, const char *want, const char **why)
{
	if (p->type == KM_STATIC)
		return "";
	if (want == NULL) {
		if (p->npeers == 0)
			*why = "the profile has no peer-sae-ids: name the peer";
		return p->npeers ? p->peers[0] : NULL;
	}
	if (strlen(want) == 0 || strlen(want) > QKD_SAE_ID_MAX) {
		*why = "not a valid peer SAE ID";
		return NULL;
	}
	for (size_t i = 0; i < p->npeers; i++)
		if (strcmp(p->peers[i], want) == 0)
			return want;
	if (p->npeers > 0) {
		*why = "the peer SAE is not one of the profile's peer-sae-ids";
		return NULL;
	}
	return want;
}

static void api_request(struct api_conn *c, json_t *req, bool may_hold);

static int
api_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The generation of the hold on profile name, or 0 (API thread). */
static uint64_t
api_held_gen(struct km_api *a, const char *name)
{
	uint64_t gen = 0;

	if (name == NULL)
		return 0;
	pthread_mutex_lock(&a->mu);
	if (a->nhold > 0 &&
	    bsearch(&name, a->hold, a->nhold, sizeof(*a->hold), api_name_cmp) !=
		NULL)
		gen = a->hold_gen;
	pthread_mutex_unlock(&a->mu);
	return gen;
}

/* h's request is served now, from the running profiles. */
static void
api_held_run(struct km_api *a, struct api_held *h)
{
	struct api_conn *c = h->c;

	for (struct api_held **pp = &a->held; *pp; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	event_free(h->timer);
	if (!c->closed)
		api_request(c, h->req, false);
	c->inflight--;
	json_decref(h->req);
	free(h);
	api_conn_release(c);
}

static void
api_held_expire(evutil_socket_t fd, short what, void *arg)
{
	struct api_held *h = arg;
	struct km_api *a = h->c->a;
	struct timeval tv = { KM_HOLD_MAX_MS / 1000,
		(KM_HOLD_MAX_MS % 1000) * 1000 };
	bool applying;

	/* Its change is being applied: api_release comes when it is. */
	pthread_mutex_lock(&a->mu);
	applying = a->applying && h->gen == a->hold_gen;
	pthread_mutex_unlock(&a->mu);
	if (applying) {
		evtimer_add(h->timer, &tv);
		return;
	}
	log_warn("api: a key request for profile %s waited %d ms for a"
		 " commit; answered from the running profiles",
	    msg_str(h->req, "profile"), KM_HOLD_MAX_MS);
	api_held_run(a, h);
}

/* The holds up to released_gen are over: their requests, oldest first. */
static void
api_held_release(evutil_socket_t fd, short what, void *arg)
{
	struct km_api *a = arg;
	struct api_held *h, *rev = NULL, *keep = NULL, **kt = &keep;
	uint64_t done;

	pthread_mutex_lock(&a->mu);
	done = a->released_gen;
	pthread_mutex_unlock(&a->mu);
	h = a->held;
	while (h != NULL) {
		struct api_held *n = h->next;
		if (h->gen <= done) {
			h->next = rev;
			rev = h;
		} else {
			*kt = h;
			kt = &h->next;
		}
		h = n;
	}
	*kt = NULL;
	a->held = keep;
	while ((h = rev) != NULL) {
		rev = h->next;
		h->next = NULL;
		api_held_run(a, h); /* not on a->held: nothing to unlink */
	}
}

static void
api_hold_request(struct api_conn *c, json_t *req, uint64_t gen)
{
	struct km_api *a = c->a;
	struct api_held *h = xcalloc(1, sizeof(*h));
	struct timeval tv = { KM_HOLD_MAX_MS / 1000,
		(KM_HOLD_MAX_MS % 1000) * 1000 };

	h->c = c;
	h->req = json_incref(req);
	h->gen = gen;
	h->timer = evtimer_new(a->base, api_held_expire, h);
	evtimer_add(h->timer, &tv);
	h->next = a->held;
	a->held = h;
	c->inflight++;
}

void
api_hold(struct km_api *a, char **names, size_t n)
{
	char **old;
	size_t nold;

	if (a == NULL) {
		profile_names_free(names, n);
		return;
	}
	qsort(names, n, sizeof(*names), api_name_cmp);
	pthread_mutex_lock(&a->mu);
	old = a->hold;
	nold = a->nhold;
	a->hold = names;
	a->nhold = n;
	a->released_gen = a->hold_gen; /* the hold before: over */
	a->hold_gen++;
	pthread_mutex_unlock(&a->mu);
	profile_names_free(old, nold);
	if (nold > 0)
		event_active(a->release, EV_READ, 0);
}

void
api_apply_begin(struct km_api *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	a->applying = a->nhold > 0;
	pthread_mutex_unlock(&a->mu);
}

void
api_release(struct km_api *a)
{
	char **old;
	size_t nold;

	if (a == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	old = a->hold;
	nold = a->nhold;
	a->hold = NULL;
	a->nhold = 0;
	a->released_gen = a->hold_gen;
	a->applying = false;
	pthread_mutex_unlock(&a->mu);
	if (nold == 0)
		return; /* nothing was held: no wake-up */
	profile_names_free(old, nold);
	event_active(a->release, EV_READ, 0);
}

/* may_hold: a request for a profile of the checked change waits for it. */
static void
api_request(struct api_conn *c, json_t *req, bool may_hold)
{
	struct km_api *a = c->a;
	json_t *id = json_object_get(req, "id");
	const char *op = msg_str(req, "op"), *peer, *why = "bad request";
	const char *kid = msg_str(req, "key_id");
	json_int_t count = msg_int(req, "count", 1);
	struct km_profile *p;
	struct km_job *j;
	struct api_req *rq;
	uint64_t gen;
	bool by_id;

	if (op == NULL ||
	    (strcmp(op, KM_OP_GET_KEY) != 0 &&
		strcmp(op, KM_OP_GET_KEY_BY_ID) != 0)) {
		api_send_error(c, id, "bad-request", "unknown op");
		return;
	}
	by_id = strcmp(op, KM_OP_GET_KEY_BY_ID) == 0;
	if (may_hold && (gen = api_held_gen(a, msg_str(req, "profile"))) != 0) {
		api_hold_request(c, req, gen);
		return;
	}
	if ((p = profile_get(&a->km->table, msg_str(req, "profile"))) == NULL) {
		api_send_error(
		    c, id, "unknown-profile", "no such key-manager profile");
		return;
	}
	if (by_id &&
	    (kid == NULL || *kid == '\0' || strlen(kid) > QKD_KEY_ID_MAX)) {
		api_send_error(c, id, "bad-request", "bad key_id");
		profile_put(&a->km->table, p);
		return;
	}
	if (by_id)
		count = 1;
	if (count < 1 || count > KM_KEYS_PER_REQUEST_MAX ||
	    (p->type == KM_STATIC && count != 1) ||
	    (peer = api_peer(p, msg_str(req, "peer_sae_id"), &why)) == NULL) {
		api_send_error(
		    c, id, "bad-request", count == 1 ? why : "bad count");
		profile_put(&a->km->table, p);
		return;
	}
	j = xcalloc(1, sizeof(*j));
	j->kind = by_id ? KM_JOB_GET_KEY_ID : KM_JOB_GET_KEY;
	j->p = p;
	snprintf(j->peer, sizeof(j->peer), "%s", peer);
	j->any_peer = by_id && p->type == KM_QKD && p->npeers > 1 &&
	    msg_str(req, "peer_sae_id") == NULL;
	j->count = (unsigned)count;
	if (by_id) {
		j->key_ids = xcalloc(1, sizeof(*j->key_ids));
		j->key_ids[0] = xstrdup(kid);
	}
	j->deadline_ms = km_now_ms() +
	    (uint64_t)(p->timeout_ms > 0 ? p->timeout_ms
					 : KM_TIMEOUT_S_DEFAULT * 1000);
	rq = xcalloc(1, sizeof(*rq));
	rq->c = c;
	rq->id = json_incref(id ? id : json_null());
	j->arg = rq;
	j->done = api_job_done;
	c->inflight++;
	worker_submit(&a->km->table, j);
}

static void
api_read(struct bufferevent *bev, void *arg)
{
	struct api_conn *c = arg;
	json_t *req;
	bool bad;

	while ((req = msg_evbuf_pull(bufferevent_get_input(bev), &bad))) {
		api_request(c, req, true);
		json_decref(req);
	}
	if (bad) {
		log_warn("api: malformed message; closing the connection");
		bufferevent_free(c->bev);
		c->closed = true;
		api_conn_release(c);
	}
}

static void
api_event(struct bufferevent *bev, short what, void *arg)
{
	struct api_conn *c = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		bufferevent_free(c->bev);
		c->closed = true;
		api_conn_release(c);
	}
}

static void
api_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct km_api *a = arg;
	struct api_conn *c;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd == -1) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("api: accept: %s", strerror(errno));
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->a = a;
	c->bev = bufferevent_socket_new(a->base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(c->bev, api_read, NULL, api_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void *
api_main(void *arg)
{
	struct km_api *a = arg;

	event_base_loop(a->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

/*
 * iked's network process asks for PPKs as its own uid (lib/privsep.h):
 * the socket is also its group's, and no one else's.
 */
static void
api_share(const char *path)
{
	uid_t uid;
	gid_t gid;

	if (privsep_iked_ids(&uid, &gid) == -1)
		return;
	if (chown(path, (uid_t)-1, gid) == -1 || chmod(path, 0660) == -1)
		log_warn("api: %s for group %s: %s", path, PRIVSEP_IKED_USER,
		    strerror(errno));
}

struct km_api *
api_start(struct keymgr *km, const char *path)
{
	struct km_api *a = xcalloc(1, sizeof(*a));

	a->km = km;
	pthread_mutex_init(&a->mu, NULL);
	a->lfd = msg_listen(path, 0600);
	if (a->lfd == -1) {
		log_err("api: %s: %s", path, strerror(errno));
		pthread_mutex_destroy(&a->mu);
		free(a);
		return NULL;
	}
	api_share(path);
	evutil_make_socket_nonblocking(a->lfd);
	a->base = event_base_new();
	a->accept_ev =
	    event_new(a->base, a->lfd, EV_READ | EV_PERSIST, api_accept, a);
	a->wake = event_new(a->base, -1, 0, api_wake, a);
	a->release = event_new(a->base, -1, 0, api_held_release, a);
	event_add(a->accept_ev, NULL);
	if (pthread_create(&a->th, NULL, api_main, a) != 0) {
		log_err("api: no thread");
		api_free(a);
		return NULL;
	}
	a->running = true;
	log_info("api: listening on %s", path);
	return a;
}

void
api_stop(struct km_api *a)
{
	struct km_job *j;

	if (a == NULL)
		return;
	if (a->running) {
		event_base_loopbreak(a->base);
		pthread_join(a->th, NULL);
		a->running = false;
	}
	pthread_mutex_lock(&a->mu);
	a->stopped = true;
	j = a->done_head;
	a->done_head = NULL;
	pthread_mutex_unlock(&a->mu);
	while (j != NULL) {
		struct km_job *n = j->next;
		struct api_req *rq = j->arg;
		json_decref(rq->id);
		free(rq);
		job_free(&a->km->table, j);
		j = n;
	}
}

/* The held requests dropped, with the hold (the thread is stopped). */
static void
api_held_free(struct km_api *a)
{
	struct api_held *h;

	while ((h = a->held) != NULL) {
		a->held = h->next;
		event_free(h->timer);
		json_decref(h->req);
		free(h);
	}
	if (a->release)
		event_free(a->release);
	profile_names_free(a->hold, a->nhold);
	a->hold = NULL;
	a->nhold = 0;
}

void
api_free(struct km_api *a)
{
	if (a == NULL)
		return;
	api_stop(a);
	if (a->accept_ev)
		event_free(a->accept_ev);
	if (a->wake)
		event_free(a->wake);
	api_held_free(a);
	if (a->base)
		event_base_free(a->base);
	if (a->lfd >= 0)
		close(a->lfd);
	pthread_mutex_destroy(&a->mu);
	free(a);
}
