/*
 * test_link: the daemon end of mgd's protocol (proto/link.h) over a
 * socketpair: an rpc answered later (link_defer, link_reply) does not hold
 * the daemon's loop, replies carry their request's id, and a deferral
 * without link_defer or a link freed before the answer are handled, and
 * large data leaves as JSON text (proto/proto_daemon.h, RPC_DATA_JSON).
 */
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "lib/log.h"
#include "lib/msg.h"
#include "proto/link.h"
#include "proto/proto_daemon.h"
#include "schema/conf_text.h"
#include "tests/lib/check_main.h"

struct t_ctx {
	struct link *l;
	struct link_call *call;
	int calls;
	struct sb checked; /* the tree the last check was given */
	/* armed by a check, as hostd arms its dormant load (hostd/ruleset.c) */
	struct event *after_check;
	bool spare_at_work;    /* the spare was made when that work ran */
	bool spare_at_apply;   /* and when the apply came */
	struct event *more[8]; /* more work armed by a check */
	int spare_at_more;     /* how many of them ran after the spare */
	int checks;
};

/* 4,000 SAs' worth of a show: more than MSG_ATTACH_MIN as JSON. */
static json_t *
t_big(void)
{
	json_t *list = json_array();

	for (int i = 0; i < 4000; i++)
		json_array_append_new(list,
		    json_pack("{s:i, s:s}", "ike-sa-index", i, "ike-sa-state",
			i % 2 ? "UP" : "DOWN"));
	return json_pack("{s:o}", "ike-security-associations", list);
}

static json_t *
t_rpc(void *arg, const char *name, const json_t *input, struct sb *err)
{
	struct t_ctx *t = arg;

	t->calls++;
	if (strcmp(name, "later") == 0) {
		t->call = link_defer(t->l);
		return LINK_PENDING;
	}
	if (strcmp(name, "no-defer") == 0)
		return LINK_PENDING; /* a daemon bug: answered with an error */
	if (strcmp(name, "now") == 0)
		return json_pack("{s:i}", "now", 1);
	if (strcmp(name, "big") == 0)
		return t_big();
	sb_printf(err, "error: no %s", name);
	return NULL;
}

/* Records the tree to check; refuses one with the host-name "refuse". */
static void
t_check(
    void *arg, struct conf *running, struct conf *pending, struct verrs *errs)
{
	struct t_ctx *t = arg;

	t->checks++;
	sb_reset(&t->checked);
	conf_text_set(conf_root(pending), &t->checked);
	if (strstr(sb_str(&t->checked), "host-name refuse") != NULL)
		verrs_add(errs, "[edit system]", "host-name", "refused", false);
	static const struct timeval now = { 0, 0 };
	if (t->after_check != NULL)
		evtimer_add(t->after_check, &now);
	for (int i = 0; i < 8; i++)
		if (t->more[i] != NULL)
			evtimer_add(t->more[i], &now);
}

static void
t_apply(void *arg, struct conf *running, struct conf *pending)
{
	struct t_ctx *t = arg;

	(void)running;
	(void)pending;
	t->spare_at_apply = link_spare_ready(t->l);
}

static void
t_more(evutil_socket_t fd, short what, void *arg)
{
	struct t_ctx *t = arg;

	(void)fd;
	(void)what;
	if (link_spare_ready(t->l))
		t->spare_at_more++;
}

static const struct link_ops t_ops = {
	.name = "test",
	.rpc = t_rpc,
	.check = t_check,
	.apply = t_apply,
};

static struct event_base *base;
static struct t_ctx ctx;
static int peer = -1;

static void
t_setup(void)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	base = event_base_new();
	memset(&ctx, 0, sizeof(ctx));
	sb_init(&ctx.checked);
	ctx.l = link_new(base, sv[0], &t_ops, &ctx);
	ck_assert_ptr_nonnull(ctx.l);
	peer = sv[1];
}

static void
t_teardown(void)
{
	link_free(ctx.l);
	event_base_free(base);
	close(peer);
	sb_free(&ctx.checked);
}

