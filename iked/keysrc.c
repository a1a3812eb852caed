/*
 * keysrc: PPKs (RFC 8784) from keymgr for the engine; see keysrc.h.
 * The initiator asks "get-key" and sends the key_id as PPK_ID; the
 * responder asks "get-key-by-id" with the PPK_ID it received
 * (proto_keymgr.h, RFC 8784 3).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/crypto.h>

#include "iked/keysrc.h"
#include "proto/proto_keymgr.h"
#include "lib/hex.h"
#include "lib/log.h"
#include "lib/msg.h"
#include "lib/sb.h"

struct ks_req {
	struct keysrc *k;
	json_int_t id;
	eng_ppk_done done;
	void *cb_ctx;
	struct event *timer; /* the timeout, or the deferred error */
	const char *error;   /* static: the answer when it fires */
	struct ks_req *next;
};

struct keysrc {
	struct event_base *base;
	char *sock;
	struct bufferevent *bev; /* NULL: not connected */
	json_int_t next_id;
	struct ks_req *reqs;
};

static void
ks_unlink(struct keysrc *k, struct ks_req *r)
{
	for (struct ks_req **pp = &k->reqs; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			return;
		}
}

/* Answers r (once) and frees it. */
static void
ks_finish(struct ks_req *r, const char *key_id, const uint8_t *key, size_t len,
    const char *error)
{
	ks_unlink(r->k, r);
	event_free(r->timer);
	r->done(r->cb_ctx, key_id, key, len, error);
	free(r);
}

static void
ks_timer(evutil_socket_t fd, short what, void *arg)
{
	struct ks_req *r = arg;

	if (r->error == NULL)
		log_warn("keymgr: request %lld got no answer within %d ms",
		    (long long)r->id, KEYSRC_TIMEOUT_MS);
	ks_finish(r, NULL, NULL, 0, r->error ? r->error : "timeout");
}

/* Every outstanding request fails with error, on the loop. */
static void
ks_fail_all(struct keysrc *k, const char *error)
{
	struct timeval now = { 0, 0 };

	for (struct ks_req *r = k->reqs; r; r = r->next) {
		r->error = error;
		evtimer_add(r->timer, &now);
	}
}

static void
ks_drop(struct keysrc *k, const char *error)
{
	if (k->bev != NULL)
		bufferevent_free(k->bev);
	k->bev = NULL;
	ks_fail_all(k, error);
}

/* One reply from keymgr. */
static void
ks_reply(struct keysrc *k, const json_t *rep)
{
	json_int_t id = msg_int(rep, "id", -1);
	const char *hex = msg_str(rep, "key");
	const char *kid = msg_str(rep, "key_id");
	uint8_t key[KEYSRC_KEY_MAX];
	struct ks_req *r;
	size_t n, i, klen;

	for (r = k->reqs; r != NULL && r->id != id; r = r->next)
		;
	if (r == NULL) {
		log_warn(
		    "keymgr: a reply to no request (id %lld)", (long long)id);
		return;
	}
	if (!msg_bool(rep, "ok")) {
		const char *e = msg_str(rep, "error");
		log_warn("keymgr: request %lld: %s: %s", (long long)id,
		    e ? e : "?",
		    msg_str(rep, "message") ? msg_str(rep, "message") : "");
		/* keymgr's stable token; a static copy for the engine */
		static const char *const tokens[] = { "unknown-profile",
			"unknown-key-id", "timeout", "queue-timeout", "busy",
			"not-configured", "bad-request", "connect" };
		const char *tok = "keymgr-error";
		for (i = 0; e != NULL && i < sizeof(tokens) / sizeof(*tokens);
		     i++)
			if (strcmp(e, tokens[i]) == 0)
				tok = tokens[i];
		ks_finish(r, NULL, NULL, 0, tok);
		return;
	}
	n = hex ? strlen(hex) : 0;
	if (kid != NULL && n > 0 &&
	    hex_decode(hex, n, key, sizeof(key), &klen) == 0)
		ks_finish(r, kid, key, klen, NULL);
	else
		ks_finish(r, NULL, NULL, 0, "bad-reply");
	OPENSSL_cleanse(key, sizeof(key));
}

