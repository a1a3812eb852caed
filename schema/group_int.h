/*
 * group_int: what the files of configuration groups share (group.c: the
 * expanded tree and its sync; group_src.c: the sources of each place, that
 * is apply-groups, wildcard matching and the groups' paths to it).
 */
#ifndef QSAFE_GROUP_INT_H
#define QSAFE_GROUP_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "schema/group.h"

struct grp {
	struct conf *x;
	char *sig; /* the groups at the last sync: names, states */
};

/* One source of a place: a typed node (g NULL) or a group's node. */
struct gsrc {
	const struct cnode *n;
	const char *g;
};

struct gsrcs {
	struct gsrc *v;
	size_t n, cap;
};

struct gsync {
	struct grp *g;
	struct conf *src;
	const struct snode *groups_sn; /* the list of groups */
	struct verrs *errs;
	const struct cnode *groups; /* src's `groups`, or NULL */
	bool incr; /* placing one statement: every sibling is placed */
};

/* group_src.c */
/* The `groups` container of the schema. */
const struct snode *grp_groups_snode(const struct schema *s);
/* src's `groups` node, or NULL. */
const struct cnode *grp_groups_node(struct conf *src);
void gsrcs_push(struct gsrcs *a, const struct cnode *n, const char *g);
/* Does a group's list entry key name wildcards? */
bool grp_is_wild(const struct cnode *n);
/* Does the key pat (with wildcards) match key? */
bool grp_key_match(const char *pat, const char *key);
/* The child statement of a source node's schema that stands for msn. */
const struct snode *grp_child_snode(
    const struct snode *sn, const struct snode *msn);
/* The children of group node s that stand at the place (msn, val); all
 * takes inactive ones too. */
void grp_matches_all(struct gsync *y, const struct cnode *s, const char *g,
    const struct snode *msn, const char *val, bool all, struct gsrcs *out);
/* Did the apply-groups of local node l change? */
bool grp_apply_changed(const struct cnode *l);
/* The sources of expanded node xn: typed node l, its groups, the parent's. */
void grp_sources(struct gsync *y, const struct cnode *xn, const struct cnode *l,
    const struct gsrcs *pn, struct gsrcs *out);

#endif
