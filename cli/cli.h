/*
 * cli: the operator's front end.  It is thin: every line goes to
 * mgd over <state-dir>/mgd.sock (proto/proto_cli.h) and the cli prints the
 * reply.  This header holds the one session struct created in main() and the
 * functions the cli's modules call across files:
 *
 *   cli.c      main: options, state dir, connect + hello, batch loop
 *   session.c  request/reply with mgd, printing a reply (caret, ask, input,
 *              render, pipes, pager), prompts and [edit] banners
 *   input.c    command sources for -c / -f / stdin; `;` splitting
 *   edit.c     the interactive shell on libedit (history, ^C, TAB, `?`)
 *   pipe.c     `| match` and friends (pipe.h)
 *   pager.c    ---(more)--- (pager.h)
 */
#ifndef QSAFE_CLI_H
#define QSAFE_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "lib/sb.h"

struct msg_raw;

struct input;
struct edit;

/* What the next prompt shows; from the reply's "prompt" object. */
struct cli_prompt {
	bool is_config;
	char *user;
	char *host;
	char *edit;   /* "[edit security ike]", config mode only */
	char *notice; /* "# commit confirmed will be ..." or NULL */
	/* commit confirmed pending: when it rolls back (CLOCK_MONOTONIC
	 * seconds; 0: none) and the seconds of its "minute" */
	double confirm_at;
	long confirm_unit;
	long screen_length; /* -1: not set (terminal size); 0: no paging */
	long screen_width;  /* -1: not set */
};

struct cli {
	const char *state_dir;
	int fd; /* connection to mgd */
	json_int_t next_id;
	bool interactive; /* the libedit shell */
	bool echo;	  /* --echo: print prompts and commands */
	bool keep_going;  /* --keep-going: do not stop at a failure */
	bool failed;	  /* some command replied ok false */
	bool exiting;	  /* mgd said the session ends */
	bool lost;	  /* the connection to mgd broke */
	bool interrupted; /* ^C pressed in the line editor */
	struct cli_prompt prompt;
	struct input *in; /* batch source (NULL in the shell) */
	struct edit *ed;  /* the shell (NULL in batch) */
	/* session_exec's reply output, raw in its frame (msg_recv_raw):
	 * borrowed, taken by the next session_print_output */
	const char *raw_output;
	/* or still in mgd's socket, to be copied out (msg_raw_copy) */
	struct msg_raw *raw_stream;
};

/* session.c */
/* Send req (its "id" is set here; req is not stolen) and wait for the reply;
 * NULL when the connection broke (cli->lost is then set). */
json_t *session_call(struct cli *cli, json_t *req);
/* mgd's socket is readable outside a request: reads the frame and prints
 * a broadcast.  1: one was printed, 0: nothing to show, -1: connection lost
 * (cli->lost set). */
int session_poll(struct cli *cli);
json_t *session_request(
    struct cli *cli, const char *op, const char *key, const char *value);
int session_hello(
    struct cli *cli, const char *user, const char *tty, bool interactive);
/* Runs one line.  history (may be NULL) gets what the shell's history
 * records for it when that is not the line as typed (a typed secret in its
 * $9$ form), else NULL; the caller frees it. */
int session_exec(struct cli *cli, const char *line, char **history);
void session_prompt_set(struct cli *cli, const json_t *p);
void session_prompt_free(struct cli_prompt *p);
/* "user@host> " or "user@host# "; new string, caller frees. */
char *session_prompt_str(const struct cli *cli);
/* The lines above a prompt: blank line (after a config-mode command, or on
 * entering config mode), notice, [edit] banner. */
void session_before_prompt(const struct cli *cli, bool blank, FILE *out);
/* The error of reply with its caret under line, as typed after the prompt
 * shown (NULL: the current one). */
void session_print_error(struct cli *cli, const char *line, const char *shown,
    const json_t *reply, FILE *out);
/* Output + rendered data through the pipes, paged in the shell; 0 or -1
 * (a pipe failed: its message was printed). */
int session_print_output(struct cli *cli, const json_t *reply, FILE *out);

/* cli.c: the next raw line for an "ask" or "input" in batch mode; NULL at
 * end of input.  Borrowed until the next call. */
const char *cli_next_raw(struct cli *cli);

/* edit.c */
struct edit *edit_new(struct cli *cli);
void edit_free(struct edit *ed);
int edit_run(struct cli *cli);
/*
 * Read one line from the terminal outside the editor (answers, input);
 * new string without the newline, NULL at ^D on an empty line.  With
 * interruptible, ^C ends the read too: NULL with cli->interrupted set.
 */
char *edit_read_raw(struct cli *cli, bool interruptible, const char *again);

#endif
