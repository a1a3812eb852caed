/*
 * group: the expanded configuration, kept up to date from the typed one
 * (see group.h and docs/architecture.md, "Configuration groups").
 *
 * Inheritance as Junos documents it: at each place, the statements typed
 * there win; then the groups named by `apply-groups` at that place, the
 * first listed first; then those applied higher up, nearer ones first.
 * `apply-groups-except` stops the inheritance of the named groups from
 * above.  A list entry of a group whose name is a wildcard (`<*>`,
 * `<ge-*>`: fnmatch patterns between angle brackets) adds to the entries
 * that match it and creates none.  Inactive groups and inactive statements
 * inside a group are not inherited.
 *
 * Each place of the expanded tree has its sources: the typed node there
 * and the nodes of the groups that reach it.  A place is looked at again
 * only when one of its sources is dirty, when it was just created, or when
 * the groups applied at it changed; elsewhere it is as it was.  The sources
 * of a place are found in group_src.c; this file places them.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "schema/group_int.h"
#include "schema/path.h"

struct grp *
grp_new(const struct schema *s)
{
	struct grp *g = xcalloc(1, sizeof(*g));

	g->x = conf_new(s);
	return g;
}

struct grp *
grp_dup(const struct grp *g)
{
	struct grp *d = xcalloc(1, sizeof(*d));

	d->x = conf_dup(g->x);
	d->sig = g->sig ? xstrdup(g->sig) : NULL;
	return d;
}

void
grp_free(struct grp *g)
{
	if (g == NULL)
		return;
	conf_free(g->x);
	free(g->sig);
	free(g);
}

struct conf *
grp_tree(struct grp *g)
{
	return g->x;
}

/* Would a statement of kind msn under xn remove one already placed (the
 * other case of a choice)? */
static bool
grp_conflicts(struct gsync *y, const struct cnode *xn, const struct snode *msn)
{
	const struct snode *psn = xn->sn;

	if (msn->ly == NULL)
		return false;
	for (size_t i = 0; i < psn->nchild; i++) {
		const struct cnode *o = cnode_last_idx(xn, i);
		if (o != NULL && (y->incr || (o->flags & CN_GMARK)) &&
		    snode_conflicts(msn, psn->child[i]))
			return true;
	}
	return false;
}

/* Places c of source s under xn (first source wins); marks it. */
static void
grp_place(struct gsync *y, struct cnode *xn, const struct gsrc *s,
    const struct cnode *c)
{
	struct conf *x = y->g->x;
	const struct snode *msn = c->sn->main;
	struct cnode *xc = conf_find(x, xn, msn, c->val);
	bool inactive;

	if (xc != NULL && (xc->flags & CN_GMARK))
		return;
	if (xc == NULL || !(xc->flags & CN_GMARK)) {
		if (s->g != NULL && grp_conflicts(y, xn, msn))
			return;
	}
	if (xc == NULL) {
		xc = conf_add(x, xn, msn, c->val, NULL);
		xc->flags |= CN_GNEW;
	} else if (msn->kind == SN_LEAF) {
		conf_set_value(x, xc, c->val);
	}
	inactive = s->g == NULL && (c->flags & CN_INACTIVE);
	if (((xc->flags & CN_INACTIVE) != 0) != inactive)
		conf_set_inactive(x, xc, inactive);
	const char *annot = s->g == NULL ? cnode_annot(c) : NULL;
	if ((cnode_annot(xc) == NULL) != (annot == NULL) ||
	    (annot != NULL && strcmp(cnode_annot(xc), annot) != 0))
		conf_set_annot(x, xc, annot);
	conf_set_from(xc, s->g);
	xc->flags |= CN_GMARK;
}

/*
 * A leaf-list is inherited whole: the values of the first source that has
 * any, in its order.  c is the first value of a run; returns its last.
 */
static const struct cnode *
grp_place_values(struct gsync *y, struct cnode *xn, const struct gsrc *s,
    const struct cnode *c)
{
	const struct snode *msn = c->sn->main;
	const struct cnode *last = c;
	struct cnode *xc, *prev = NULL;
	bool taken = false;

	while (last->next != NULL && last->next->sn == c->sn)
		last = last->next;
	for (xc = cnode_last_idx(xn, msn->idx); xc != NULL && xc->sn == msn;
	     xc = xc->prev)
		if (xc->flags & CN_GMARK)
			taken = true;
	if (taken)
		return last;
	for (const struct cnode *v = c;; v = v->next) {
		if (s->g == NULL || !(v->flags & CN_INACTIVE)) {
			grp_place(y, xn, s, v);
			xc = conf_find(y->g->x, xn, msn, v->val);
			if (xc != NULL && prev != NULL && xc->prev != prev)
				conf_move(y->g->x, xc, prev, false);
			if (xc != NULL)
				prev = xc;
		}
		if (v == last)
			break;
	}
	return last;
}

