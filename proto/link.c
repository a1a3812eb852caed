/*
 * link: the daemon end of mgd's protocol (see link.h and proto_daemon.h).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "lib/msg.h"
#include "proto/link.h"
#include "proto/proto_daemon.h"
#include "schema/edit.h"

struct link {
	struct event_base *base;
	struct bufferevent *bev;
	const struct link_ops *ops;
	void *ctx;
	struct schema *schema;
	struct conf *running;
	struct conf *pending; /* checked, not applied yet */
	/*
	 * A copy of running to check the next change on, so that a check
	 * costs the change and not a copy of 200,000 lines.  After an apply
	 * the old running tree becomes it once spare_delta (the change just
	 * applied) is replayed on it, when the loop is idle; NULL until then
	 * or after a full load or an abort (a copy is made then).
	 */
	struct conf *spare;
	char *spare_delta;
	bool spare_due; /* link_spare_refresh is due */
	/*
	 * A change too large to replay (spare_delta NULL): spare is copied
	 * from pending once the check's reply is out, while mgd stores the
	 * generation, instead of from running after the apply's reply, when
	 * every daemon applies and the copy takes a core from them.
	 */
	bool spare_of_pending; /* spare is that copy (or it is due) */
	bool spare_copy_due;   /* the copy of pending is due */
	/*
	 * Both run from this zero timer, not event_base_once: that runs
	 * its callback before the loop writes the reply, so mgd waited for
	 * the copy.  The timer runs after the reply's write, and yields
	 * (link_spare_work) to the daemon's own work and to mgd's next
	 * request.
	 */
	struct event *spare_ev;
	/* A large request (a first load's change) being read straight into
	 * its frame: rx_ev reads the socket while the bufferevent does not. */
	struct msg_rx rx;
	struct event *rx_ev;
	/*
	 * A change coming in parts (DAEMON_OP_CHECK_PART), each parsed into
	 * pending as it comes, while mgd builds the next: the lines, bytes
	 * and CPU so far, and the first bad line (rc -1: later parts are
	 * not parsed, the check reports it).
	 */
	struct link_parts {
		bool on;
		int rc;
		size_t n, lines, len, bad;
		int64_t cpu_ms;
		struct path_err err;
	} parts;
	json_int_t rpc_id;	 /* id of the rpc being called back, or -1 */
	struct link_call *calls; /* deferred rpcs not answered yet */
};

/* A deferred rpc (link_defer). */
struct link_call {
	struct link *l; /* NULL once the link is freed */
	json_int_t id;
	struct link_call *next;
};

/* A change larger than this (bytes) logs what its steps cost. */
#define LINK_LOG_STEPS_MIN (1024 * 1024)
/* A large change is parsed this many bytes at a time (link_parse). */
#define LINK_PARSE_STEP (2 * 1024 * 1024)
/* The most bytes one read from mgd's socket takes. */
#define LINK_READ_MAX (1024 * 1024)

static json_t link_pending_token;
json_t *const LINK_PENDING = &link_pending_token;

/* Brings l->spare level with l->running. */
static void
link_spare_refresh(struct link *l)
{
	if (l->spare != NULL && l->spare_delta != NULL) {
		struct path_err err;
		size_t bad;
		sb_init(&err.msg);
		if (edit_apply_delta(l->spare, l->spare_delta,
			strlen(l->spare_delta), &err, &bad) == -1) {
			/* It applied to the same tree a moment ago. */
			log_err("%s: the change does not replay (line %zu: %s)",
			    l->ops->name, bad, sb_str(&err.msg));
			conf_free(l->spare);
			l->spare = NULL;
		}
		sb_free(&err.msg);
	}
	free(l->spare_delta);
	l->spare_delta = NULL;
	if (l->spare == NULL)
		l->spare = conf_dup(l->running);
	conf_clean(l->spare);
}

/* Whether mgd's next request is here: it goes before the spare's work. */
static bool
link_mgd_waits(struct link *l)
{
	struct pollfd p = { .fd = bufferevent_getfd(l->bev), .events = POLLIN };

	return l->rx.frame != NULL ||
	    evbuffer_get_length(bufferevent_get_input(l->bev)) > 0 ||
	    poll(&p, 1, 0) > 0;
}

