/*
 * fake_mgd: a scripted stand-in for mgd that speaks proto/proto_cli.h, so the
 * cli is tested end to end without a schema or a database.
 *
 *   fake_mgd SOCKET [LOG]
 *
 * Serves one cli session at a time, forever (the test kills it).  Every
 * request is appended to LOG as "op: text" so tests can check what the cli
 * sent.  The script (exec lines; `|` outside quotes starts the pipes, which
 * are handed back to the cli as words):
 *
 *   echo TEXT          output TEXT ("\n" in TEXT is a newline)
 *   lines N            output "line 1" .. "line N"
 *   data               render "fake-unknown" + data (the cli prints JSON)
 *   keypair [bad]      render "request-security-pki-generate-key-pair" with
 *                      good data, or data the renderer refuses
 *   ask                ask "Really? [yes,no] (no)"; answer -> "answer: X"
 *   load               input "[Type ^D at a new line to end input]";
 *                      input -> "received N lines" + "load complete"
 *   configure          configuration mode, [edit]
 *   edit W.. / top     (config) [edit W..] / [edit]
 *   set W..            (config) nothing; "set" alone: missing argument.
 *   set cli screen-length N   (op) prompt screen-length N
 *   commit [confirmed] (config) commit complete (+ the confirmed notice)
 *   exit               config: leave (asks when something was set);
 *                      op: the session ends
 *   fail               ok false, output "error: configuration check-out failed"
 *   show W             syntax error, expecting <command>. (caret at W)
 *   anything else      unknown command. (caret at 0)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/msg.h"
#include "proto/proto_cli.h"
#include "lib/sb.h"

struct fake {
	FILE *log;
	char *user;
	bool config;
	bool dirty;
	char edit[256];
	char notice[128];
	int screen_length; /* -1: not set */
	enum { PEND_NONE, PEND_ASK, PEND_EXIT, PEND_LOAD } pending;
};

static const char *const fake_op_words[] = { "configure", "data", "echo",
	"exit", "lines", "load", "set", "show", NULL };
static const char *const fake_cf_words[] = { "commit", "edit", "exit", "set",
	"show", "top", NULL };

/* Splits s into words; quotes removed.  Returns a json array. */
static json_t *
fake_words(const char *s)
{
	json_t *a = json_array();
	struct sb w;
	char q = 0;
	bool in = false;

	sb_init(&w);
	for (;; s++) {
		if (*s == '\0' || (q == 0 && (*s == ' ' || *s == '\t'))) {
			if (in)
				json_array_append_new(
				    a, json_string(sb_str(&w)));
			sb_reset(&w);
			in = false;
			if (*s == '\0')
				break;
		} else if (q != 0 && *s == q) {
			q = 0;
		} else if (q == 0 && (*s == '"' || *s == '\'')) {
			q = *s;
			in = true;
		} else {
			sb_putc(&w, *s);
			in = true;
		}
	}
	sb_free(&w);
	return a;
}

/* Cuts line at the first `|` outside quotes; returns the pipes. */
static json_t *
fake_pipes(char *line)
{
	json_t *pipes = json_array();
	char *p, *start = NULL;
	char q = 0;

	for (p = line; *p != '\0'; p++) {
		if (q != 0 && *p == q)
			q = 0;
		else if (q == 0 && (*p == '"' || *p == '\''))
			q = *p;
		else if (q == 0 && *p == '|') {
			*p = '\0';
			if (start != NULL)
				json_array_append_new(pipes, fake_words(start));
			start = p + 1;
		}
	}
	if (start != NULL)
		json_array_append_new(pipes, fake_words(start));
	return pipes;
}

