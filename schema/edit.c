/*
 * edit: editing commands on a configuration tree (see edit.h).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "schema/edit.h"
#include "schema/edit_int.h"

static const char *const edit_commands[] = {
	"set",
	"delete",
	"deactivate",
	"activate",
	"annotate",
	"insert",
	"rename",
	"copy",
};

bool
edit_is_command(const char *word)
{
	for (size_t i = 0; i < sizeof(edit_commands) / sizeof(*edit_commands);
	     i++)
		if (strcmp(edit_commands[i], word) == 0)
			return true;
	return false;
}

static const struct snode *
edit_level_snode(struct conf *c, const struct cpath *level)
{
	return level ? cpath_snode(conf_schema(c), level)
		     : schema_root(conf_schema(c));
}

/* Creates every step of p; returns the last node. */
static struct cnode *
edit_create(struct conf *c, const struct cpath *p)
{
	struct cnode *n = conf_root(c), *last = n;

	for (size_t i = 0; i < p->n; i++) {
		const struct cstep *st = &p->step[i];
		/* A leaf's sibling (ppk-profile P optional) follows it. */
		while (st->sn->parent != n->sn && n->parent != NULL)
			n = n->parent;
		last = conf_add(c, n, st->sn, st->val, NULL);
		if (st->sn->kind == SN_CONTAINER || st->sn->kind == SN_LIST)
			n = last;
	}
	for (size_t i = 0; i < p->nmore; i++)
		conf_add(c, last->parent, last->sn, p->more[i], NULL);
	return last;
}

/*
 * Finds the nodes p names: one node, or for a list/leaf-list step without a
 * value every entry.  Returns the count (0: not found); out[] gets up to max.
 */
static size_t
edit_find(struct conf *c, const struct cpath *p, struct cnode ***outp)
{
	struct cnode *n = conf_root(c);
	struct cnode **out = NULL;
	size_t cnt = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct cstep *st = &p->step[i];
		while (st->sn->parent != n->sn && n->parent != NULL)
			n = n->parent;
		bool multi =
		    (st->sn->kind == SN_LIST || st->sn->kind == SN_LEAFLIST) &&
		    st->val == NULL;
		if (multi && i == p->n - 1) {
			for (struct cnode *ch = n->first; ch; ch = ch->next) {
				if (ch->sn != st->sn)
					continue;
				out = xrealloc(out, (cnt + 1) * sizeof(*out));
				out[cnt++] = ch;
			}
			*outp = out;
			return cnt;
		}
		struct cnode *next = conf_find(c, n, st->sn, st->val);
		if (next == NULL || multi) {
			*outp = NULL;
			return 0;
		}
		/* `delete ... lifetime-seconds 3600` must name the value set.
		 */
		if (st->sn->kind == SN_LEAF && st->val != NULL &&
		    next->val != NULL && strcmp(next->val, st->val) != 0 &&
		    !(st->sn->flags & SNF_SECRET)) {
			*outp = NULL;
			return 0;
		}
		if (st->sn->kind == SN_CONTAINER || st->sn->kind == SN_LIST ||
		    i == p->n - 1)
			n = next;
	}
	if (p->n == 0) {
		*outp = NULL;
		return 0;
	}
	out = xmalloc(sizeof(*out));
	out[0] = n;
	*outp = out;
	return 1;
}

static void
edit_err(struct path_err *err, size_t tok, const char *msg)
{
	sb_reset(&err->msg);
	sb_puts(&err->msg, msg);
	err->tok = tok;
	err->at_end = false;
	err->caret = PATH_CARET_TOKEN;
}

/* Index of the last unquoted word w in tk after pos, or 0. */
static size_t
edit_find_word(
    const struct toks *tk, size_t pos, const char *w1, const char *w2)
{
	for (size_t i = tk->n; i-- > pos + 1;)
		if (!tk->t[i].quoted &&
		    (strcmp(tk->t[i].s, w1) == 0 ||
			(w2 && strcmp(tk->t[i].s, w2) == 0)))
			return i;
	return 0;
}

int
edit_parse(struct conf *c, const struct cpath *level, const struct toks *tk,
    size_t from, size_t to, enum path_mode mode, const struct path_how *how,
    struct cpath *out, struct path_err *err)
{
	struct toks sub = *tk;
	size_t pos = from;

	sub.n = to;
	cpath_init(out);
	if (level)
		cpath_append(out, level);
	if (path_parse_how(conf_schema(c), edit_level_snode(c, level), &sub,
		&pos, mode, how, out, err) == -1)
		return -1;
	if (pos < to) {
		edit_err(err, pos, "syntax error.");
		return -1;
	}
	return 0;
}

