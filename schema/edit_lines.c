/*
 * edit_lines: a text of lines applied with what the line before found kept
 * (edit.h: edit_apply_delta, the daemons' parse of the change mgd sends
 * them; edit_apply_hiding, mgd's parse of a `load`).
 *
 * Both texts come in `display set` order: the lines of one statement follow
 * each other and share their first words (`set security ike gateway G1
 * address ...`, `set security ike gateway G1 ike-policy ...`).  A line parsed
 * from the top looks every one of those words up again — a keyword by name
 * in the schema, a value by its type, a list entry by its key in the tree's
 * table — and copies every key.  Here the containers and list entries the
 * line before went through are kept with the index of the word after each
 * and the bytes up to it, and a `set` line that starts with the same bytes
 * goes on from the deepest of them: only the words after it are lexed and
 * parsed, and only their nodes looked up or made.  A line refused that way
 * is parsed again from the top, so its error is the one it always was.
 * The rest of the line is parsed as edit.c parses it (path_parse_how: a
 * load's values checked and its typed secrets put in $9$ form, a change's
 * taken as mgd wrote them), and any other command is applied by edit.c,
 * after which nothing is kept (a `delete` may remove the nodes).
 */
#include <stdint.h>
#include <string.h>

#include "lib/junos9.h"
#include "schema/edit_int.h"

/* Containers and list entries kept from one line to the next. */
#define EDIT_LINES_DEPTH 32

/* A container or list entry of the line before, still in the tree. */
struct edit_lines_step {
	const struct snode *sn;
	struct cnode *n;
	size_t end; /* index of the word after the step's words */
	/*
	 * The bytes of the line before up to and with the blank after the
	 * step's words: a line that starts with the same bytes (its own
	 * blank there) starts with the same words, lexed or not.  0: the
	 * words end in something else than a blank (not kept).
	 */
	size_t bytes;
};

struct edit_lines {
	struct conf *c;
	const struct cpath *level; /* the edit level of every line, or NULL */
	const struct path_how *how;
	struct path_err *err;
	struct sb *warn;
	struct toks tk;	  /* this line's words, from the first not shared */
	size_t skip;	  /* the bytes of this line not lexed (shared) */
	struct toks pre;  /* the shared words, lexed to quote a line again */
	const char *prev; /* the line before (in the text), when steps kept */
	size_t prevlen;
	struct edit_lines_step st[EDIT_LINES_DEPTH];
	size_t nst; /* st[0..nst): ancestors of one another, ends rising */
};

static void
edit_lines_err(struct path_err *err, size_t tok, const char *msg, bool at_end)
{
	sb_reset(&err->msg);
	sb_puts(&err->msg, msg);
	err->tok = tok;
	err->at_end = at_end;
	err->caret = PATH_CARET_TOKEN;
}

