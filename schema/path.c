/*
 * path: statement paths of configuration commands (see path.h).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/junos9.h"
#include "schema/path.h"

void
cpath_init(struct cpath *p)
{
	memset(p, 0, sizeof(*p));
}

void
cpath_free(struct cpath *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->step[i].val);
	free(p->step);
	for (size_t i = 0; i < p->nmore; i++)
		free(p->more[i]);
	free(p->more);
	cpath_init(p);
}

/* cpath_push of a value the path takes over (a parsed value: no copy). */
static void
cpath_take(struct cpath *p, const struct snode *sn, char *val)
{
	/* Doubles at 0, 4, 8, 16...: the capacity follows from n alone. */
	if (p->n == 0 || (p->n >= 4 && (p->n & (p->n - 1)) == 0))
		p->step =
		    xrealloc(p->step, (p->n ? p->n * 2 : 4) * sizeof(*p->step));
	p->step[p->n].sn = sn;
	p->step[p->n].val = val;
	p->step[p->n].tok = SIZE_MAX;
	p->step[p->n].end = SIZE_MAX;
	p->n++;
}

void
cpath_push(struct cpath *p, const struct snode *sn, const char *val)
{
	cpath_take(p, sn, val ? xstrdup(val) : NULL);
}

void
cpath_append(struct cpath *dst, const struct cpath *src)
{
	for (size_t i = 0; i < src->n; i++)
		cpath_push(dst, src->step[i].sn, src->step[i].val);
	for (size_t i = 0; i < src->nmore; i++) {
		dst->more =
		    xrealloc(dst->more, (dst->nmore + 1) * sizeof(char *));
		dst->more[dst->nmore++] = xstrdup(src->more[i]);
	}
}

void
cpath_copy(struct cpath *dst, const struct cpath *src)
{
	cpath_init(dst);
	cpath_append(dst, src);
}

const struct snode *
cpath_snode(const struct schema *s, const struct cpath *p)
{
	return p->n ? p->step[p->n - 1].sn : schema_root(s);
}

static void
path_error(struct path_err *err, size_t tok, const char *msg)
{
	sb_reset(&err->msg);
	sb_puts(&err->msg, msg);
	err->tok = tok;
	err->at_end = false;
	err->caret = PATH_CARET_TOKEN;
}

size_t
path_err_caret(const struct path_err *err, const struct toks *tk)
{
	if (err->caret == PATH_CARET_PAST)
		return tk->end + 1;
	if (err->at_end || err->caret == PATH_CARET_END || err->tok >= tk->n)
		return tk->end;
	return tk->t[err->tok].off;
}

static void
path_missing(struct path_err *err, size_t tok)
{
	path_error(err, tok, "missing argument.");
	err->at_end = true;
}

/*
 * The keyword child of ctx matching word exactly or as a unique prefix.
 * NULL with *ambiguous set when several match.
 */
static const struct snode *
path_keyword(const struct snode *ctx, const char *word, bool *ambiguous)
{
	const struct snode *m[64];
	size_t n;

	*ambiguous = false;
	const struct snode *exact = snode_child(ctx, word);
	if (exact != NULL)
		return exact;
	n = snode_children_prefix(ctx, word, m, 64);
	if (n == 1)
		return m[0];
	if (n > 1)
		*ambiguous = true;
	return NULL;
}

/*
 * A value from a line mgd wrote (path_parse_trusted): checked when it was
 * typed, so it stands as it is — an enumeration's full name, a secret's
 * $9$ form.  NULL when it is not in that form (left to the full check).
 */
static char *
path_value_trusted(const struct snode *leaf, const char *v)
{
	const char *ev[128];
	size_t ne;

	if (leaf->flags & SNF_SECRET)
		return strncmp(v, "$9$", 3) == 0 ? xstrdup(v) : NULL;
	ne = schema_enum_values(leaf, ev, 128);
	for (size_t i = 0; i < ne && i < 128; i++)
		if (strcmp(ev[i], v) == 0)
			return xstrdup(v);
	return ne > 0 ? NULL : xstrdup(v);
}

