/*
 * conf: a configuration tree (docs/architecture.md, "The schema and the
 * configuration tree").
 *
 * Children of a container or list entry are kept in schema order; entries of
 * one list (and values of one leaf-list) in the order they were created.
 * A node finds the last child of a kind by walking back over its few
 * children, or once it has CONF_SLOTS_MIN of them through a slot array
 * indexed by the schema child index, and list entries / leaf-list values
 * through one hash table per tree, so edits and look-ups cost O(1) whatever
 * the size of the configuration.
 *
 * Each edit marks the node it touched and its ancestors dirty; conf_diff()
 * walks only dirty nodes, so a commit costs what the change costs.  A dirty
 * node is linked into its parent's list of dirty children
 * (cnode_kids.dfirst, cnode.dnext), so neither conf_diff nor conf_clean
 * visits the 10,000 clean siblings of the one VPN a commit adds.
 */
#ifndef QSAFE_CONF_H
#define QSAFE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/sb.h"
#include "schema/schema.h"

#define CN_INACTIVE 0x01 /* deactivated: kept, shown, not in effect */
#define CN_DIRTY 0x02	 /* this node or one below changed */
/*
 * Children were removed, moved or re-keyed here (or the subtree was touched
 * wholesale).  Without it, a dirty node's children changed only by additions
 * at the end of their kind, so conf_diff need not look for deletions or
 * reordering among thousands of untouched siblings.  Implies CN_DIRTY.
 */
#define CN_SHAPE 0x04
/* Marks used while an expanded tree is brought up to date (group.c). */
#define CN_GMARK 0x08
#define CN_GNEW 0x10
/* Has an annotation / a group name in the tree's conf_xtab. */
#define CN_ANNOT 0x20
#define CN_FROM 0x40
/*
 * The children must all be walked at the next conf_clean: a move left
 * their positions out of order, a dirty child was removed (the list of
 * dirty children names it), or the subtree was touched wholesale (dirty
 * children on no list).  A delete of a clean child only leaves a gap in
 * the positions, which still increase: no walk of 40,000 siblings (issue
 * 13 §1, thirty-fourth round).  Implies CN_SHAPE.
 */
#define CN_RENUM 0x80
/*
 * With CN_SHAPE: the children's shape changed by moves alone (conf_move),
 * each moved one on the list of dirty children; none removed or re-keyed.
 * The children that are not dirty are then those of the committed tree in
 * the same order, so the diff skips their stretches (conf_diff_skip.c).
 */
#define CN_MOVES 0x100

/* Separates the keys of a multi-key list entry inside cnode.val. */
#define CONF_KEY_SEP '\x1f'

/*
 * A node of the tree: 64 bytes, what every node needs.  A node that may
 * have children (container, list entry: cnode_kids) has a struct
 * cnode_kids right after it in the same block; a leaf or leaf-list value
 * has nothing more.  Annotations and group names are in a table of the
 * tree (conf_xtab.h: cnode_annot, cnode_from).  Fresh memory touched is
 * the largest single cost of a big commit in every daemon (issue 13 §1,
 * twentieth round).
 */
struct cnode {
	const struct snode *sn;
	/*
	 * list entry: its key (keys joined by CONF_KEY_SEP); leaf and
	 * leaf-list value: the value (secrets in $9$ form); container and
	 * empty leaf: NULL.
	 */
	char *val;
	struct cnode *parent, *first, *prev, *next;
	/* Next on the parent's list of dirty children (cnode_kids.dfirst). */
	struct cnode *dnext;
	uint16_t flags;
	/*
	 * Containers and list entries: the children, counted until
	 * CONF_SLOTS_MIN (then the slot array is made, and the count no
	 * longer read).  Here, not in cnode_kids: it fills what would be
	 * padding.
	 */
	uint16_t nkids;
	/*
	 * Orders the children of one kind: increasing along the siblings,
	 * with gaps where children were removed, while the parent is
	 * without CN_RENUM.  Lets the dirty children be put in order without
	 * walking the clean ones.  Numbered CONF_POS_STEP apart, so a moved
	 * entry takes a position between its new neighbours'; only when
	 * none is left (ten moves into one gap) does a move set
	 * CN_RENUM and all the siblings get numbered again at conf_clean.
	 */
	uint32_t pos;
};

/* The step between the positions of consecutive children of a kind. */
#define CONF_POS_STEP 1024u
/* Children numbered by conf_clean (a move with no room, a subtree touched
 * whole): tests read it, a move among 40,000 must not renumber them. */
extern unsigned long conf_renumbered;

/* Below this many children the last of a kind is found by walking back
 * from the last child; from it on, through the slot array. */
#define CONF_SLOTS_MIN 8

struct cnode_kids {
	struct cnode *last;
	/*
	 * The dirty children, in no order (newest first).  Read it through
	 * cnode_dirty_next: under CN_RENUM it may name removed nodes.
	 */
	struct cnode *dfirst;
	/*
	 * [sn->nchild]: last child of each kind, once the node has had
	 * CONF_SLOTS_MIN children; NULL before (most list entries have a
	 * few children of many possible kinds: 160 bytes of slots for a
	 * gateway's 5 leaves).
	 */
	struct cnode **slot;
};

/* True for the nodes followed by a struct cnode_kids. */
static inline bool
cnode_has_kids(const struct cnode *n)
{
	return n->sn->kind == SN_CONTAINER || n->sn->kind == SN_LIST;
}

