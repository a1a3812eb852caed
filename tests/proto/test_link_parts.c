/*
 * test_link_parts: a change that comes in parts (proto/proto_daemon.h
 * "check-part", sent by mgd while it builds a large delta) over a
 * socketpair, mgd played by the test: the parts are not answered, the
 * check that ends them checks running plus all of them, a bad line is
 * named by its line in the whole change, and an abort, an apply or a new
 * check that comes between drops them.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/sockios.h>

#include <check.h>
#include <event2/event.h>

#include "lib/msg.h"
#include "proto/link.h"
#include "proto/proto_daemon.h"
#include "schema/conf_text.h"
#include "tests/lib/check_main.h"

static struct event_base *base;
static struct link *t_link;
static int peer = -1;
static struct sb checked; /* the tree the last check was given */
static int checks;

static void
t_check(
    void *arg, struct conf *running, struct conf *pending, struct verrs *errs)
{
	(void)arg;
	(void)running;
	(void)errs;
	checks++;
	sb_reset(&checked);
	conf_text_set(conf_root(pending), &checked);
}

static const struct link_ops t_ops = {
	.name = "test",
	.check = t_check,
};

static void
t_setup(void)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	base = event_base_new();
	sb_init(&checked);
	checks = 0;
	t_link = link_new(base, sv[0], &t_ops, NULL);
	ck_assert_ptr_nonnull(t_link);
	peer = sv[1];
}

static void
t_teardown(void)
{
	link_free(t_link);
	event_base_free(base);
	close(peer);
	sb_free(&checked);
}

/* Sends mgd's request: op, with change as its config when not NULL, and
 * "parts" when parts. */
static void
t_send(json_int_t id, const char *op, const char *change, bool parts)
{
	json_t *r = json_pack("{s:I,s:s}", "id", id, "op", op);

	if (change != NULL)
		json_object_set_new(r, "config", json_string(change));
	if (parts)
		json_object_set_new(r, "parts", json_true());
	ck_assert_int_eq(msg_send(peer, r), 0);
	json_decref(r);
}

/* Runs the daemon's loop until its reply to id is there; the reply. */
static json_t *
t_reply(json_int_t id)
{
	struct pollfd pfd = { .fd = peer, .events = POLLIN };
	json_t *a = NULL;

	for (int i = 0; i < 2000 && a == NULL; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (poll(&pfd, 1, 5) == 1)
			a = msg_recv(peer, 1000);
	}
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(msg_int(a, "id", 0), id);
	return a;
}

/* A request and its answer's ok. */
static bool
t_op(json_int_t id, const char *op, const char *change, bool parts)
{
	json_t *a;
	bool ok;

	t_send(id, op, change, parts);
	a = t_reply(id);
	ok = msg_bool(a, "ok");
	json_decref(a);
	return ok;
}