/* The sibling named by words tk[from..to) of the list entry n. */
static int
edit_sibling_key(struct conf *c, const struct cnode *n, const struct toks *tk,
    size_t from, size_t to, char **key, struct path_err *err)
{
	struct cpath rel;
	struct toks sub = *tk;
	size_t pos = from;

	sub.n = to;
	cpath_init(&rel);
	if (from >= to) {
		edit_err(err, from, "missing argument.");
		err->at_end = true;
		return -1;
	}
	if (path_parse(conf_schema(c), n->parent->sn, &sub, &pos, PATH_SET,
		&rel, err) == -1)
		goto fail;
	if (pos < to || rel.n != 1 || rel.step[0].sn != n->sn) {
		edit_err(err, from, "syntax error.");
		goto fail;
	}
	*key = rel.step[0].val;
	rel.step[0].val = NULL;
	cpath_free(&rel);
	return 0;
fail:
	cpath_free(&rel);
	return -1;
}

size_t
edit_hide_path(const struct cpath *p, struct toks *tk)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++) {
		struct tok *t =
		    p->step[i].tok < tk->n ? &tk->t[p->step[i].tok] : NULL;
		if (!(p->step[i].sn->flags & SNF_SECRET) ||
		    p->step[i].val == NULL || t == NULL ||
		    strcmp(t->s, p->step[i].val) == 0)
			continue;
		toks_set_word(tk, p->step[i].tok, p->step[i].val);
		t->quoted = lex_needs_quotes(t->s);
		n++;
	}
	return n;
}

/*
 * edit_apply; with hide (the same words as tk), also each word that the
 * line gives a secret leaf becomes its $9$ form in hide, and *nhidden counts
 * them (edit_hide_secrets, from the same parse).  how: a line mgd
 * wrote (trusted: path_parse_trusted), the salts of typed secrets.
 */
static int
edit_apply_hide(struct conf *c, const struct cpath *level,
    const struct toks *tk, size_t pos, struct path_err *err, struct sb *warn,
    struct toks *hide, size_t *nhidden, const struct path_how *how)
{
	const char *cmd = tk->t[pos].s;
	struct cpath p;
	struct cnode **found = NULL;
	size_t nfound, end = tk->n;
	int rc = -1;

