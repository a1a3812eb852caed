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
/* conf_find of a child in the other tree, counted (diff_lookups). */
const struct cnode *diff_find(struct conf *c, const struct cnode *parent,
    const struct snode *sn, const char *val);
/* An entry of a list deleted (n NULL) or added (o NULL) at place at of
 * the new list. */
void diff_walk_note(struct diff_walk *w, const struct cnode *o,
    const struct cnode *n, size_t at);
/* e's other self when the walk met it out of step, or NULL. */
const struct cnode *diff_walk_met(
    const struct diff_walk *w, const struct cnode *e);
/* ne, met at place at of the new list, is the new self of an entry that
 * moved later: its place is known now. */
void diff_walk_placed(struct diff_walk *w, const struct cnode *ne, size_t at);
/*
 * oe (new self x) and ne (old self y, at place at of the new list),
 * entries of one list that both survive, out of step: which moved.  0: oe
 * did (skip it, met again at x); 1: ne did (pair it with y now, skip y
 * when met); -1: too many moved, give up.
 */
int diff_walk_moved(struct diff_walk *w, const struct cnode *oe,
    const struct cnode *x, const struct cnode *ne, const struct cnode *y,
    size_t at);
/* Whether an entry of sn's list moved. */
bool diff_walk_has_moved(const struct diff_walk *w, const struct snode *sn);
/* Copies sn's unpaired entries into it (DIFF_ORDER) when few enough. */
void diff_walk_name(
    const struct diff_walk *w, const struct snode *sn, struct diff_item *it);

/* What the walk of o's and n's children may skip (conf_diff_skip.c). */
struct diff_skip {
	bool on; /* n reshaped by moves alone: stretches in step skipped */
	/* n's dirty children, and the old selves of those that have one,
	 * in order */
	const struct cnode **dn, **dold;
	size_t ndn, ndold;
};

void diff_skip_init(struct conf *oc, const struct cnode *o,
    const struct cnode *n, struct diff_skip *s);
void diff_skip_free(struct diff_skip *s);
/*
 * oe and ne in step (the same entry of a list, not its first, ne clean
 * and not met out of step before): moves them on to the last pair still
 * in step before an entry the walk must look at (the pairs between need
 * nothing: clean, in step); false when there is none further on.
 */
bool diff_skip_to(struct conf *oc, const struct cnode *o, struct conf *nc,
    const struct cnode *n, const struct diff_skip *s, const struct diff_walk *w,
    const struct cnode **oe, const struct cnode **ne);

/*
 * A reordered list (DIFF_ORDER): its entries outside the longest run of
 * old entries that kept their relative order (moved: old set; added: old
 * NULL), in new order, n of them.  The compare text shows the moved ones
 * (diff_moves) and the delta places them (diff_order_lines), so moving
 * one of 40,000 policies is one entry.  first: the first entry of the run
 * (NULL: none kept its place); tail: an added entry after the run's last,
 * already where the additions put it.
 */
struct diff_run {
	struct diff_placed {
		const struct cnode *new, *old;
		bool tail;
	} * v;
	size_t n;
	const struct cnode *first;
};

/*
 * r from it's named unpaired entries (DIFF_ORDER from the walk): the
 * others are the run.  The list's ends are walked as far as its named
 * entries go, no further.  false when it names none.
 */
bool diff_run_named(const struct diff_item *it, struct diff_run *r);
/* r of it's list: from its named entries, else from its sorted keys. */
void diff_run_make(const struct diff_item *it, struct diff_run *r);
void diff_run_free(struct diff_run *r);

/* qsort order of cnode pointers by their place in the tree (conf_diff.c) */
int diff_cmp_place(const void *a, const void *b);

#endif
