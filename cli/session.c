/*
 * session: one cli session with mgd (proto/proto_cli.h).  Sends a request,
 * waits for its reply and prints the reply the way a Junos terminal shows
 * it: the caret line and message of a syntax error, the output (with the
 * data rendered and the pipes applied, paged in the shell), the question of
 * an "ask", the notice of an "input".  Keeps the prompt state the replies
 * describe and prints the [edit] banners (Junos's prompts and [edit] banners,
 * syntax errors and caret).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/pager.h"
#include "cli/pipe.h"
#include "lib/msg.h"
#include "proto/proto_cli.h"
#include "proto/proto_daemon.h"
#include "render/render.h"

/* A frame mgd has begun to send arrives whole within this. */
#define SESSION_FRAME_WAIT_MS 5000

static void
session_lost(struct cli *cli)
{
	if (!cli->lost)
		fprintf(stderr,
		    "error: lost the connection to the management "
		    "daemon\n");
	cli->lost = true;
}

/* An unsolicited frame (proto/proto_cli.h): a broadcast, printed now. */
static bool
session_unsolicited(struct cli *cli, json_t *frame)
{
	const char *text = msg_str(frame, "broadcast");

	if (json_object_get(frame, "id") != NULL || text == NULL)
		return false;
	fputs(text, stdout);
	session_prompt_set(cli, json_object_get(frame, "prompt"));
	fflush(stdout);
	return true;
}

int
session_poll(struct cli *cli)
{
	json_t *frame;
	bool shown;

	if (cli->lost)
		return -1;
	/* poll() said readable: the frame is on its way whole */
	frame = msg_recv(cli->fd, SESSION_FRAME_WAIT_MS);
	if (frame == NULL) {
		session_lost(cli);
		return -1;
	}
	shown = session_unsolicited(cli, frame);
	json_decref(frame);
	return shown ? 1 : 0;
}

/* The pager's side channel (pager.h): mgd's socket while it waits. */
static int
session_side_ready(void *arg)
{
	return session_poll(arg) == -1 ? -1 : 0;
}

/* session_call; with raw, the reply's "output" may stay raw (msg_recv_raw).
 */
static json_t *
session_call_raw(struct cli *cli, json_t *req, struct msg_raw *raw)
{
	json_int_t id = cli->next_id++;
	json_t *reply;

	if (cli->lost)
		return NULL;
	json_object_set_new(req, "id", json_integer(id));
	fflush(stdout);
	if (msg_send(cli->fd, req) == -1) {
		session_lost(cli);
		return NULL;
	}
	for (;;) {
		reply = raw != NULL ? msg_recv_raw(cli->fd, -1, raw)
				    : msg_recv(cli->fd, -1);
		if (reply == NULL) {
			session_lost(cli);
			return NULL;
		}
		/* A broadcast while the command runs is printed before its
		 * output; a stale reply (never expected: one request at a
		 * time) is dropped. */
		if (session_unsolicited(cli, reply)) {
			json_decref(reply);
			if (raw != NULL)
				msg_raw_free(raw);
			continue;
		}
		if (msg_int(reply, "id", id) == id)
			return reply;
		json_decref(reply);
		if (raw != NULL)
			msg_raw_free(raw);
	}
}

json_t *
session_call(struct cli *cli, json_t *req)
{
	return session_call_raw(cli, req, NULL);
}

static json_t *
session_request_raw(struct cli *cli, const char *op, const char *key,
    const char *value, struct msg_raw *raw)
{
	json_t *req = json_object(), *reply = NULL, *v;

	json_object_set_new(req, "op", json_string(op));
	if (key != NULL) {
		v = json_string(value);
		if (v == NULL) {
			fprintf(stderr, "error: input is not valid UTF-8\n");
			goto done;
		}
		json_object_set_new(req, key, v);
	}
	reply = session_call_raw(cli, req, raw);
done:
	json_decref(req);
	return reply;
}

json_t *
session_request(
    struct cli *cli, const char *op, const char *key, const char *value)
{
	return session_request_raw(cli, op, key, value, NULL);
}

static void
session_replace(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? xstrdup(src) : NULL;
}

