/*
 * edit: the interactive shell on libedit (emacs keys).
 *
 * mgd answers every question about the syntax, so the key bindings here are
 * plumbing: TAB sends "complete" and inserts the common part or lists the
 * candidates; `?` sends "help", prints the block and re-prints the banner and
 * prompt with the typed text (Junos's `?` help: no blank line before the
 * banner); space completes a unique keyword; ^C throws the line away (ISIG
 * is off while editing, so ^C is a key; elsewhere SIGINT is ignored so ^C
 * at a question only discards the typed answer and never kills the shell);
 * ^D on an empty line is `exit`, and mgd decides what exit means.  History
 * lives in <state-dir>/history/<user>, mode 0600.
 */
#include <errno.h>
#include <fcntl.h>
#include <histedit.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "cli/cli.h"
#include "cli/input.h"
#include "lib/msg.h"
#include "proto/proto_cli.h"

#define EDIT_HISTORY_SIZE 1000
#define EDIT_MAX_EOF 3 /* ^D that mgd does not end: give up after */

struct edit {
	struct cli *cli;
	EditLine *el;
	History *hist;
	char *hist_path;
	char *prompt;
};

static struct edit *
edit_get(EditLine *el)
{
	void *p = NULL;

	el_get(el, EL_CLIENTDATA, &p);
	return p;
}

static char *
edit_prompt(EditLine *el)
{
	return edit_get(el)->prompt;
}

/* The text before the cursor; new string. */
static char *
edit_before_cursor(EditLine *el)
{
	const LineInfo *li = el_line(el);

	return xstrndup(li->buffer, (size_t)(li->cursor - li->buffer));
}

/* Whether s ends inside a quoted string. */
static bool
edit_in_quotes(const char *s)
{
	char q = 0;

	for (; *s != '\0'; s++) {
		if (q == '"' && *s == '\\' && s[1] != '\0')
			s++;
		else if (q != 0 && *s == q)
			q = 0;
		else if (q == 0 && (*s == '"' || *s == '\''))
			q = *s;
	}
	return q != 0;
}

/* The word being typed at the end of s (after the last blank). */
static const char *
edit_last_word(const char *s)
{
	const char *w = strrchr(s, ' ');
	const char *t = strrchr(s, '\t');

	if (t != NULL && (w == NULL || t > w))
		w = t;
	return w ? w + 1 : s;
}

static const char *
edit_str(const char *s)
{
	return s ? s : "";
}

static bool
edit_streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static unsigned char
edit_fn_interrupt(EditLine *el, int ch)
{
	edit_get(el)->cli->interrupted = true;
	return CC_NEWLINE;
}

static unsigned char
edit_fn_help(EditLine *el, int ch)
{
	struct edit *ed = edit_get(el);
	const LineInfo *li = el_line(el);
	char *text = edit_before_cursor(el);
	json_t *reply;
	unsigned char rc = CC_REDISPLAY;

	if (edit_in_quotes(text)) {
		el_insertstr(el, "?");
		rc = CC_REFRESH;
		goto done;
	}
	fputs(li->cursor == li->lastchar ? "?\n" : "\n", stdout);
	reply = session_request(ed->cli, CLI_OP_HELP, "line", text);
	if (reply == NULL) {
		rc = CC_EOF;
		goto done;
	}
	{
		char *shown = session_prompt_str(ed->cli);
		session_prompt_set(ed->cli, json_object_get(reply, "prompt"));
		session_print_error(ed->cli, text, shown, reply, stdout);
		free(shown);
	}
	if (msg_str(reply, "output") != NULL)
		fputs(msg_str(reply, "output"), stdout);
	json_decref(reply);
	session_before_prompt(ed->cli, false, stdout);
	fflush(stdout);
done:
	free(text);
	return rc;
}

/* Inserts what completes word to common; whether anything was inserted. */
static bool
edit_insert_rest(EditLine *el, const char *word, const char *common)
{
	size_t wl = strlen(word);

	if (common == NULL || common[0] == '<' || strlen(common) <= wl ||
	    strncmp(common, word, wl) != 0)
		return false;
	el_insertstr(el, common + wl);
	return true;
}