/* n's children bookkeeping, or NULL for a leaf. */
static inline struct cnode_kids *
cnode_kids(const struct cnode *n)
{
	return cnode_has_kids(n) ? (struct cnode_kids *)(uintptr_t)(n + 1)
				 : NULL;
}

struct conf;

/* An empty tree; caller frees with conf_free. */
struct conf *conf_new(const struct schema *s);
void conf_free(struct conf *c);
/* A deep copy (flags, dirty marks included); caller frees. */

struct conf *conf_dup(const struct conf *c);

/* Exchanges the contents of two trees. */
void conf_swap(struct conf *a, struct conf *b);

struct cnode *conf_root(struct conf *c);
const struct schema *conf_schema(const struct conf *c);
size_t conf_count(const struct conf *c); /* nodes, root excluded */
/*
 * Makes room for n more list entries and leaf-list values at once (a text
 * of n lines is about to be applied): the table is sized once instead of
 * growing through every power of two, each growth a pass over all entries.
 */
void conf_reserve(struct conf *c, size_t n);

/* Child of parent of kind sn with value/key val (val ignored for containers
 * and leaves), or NULL.  Borrowed. */
struct cnode *conf_find(struct conf *c, const struct cnode *parent,
    const struct snode *sn, const char *val);

/*
 * Adds a child of kind sn (or returns the existing one).  For a leaf the value
 * is replaced.  Siblings in another case of a choice are removed, as Junos
 * does.  A new list entry or leaf-list value goes after the last of its
 * kind (conf_move puts it elsewhere: `insert`).  *created tells whether a
 * node was made.  Never fails.
 */
struct cnode *conf_add(struct conf *c, struct cnode *parent,
    const struct snode *sn, const char *val, bool *created);

/* Removes n and its subtree (n may not be the root). */
void conf_remove(struct conf *c, struct cnode *n);
/* Removes non-presence containers left empty, from n upwards. */
void conf_prune(struct conf *c, struct cnode *n);

/* Moves list entry n before/after its sibling ref (same list). */
void conf_move(struct conf *c, struct cnode *n, struct cnode *ref, bool before);
/* Gives list entry n a new key; fails (-1) when one exists already. */
int conf_rekey(struct conf *c, struct cnode *n, const char *newkey);
/* Deep-copies the subtree of src under parent (src may be in another tree);
 * for a list entry newkey replaces its key.  Returns the copy. */
struct cnode *conf_copy_under(struct conf *c, struct cnode *parent,
    const struct cnode *src, const char *newkey);

void conf_set_value(struct conf *c, struct cnode *n, const char *val);
void conf_set_annot(struct conf *c, struct cnode *n, const char *text);
void conf_set_inactive(struct conf *c, struct cnode *n, bool inactive);
/* Records the group n was inherited from (NULL: none); not a change. */
void conf_set_from(struct cnode *n, const char *group);

/* Marks n and its ancestors dirty. */
void conf_touch(struct cnode *n);
/* Marks every node dirty (after the whole tree was replaced). */
void conf_touch_all(struct conf *c);
/* Clears the dirty marks, visiting only the dirty nodes. */
void conf_clean(struct conf *c);
/*
 * The dirty child of n after ch (the first for NULL), in no particular
 * order, or NULL: the list of dirty children, or under CN_SHAPE (where
 * removed nodes may be on it) a walk of all the children.  Borrowed.
 */
struct cnode *cnode_dirty_next(const struct cnode *n, const struct cnode *ch);
/* True when a's position among its siblings comes before b's (same parent,
 * the parent without CN_SHAPE). */
bool cnode_is_before(const struct cnode *a, const struct cnode *b);

/* The last child of n (NULL: none). */
struct cnode *cnode_last(const struct cnode *n);
/* The last child of n of the kind of index idx among n->sn's children
 * (NULL: none, or n a leaf). */
struct cnode *cnode_last_idx(const struct cnode *n, size_t idx);
/* n's annotation, the group it was inherited from: NULL when none. */
const char *cnode_annot(const struct cnode *n);
const char *cnode_from(const struct cnode *n);

/* True when n or an ancestor is deactivated. */
bool cnode_is_inactive(const struct cnode *n);
/*
 * The first child of n named name that is not deactivated, or NULL (n may
 * be NULL): how the daemons read the configuration they run.  Borrowed.
 */
const struct cnode *cnode_child(const struct cnode *n, const char *name);
/* The same for a kind sn of n->sn's children already looked up (a reader
 * that asks for one kind under many nodes: hostd's policies). */
const struct cnode *cnode_child_kind(
    const struct cnode *n, const struct snode *sn);
/* That child's value (key or leaf value), or NULL. */
const char *cnode_child_val(const struct cnode *n, const char *name);
/* Number of children of kind sn under parent. */
size_t conf_count_kind(
    struct conf *c, const struct cnode *parent, const struct snode *sn);

/*
 * Where a tree's bytes are (bench/conf_parse): nodes, their slot arrays,
 * values and annotations, the table of entries.
 */
struct conf_usage {
	size_t nodes; /* root included */
	size_t inner; /* nodes that may have children */
	size_t node_bytes;
	size_t slot_bytes;
	size_t text_bytes;
	size_t table_bytes;
};
void conf_usage(const struct conf *c, struct conf_usage *u);

/* Last modification time of the tree (for `## Last changed:`). */
int64_t conf_changed(const struct conf *c);
void conf_set_changed(struct conf *c, int64_t t);

#endif