	cpath_init(&p);
	if (strcmp(cmd, "set") == 0) {
		if (edit_parse(c, level, tk, pos + 1, end, PATH_SET, how, &p,
			err) == -1)
			goto done;
		if (hide != NULL)
			*nhidden += edit_hide_path(&p, hide);
		/* Junos: `set system` (a container that means nothing
		 * empty) and a bare `set` want more words. */
		const struct snode *last = p.n ? p.step[p.n - 1].sn : NULL;
		if (p.n <= (level ? level->n : 0) ||
		    (last->kind == SN_CONTAINER &&
			!(last->flags & SNF_PRESENCE))) {
			edit_err(err, end, "missing argument.");
			err->at_end = true;
			goto done;
		}
		edit_create(c, &p);
		rc = 0;
		goto done;
	}
	if (strcmp(cmd, "annotate") == 0) {
		if (end < pos + 3) {
			edit_err(err, end, "missing argument.");
			err->at_end = true;
			goto done;
		}
		end--; /* the comment */
	}
	size_t kw = 0;
	if (strcmp(cmd, "insert") == 0)
		kw = edit_find_word(tk, pos, "before", "after");
	else if (strcmp(cmd, "rename") == 0 || strcmp(cmd, "copy") == 0)
		kw = edit_find_word(tk, pos, "to", NULL);
	if ((strcmp(cmd, "insert") == 0 || strcmp(cmd, "rename") == 0 ||
		strcmp(cmd, "copy") == 0) &&
	    kw == 0) {
		edit_err(err, end, "missing argument.");
		err->at_end = true;
		goto done;
	}
	if (edit_parse(c, level, tk, pos + 1, kw ? kw : end, PATH_LOOSE, how,
		&p, err) == -1)
		goto done;
	if (hide != NULL)
		*nhidden += edit_hide_path(&p, hide);
	if (p.n == 0 && strcmp(cmd, "delete") != 0) {
		edit_err(err, pos + 1, "missing argument.");
		err->at_end = true;
		goto done;
	}
	if (p.n == 0) {
		/* `delete` at a level: everything below it. */
		struct cnode *base =
		    level && level->n ? cpath_find(c, level) : conf_root(c);
		if (base != NULL)
			while (base->first)
				conf_remove(c, base->first);
		if (base != NULL && base != conf_root(c))
			conf_prune(c, base);
		rc = 0;
		goto done;
	}
	nfound = edit_find(c, &p, &found);
	if (nfound == 0) {
		if (strcmp(cmd, "delete") == 0 ||
		    strcmp(cmd, "deactivate") == 0 ||
		    strcmp(cmd, "activate") == 0) {
			if (warn != NULL)
				sb_puts(warn, "warning: statement not found\n");
			rc = 0;
		} else {
			edit_err(err, pos + 1, "statement not found");
		}
		goto done;
	}
	if (strcmp(cmd, "delete") == 0) {
		for (size_t i = 0; i < nfound; i++) {
			struct cnode *parent = found[i]->parent;
			conf_remove(c, found[i]);
			conf_prune(c, parent);
		}
		rc = 0;
	} else if (strcmp(cmd, "deactivate") == 0 ||
	    strcmp(cmd, "activate") == 0) {
		for (size_t i = 0; i < nfound; i++)
			conf_set_inactive(c, found[i], cmd[0] == 'd');
		rc = 0;
	} else if (strcmp(cmd, "annotate") == 0) {
		for (size_t i = 0; i < nfound; i++)
			conf_set_annot(c, found[i], tk->t[end].s);
		rc = 0;
	} else {
		struct cnode *n = found[0];
		char *key = NULL;
		if (nfound != 1 || n->sn->kind != SN_LIST) {
			edit_err(
			    err, pos + 1, "statement must name one list entry");
			goto done;
		}
		if (edit_sibling_key(c, n, tk, kw + 1, tk->n, &key, err) == -1)
			goto done;
		if (strcmp(cmd, "insert") == 0) {
			struct cnode *ref = conf_find(c, n->parent, n->sn, key);
			if (ref == NULL)
				edit_err(err, kw + 1, "statement not found");
			else {
				conf_move(c, n, ref, tk->t[kw].s[0] == 'b');
				rc = 0;
			}
		} else if (strcmp(cmd, "rename") == 0) {
			if (conf_rekey(c, n, key) == -1)
				edit_err(
				    err, kw + 1, "statement already exists");
			else
				rc = 0;
		} else {
			if (conf_find(c, n->parent, n->sn, key) != NULL)
				edit_err(
				    err, kw + 1, "statement already exists");
			else {
				conf_copy_under(c, n->parent, n, key);
				rc = 0;
			}
		}
		free(key);
	}
done:
	free(found);
	cpath_free(&p);
	return rc;
}

int
edit_apply(struct conf *c, const struct cpath *level, const struct toks *tk,
    size_t pos, struct path_err *err, struct sb *warn)
{
	static const struct path_how typed = { false, NULL };

	return edit_apply_hide(
	    c, level, tk, pos, err, warn, NULL, NULL, &typed);
}

/* Lexes and applies the line line[0..len). */
static int
edit_apply_bytes(struct conf *c, const struct cpath *level, const char *line,
    size_t len, struct path_err *err, struct sb *warn)
{
	struct toks tk;
	size_t off;
	int rc = -1;

	if (lex_line(line, len, &tk, &err->msg, &off) == -1) {
		err->tok = 0;
		err->at_end = false;
		err->caret = PATH_CARET_TOKEN;
		return -1;
	}
	if (tk.n == 0) {
		rc = 0;
		goto done;
	}
	if (!edit_is_command(tk.t[0].s)) {
		edit_err(err, 0, "syntax error, expecting <command>.");
		goto done;
	}
	static const struct path_how typed = { false, NULL };
	rc = edit_apply_hide(c, level, &tk, 0, err, warn, NULL, NULL, &typed);
done:
	toks_free(&tk);
	return rc;
}

int
edit_apply_line(struct conf *c, const struct cpath *level, const char *line,
    struct path_err *err, struct sb *warn)
{
	return edit_apply_bytes(c, level, line, strlen(line), err, warn);
}

/*
 * Calls fn for each command line of text (comments, blanks, CR, BOM
 * skipped), given as the bytes of the line in the text, without its line
 * end: lex_line reads no further than the length it is given.
 */
int
edit_each_line(const char *text, size_t len, size_t *lineno,
    int (*fn)(void *arg, const char *line, size_t len), void *arg)
{
	const char *p = text, *end = text + len;
	int rc = 0;

	*lineno = 0;
	/* A UTF-8 byte-order mark at the start is not part of the text. */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		(*lineno)++;
		const char *s = p;
		if (l > 0 && p[l - 1] == '\r')
			l--;
		p = nl ? nl + 1 : end;
		while (l > 0 && (*s == ' ' || *s == '\t')) {
			s++;
			l--;
		}
		/* A NUL ended the line where it was copied out before. */
		l = strnlen(s, l);
		if (l == 0 || *s == '#')
			continue;
		if (fn(arg, s, l) == -1) {
			rc = -1;
			break;
		}
	}
	return rc;
}

