/*
 * conf_diff_step: entries met out of step.  diff_in_step (conf_diff.c)
 * walks the old and new children of a list's parent side by side; a
 * policy moved among 40,000 puts one entry out of step.  Rather than look
 * every child up in the other tree, the walk remembers that entry by the
 * self it has yet to meet and skips it there (issue 13 §1: a move costs a
 * walk of the two lists and a few look-ups).  The list's entries that were
 * not paired in step go with its DIFF_ORDER item, so the longest run of
 * entries that kept their order is found by a second walk, not by sorting
 * 40,000 keys (diff_run_named).
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
diff_walk_note(
    struct diff_walk *w, const struct cnode *o, const struct cnode *n)
{
	if (w->nun == w->capun) {
		w->capun = w->capun ? w->capun * 2 : 8;
		w->un = xrealloc(w->un, w->capun * sizeof(*w->un));
	}
	w->un[w->nun++] = (struct diff_oos){ o, n };
}

const struct cnode *
diff_walk_met(const struct diff_walk *w, const struct cnode *e)
{
	size_t k = w->nmoved ? pmap_get(&w->ahead, e) : SIZE_MAX;

	if (k == SIZE_MAX)
		return NULL;
	return w->un[k].old == e ? w->un[k].new : w->un[k].old;
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
    const struct cnode *x, const struct cnode *ne, const struct cnode *y)
{
	int which;

	if (w->nmoved == DIFF_MOVED_MAX)
		return -1;
	if (w->ahead.slot == NULL)
		pmap_init(&w->ahead, DIFF_MOVED_MAX);
	which = diff_nearer(oe, y, ne, x);
	if (which == 0) {
		pmap_put(&w->ahead, x, w->nun);
		diff_walk_note(w, oe, x);
	} else {
		pmap_put(&w->ahead, y, w->nun);
		diff_walk_note(w, y, ne);
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

/* Where they are: old place and place among the survivors, once known. */
struct run_named {
	size_t at, sur;
};

/* Both known: the survivor's old place is set. */
static void
run_named_meet(struct run_named *p, size_t *at)
{
	if (p->at != SIZE_MAX && p->sur != SIZE_MAX)
		at[p->sur] = p->at;
}

bool
diff_run_named(const struct diff_item *it, const struct cnode *ofirst,
    struct diff_run *r, size_t *at, size_t *sur, size_t *nsur)
{
	const struct snode *sn = it->new->sn;
	const struct cnode *oe = ofirst, *ne = it->new;
	struct diff_pmap m = { 0 };
	struct run_named *p;
	size_t idx = 0, k;
	bool ok = false;

	if (it->oos == NULL)
		return false;
	pmap_init(&m, 2 * it->noos);
	p = xcalloc(it->noos, sizeof(*p));
	for (size_t i = 0; i < it->noos; i++) {
		if (it->oos[i].old != NULL)
			pmap_put(&m, it->oos[i].old, i);
		if (it->oos[i].new != NULL)
			pmap_put(&m, it->oos[i].new, i);
		p[i] = (struct run_named){ SIZE_MAX, SIZE_MAX };
	}
	r->n = *nsur = 0;
	for (;;) {
		/* old entries named: deleted, or moved (their place noted) */
		while (oe != NULL && oe->sn == sn &&
		    (k = pmap_get(&m, oe)) != SIZE_MAX) {
			p[k].at = idx++;
			run_named_meet(&p[k], at);
			oe = oe->next;
		}
		if (ne == NULL || ne->sn != sn)
			break;
		r->seq[r->n] = ne;
		if ((k = pmap_get(&m, ne)) != SIZE_MAX) {
			/* added, or moved */
			r->old[r->n] = it->oos[k].old;
			if (it->oos[k].old != NULL) {
				p[k].sur = *nsur;
				sur[(*nsur)++] = r->n;
				run_named_meet(&p[k], at);
			}
		} else {
			/* in step: the next old entry not named (checked:
			 * a wrong list must not make a wrong delta) */
			if (oe == NULL || oe->sn != sn ||
			    strcmp(oe->val, ne->val) != 0)
				goto done;
			r->old[r->n] = oe;
			at[*nsur] = idx++;
			sur[(*nsur)++] = r->n;
			oe = oe->next;
		}
		r->n++;
		ne = ne->next;
	}
	/* every old entry is paired or named, every moved one placed */
	if (oe != NULL && oe->sn == sn)
		goto done;
	ok = true;
	for (size_t i = 0; i < it->noos; i++)
		if (it->oos[i].old != NULL && it->oos[i].new != NULL &&
		    (p[i].at == SIZE_MAX || p[i].sur == SIZE_MAX))
			ok = false;
done:
	free(p);
	free(m.slot);
	return ok;
}
