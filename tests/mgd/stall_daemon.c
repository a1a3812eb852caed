/*
 * stall_daemon: a stand-in for one of mgd's daemons (proto/proto_daemon.h)
 * that answers every request at once, except a commit's check (one that is
 * not "full"), which it holds for QSAFE_STALL_SECS seconds first:
 * QSAFE_STALL=busy spends them on the CPU (a daemon loading a large
 * configuration), QSAFE_STALL=sleep blocked (a daemon that hangs).  The
 * supervision test (supervise.sh) tells from it whether mgd waits for a
 * working daemon and restarts a stuck one (mgd/backend.c).
 *
 * Each start appends "start PID" to QSAFE_STALL_LOG, each held check
 * "stalled PID" before and "answered PID" after.
 *
 * QSAFE_STALL_OP=apply holds a commit's apply instead, and QSAFE_STALL_WHO
 * holds only in the stand-in of that name (the program's name: mgd starts
 * hostd, keymgr and iked by name); every apply appends "apply NAME PID"
 * when it comes and "applied NAME PID" once answered, so a test reads the
 * order in which mgd asked its daemons (apply_order.sh).
 *
 * QSAFE_STALL_ASK=PROFILE makes the stand-in named iked do what iked does
 * with a VPN just committed: once it has answered an apply, it asks keymgr
 * (<state>/keymgr.sock, proto_keymgr.h) for a key of PROFILE, and appends
 * "asked apply ok KEY_ID" or "asked apply error CODE" (not at its start,
 * whose configuration is applied without a commit).  It asks during a
 * commit's check too, before its answer to the check (after the hold of
 * QSAFE_STALL, if any), and notes "asked check ..." once it has answered
 * the check (apply_order.sh).
 *
 * QSAFE_STALL_CONFIG=DIR: each configuration the stand-in is sent (a
 * start's whole one, a commit's change) is appended to DIR/NAME.config
 * after a line "== full" or "== check", so that a test reads what mgd
 * sends each daemon (daemon_parts.sh).  A change in parts ("check-part",
 * not answered) is one "== parts" section: each part, then the check's
 * last lines; each part also appends "part NAME PID" to QSAFE_STALL_LOG.
 * QSAFE_STALL=exit with QSAFE_STALL_OP=check-part exits at the first part
 * (a daemon that dies while mgd sends it a change).
 *
 * At mgd's stop (stop.sh): the stand-in named by QSAFE_STALL_TERM_IGNORE
 * ignores SIGTERM and the end of mgd's link (a daemon that hangs), noting
 * "term-ignored NAME PID"; the one named by QSAFE_STALL_TERM_SLOW takes a
 * second to exit, noting "term NAME PID" when the signal comes and "exit NAME
 * PID" as its last act (a sanitizer's exit report, which a SIGKILL would lose).
 * The others die of SIGTERM at once, as before.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/msg.h"
#include "proto/proto_daemon.h"
#include "proto/proto_keymgr.h"

static void
stall_note(const char *what)
{
	const char *path = getenv("QSAFE_STALL_LOG");
	FILE *f;

	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "%s %d\n", what, (int)getpid());
	fclose(f);
}

/*
 * The configuration text of a check, to QSAFE_STALL_CONFIG/NAME.config;
 * a part's, and the check that ends parts, go on the section the first
 * part began (*parts: one is open).
 */
static void
stall_config(const char *name, const json_t *req, bool *parts)
{
	const char *dir = getenv("QSAFE_STALL_CONFIG");
	const char *text = msg_str(req, "config");
	bool part = strcmp(msg_str(req, "op"), DAEMON_OP_CHECK_PART) == 0;
	char path[4096];
	FILE *f;

	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s.config", dir, name);
	if ((f = fopen(path, "a")) == NULL)
		return;
	if (part && !*parts)
		fputs("== parts\n", f);
	else if (!part && !msg_bool(req, "parts"))
		fprintf(f, "== %s\n", msg_bool(req, "full") ? "full" : "check");
	fputs(text != NULL ? text : "", f);
	fclose(f);
	*parts = part;
}

/* "apply NAME" / "applied NAME": an apply's arrival and its answer. */
static void
stall_note_apply(const char *what, const char *name)
{
	char line[128];

	snprintf(line, sizeof(line), "%s %s", what, name);
	stall_note(line);
}

static double
stall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Holds the reply for secs seconds, on the CPU or asleep. */
static void
stall_hold(const char *how, int secs)
{
	double end = stall_now() + secs;
	volatile unsigned long spin = 0;

	stall_note("stalled");
	if (strcmp(how, "exit") == 0)
		_exit(0);
	if (strcmp(how, "sleep") == 0) {
		sleep((unsigned)secs);
	} else {
		while (stall_now() < end)
			for (int i = 0; i < 100000; i++)
				spin++;
	}
}

/* SIGTERM, taken by sigwait(3) in a thread of its own (no handler). */
static void *
stall_term_main(void *arg)
{
	const char *name = arg;
	const char *ignore = getenv("QSAFE_STALL_TERM_IGNORE");
	struct timespec second = { 1, 0 };
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (ignore != NULL && strcmp(ignore, name) == 0) {
			stall_note_apply("term-ignored", name);
			continue;
		}
		stall_note_apply("term", name);
		nanosleep(&second, NULL);
		stall_note_apply("exit", name);
		_exit(0);
	}
	return NULL;
}

/* The stand-in named in QSAFE_STALL_TERM_IGNORE or _SLOW takes SIGTERM in
 * a thread (blocked everywhere else); the others keep its default. */
