/*
 * conf_load: curly-brace configuration text to set lines (see conf_load.h).
 * The input is untrusted: nesting depth and word sizes are bounded.
 */
#include <stdlib.h>
#include <string.h>

#include "schema/conf_load.h"
#include "schema/edit.h"
#include "schema/lex.h"

#define LOAD_MAX_DEPTH 64

struct curly {
	const char *p, *end;
	size_t line;
	struct sb *out;
	size_t *map;
	size_t nmap;
	struct sb stack[LOAD_MAX_DEPTH];
	/*
	 * Per open block: anything emitted inside it yet, and its own
	 * `inactive:` and comment, written when the block closes (a bare
	 * `set system` is refused, so a block is created by its children
	 * and named alone only when it is empty).
	 */
	bool has_child[LOAD_MAX_DEPTH];
	bool inactive[LOAD_MAX_DEPTH];
	struct sb annot[LOAD_MAX_DEPTH];
	size_t depth;
	struct path_err *err;
	size_t *bad_line;
};

bool
conf_text_is_set(const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		while (p < end &&
		    (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
			p++;
		if (p < end && *p == '#') {
			while (p < end && *p != '\n')
				p++;
			continue;
		}
		break;
	}
	size_t n = 0;
	while (p + n < end && p[n] != ' ' && p[n] != '\t' && p[n] != '\n' &&
	    p[n] != '\r')
		n++;
	char w[16];
	if (n == 0 || n >= sizeof(w))
		return n == 0;
	memcpy(w, p, n);
	w[n] = '\0';
	return edit_is_command(w);
}

static void
curly_map(struct curly *c)
{
	c->map = xrealloc(c->map, (c->nmap + 2) * sizeof(*c->map));
	c->map[++c->nmap] = c->line;
}

static int
curly_fail(struct curly *c, const char *msg)
{
	sb_reset(&c->err->msg);
	sb_puts(&c->err->msg, msg);
	c->err->tok = 0;
	c->err->at_end = false;
	c->err->caret = PATH_CARET_TOKEN;
	*c->bad_line = c->line;
	return -1;
}

/* Reads one word (quoted or not) into w; returns false at a delimiter. */
static int
curly_word(struct curly *c, struct sb *w, bool *quoted)
{
	*quoted = false;
	if (*c->p == '"') {
		*quoted = true;
		c->p++;
		while (c->p < c->end && *c->p != '"') {
			if (*c->p == '\\' && c->p + 1 < c->end)
				c->p++;
			if (*c->p == '\n')
				c->line++;
			sb_putc(w, *c->p++);
		}
		if (c->p >= c->end)
			return curly_fail(c, "unbalanced quotes");
		c->p++;
		return 0;
	}
	/* (strchr finds the terminator too: a NUL byte is no delimiter) */
	while (c->p < c->end && *c->p != '\0' &&
	    strchr(" \t\r\n;{}\"", *c->p) == NULL && !(c->p[0] == '#') &&
	    !(c->p[0] == '/' && c->p + 1 < c->end && c->p[1] == '*'))
		sb_putc(w, *c->p++);
	/* nothing read: a byte no statement may hold, or the loop stalls */
	if (w->len == 0)
		return curly_fail(c, "syntax error.");
	if (w->len > LEX_MAX_WORD)
		return curly_fail(c, "word too long");
	return 0;
}

static void
curly_emit(struct curly *c, const char *cmd, struct sb *stmt)
{
	sb_puts(c->out, cmd);
	for (size_t i = 0; i < c->depth; i++) {
		sb_putc(c->out, ' ');
		sb_add(c->out, c->stack[i].buf ? c->stack[i].buf : "",
		    c->stack[i].len);
	}
	if (stmt && stmt->len > 0) {
		sb_putc(c->out, ' ');
		sb_add(c->out, stmt->buf, stmt->len);
	}
	sb_putc(c->out, '\n');
	curly_map(c);
	for (size_t i = 0; i < c->depth; i++)
		c->has_child[i] = true;
}

/* Closes the innermost block: `set` it if empty, then its meta lines. */
static void
curly_close(struct curly *c)
{
	size_t d = c->depth - 1;
	bool empty = !c->has_child[d];
	bool inactive = c->inactive[d];
	struct sb a = c->annot[d];

	sb_init(&c->annot[d]);
	if (empty)
		curly_emit(c, "set", NULL);
	if (inactive)
		curly_emit(c, "deactivate", NULL);
	if (a.len > 0) {
		struct sb q;
		sb_init(&q);
		lex_quote(&q, sb_str(&a));
		curly_emit(c, "annotate", &q);
		sb_free(&q);
	}
	sb_free(&a);
	c->depth--;
	sb_free(&c->stack[c->depth]);
}

/* The set lines of text[0..len) to out; with take (holding that text, out
 * empty), a text in set form already becomes out as it is. */
static int
conf_text_convert(const char *text, size_t len, bool replace, struct sb *out,
    struct sb *take, size_t **linemap, struct path_err *err, size_t *bad_line)
{
	struct curly c = { 0 };
	struct sb stmt, w, annot;
	bool inactive = false, replacing = false;
	int rc = -1;

	*linemap = NULL;
	/* A NUL byte would end a line early and apply the part before it. */
	const char *nul = memchr(text, '\0', len);
	if (nul != NULL) {
		size_t line = 1;
		for (const char *q = text; q < nul; q++)
			line += *q == '\n';
		sb_reset(&err->msg);
		sb_puts(&err->msg, "invalid character (NUL byte)");
		err->tok = 0;
		err->at_end = false;
		err->caret = PATH_CARET_TOKEN;
		*bad_line = line;
		return -1;
	}
	if (conf_text_is_set(text, len)) {
		/* no line map: each line is its own (a map of a 200,000-line
		 * load is 1.6 MB of fresh memory on the load's path) */
		if (take != NULL && out->len == 0) {
			sb_free(out);
			*out = *take;
			sb_init(take);
		} else {
			sb_add(out, text, len);
		}
		return 0;
	}
	c.p = text;
	c.end = text + len;
	c.line = 1;
	c.out = out;
	c.err = err;
	c.bad_line = bad_line;
	sb_init(&stmt);
	sb_init(&w);
	sb_init(&annot);
	if (len >= 3 && memcmp(c.p, "\xef\xbb\xbf", 3) == 0)
		c.p += 3;
	while (c.p < c.end) {
		char ch = *c.p;
		if (ch == '\n') {
			c.line++;
			c.p++;
		} else if (ch == ' ' || ch == '\t' || ch == '\r') {
			c.p++;
		} else if (ch == '#') {
			while (c.p < c.end && *c.p != '\n')
				c.p++;
		} else if (ch == '/' && c.p + 1 < c.end && c.p[1] == '*') {
			const char *e = c.p + 2;
			while (e + 1 < c.end && !(e[0] == '*' && e[1] == '/'))
				e++;
			if (e + 1 >= c.end) {
				curly_fail(&c, "unterminated comment");
				goto done;
			}
			sb_reset(&annot);
			const char *s = c.p + 2;
			while (s < e && *s == ' ')
				s++;
			const char *t = e;
			while (t > s && t[-1] == ' ')
				t--;
			sb_add(&annot, s, (size_t)(t - s));
			for (const char *q = c.p; q < e; q++)
				c.line += *q == '\n';
			c.p = e + 2;
		} else if (ch == ';' || ch == '{') {
			if (stmt.len == 0) {
				curly_fail(&c, "syntax error.");
				goto done;
			}
			c.p++;
			if (ch == ';') {
				if (replacing && strchr(sb_str(&stmt), '[')) {
					/* a leaf-list: its old values go */
					struct sb name;
					sb_init(&name);
					sb_add(&name, stmt.buf,
					    strcspn(sb_str(&stmt), " "));
					curly_emit(&c, "delete", &name);
					sb_free(&name);
				}
				curly_emit(&c, "set", &stmt);
			} else {
				if (c.depth >= LOAD_MAX_DEPTH) {
					curly_fail(&c, "nesting too deep");
					goto done;
				}
				sb_init(&c.stack[c.depth]);
				sb_add(&c.stack[c.depth], stmt.buf, stmt.len);
				c.has_child[c.depth] = false;
				c.inactive[c.depth] = inactive;
				sb_init(&c.annot[c.depth]);
				if (annot.len > 0)
					sb_add(&c.annot[c.depth], annot.buf,
					    annot.len);
				c.depth++;
				inactive = false;
				sb_reset(&annot);
				if (replacing) {
					/* The block's old contents go first;
					 * a delete creates nothing. */
					curly_emit(&c, "delete", NULL);
					c.has_child[c.depth - 1] = false;
				}
			}
			if (inactive)
				curly_emit(&c, "deactivate", &stmt);
			if (annot.len > 0) {
				struct sb a;
				sb_init(&a);
				if (ch == ';')
					sb_add(&a, stmt.buf, stmt.len),
					    sb_putc(&a, ' ');
				lex_quote(&a, sb_str(&annot));
				curly_emit(&c, "annotate", &a);
				sb_free(&a);
				sb_reset(&annot);
			}
			inactive = false;
			replacing = false;
			sb_reset(&stmt);
		} else if (ch == '}') {
			if (c.depth == 0 || stmt.len > 0) {
				curly_fail(&c, "syntax error.");
				goto done;
			}
			curly_close(&c);
			c.p++;
		} else {
			bool quoted;
			sb_reset(&w);
			if (curly_word(&c, &w, &quoted) == -1)
				goto done;
			if (!quoted && stmt.len == 0 &&
			    strcmp(sb_str(&w), "inactive:") == 0) {
				inactive = true;
				continue;
			}
			if (!quoted && stmt.len == 0 &&
			    strcmp(sb_str(&w), "replace:") == 0) {
				replacing = replace;
				continue;
			}
			if (stmt.len > 0)
				sb_putc(&stmt, ' ');
			if (quoted) {
				sb_putc(&stmt, '"');
				for (const char *q = sb_str(&w); *q; q++) {
					if (*q == '"' || *q == '\\')
						sb_putc(&stmt, '\\');
					sb_putc(&stmt, *q);
				}
				sb_putc(&stmt, '"');
			} else {
				sb_puts(&stmt, sb_str(&w));
			}
		}
	}
	if (c.depth > 0 || stmt.len > 0) {
		curly_fail(&c, "unexpected end of file (missing '}' or ';')");
		goto done;
	}
	rc = 0;
done:
	for (size_t i = 0; i < c.depth; i++) {
		sb_free(&c.stack[i]);
		sb_free(&c.annot[i]);
	}
	sb_free(&stmt);
	sb_free(&w);
	sb_free(&annot);
	if (rc == 0)
		*linemap = c.map;
	else
		free(c.map);
	return rc;
}

int
conf_text_to_set(const char *text, size_t len, bool replace, struct sb *out,
    size_t **linemap, struct path_err *err, size_t *bad_line)
{
	return conf_text_convert(
	    text, len, replace, out, NULL, linemap, err, bad_line);
}

int
conf_text_take_set(struct sb *text, bool replace, struct sb *out,
    size_t **linemap, struct path_err *err, size_t *bad_line)
{
	int rc = conf_text_convert(sb_str(text), text->len, replace, out, text,
	    linemap, err, bad_line);

	/* (taken when it was in set form: then empty) */
	sb_free_secure(text);
	return rc;
}