static json_t *
fake_prompt(struct fake *f)
{
	json_t *p = json_pack("{s:s, s:s, s:s}", "mode",
	    f->config ? "configuration" : "operational", "user", f->user,
	    "host", "fake");

	if (f->config)
		json_object_set_new(p, "edit", json_string(f->edit));
	if (f->config && f->notice[0] != '\0')
		json_object_set_new(p, "notice", json_string(f->notice));
	if (f->screen_length >= 0)
		json_object_set_new(
		    p, "screen-length", json_integer(f->screen_length));
	return p;
}

static void
fake_syntax(json_t *r, const char *msg, size_t caret)
{
	json_object_set_new(r, "ok", json_false());
	json_object_set_new(r, "error", json_string(msg));
	json_object_set_new(r, "caret", json_integer((json_int_t)caret));
}

static void
fake_output(json_t *r, const char *s)
{
	json_object_set_new(r, "output", json_string(s));
}

static void
fake_echo(json_t *r, const char *text)
{
	struct sb sb;

	sb_init(&sb);
	for (; *text != '\0'; text++) {
		if (text[0] == '\\' && text[1] == 'n') {
			sb_putc(&sb, '\n');
			text++;
		} else {
			sb_putc(&sb, *text);
		}
	}
	sb_putc(&sb, '\n');
	fake_output(r, sb_str(&sb));
	sb_free(&sb);
}

static void
fake_config_cmd(struct fake *f, const char *line, json_t *w, json_t *r)
{
	const char *w0 = json_string_value(json_array_get(w, 0));
	size_t i;

	if (strcmp(w0, "edit") == 0) {
		snprintf(f->edit, sizeof(f->edit), "[edit");
		for (i = 1; i < json_array_size(w); i++) {
			strncat(f->edit, " ",
			    sizeof(f->edit) - strlen(f->edit) - 1);
			strncat(f->edit,
			    json_string_value(json_array_get(w, i)),
			    sizeof(f->edit) - strlen(f->edit) - 1);
		}
		strncat(f->edit, "]", sizeof(f->edit) - strlen(f->edit) - 1);
	} else if (strcmp(w0, "top") == 0) {
		snprintf(f->edit, sizeof(f->edit), "[edit]");
	} else if (strcmp(w0, "set") == 0) {
		if (json_array_size(w) == 1)
			fake_syntax(r, "missing argument.", strlen(line) + 1);
		else
			f->dirty = true;
	} else if (strcmp(w0, "commit") == 0) {
		const char *w1 = json_string_value(json_array_get(w, 1));

		if (w1 != NULL && strcmp(w1, "confirmed") == 0) {
			fake_output(r,
			    "commit confirmed will be automatically "
			    "rolled back in 10 minutes unless confirmed\n"
			    "commit complete\n");
			snprintf(f->notice, sizeof(f->notice),
			    "# commit "
			    "confirmed will be rolled back in 10 minutes");
		} else {
			fake_output(r, "commit complete\n");
			f->notice[0] = '\0';
		}
		f->dirty = false;
	} else if (strcmp(w0, "exit") == 0) {
		if (f->dirty) {
			fake_output(r,
			    "The configuration has been changed but "
			    "not committed\n");
			json_object_set_new(r, "ask",
			    json_string("Exit with "
					"uncommitted changes? [yes,no] (yes)"));
			f->pending = PEND_EXIT;
		} else {
			fake_output(r, "Exiting configuration mode\n");
			f->config = false;
		}
	} else if (strcmp(w0, "fail") == 0) {
		json_object_set_new(r, "ok", json_false());
		fake_output(r, "error: configuration check-out failed\n");
	} else {
		fake_syntax(r, "syntax error.", 0);
	}
}