/* The dirty nodes of P's children at the place of xc. */
static void
grp_dirty_below(struct gsync *y, const struct gsrcs *P, const struct cnode *xc,
    struct gsrcs *out)
{
	size_t from = out->n;

	for (size_t i = 0; i < P->n; i++)
		grp_matches_all(
		    y, P->v[i].n, P->v[i].g, xc->sn, xc->val, true, out);
	for (size_t i = from; i < out->n;)
		if (!(out->v[i].n->flags & CN_DIRTY))
			out->v[i] = out->v[--out->n];
		else
			i++;
}

/*
 * List entries stand in the order of their sources: the typed ones in
 * their order, then those the groups add.  Called with the marks of this
 * pass still on xn's children; clears them on the entries.
 */
static void
grp_order(struct gsync *y, struct cnode *xn, const struct gsrcs *S)
{
	struct conf *x = y->g->x;
	struct cnode **prev = xcalloc(xn->sn->nchild, sizeof(*prev));

	for (size_t i = 0; i < S->n; i++) {
		for (const struct cnode *c = S->v[i].n->first; c; c = c->next) {
			struct cnode *xc;
			if (c->sn->kind != SN_LIST)
				continue;
			xc = conf_find(x, xn, c->sn->main, c->val);
			if (xc == NULL || !(xc->flags & CN_GMARK))
				continue; /* none, or placed already */
			xc->flags &= ~CN_GMARK;
			unsigned k = xc->sn->idx;
			if (prev[k] != NULL && xc->prev != prev[k])
				conf_move(x, xc, prev[k], false);
			prev[k] = xc;
		}
	}
	free(prev);
}

/*
 * P: the dirty nodes of every group at the place of xn, applied here or
 * not: a group applied further down reaches places below through them.
 */
static void grp_sync_node(struct gsync *y, struct cnode *xn,
    const struct gsrcs *S, const struct gsrcs *P, bool force, int depth);

/* Goes down to expanded child xc of a place whose typed node is l. */
static void
grp_descend(struct gsync *y, struct cnode *xc, const struct cnode *l,
    const struct gsrcs *S, const struct gsrcs *P, bool f, int depth)
{
	struct gsrcs cs = { 0 }, cp = { 0 };
	const struct cnode *lc = NULL;
	bool dirty = false;

	if (xc->sn->kind != SN_CONTAINER && xc->sn->kind != SN_LIST)
		return;
	if (l != NULL)
		lc = conf_find(y->src, l, xc->sn, xc->val);
	grp_sources(y, xc, lc, S, &cs);
	for (size_t i = 0; i < cs.n && !dirty; i++)
		dirty = (cs.v[i].n->flags & CN_DIRTY) != 0;
	grp_dirty_below(y, P, xc, &cp);
	if (f || dirty || cp.n > 0)
		grp_sync_node(y, xc, &cs, &cp, f, depth + 1);
	free(cs.v);
	free(cp.v);
}

/* Statement (msn, val) under xn again from S: the first source that has
 * it gives it; none, it goes.  Returns it, or NULL. */
static struct cnode *
grp_replace_one(struct gsync *y, struct cnode *xn, const struct gsrcs *S,
    const struct snode *msn, const char *val)
{
	struct conf *x = y->g->x;
	struct cnode *xc;

	for (size_t i = 0; i < S->n; i++) {
		const struct snode *sn = grp_child_snode(S->v[i].n->sn, msn);
		const struct cnode *c;
		if (sn == NULL)
			continue;
		c = conf_find(y->src, S->v[i].n, sn, val);
		if (c == NULL ||
		    (S->v[i].g != NULL &&
			((c->flags & CN_INACTIVE) || grp_is_wild(c))))
			continue;
		grp_place(y, xn, &S->v[i], c);
		xc = conf_find(x, xn, msn, val);
		if (xc != NULL && (xc->flags & CN_GMARK)) {
			xc->flags &= ~CN_GMARK;
			return xc;
		}
		return NULL; /* the other case of a choice is there */
	}
	xc = conf_find(x, xn, msn, val);
	if (xc != NULL)
		conf_remove(x, xc);
	return NULL;
}