/* Checks (and for secrets, encodes) a value; returns a new string or NULL. */
static char *
path_value(const struct schema *s, const struct snode *leaf, const char *v,
    size_t tok, const struct path_how *how, struct path_err *err)
{
	const char *ev[128];
	size_t ne;
	size_t vlen = strlen(v);
	char *tv;

	if (how->trusted && (tv = path_value_trusted(leaf, v)) != NULL)
		return tv;

	/* A wildcard name in a group: `<*>`, `<ge-*>` (fnmatch patterns). */
	if ((leaf->flags & SNF_INGROUP) && vlen >= 3 && v[0] == '<' &&
	    v[vlen - 1] == '>')
		return xstrdup(v);
	ne = schema_enum_values(leaf, ev, 128);
	if (ne > 0) {
		const char *hit = NULL;
		size_t nhit = 0;
		for (size_t i = 0; i < ne && i < 128; i++) {
			if (strcmp(ev[i], v) == 0)
				return xstrdup(v);
			if (strncmp(ev[i], v, strlen(v)) == 0) {
				hit = ev[i];
				nhit++;
			}
		}
		if (nhit == 1)
			return xstrdup(hit);
		path_error(err, tok, nhit > 1 ? "" : "syntax error.");
		if (nhit > 1) {
			sb_printf(&err->msg, "'%s' is ambiguous.", v);
			err->caret = PATH_CARET_END;
		}
		return NULL;
	}
	if (leaf->flags & SNF_SECRET) {
		size_t plen;
		char *plain;
		struct sb why;
		char *out;
		if (strncmp(v, "$9$", 3) == 0) {
			plain = junos9_decode(v, &plen);
			if (plain == NULL) {
				path_error(err, tok,
				    "invalid value: not a valid $9$ secret");
				return NULL;
			}
			out = xstrdup(v);
		} else {
			plain = xstrdup(v);
			plen = strlen(v);
			out = junos9_encode_from(v, plen, how->salts);
		}
		sb_init(&why);
		int r = schema_value_check(s, leaf, plain, &why);
		OPENSSL_cleanse(plain, plen);
		free(plain);
		if (r == -1) {
			/* Never echo a secret in an error. */
			path_error(err, tok, "invalid secret value");
			sb_free(&why);
			free(out);
			return NULL;
		}
		sb_free(&why);
		return out;
	}
	struct sb why;
	sb_init(&why);
	if (schema_value_check(s, leaf, v, &why) == -1) {
		path_error(err, tok, sb_str(&why));
		if (schema_value_caret_end(leaf))
			err->caret = PATH_CARET_PAST;
		sb_free(&why);
		return NULL;
	}
	sb_free(&why);
	return xstrdup(v);
}

/* Parses the key words of a list entry; returns the joined key or NULL. */
static char *
path_keys(const struct schema *s, const struct snode *list,
    const struct toks *tk, size_t *pos, bool first_keyword_done,
    enum path_mode mode, const struct path_how *how, struct path_err *err,
    bool *none)
{
	struct sb key;

	*none = false;
	sb_init(&key);
	for (size_t k = 0; k < list->nkeys; k++) {
		const struct snode *kl = list->keys[k];
		if ((list->flags & SNF_KEYKEYWORDS) &&
		    !(k == 0 && first_keyword_done)) {
			if (*pos >= tk->n || strcmp(tk->t[*pos].s, "|") == 0) {
				path_missing(err, *pos);
				goto fail;
			}
			const char *w = tk->t[*pos].s;
			if (strncmp(kl->name, w, strlen(w)) != 0) {
				path_error(err, *pos, "syntax error.");
				goto fail;
			}
			(*pos)++;
		}
		if (*pos >= tk->n || strcmp(tk->t[*pos].s, "|") == 0) {
			if (k == 0 && mode == PATH_LOOSE &&
			    !(list->flags & SNF_NOKEYWORD)) {
				*none = true;
				sb_free(&key);
				return NULL;
			}
			path_missing(err, *pos);
			goto fail;
		}
		char *v = path_value(s, kl, tk->t[*pos].s, *pos, how, err);
		if (v == NULL)
			goto fail;
		if (list->nkeys == 1) {
			/* One key (most lists): the value is the key. */
			(*pos)++;
			sb_free(&key);
			return v;
		}
		if (k > 0)
			sb_putc(&key, CONF_KEY_SEP);
		sb_puts(&key, v);
		free(v);
		(*pos)++;
	}
	return sb_steal(&key);
fail:
	sb_free(&key);
	return NULL;
}

static bool
path_at_end(const struct toks *tk, size_t pos)
{
	return pos >= tk->n || strcmp(tk->t[pos].s, "|") == 0;
}

