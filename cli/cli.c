/*
 * cli: the operator's shell.  Finds the state directory, connects to mgd,
 * says hello, then runs one of the modes of use:
 *
 *   cli                  the interactive shell when stdin is a terminal
 *   cli < file           one command per line from stdin otherwise
 *   cli -f file          one command per line from a file
 *   cli -c 'cmd; cmd'    commands separated by `;` outside quotes
 *
 * Batch modes print no prompts, escape codes or pager: only what the
 * commands print.  Syntax errors go to stderr as the command line, a caret
 * line under the bad token and the message.  With --echo the batch modes
 * print a transcript instead, everything on stdout: each prompt (in
 * configuration mode preceded by the blank line, notice and [edit] banner),
 * the command, its output, and at the end of input the last prompt and a
 * newline.  Blank lines and `#` comments are skipped as commands.
 *
 * The exit status is 1 when a command failed (reply ok false) or mgd went
 * away, else 0.  Batch modes stop at the first failing command (a half-
 * applied script is worse than a stopped one); --keep-going runs the rest.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/input.h"
#include "lib/log.h"
#include "lib/msg.h"
#include "lib/wipe.h"
#include "proto/proto_cli.h"

#define CLI_DEFAULT_STATE_DIR "./var"

struct cli_opts {
	const char *state_dir;
	const char *command; /* -c */
	const char *file;    /* -f */
	bool echo;
	bool keep_going;
};

static void
cli_usage(FILE *out)
{
	fprintf(out,
	    "usage: cli [--state-dir DIR] [--echo] [--keep-going]\n"
	    "           [-c 'command; command' | -f FILE]\n"
	    "  With neither -c nor -f: the interactive shell when stdin is a\n"
	    "  terminal, else one command per line from stdin.\n"
	    "  --state-dir DIR  where mgd.sock is (else $QSAFE_STATE_DIR, "
	    "else ./var)\n"
	    "  --echo           print prompts and commands (a transcript)\n"
	    "  --keep-going     do not stop at the first failing command\n"
	    "Exit status: 1 if any command failed, else 0.\n");
}

static int
cli_parse(int argc, char **argv, struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "echo", no_argument, NULL, 'e' },
		{ "keep-going", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:f:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->command = optarg; break;
		case 'f': o->file = optarg; break;
		case 's': o->state_dir = optarg; break;
		case 'e': o->echo = true; break;
		case 'k': o->keep_going = true; break;
		case 'h': cli_usage(stdout); exit(0);
		case 'V': printf("cli (qsafe) %s\n", QSAFE_VERSION); exit(0);
		default: cli_usage(stderr); return -1;
		}
	}
	if (optind != argc || (o->command != NULL && o->file != NULL)) {
		cli_usage(stderr);
		return -1;
	}
	if (o->state_dir == NULL)
		o->state_dir = getenv("QSAFE_STATE_DIR");
	if (o->state_dir == NULL || o->state_dir[0] == '\0')
		o->state_dir = CLI_DEFAULT_STATE_DIR;
	return 0;
}

static int
cli_connect(struct cli *cli)
{
	char *path;
	int rc = -1;

	if (asprintf(&path, "%s/%s", cli->state_dir, MGD_SOCKET_NAME) == -1)
		fatal("out of memory");
	cli->fd = msg_connect(path);
	if (cli->fd != -1)
		rc = 0;
	else if (errno == ENOENT)
		fprintf(stderr,
		    "error: the management daemon is not running "
		    "(no socket at %s)\n",
		    path);
	else if (errno == ECONNREFUSED)
		fprintf(stderr,
		    "error: the management daemon is not running "
		    "(nothing listening at %s)\n",
		    path);
	else
		fprintf(stderr,
		    "error: cannot reach the management daemon at "
		    "%s: %s\n",
		    path, strerror(errno));
	free(path);
	return rc;
}