/* A leaf-list of kind msn under xn again, whole, from S. */
static void
grp_replace_values(struct gsync *y, struct cnode *xn, const struct gsrcs *S,
    const struct snode *msn)
{
	struct conf *x = y->g->x;

	while (cnode_last_idx(xn, msn->idx) != NULL)
		conf_remove(x, cnode_last_idx(xn, msn->idx));
	for (size_t i = 0; i < S->n; i++) {
		const struct snode *sn = grp_child_snode(S->v[i].n->sn, msn);
		const struct cnode *first, *c;
		if (sn == NULL || cnode_last_idx(S->v[i].n, sn->idx) == NULL)
			continue;
		for (first = cnode_last_idx(S->v[i].n, sn->idx);
		     first->prev && first->prev->sn == sn;)
			first = first->prev;
		grp_place_values(y, xn, &S->v[i], first);
		for (c = cnode_last_idx(xn, msn->idx);
		     c != NULL && c->sn == msn; c = c->prev)
			((struct cnode *)c)->flags &= ~(CN_GMARK | CN_GNEW);
		if (cnode_last_idx(xn, msn->idx) != NULL)
			return;
	}
}

static void
grp_rec_add(struct cnode ***rec, size_t *n, struct cnode *xc)
{
	if (xc->flags & CN_GMARK)
		return;
	if (xc->sn->kind != SN_CONTAINER && xc->sn->kind != SN_LIST) {
		xc->flags &= ~CN_GNEW;
		return;
	}
	xc->flags |= CN_GMARK;
	*rec = xrealloc(*rec, (*n + 1) * sizeof(**rec));
	(*rec)[(*n)++] = xc;
}

/*
 * A place none of whose sources lost a child and whose groups are the
 * same: only the dirty children of its sources (and the places a dirty
 * wildcard entry matches) are looked at, so a change costs itself and not
 * its thousands of siblings.
 */
static void
grp_sync_dirty(struct gsync *y, struct cnode *xn, const struct gsrcs *S,
    const struct gsrcs *P, int depth)
{
	struct conf *x = y->g->x;
	const struct cnode *l =
	    S->n > 0 && S->v[0].g == NULL ? S->v[0].n : NULL;
	struct cnode **rec = NULL, *xc;
	size_t nrec = 0;
	bool reorder = false;

	for (size_t pass = 0; pass < 2; pass++) {
		const struct gsrcs *A = pass == 0 ? S : P;
		for (size_t i = 0; i < A->n; i++) {
			const struct gsrc *s = &A->v[i];
			for (const struct cnode *c = s->n->first; c;
			     c = c->next) {
				const struct snode *msn = c->sn->main;
				if (!(c->flags & CN_DIRTY) ||
				    (c->sn->flags & (SNF_APPLY | SNF_GROUPS)))
					continue;
				if (c->sn->kind == SN_LEAFLIST) {
					if (pass == 0)
						grp_replace_values(
						    y, xn, S, msn);
					while (c->next && c->next->sn == c->sn)
						c = c->next;
					continue;
				}
				if (s->g != NULL && grp_is_wild(c)) {
					struct cnode *k =
					    cnode_last_idx(xn, msn->idx);
					for (; k != NULL && k->sn == msn;
					     k = k->prev)
						if (grp_key_match(
							c->val, k->val))
							grp_rec_add(
							    &rec, &nrec, k);
					continue;
				}
				xc = pass == 0
				    ? grp_replace_one(y, xn, S, msn, c->val)
				    : conf_find(x, xn, msn, c->val);
				if (xc == NULL)
					continue;
				if ((xc->flags & CN_GNEW) &&
				    cnode_from(xc) == NULL &&
				    xc->prev != NULL &&
				    xc->prev->sn == xc->sn &&
				    cnode_from(xc->prev) != NULL)
					reorder = true;
				grp_rec_add(&rec, &nrec, xc);
			}
		}
	}
	if (reorder) {
		for (xc = xn->first; xc != NULL; xc = xc->next)
			xc->flags |= CN_GMARK;
		grp_order(y, xn, S);
		for (xc = xn->first; xc != NULL; xc = xc->next)
			xc->flags &= ~CN_GMARK;
	}
	for (size_t i = 0; i < nrec; i++)
		rec[i]->flags &= ~CN_GMARK;
	for (size_t i = 0; i < nrec; i++) {
		bool f = (rec[i]->flags & CN_GNEW) != 0;
		rec[i]->flags &= ~CN_GNEW;
		grp_descend(y, rec[i], l, S, P, f, depth);
	}
	free(rec);
}

