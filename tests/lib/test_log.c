/*
 * test_log: lib/log.c's held lines.  Without a hold each line is in the
 * file when log_msg returns; inside log_hold .. log_release (nested) none
 * is until the outermost release, and then all are, in order; a line too
 * long for the line buffer is written whole, after what was held.  What
 * is held reaches the file when the process exits without a release,
 * calls fatal(), aborts, or faults (the last three in a forked child
 * that dies of it).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"
#include "tests/lib/check_main.h"

/* A log file of the test's own, removed by its path at the end. */
struct tlog {
	char path[64];
	FILE *f;
};

static void
tlog_open(struct tlog *t)
{
	int fd;

	snprintf(t->path, sizeof(t->path), "/tmp/qsafe-test-log.XXXXXX");
	ck_assert_int_ne(fd = mkstemp(t->path), -1);
	ck_assert_ptr_nonnull(t->f = fdopen(fd, "a"));
	log_init("test_log", t->f);
}

/* The file's text, read by another descriptor (what a reader sees). */
static char *
tlog_text(const struct tlog *t)
{
	static char buf[65536];
	FILE *r = fopen(t->path, "r");
	size_t n;

	ck_assert_ptr_nonnull(r);
	n = fread(buf, 1, sizeof(buf) - 1, r);
	buf[n] = '\0';
	fclose(r);
	return buf;
}

static void
tlog_close(struct tlog *t)
{
	fclose(t->f);
	unlink(t->path);
}

START_TEST(test_log_unheld_at_once)
{
	struct tlog t;

	tlog_open(&t);
	log_info("first %d", 1);
	ck_assert_ptr_nonnull(strstr(tlog_text(&t), "info: first 1\n"));
	log_warn("second");
	ck_assert_ptr_nonnull(strstr(tlog_text(&t), "warning: second\n"));
	tlog_close(&t);
}
END_TEST

START_TEST(test_log_held_until_release)
{
	struct tlog t;
	const char *s, *a, *b, *c;

	tlog_open(&t);
	log_hold();
	log_info("line a");
	log_hold(); /* nested: its release writes nothing */
	log_info("line b");
	log_release();
	ck_assert_str_eq(tlog_text(&t), "");
	log_info("line c");
	log_release();
	s = tlog_text(&t);
	ck_assert_ptr_nonnull(a = strstr(s, "line a\n"));
	ck_assert_ptr_nonnull(b = strstr(s, "line b\n"));
	ck_assert_ptr_nonnull(c = strstr(s, "line c\n"));
	ck_assert(a < b && b < c);
	log_info("after"); /* no hold: at once again */
	ck_assert_ptr_nonnull(strstr(tlog_text(&t), "after\n"));
	tlog_close(&t);
}
END_TEST

/* More than the 16 KiB buffer, and one line longer than a line's. */
START_TEST(test_log_full_and_long)
{
	struct tlog t;
	static char big[5000];
	const char *s, *last, *lng;

	memset(big, 'x', sizeof(big) - 1);
	tlog_open(&t);
	log_hold();
	for (int i = 0; i < 400; i++)
		log_info(
		    "filler %03d %s", i, "................................");
	ck_assert_ptr_nonnull(strstr(tlog_text(&t), "filler 000"));
	log_info("long %s", big);
	s = tlog_text(&t);
	ck_assert_ptr_nonnull(last = strstr(s, "filler 399"));
	ck_assert_ptr_nonnull(lng = strstr(s, "long xxx"));
	ck_assert(last < lng);
	ck_assert_uint_eq(strspn(lng + 5, "x"), sizeof(big) - 1);
	log_release();
	tlog_close(&t);
}
END_TEST

/* A child holds a line and ends by how; the parent reads the file. */
static int
held_then(struct tlog *t, int how)
{
	pid_t pid;
	int st;

	fflush(NULL);
	if ((pid = fork()) == 0) {
		log_hold();
		log_info("held before the end %d", how);
		switch (how) {
		case 0: exit(0);
		case 1: fatal("the invariant");
		case 2: abort();
		/* a fault's signal (UBSan would stop a null store before it
		 * faulted, and no handler would run) */
		default: raise(SIGSEGV);
		}
		/* a sanitizer's handler, chained after log's, may return from
		 * a raised SIGSEGV: still not a clean end, and no atexit */
		_exit(3);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return st;
}

START_TEST(test_log_held_survives_the_end)
{
	struct tlog t;
	char want[64];
	int st;

	tlog_open(&t);
	st = held_then(&t, _i);
	snprintf(want, sizeof(want), "held before the end %d\n", _i);
	ck_assert_ptr_nonnull(strstr(tlog_text(&t), want));
	if (_i == 0)
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	else /* died of it (or a sanitizer's report said so) */
		ck_assert(WIFSIGNALED(st) || WEXITSTATUS(st) != 0);
	if (_i == 1)
		ck_assert_ptr_nonnull(strstr(tlog_text(&t), "the invariant\n"));
#ifndef __SANITIZE_ADDRESS__
	/* without a sanitizer's handler behind log's, a raised SIGSEGV ends
	 * the process by it (log raises it again once the lines are out) */
	if (_i == 3)
		ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
#endif
	tlog_close(&t);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, test_log_unheld_at_once);
	tcase_add_test(tc, test_log_held_until_release);
	tcase_add_test(tc, test_log_full_and_long);
	tcase_add_loop_test(tc, test_log_held_survives_the_end, 0, 4);
	suite_add_tcase(su, tc);
	return check_main(0, su, NULL);
}
