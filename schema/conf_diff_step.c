/*
 * conf_diff_step: entries met out of step.  diff_in_step (conf_diff.c)
 * walks the old and new children of a list's parent side by side; a
 * policy moved among 40,000 puts one entry out of step.  Rather than look
 * every child up in the other tree, the walk remembers that entry by the
 * self it has yet to meet and skips it there (issue 13 §1: a move costs a
 * walk of the two lists and a few look-ups).  The list's entries that were
 * not paired in step go with its DIFF_ORDER item with their new places:
 * the others kept their order, so the run of entries that kept it is
 * known without sorting 40,000 keys or walking the list again
 * (diff_run_named).  Without that list (a full diff, a list reversed), the
 * run comes from the sorted keys (diff_run_sorted).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schema/conf_diff_int.h"

static size_t
pmap_hash(const void *k, size_t mask)
{
	uint64_t h = (uint64_t)(uintptr_t)k >> 4;

	return (size_t)((h * 0x9e3779b97f4a7c15ULL) >> 32) & mask;
}

/* Room for n keys: at most half full. */
static void
pmap_init(struct diff_pmap *m, size_t n)
{
	size_t sz = 16;

	while (sz < 2 * n)
		sz *= 2;
	m->slot = xcalloc(sz, sizeof(*m->slot));
	m->mask = sz - 1;
}

static void
pmap_put(struct diff_pmap *m, const void *k, size_t v)
{
	size_t i = pmap_hash(k, m->mask);

	while (m->slot[i].k != NULL && m->slot[i].k != k)
		i = (i + 1) & m->mask;
	m->slot[i].k = k;
	m->slot[i].v = v;
}

static size_t
pmap_get(const struct diff_pmap *m, const void *k)
{
	if (m->slot == NULL)
		return SIZE_MAX;
	for (size_t i = pmap_hash(k, m->mask); m->slot[i].k != NULL;
	     i = (i + 1) & m->mask)
		if (m->slot[i].k == k)
			return m->slot[i].v;
	return SIZE_MAX;
}

void
diff_walk_free(struct diff_walk *w)
{
	free(w->ahead.slot);
	free(w->un);
	memset(w, 0, sizeof(*w));
}

void
diff_walk_note(struct diff_walk *w, const struct cnode *o,
    const struct cnode *n, size_t at)
{
	if (w->nun == w->capun) {
		w->capun = w->capun ? w->capun * 2 : 8;
		w->un = xrealloc(w->un, w->capun * sizeof(*w->un));
	}
	w->un[w->nun++] = (struct diff_oos){ o, n, at };
}

const struct cnode *
diff_walk_met(const struct diff_walk *w, const struct cnode *e)
{
	size_t k = w->nmoved ? pmap_get(&w->ahead, e) : SIZE_MAX;

	if (k == SIZE_MAX)
		return NULL;
	return w->un[k].old == e ? w->un[k].new : w->un[k].old;
}

void
diff_walk_placed(struct diff_walk *w, const struct cnode *ne, size_t at)
{
	size_t k = pmap_get(&w->ahead, ne);

	if (k != SIZE_MAX && w->un[k].new == ne)
		w->un[k].at = at;
}

/*
 * How far, within DIFF_AHEAD_MAX, is the first of the two found: y after
 * oe in the old list (0) or x after ne in the new one (1)?  The nearer one
 * says which moved: y just after oe means oe left from before it.
 */
static int
diff_nearer(const struct cnode *oe, const struct cnode *y,
    const struct cnode *ne, const struct cnode *x)
{
	const struct cnode *a = oe, *b = ne;

	for (size_t i = 0; i < DIFF_AHEAD_MAX && (a != NULL || b != NULL);
	     i++) {
		if (b != NULL && (b = b->next) == x)
			return 1;
		if (a != NULL && (a = a->next) == y)
			return 0;
	}
	return 1; /* both far: say ne moved (to the front, the usual) */
}