static void
grp_sync_node(struct gsync *y, struct cnode *xn, const struct gsrcs *S,
    const struct gsrcs *P, bool force, int depth)
{
	struct conf *x = y->g->x;
	const struct cnode *l =
	    S->n > 0 && S->v[0].g == NULL ? S->v[0].n : NULL;
	struct cnode *xc, *next;

	if (depth > 64)
		return;
	/* Other groups apply here: everything below may inherit anew. */
	if (grp_apply_changed(l))
		force = true;
	/* A source lost children: a place below may have lost a source,
	 * which its remaining (clean) sources do not tell. */
	for (size_t i = 0; i < S->n && !force; i++)
		if (S->v[i].n->flags & CN_SHAPE)
			force = true;
	for (size_t i = 0; i < P->n && !force; i++)
		if (P->v[i].n->flags & CN_SHAPE)
			force = true;
	if (!force) {
		grp_sync_dirty(y, xn, S, P, depth);
		return;
	}
	y->incr = false;
	for (size_t i = 0; i < S->n; i++) {
		const struct gsrc *s = &S->v[i];
		for (const struct cnode *c = s->n->first; c; c = c->next) {
			if (c->sn->flags & (SNF_APPLY | SNF_GROUPS))
				continue;
			if (c->sn->kind == SN_LEAFLIST) {
				c = grp_place_values(y, xn, s, c);
				continue;
			}
			if (s->g != NULL &&
			    ((c->flags & CN_INACTIVE) || grp_is_wild(c)))
				continue;
			grp_place(y, xn, s, c);
		}
	}
	bool added = false;
	for (xc = xn->first; xc != NULL; xc = next) {
		next = xc->next;
		if (!(xc->flags & CN_GMARK))
			conf_remove(x, xc);
		else if (xc->flags & CN_GNEW)
			added = true;
	}
	if (added || (l != NULL && (l->flags & CN_SHAPE)))
		grp_order(y, xn, S);
	for (xc = xn->first; xc != NULL; xc = xc->next)
		xc->flags &= ~CN_GMARK;
	for (xc = xn->first; xc != NULL; xc = xc->next) {
		bool f = force || (xc->flags & CN_GNEW);

		xc->flags &= ~CN_GNEW;
		grp_descend(y, xc, l, S, P, f, depth);
	}
}

/* The groups as a string: a change to it means everything is redone. */
static char *
grp_signature(struct gsync *y)
{
	const struct cnode *c;
	struct sb sig;

	sb_init(&sig);
	if (y->groups == NULL)
		return sb_steal(&sig);
	if (y->groups->flags & CN_INACTIVE)
		sb_putc(&sig, '-');
	for (c = y->groups->first; c != NULL; c = c->next)
		sb_printf(
		    &sig, "%s%c", c->val, (c->flags & CN_INACTIVE) ? '-' : '+');
	return sb_steal(&sig);
}

void
grp_sync(struct grp *g, struct conf *src, bool full, struct verrs *errs)
{
	struct gsync y = { g, src,
		grp_groups_snode(conf_schema(src))->nokw_list, errs,
		grp_groups_node(src), false };
	struct gsrcs S = { 0 }, P = { 0 };
	char *sig = grp_signature(&y);

	if (g->sig == NULL || strcmp(g->sig, sig) != 0)
		full = true;
	free(g->sig);
	g->sig = sig;
	grp_sources(&y, conf_root(g->x), conf_root(src), NULL, &S);
	for (const struct cnode *c = y.groups ? y.groups->first : NULL; c;
	     c = c->next)
		if (c->flags & CN_DIRTY)
			gsrcs_push(&P, c, c->val);
	if (full || (conf_root(src)->flags & CN_DIRTY))
		grp_sync_node(&y, conf_root(g->x), &S, &P, full, 0);
	conf_set_changed(g->x, conf_changed(src));
	free(S.v);
	free(P.v);
}

void
grp_strip_comments(struct sb *text)
{
	size_t r = 0, w = 0;

	while (r < text->len) {
		const char *line = text->buf + r;
		const char *nl = memchr(line, '\n', text->len - r);
		size_t len = nl ? (size_t)(nl - line) + 1 : text->len - r;
		size_t i = 0;
		while (i < len && line[i] == ' ')
			i++;
		bool drop =
		    (len - i >= 2 && strncmp(line + i, "##\n", 3) == 0) ||
		    (len - i > 4 && strncmp(line + i, "## '", 4) == 0 &&
			memmem(line, len, "' was inherited from group '", 28));
		if (!drop) {
			memmove(text->buf + w, line, len);
			w += len;
		}
		r += len;
	}
	text->len = w;
	if (text->buf != NULL)
		text->buf[w] = '\0';
}