static int
path_parse_in(const struct schema *s, const struct snode *ctx,
    const struct toks *tk, size_t *pos, enum path_mode mode,
    const struct path_how *how, struct cpath *out, struct path_err *err)
{
	bool positional_done = false;

	while (!path_at_end(tk, *pos)) {
		const char *w = tk->t[*pos].s;
		bool ambiguous;
		const struct snode *c = NULL;

		if (ctx->kind == SN_LEAF || ctx->kind == SN_LEAFLIST) {
			path_error(err, *pos, "syntax error.");
			return -1;
		}
		if (!tk->t[*pos].quoted)
			c = path_keyword(ctx, w, &ambiguous);
		else
			ambiguous = false;
		if (c == NULL && ambiguous && ctx->nokw_list == NULL &&
		    ctx->positional == NULL) {
			path_error(err, *pos, "");
			sb_printf(&err->msg, "'%s' is ambiguous.", w);
			err->caret = PATH_CARET_END;
			return -1;
		}
		if (c == NULL && ctx->nokw_list != NULL) {
			bool none;
			char *key = path_keys(s, ctx->nokw_list, tk, pos, false,
			    mode, how, err, &none);
			if (key == NULL)
				return -1;
			cpath_take(out, ctx->nokw_list, key);
			out->step[out->n - 1].end = *pos;
			ctx = ctx->nokw_list;
			positional_done = false;
			continue;
		}
		if (c == NULL && ctx->positional != NULL && !positional_done) {
			char *v =
			    path_value(s, ctx->positional, w, *pos, how, err);
			if (v == NULL)
				return -1;
			cpath_take(out, ctx->positional, v);
			out->step[out->n - 1].tok = *pos;
			(*pos)++;
			positional_done = true;
			continue;
		}
		if (c == NULL) {
			path_error(err, *pos, "syntax error.");
			return -1;
		}
		(*pos)++;
		switch (c->kind) {
		case SN_CONTAINER:
			cpath_push(out, c, NULL);
			out->step[out->n - 1].end = *pos;
			ctx = c;
			positional_done = false;
			break;
		case SN_LIST: {
			bool none;
			char *key = path_keys(s, c, tk, pos,
			    (c->flags & SNF_KEYKEYWORDS) != 0,
			    mode == PATH_EDIT ? PATH_SET : mode, how, err,
			    &none);
			if (key == NULL && !none)
				return -1;
			cpath_take(out, c, key);
			out->step[out->n - 1].end = *pos;
			if (none)
				return 0;
			ctx = c;
			positional_done = false;
			break;
		}
		case SN_LEAF:
			if (mode == PATH_EDIT) {
				path_error(err, *pos - 1, "syntax error.");
				return -1;
			}
			if (c->flags & SNF_EMPTY) {
				cpath_push(out, c, NULL);
				break;
			}
			if (path_at_end(tk, *pos)) {
				if (mode == PATH_SET) {
					path_missing(err, *pos);
					return -1;
				}
				cpath_push(out, c, NULL);
				return 0;
			}
			{
				char *v = path_value(
				    s, c, tk->t[*pos].s, *pos, how, err);
				if (v == NULL)
					return -1;
				cpath_take(out, c, v);
				out->step[out->n - 1].tok = *pos;
				(*pos)++;
			}
			break;
		case SN_LEAFLIST:
			if (mode == PATH_EDIT) {
				path_error(err, *pos - 1, "syntax error.");
				return -1;
			}
			if (path_at_end(tk, *pos)) {
				if (mode == PATH_SET) {
					path_missing(err, *pos);
					return -1;
				}
				cpath_push(out, c, NULL);
				return 0;
			}
			if (strcmp(tk->t[*pos].s, "[") == 0 &&
			    !tk->t[*pos].quoted) {
				size_t first = out->n;
				(*pos)++;
				while (!path_at_end(tk, *pos) &&
				    strcmp(tk->t[*pos].s, "]") != 0) {
					char *v = path_value(s, c,
					    tk->t[*pos].s, *pos, how, err);
					if (v == NULL)
						return -1;
					if (out->n == first) {
						cpath_take(out, c, v);
						v = NULL;
					} else {
						out->more = xrealloc(out->more,
						    (out->nmore + 1) *
							sizeof(char *));
						out->more[out->nmore++] = v;
						v = NULL;
					}
					free(v);
					(*pos)++;
				}
				if (path_at_end(tk, *pos) || out->n == first) {
					path_missing(err, *pos);
					return -1;
				}
				(*pos)++; /* ] */
				return path_at_end(tk, *pos)
				    ? 0
				    : (path_error(err, *pos, "syntax error."),
					  -1);
			}
			{
				char *v = path_value(
				    s, c, tk->t[*pos].s, *pos, how, err);
				if (v == NULL)
					return -1;
				cpath_take(out, c, v);
				(*pos)++;
			}
			break;
		default: path_error(err, *pos - 1, "syntax error."); return -1;
		}
	}
	return 0;
}