static unsigned char
edit_fn_complete(EditLine *el, int ch)
{
	struct edit *ed = edit_get(el);
	char *text = edit_before_cursor(el);
	const char *word = edit_last_word(text);
	json_t *reply, *matches;
	size_t i, n;
	unsigned char rc = CC_REFRESH;

	reply = session_request(ed->cli, CLI_OP_COMPLETE, "line", text);
	if (reply == NULL) {
		free(text);
		return CC_EOF;
	}
	matches = json_object_get(reply, "matches");
	n = json_array_size(matches);
	if (edit_insert_rest(el, word, msg_str(reply, "common"))) {
		if (n == 1)
			el_insertstr(el, " ");
	} else if (n == 1 &&
	    edit_streq(word, json_string_value(json_array_get(matches, 0)))) {
		el_insertstr(el, " ");
	} else if (n > 1 || msg_str(reply, "output") != NULL) {
		fputs("\n", stdout);
		if (msg_str(reply, "output") != NULL)
			fputs(msg_str(reply, "output"), stdout);
		else {
			fputs("Possible completions:\n", stdout);
			for (i = 0; i < n; i++)
				printf("  %s\n",
				    edit_str(json_string_value(
					json_array_get(matches, i))));
		}
		session_before_prompt(ed->cli, false, stdout);
		fflush(stdout);
		rc = CC_REDISPLAY;
	} else {
		rc = CC_REFRESH_BEEP;
	}
	json_decref(reply);
	free(text);
	return rc;
}

/*
 * Space after a partial keyword: complete it when mgd knows exactly one
 * keyword for it ("space": true asks mgd for keywords only, no values).
 */
static unsigned char
edit_fn_space(EditLine *el, int ch)
{
	struct edit *ed = edit_get(el);
	const LineInfo *li = el_line(el);
	char *text = edit_before_cursor(el);
	const char *word = edit_last_word(text);
	json_t *req, *reply, *matches;
	const char *m;

	if (li->cursor != li->lastchar || word[0] == '\0' ||
	    edit_in_quotes(text) || strchr(word, '"') != NULL)
		goto done;
	req = json_pack(
	    "{s:s, s:s, s:b}", "op", CLI_OP_COMPLETE, "line", text, "space", 1);
	if (req == NULL)
		goto done;
	reply = session_call(ed->cli, req);
	json_decref(req);
	if (reply == NULL) {
		free(text);
		return CC_EOF;
	}
	matches = json_object_get(reply, "matches");
	m = json_string_value(json_array_get(matches, 0));
	if (json_array_size(matches) == 1 && m != NULL)
		edit_insert_rest(el, word, m);
	json_decref(reply);
done:
	free(text);
	el_insertstr(el, " ");
	return CC_REFRESH;
}

/*
 * mgd sent something while the line is being typed: a broadcast is printed
 * below the prompt, then the banner and the prompt with the typed text
 * again, as a Junos terminal shows "Broadcast Message from ..." at its idle
 * prompt.
 */
static void
edit_mgd_readable(struct edit *ed)
{
	struct cli *cli = ed->cli;

	if (session_poll(cli) != 1)
		return;
	session_before_prompt(cli, true, stdout);
	free(ed->prompt);
	ed->prompt = session_prompt_str(cli);
	fflush(stdout);
	el_set(ed->el, EL_REFRESH);
}

/*
 * libedit's read function (EL_GETCFN): one character from the terminal,
 * waiting on mgd's socket at the same time so that a broadcast shows when
 * it happens, without a key pressed.  1 with *wc set, 0 at the end of input,
 * -1 on error (libedit's convention).
 */