static bool
edit_lines_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * How many of the kept steps line starts with as well: their bytes, the
 * blank after them included, are the line before's.  Lexing is left to
 * right, so the same bytes up to a blank outside quotes (where the line
 * before's next word began, or where it ended) are the same words.  A
 * step that ends the line is parsed again: `set` wants more words after
 * a container, and that check is the parse's.
 */
static size_t
edit_lines_shared(const struct edit_lines *d, const char *line, size_t len)
{
	size_t same = 0, k = 0, lim;

	if (d->nst == 0 || d->prev == NULL)
		return 0;
	lim = len < d->prevlen ? len : d->prevlen;
	while (same < lim && line[same] == d->prev[same])
		same++;
	while (k < d->nst && d->st[k].bytes > 0 && d->st[k].bytes - 1 <= same &&
	    d->st[k].bytes < len && edit_lines_blank(line[d->st[k].bytes - 1]))
		k++;
	return k;
}

/*
 * Makes the nodes of p below the kept step k (the root if none), keeping
 * each container and list entry made or found for the next line.  The
 * words tk are the line's from word base on, byte skip on.
 */
static void
edit_lines_create(struct edit_lines *d, size_t k, const struct cpath *p,
    const char *line, size_t len, size_t base, size_t skip)
{
	struct cnode *n = k > 0 ? d->st[k - 1].n : conf_root(d->c), *last = n;

	d->nst = k;
	for (size_t i = 0; i < p->n; i++) {
		const struct cstep *st = &p->step[i];
		bool up = false;
		size_t bytes;
		/* A leaf's sibling (ppk-profile P optional) follows it. */
		while (st->sn->parent != n->sn && n->parent != NULL) {
			n = n->parent;
			up = true;
		}
		while (up && d->nst > 0 && d->st[d->nst - 1].n != n)
			d->nst--;
		last = conf_add(d->c, n, st->sn, st->val, NULL);
		if (st->sn->kind != SN_CONTAINER && st->sn->kind != SN_LIST)
			continue;
		n = last;
		/* an edit level's steps (no words of the line) are not kept */
		if (st->end == SIZE_MAX || d->nst >= EDIT_LINES_DEPTH ||
		    (st->sn->kind != SN_CONTAINER && st->val == NULL))
			continue;
		/* the blank before the next word, or one past the line */
		bytes =
		    st->end < d->tk.n ? skip + d->tk.t[st->end].off : len + 1;
		if (bytes == 0 ||
		    (bytes <= len && !edit_lines_blank(line[bytes - 1])))
			bytes = 0;
		d->st[d->nst++] = (struct edit_lines_step){ st->sn, n,
			base + st->end, bytes };
	}
	for (size_t i = 0; i < p->nmore; i++)
		conf_add(d->c, last->parent, last->sn, p->more[i], NULL);
}

/*
 * The line parsed from the kept step k on (0: from the top), the words
 * before it not lexed again; with nhidden, the words of d->tk that the
 * line gives a secret leaf become its $9$ form and *nhidden counts them.
 * 0, or -1 with d->err filled (the tree untouched when k > 0).
 */
static int
edit_lines_parse(struct edit_lines *d, const char *line, size_t len, size_t k,
    size_t *nhidden)
{
	struct toks *tk = &d->tk;
	const struct snode *last, *ctx = NULL;
	size_t skip = 0, base = 0, off, pos = 0, floor = 0;
	struct cpath p;
	int rc = -1;

	if (k > 0) {
		skip = d->st[k - 1].bytes;
		base = d->st[k - 1].end;
		ctx = d->st[k - 1].sn;
	}
	d->skip = skip;
	if (lex_line_pooled(line + skip, len - skip, tk, &d->err->msg, &off) ==
	    -1) {
		d->err->tok = 0;
		d->err->at_end = false;
		d->err->caret = PATH_CARET_TOKEN;
		return -1;
	}
	if (k > 0 && (tk->n == 0 || base + tk->n > LEX_MAX_WORDS)) {
		edit_lines_err(d->err, 0, "syntax error.", true);
		return -1; /* the whole line's parse says what is wrong */
	}
	if (tk->n == 0)
		return 0;
	if (k == 0 && (tk->t[0].quoted || strcmp(tk->t[0].s, "set") != 0)) {
		d->nst = 0;
		d->prev = NULL;
		return edit_apply_tk(
		    d->c, d->level, tk, d->err, d->warn, nhidden, d->how);
	}
	cpath_init(&p);
	if (k == 0) {
		/* from the edit level: its steps first (edit.c's parse) */
		if (edit_parse(d->c, d->level, tk, 1, tk->n, PATH_SET, d->how,
			&p, d->err) == -1)
			goto done;
		floor = d->level != NULL ? d->level->n : 0;
	} else {
		if (path_parse_how(conf_schema(d->c), ctx, tk, &pos, PATH_SET,
			d->how, &p, d->err) == -1)
			goto done;
		if (pos < tk->n) {
			edit_lines_err(d->err, pos, "syntax error.", false);
			goto done;
		}
	}
	/* Junos: `set system` (a container that means nothing empty) and a
	 * bare `set` want more words. */
	last = p.n > floor ? p.step[p.n - 1].sn : NULL;
	if (last == NULL ||
	    (last->kind == SN_CONTAINER && !(last->flags & SNF_PRESENCE))) {
		edit_lines_err(d->err, tk->n, "missing argument.", true);
		goto done;
	}
	edit_lines_create(d, k, &p, line, len, base, skip);
	if (nhidden != NULL)
		*nhidden += edit_hide_path(&p, tk);
	d->prev = line;
	d->prevlen = len;
	rc = 0;
done:
	cpath_free(&p);
	return rc;
}

/* One command line (no line end, no leading blank): see edit_lines_parse. */
static int
edit_lines_line(
    struct edit_lines *d, const char *line, size_t len, size_t *nhidden)
{
	size_t k = len <= LEX_MAX_LINE ? edit_lines_shared(d, line, len) : 0;

	/* A line refused from a kept step is parsed whole for its error
	 * (the lexer appends its message: the first one goes). */
	if (edit_lines_parse(d, line, len, k, nhidden) == 0)
		return 0;
	if (k > 0) {
		sb_reset(&d->err->msg);
		if (edit_lines_parse(d, line, len, 0, nhidden) == 0)
			return 0;
	}
	d->nst = 0;
	d->prev = NULL;
	return -1;
}

static int
edit_lines_delta_cb(void *arg, const char *line, size_t len)
{
	return edit_lines_line(arg, line, len, NULL);
}

int
edit_apply_delta(struct conf *c, const char *text, size_t len,
    struct path_err *err, size_t *bad_line)
{
	static const struct path_how mgds = { true, NULL };
	struct edit_lines d = { .c = c, .how = &mgds, .err = err };
	int rc;

	edit_reserve(c, text, len);
	rc = edit_each_line(text, len, bad_line, edit_lines_delta_cb, &d);
	toks_free(&d.tk);
	return rc;
}

/*
 * Writes the words of the line just applied, quoted, one blank between
 * them (a line whose secrets d->tk holds in $9$ form).  The shared words
 * are lexed again from their bytes: a secret is never among them (kept
 * steps are containers and list entries).
 */
static void
edit_lines_quote(struct edit_lines *d, const char *line, struct sb *out)
{
	size_t off, n = 0;

	if (d->skip > 0 &&
	    lex_line_pooled(line, d->skip, &d->pre, &d->err->msg, &off) == 0)
		for (size_t i = 0; i < d->pre.n; i++, n++) {
			if (n > 0)
				sb_putc(out, ' ');
			lex_quote(out, d->pre.t[i].s);
		}
	for (size_t i = 0; i < d->tk.n; i++, n++) {
		if (n > 0)
			sb_putc(out, ' ');
		lex_quote(out, d->tk.t[i].s);
	}
}

/*
 * One pass over a `load` text: applies each line in place (as
 * edit_apply_trusted) and writes to hidden the text as
 * edit_hide_secrets_text would (its typed secrets in $9$ form, line numbers
 * kept), parsing each line once instead of twice.  hidden is written from
 * the first line that changes on, the lines before copied then: a load
 * without a typed secret (most, and the largest) is its own hidden form,
 * and a second copy of it would be megabytes of fresh memory on the load's
 * path (docs/benchmarks.md, thirtieth round).
 */
int
edit_apply_hiding(struct conf *c, const struct cpath *level, const char *text,
    size_t len, struct sb *hidden, struct path_err *err, size_t *bad_line,
    struct sb *warn)
{
	const char *p = text, *end = text + len;
	struct junos9_salts salts;
	struct path_how how = { false, &salts };
	struct edit_lines d = {
		.c = c, .level = level, .how = &how, .err = err, .warn = warn
	};
	bool changed;
	int rc = 0;

	*bad_line = 0;
	junos9_salts_init(&salts);
	edit_reserve(c, text, len);
	/* A UTF-8 byte-order mark at the start is not part of the text. */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	changed = p != text;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t ll = l > 0 && p[l - 1] == '\r' ? l - 1 : l, ws = 0,
		       k = 0;

		(*bad_line)++;
		while (ws < ll && (p[ws] == ' ' || p[ws] == '\t'))
			ws++;
		if (ws < ll && p[ws] != '#') {
			if (edit_lines_line(&d, p + ws, ll - ws, &k) == -1) {
				rc = -1;
				break;
			}
			if (k > 0 && !changed) {
				/* the same size, unless a $9$ form is longer */
				sb_reserve(hidden, len + len / 8);
				sb_add(hidden, text, (size_t)(p - text));
				changed = true;
			}
			if (k > 0)
				edit_lines_quote(&d, p + ws, hidden);
		}
		if (changed && k == 0)
			sb_add(hidden, p, l);
		if (changed && nl != NULL)
			sb_putc(hidden, '\n');
		p = nl ? nl + 1 : end;
	}
	toks_free(&d.tk);
	toks_free(&d.pre);
	junos9_salts_wipe(&salts);
	return rc == -1 ? -1 : changed;
}