static const char *
cli_user(void)
{
	struct passwd *pw = getpwuid(getuid());
	const char *u;

	if (pw != NULL && pw->pw_name != NULL)
		return pw->pw_name;
	u = getenv("USER");
	return u != NULL && u[0] != '\0' ? u : "unknown";
}

static const char *
cli_tty(void)
{
	const char *t = isatty(STDIN_FILENO) ? ttyname(STDIN_FILENO) : NULL;

	if (t == NULL)
		return "";
	return strncmp(t, "/dev/", 5) == 0 ? t + 5 : t;
}

const char *
cli_next_raw(struct cli *cli)
{
	return cli->in ? input_next_raw(cli->in) : NULL;
}

static void
cli_echo_prompt(struct cli *cli, bool blank, const char *line)
{
	char *prompt = session_prompt_str(cli);

	session_before_prompt(cli, blank, stdout);
	printf("%s%s\n", prompt, line ? line : "");
	free(prompt);
}

/* -c, -f and stdin: run commands until the end, exit or a failure. */
static void
cli_batch(struct cli *cli)
{
	const char *line;
	bool blank = false, was_config;

	while ((line = cli->echo ? input_next_line(cli->in)
				 : input_next_command(cli->in)) != NULL) {
		char *cmd;
		int rc;

		if (*line == '\0') {
			/* --echo shows an empty Enter as the shell does: the
			 * prompt again, after [edit] in configuration mode */
			cli_echo_prompt(cli, blank, "");
			blank = cli->prompt.is_config;
			continue;
		}
		cmd = xstrdup(line);
		if (cli->echo)
			cli_echo_prompt(cli, blank, cmd);
		was_config = cli->prompt.is_config;
		rc = session_exec(cli, cmd, NULL);
		free(cmd);
		/* Junos's prompts and [edit] banners: a blank line after every
		 * config-mode command and on entering configuration mode. */
		blank = was_config || cli->prompt.is_config;
		if (cli->exiting || cli->lost || (rc == -1 && !cli->keep_going))
			break;
	}
	if (cli->echo && !cli->exiting && !cli->lost)
		cli_echo_prompt(cli, blank, NULL);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct cli_opts o;
	struct cli cli;
	FILE *fp = NULL;
	bool shell;
	int status = 1;

	wipe_init(); /* frames may carry secrets: see lib/wipe.h */
	log_init("cli", stderr);
	memset(&o, 0, sizeof(o));
	memset(&cli, 0, sizeof(cli));
	cli.fd = -1;
	cli.next_id = 1;
	cli.prompt.screen_length = -1;
	cli.prompt.screen_width = -1;
	if (cli_parse(argc, argv, &o) == -1)
		return 2;
	cli.state_dir = o.state_dir;
	cli.echo = o.echo;
	cli.keep_going = o.keep_going;
	shell = o.command == NULL && o.file == NULL && isatty(STDIN_FILENO);
	if (o.file != NULL && (fp = fopen(o.file, "r")) == NULL) {
		fprintf(stderr, "error: could not open '%s': %s\n", o.file,
		    strerror(errno));
		goto done;
	}
	if (cli_connect(&cli) == -1)
		goto done;
	cli.interactive = shell;
	if (session_hello(&cli, cli_user(), cli_tty(),
		shell && isatty(STDOUT_FILENO)) == -1)
		goto done;
	if (shell) {
		cli.echo = false;
		cli.ed = edit_new(&cli);
		if (cli.ed == NULL)
			goto done;
		edit_run(&cli);
	} else {
		if (o.command != NULL)
			cli.in = input_new_string(o.command);
		else
			cli.in = input_new_file(fp ? fp : stdin);
		cli_batch(&cli);
	}
	status = cli.failed || cli.lost ? 1 : 0;
done:
	edit_free(cli.ed);
	input_free(cli.in);
	session_prompt_free(&cli.prompt);
	if (fp != NULL)
		fclose(fp);
	if (cli.fd != -1)
		close(cli.fd);
	return status;
}