static int
edit_getc(EditLine *el, wchar_t *wc)
{
	struct edit *ed = edit_get(el);
	struct cli *cli = ed->cli;
	mbstate_t st;
	bool partial = false;
	char c;

	memset(&st, 0, sizeof(st));
	for (;;) {
		struct pollfd pfd[2] = { { STDIN_FILENO, POLLIN, 0 },
			{ cli->fd, POLLIN, 0 } };
		/* not in the middle of a multibyte character */
		nfds_t n = cli->lost || partial ? 1 : 2;
		ssize_t r;
		size_t k;

		if (poll(pfd, n, -1) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 2 && pfd[1].revents != 0) {
			edit_mgd_readable(ed);
			if (cli->lost)
				return 0;
			continue;
		}
		if (pfd[0].revents == 0)
			continue;
		r = read(STDIN_FILENO, &c, 1);
		if (r == 0)
			return 0;
		if (r == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		k = mbrtowc(wc, &c, 1, &st);
		if (k == (size_t)-2) {
			partial = true;
			continue;
		}
		if (k == (size_t)-1) /* not in the locale: the byte itself */
			*wc = (wchar_t)(unsigned char)c;
		return 1;
	}
}

static void
edit_history_open(struct edit *ed)
{
	struct cli *cli = ed->cli;
	HistEvent ev;
	char *dir, *user, *p;

	ed->hist = history_init();
	if (ed->hist == NULL)
		return;
	history(ed->hist, &ev, H_SETSIZE, EDIT_HISTORY_SIZE);
	history(ed->hist, &ev, H_SETUNIQUE, 1);
	el_set(ed->el, EL_HIST, history, ed->hist);
	user = xstrdup(cli->prompt.user ? cli->prompt.user : "unknown");
	for (p = user; *p != '\0'; p++)
		if (*p == '/' || (p == user && *p == '.'))
			*p = '_';
	if (asprintf(&dir, "%s/history", cli->state_dir) == -1 ||
	    asprintf(&ed->hist_path, "%s/%s", dir, user) == -1)
		abort();
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		free(ed->hist_path);
		ed->hist_path = NULL; /* no history file, still a shell */
	} else {
		history(ed->hist, &ev, H_LOAD, ed->hist_path);
	}
	free(dir);
	free(user);
}

static void
edit_history_add(struct edit *ed, const char *line)
{
	HistEvent ev;
	int fd;

	if (ed->hist == NULL)
		return;
	history(ed->hist, &ev, H_ENTER, line);
	if (ed->hist_path == NULL)
		return;
	/* Create it 0600 before libedit opens it with the umask. */
	fd = open(ed->hist_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1)
		return;
	fchmod(fd, 0600);
	close(fd);
	history(ed->hist, &ev, H_SAVE, ed->hist_path);
}

struct edit *
edit_new(struct cli *cli)
{
	struct edit *ed = xcalloc(1, sizeof(*ed));

	ed->cli = cli;
	ed->el = el_init("cli", stdin, stdout, stderr);
	if (ed->el == NULL) {
		fprintf(stderr, "error: cannot start the line editor\n");
		free(ed);
		return NULL;
	}
	el_set(ed->el, EL_CLIENTDATA, ed);
	el_set(ed->el, EL_EDITOR, "emacs");
	el_set(ed->el, EL_SIGNAL, 1);
	el_set(ed->el, EL_PROMPT, edit_prompt);
	el_set(ed->el, EL_GETCFN, edit_getc);
	el_set(ed->el, EL_SETTY, "-d", "-isig", NULL);
	/* Wide names: el_set(EL_ADDFN) converts narrow ones to copies that
	 * libedit never frees. */
	el_wset(ed->el, EL_ADDFN, L"qsafe-interrupt", L"Discard the line",
	    edit_fn_interrupt);
	el_wset(ed->el, EL_ADDFN, L"qsafe-help", L"Possible completions",
	    edit_fn_help);
	el_wset(ed->el, EL_ADDFN, L"qsafe-complete", L"Complete the word",
	    edit_fn_complete);
	el_wset(ed->el, EL_ADDFN, L"qsafe-space", L"Complete a keyword",
	    edit_fn_space);
	el_set(ed->el, EL_BIND, "^C", "qsafe-interrupt", NULL);
	el_set(ed->el, EL_BIND, "?", "qsafe-help", NULL);
	el_set(ed->el, EL_BIND, "^I", "qsafe-complete", NULL);
	el_set(ed->el, EL_BIND, " ", "qsafe-space", NULL);
	edit_history_open(ed);
	signal(SIGINT, SIG_IGN);
	return ed;
}