static double
session_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
session_prompt_set(struct cli *cli, const json_t *p)
{
	struct cli_prompt *pr = &cli->prompt;
	const char *mode = msg_str(p, "mode");
	json_t *v;

	if (!json_is_object(p))
		return;
	if (mode != NULL)
		pr->is_config = strcmp(mode, "configuration") == 0;
	if (msg_str(p, "user") != NULL)
		session_replace(&pr->user, msg_str(p, "user"));
	if (msg_str(p, "host") != NULL)
		session_replace(&pr->host, msg_str(p, "host"));
	session_replace(&pr->edit, msg_str(p, "edit"));
	session_replace(&pr->notice, msg_str(p, "notice"));
	pr->confirm_at = 0;
	if (json_is_integer(v = json_object_get(p, "confirm-left"))) {
		json_t *u = json_object_get(p, "confirm-unit");
		pr->confirm_unit =
		    json_is_integer(u) && json_integer_value(u) > 0
		    ? (long)json_integer_value(u)
		    : 60;
		pr->confirm_at = session_now() + (double)json_integer_value(v);
	}
	/* `set cli screen-length N` (0: no paging) lasts until changed. */
	if (json_is_integer(v = json_object_get(p, "screen-length")))
		pr->screen_length = (long)json_integer_value(v);
	if (json_is_integer(v = json_object_get(p, "screen-width")))
		pr->screen_width = (long)json_integer_value(v);
}

void
session_prompt_free(struct cli_prompt *p)
{
	free(p->user);
	free(p->host);
	free(p->edit);
	free(p->notice);
	p->user = p->host = p->edit = p->notice = NULL;
}

char *
session_prompt_str(const struct cli *cli)
{
	const struct cli_prompt *p = &cli->prompt;
	const char *user = p->user ? p->user : "";
	struct sb sb;

	sb_init(&sb);
	if (p->host != NULL && p->host[0] != '\0')
		sb_printf(&sb, "%s@%s", user, p->host);
	else
		sb_puts(&sb, user);
	sb_puts(&sb, p->is_config ? "# " : "> ");
	return sb_steal(&sb);
}

void
session_before_prompt(const struct cli *cli, bool blank, FILE *out)
{
	const struct cli_prompt *p = &cli->prompt;

	if (blank)
		fputc('\n', out);
	if (!p->is_config)
		return;
	if (p->confirm_at > 0) {
		/* the minutes left now, at every prompt; none once the
		 * rollback is due (its broadcast comes with the next reply) */
		double left = p->confirm_at - session_now();
		if (left > 0) {
			long min = (long)((left + (double)p->confirm_unit - 1) /
			    (double)p->confirm_unit);
			if (min < 1)
				min = 1;
			fprintf(out,
			    "# commit confirmed will be rolled back in"
			    " %ld minute%s\n",
			    min, min == 1 ? "" : "s");
		}
	} else if (p->notice != NULL && p->notice[0] != '\0') {
		fprintf(out, "%s\n", p->notice);
	}
	fprintf(out, "%s\n", p->edit ? p->edit : "[edit]");
}

