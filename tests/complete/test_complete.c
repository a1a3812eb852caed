/*
 * Completion and help from a real mgd (mgd/complete.c): one mgd in a
 * temporary state directory, a few gateways and key-manager profiles, then
 * "help" and "complete" requests over the socket as the cli sends them.
 * The "Possible completions:" blocks are compared byte for byte with the
 * Junos layout of `?` help.  The last case loads 10,000 gateways
 * and times the answers (5 ms, checked when not built with sanitizers).
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "lib/msg.h"
#include "lib/sb.h"
#include "tests/lib/check_main.h"

static char state_dir[] = "/tmp/qsafe-complete-XXXXXX";
static pid_t mgd_pid = -1;
static int req_id;

static int
sess_connect(void)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/mgd.sock", state_dir);
	return msg_connect(path);
}

static json_t *
call(int fd, json_t *req)
{
	json_t *r;

	json_object_set_new(req, "id", json_integer(++req_id));
	ck_assert_int_eq(msg_send(fd, req), 0);
	json_decref(req);
	r = msg_recv(fd, 60000);
	ck_assert_ptr_nonnull(r);
	return r;
}

static json_t *
request(int fd, const char *op, const char *line, bool space)
{
	json_t *req = json_pack("{s:s, s:s}", "op", op, "line", line);

	if (space)
		json_object_set_new(req, "space", json_true());
	return call(fd, req);
}

static void
exec_ok(int fd, const char *line)
{
	json_t *r = request(fd, "exec", line, false);

	ck_assert_msg(
	    msg_str(r, "error") == NULL, "%s: %s", line, msg_str(r, "error"));
	json_decref(r);
}

static int
sess_open(bool config)
{
	int fd = sess_connect();

	ck_assert_int_ge(fd, 0);
	json_decref(
	    call(fd, json_pack("{s:s, s:s}", "op", "hello", "user", "root")));
	if (config)
		exec_ok(fd, "configure");
	return fd;
}

/* The help output for line, or "error@CARET: MSG" for a syntax error. */
static char *
help(int fd, const char *line)
{
	json_t *r = request(fd, "help", line, false);
	struct sb b;

	sb_init(&b);
	if (msg_str(r, "error") != NULL)
		sb_printf(&b, "error@%lld: %s",
		    (long long)msg_int(r, "caret", -1), msg_str(r, "error"));
	else
		sb_puts(&b, msg_str(r, "output") ? msg_str(r, "output") : "");
	json_decref(r);
	return sb_steal(&b);
}

/*
 * Every line of want appears in got, in order (the operational tree grows
 * as daemons add rpcs, so its lists are checked line by line).
 */
static bool
lines_in_order(const char *got, const char *want)
{
	const char *at = got;

	while (*want != '\0') {
		const char *nl = strchr(want, '\n');
		size_t len = nl ? (size_t)(nl - want) + 1 : strlen(want);
		char *line = strndup(want, len);
		const char *hit = strstr(at, line);
		free(line);
		if (hit == NULL || (hit != got && hit[-1] != '\n'))
			return false;
		at = hit + len;
		want += len;
	}
	return true;
}

#define HELP_HAS(fd, line, want) \
	do { \
		char *got_ = help(fd, line); \
		ck_assert_msg(lines_in_order(got_, want), \
		    "help '%s':\n%s\nwanted:\n%s", line, got_, want); \
		free(got_); \
	} while (0)

#define HELP_IS(fd, line, want) \
	do { \
		char *got_ = help(fd, line); \
		ck_assert_msg(strcmp(got_, want) == 0, \
		    "help '%s':\n%s\nwanted:\n%s", line, got_, want); \
		free(got_); \
	} while (0)

/* "m1 m2 ...|common" of a complete request. */
static char *
complete(int fd, const char *line, bool space)
{
	json_t *r = request(fd, "complete", line, space);
	json_t *m = json_object_get(r, "matches");
	struct sb b;

	sb_init(&b);
	for (size_t i = 0; i < json_array_size(m); i++)
		sb_printf(&b, "%s%s", i ? " " : "",
		    json_string_value(json_array_get(m, i)));
	sb_printf(&b, "|%s", msg_str(r, "common") ? msg_str(r, "common") : "-");
	json_decref(r);
	return sb_steal(&b);
}

