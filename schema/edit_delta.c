/*
 * edit_delta: the daemons' parse of the change mgd sends them (edit.h,
 * edit_apply_delta).
 *
 * mgd writes a change in `display set` order: the lines of one statement
 * follow each other and share their first words (`set security ike gateway
 * G1 address ...`, `set security ike gateway G1 ike-policy ...`).  A line
 * parsed from the top looks every one of those words up again — a keyword
 * by name in the schema, a list entry by its key in the tree's table — and
 * copies every key.  Here the containers and list entries the line before
 * went through are kept with the index of the word after each, and a `set`
 * line whose words start the same goes on from the deepest of them: only
 * the words after it are parsed and only their nodes looked up or made.
 * The rest of the line is parsed as edit.c parses it (path_parse_trusted),
 * and any other command is applied by edit.c, after which nothing is kept
 * (a `delete` may remove the nodes).
 */
#include <stdint.h>
#include <string.h>

#include "schema/edit_int.h"

/* Containers and list entries kept from one line to the next. */
#define EDIT_DELTA_DEPTH 32

/* A container or list entry of the line before, still in the tree. */
struct edit_delta_step {
	const struct snode *sn;
	struct cnode *n;
	size_t end; /* index of the word after the step's words */
};

struct edit_delta {
	struct conf *c;
	struct path_err *err;
	/* this line's words and the line before's, taking turns */
	struct toks tk[2];
	int cur;
	struct edit_delta_step st[EDIT_DELTA_DEPTH];
	size_t nst; /* st[0..nst): ancestors of one another, ends rising */
};

static void
edit_delta_err(struct path_err *err, size_t tok, const char *msg, bool at_end)
{
	sb_reset(&err->msg);
	sb_puts(&err->msg, msg);
	err->tok = tok;
	err->at_end = at_end;
	err->caret = PATH_CARET_TOKEN;
}

/* How many of the kept steps this line's words tk start with as well. */
static size_t
edit_delta_shared(const struct edit_delta *d, const struct toks *tk)
{
	const struct toks *prev = &d->tk[!d->cur];
	size_t same = 0, k = 0;

	while (same < tk->n && same < prev->n &&
	    tk->t[same].quoted == prev->t[same].quoted &&
	    strcmp(tk->t[same].s, prev->t[same].s) == 0)
		same++;
	/* A step that ends the line is parsed again: `set` wants more words
	 * after a container, and that check is the parse's. */
	while (k < d->nst && d->st[k].end <= same && d->st[k].end < tk->n)
		k++;
	return k;
}

/*
 * Makes the nodes of p below the kept step k (the root if none), keeping
 * each container and list entry made or found for the next line.
 */
static void
edit_delta_create(struct edit_delta *d, size_t k, const struct cpath *p)
{
	struct cnode *n = k > 0 ? d->st[k - 1].n : conf_root(d->c), *last = n;

	d->nst = k;
	for (size_t i = 0; i < p->n; i++) {
		const struct cstep *st = &p->step[i];
		bool up = false;
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
		if (st->end != SIZE_MAX && d->nst < EDIT_DELTA_DEPTH &&
		    (st->sn->kind == SN_CONTAINER || st->val != NULL))
			d->st[d->nst++] =
			    (struct edit_delta_step){ st->sn, n, st->end };
	}
	for (size_t i = 0; i < p->nmore; i++)
		conf_add(d->c, last->parent, last->sn, p->more[i], NULL);
}

static int
edit_delta_line(void *arg, const char *line, size_t len)
{
	struct edit_delta *d = arg;
	struct toks *tk = &d->tk[d->cur];
	const struct snode *last;
	struct cpath p;
	size_t off, k, pos;
	int rc = -1;

	if (lex_line_pooled(line, len, tk, &d->err->msg, &off) == -1) {
		d->err->tok = 0;
		d->err->at_end = false;
		d->err->caret = PATH_CARET_TOKEN;
		return -1;
	}
	if (tk->n == 0)
		return 0;
	if (tk->t[0].quoted || strcmp(tk->t[0].s, "set") != 0) {
		d->nst = 0;
		return edit_apply_tk_trusted(d->c, tk, d->err);
	}
	k = edit_delta_shared(d, tk);
	pos = k > 0 ? d->st[k - 1].end : 1;
	cpath_init(&p);
	if (path_parse_trusted(conf_schema(d->c),
		k > 0 ? d->st[k - 1].sn : schema_root(conf_schema(d->c)), tk,
		&pos, PATH_SET, &p, d->err) == -1)
		goto done;
	if (pos < tk->n) {
		edit_delta_err(d->err, pos, "syntax error.", false);
		goto done;
	}
	/* Junos: `set system` (a container that means nothing empty) and a
	 * bare `set` want more words. */
	last = p.n > 0 ? p.step[p.n - 1].sn : NULL;
	if (last == NULL ||
	    (last->kind == SN_CONTAINER && !(last->flags & SNF_PRESENCE))) {
		edit_delta_err(d->err, tk->n, "missing argument.", true);
		goto done;
	}
	edit_delta_create(d, k, &p);
	d->cur = !d->cur;
	rc = 0;
done:
	if (rc == -1)
		d->nst = 0;
	cpath_free(&p);
	return rc;
}

int
edit_apply_delta(struct conf *c, const char *text, size_t len,
    struct path_err *err, size_t *bad_line)
{
	struct edit_delta d = { .c = c, .err = err };
	int rc;

	edit_reserve(c, text, len);
	rc = edit_each_line(text, len, bad_line, edit_delta_line, &d);
	toks_free(&d.tk[0]);
	toks_free(&d.tk[1]);
	return rc;
}