static void
t_send(json_int_t id, const char *name)
{
	json_t *r = json_pack(
	    "{s:I,s:s,s:s}", "id", id, "op", DAEMON_OP_RPC, "name", name);

	ck_assert_int_eq(msg_send(peer, r), 0);
	json_decref(r);
}

/* Runs the daemon's loop until a reply is there; the reply. */
static json_t *
t_reply(void)
{
	struct pollfd pfd = { .fd = peer, .events = POLLIN };

	for (int i = 0; i < 200; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (poll(&pfd, 1, 5) == 1)
			return msg_recv(peer, 1000);
	}
	return NULL;
}

START_TEST(test_deferred)
{
	json_t *r;

	t_send(7, "later");
	t_send(8, "now");
	/* The deferred rpc holds nothing: the next request is answered. */
	r = t_reply();
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(msg_int(r, "id", 0), 8);
	ck_assert(msg_bool(r, "ok"));
	json_decref(r);
	ck_assert_ptr_nonnull(ctx.call);
	/* The answer, wiped frame and all, carries the first id. */
	link_reply(ctx.call, json_pack("{s:s}", "key", "0x00ff"), NULL, true);
	r = t_reply();
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(msg_int(r, "id", 0), 7);
	ck_assert(msg_bool(r, "ok"));
	ck_assert_str_eq(msg_str(json_object_get(r, "data"), "key"), "0x00ff");
	json_decref(r);
	/* A deferred error. */
	ctx.call = NULL;
	t_send(9, "later");
	for (int i = 0; i < 200 && ctx.call == NULL; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_ptr_nonnull(ctx.call);
	link_reply(ctx.call, NULL, "error: the KME did not answer", false);
	r = t_reply();
	ck_assert_int_eq(msg_int(r, "id", 0), 9);
	ck_assert(!msg_bool(r, "ok"));
	ck_assert_str_eq(msg_str(r, "error"), "error: the KME did not answer");
	json_decref(r);
}
END_TEST

static atomic_bool t_read_done;

static void *
t_reader(void *arg)
{
	*(json_t **)arg = msg_recv(peer, 5000);
	atomic_store(&t_read_done, true);
	return NULL;
}

/* Small data as "data"; large data as its JSON text, equal once parsed. */
START_TEST(test_big_as_text)
{
	json_t *r = NULL, *want = t_big(), *got;
	const char *text;
	pthread_t th;

	t_send(4, "now");
	r = t_reply();
	ck_assert_ptr_nonnull(json_object_get(r, "data"));
	ck_assert_ptr_null(json_object_get(r, RPC_DATA_JSON));
	json_decref(r);
	t_send(5, "big");
	/* more than the socket holds: read while the daemon's loop writes */
	ck_assert_int_eq(pthread_create(&th, NULL, t_reader, &r), 0);
	for (int i = 0; i < 2000 && !atomic_load(&t_read_done); i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	pthread_join(th, NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(msg_int(r, "id", 0), 5);
	ck_assert(msg_bool(r, "ok"));
	ck_assert_ptr_null(json_object_get(r, "data"));
	text = msg_str(r, RPC_DATA_JSON);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_ge(strlen(text), MSG_ATTACH_MIN);
	got = json_loads(text, 0, NULL);
	ck_assert(json_equal(got, want));
	json_decref(got);
	json_decref(want);
	json_decref(r);
}
END_TEST

START_TEST(test_pending_without_defer)
{
	json_t *r;

	t_send(3, "no-defer");
	r = t_reply();
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(msg_int(r, "id", 0), 3);
	ck_assert(!msg_bool(r, "ok"));
	json_decref(r);
	/* link_defer outside an rpc callback: nothing to defer. */
	ck_assert_ptr_null(link_defer(ctx.l));
}
END_TEST

/* The link goes (the daemon stops) before the answer: no use after free. */
START_TEST(test_reply_after_free)
{
	t_send(4, "later");
	for (int i = 0; i < 200 && ctx.call == NULL; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_ptr_nonnull(ctx.call);
	link_free(ctx.l);
	ctx.l = NULL;
	link_reply(ctx.call, json_object(), NULL, false);
}
END_TEST

/*
 * mgd's op (check with a change, apply, abort); true when answered ok.
 * The loop runs on after the reply, as the daemon's would while idle.
 */
static bool
t_op(json_int_t id, const char *op, const char *change)
{
	json_t *r = json_pack("{s:I,s:s}", "id", id, "op", op), *a;
	bool ok;

	if (change != NULL)
		json_object_set_new(r, "config", json_string(change));
	ck_assert_int_eq(msg_send(peer, r), 0);
	json_decref(r);
	a = t_reply();
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(msg_int(a, "id", 0), id);
	ok = msg_bool(a, "ok");
	json_decref(a);
	for (int i = 0; i < 4; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	return ok;
}

static bool t_has(const char *line);

/* Sends mgd's op without waiting for its reply. */
static void
t_op_send(json_int_t id, const char *op, const char *change)
{
	json_t *r = json_pack("{s:I,s:s}", "id", id, "op", op);

	if (change != NULL)
		json_object_set_new(r, "config", json_string(change));
	ck_assert_int_eq(msg_send(peer, r), 0);
	json_decref(r);
}

/* A change too large to replay on a tree of one line (link.c). */
static void
t_big_change(struct sb *sb, const char *name)
{
	for (int i = 0; i < 40; i++)
		sb_printf(sb,
		    "set security ike proposal %s%d dh-group group14\n", name,
		    i);
}

/* The daemon's work after a check: mgd's apply arrives meanwhile. */
static void
t_work(evutil_socket_t fd, short what, void *arg)
{
	struct t_ctx *t = arg;

	(void)fd;
	(void)what;
	t->spare_at_work = link_spare_ready(t->l);
	t_op_send(5, DAEMON_OP_APPLY, NULL);
}

/*
 * The copy waits for the daemon's own work after a check (hostd's dormant
 * load) and for the apply that arrived meanwhile: it is made after the
 * apply's reply, and the next check still starts from the running tree.
 */
START_TEST(test_copy_after_work_and_apply)
{
	struct sb big;
	json_t *a;

	sb_init(&big);
	t_big_change(&big, "Q");
	ck_assert(t_op(1, DAEMON_OP_CHECK, "set system host-name a\n"));
	ck_assert(t_op(2, DAEMON_OP_APPLY, NULL));
	ctx.after_check = evtimer_new(base, t_work, &ctx);
	t_op_send(4, DAEMON_OP_CHECK, sb_str(&big));
	a = t_reply(); /* the check's */
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(msg_int(a, "id", 0), 4);
	json_decref(a);
	a = t_reply(); /* the apply's, sent by the daemon's work */
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(msg_int(a, "id", 0), 5);
	ck_assert(msg_bool(a, "ok"));
	json_decref(a);
	ck_assert_msg(!ctx.spare_at_work,
	    "the spare copy ran before the daemon's work after the check");
	ck_assert_msg(
	    !ctx.spare_at_apply, "the apply waited for the spare copy");
	event_free(ctx.after_check);
	ctx.after_check = NULL;
	for (int i = 0; i < 4; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert(link_spare_ready(ctx.l));
	ck_assert(t_op(6, DAEMON_OP_CHECK, "set system host-name b\n"));
	ck_assert(t_has("set system host-name b\n"));
	ck_assert(t_has("proposal Q39 dh-group group14\n"));
	sb_free(&big);
}
END_TEST

/*
 * Several pieces of the daemon's work armed by a check, all due at once
 * (the loop's timer heap runs equal deadlines in no set order): the copy
 * waits for all of them.
 */
START_TEST(test_copy_after_all_work)
{
	struct sb big;

	sb_init(&big);
	t_big_change(&big, "Q");
	ck_assert(t_op(1, DAEMON_OP_CHECK, "set system host-name a\n"));
	ck_assert(t_op(2, DAEMON_OP_APPLY, NULL));
	for (int i = 0; i < 8; i++)
		ctx.more[i] = evtimer_new(base, t_more, &ctx);
	ck_assert(t_op(3, DAEMON_OP_CHECK, sb_str(&big)));
	ck_assert(link_spare_ready(ctx.l));
	ck_assert_msg(ctx.spare_at_more == 0,
	    "%d of the daemon's 8 timers ran after the spare copy",
	    ctx.spare_at_more);
	for (int i = 0; i < 8; i++) {
		event_free(ctx.more[i]);
		ctx.more[i] = NULL;
	}
	sb_free(&big);
}
END_TEST

static bool
t_has(const char *line)
{
	return strstr(sb_str(&ctx.checked), line) != NULL;
}

/* libevent's bytes in use and their peak, counted from main() on. */
static long long t_ev_now, t_ev_peak;

static void
t_ev_count(long long d)
{
	t_ev_now += d;
	if (t_ev_now > t_ev_peak)
		t_ev_peak = t_ev_now;
}

static void *
t_ev_malloc(size_t n)
{
	void *p = malloc(n);

	if (p != NULL)
		t_ev_count((long long)malloc_usable_size(p));
	return p;
}

static void
t_ev_free(void *p)
{
	if (p != NULL)
		t_ev_count(-(long long)malloc_usable_size(p));
	free(p);
}

static void *
t_ev_realloc(void *p, size_t n)
{
	long long old = p != NULL ? (long long)malloc_usable_size(p) : 0;
	void *q;

	if (n == 0) {
		t_ev_free(p);
		return NULL;
	}
	if ((q = realloc(p, n)) != NULL)
		t_ev_count((long long)malloc_usable_size(q) - old);
	return q;
}

static struct sb t_large;

static void *
t_send_large(void *arg)
{
	(void)arg;
	t_op_send(3, DAEMON_OP_CHECK, sb_str(&t_large));
	return NULL;
}

/*
 * t_large sent as check 3 from a thread (more than the socket holds)
 * while the daemon's loop reads it; returns its reply.
 */
static json_t *
t_op_large(void)
{
	struct pollfd pfd = { .fd = peer, .events = POLLIN };
	pthread_t th;

	ck_assert_int_eq(pthread_create(&th, NULL, t_send_large, NULL), 0);
	for (int k = 0; k < 60000 && poll(&pfd, 1, 0) == 0; k++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		(void)poll(&pfd, 1, 1);
	}
	pthread_join(th, NULL);
	return msg_recv(peer, 1000);
}

/*
 * A first load's change (17.5 MB in the firewall shape) is read once,
 * into the frame the daemon parses, not first into libevent's buffer
 * chains (as many bytes again, in fresh pages) and then copied: libevent
 * never holds more than a small part of it.
 */
START_TEST(test_large_change_read_once)
{
	long long base_now;
	char last[64];
	json_t *a;
	int i;

	sb_init(&t_large);
	for (i = 0; t_large.len < 8 * MSG_RX_MIN / 2; i++)
		sb_printf(&t_large,
		    "set security ike proposal L%d dh-group group14\n", i);
	ck_assert(t_op(1, DAEMON_OP_CHECK, "set system host-name a\n"));
	ck_assert(t_op(2, DAEMON_OP_APPLY, NULL));
	base_now = t_ev_now;
	t_ev_peak = t_ev_now;
	a = t_op_large();
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(msg_int(a, "id", 0), 3);
	ck_assert(msg_bool(a, "ok"));
	json_decref(a);
	/* the check was given all of it */
	snprintf(last, sizeof(last), "proposal L%d dh-group group14\n", i - 1);
	ck_assert(t_has("set system host-name a\n"));
	ck_assert(t_has(last));
	ck_assert_msg(t_ev_peak - base_now < (long long)t_large.len / 4,
	    "libevent held %lld bytes of a %zu-byte change",
	    t_ev_peak - base_now, t_large.len);
	sb_free(&t_large);
}
END_TEST

/*
 * The tree a check is given is running plus the change, whatever came
 * before it: a change too large to replay (the copy for after it is made
 * from the checked tree once the reply is out), then applied, refused by
 * the daemon, aborted by mgd, or checked again in place of another; and
 * small changes replayed between them.
 */
START_TEST(test_check_apply_abort)
{
	struct sb big, big2;

	sb_init(&big);
	sb_init(&big2);
	for (int i = 0; i < 40; i++) {
		sb_printf(&big,
		    "set security ike proposal Q%d dh-group group14\n", i);
		sb_printf(&big2,
		    "set security ike proposal R%d dh-group group19\n", i);
	}
	/* into the empty tree: too large to replay */
	ck_assert(t_op(1, DAEMON_OP_CHECK, "set system host-name a\n"));
	ck_assert(t_op(2, DAEMON_OP_APPLY, NULL));
	ck_assert(t_op(3, DAEMON_OP_CHECK, sb_str(&big)));
	ck_assert(t_has("set system host-name a\n"));
	ck_assert(t_has("proposal Q39 dh-group group14\n"));
	ck_assert(t_op(4, DAEMON_OP_APPLY, NULL));
	/* a small change on it: replayed */
	ck_assert(t_op(5, DAEMON_OP_CHECK,
	    "set security ike proposal P dh-group group20\n"));
	ck_assert(t_has("proposal Q0 dh-group group14\n"));
	ck_assert(t_has("proposal P dh-group group20\n"));
	ck_assert(t_op(6, DAEMON_OP_APPLY, NULL));
	/* refused by the daemon: nothing of it stays */
	ck_assert(!t_op(7, DAEMON_OP_CHECK, "set system host-name refuse\n"));
	ck_assert(t_op(8, DAEMON_OP_CHECK, "set system host-name b\n"));
	ck_assert(t_has("set system host-name b\n"));
	ck_assert(t_has("proposal P dh-group group20\n"));
	ck_assert(t_op(9, DAEMON_OP_APPLY, NULL));
	/* a large change aborted by mgd (another daemon refused it) */
	ck_assert(t_op(10, DAEMON_OP_CHECK, sb_str(&big2)));
	ck_assert(t_has("proposal R39 dh-group group19\n"));
	ck_assert(t_op(11, DAEMON_OP_ABORT, NULL));
	ck_assert(t_op(12, DAEMON_OP_CHECK, "delete system host-name\n"));
	ck_assert(!t_has("proposal R0 "));
	ck_assert(!t_has("host-name"));
	ck_assert(t_has("proposal Q0 dh-group group14\n"));
	/* checked again in place of that one: a large change */
	ck_assert(t_op(13, DAEMON_OP_CHECK, sb_str(&big2)));
	ck_assert(t_has("set system host-name b\n"));
	ck_assert(t_has("proposal R0 dh-group group19\n"));
	/* and again, a small change in place of it */
	ck_assert(t_op(14, DAEMON_OP_CHECK,
	    "set security ike proposal T dh-group group21\n"));
	ck_assert(!t_has("proposal R0 "));
	ck_assert(t_has("proposal Q0 dh-group group14\n"));
	ck_assert(t_has("proposal T dh-group group21\n"));
	ck_assert(t_op(15, DAEMON_OP_CHECK, sb_str(&big2)));
	ck_assert(t_op(16, DAEMON_OP_APPLY, NULL));
	ck_assert(t_op(17, DAEMON_OP_CHECK,
	    "set security ike proposal S dh-group group21\n"));
	ck_assert(t_has("proposal R0 dh-group group19\n"));
	ck_assert(t_has("proposal Q0 dh-group group14\n"));
	ck_assert(t_has("proposal S dh-group group21\n"));
	ck_assert(t_op(18, DAEMON_OP_APPLY, NULL));
	/* what the daemon runs with after all that */
	sb_reset(&ctx.checked);
	conf_text_set(conf_root(link_running(ctx.l)), &ctx.checked);
	ck_assert(t_has("set system host-name b\n"));
	ck_assert(t_has("proposal S dh-group group21\n"));
	ck_assert(!t_has("refuse"));
	sb_free(&big);
	sb_free(&big2);
}
END_TEST

/*
 * A large change parsed part by part (link.c, link_parse) is refused at
 * its bad line with that line's number in the whole change.
 */
START_TEST(test_large_change_bad_line)
{
	char want[64], logged[64], *logbuf = NULL;
	size_t loglen = 0;
	FILE *lf = open_memstream(&logbuf, &loglen);
	json_t *a;
	int i;

	sb_init(&t_large);
	for (i = 0; t_large.len < 5 * MSG_RX_MIN / 2; i++)
		sb_printf(&t_large,
		    "set security ike proposal L%d dh-group group14\n", i);
	sb_puts(&t_large, "set security ike proposal B no-such-word 1\n");
	for (int k = 0; k < 1000; k++)
		sb_printf(&t_large,
		    "set security ike proposal M%d dh-group group14\n", k);
	snprintf(want, sizeof(want), "(line %d: ", i + 1);
	snprintf(logged, sizeof(logged), "did not parse (line %d)", i + 1);
	log_init("test_link", lf);
	a = t_op_large();
	ck_assert_ptr_nonnull(a);
	ck_assert(!msg_bool(a, "ok"));
	ck_assert_msg(
	    strstr(
		msg_str(json_array_get(json_object_get(a, "errors"), 0), "msg"),
		want) != NULL,
	    "no \"%s\" in the error", want);
	json_decref(a);
	/* the daemon's log says the change failed, not how fast it parsed */
	log_flush();
	log_init("test_link", NULL);
	fclose(lf);
	ck_assert_msg(strstr(logbuf, logged) != NULL, "log: %s", logbuf);
	ck_assert_ptr_null(strstr(logbuf, "parsed in"));
	free(logbuf);
	sb_free(&t_large);
}
END_TEST

/*
 * mgd gone in the middle of a large change: the daemon stops (as when mgd
 * goes between requests), the half-read frame dropped (wiped, freed: the
 * ASan build checks the free).
 */
START_TEST(test_large_change_cut)
{
	char hdr[8 + 64];
	size_t part = 3 * MSG_RX_MIN / 2, n;
	char *body = malloc(part);
	uint32_t alen = (uint32_t)(4 * MSG_RX_MIN);
	int len;

	len = snprintf(hdr + 8, sizeof(hdr) - 8,
	    "{\"id\":3,\"op\":\"check\",\"attach\":[[\"config\",%u]]}", alen);
	for (int i = 0; i < 4; i++) {
		hdr[i] = (char)((uint32_t)len >> (24 - 8 * i));
		hdr[4 + i] = (char)(alen >> (24 - 8 * i));
	}
	memset(body, '#', part);
	ck_assert_int_eq(write(peer, hdr, 8 + (size_t)len), 8 + len);
	/* what the socket holds, then the rest while the loop reads */
	for (n = 0; n < part;) {
		ssize_t w = send(peer, body + n, part - n, MSG_DONTWAIT);
		if (w > 0)
			n += (size_t)w;
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	close(peer);
	peer = -1;
	for (int k = 0; k < 1000 && !event_base_got_exit(base); k++)
		event_base_loop(base, EVLOOP_ONCE);
	ck_assert(event_base_got_exit(base));
	ck_assert_int_eq(ctx.checks, 0);
	free(body);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("link");
	TCase *tc = tcase_create("rpc");

	/* before libevent allocates: test_large_change_read_once */
	event_set_mem_functions(t_ev_malloc, t_ev_realloc, t_ev_free);

	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_add_test(tc, test_deferred);
	tcase_add_test(tc, test_big_as_text);
	tcase_add_test(tc, test_pending_without_defer);
	tcase_add_test(tc, test_reply_after_free);
	tcase_add_test(tc, test_check_apply_abort);
	tcase_add_test(tc, test_copy_after_work_and_apply);
	tcase_add_test(tc, test_copy_after_all_work);
	tcase_add_test(tc, test_large_change_read_once);
	tcase_add_test(tc, test_large_change_bad_line);
	tcase_add_test(tc, test_large_change_cut);
	suite_add_tcase(s, tc);
	return check_main(0, s, NULL);
}
