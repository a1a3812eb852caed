/*
 * group: configuration groups, as Junos inherits them (docs/architecture.md,
 * "Configuration groups").  The tree an operator edits keeps what was typed
 * (`groups NAME { ... }`, `apply-groups [ ... ]`); an expanded tree, without
 * groups and apply-groups, with every inherited statement in place, is what
 * commit validates and the daemons run.
 *
 * An expanded tree is kept up to date, not rebuilt: grp_sync looks only where
 * the source tree is marked dirty (its changes since it was last committed)
 * and where those changes reach through the groups, so a change to a group
 * costs the places that inherit it.
 */
#ifndef QSAFE_GROUP_H
#define QSAFE_GROUP_H

#include "schema/conf.h"
#include "schema/validate.h"

struct grp;

/* An empty expanded tree; caller frees with grp_free. */
struct grp *grp_new(const struct schema *s);
/* A copy of g (its tree with its dirty marks); caller frees. */
struct grp *grp_dup(const struct grp *g);
void grp_free(struct grp *g);

/* The expanded tree; borrowed.  Its nodes' `from` name their group. */
struct conf *grp_tree(struct grp *g);

/*
 * Brings g's tree up to date with src.  Looks at src's dirty nodes (and
 * what inherits from them) only; the first call, a change to the set of
 * groups (one added, removed, renamed, (de)activated) or `full` redo all.
 * What changes in the tree is marked dirty there, as edits mark it.
 * An `apply-groups` naming no group is added to errs (may be NULL).
 */
void grp_sync(struct grp *g, struct conf *src, bool full, struct verrs *errs);

/* True when src defines a group (it then needs an expanded tree). */
bool grp_in_use(struct conf *src);

/*
 * Removes the `##` lines of `| display inheritance` from text (for
 * `| display inheritance no-comments`).
 */
void grp_strip_comments(struct sb *text);

#endif