static void
link_spare_arm(struct link *l)
{
	static const struct timeval now = { 0, 0 };

	evtimer_add(l->spare_ev, &now);
}

/*
 * The spare's work when the loop has nothing else: after the daemon's own
 * work due now (hostd's dormant load after a check) and not before a
 * request of mgd's (the apply): work left for later is done by the apply
 * (a copy after it) or the next check (link_spare_refresh).
 */
static void
link_spare_work(evutil_socket_t fd, short what, void *arg)
{
	struct link *l = arg;

	(void)fd;
	(void)what;
	if (link_mgd_waits(l))
		return;
	if (event_base_get_num_events(l->base, EVENT_BASE_COUNT_ACTIVE) > 0) {
		link_spare_arm(l);
		return;
	}
	if (l->spare_copy_due) {
		l->spare_copy_due = false;
		if (l->spare_of_pending && l->pending != NULL &&
		    l->spare == NULL) {
			l->spare = conf_dup(l->pending);
			conf_clean(l->spare);
		}
	}
	if (l->spare_due) {
		l->spare_due = false;
		link_spare_refresh(l);
	}
}

static void
link_spare_later(struct link *l)
{
	l->spare_due = true;
	link_spare_arm(l);
}

/* Drops a copy of pending made for after its apply (link_spare_work). */
static void
link_spare_unpend(struct link *l)
{
	if (!l->spare_of_pending)
		return;
	l->spare_of_pending = false;
	l->spare_copy_due = false;
	conf_free(l->spare);
	l->spare = NULL;
}

static json_t *
link_errors_json(const struct verrs *errs)
{
	json_t *a = json_array();

	for (size_t i = 0; i < errs->n; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "edit", json_string(errs->v[i].edit));
		json_object_set_new(e, "stmt", json_string(errs->v[i].stmt));
		json_object_set_new(e, "msg", json_string(errs->v[i].msg));
		json_array_append_new(a, e);
	}
	return a;
}

static void
link_abort(struct link *l)
{
	if (l->ops->abort != NULL)
		l->ops->abort(l->ctx);
	/* pending was the spare: a new copy is made when idle. */
	link_spare_unpend(l);
	conf_free(l->pending);
	l->pending = NULL;
	free(l->spare_delta);
	l->spare_delta = NULL;
	link_spare_later(l);
}

/*
 * Whether replaying delta on the old running tree (link_spare_refresh) costs
 * less than copying the new one: parsing a line costs about as much as
 * copying a few nodes, so a change of more lines than a quarter of the
 * tree's nodes (a 200,000-line load: a second parse of all of it, a tenth
 * of iked's CPU) is copied instead.
 */
static bool
link_replay_pays(const struct conf *running, const char *delta)
{
	size_t max = conf_count(running) / 4, lines = 0;

	for (const char *p = delta; (p = strchr(p, '\n')) != NULL; p++)
		if (++lines > max)
			return false;
	return true;
}