int
path_parse(const struct schema *s, const struct snode *ctx,
    const struct toks *tk, size_t *pos, enum path_mode mode, struct cpath *out,
    struct path_err *err)
{
	static const struct path_how typed = { false, NULL };

	return path_parse_in(s, ctx, tk, pos, mode, &typed, out, err);
}

int
path_parse_trusted(const struct schema *s, const struct snode *ctx,
    const struct toks *tk, size_t *pos, enum path_mode mode, struct cpath *out,
    struct path_err *err)
{
	static const struct path_how mgds = { true, NULL };

	return path_parse_in(s, ctx, tk, pos, mode, &mgds, out, err);
}

int
path_parse_how(const struct schema *s, const struct snode *ctx,
    const struct toks *tk, size_t *pos, enum path_mode mode,
    const struct path_how *how, struct cpath *out, struct path_err *err)
{
	return path_parse_in(s, ctx, tk, pos, mode, how, out, err);
}

struct cnode *
cpath_find(struct conf *c, const struct cpath *p)
{
	struct cnode *n = conf_root(c);

	for (size_t i = 0; i < p->n && n != NULL; i++) {
		const struct snode *sn = p->step[i].sn;
		if ((sn->kind == SN_LIST || sn->kind == SN_LEAFLIST) &&
		    p->step[i].val == NULL)
			return NULL;
		n = conf_find(c, n, sn, p->step[i].val);
	}
	return n;
}

void
cstep_text(const struct snode *sn, const char *val, struct sb *out)
{
	switch (sn->kind) {
	case SN_LIST:
		if (sn->flags & SNF_KEYKEYWORDS) {
			const char *v = val;
			for (size_t k = 0; k < sn->nkeys; k++) {
				if (k > 0)
					sb_putc(out, ' ');
				sb_puts(out, sn->keys[k]->name);
				if (v == NULL)
					break;
				const char *e = strchr(v, CONF_KEY_SEP);
				size_t len = e ? (size_t)(e - v) : strlen(v);
				char *part = xstrndup(v, len);
				sb_putc(out, ' ');
				lex_quote(out, part);
				free(part);
				v = e ? e + 1 : NULL;
			}
			return;
		}
		if (!(sn->flags & SNF_NOKEYWORD)) {
			sb_puts(out, sn->name);
			if (val != NULL)
				sb_putc(out, ' ');
		}
		if (val != NULL)
			lex_quote(out, val);
		return;
	case SN_LEAF:
	case SN_LEAFLIST:
		if (!(sn->flags & SNF_POSITIONAL)) {
			sb_puts(out, sn->name);
			if (val != NULL)
				sb_putc(out, ' ');
		}
		if (val != NULL) {
			if (sn->flags & SNF_SECRET) {
				sb_printf(out, "\"%s\"", val);
			} else if (sn->flags & SNF_SECRETDATA) {
				/* always quoted, as Junos shows it */
				sb_putc(out, '"');
				for (const char *q = val; *q; q++) {
					if (*q == '"' || *q == '\\')
						sb_putc(out, '\\');
					sb_putc(out, *q);
				}
				sb_putc(out, '"');
			} else {
				lex_quote(out, val);
			}
		}
		return;
	default: sb_puts(out, sn->name); return;
	}
}

void
cpath_text(const struct cpath *p, struct sb *out)
{
	for (size_t i = 0; i < p->n; i++) {
		if (i > 0)
			sb_putc(out, ' ');
		cstep_text(p->step[i].sn, p->step[i].val, out);
	}
}

void
cnode_path_text(const struct cnode *n, struct sb *out)
{
	if (n->parent == NULL)
		return;
	if (n->parent->parent != NULL) {
		cnode_path_text(n->parent, out);
		sb_putc(out, ' ');
	}
	cstep_text(n->sn, n->val, out);
}

void
cnode_to_cpath(const struct cnode *n, struct cpath *out)
{
	if (n->parent == NULL)
		return;
	cnode_to_cpath(n->parent, out);
	cpath_push(out, n->sn, n->val);
}

void
cpath_banner(const struct cpath *p, struct sb *out)
{
	sb_puts(out, "[edit");
	if (p->n > 0) {
		sb_putc(out, ' ');
		cpath_text(p, out);
	}
	sb_putc(out, ']');
}