/* Terminal columns taken by the first n bytes of s (UTF-8). */
static size_t
session_columns(const char *s, size_t n)
{
	size_t i, cols = 0;

	for (i = 0; i < n && s[i] != '\0'; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			cols++;
	return cols;
}

static void
session_put_text(FILE *out, const char *s)
{
	size_t n = strlen(s);

	fputs(s, out);
	if (n > 0 && s[n - 1] != '\n')
		fputc('\n', out);
}

void
session_print_error(struct cli *cli, const char *line, const char *shown,
    const json_t *reply, FILE *out)
{
	const char *err = msg_str(reply, "error");
	json_int_t caret = msg_int(reply, "caret", -1);
	size_t pad;

	if (err == NULL)
		return;
	if (caret >= 0 && line != NULL) {
		pad = session_columns(line, (size_t)caret);
		if (cli->interactive || cli->echo) {
			/* the prompt the line was typed after, not the one the
			 * reply brings (another session may have renamed the
			 * host meanwhile) */
			char *prompt = shown ? NULL : session_prompt_str(cli);
			const char *p = shown ? shown : prompt;

			pad += session_columns(p, strlen(p));
			free(prompt);
		} else {
			fprintf(out, "%s\n", line);
		}
		/* "missing argument." points past the end of the line. */
		if ((size_t)caret > strlen(line))
			pad += (size_t)caret - strlen(line);
		fprintf(out, "%*s^\n", (int)pad, "");
	}
	session_put_text(out, err);
}

int
session_print_output(struct cli *cli, const json_t *reply, FILE *out)
{
	/* the first reply of session_exec may carry its output raw */
	const char *output = cli->raw_output != NULL ? cli->raw_output
						     : msg_str(reply, "output");
	const json_t *pipes = json_object_get(reply, "pipes");
	const json_t *data = json_object_get(reply, "data");
	struct msg_raw *stream = cli->raw_stream;
	json_t *parsed = NULL;
	struct pipe_result r;
	struct sb text, err, final;
	const char *shown;
	int rows, rc = -1;
	char last = '\n';

	cli->raw_output = NULL;
	cli->raw_stream = NULL;
	if (stream != NULL) {
		/* session_exec's raw case, the text still in the socket: from
		 * there to out through one small buffer */
		fflush(out);
		if (msg_raw_copy(stream, fileno(out), -1, &last) == 0)
			rc = 0;
		if (stream->fd == -1)
			session_lost(cli);
		if (last != '\n')
			fputc('\n', out);
		return rc;
	}
	sb_init(&text);
	sb_init(&err);
	sb_init(&final);
	pipe_result_init(&r);
	if (data == NULL && msg_str(reply, RPC_DATA_JSON) != NULL) {
		/* a daemon's large data, passed through mgd as text */
		const json_t *t = json_object_get(reply, RPC_DATA_JSON);
		data = parsed = json_loadb(
		    json_string_value(t), json_string_length(t), 0, NULL);
	}
	if (data == NULL && json_array_size(pipes) == 0) {
		/* nothing to render or pipe: the text as it came, not three
		 * copies of it (a 200,000-line display set is 9 MB) */
		shown = output != NULL ? output : "";
		if (*shown == '\0') {
			rc = 0;
			goto done;
		}
	} else {
		/* the text the pipes read: the output itself when there is
		 * nothing to render (a copy of a 17 MB display set is a
		 * page fault every 4 KB) */
		const char *in = output != NULL ? output : "";
		if (data != NULL) {
			sb_puts(&text, in);
			render_reply(msg_str(reply, "render"), data, &text);
			in = sb_str(&text);
		}
		if (json_array_size(pipes) == 0) {
			/* the rendered text itself, not a copy (23 MB for
			 * `show security policies detail` at 40,000) */
			shown = in;
			if (*in == '\0') {
				rc = 0;
				goto done;
			}
		} else if (pipe_apply(pipes, in, &r, &err) == -1) {
			fputs(sb_str(&err),
			    cli->interactive || cli->echo ? out : stderr);
			goto done;
		} else if (r.notes.len > 0) {
			pipe_result_print(&r, &final);
			shown = sb_str(&final);
		} else {
			shown = sb_str(&r.text);
		}
	}
	rows = 0;
	if (cli->interactive && !r.no_more && isatty(fileno(out)))
		rows = cli->prompt.screen_length >= 0
		    ? (int)cli->prompt.screen_length
		    : pager_term_rows(fileno(out));
	if (rows > 1) {
		/* a broadcast shows while the pager waits for a key */
		struct pager_side side = { cli->lost ? -1 : cli->fd,
			session_side_ready, cli };
		/* `set cli screen-width N`: the width lines wrap at. */
		pager_show_hold(shown, rows,
		    cli->prompt.screen_width > 0 ? (int)cli->prompt.screen_width
						 : 0,
		    STDIN_FILENO, out, r.hold, &side);
	} else
		session_put_text(out, shown);
	rc = 0;
done:
	json_decref(parsed);
	pipe_result_free(&r);
	sb_free(&text);
	sb_free(&err);
	sb_free(&final);
	fflush(out);
	return rc;
}

/* The next line typed or scripted after an ask/input; new string or NULL. */
static char *
session_read(struct cli *cli, bool interruptible, const char *again)
{
	const char *raw;

	if (cli->interactive)
		return edit_read_raw(cli, interruptible, again);
	raw = cli_next_raw(cli);
	return raw ? xstrdup(raw) : NULL;
}

/* "ask": question, one line (end of input: the default), "answer". */
static json_t *
session_ask(struct cli *cli, const char *question)
{
	char *answer;
	json_t *reply;
	size_t n = strlen(question);

	struct sb q;

	sb_init(&q);
	sb_puts(&q, question);
	if (n > 0 && question[n - 1] != ' ')
		sb_putc(&q, ' ');
	fputs(sb_str(&q), stdout);
	fflush(stdout);
	/* a broadcast while the operator answers: the question again */
	answer = session_read(cli, false, sb_str(&q));
	sb_free(&q);
	if (!cli->interactive && answer != NULL)
		fputs(answer, stdout);
	if (!cli->interactive || answer == NULL)
		fputc('\n', stdout);
	reply =
	    session_request(cli, CLI_OP_ANSWER, "text", answer ? answer : "");
	free(answer);
	return reply;
}

/* "input": the notice, then lines up to one that is exactly ^D. */
static json_t *
session_input(struct cli *cli, const char *notice)
{
	struct sb text;
	char *line;
	json_t *reply;

	session_put_text(stdout, notice);
	fflush(stdout);
	sb_init(&text);
	cli->interrupted = false;
	while ((line = session_read(cli, true, NULL)) != NULL) {
		if (strcmp(line, "^D") == 0) {
			free(line);
			break;
		}
		if (cli->echo && !cli->interactive)
			printf("%s\n", line);
		sb_puts(&text, line);
		sb_putc(&text, '\n');
		free(line);
	}
	if (cli->interrupted) {
		/* ^C: mgd drops the load and applies nothing. */
		fputc('\n', stdout);
		reply = session_request(cli, CLI_OP_INPUT, "abort", "yes");
	} else {
		reply =
		    session_request(cli, CLI_OP_INPUT, "text", sb_str(&text));
	}
	sb_free_secure(&text);
	return reply;
}

static int
session_reply(struct cli *cli, const char *line, json_t *reply)
{
	FILE *errout = cli->interactive || cli->echo ? stdout : stderr;
	json_t *next;
	bool ok = true;
	const char *s;
	char *shown = session_prompt_str(cli);

	while (reply != NULL) {
		session_prompt_set(cli, json_object_get(reply, "prompt"));
		/* Notices and the timestamp: outside the pipes and the pager.
		 */
		if ((s = msg_str(reply, "before")) != NULL)
			fputs(s, stdout);
		session_print_error(cli, line, shown, reply, errout);
		if (session_print_output(cli, reply, stdout) == -1)
			ok = false;
		if (json_is_false(json_object_get(reply, "ok")))
			ok = false;
		if (msg_bool(reply, "exit"))
			cli->exiting = true;
		fflush(errout);
		next = NULL;
		if ((s = msg_str(reply, "ask")) != NULL)
			next = session_ask(cli, s);
		else if ((s = msg_str(reply, "input")) != NULL)
			next = session_input(cli, s);
		else {
			json_decref(reply);
			break;
		}
		json_decref(reply);
		reply = next;
		if (reply == NULL)
			ok = false;
	}
	fflush(stdout);
	free(shown);
	if (!ok)
		cli->failed = true;
	return ok ? 0 : -1;
}

/*
 * Whether reply's output may be written as it came, unchecked: batch mode
 * (no pager), nothing to render or pipe, so nothing reads the bytes but
 * the terminal or file they go to (session_print_output's first case).
 */
static bool
session_output_raw_ok(const struct cli *cli, const json_t *reply)
{
	return !cli->interactive && json_object_get(reply, "data") == NULL &&
	    json_object_get(reply, RPC_DATA_JSON) == NULL &&
	    json_array_size(json_object_get(reply, "pipes")) == 0;
}

int
session_exec(struct cli *cli, const char *line, char **history)
{
	struct msg_raw raw = { .key = "output", .stream = true };
	json_t *reply =
	    session_request_raw(cli, CLI_OP_EXEC, "line", line, &raw);
	const char *h;
	bool raw_ok;
	int rc;

	if (history != NULL)
		*history = NULL;
	if (reply == NULL) {
		cli->failed = true;
		return -1;
	}
	/* A 17 MB display set goes from the socket to its file; what needs
	 * the text whole reads it first. */
	raw_ok = session_output_raw_ok(cli, reply);
	if (raw.left > 0 && !raw_ok && msg_raw_pull(&raw, -1) == -1) {
		session_lost(cli);
		json_decref(reply);
		cli->failed = true;
		return -1;
	}
	/* A 9 MB display set is written from the frame it came in, without
	 * a JSON copy of it; anything that reads it gets the checked string.
	 */
	if (raw.p != NULL && !raw_ok && msg_raw_to_json(reply, &raw) == -1) {
		fprintf(stderr, "error: the reply is not UTF-8 text\n");
		json_decref(reply);
		cli->failed = true;
		return -1;
	}
	if (history != NULL && (h = msg_str(reply, "history")) != NULL)
		*history = xstrdup(h);
	cli->raw_output = raw.p;
	cli->raw_stream = raw.left > 0 ? &raw : NULL;
	rc = session_reply(cli, line, reply);
	cli->raw_output = NULL;
	cli->raw_stream = NULL;
	msg_raw_free(&raw);
	return rc;
}

int
session_hello(
    struct cli *cli, const char *user, const char *tty, bool interactive)
{
	json_t *req, *reply;
	int rc = -1;

	req = json_pack("{s:s, s:s, s:s, s:I, s:b}", "op", CLI_OP_HELLO, "user",
	    user, "tty", tty, "pid", (json_int_t)getpid(), "interactive",
	    interactive);
	if (req == NULL) {
		fprintf(stderr, "error: user or terminal name is not UTF-8\n");
		return -1;
	}
	reply = session_call(cli, req);
	json_decref(req);
	if (reply == NULL)
		return -1;
	if (json_is_false(json_object_get(reply, "ok"))) {
		session_print_error(cli, NULL, NULL, reply, stderr);
		session_put_text(stderr,
		    msg_str(reply, "output") ? msg_str(reply, "output") : "");
		goto done;
	}
	session_replace(&cli->prompt.user,
	    msg_str(reply, "user") ? msg_str(reply, "user") : user);
	session_replace(&cli->prompt.host, msg_str(reply, "host"));
	session_prompt_set(cli, json_object_get(reply, "prompt"));
	rc = 0;
done:
	json_decref(reply);
	return rc;
}
