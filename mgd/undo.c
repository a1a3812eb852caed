/*
 * undo: the record that lets a `load` change the candidate in place and
 * still apply nothing when a line is bad (see undo.h).  A load of a few
 * lines into a configuration of 200,000 statements then costs what its
 * lines cost, where a copy of the candidate cost what the candidate
 * costs (docs/benchmarks.md, "mgd's share of a commit").
 *
 * The walk below follows edit.c's `set` (edit_create: each step found or
 * made under the last container or list entry, a leaf's sibling after
 * it, a leaf-list's further values) with look-ups instead of additions,
 * and conf_add's one side effect, the removal of the statements of
 * another case of a choice, is refused rather than recorded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/log.h"
#include "mgd/undo.h"
#include "schema/lex.h"

enum undo_kind {
	UNDO_CREATED, /* n: the parent; sn, val: what the line made there */
	UNDO_VALUE,   /* n: a leaf; val: its value before the line */
};

struct undo_rec {
	enum undo_kind kind;
	struct cnode *n;
	const struct snode *sn;
	char *val;
};

struct undo {
	struct conf *c;
	int64_t changed; /* `## Last changed` at undo_new */
	struct undo_rec *rec;
	size_t n, cap;
};

struct undo *
undo_new(struct conf *c)
{
	struct undo *u = xcalloc(1, sizeof(*u));

	u->c = c;
	u->changed = conf_changed(c);
	return u;
}

static void
undo_wipe(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

/* Drops the records from index from on (wiping their values). */
static void
undo_truncate(struct undo *u, size_t from)
{
	while (u->n > from)
		undo_wipe(u->rec[--u->n].val);
}

void
undo_free(struct undo *u)
{
	if (u == NULL)
		return;
	undo_truncate(u, 0);
	free(u->rec);
	free(u);
}

static void
undo_add(struct undo *u, enum undo_kind kind, struct cnode *n,
    const struct snode *sn, const char *val)
{
	if (u->n == u->cap) {
		if (u->cap > SIZE_MAX / 2 / sizeof(*u->rec))
			fatal("undo: too many changes");
		u->cap = u->cap ? u->cap * 2 : 16;
		u->rec = xrealloc(u->rec, u->cap * sizeof(*u->rec));
	}
	u->rec[u->n++] =
	    (struct undo_rec){ kind, n, sn, val ? xstrdup(val) : NULL };
}

/* Would making sn under parent remove a statement of another case of a
 * choice?  The same test as conf_add's, on the kinds present. */
static bool
undo_conflicts(const struct cnode *parent, const struct snode *sn)
{
	const struct snode *psn = parent->sn;

	if (sn->ly == NULL || parent->first == NULL)
		return false;
	for (size_t i = 0; i < psn->nchild; i++)
		if (cnode_last_idx(parent, i) != NULL &&
		    snode_conflicts(sn, psn->child[i]))
			return true;
	return false;
}

static bool
undo_same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * Records what `set p` will change in u->c.  stk holds the containers and
 * list entries the walk stands in, innermost last (NULL: made by this
 * line, so everything below it goes with it).  -1 on a choice conflict.
 */
static int
undo_walk(struct undo *u, const struct cpath *p)
{
	const struct snode **ssn = xcalloc(p->n + 1, sizeof(*ssn));
	struct cnode **sn_ = xcalloc(p->n + 1, sizeof(*sn_));
	struct cnode *parent = NULL;
	size_t d = 0;
	int rc = -1;

	ssn[0] = schema_root(conf_schema(u->c));
	sn_[0] = conf_root(u->c);
	for (size_t i = 0; i < p->n; i++) {
		const struct cstep *st = &p->step[i];
		struct cnode *x = NULL;
		/* A leaf's sibling (ppk-profile P optional) follows it. */
		while (st->sn->parent != ssn[d] && d > 0)
			d--;
		parent = sn_[d];
		if (parent != NULL) {
			x = conf_find(u->c, parent, st->sn, st->val);
			if (x == NULL && undo_conflicts(parent, st->sn))
				goto done;
			if (x == NULL)
				undo_add(
				    u, UNDO_CREATED, parent, st->sn, st->val);
			else if (st->sn->kind == SN_LEAF &&
			    !undo_same(x->val, st->val))
				undo_add(u, UNDO_VALUE, x, NULL, x->val);
		}
		if (st->sn->kind == SN_CONTAINER || st->sn->kind == SN_LIST) {
			d++;
			ssn[d] = st->sn;
			sn_[d] = x;
		}
	}
	/* `set ... leaf-list [ a b c ]`: the values after the first */
	for (size_t i = 0; parent != NULL && p->n > 0 && i < p->nmore; i++) {
		const struct snode *sn = p->step[p->n - 1].sn;
		if (conf_find(u->c, parent, sn, p->more[i]) == NULL)
			undo_add(u, UNDO_CREATED, parent, sn, p->more[i]);
	}
	rc = 0;
done:
	free(ssn);
	free(sn_);
	return rc;
}

/* Frees tk and p, wiping what may be a typed secret or its $9$ form. */
static void
undo_parse_free(struct toks *tk, struct cpath *p)
{
	for (size_t i = 0; i < tk->n; i++)
		OPENSSL_cleanse(tk->t[i].s, strlen(tk->t[i].s));
	toks_free(tk);
	for (size_t i = 0; i < p->n; i++)
		if (p->step[i].val != NULL)
			OPENSSL_cleanse(p->step[i].val, strlen(p->step[i].val));
	cpath_free(p);
}

int
undo_line(
    struct undo *u, const struct cpath *level, const char *line, size_t len)
{
	const struct schema *sch = conf_schema(u->c);
	struct toks tk = { 0 };
	struct cpath p;
	struct path_err err;
	size_t off, pos = 1, ws = 0, mark = u->n;
	int rc = -1;

	cpath_init(&p);
	sb_init(&err.msg);
	/* as edit_apply_text reads a line */
	if (len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		len -= 3;
	}
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	while (ws < len && (line[ws] == ' ' || line[ws] == '\t'))
		ws++;
	if (ws == len || line[ws] == '#') {
		rc = 0;
		goto done;
	}
	if (lex_line(line + ws, len - ws, &tk, &err.msg, &off) == -1)
		goto done;
	if (tk.n == 0) {
		rc = 0;
		goto done;
	}
	if (strcmp(tk.t[0].s, "set") != 0)
		goto done;
	if (level != NULL)
		cpath_append(&p, level);
	if (path_parse(sch, level ? cpath_snode(sch, level) : schema_root(sch),
		&tk, &pos, PATH_SET, &p, &err) == -1 ||
	    pos < tk.n)
		goto done;
	/* what edit refuses after the parse (`set system`) changes nothing */
	if (p.n <= (level ? level->n : 0))
		goto done;
	rc = undo_walk(u, &p);
done:
	if (rc == -1)
		undo_truncate(u, mark);
	undo_parse_free(&tk, &p);
	sb_free(&err.msg);
	return rc;
}

void
undo_rollback(struct undo *u)
{
	while (u->n > 0) {
		struct undo_rec *r = &u->rec[u->n - 1];
		if (r->kind == UNDO_CREATED) {
			/* not there when its line was refused */
			struct cnode *x = conf_find(u->c, r->n, r->sn, r->val);
			if (x != NULL)
				conf_remove(u->c, x);
		} else {
			conf_set_value(u->c, r->n, r->val);
		}
		undo_truncate(u, u->n - 1);
	}
	conf_set_changed(u->c, u->changed);
}
