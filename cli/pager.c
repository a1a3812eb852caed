/*
 * pager: ---(more)--- paging of interactive output (see pager.h).
 *
 * The whole reply is in memory, so the more-prompt always knows how far it
 * is and shows ---(more N%)---.  Keys are read one at a time with the
 * terminal in non-canonical mode, the search string after `/` too: the
 * pager echoes it itself (keys typed ahead of the `/` were read without
 * echo, so canonical mode would not show them) and handles backspace and
 * ^C.  Not a terminal (tests): the keys are read from in_fd as they come.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cli/pager.h"
#include "lib/sb.h"

#define PAGER_SEARCH_MAX 256

struct pager {
	const char **lines; /* start of each line */
	size_t *lens;	    /* its length, "\n" included */
	size_t n;
	size_t shown; /* lines printed so far */
	int page;     /* screen rows per page */
	int width;    /* terminal columns, 0: unknown (no wrapping) */
	int in_fd;
	FILE *out;
	bool is_tty;
	bool hold; /* `| hold`: stays at the prompt at the end */
	struct termios saved;
	struct pager_side side; /* fd -1: none */
	char more[64];		/* the more-prompt on the screen */
};

int
pager_term_rows(int fd)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == -1 || ws.ws_row == 0)
		return 0;
	return ws.ws_row;
}

int
pager_term_cols(int fd)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == -1)
		return 0;
	return ws.ws_col;
}

static void
pager_split(struct pager *pg, const char *text)
{
	size_t cap = 0;

	while (*text != '\0') {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) + 1 : strlen(text);

		if (pg->n == cap) {
			cap = cap ? cap * 2 : 128;
			pg->lines =
			    xrealloc(pg->lines, cap * sizeof(*pg->lines));
			pg->lens = xrealloc(pg->lens, cap * sizeof(*pg->lens));
		}
		pg->lines[pg->n] = text;
		pg->lens[pg->n++] = len;
		text += len;
	}
}

/* The screen rows line i takes: a line wider than the terminal wraps. */
static size_t
pager_line_rows(const struct pager *pg, size_t i)
{
	size_t j, cols = 0, w = (size_t)pg->width;

	if (pg->width <= 0)
		return 1;
	for (j = 0; j < pg->lens[i] && pg->lines[i][j] != '\n'; j++) {
		unsigned char c = (unsigned char)pg->lines[i][j];

		if (c == '\t')
			cols = (cols / 8 + 1) * 8;
		else if ((c & 0xc0) != 0x80) /* a UTF-8 character */
			cols++;
	}
	return cols == 0 ? 1 : (cols + w - 1) / w;
}

/* Prints the lines that fill up to rows screen rows, at least one. */
static void
pager_emit(struct pager *pg, size_t rows)
{
	size_t used = 0, r;

	while (pg->shown < pg->n) {
		r = pager_line_rows(pg, pg->shown);
		if (used > 0 && used + r > rows)
			break;
		fwrite(pg->lines[pg->shown], 1, pg->lens[pg->shown], pg->out);
		if (pg->lines[pg->shown][pg->lens[pg->shown] - 1] != '\n')
			fputc('\n', pg->out);
		pg->shown++;
		used += r;
	}
}

static void
pager_raw(struct pager *pg, bool raw)
{
	struct termios t;

	if (!pg->is_tty)
		return;
	if (!raw) {
		tcsetattr(pg->in_fd, TCSADRAIN, &pg->saved);
		return;
	}
	t = pg->saved;
	/* ^C is a key here (quit), not a signal. */
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(pg->in_fd, TCSADRAIN, &t);
}

static void pager_clear(struct pager *pg);

/*
 * One key; -1 at end of input or on error.  While it waits, the side
 * channel is served: a broadcast shows above the more-prompt, as at the
 * idle prompt (pager.h).
 */
static int
pager_key(struct pager *pg)
{
	unsigned char c;
	ssize_t r;

	pager_raw(pg, true);
	for (;;) {
		struct pollfd pfd[2] = { { pg->in_fd, POLLIN, 0 },
			{ pg->side.fd, POLLIN, 0 } };
		nfds_t n = pg->side.fd >= 0 ? 2 : 1;

		if (poll(pfd, n, -1) == -1) {
			if (errno == EINTR)
				continue;
			r = -1;
			break;
		}
		if (n == 2 && pfd[1].revents != 0) {
			pager_clear(pg);
			fflush(pg->out);
			if (pg->side.ready(pg->side.arg) == -1)
				pg->side.fd = -1;
			fputs(pg->more, pg->out);
			fflush(pg->out);
			continue;
		}
		r = read(pg->in_fd, &c, 1);
		if (r == -1 && errno == EINTR)
			continue;
		break;
	}
	pager_raw(pg, false);
	return r == 1 ? c : -1;
}