/* The lines of text[0, len). */
static size_t
link_lines(const char *text, size_t len)
{
	size_t n = 0;

	for (const char *p = text, *end = text + len;
	     (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
		n++;
	return n;
}

/*
 * Parses the change text (len bytes) into pending.  A large one that came
 * as a raw frame (a first load's 17.5 MB) is parsed LINK_PARSE_STEP at a
 * time, each part's whole 2 MB pages given back once parsed
 * (msg_raw_release): the tree's next pages are then those, just freed,
 * not pages freed seconds before, which this VM charges ten times as much
 * for (docs/benchmarks.md, thirty-first round).  Each part ends at a line
 * end; *bad counts lines from the start of text.
 */
static int
link_parse(struct conf *pending, struct msg_raw *raw, const char *text,
    size_t len, struct path_err *err, size_t *bad)
{
	size_t off = 0, lines = 0;

	if (raw->p != text || len < 2 * LINK_PARSE_STEP)
		return edit_apply_delta(pending, text, len, err, bad);
	/* the table sized for all of it, as one parse sizes it */
	conf_reserve(pending, link_lines(text, len) / 4);
	while (off < len) {
		size_t end = off + LINK_PARSE_STEP;
		const char *nl;
		if (end >= len ||
		    (nl = memchr(text + end, '\n', len - end)) == NULL)
			end = len;
		else
			end = (size_t)(nl - text) + 1;
		if (edit_apply_delta(
			pending, text + off, end - off, err, bad) == -1) {
			*bad += lines;
			return -1;
		}
		lines += link_lines(text + off, end - off);
		msg_raw_release(raw, end);
		off = end;
	}
	return 0;
}

/* Starts the next change: pending is the spare (running's copy), or an
 * empty tree for a full configuration (the daemon just started). */
static void
link_change_begin(struct link *l, bool full)
{
	link_spare_unpend(l); /* a check again, without apply or abort */
	conf_free(l->pending);
	if (full) {
		l->pending = conf_new(l->schema);
	} else {
		if (l->spare_due || l->spare == NULL) {
			l->spare_due = false;
			link_spare_refresh(l);
		}
		l->pending = l->spare;
		l->spare = NULL;
	}
	free(l->spare_delta);
	l->spare_delta = NULL;
}

/*
 * The check of pending once its text is parsed: rc -1 when line bad of it
 * did not apply (emsg); len bytes in nparts parts (0: one check), parsed
 * in parse_ms of CPU.
 */
static void
link_check_done(struct link *l, int rc, size_t bad, struct sb *emsg, size_t len,
    size_t nparts, int64_t parse_ms, json_t *reply)
{
	struct verrs errs = { 0 };
	int64_t t1 = clock_cpu_ms();

	if (rc == -1) {
		struct sb m;
		sb_init(&m);
		sb_printf(&m,
		    "%s: the change from mgd does not apply (line %zu:"
		    " %s)",
		    l->ops->name, bad, sb_str(emsg));
		verrs_add(&errs, "[edit]", "", sb_str(&m), false);
		sb_free(&m);
	} else if (l->ops->check != NULL) {
		l->ops->check(l->ctx, l->running, l->pending, &errs);
	}
	if (len > LINK_LOG_STEPS_MIN && rc == -1)
		log_info("%s: a change of %zu bytes: did not parse (line %zu)",
		    l->ops->name, len, bad);
	else if (len > LINK_LOG_STEPS_MIN) {
		char in[32] = "";
		if (nparts > 0)
			snprintf(in, sizeof(in), " in %zu parts", nparts);
		log_info("%s: a change of %zu bytes%s: parsed in %lld ms,"
			 " checked in %lld ms of CPU",
		    l->ops->name, len, in, (long long)parse_ms,
		    (long long)(clock_cpu_ms() - t1));
	}
	if (errs.n > 0) {
		json_object_set_new(reply, "ok", json_false());
		json_object_set_new(reply, "errors", link_errors_json(&errs));
		link_abort(l);
	} else if (l->spare_delta == NULL) {
		l->spare_of_pending = true;
		l->spare_copy_due = true;
		link_spare_arm(l);
	}
	verrs_free(&errs);
}

/* The change text a check or a part carries: its raw attachment, or its
 * "config" member; NULL (*len 0) when it has none. */
static const char *
link_change_text(const json_t *req, const struct msg_raw *raw, size_t *len)
{
	const char *text = raw->p != NULL ? raw->p : msg_str(req, "config");

	*len = raw->p != NULL ? raw->len : text != NULL ? strlen(text) : 0;
	return text;
}

/* Forgets a change in parts not ended by its check (proto_daemon.h). */
static void
link_parts_drop(struct link *l)
{
	if (!l->parts.on)
		return;
	log_info("%s: %zu parts of a change dropped before their check",
	    l->ops->name, l->parts.n);
	/* half a change: no spare to keep (a copy is made when idle) */
	conf_free(l->pending);
	l->pending = NULL;
	sb_free(&l->parts.err.msg);
	memset(&l->parts, 0, sizeof(l->parts));
	link_spare_later(l);
}

/*
 * A part of a change (DAEMON_OP_CHECK_PART, which may start one, or the
 * last lines with its check): parsed into pending now, while mgd builds
 * the next, and freed (wiped) at once; a bad line's number counts from the
 * whole change's start.
 */
static void
link_part(struct link *l, const json_t *req, struct msg_raw *raw, bool start)
{
	size_t len;
	const char *text = link_change_text(req, raw, &len);
	int64_t t0 = clock_cpu_ms();

	if (!l->parts.on && start) {
		link_change_begin(l, msg_bool(req, "full"));
		/* A change sent in parts is large (mgd/backend_check.c):
		 * the spare is copied, not replayed (link_replay_pays),
		 * so no copy of its text is kept (spare_delta NULL). */
		l->parts.on = true;
		sb_init(&l->parts.err.msg);
	}
	if (!l->parts.on)
		return; /* a check with parts that found none */
	l->parts.n++;
	l->parts.len += len;
	if (l->parts.rc == 0 && len > 0 &&
	    edit_apply_delta(
		l->pending, text, len, &l->parts.err, &l->parts.bad) == -1) {
		l->parts.rc = -1;
		l->parts.bad += l->parts.lines;
	}
	if (len > 0)
		l->parts.lines += link_lines(text, len);
	msg_raw_free(raw);
	l->parts.cpu_ms += clock_cpu_ms() - t0;
}

/* The check that ends a change in parts. */
static void
link_parts_check(struct link *l, json_t *reply)
{
	struct link_parts p = l->parts;

	if (!p.on) {
		/* parts dropped, or never sent: the change is not whole */
		struct sb m;
		sb_init(&m);
		sb_puts(&m, "the parts of the change are missing");
		link_change_begin(l, false);
		link_check_done(l, -1, 0, &m, 0, 0, 0, reply);
		sb_free(&m);
		return;
	}
	memset(&l->parts, 0, sizeof(l->parts));
	link_check_done(
	    l, p.rc, p.bad, &p.err.msg, p.len, p.n, p.cpu_ms, reply);
	sb_free(&p.err.msg);
}

/* raw: the change when it came as a raw attachment (msg_evbuf_pull_raw),
 * freed here once parsed */
static void
link_check(
    struct link *l, const json_t *req, struct msg_raw *raw, json_t *reply)
{
	size_t bad = 0, len;
	const char *text = link_change_text(req, raw, &len);
	struct path_err err;
	int64_t t0 = clock_cpu_ms();
	int rc;

	if (msg_bool(req, "parts")) {
		/* the end of a change in parts: its last lines */
		link_part(l, req, raw, false);
		link_parts_check(l, reply);
		return;
	}
	link_parts_drop(l);
	link_change_begin(l, msg_bool(req, "full"));
	l->spare_delta = msg_bool(req, "full") || text == NULL ||
		!link_replay_pays(l->running, text)
	    ? NULL
	    : xstrdup(text);
	sb_init(&err.msg);
	rc = text != NULL ? link_parse(l->pending, raw, text, len, &err, &bad)
			  : 0;
	/*
	 * The frame (a first load's 17.5 MB) goes back now, wiped, not
	 * after the check: what the check and the daemon's work after it
	 * allocate then gets its 2 MB pages just freed, which this VM hands
	 * out at a tenth of the price of pages freed seconds before
	 * (docs/benchmarks.md, twenty-fifth and thirty-first rounds).
	 */
	msg_raw_free(raw);
	text = NULL;
	link_check_done(
	    l, rc, bad, &err.msg, len, 0, clock_cpu_ms() - t0, reply);
	sb_free(&err.msg);
}

static void
link_apply(struct link *l)
{
	int64_t t0 = clock_cpu_ms();

	if (l->pending == NULL)
		return;
	if (l->ops->apply != NULL)
		l->ops->apply(l->ctx, l->running, l->pending);
	if (l->spare_delta == NULL && clock_cpu_ms() - t0 > 50)
		log_info("%s: applied in %lld ms of CPU", l->ops->name,
		    (long long)(clock_cpu_ms() - t0));
	if (l->spare_of_pending) {
		/* copied from pending after the check (or due: not yet) */
		l->spare_of_pending = false;
		l->spare_copy_due = false;
		conf_free(l->running);
	} else {
		conf_free(l->spare);
		/* After a full load spare_delta is NULL: the old tree is no
		 * use. */
		l->spare = l->spare_delta != NULL ? l->running : NULL;
		if (l->spare == NULL)
			conf_free(l->running);
	}
	l->running = l->pending;
	l->pending = NULL;
	conf_clean(l->running);
	if (l->spare == NULL || l->spare_delta != NULL)
		link_spare_later(l);
}

/* The reply to rpc id: data (stolen) or the error line err. */
static void
link_rpc_reply(
    struct link *l, json_int_t id, json_t *data, const char *err, bool secret)
{
	json_t *reply = json_object();
	char *text = NULL;

	json_object_set_new(reply, "id", json_integer(id));
	json_object_set_new(reply, "ok", json_boolean(data != NULL));
	if (json_is_string(data) && !secret) {
		/* the data's JSON text already (link.h) */
		json_object_set_new(reply, RPC_DATA_JSON, data);
	} else if (data != NULL && !secret &&
	    json_object_get(data, RPC_DATA_FAILED) == NULL &&
	    (text = json_dumps(data, JSON_COMPACT)) != NULL &&
	    strlen(text) >= MSG_ATTACH_MIN) {
		/* proto/proto_daemon.h: passed through mgd as text */
		json_object_set_new(
		    reply, RPC_DATA_JSON, json_string_nocheck(text));
		json_decref(data);
	} else if (data != NULL)
		json_object_set_new(reply, "data", data);
	else
		json_object_set_new(reply, "error", json_string(err));
	if ((secret ? msg_bev_send_wiped(l->bev, reply)
		    : msg_bev_send(l->bev, reply)) == -1)
		log_err("%s: a reply to mgd could not be queued", l->ops->name);
	json_decref(reply);
	free(text);
}

static void
link_rpc(struct link *l, const json_t *req)
{
	json_int_t id = msg_int(req, "id", 0);
	struct sb err;
	json_t *data = NULL;

	sb_init(&err);
	l->rpc_id = id;
	if (l->ops->rpc != NULL)
		data = l->ops->rpc(l->ctx, msg_str(req, "name"),
		    json_object_get(req, "input"), &err);
	else
		sb_printf(&err, "error: %s answers no commands", l->ops->name);
	if (data == LINK_PENDING) {
		if (l->rpc_id != -1) { /* no link_defer: a daemon bug */
			log_err("%s: an rpc was deferred without link_defer",
			    l->ops->name);
			link_rpc_reply(l, id, NULL, "error: no answer", false);
		}
	} else {
		link_rpc_reply(l, id, data, sb_str(&err), false);
	}
	l->rpc_id = -1;
	sb_free(&err);
}

struct link_call *
link_defer(struct link *l)
{
	struct link_call *c;

	if (l->rpc_id == -1)
		return NULL; /* not inside an rpc callback */
	c = xcalloc(1, sizeof(*c));
	c->l = l;
	c->id = l->rpc_id;
	c->next = l->calls;
	l->calls = c;
	l->rpc_id = -1;
	return c;
}

void
link_reply(struct link_call *call, json_t *data, const char *err, bool secret)
{
	struct link *l = call->l;

	if (l != NULL) {
		for (struct link_call **pp = &l->calls; *pp; pp = &(*pp)->next)
			if (*pp == call) {
				*pp = call->next;
				break;
			}
		link_rpc_reply(
		    l, call->id, data, err ? err : "error: failed", secret);
	} else {
		json_decref(data);
	}
	free(call);
}

static void
link_request(struct link *l, json_t *req, struct msg_raw *raw)
{
	const char *op = msg_str(req, "op");
	json_t *reply;

	if (op != NULL && strcmp(op, DAEMON_OP_RPC) == 0) {
		link_rpc(l, req);
		return;
	}
	if (op != NULL && strcmp(op, DAEMON_OP_CHECK_PART) == 0) {
		link_part(l, req, raw, true); /* not answered */
		return;
	}
	if (op == NULL || strcmp(op, DAEMON_OP_CHECK) != 0)
		link_parts_drop(l);
	reply = json_object();
	json_object_set_new(reply, "id", json_integer(msg_int(req, "id", 0)));
	json_object_set_new(reply, "ok", json_true());
	if (op == NULL) {
		json_object_set_new(reply, "ok", json_false());
	} else if (strcmp(op, DAEMON_OP_CHECK) == 0) {
		link_check(l, req, raw, reply);
	} else if (strcmp(op, DAEMON_OP_APPLY) == 0) {
		link_apply(l);
	} else if (strcmp(op, DAEMON_OP_ABORT) == 0) {
		link_abort(l);
	} else {
		json_object_set_new(reply, "ok", json_false());
	}
	msg_bev_send(l->bev, reply);
	json_decref(reply);
}

static void
link_read(struct bufferevent *bev, void *arg)
{
	struct link *l = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct msg_raw raw = { .key = "config" };
	json_t *req;
	bool bad;

	/* A change mgd wrote is read where it arrived (lib/msg.h). */
	while ((req = msg_evbuf_pull_raw(in, &bad, &raw))) {
		link_request(l, req, &raw);
		json_decref(req);
		msg_raw_free(&raw);
	}
	if (!bad && msg_rx_start(in, &l->rx, &bad) == 1) {
		/* the rest straight into its frame (link_rx) */
		bufferevent_disable(bev, EV_READ);
		event_add(l->rx_ev, NULL);
		return;
	}
	/* the spare's work yielded to these requests (link_spare_work) */
	if (l->spare_due || l->spare_copy_due)
		link_spare_arm(l);
	if (bad) {
		log_err("%s: malformed message from mgd", l->ops->name);
		event_base_loopexit(l->base, NULL);
	}
}

/*
 * The rest of a large request, read into its frame (msg_rx) without
 * libevent's buffer chains, LINK_READ_MAX a pass as the bufferevent reads.
 */
static void
link_rx(evutil_socket_t fd, short what, void *arg)
{
	struct link *l = arg;
	struct msg_raw raw = { .key = "config" };
	json_t *req;
	bool bad;
	int r = msg_rx_read(fd, &l->rx, LINK_READ_MAX);

	(void)what;
	if (r == 0)
		return;
	event_del(l->rx_ev);
	if (r == -1) {
		msg_rx_free(&l->rx);
		log_info("%s: mgd went away, stopping", l->ops->name);
		event_base_loopexit(l->base, NULL);
		return;
	}
	req = msg_rx_take(&l->rx, &bad, &raw);
	if (req != NULL) {
		link_request(l, req, &raw);
		json_decref(req);
	}
	msg_raw_free(&raw);
	if (bad) {
		log_err("%s: malformed message from mgd", l->ops->name);
		event_base_loopexit(l->base, NULL);
		return;
	}
	bufferevent_enable(l->bev, EV_READ);
	link_read(l->bev, l);
}

static void
link_event(struct bufferevent *bev, short what, void *arg)
{
	struct link *l = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		log_info("%s: mgd went away, stopping", l->ops->name);
		event_base_loopexit(l->base, NULL);
	}
}

struct link *
link_new(struct event_base *base, int fd, const struct link_ops *ops, void *ctx)
{
	struct link *l = xcalloc(1, sizeof(*l));

	l->base = base;
	l->rpc_id = -1;
	l->ops = ops;
	l->ctx = ctx;
	l->schema = schema_new(NULL);
	if (l->schema == NULL) {
		free(l);
		return NULL;
	}
	l->running = conf_new(l->schema);
	evutil_make_socket_nonblocking(fd);
	l->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	/* libevent reads 16 KB a pass by default: a 13 MB change was 800
	 * passes of the loop and as many buffer chains to pull up. */
	bufferevent_set_max_single_read(l->bev, LINK_READ_MAX);
	bufferevent_setcb(l->bev, link_read, NULL, link_event, l);
	bufferevent_enable(l->bev, EV_READ | EV_WRITE);
	l->spare_ev = evtimer_new(base, link_spare_work, l);
	l->rx_ev = event_new(base, fd, EV_READ | EV_PERSIST, link_rx, l);
	return l;
}

void
link_free(struct link *l)
{
	if (l == NULL)
		return;
	for (struct link_call *c = l->calls; c != NULL; c = c->next)
		c->l = NULL; /* link_reply frees them */
	/* before the bufferevent closes the socket it reads */
	if (l->rx_ev != NULL)
		event_free(l->rx_ev);
	msg_rx_free(&l->rx);
	bufferevent_free(l->bev);
	if (l->spare_ev != NULL)
		event_free(l->spare_ev);
	conf_free(l->running);
	conf_free(l->pending);
	conf_free(l->spare);
	free(l->spare_delta);
	if (l->parts.on)
		sb_free(&l->parts.err.msg);
	schema_free(l->schema);
	free(l);
}

struct conf *
link_running(struct link *l)
{
	return l->running;
}

bool
link_spare_ready(const struct link *l)
{
	return l->spare != NULL && !l->spare_due;
}