static void
fake_op_cmd(struct fake *f, const char *line, json_t *w, json_t *r)
{
	const char *w0 = json_string_value(json_array_get(w, 0));
	const char *w1 = json_string_value(json_array_get(w, 1));
	struct sb sb;
	long i, n;

	if (strcmp(w0, "echo") == 0) {
		fake_echo(r, line + strspn(line + 4, " ") + 4);
	} else if (strcmp(w0, "lines") == 0) {
		n = w1 ? strtol(w1, NULL, 10) : 0;
		sb_init(&sb);
		for (i = 1; i <= n; i++)
			sb_printf(&sb, "line %ld\n", i);
		fake_output(r, sb_str(&sb));
		sb_free(&sb);
	} else if (strcmp(w0, "data") == 0) {
		json_object_set_new(r, "render", json_string("fake-unknown"));
		json_object_set_new(r, "data",
		    json_pack("{s:s, s:i}", "name", "gw1", "count", 3));
	} else if (strcmp(w0, "keypair") == 0) {
		json_object_set_new(r, "render",
		    json_string("request-security-pki-generate-key-pair"));
		json_object_set_new(r, "data",
		    w1 == NULL ? json_pack("{s:s, s:i}", "certificate-id", "c1",
				     "size", 2048)
			       : json_pack("{s:s}", "certificate-id", "c1"));
	} else if (strcmp(w0, "ask") == 0) {
		json_object_set_new(
		    r, "ask", json_string("Really? [yes,no] (no)"));
		f->pending = PEND_ASK;
	} else if (strcmp(w0, "load") == 0) {
		json_object_set_new(r, "input",
		    json_string("[Type ^D at a "
				"new line to end input]"));
		f->pending = PEND_LOAD;
	} else if (strcmp(w0, "fail") == 0) {
		json_object_set_new(r, "ok", json_false());
		fake_output(r, "error: configuration check-out failed\n");
	} else if (!f->config && strcmp(w0, "configure") == 0) {
		fake_output(r, "Entering configuration mode\n");
		f->config = true;
		snprintf(f->edit, sizeof(f->edit), "[edit]");
	} else if (!f->config && strcmp(w0, "exit") == 0) {
		json_object_set_new(r, "exit", json_true());
	} else if (!f->config && strcmp(w0, "set") == 0 && w1 != NULL &&
	    strcmp(w1, "cli") == 0 && json_array_size(w) == 4) {
		f->screen_length =
		    atoi(json_string_value(json_array_get(w, 3)));
	} else if (!f->config && strcmp(w0, "show") == 0 && w1 != NULL) {
		fake_syntax(r, "syntax error, expecting <command>.",
		    (size_t)(strstr(line, w1) - line));
	} else if (f->config) {
		fake_config_cmd(f, line, w, r);
	} else {
		fake_syntax(r, "unknown command.", 0);
	}
}

static void
fake_exec(struct fake *f, const char *line, json_t *r)
{
	char *copy = xstrdup(line);
	json_t *pipes = fake_pipes(copy);
	json_t *w = fake_words(copy);
	size_t n = strlen(copy);

	while (n > 0 && copy[n - 1] == ' ')
		copy[--n] = '\0';
	if (json_array_size(pipes) > 0)
		json_object_set(r, "pipes", pipes);
	if (json_array_size(w) > 0)
		fake_op_cmd(f, copy, w, r);
	json_decref(pipes);
	json_decref(w);
	free(copy);
}

static void
fake_answer(struct fake *f, const char *text, json_t *r)
{
	struct sb sb;

	sb_init(&sb);
	if (f->pending == PEND_ASK) {
		sb_printf(&sb, "answer: %s\n", text);
	} else if (f->pending == PEND_EXIT) {
		if (text[0] == '\0' || strcmp(text, "yes") == 0) {
			sb_puts(&sb, "Exiting configuration mode\n");
			f->config = false;
			f->dirty = false;
		}
	}
	fake_output(r, sb_str(&sb));
	sb_free(&sb);
	f->pending = PEND_NONE;
}