int
diff_walk_moved(struct diff_walk *w, const struct cnode *oe,
    const struct cnode *x, const struct cnode *ne, const struct cnode *y,
    size_t at)
{
	int which;

	if (w->nmoved == DIFF_MOVED_MAX)
		return -1;
	if (w->ahead.slot == NULL)
		pmap_init(&w->ahead, DIFF_MOVED_MAX);
	which = diff_nearer(oe, y, ne, x);
	if (which == 0) {
		pmap_put(&w->ahead, x, w->nun);
		diff_walk_note(w, oe, x, SIZE_MAX); /* placed when x is met */
	} else {
		pmap_put(&w->ahead, y, w->nun);
		diff_walk_note(w, y, ne, at);
	}
	w->nmoved++;
	return which;
}

static const struct snode *
oos_sn(const struct diff_oos *u)
{
	return u->old != NULL ? u->old->sn : u->new->sn;
}

bool
diff_walk_has_moved(const struct diff_walk *w, const struct snode *sn)
{
	for (size_t i = 0; w->nmoved && i < w->nun; i++)
		if (w->un[i].old && w->un[i].new &&oos_sn(&w->un[i]) == sn)
			return true;
	return false;
}

void
diff_walk_name(
    const struct diff_walk *w, const struct snode *sn, struct diff_item *it)
{
	size_t k = 0;

	for (size_t i = 0; i < w->nun; i++)
		k += oos_sn(&w->un[i]) == sn;
	if (k == 0 || k > DIFF_NAMED_MAX)
		return;
	it->oos = xcalloc(k, sizeof(*it->oos));
	for (size_t i = 0; i < w->nun; i++)
		if (oos_sn(&w->un[i]) == sn)
			it->oos[it->noos++] = w->un[i];
}

static int
oos_at_cmp(const void *a, const void *b)
{
	size_t x = ((const struct diff_oos *)a)->at;
	size_t y = ((const struct diff_oos *)b)->at;

	return x < y ? -1 : x > y;
}

bool
diff_run_named(const struct diff_item *it, struct diff_run *r)
{
	const struct snode *sn = it->new->sn;
	const struct cnode *e;
	struct diff_oos *v;
	struct diff_pmap m = { 0 };
	size_t k;

	memset(r, 0, sizeof(*r));
	if (it->oos == NULL)
		return false;
	/* the entries of the new list not in the run, in new order */
	v = xcalloc(it->noos, sizeof(*v));
	for (size_t i = 0; i < it->noos; i++)
		if (it->oos[i].new != NULL)
			v[r->n++] = it->oos[i];
	qsort(v, r->n, sizeof(*v), oos_at_cmp);
	r->v = xcalloc(r->n + 1, sizeof(*r->v));
	pmap_init(&m, r->n);
	for (size_t i = 0; i < r->n; i++) {
		r->v[i] = (struct diff_placed){ v[i].new, v[i].old, false };
		pmap_put(&m, v[i].new, i);
	}
	free(v);
	/* the run's first entry: the first one of the list not named */
	for (e = it->new;
	     e != NULL && e->sn == sn &&pmap_get(&m, e) != SIZE_MAX;
	     e = e->next)
		diff_visits++;
	r->first = e != NULL && e->sn == sn ? e : NULL;
	/* added after its last: named ones at the list's end */
	for (e = cnode_last_idx(it->new->parent, sn->idx);
	     e != NULL && e->sn == sn && (k = pmap_get(&m, e)) != SIZE_MAX;
	     e = e->prev) {
		diff_visits++;
		r->v[k].tail = r->v[k].old == NULL;
	}
	free(m.slot);
	return true;
}

struct diff_pos {
	const char *val;
	const struct cnode *old;
	size_t at; /* index in the old list */
};

static int
diff_pos_cmp(const void *a, const void *b)
{
	return strcmp(((const struct diff_pos *)a)->val,
	    ((const struct diff_pos *)b)->val);
}