struct edit_ctx {
	struct conf *c;
	const struct cpath *level;
	struct path_err *err;
	struct sb *warn;
};

static int
edit_line_cb(void *arg, const char *line, size_t len)
{
	struct edit_ctx *x = arg;

	return edit_apply_bytes(x->c, x->level, line, len, x->err, x->warn);
}

int
edit_apply_text(struct conf *c, const struct cpath *level, const char *text,
    size_t len, struct path_err *err, size_t *bad_line, struct sb *warn)
{
	struct conf *work = conf_dup(c);
	struct edit_ctx x = { work, level, err, warn };
	int rc = edit_each_line(text, len, bad_line, edit_line_cb, &x);

	if (rc == 0)
		conf_swap(c, work);
	conf_free(work);
	return rc;
}

/*
 * Sizes c's table of list entries for a text of lines about to be applied:
 * a line makes at most a few entries and most lines make none (a leaf, or
 * an entry made by the line before), so a quarter of the lines is
 * reserved; the table still grows if that was too few.
 */
void
edit_reserve(struct conf *c, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	size_t lines = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		lines++;
		p++;
	}
	conf_reserve(c, lines / 4);
}

int
edit_apply_trusted(struct conf *c, const struct cpath *level, const char *text,
    size_t len, struct path_err *err, size_t *bad_line, struct sb *warn)
{
	struct edit_ctx x = { c, level, err, warn };

	edit_reserve(c, text, len);
	return edit_each_line(text, len, bad_line, edit_line_cb, &x);
}

int
edit_apply_tk(struct conf *c, const struct cpath *level, struct toks *tk,
    struct path_err *err, struct sb *warn, size_t *nhidden,
    const struct path_how *how)
{
	if (tk->n == 0)
		return 0;
	if (!edit_is_command(tk->t[0].s)) {
		edit_err(err, 0, "syntax error, expecting <command>.");
		return -1;
	}
	return edit_apply_hide(c, level, tk, 0, err, warn,
	    nhidden != NULL ? tk : NULL, nhidden, how);
}

size_t
edit_hide_secrets(
    struct conf *c, const struct cpath *level, struct toks *tk, size_t pos)
{
	struct path_err err;
	struct cpath p;
	size_t end = tk->n, kw = 0, n = 0;
	enum path_mode mode = PATH_LOOSE;
	const char *cmd;

	if (pos >= tk->n || !edit_is_command(tk->t[pos].s))
		return 0;
	/* The words of the statement path, as edit_apply reads them. */
	cmd = tk->t[pos].s;
	if (strcmp(cmd, "set") == 0)
		mode = PATH_SET;
	else if (strcmp(cmd, "annotate") == 0 && end > pos + 1)
		end--; /* the comment */
	else if (strcmp(cmd, "insert") == 0)
		kw = edit_find_word(tk, pos, "before", "after");
	else if (strcmp(cmd, "rename") == 0 || strcmp(cmd, "copy") == 0)
		kw = edit_find_word(tk, pos, "to", NULL);
	sb_init(&err.msg);
	err.tok = 0;
	err.at_end = false;
	static const struct path_how typed = { false, NULL };
	if (edit_parse(c, level, tk, pos + 1, kw ? kw : end, mode, &typed, &p,
		&err) == 0)
		n = edit_hide_path(&p, tk);
	cpath_free(&p);
	sb_free(&err.msg);
	return n;
}

size_t
edit_hide_secrets_text(struct conf *c, const struct cpath *level,
    const char *text, size_t len, struct sb *out)
{
	const char *p = text, *end = text + len;
	struct sb err;
	size_t n = 0;

	sb_init(&err);
	/* as edit_each_line reads them: no byte-order mark, no CR */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t ll = l > 0 && p[l - 1] == '\r' ? l - 1 : l;
		struct toks tk;
		size_t off, k = 0;

		if (lex_line(p, ll, &tk, &err, &off) == 0) {
			k = edit_hide_secrets(c, level, &tk, 0);
			for (size_t i = 0; k > 0 && i < tk.n; i++) {
				if (i > 0)
					sb_putc(out, ' ');
				lex_quote(out, tk.t[i].s);
			}
			toks_free(&tk);
		}
		sb_reset(&err);
		if (k == 0)
			sb_add(out, p, l);
		n += k;
		if (nl != NULL)
			sb_putc(out, '\n');
		p = nl ? nl + 1 : end;
	}
	sb_free(&err);
	return n;
}
