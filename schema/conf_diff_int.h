/*
 * conf_diff_int: what conf_diff.c shares with conf_diff_step.c (the
 * entries a side-by-side walk meets out of step).  Not for other modules.
 */
#ifndef QSAFE_CONF_DIFF_INT_H
#define QSAFE_CONF_DIFF_INT_H

#include "schema/conf_diff.h"

/* Entries moved in one walk before it gives up (a list reversed): then
 * the look-ups of every child, as for a diff without marks. */
#define DIFF_MOVED_MAX 64
/* How far the walk looks for an entry's other self to tell which of two
 * entries out of step moved. */
#define DIFF_AHEAD_MAX 256
/* A DIFF_ORDER item names its list's unpaired entries up to this many;
 * beyond, diff_run_make sorts the keys (many added at once). */
#define DIFF_NAMED_MAX 256

/* Pointer -> index, open addressing: the entries met out of step. */
struct diff_pmap {
	struct diff_pslot {
		const void *k;
		size_t v;
	} * slot;
	size_t mask;
};

/* The state of diff_in_step's walk of one parent's children. */
struct diff_walk {
	/* an entry met out of step, by the self of it the walk has yet to
	 * meet -> its place in un */
	struct diff_pmap ahead;
	struct diff_oos *un; /* list entries not paired in step, walk order */
	size_t nun, capun, nmoved;
};

void diff_walk_free(struct diff_walk *w);
/* An entry of a list deleted (n NULL) or added (o NULL). */
void diff_walk_note(
    struct diff_walk *w, const struct cnode *o, const struct cnode *n);
/* e's other self when the walk met it out of step, or NULL. */
const struct cnode *diff_walk_met(
    const struct diff_walk *w, const struct cnode *e);
/*
 * oe (new self x) and ne (old self y), entries of one list that both
 * survive, out of step: which moved.  0: oe did (skip it, met again at
 * x); 1: ne did (pair it with y now, skip y when met); -1: too many
 * moved, give up.
 */
int diff_walk_moved(struct diff_walk *w, const struct cnode *oe,
    const struct cnode *x, const struct cnode *ne, const struct cnode *y);
/* Whether an entry of sn's list moved. */
bool diff_walk_has_moved(const struct diff_walk *w, const struct snode *sn);
/* Copies sn's unpaired entries into it (DIFF_ORDER) when few enough. */
void diff_walk_name(
    const struct diff_walk *w, const struct snode *sn, struct diff_item *it);

/*
 * A reordered list (DIFF_ORDER) in its new order: each entry, its old self
 * (NULL: added) and whether it kept its place, i.e. is in the longest run
 * of old entries that kept their relative order.  The others moved: the
 * compare text shows them (diff_moves) and the delta places them
 * (diff_order_lines), so moving one of 40,000 policies is one entry.
 */
struct diff_run {
	const struct cnode **seq, **old;
	bool *keep;
	size_t n;
};

/*
 * r's seq and old, and in new order the old places (at) of the entries
 * that survive and where they are in seq (sur, *nsur of them), from the
 * unpaired entries it names (DIFF_ORDER from the walk): a walk of the two
 * lists, no look-up.  false when it names none (nothing written).
 */
bool diff_run_named(const struct diff_item *it, const struct cnode *ofirst,
    struct diff_run *r, size_t *at, size_t *sur, size_t *nsur);

#endif