static void
pager_clear(struct pager *pg)
{
	fputs("\r\033[K", pg->out);
}

/*
 * Reads the search text after `/`, echoed; backspace takes back a character
 * (all bytes of a UTF-8 one).  -1 when ^C cancels the search.
 */
static int
pager_read_search(struct pager *pg, char *buf, size_t size)
{
	size_t len = 0;
	int c;

	fputs("/", pg->out);
	fflush(pg->out);
	while ((c = pager_key(pg)) != -1 && c != '\n' && c != '\r') {
		if (c == 3) /* ^C */
			return -1;
		if (c == 0x7f || c == '\b') {
			while (len > 0 &&
			    ((unsigned char)buf[len - 1] & 0xc0) == 0x80)
				len--;
			if (len > 0) {
				len--;
				fputs("\b \b", pg->out);
			}
		} else if (c >= 0x20 && len + 1 < size) {
			buf[len++] = (char)c;
			fputc(c, pg->out);
		}
		fflush(pg->out);
	}
	buf[len] = '\0';
	return 0;
}

/* Index of the first line at or after from containing s, or n. */
static size_t
pager_find(const struct pager *pg, size_t from, const char *s)
{
	size_t i, slen = strlen(s);

	for (i = from; i < pg->n; i++)
		if (slen == 0 || memmem(pg->lines[i], pg->lens[i], s, slen))
			return i;
	return pg->n;
}

static int
pager_loop(struct pager *pg)
{
	char search[PAGER_SEARCH_MAX];
	const char *msg = NULL;

	pager_emit(pg, (size_t)pg->page);
	while (pg->shown < pg->n || pg->hold) {
		int key;

		if (msg != NULL)
			snprintf(pg->more, sizeof(pg->more), "---(%s)---", msg);
		else
			snprintf(pg->more, sizeof(pg->more),
			    "---(more %zu%%)---", pg->shown * 100 / pg->n);
		fputs(pg->more, pg->out);
		fflush(pg->out);
		msg = NULL;
		key = pager_key(pg);
		pager_clear(pg);
		switch (key) {
		case -1: return -1;
		case 'q':
		case 'Q':
		case 3: /* ^C */ fflush(pg->out); return 0;
		case '\r':
		case '\n':
			if (pg->shown < pg->n)
				pager_emit(pg, 1);
			break;
		case '/': {
			size_t at;
			int rc;

			rc = pager_read_search(pg, search, sizeof(search));
			pager_clear(pg);
			if (rc == -1)
				break;
			at = pager_find(pg, pg->shown, search);
			if (at == pg->n) {
				msg = "Pattern not found";
				break;
			}
			fputs("...skipping\n", pg->out);
			pg->shown = at;
			pager_emit(pg, (size_t)pg->page - 1);
			break;
		}
		default: /* space and anything else: a page */
			if (pg->shown < pg->n)
				pager_emit(pg, (size_t)pg->page);
			break;
		}
	}
	fflush(pg->out);
	return 0;
}

int
pager_show(const char *text, int rows, int cols, int in_fd, FILE *out)
{
	return pager_show_hold(text, rows, cols, in_fd, out, false, NULL);
}

int
pager_show_hold(const char *text, int rows, int cols, int in_fd, FILE *out,
    bool hold, const struct pager_side *side)
{
	struct pager pg;
	size_t total = 0;
	int rc;

	memset(&pg, 0, sizeof(pg));
	pg.in_fd = in_fd;
	pg.out = out;
	pg.page = rows - 1;
	pg.hold = hold;
	pg.side.fd = -1;
	if (side != NULL)
		pg.side = *side;
	pg.width = cols > 0 ? cols : pager_term_cols(fileno(out));
	pager_split(&pg, text);
	for (size_t i = 0; i < pg.n && total <= (size_t)pg.page; i++)
		total += pager_line_rows(&pg, i);
	if (rows <= 1 || (total <= (size_t)pg.page && !hold)) {
		fputs(text, out);
		fflush(out);
		rc = 0;
		goto done;
	}
	pg.is_tty = isatty(in_fd) && tcgetattr(in_fd, &pg.saved) == 0;
	rc = pager_loop(&pg);
done:
	free(pg.lines);
	free(pg.lens);
	return rc;
}
