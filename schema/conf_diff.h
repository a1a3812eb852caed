/*
 * conf_diff: the difference between two configuration trees, found by a
 * linear walk of both.  With `dirty` set only nodes marked dirty in the new
 * tree are visited, so the cost follows the size of the change.
 *
 * From one diff come three things: the `show | compare` text, the delta
 * (editing commands that turn the old tree into the new one: stored as a
 * generation, replayed, and sent to the daemons), and the list of nodes the
 * commit-time checks must look at.
 */
#ifndef QSAFE_CONF_DIFF_H
#define QSAFE_CONF_DIFF_H

#include "lib/sb.h"
#include "schema/conf.h"

enum diff_kind {
	DIFF_ADD,   /* new: a subtree that old does not have */
	DIFF_DEL,   /* old: a subtree that new does not have */
	DIFF_VALUE, /* a leaf whose value changed */
	DIFF_META,  /* inactive flag or annotation changed */
	DIFF_ORDER, /* new: the first entry of a list whose order changed;
		     * old: the list's parent in the old tree */
};

/* An entry of a reordered list not paired in step: moved (both set),
 * deleted (new NULL) or added (old NULL); at: the new self's place in the
 * walk of the new children, so these few are put in new order without a
 * walk of the list. */
struct diff_oos {
	const struct cnode *old, *new;
	size_t at;
};

struct diff_item {
	enum diff_kind kind;
	const struct cnode *old;
	const struct cnode *new;
	/*
	 * DIFF_ORDER found by walking the lists side by side: every entry of
	 * the list that was not paired in step (noos of them, owned by the
	 * diff).  The others kept their order: they are the kept run, so a
	 * move among 40,000 needs no sort of the keys, no array of the list
	 * and no second walk of it.  NULL: not known.
	 */
	struct diff_oos *oos;
	size_t noos;
};

struct diff {
	struct diff_item *v;
	size_t n;
};

void conf_diff(
    struct conf *old, struct conf *new, bool dirty_only, struct diff *out);
void diff_free(struct diff *d);
/* Keyed look-ups the diffs made (of a child in the other tree, of a key in
 * a reordered list's sorted keys): tests read it, to bound a move's. */
extern unsigned long diff_lookups;
/* Entries of the lists of a reshaped node the diffs visited, walking
 * them in step and making their kept runs: a move among 40,000 must not
 * visit the 40,000 (tests read it). */
extern unsigned long diff_visits;

/* `show | compare` text (empty when there is no difference). */
void diff_compare_text(const struct diff *d, struct sb *out);
/* The delta as editing commands, one per line. */
void diff_delta_text(const struct diff *d, struct sb *out);
/* The same, handed out to k while it grows (lib/sb.h struct sb_sink): a
 * large change reaches the daemons while mgd still builds it. */
void diff_delta_text_sink(
    const struct diff *d, struct sb *out, struct sb_sink *k);
/* The delta's lines that add n's subtree (set, deactivate, annotate). */
void diff_add_text(const struct cnode *n, struct sb *out);
/*
 * The lines of a delta text that concern the given top paths ("security
 * ike"): at or under one of them, or above (`delete security`).  What a
 * daemon that owns those subtrees is sent; deactivate lines included.
 */
void diff_delta_filter(const char *text, size_t len,
    const char *const *prefixes, size_t nprefix, struct sb *out);
/* Whether one line of a delta (without its newline) is such a line. */
bool diff_line_concerns(
    const char *line, size_t len, const char *const *prefixes, size_t nprefix);
/*
 * The entries of a DIFF_ORDER item's list (new tree, new order) outside the
 * longest run that kept its order: those the delta places with `insert`.
 * Up to max into out; returns how many there are (more than max: too many).
 */
size_t diff_order_moved(
    const struct diff_item *it, const struct cnode **out, size_t max);

#endif