/* A part, then the loop until the daemon has read it: it is not answered. */
static void
t_part(json_int_t id, const char *change)
{
	struct pollfd pfd = { .fd = peer, .events = POLLIN };
	int n = 0;

	t_send(id, DAEMON_OP_CHECK_PART, change, false);
	/* the daemon has read everything once the socket has no bytes for
	 * it: ask how many are still queued towards it */
	for (int i = 0; i < 2000; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		ck_assert_int_eq(ioctl(peer, SIOCOUTQ, &n), 0);
		if (n == 0)
			break;
	}
	for (int i = 0; i < 4; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_msg(poll(&pfd, 1, 0) == 0, "a part was answered");
}

static bool
t_has(const char *line)
{
	return strstr(sb_str(&checked), line) != NULL;
}

/* Lines name0 .. name(n-1) of a part. */
static void
t_lines(struct sb *sb, const char *name, int n)
{
	for (int i = 0; i < n; i++)
		sb_printf(sb,
		    "set security ike proposal %s%d dh-group group14\n", name,
		    i);
}

/* running: host-name a */
static void
t_base(void)
{
	ck_assert(t_op(1, DAEMON_OP_CHECK, "set system host-name a\n", false));
	ck_assert(t_op(2, DAEMON_OP_APPLY, NULL, false));
}

START_TEST(test_parts_then_check)
{
	struct sb p1, p2;

	sb_init(&p1);
	sb_init(&p2);
	t_lines(&p1, "A", 3000);
	t_lines(&p2, "B", 3000);
	t_base();
	t_part(3, sb_str(&p1));
	t_part(4, sb_str(&p2));
	ck_assert_int_eq(checks, 1); /* the parts are not checked alone */
	ck_assert(t_op(5, DAEMON_OP_CHECK,
	    "set security ike proposal C dh-group group19\n", true));
	ck_assert_int_eq(checks, 2);
	ck_assert(t_has("set system host-name a\n"));
	ck_assert(t_has("proposal A0 dh-group group14\n"));
	ck_assert(t_has("proposal A2999 dh-group group14\n"));
	ck_assert(t_has("proposal B2999 dh-group group14\n"));
	ck_assert(t_has("proposal C dh-group group19\n"));
	ck_assert(t_op(6, DAEMON_OP_APPLY, NULL, false));
	/* the next change starts from all of it */
	ck_assert(t_op(7, DAEMON_OP_CHECK, "delete system host-name\n", false));
	ck_assert(!t_has("host-name"));
	ck_assert(t_has("proposal B2999 dh-group group14\n"));
	ck_assert(t_has("proposal C dh-group group19\n"));
	/* parts whose check has no lines left */
	t_part(8, sb_str(&p1));
	ck_assert(t_op(9, DAEMON_OP_CHECK, NULL, true));
	ck_assert(t_has("set system host-name a\n"));
	ck_assert(t_has("proposal A2999 dh-group group14\n"));
	sb_free(&p1);
	sb_free(&p2);
}
END_TEST

/* An abort between the parts and their check drops them; a check that
 * then says it ends parts finds none and refuses. */
START_TEST(test_parts_then_abort)
{
	struct sb p1;

	sb_init(&p1);
	t_lines(&p1, "A", 3000);
	t_base();
	t_part(3, sb_str(&p1));
	ck_assert(t_op(4, DAEMON_OP_ABORT, NULL, false));
	ck_assert(!t_op(5, DAEMON_OP_CHECK,
	    "set security ike proposal C dh-group group19\n", true));
	ck_assert(t_op(6, DAEMON_OP_CHECK, "set system host-name b\n", false));
	ck_assert(t_has("set system host-name b\n"));
	ck_assert(!t_has("proposal A0 "));
	ck_assert(!t_has("proposal C "));
	/* an apply between parts and check applies nothing of them */
	ck_assert(t_op(7, DAEMON_OP_APPLY, NULL, false));
	t_part(8, sb_str(&p1));
	ck_assert(t_op(9, DAEMON_OP_APPLY, NULL, false));
	sb_reset(&checked);
	conf_text_set(conf_root(link_running(t_link)), &checked);
	ck_assert(t_has("set system host-name b\n"));
	ck_assert(!t_has("proposal A0 "));
	sb_free(&p1);
}
END_TEST

/* A check (not ending parts) in place of parts: its own change alone. */
START_TEST(test_parts_then_new_check)
{
	struct sb p1;

	sb_init(&p1);
	t_lines(&p1, "A", 3000);
	t_base();
	t_part(3, sb_str(&p1));
	ck_assert(t_op(4, DAEMON_OP_CHECK,
	    "set security ike proposal C dh-group group19\n", false));
	ck_assert(t_has("set system host-name a\n"));
	ck_assert(t_has("proposal C dh-group group19\n"));
	ck_assert(!t_has("proposal A0 "));
	ck_assert(t_op(5, DAEMON_OP_APPLY, NULL, false));
	sb_reset(&checked);
	conf_text_set(conf_root(link_running(t_link)), &checked);
	ck_assert(t_has("proposal C dh-group group19\n"));
	ck_assert(!t_has("proposal A0 "));
	sb_free(&p1);
}
END_TEST

/* A bad line in a later part is named by its line in the whole change;
 * the change is refused, and the next starts from running. */
START_TEST(test_parts_bad_line)
{
	struct sb p1, p2;
	char want[64];
	json_t *a;

	sb_init(&p1);
	sb_init(&p2);
	t_lines(&p1, "A", 3000);
	t_lines(&p2, "B", 20);
	sb_puts(&p2, "set security ike proposal X no-such-word 1\n");
	t_lines(&p2, "D", 20);
	t_base();
	t_part(3, sb_str(&p1));
	t_part(4, sb_str(&p2));
	t_part(5, sb_str(&p1));
	t_send(6, DAEMON_OP_CHECK, "set system host-name c\n", true);
	a = t_reply(6);
	ck_assert(!msg_bool(a, "ok"));
	snprintf(want, sizeof(want),
	    "the change from mgd does not apply (line %d: ", 3000 + 20 + 1);
	ck_assert_msg(
	    strstr(
		msg_str(json_array_get(json_object_get(a, "errors"), 0), "msg"),
		want) != NULL,
	    "no \"%s\" in \"%s\"", want,
	    msg_str(json_array_get(json_object_get(a, "errors"), 0), "msg"));
	json_decref(a);
	ck_assert(t_op(7, DAEMON_OP_CHECK, "set system host-name d\n", false));
	ck_assert(t_has("set system host-name d\n"));
	ck_assert(!t_has("proposal A0 "));
	ck_assert(!t_has("proposal B0 "));
	sb_free(&p1);
	sb_free(&p2);
}
END_TEST

/* An rpc between parts is answered; the parts stay. */
START_TEST(test_parts_rpc_between)
{
	struct sb p1;
	json_t *a;

	sb_init(&p1);
	t_lines(&p1, "A", 3000);
	t_base();
	t_part(3, sb_str(&p1));
	a = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)4, "op", DAEMON_OP_RPC,
	    "name", "none");
	ck_assert_int_eq(msg_send(peer, a), 0);
	json_decref(a);
	a = t_reply(4);
	ck_assert(!msg_bool(a, "ok"));
	json_decref(a);
	ck_assert(t_op(5, DAEMON_OP_CHECK, NULL, true));
	ck_assert(t_has("proposal A2999 dh-group group14\n"));
	sb_free(&p1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("link_parts");
	TCase *tc = tcase_create("parts");

	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_add_test(tc, test_parts_then_check);
	tcase_add_test(tc, test_parts_then_abort);
	tcase_add_test(tc, test_parts_then_new_check);
	tcase_add_test(tc, test_parts_bad_line);
	tcase_add_test(tc, test_parts_rpc_between);
	suite_add_tcase(s, tc);
	return check_main(0, s, NULL);
}
