/*
 * End-to-end tests of the batch cli against fake_mgd: exit statuses, --echo
 * transcripts byte for byte, caret placement, ask/answer, input up to ^D,
 * pipes, -c splitting with quotes, -f with comments, stdin mode.
 *
 * CLI_BIN and FAKE_MGD (set by meson) name the programs.  Each test gets a
 * fresh state directory with a fake_mgd listening in it.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/msg.h"
#include "lib/sb.h"
#include "tests/lib/check_main.h"

#define E2E_MAX_ARGS 16

static char state_dir[64];
static pid_t fake_pid = -1;

struct run {
	int status;
	char *out;
	char *err;
};

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	struct sb sb;
	char buf[4096];
	size_t n;

	sb_init(&sb);
	if (fp == NULL)
		return sb_steal(&sb);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		sb_add(&sb, buf, n);
	fclose(fp);
	return sb_steal(&sb);
}

static void
spit(const char *path, const char *s)
{
	FILE *fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(s, fp);
	fclose(fp);
}

static char *
in_dir(const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", state_dir, name);
	return path;
}

static void
setup(void)
{
	char sock[128], log[128];
	int i, fd;

	snprintf(state_dir, sizeof(state_dir), "/tmp/qsafe-cli-e2e-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(state_dir));
	snprintf(sock, sizeof(sock), "%s/mgd.sock", state_dir);
	snprintf(log, sizeof(log), "%s/log", state_dir);
	fake_pid = fork();
	ck_assert_int_ne(fake_pid, -1);
	if (fake_pid == 0) {
		execl(getenv("FAKE_MGD"), "fake_mgd", sock, log, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {
		if ((fd = msg_connect(sock)) != -1) {
			close(fd);
			return;
		}
		usleep(10000);
	}
	ck_abort_msg("fake_mgd did not start");
}

static void
teardown(void)
{
	char cmd[128];

	if (fake_pid > 0) {
		kill(fake_pid, SIGTERM);
		waitpid(fake_pid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", state_dir);
}

/* Runs CLI_BIN --state-dir DIR args... with stdin_text (NULL: /dev/null). */
static void
cli_run(struct run *r, const char *stdin_text, const char *dir, ...)
{
	const char *argv[E2E_MAX_ARGS + 4];
	char out[128], err[128], in[128];
	va_list ap;
	int argc = 0, st;
	pid_t pid;

	argv[argc++] = "cli";
	argv[argc++] = "--state-dir";
	argv[argc++] = dir ? dir : state_dir;
	va_start(ap, dir);
	while (argc < E2E_MAX_ARGS &&
	    (argv[argc] = va_arg(ap, const char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	snprintf(out, sizeof(out), "%s/stdout", state_dir);
	snprintf(err, sizeof(err), "%s/stderr", state_dir);
	snprintf(in, sizeof(in), "%s/stdin", state_dir);
	spit(in, stdin_text ? stdin_text : "");
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		int i0 = open(stdin_text ? in : "/dev/null", O_RDONLY);
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(i0, 0);
		dup2(o, 1);
		dup2(e, 2);
		execv(getenv("CLI_BIN"), (char *const *)argv);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	r->status = WEXITSTATUS(st);
	r->out = slurp(out);
	r->err = slurp(err);
}

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* s with every "%U" replaced by the user the cli sends in hello and every
 * "%S" by as many spaces. */
static char *
expand(const char *s)
{
	struct passwd *pw = getpwuid(getuid());
	const char *user = pw ? pw->pw_name : getenv("USER");
	struct sb sb;

	sb_init(&sb);
	for (; *s != '\0'; s++) {
		if (s[0] == '%' && s[1] == 'U') {
			sb_puts(&sb, user);
			s++;
		} else if (s[0] == '%' && s[1] == 'S') {
			sb_indent(&sb, (int)strlen(user));
			s++;
		} else {
			sb_putc(&sb, *s);
		}
	}
	return sb_steal(&sb);
}

static void
assert_out(const struct run *r, const char *want)
{
	char *w = expand(want);

	ck_assert_str_eq(r->out, w);
	free(w);
}

static void
assert_err(const struct run *r, const char *want)
{
	char *w = expand(want);

	ck_assert_str_eq(r->err, w);
	free(w);
}

START_TEST(test_no_mgd)
{
	struct run r;
	char want[256];

	cli_run(&r, NULL, "/nonexistent-qsafe", "-c", "show version", NULL);
	ck_assert_int_eq(r.status, 1);
	snprintf(want, sizeof(want),
	    "error: the management daemon is not "
	    "running (no socket at /nonexistent-qsafe/mgd.sock)\n");
	ck_assert_str_eq(r.err, want);
	ck_assert_str_eq(r.out, "");
	run_free(&r);
}
END_TEST

START_TEST(test_split_quotes)
{
	struct run r;
	char *log;

	cli_run(
	    &r, NULL, NULL, "-c", " echo a ;echo \"b;c\"; ; echo 'd;e'", NULL);
	ck_assert_int_eq(r.status, 0);
	assert_out(&r, "a\n\"b;c\"\n'd;e'\n");
	ck_assert_str_eq(r.err, "");
	log = slurp(in_dir("log"));
	ck_assert_ptr_nonnull(strstr(log,
	    "exec: echo a\nexec: echo \"b;c\"\n"
	    "exec: echo 'd;e'\n"));
	free(log);
	run_free(&r);
}
END_TEST

START_TEST(test_echo_config_transcript)
{
	struct run r;

	cli_run(&r, NULL, NULL, "--echo", "-c",
	    "configure; set a b; "
	    "edit security ike; set proposal p1; top; commit confirmed; exit",
	    NULL);
	ck_assert_int_eq(r.status, 0);
	assert_out(&r,
	    "%U@fake> configure\n"
	    "Entering configuration mode\n"
	    "\n"
	    "[edit]\n"
	    "%U@fake# set a b\n"
	    "\n"
	    "[edit]\n"
	    "%U@fake# edit security ike\n"
	    "\n"
	    "[edit security ike]\n"
	    "%U@fake# set proposal p1\n"
	    "\n"
	    "[edit security ike]\n"
	    "%U@fake# top\n"
	    "\n"
	    "[edit]\n"
	    "%U@fake# commit confirmed\n"
	    "commit confirmed will be automatically rolled back in 10 minutes "
	    "unless confirmed\n"
	    "commit complete\n"
	    "\n"
	    "# commit confirmed will be rolled back in 10 minutes\n"
	    "[edit]\n"
	    "%U@fake# exit\n"
	    "Exiting configuration mode\n"
	    "\n"
	    "%U@fake> \n");
	run_free(&r);
}
END_TEST

START_TEST(test_echo_exit_ends)
{
	struct run r;

	cli_run(
	    &r, NULL, NULL, "--echo", "-c", "echo hi; exit; echo never", NULL);
	ck_assert_int_eq(r.status, 0);
	assert_out(&r, "%U@fake> echo hi\nhi\n%U@fake> exit\n");
	run_free(&r);
}
END_TEST

START_TEST(test_caret_plain)
{
	struct run r;

	cli_run(&r, NULL, NULL, "-c", "show interfacu", NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.out, "");
	assert_err(&r,
	    "show interfacu\n     ^\n"
	    "syntax error, expecting <command>.\n");
	run_free(&r);
}
END_TEST

START_TEST(test_caret_echo)
{
	struct run r;

	cli_run(&r, NULL, NULL, "--echo", "-c", "shoe", NULL);
	ck_assert_int_eq(r.status, 1);
	/* the caret under the first character after the prompt */
	assert_out(&r,
	    "%U@fake> shoe\n"
	    "%S       ^\n"
	    "unknown command.\n"
	    "%U@fake> \n");
	run_free(&r);
}
END_TEST

START_TEST(test_caret_echo_config)
{
	struct run r;
	char *want, *caret;

	cli_run(&r, NULL, NULL, "--echo", "-c", "configure; set", NULL);
	ck_assert_int_eq(r.status, 1);
	/* missing argument: one past the end of the typed line */
	want = expand("%U@fake# set");
	caret = xmalloc(strlen(want) + 3);
	memset(caret, ' ', strlen(want) + 1);
	strcpy(caret + strlen(want) + 1, "^");
	free(want);
	want = expand("%U@fake> configure\nEntering configuration mode\n\n"
		      "[edit]\n%U@fake# set\n");
	ck_assert_int_eq(strncmp(r.out, want, strlen(want)), 0);
	ck_assert_int_eq(
	    strncmp(r.out + strlen(want), caret, strlen(caret)), 0);
	free(want);
	want = expand("\nmissing argument.\n\n[edit]\n%U@fake# \n");
	ck_assert_str_eq(r.out + strlen(r.out) - strlen(want), want);
	free(want);
	free(caret);
	run_free(&r);
}
END_TEST

START_TEST(test_stop_and_keep_going)
{
	struct run r;

	cli_run(&r, NULL, NULL, "-c", "echo a; bogus; echo b", NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.out, "a\n");
	ck_assert_str_eq(r.err, "bogus\n^\nunknown command.\n");
	run_free(&r);

	cli_run(&r, NULL, NULL, "--keep-going", "-c", "echo a; bogus; echo b",
	    NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.out, "a\nb\n");
	run_free(&r);

	/* ok false with output only (a failed commit) */
	cli_run(&r, NULL, NULL, "-c", "fail; echo b", NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.out, "error: configuration check-out failed\n");
	run_free(&r);

	/* exit after a failure still reports it */
	cli_run(&r, NULL, NULL, "--keep-going", "-c", "bogus; exit", NULL);
	ck_assert_int_eq(r.status, 1);
	run_free(&r);
}
END_TEST

START_TEST(test_ask)
{
	struct run r;

	cli_run(&r, NULL, NULL, "-c", "ask; yes", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "Really? [yes,no] (no) yes\nanswer: yes\n");
	run_free(&r);

	/* end of input: an empty answer, mgd applies the default */
	cli_run(&r, NULL, NULL, "-c", "ask", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "Really? [yes,no] (no) \nanswer: \n");
	run_free(&r);

	/* a blank line from stdin is an answer too */
	cli_run(&r, "ask\n\necho next\n", NULL, NULL);
	ck_assert_str_eq(r.out, "Really? [yes,no] (no) \nanswer: \nnext\n");
	run_free(&r);
}
END_TEST

START_TEST(test_ask_echo_config_exit)
{
	struct run r;

	cli_run(&r, NULL, NULL, "--echo", "-c",
	    "configure; set a; exit; no; exit; yes", NULL);
	ck_assert_int_eq(r.status, 0);
	assert_out(&r,
	    "%U@fake> configure\n"
	    "Entering configuration mode\n"
	    "\n"
	    "[edit]\n"
	    "%U@fake# set a\n"
	    "\n"
	    "[edit]\n"
	    "%U@fake# exit\n"
	    "The configuration has been changed but not committed\n"
	    "Exit with uncommitted changes? [yes,no] (yes) no\n"
	    "\n"
	    "[edit]\n"
	    "%U@fake# exit\n"
	    "The configuration has been changed but not committed\n"
	    "Exit with uncommitted changes? [yes,no] (yes) yes\n"
	    "Exiting configuration mode\n"
	    "\n"
	    "%U@fake> \n");
	run_free(&r);
}
END_TEST

START_TEST(test_input)
{
	struct run r;
	char *log;

	spit(in_dir("cmds"),
	    "load\nset a b\n# kept: input is raw\n^D\n"
	    "echo after\n");
	cli_run(&r, NULL, NULL, "-f", in_dir("cmds"), NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out,
	    "[Type ^D at a new line to end input]\n"
	    "received 2 lines\nload complete\nafter\n");
	log = slurp(in_dir("log"));
	ck_assert_ptr_nonnull(strstr(
	    log, "input: set a b\n# kept: input is raw\n\nexec: echo after\n"));
	free(log);
	run_free(&r);

	/* stdin, ended by end of input */
	cli_run(&r, "load\nx\ny\nz\n", NULL, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out,
	    "[Type ^D at a new line to end input]\n"
	    "received 3 lines\nload complete\n");
	run_free(&r);

	/* --echo shows the typed text */
	cli_run(&r, NULL, NULL, "--echo", "-c", "load; a; ^D", NULL);
	assert_out(&r,
	    "%U@fake> load\n[Type ^D at a new line to end input]\n"
	    "a\nreceived 1 lines\nload complete\n%U@fake> \n");
	run_free(&r);
}
END_TEST

START_TEST(test_pipes)
{
	struct run r;

	cli_run(&r, NULL, NULL, "-c", "lines 12 | match \"1|2\" | count", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "Count: 5 lines\n");
	run_free(&r);

	cli_run(
	    &r, NULL, NULL, "-c", "lines 5 | except 2 | last 2 | trim 5", NULL);
	ck_assert_str_eq(r.out, "4\n5\n");
	run_free(&r);

	cli_run(&r, NULL, NULL, "-c", "lines 5 | find 9", NULL);
	ck_assert_str_eq(r.out, "Pattern not found\n");
	run_free(&r);

	cli_run(&r, NULL, NULL, "-c", "lines 5 | match (", NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err,
	    "error: invalid regular "
	    "expression '('"));
	run_free(&r);
}
END_TEST

START_TEST(test_file_and_stdin)
{
	struct run r;
	const char *script = "# a comment\n\necho one\n   # indented\n"
			     "echo two\n";

	spit(in_dir("cmds"), script);
	cli_run(&r, NULL, NULL, "-f", in_dir("cmds"), NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "one\ntwo\n");
	run_free(&r);

	cli_run(&r, script, NULL, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "one\ntwo\n");
	run_free(&r);

	/* --echo: comments are skipped, an empty line is an empty Enter */
	cli_run(&r, script, NULL, "--echo", NULL);
	assert_out(&r,
	    "%U@fake> \n%U@fake> echo one\none\n%U@fake> echo two\n"
	    "two\n%U@fake> \n");
	run_free(&r);

	cli_run(&r, NULL, NULL, "-f", "/nonexistent/file", NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.err,
	    "error: could not open '/nonexistent/file': "
	    "No such file or directory\n");
	run_free(&r);
}
END_TEST

START_TEST(test_render_fallback)
{
	struct run r;

	cli_run(&r, NULL, NULL, "-c", "data", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out,
	    "{\n    \"name\": \"gw1\",\n"
	    "    \"count\": 3\n}\n");
	run_free(&r);

	cli_run(&r, NULL, NULL, "-c", "data | match name", NULL);
	ck_assert_str_eq(r.out, "    \"name\": \"gw1\",\n");
	run_free(&r);

	/* a renderer from an area's table (pki) */
	cli_run(&r, NULL, NULL, "-c", "keypair", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "Generated key pair c1, key size 2048 bits\n");
	run_free(&r);

	/* data the renderer refuses: JSON, so the answer is still seen */
	cli_run(&r, NULL, NULL, "-c", "keypair bad", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "{\n    \"certificate-id\": \"c1\"\n}\n");
	run_free(&r);
}
END_TEST

START_TEST(test_usage)
{
	struct run r;

	cli_run(&r, NULL, NULL, "-c", "x", "-f", "y", NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "usage: cli"));
	run_free(&r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cli-e2e");
	TCase *tc = tcase_create("batch");

	if (getenv("CLI_BIN") == NULL || getenv("FAKE_MGD") == NULL) {
		fprintf(stderr, "CLI_BIN and FAKE_MGD must be set\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_no_mgd);
	tcase_add_test(tc, test_split_quotes);
	tcase_add_test(tc, test_echo_config_transcript);
	tcase_add_test(tc, test_echo_exit_ends);
	tcase_add_test(tc, test_caret_plain);
	tcase_add_test(tc, test_caret_echo);
	tcase_add_test(tc, test_caret_echo_config);
	tcase_add_test(tc, test_stop_and_keep_going);
	tcase_add_test(tc, test_ask);
	tcase_add_test(tc, test_ask_echo_config_exit);
	tcase_add_test(tc, test_input);
	tcase_add_test(tc, test_pipes);
	tcase_add_test(tc, test_file_and_stdin);
	tcase_add_test(tc, test_render_fallback);
	tcase_add_test(tc, test_usage);
	suite_add_tcase(s, tc);
	return check_main(0, s, NULL);
}