void
edit_free(struct edit *ed)
{
	if (ed == NULL)
		return;
	if (ed->el != NULL)
		el_end(ed->el);
	if (ed->hist != NULL)
		history_end(ed->hist);
	free(ed->hist_path);
	free(ed->prompt);
	free(ed);
}

static volatile sig_atomic_t edit_sigint;

static void
edit_on_sigint(int sig)
{
	edit_sigint = 1;
}

char *
edit_read_raw(struct cli *cli, bool interruptible, const char *again)
{
	struct sigaction sa, old;
	struct sb sb;
	char c;
	ssize_t r;

	fflush(stdout);
	sb_init(&sb);
	edit_sigint = 0;
	if (interruptible) {
		/* No SA_RESTART: ^C makes the read return EINTR. */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = edit_on_sigint;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, &old);
	}
	for (;;) {
		struct pollfd pfd[2] = { { STDIN_FILENO, POLLIN, 0 },
			{ cli->fd, POLLIN, 0 } };
		nfds_t n = cli->lost ? 1 : 2;

		/* the line is the terminal's until Enter (canonical mode): a
		 * broadcast meanwhile is printed, then `again` (the question)
		 */
		if (poll(pfd, n, -1) == -1) {
			if (errno == EINTR && !edit_sigint)
				continue;
			r = -1;
			break;
		}
		if (n == 2 && pfd[1].revents != 0) {
			if (session_poll(cli) == 1 && again != NULL) {
				fputs(again, stdout);
				fflush(stdout);
			}
			continue;
		}
		r = read(STDIN_FILENO, &c, 1);
		if (r == -1 && errno == EINTR && !edit_sigint)
			continue;
		if (r != 1 || c == '\n')
			break;
		sb_putc(&sb, c);
	}
	if (interruptible)
		sigaction(SIGINT, &old, NULL);
	if (edit_sigint) {
		cli->interrupted = true;
		sb_free_secure(&sb);
		return NULL;
	}
	if (r == 1 || sb.len > 0)
		return sb_steal(&sb);
	sb_free(&sb);
	return NULL;
}

int
edit_run(struct cli *cli)
{
	struct edit *ed = cli->ed;
	bool blank = false, was_config;
	int count, eofs = 0;
	const char *got;
	char *line, *typed, *hidden;

	for (;;) {
		session_before_prompt(cli, blank, stdout);
		fflush(stdout);
		free(ed->prompt);
		ed->prompt = session_prompt_str(cli);
		cli->interrupted = false;
		got = el_gets(ed->el, &count);
		if (cli->lost)
			break;
		if (cli->interrupted) {
			fputc('\n', stdout);
			blank = false;
			continue;
		}
		if (got == NULL) {
			/* ^D on an empty line: the same as typing exit. */
			fputc('\n', stdout);
			if (++eofs > EDIT_MAX_EOF)
				break;
			got = "exit";
		} else {
			eofs = 0;
		}
		line = input_trim(got, strlen(got));
		if (line[0] == '\0') {
			blank = cli->prompt.is_config;
			free(line);
			continue;
		}
		typed = input_trim_typed(got, strlen(got));
		was_config = cli->prompt.is_config;
		session_exec(cli, typed, &hidden);
		/* A line with a typed secret is recorded as mgd stored it,
		 * and the typed copies are wiped. */
		if (eofs == 0)
			edit_history_add(ed, hidden != NULL ? hidden : line);
		if (hidden != NULL) {
			explicit_bzero(typed, strlen(typed));
			explicit_bzero(line, strlen(line));
		}
		free(typed);
		free(hidden);
		free(line);
		blank = was_config || cli->prompt.is_config;
		if (cli->exiting || cli->lost)
			break;
	}
	fflush(stdout);
	return cli->lost ? -1 : 0;
}