static void
stall_term_setup(const char *name)
{
	const char *ignore = getenv("QSAFE_STALL_TERM_IGNORE");
	const char *slow = getenv("QSAFE_STALL_TERM_SLOW");
	sigset_t set;
	pthread_t th;

	if ((ignore == NULL || strcmp(ignore, name) != 0) &&
	    (slow == NULL || strcmp(slow, name) != 0))
		return;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&th, NULL, stall_term_main, (void *)name) == 0)
		pthread_detach(th);
}

/* iked's request for a key of profile, as keysrc.c sends it: the
 * connection, or -1 (noted as "asked WHEN error connect"). */
static int
stall_ask_send(const char *state_dir, const char *profile, const char *when)
{
	char path[4096], line[64];
	json_t *req;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", state_dir, KEYMGR_SOCKET_NAME);
	if ((fd = msg_connect(path)) == -1) {
		snprintf(line, sizeof(line), "asked %s error connect", when);
		stall_note(line);
		return -1;
	}
	req = json_pack(
	    "{s:i,s:s,s:s}", "id", 1, "op", KM_OP_GET_KEY, "profile", profile);
	if (msg_send(fd, req) == -1) {
		close(fd);
		fd = -1;
		snprintf(line, sizeof(line), "asked %s error send", when);
		stall_note(line);
	}
	json_decref(req);
	return fd;
}

/* keymgr's answer on fd (within 10 s) into the log; closes fd. */
static void
stall_ask_recv(int fd, const char *when)
{
	char line[512];
	json_t *rep = msg_recv(fd, 10000);

	if (rep == NULL)
		snprintf(line, sizeof(line), "asked %s error no-answer", when);
	else if (json_is_true(json_object_get(rep, "ok")))
		snprintf(line, sizeof(line), "asked %s ok %.200s", when,
		    msg_str(rep, "key_id") ? msg_str(rep, "key_id") : "");
	else
		snprintf(line, sizeof(line), "asked %s error %.200s", when,
		    msg_str(rep, "error") ? msg_str(rep, "error") : "?");
	stall_note(line);
	json_decref(rep);
	close(fd);
}

int
main(int argc, char **argv)
{
	const char *how = getenv("QSAFE_STALL");
	const char *s = getenv("QSAFE_STALL_SECS");
	const char *hold_op = getenv("QSAFE_STALL_OP");
	const char *who = getenv("QSAFE_STALL_WHO");
	const char *ignore = getenv("QSAFE_STALL_TERM_IGNORE");
	const char *name =
	    strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	const char *ask = getenv("QSAFE_STALL_ASK"), *state_dir = NULL;
	int secs = s != NULL ? atoi(s) : 15;
	bool checked = false; /* a commit's check came (not a start's) */
	bool parts = false;   /* parts of a change came, not their check */
	json_t *req;

	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--state-dir") == 0)
			state_dir = argv[i + 1];
	if (strcmp(name, "iked") != 0 || state_dir == NULL)
		ask = NULL;
	if (hold_op == NULL)
		hold_op = DAEMON_OP_CHECK;
	if (who != NULL && strcmp(who, name) != 0)
		how = NULL;
	stall_term_setup(name);
	stall_note("start");
	while ((req = msg_recv(DAEMON_MGD_FD, -1)) != NULL) {
		const char *op = msg_str(req, "op");
		json_t *reply = json_object();
		bool held = false;
		int afd = -1;
		bool apply = op != NULL && strcmp(op, DAEMON_OP_APPLY) == 0;

		if (apply)
			stall_note_apply("apply", name);
		if (how != NULL && op != NULL && strcmp(op, hold_op) == 0 &&
		    !msg_bool(req, "full")) {
			stall_hold(how, secs);
			held = true;
		}
		/* Asked during its check: keymgr has checked the change by
		 * now (QSAFE_STALL holds this check), mgd has not applied it.
		 */
		if (op != NULL && strcmp(op, DAEMON_OP_CHECK_PART) == 0) {
			/* not answered (proto_daemon.h) */
			char line[128];
			snprintf(line, sizeof(line), "part %s", name);
			stall_note(line);
			stall_config(name, req, &parts);
			json_decref(reply);
			json_decref(req);
			continue;
		}
		if (op != NULL && strcmp(op, DAEMON_OP_CHECK) == 0) {
			checked = !msg_bool(req, "full");
			stall_config(name, req, &parts);
		}
		if (ask != NULL && checked && !apply)
			afd = stall_ask_send(state_dir, ask, "check");
		json_object_set_new(
		    reply, "id", json_integer(msg_int(req, "id", 0)));
		json_object_set_new(reply, "ok", json_true());
		json_object_set_new(reply, "errors", json_array());
		if (msg_send(DAEMON_MGD_FD, reply) == -1)
			return 1;
		if (held)
			stall_note("answered");
		if (apply)
			stall_note_apply("applied", name);
		if (apply && ask != NULL && checked)
			afd = stall_ask_send(state_dir, ask, "apply");
		if (apply || (op != NULL && strcmp(op, DAEMON_OP_ABORT) == 0))
			checked = false;
		if (afd != -1)
			stall_ask_recv(afd, apply ? "apply" : "check");
		json_decref(reply);
		json_decref(req);
	}
	/* mgd's link closed: the one that ignores SIGTERM hangs on */
	if (ignore != NULL && strcmp(ignore, name) == 0)
		for (;;)
			pause();
	return 0;
}
