/*
 * conf_diff_skip: the stretches of a list in step, skipped.  When the
 * children of a node changed shape by moves alone (CN_MOVES), the ones
 * that are not dirty kept their relative order and are all in the old
 * tree: between two entries the walk must look at (a dirty one, the
 * other self of one met out of step) the lists are in step, and the walk
 * goes from one to the next with a look-up or two instead of visiting the
 * 40,000 entries between (issue 13 §1: a policy moved).  The positions
 * (cnode.pos, in order in both trees without CN_RENUM) tell which entry
 * comes first.
 */
#include <stdlib.h>
#include <string.h>

#include "schema/conf_diff_int.h"

void
diff_skip_init(struct conf *oc, const struct cnode *o, const struct cnode *n,
    struct diff_skip *s)
{
	const struct cnode *ch, *oe;
	size_t cap = 0;

	memset(s, 0, sizeof(*s));
	if (!(n->flags & CN_MOVES) || (n->flags & CN_RENUM) ||
	    (o->flags & CN_RENUM) || !cnode_has_kids(n))
		return;
	for (ch = cnode_kids(n)->dfirst; ch != NULL; ch = ch->dnext) {
		if (s->ndn == cap) {
			cap = cap ? cap * 2 : 8;
			s->dn = xrealloc(s->dn, cap * sizeof(*s->dn));
			s->dold = xrealloc(s->dold, cap * sizeof(*s->dold));
		}
		s->dn[s->ndn++] = ch;
		if ((oe = diff_find(oc, o, ch->sn, ch->val)) != NULL)
			s->dold[s->ndold++] = oe;
	}
	if (s->ndn > 1)
		qsort(s->dn, s->ndn, sizeof(*s->dn), diff_cmp_place);
	if (s->ndold > 1)
		qsort(s->dold, s->ndold, sizeof(*s->dold), diff_cmp_place);
	s->on = true;
}

void
diff_skip_free(struct diff_skip *s)
{
	free(s->dn);
	free(s->dold);
	memset(s, 0, sizeof(*s));
}

/* a before b (NULL: the end), both of one kind */
static bool
before(const struct cnode *a, const struct cnode *b)
{
	return b == NULL || a->pos < b->pos;
}

/* The first of v (sorted) after e of e's kind, or NULL. */
static const struct cnode *
first_after(const struct cnode **v, size_t n, const struct cnode *e)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (v[mid] == e || cnode_is_before(v[mid], e))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo]->sn == e->sn ? v[lo] : NULL;
}

bool
diff_skip_to(struct conf *oc, const struct cnode *o, struct conf *nc,
    const struct cnode *n, const struct diff_skip *s, const struct diff_walk *w,
    const struct cnode **oe, const struct cnode **ne)
{
	const struct snode *sn = (*ne)->sn;
	const struct cnode *nstop, *ostop, *a, *oa, *b, *nb;

	/* the first entries after ne and oe the walk must look at */
	nstop = first_after(s->dn, s->ndn, *ne);
	ostop = first_after(s->dold, s->ndold, *oe);
	for (size_t i = 0; i < w->nun; i++) {
		const struct cnode *x = w->un[i].new, *y = w->un[i].old;
		if (x != NULL && x->sn == sn && x->pos > (*ne)->pos &&
		    before(x, nstop))
			nstop = x;
		if (y != NULL && y->sn == sn && y->pos > (*oe)->pos &&
		    before(y, ostop))
			ostop = y;
	}
	/* the last in step before nstop, or before ostop if that is first */
	a = nstop != NULL ? nstop->prev : cnode_last_idx(n, sn->idx);
	if (a == NULL || a->sn != sn || !before(*ne, a))
		return false;
	oa = diff_find(oc, o, sn, a->val);
	if (oa == NULL || oa->sn != sn || !before(*oe, oa))
		return false;
	if (before(oa, ostop)) {
		*oe = oa;
		*ne = a;
		return true;
	}
	b = ostop->prev;
	if (b == NULL || b->sn != sn || !before(*oe, b))
		return false;
	nb = diff_find(nc, n, sn, b->val);
	if (nb == NULL || (nb->flags & CN_DIRTY) || !before(*ne, nb) ||
	    !before(nb, a))
		return false;
	*oe = b;
	*ne = nb;
	return true;
}