/* Words of the current mode starting with the last word of line. */
static void
fake_complete(struct fake *f, const char *line, json_t *r, bool help)
{
	const char *const *words = f->config ? fake_cf_words : fake_op_words;
	const char *last = strrchr(line, ' ');
	json_t *m = json_array();
	char common[64] = "";
	size_t i, j;
	struct sb sb;

	last = last ? last + 1 : line;
	sb_init(&sb);
	sb_puts(&sb, "Possible completions:\n");
	for (i = 0; words[i] != NULL; i++) {
		if (strncmp(words[i], last, strlen(last)) != 0)
			continue;
		if (json_array_size(m) == 0)
			snprintf(common, sizeof(common), "%s", words[i]);
		for (j = 0; common[j] != '\0' && common[j] == words[i][j]; j++)
			;
		common[j] = '\0';
		json_array_append_new(m, json_string(words[i]));
		sb_printf(&sb, "  %-21sFake help for %s\n", words[i], words[i]);
	}
	if (help)
		fake_output(r, sb_str(&sb));
	else {
		json_object_set_new(r, "matches", m);
		json_object_set_new(r, "common", json_string(common));
		m = NULL;
	}
	json_decref(m);
	sb_free(&sb);
}

static void
fake_log(struct fake *f, const char *op, const char *text)
{
	if (f->log == NULL)
		return;
	fprintf(f->log, "%s: %s\n", op, text ? text : "");
	fflush(f->log);
}

static void
fake_session(struct fake *f, int fd)
{
	json_t *req, *r;
	const char *op, *text;

	f->config = f->dirty = false;
	f->notice[0] = '\0';
	f->screen_length = -1;
	f->pending = PEND_NONE;
	while ((req = msg_recv(fd, -1)) != NULL) {
		op = msg_str(req, "op");
		op = op ? op : "";
		text = msg_str(req, "line") ? msg_str(req, "line")
					    : msg_str(req, "text");
		fake_log(f, op, text);
		r = json_pack(
		    "{s:I, s:b}", "id", msg_int(req, "id", 0), "ok", 1);
		if (strcmp(op, CLI_OP_HELLO) == 0) {
			free(f->user);
			f->user =
			    xstrdup(msg_str(req, "user") ? msg_str(req, "user")
							 : "nobody");
			json_object_set_new(r, "host", json_string("fake"));
			json_object_set_new(r, "user", json_string(f->user));
			json_object_set_new(r, "version", json_string("0"));
		} else if (strcmp(op, CLI_OP_EXEC) == 0) {
			fake_exec(f, text ? text : "", r);
		} else if (strcmp(op, CLI_OP_ANSWER) == 0 ||
		    strcmp(op, CLI_OP_INPUT) == 0) {
			if (f->pending == PEND_LOAD) {
				size_t n = 0;
				const char *p;

				for (p = text; p && *p; p++)
					n += *p == '\n';
				json_object_set_new(r, "output",
				    json_sprintf(
					"received %zu lines\nload complete\n",
					n));
				f->pending = PEND_NONE;
			} else {
				fake_answer(f, text ? text : "", r);
			}
		} else if (strcmp(op, CLI_OP_COMPLETE) == 0 ||
		    strcmp(op, CLI_OP_HELP) == 0) {
			fake_complete(f, text ? text : "", r, op[0] == 'h');
		}
		if (strcmp(op, CLI_OP_HELLO) != 0)
			json_object_set_new(r, "prompt", fake_prompt(f));
		msg_send(fd, r);
		json_decref(r);
		json_decref(req);
	}
}

int
main(int argc, char **argv)
{
	struct fake f;
	int lfd, fd;

	if (argc < 2) {
		fprintf(stderr, "usage: fake_mgd SOCKET [LOG]\n");
		return 2;
	}
	memset(&f, 0, sizeof(f));
	if (argc > 2 && (f.log = fopen(argv[2], "a")) == NULL) {
		perror(argv[2]);
		return 1;
	}
	lfd = msg_listen(argv[1], 0660);
	if (lfd == -1) {
		perror(argv[1]);
		return 1;
	}
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd == -1)
			continue;
		fake_session(&f, fd);
		close(fd);
	}
}