#define COMPLETE_IS(fd, line, space, want) \
	do { \
		char *got_ = complete(fd, line, space); \
		ck_assert_msg(strcmp(got_, want) == 0, \
		    "complete '%s': %s, wanted %s", line, got_, want); \
		free(got_); \
	} while (0)

static void
mgd_start(void)
{
	const char *exe = getenv("QSAFE_MGD");
	char log[256];

	ck_assert_ptr_nonnull(exe);
	ck_assert_ptr_nonnull(mkdtemp(state_dir));
	snprintf(log, sizeof(log), "%s/mgd.log", state_dir);
	mgd_pid = fork();
	if (mgd_pid == 0) {
		execl(exe, exe, "--state-dir", state_dir, "--log", log,
		    (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 600; i++) {
		int fd = sess_connect();
		if (fd >= 0) {
			close(fd);
			return;
		}
		usleep(50000);
	}
	ck_abort_msg("mgd did not start");
}

static void
mgd_stop(void)
{
	char cmd[300];

	if (mgd_pid > 0) {
		kill(mgd_pid, SIGTERM);
		waitpid(mgd_pid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", state_dir);
}

static void
setup_config(void)
{
	int fd = sess_open(true);

	exec_ok(fd, "set security ike gateway gw1 ike-policy p1");
	exec_ok(fd, "set security ike gateway gw2 ike-policy p1");
	exec_ok(fd, "set security ike gateway gw3 ike-policy p1");
	exec_ok(fd,
	    "set security key-manager profiles km1 static key-id"
	    " ascii-text k1");
	exec_ok(fd,
	    "set security key-manager profiles km2 static key-id"
	    " ascii-text k2");
	close(fd);
}

/* ----- operational mode ----- */

START_TEST(test_oper_empty)
{
	int fd = sess_open(false);

	HELP_HAS(fd, "",
	    "Possible completions:\n"
	    "  clear                Clear information in the system\n"
	    "  configure            Manipulate software configuration "
	    "information\n"
	    "  exit                 Exit the management session\n"
	    "  quit                 Exit the management session\n"
	    "  request              Make system-level requests\n"
	    "  set                  Set CLI properties, date/time, craft "
	    "interface message\n"
	    "  show                 Show system information\n");
	COMPLETE_IS(fd, "con", false, "configure|configure");
	COMPLETE_IS(fd, "s", true, "set show|s");
	close(fd);
}
END_TEST

START_TEST(test_oper_words)
{
	int fd = sess_open(false);

	HELP_HAS(fd, "show ",
	    "Possible completions:\n"
	    "  cli                  Show command-line interface settings\n"
	    "  configuration        Show current configuration\n"
	    "  security             Show security information\n"
	    "  system               Show system information\n"
	    "  version              Show software process revision levels\n");
	/* abbreviations before the cursor */
	HELP_IS(fd, "sh sec",
	    "Possible completions:\n"
	    "  security             Show security information\n");
	HELP_IS(fd, "sh sy ",
	    "Possible completions:\n"
	    "  commit               Show pending commit and commit history\n"
	    "  rollback             Show rolled back configuration\n");
	HELP_IS(fd, "req sys conf resc ",
	    "Possible completions:\n"
	    "  delete               Delete rescue configuration\n"
	    "  save                 Save current configuration as rescue "
	    "configuration\n");
	HELP_IS(fd, "show version ",
	    "Possible completions:\n"
	    "  <[Enter]>            Execute this command\n"
	    "  |                    Pipe through a command\n");
	HELP_IS(fd, "set cli screen-width ",
	    "Possible completions:\n"
	    "  <screen-width>       Value (0, 40..1024)\n");
	/* 0 is accepted as execution accepts it; 30 is not */
	HELP_IS(fd, "set cli screen-width 0 ",
	    "Possible completions:\n"
	    "  <[Enter]>            Execute this command\n");
	/* an rpc of the schema: its input leaves */
	char *h = help(fd, "show security pki local-certificate ");
	ck_assert_msg(lines_in_order(h,
			  "Possible completions:\n"
			  "  <[Enter]>            Execute this command\n"),
	    "%s", h);
	ck_assert_ptr_nonnull(strstr(h, "\n  detail "));
	ck_assert_ptr_nonnull(strstr(h,
	    "  |                    Pipe through"
	    " a command\n"));
	free(h);
	close(fd);
}
END_TEST

/* The answer to `... | ?` (Junos's `?` help). */
/* Junos's `?` help, the VERBATIM `show configuration | ?` of vSRX 24.4 */
#define PIPE_LIST \
	"Possible completions:\n" \
	"  append               Append output text to file\n" \
	"  compare              Compare configuration changes with prior " \
	"version\n" \
	"  count                Count occurrences\n" \
	"  display              Show additional kinds of information\n" \
	"  except               Show only text that does not match a " \
	"pattern\n" \
	"  find                 Search for first occurrence of pattern\n" \
	"  hold                 Hold text without exiting the --More-- " \
	"prompt\n" \
	"  last                 Display end of output only\n" \
	"  match                Show only text that matches a pattern\n" \
	"  no-more              Don't paginate output\n" \
	"  save                 Save output text to file\n" \
	"  suppress-zeros       Suppresses lines with zero values\n" \
	"  tee                  Write to standard output and file\n" \
	"  trim                 Trim specified number of columns from start " \
	"of line\n"

START_TEST(test_oper_pipes)
{
	int fd = sess_open(false);

	HELP_IS(fd, "show configuration | ", PIPE_LIST);
	HELP_IS(fd, "sh conf | display set ",
	    "Possible completions:\n"
	    "  <[Enter]>            Execute this command\n"
	    "  relative             Show 'set' commands relative to the "
	    "current edit path\n"
	    "  |                    Pipe through a command\n");
	HELP_IS(fd, "show configuration | match ",
	    "Possible completions:\n"
	    "  <pattern>            Pattern to match against\n");
	HELP_IS(fd, "show configuration | count ",
	    "Possible completions:\n"
	    "  <[Enter]>            Execute this command\n"
	    "  |                    Pipe through a command\n");
	/* on a vSRX 24.4 (`rollback ?`), the number is optional */
	HELP_IS(fd, "show configuration | last ",
	    "Possible completions:\n"
	    "  <[Enter]>            Execute this command\n"
	    "  <lines>              Number of lines from end of output to "
	    "display\n"
	    "  |                    Pipe through a command\n");
	HELP_IS(fd, "show configuration | last | ", PIPE_LIST);
	COMPLETE_IS(fd, "show configuration | di", false, "display|display");
	HELP_IS(fd, "show configuration | bogus ", "error@21: syntax error.");
	close(fd);
}
END_TEST

START_TEST(test_oper_errors)
{
	int fd = sess_open(false);

	HELP_IS(fd, "foo ", "error@0: unknown command.");
	HELP_IS(fd, "show foo ", "error@5: syntax error, expecting <command>.");
	HELP_IS(fd, "s ", "error@0: 's' is ambiguous.");
	HELP_IS(
	    fd, "show configuration security isd ", "error@28: syntax error.");
	HELP_IS(fd, "show xyz", "No valid completions\n");
	COMPLETE_IS(fd, "foo ", false, "|-");
	close(fd);
}
END_TEST

/* ----- configuration mode ----- */

START_TEST(test_config_empty)
{
	int fd = sess_open(true);

	HELP_IS(fd, "",
	    "Possible completions:\n"
	    "  activate             Remove the inactive tag from a statement\n"
	    "  annotate             Annotate the statement with a comment\n"
	    "  commit               Commit current set of changes\n"
	    "  copy                 Copy a statement\n"
	    "  deactivate           Add the inactive tag to a statement\n"
	    "  delete               Delete a data element\n"
	    "  edit                 Edit a sub-element\n"
	    "  exit                 Exit from this level\n"
	    "  insert               Insert a new ordered data element\n"
	    "  load                 Load configuration from ASCII file\n"
	    "  quit                 Quit from this level\n"
	    "  rename               Rename a statement\n"
	    "  rollback             Roll back to previous configuration\n"
	    "  run                  Run an operational-mode command\n"
	    "  save                 Save configuration to ASCII file\n"
	    "  set                  Set a parameter\n"
	    "  show                 Show a parameter\n"
	    "  status               Show users currently editing "
	    "configuration\n"
	    "  top                  Exit to top level of configuration\n"
	    "  up                   Exit one level of configuration\n");
	/* rollback ?: no rescue line without a rescue configuration, and
	 * the pipe line last (Junos's `rollback` and `show system commit`) */
	{
		char *h = help(fd, "rollback ");
		ck_assert_msg(strstr(h, "rescue") == NULL, "%s", h);
		ck_assert_msg(
		    strstr(h,
			"  <[Enter]>            Execute this"
			" command\n") == h + strlen("Possible completions:\n"),
		    "%s", h);
		size_t hl = strlen(h),
		       pl = strlen("  |                    Pipe"
				   " through a command\n");
		ck_assert_msg(hl > pl &&
			strcmp(h + hl - pl,
			    "  |                 "
			    "   Pipe through a command\n") == 0,
		    "%s", h);
		free(h);
	}
	/* commit ?: its result takes pipes, so `|` is offered last, and
	 * `commit | ` lists the pipes */
	{
		char *h = help(fd, "commit ");
		const char *bar =
		    "  |                    Pipe through a command\n";
		size_t hl = strlen(h), bl = strlen(bar);
		ck_assert_msg(
		    hl > bl && strcmp(h + hl - bl, bar) == 0, "%s", h);
		free(h);
		h = help(fd, "commit check | ");
		ck_assert_msg(strstr(h, "  display              ") != NULL &&
			strstr(h, "  count                ") != NULL,
		    "%s", h);
		free(h);
	}
	/* groups, apply-groups and version at the top, as Junos lists them
	 * (Junos's `?` help) */
	HELP_IS(fd, "set ",
	    "Possible completions:\n"
	    "+ apply-groups         Groups from which to inherit configuration "
	    "data\n"
	    "+ apply-groups-except  Don't inherit configuration data from "
	    "these groups\n"
	    "> chassis              Chassis configuration\n"
	    "> groups               Configuration groups\n"
	    "> interfaces           Interface configuration\n"
	    "> routing-options      Protocol-independent routing option "
	    "configuration\n"
	    "> security             Security configuration\n"
	    "> system               System parameters\n"
	    "  version              Software version information\n");
	HELP_IS(fd, "set sec",
	    "Possible completions:\n"
	    "> security             Security configuration\n");
	COMPLETE_IS(fd, "set sec", false, "security|security");
	COMPLETE_IS(fd, "set sec", true, "security|security");
	COMPLETE_IS(fd, "set s", false, "security system|s");
	HELP_IS(fd, "load ",
	    "Possible completions:\n"
	    "  factory-default      Override existing configuration with "
	    "factory default\n"
	    "  merge                Merge contents with existing "
	    "configuration\n"
	    "  override             Override existing configuration\n"
	    "  replace              Replace configuration data\n"
	    "  set                  Execute set of commands on existing "
	    "configuration\n");
	HELP_IS(fd, "load factory-default ",
	    "Possible completions:\n"
	    "  <[Enter]>            Execute this command\n");
	close(fd);
}
END_TEST

START_TEST(test_config_names)
{
	int fd = sess_open(true);

	HELP_IS(fd, "set security ike gateway ",
	    "Possible completions:\n"
	    "  <name>               Name of the IKE gateway\n"
	    "  gw1                  Name of the IKE gateway\n"
	    "  gw2                  Name of the IKE gateway\n"
	    "  gw3                  Name of the IKE gateway\n");
	COMPLETE_IS(fd, "set security ike gateway ", false, "gw1 gw2 gw3|-");
	COMPLETE_IS(fd, "set security ike gateway g", false, "gw1 gw2 gw3|gw");
	COMPLETE_IS(fd, "set security ike gateway gw2", false, "gw2|gw2");
	/* space completes keywords only, never names */
	COMPLETE_IS(fd, "set security ike gateway gw", true, "|-");
	/* a qc:ref leaf: the key-manager profiles */
	HELP_IS(fd, "set security ike gateway gw1 ppk-profile ",
	    "Possible completions:\n"
	    "  <profile-name>       Name of the key-manager profile\n"
	    "  km1                  Name of the key-manager profile\n"
	    "  km2                  Name of the key-manager profile\n"
	    "  optional             Allow the negotiation without PPK if the"
	    " peer does not support it\n");
	COMPLETE_IS(fd, "set security ike gateway gw1 ppk-profile k", false,
	    "km1 km2|km");
	HELP_IS(fd, "set security ike gateway gw1 ppk-profile km1 ",
	    "Possible completions:\n"
	    "  <[Enter]>            Execute this command\n"
	    "  optional             Allow the negotiation without PPK if the"
	    " peer does not support it\n");
	/* names exist in the tree the session edits: delete, show */
	char *h = help(fd, "delete security ike gateway ");
	ck_assert_ptr_nonnull(strstr(h,
	    "  <[Enter]>            Execute this"
	    " command\n  <name>  "));
	ck_assert_ptr_nonnull(strstr(h, "\n  gw3   "));
	free(h);
	close(fd);
}
END_TEST

START_TEST(test_config_values)
{
	int fd = sess_open(true);

	HELP_IS(fd, "set security ike proposal p dh-group ",
	    "Possible completions:\n"
	    "  group1               Diffie-Hellman Group 1\n"
	    "  group14              Diffie-Hellman Group 14\n"
	    "  group15              Diffie-Hellman Group 15\n"
	    "  group16              Diffie-Hellman Group 16\n"
	    "  group19              Diffie-Hellman Group 19\n"
	    "  group2               Diffie-Hellman Group 2\n"
	    "  group20              Diffie-Hellman Group 20\n"
	    "  group21              Diffie-Hellman Group 21\n"
	    "  group24              Diffie-Hellman Group 24\n"
	    "  group31              Diffie-Hellman Group 31\n"
	    "  group5               Diffie-Hellman Group 5\n");
	COMPLETE_IS(fd, "set security ike proposal p dh-group group2", false,
	    "group2 group20 group21 group24|group2");
	HELP_IS(fd, "set security ike proposal p lifetime-seconds ",
	    "Possible completions:\n"
	    "  <lifetime-seconds>   Lifetime, in seconds (180..86400)\n");
	HELP_IS(fd, "set security ike proposal p lifetime-seconds 10 ",
	    "error@45: Value 10 is not within range (180..86400)");
	HELP_IS(fd, "set security ike gateway gw1 address [ 10.0.0.1 ",
	    "Possible completions:\n"
	    "  <address>            Addresses or hostnames of peer:1 primary,"
	    " upto 4 backups\n"
	    "  ]                    Close a set of values\n");
	close(fd);
}
END_TEST

START_TEST(test_config_show_edit)
{
	int fd = sess_open(true);

	HELP_IS(fd, "show | display ",
	    "Possible completions:\n"
	    "  inheritance          Show inherited configuration data and "
	    "source group\n"
	    "  json                 Show output in JSON format\n"
	    "  set                  Show 'set' commands that create "
	    "configuration\n"
	    "  xml                  Show output as XML tags\n");
	char *h = help(fd, "sh sec ");
	ck_assert_msg(
	    lines_in_order(h,
		"Possible completions:\n"
		"  <[Enter]>            Execute this command\n"
		"> address-book         Security address book\n"
		"> group-vpn            Group VPN configuration\n"
		"> ike                  IKE configuration\n"
		"> key-manager          Define JKM managed configurations\n"),
	    "%s", h);
	ck_assert_ptr_nonnull(strstr(h,
	    "\n  |                    Pipe through a"
	    " command\n"));
	free(h);
	COMPLETE_IS(fd, "sh sec ike gat", false, "gateway|gateway");
	/* pipes only after show */
	HELP_IS(fd, "set security | ", "error@13: syntax error.");
	HELP_IS(fd, "set foo ", "error@4: syntax error.");
	HELP_IS(fd, "xyz ", "error@0: unknown command.");
	/* edit lists containers and lists only, from the [edit] level */
	exec_ok(fd, "edit security ike");
	HELP_IS(fd, "edit gateway gw1 ppk",
	    "Possible completions:\n"
	    "> ppk-profile          Postquantum preshared key (PPK) profile\n");
	HELP_IS(fd, "set gateway gw1 ike-policy ",
	    "Possible completions:\n"
	    "  <ike-policy>         Name of the IKE policy\n");
	exec_ok(fd, "top");
	/* run: operational words from configuration mode */
	HELP_IS(fd, "run show sy",
	    "Possible completions:\n"
	    "  system               Show system information\n");
	close(fd);
}
END_TEST

/* ----- speed: 10,000 gateways ----- */

static double
best_ms(int fd, const char *op, const char *line)
{
	double best = 1e9;

	for (int i = 0; i < 20; i++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		json_decref(request(fd, op, line, false));
		clock_gettime(CLOCK_MONOTONIC, &b);
		double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 +
		    (double)(b.tv_nsec - a.tv_nsec) / 1e6;
		if (ms < best)
			best = ms;
	}
	return best;
}

START_TEST(test_speed)
{
	int fd = sess_open(true);
	struct sb text;
	json_t *r;
	const char *san = getenv("QSAFE_SANITIZED");
	bool timed = san == NULL || *san == '\0' || strcmp(san, "none") == 0;

	sb_init(&text);
	for (int i = 0; i < 10000; i++)
		sb_printf(&text,
		    "set security ike gateway g%05d ike-policy p1\n"
		    "set security ike gateway g%05d address 10.%d.%d.1\n",
		    i, i, i / 256, i % 256);
	r = request(fd, "exec", "load set terminal", false);
	ck_assert_ptr_nonnull(msg_str(r, "input"));
	json_decref(r);
	r = call(
	    fd, json_pack("{s:s, s:s}", "op", "input", "text", sb_str(&text)));
	ck_assert_str_eq(msg_str(r, "output"), "load complete\n");
	json_decref(r);
	sb_free(&text);

	/* COMPLETE_MAX_NAMES names, then "..." */
	char *h = help(fd, "set security ike gateway ");
	size_t lines = 0;
	for (const char *p = h; *p; p++)
		lines += *p == '\n';
	ck_assert_uint_eq(lines, 1 + 1 + 200 + 1);
	ck_assert_ptr_nonnull(strstr(h,
	    "\n  g00199               Name of the"
	    " IKE gateway\n  ...\n"));
	free(h);
	r = request(fd, "complete", "set security ike gateway g0", false);
	ck_assert_str_eq(msg_str(r, "common"), "g0");
	ck_assert_uint_eq(json_array_size(json_object_get(r, "matches")), 200);
	json_decref(r);
	COMPLETE_IS(fd, "set security ike gateway g0999", false,
	    "g09990 g09991 g09992 g09993 g09994 g09995 g09996 g09997 g09998"
	    " g09999|g0999");

	double t1 = best_ms(fd, "help", "set security ike gateway ");
	double t2 = best_ms(fd, "complete", "set security ike gateway g0");
	double t3 = best_ms(fd, "help", "set security ike gateway g05000 ");
	fprintf(stderr,
	    "complete speed, 10000 gateways: help %.2f ms,"
	    " complete %.2f ms, help in an entry %.2f ms\n",
	    t1, t2, t3);
	if (timed) {
		ck_assert_msg(t1 < 5.0, "help took %.2f ms", t1);
		ck_assert_msg(t2 < 5.0, "complete took %.2f ms", t2);
		ck_assert_msg(t3 < 5.0, "help took %.2f ms", t3);
	}
	close(fd);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("complete");
	TCase *tc = tcase_create("golden");
	TCase *sp = tcase_create("speed");
	int status;

	signal(SIGPIPE, SIG_IGN);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_oper_empty);
	tcase_add_test(tc, test_oper_words);
	tcase_add_test(tc, test_oper_pipes);
	tcase_add_test(tc, test_oper_errors);
	tcase_add_test(tc, test_config_empty);
	tcase_add_test(tc, test_config_names);
	tcase_add_test(tc, test_config_values);
	tcase_add_test(tc, test_config_show_edit);
	suite_add_tcase(s, tc);
	tcase_set_timeout(sp, 240);
	tcase_add_test(sp, test_speed);
	suite_add_tcase(s, sp);
	tcase_add_unchecked_fixture(tc, mgd_start, NULL);
	tcase_add_unchecked_fixture(tc, setup_config, NULL);
	/* one mgd for every case: run them in this process, in order */
	status = check_main(CHECK_NOFORK, s, NULL);
	mgd_stop();
	return status;
}