/*
 * The run of it's list from its keys: the old ones sorted, each new one
 * searched among them, then the longest run of old places that increase
 * (patience, n log n) among the survivors in new order.  For a diff
 * without the walk's list of unpaired entries (a full diff, a list
 * reversed, many added at once).
 */
static void
diff_run_sorted(const struct diff_item *it, struct diff_run *r)
{
	const struct snode *sn = it->new->sn;
	const struct cnode *ofirst = cnode_last_idx(it->old, sn->idx), **seq;
	struct diff_pos *pos = NULL, key, *hit;
	size_t nold = 0, cap = 0, n = 0, nsur = 0, len = 0, lastkeep = SIZE_MAX;
	size_t *at, *tail, *prev, *sur;
	bool *keep;

	memset(r, 0, sizeof(*r));
	while (ofirst != NULL && ofirst->prev != NULL && ofirst->prev->sn == sn)
		ofirst = ofirst->prev;
	for (const struct cnode *e = ofirst; e && e->sn == sn; e = e->next) {
		if (nold == cap) {
			cap = cap ? cap * 2 : 16;
			pos = xrealloc(pos, cap * sizeof(*pos));
		}
		pos[nold] = (struct diff_pos){ e->val, e, nold };
		nold++;
	}
	if (nold > 0)
		qsort(pos, nold, sizeof(*pos), diff_pos_cmp);
	diff_lookups += nold; /* each key sorted, then each searched */
	for (const struct cnode *e = it->new; e && e->sn == sn; e = e->next)
		n++;
	seq = xcalloc(n + 1, sizeof(*seq));
	keep = xcalloc(n + 1, sizeof(*keep));
	at = xcalloc(n + 1, sizeof(*at));
	sur = xcalloc(n + 1, sizeof(*sur));
	tail = xcalloc(n + 1, sizeof(*tail));
	prev = xcalloc(n + 1, sizeof(*prev));
	r->v = xcalloc(n + 1, sizeof(*r->v));
	n = 0;
	for (const struct cnode *e = it->new; e && e->sn == sn; e = e->next) {
		key.val = e->val;
		diff_lookups++;
		hit = nold
		    ? bsearch(&key, pos, nold, sizeof(*pos), diff_pos_cmp)
		    : NULL;
		seq[n] = e;
		if (hit != NULL) {
			at[nsur] = hit->at;
			sur[nsur++] = n;
		}
		r->v[n++].old = hit != NULL ? hit->old : NULL;
	}
	free(pos);
	diff_visits += nold + n;
	/* An entry after the longest run's end extends it: the search
	 * would end there, and most entries of a list with a few moved do. */
	for (size_t i = 0; i < nsur; i++) {
		size_t lo = 0, hi = len;
		if (len > 0 && at[tail[len - 1]] < at[i])
			lo = hi = len;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (at[tail[mid]] < at[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		prev[i] = lo > 0 ? tail[lo - 1] : SIZE_MAX;
		tail[lo] = i;
		if (lo == len)
			len++;
	}
	for (size_t i = len ? tail[len - 1] : SIZE_MAX; i != SIZE_MAX;
	     i = prev[i]) {
		keep[sur[i]] = true;
		r->first = seq[sur[i]];
		if (lastkeep == SIZE_MAX)
			lastkeep = sur[i];
	}
	/* the entries outside the run, in place in r->v */
	for (size_t i = 0; i < n; i++)
		if (!keep[i])
			r->v[r->n++] = (struct diff_placed){ seq[i],
				r->v[i].old,
				r->v[i].old == NULL &&
				    (lastkeep == SIZE_MAX || i > lastkeep) };
	free(seq);
	free(keep);
	free(at);
	free(sur);
	free(tail);
	free(prev);
}

/* The run of it's list (see struct diff_run): from the walk's list of
 * unpaired entries when the item has one (a move among 40,000), else
 * from the sorted keys. */
void
diff_run_make(const struct diff_item *it, struct diff_run *r)
{
	if (!diff_run_named(it, r))
		diff_run_sorted(it, r);
}

void
diff_run_free(struct diff_run *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}