static void
ks_read(struct bufferevent *bev, void *arg)
{
	struct keysrc *k = arg;
	json_t *rep;
	bool bad = false;

	while (
	    (rep = msg_evbuf_pull(bufferevent_get_input(bev), &bad)) != NULL) {
		ks_reply(k, rep);
		json_decref(rep);
		if (k->bev == NULL)
			return;
	}
	if (bad) {
		log_err("keymgr: a malformed frame; reconnecting");
		ks_drop(k, "bad-reply");
	}
}

static void
ks_event(struct bufferevent *bev, short what, void *arg)
{
	struct keysrc *k = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		log_warn("keymgr: the connection closed");
		ks_drop(k, "closed");
	}
}

static int
ks_connect(struct keysrc *k)
{
	int fd;

	if (k->bev != NULL)
		return 0;
	if ((fd = msg_connect(k->sock)) == -1)
		return -1;
	evutil_make_socket_nonblocking(fd);
	k->bev = bufferevent_socket_new(k->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (k->bev == NULL) {
		close(fd);
		return -1;
	}
	bufferevent_setcb(k->bev, ks_read, NULL, ks_event, k);
	bufferevent_enable(k->bev, EV_READ | EV_WRITE);
	return 0;
}

static void
ks_request(struct keysrc *k, const char *op, const char *profile,
    const char *key_id, eng_ppk_done done, void *cb_ctx)
{
	struct ks_req *r = xcalloc(1, sizeof(*r));
	struct timeval tv = { KEYSRC_TIMEOUT_MS / 1000,
		(KEYSRC_TIMEOUT_MS % 1000) * 1000 };
	json_t *req;

	r->k = k;
	r->id = ++k->next_id;
	r->done = done;
	r->cb_ctx = cb_ctx;
	r->timer = evtimer_new(k->base, ks_timer, r);
	r->next = k->reqs;
	k->reqs = r;
	if (ks_connect(k) == -1) {
		log_warn("keymgr: %s: cannot connect", k->sock);
		r->error = "connect";
		tv.tv_sec = tv.tv_usec = 0;
		evtimer_add(r->timer, &tv);
		return;
	}
	req = json_pack(
	    "{s:I,s:s,s:s}", "id", r->id, "op", op, "profile", profile);
	if (key_id != NULL)
		json_object_set_new(req, "key_id", json_string(key_id));
	evtimer_add(r->timer, &tv);
	if (msg_bev_send(k->bev, req) == -1)
		ks_drop(k, "closed");
	json_decref(req);
}

static void
ks_get_key(void *ctx, const char *profile, eng_ppk_done done, void *cb_ctx)
{
	ks_request(ctx, KM_OP_GET_KEY, profile, NULL, done, cb_ctx);
}

static void
ks_get_key_by_id(void *ctx, const char *profile, const char *key_id,
    eng_ppk_done done, void *cb_ctx)
{
	ks_request(ctx, KM_OP_GET_KEY_BY_ID, profile, key_id, done, cb_ctx);
}

const struct eng_keysrc keysrc_ops = {
	.get_key = ks_get_key,
	.get_key_by_id = ks_get_key_by_id,
};

struct keysrc *
keysrc_new(struct event_base *base, const char *sock)
{
	struct keysrc *k = xcalloc(1, sizeof(*k));

	k->base = base;
	k->sock = xstrdup(sock);
	return k;
}

void
keysrc_free(struct keysrc *k)
{
	if (k == NULL)
		return;
	if (k->bev != NULL)
		bufferevent_free(k->bev);
	while (k->reqs != NULL) {
		struct ks_req *r = k->reqs;
		k->reqs = r->next;
		event_free(r->timer);
		free(r);
	}
	free(k->sock);
	free(k);
}
