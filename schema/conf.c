/*
 * conf: the configuration tree (see conf.h).
 *
 * Nodes and slot arrays come from the tree's node arena, values,
 * annotations and group names from its text arena (wiped when released:
 * secrets are among the values); freeing the tree gives both arenas back
 * without visiting a node.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "schema/arena.h"
#include "schema/conf.h"

/*
 * A bucket of the table of entries: open addressing with linear probing,
 * the node's hash beside it, so a look-up reads the node only when the
 * hash matches.  A miss (a first commit's look-ups are nearly all of
 * entries not made yet) costs the one cache line of its bucket, where
 * chains cost the bucket and a node of the chain; and the nodes need no
 * chain pointer (issue 13 §1, sixteenth round).
 */
struct conf_hent {
	struct cnode *n; /* NULL: empty */
	uint32_t hash;
};

struct conf {
	const struct schema *schema;
	struct cnode root;
	struct arena nodes;	/* cnodes and slot arrays */
	struct arena text;	/* val, annot, from */
	struct conf_hent *htab; /* list entries and leaf-list values */
	size_t hsize;		/* power of two */
	size_t hcount;
	size_t count;
	int64_t changed;
};

static bool
cnode_is_hashed(const struct snode *sn)
{
	return sn->kind == SN_LIST || sn->kind == SN_LEAFLIST;
}

/*
 * The parent pointer and the schema node mixed by multiplication, then
 * FNV-1a over the value.  Kept in the node (cnode.hash): a table grows
 * without hashing again, and a chain is walked without reading values
 * that cannot match.
 */
static uint32_t
conf_hash(const struct cnode *parent, const struct snode *sn, const char *val)
{
	uint64_t h = ((uint64_t)(uintptr_t)parent * 0x9e3779b97f4a7c15ULL) ^
	    ((uint64_t)(uintptr_t)sn * 0xc2b2ae3d27d4eb4fULL);

	h ^= h >> 29;
	for (const unsigned char *s = (const unsigned char *)val; *s; s++)
		h = (h ^ *s) * 1099511628211ULL;
	return (uint32_t)(h ^ (h >> 32));
}

/* Puts n in the table t of size entries (a power of two), not full. */
static void
conf_hash_put(struct conf_hent *t, size_t size, struct cnode *n)
{
	size_t i = n->hash & (size - 1);

	while (t[i].n != NULL)
		i = (i + 1) & (size - 1);
	t[i].n = n;
	t[i].hash = n->hash;
}

/* Sizes the table for want entries at a load of at most one half. */
static void
conf_hash_resize(struct conf *c, size_t want)
{
	size_t nsize = c->hsize ? c->hsize : 1024;
	struct conf_hent *nt;

	while (want > nsize / 2)
		nsize *= 2;
	if (nsize == c->hsize)
		return;
	nt = xcalloc(nsize, sizeof(*nt));
	for (size_t i = 0; i < c->hsize; i++)
		if (c->htab[i].n != NULL)
			conf_hash_put(nt, nsize, c->htab[i].n);
	free(c->htab);
	c->htab = nt;
	c->hsize = nsize;
}

void
conf_reserve(struct conf *c, size_t n)
{
	if (n > SIZE_MAX / 4 - c->hcount)
		fatal("conf: %zu entries asked for", n);
	conf_hash_resize(c, c->hcount + n);
}

static void
conf_hash_add(struct conf *c, struct cnode *n)
{
	if (c->hcount + 1 > c->hsize / 2)
		conf_hash_resize(c, c->hcount + 1);
	n->hash = conf_hash(n->parent, n->sn, n->val);
	conf_hash_put(c->htab, c->hsize, n);
	c->hcount++;
}

/*
 * Takes n out, moving back the entries after it that probed past its
 * bucket (no tombstones: a look-up stops at the first empty bucket).
 */
static void
conf_hash_del(struct conf *c, struct cnode *n)
{
	size_t mask = c->hsize - 1, i = n->hash & mask, j, home;

	for (; c->htab[i].n != n; i = (i + 1) & mask)
		if (c->htab[i].n == NULL)
			fatal("conf: node missing from its hash table");
	for (j = i;;) {
		j = (j + 1) & mask;
		if (c->htab[j].n == NULL)
			break;
		home = c->htab[j].hash & mask;
		/* j stays when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		c->htab[i] = c->htab[j];
		i = j;
	}
	c->htab[i].n = NULL;
	c->hcount--;
}

struct conf *
conf_new(const struct schema *s)
{
	struct conf *c = xcalloc(1, sizeof(*c));

	c->schema = s;
	c->root.sn = schema_root(s);
	c->changed = (int64_t)time(NULL);
	arena_init(&c->nodes, false);
	arena_init(&c->text, true);
	return c;
}

/* The tree n is part of: its root is the one inside struct conf. */
static struct conf *
cnode_conf(struct cnode *n)
{
	while (n->parent != NULL)
		n = n->parent;
	return (struct conf *)((char *)n - offsetof(struct conf, root));
}

static struct cnode *
conf_node_new(struct conf *c, const struct snode *sn, const char *val)
{
	struct cnode *n = arena_alloc(&c->nodes, sizeof(*n));

	n->sn = sn;
	n->val = arena_strdup(&c->text, val);
	return n;
}

static void
conf_slots_new(struct conf *c, struct cnode *n)
{
	n->slot = arena_alloc(&c->nodes, n->sn->nchild * sizeof(*n->slot));
}

/* Gives n's subtree back to the arenas, n itself included. */
static void
cnode_free_subtree(struct conf *c, struct cnode *n)
{
	struct cnode *ch = n->first, *next;

	for (; ch != NULL; ch = next) {
		next = ch->next;
		cnode_free_subtree(c, ch);
	}
	arena_release_str(&c->text, n->val);
	arena_release_str(&c->text, n->annot);
	arena_release_str(&c->text, n->from);
	if (n->slot != NULL)
		arena_release(
		    &c->nodes, n->slot, n->sn->nchild * sizeof(*n->slot));
	arena_release(&c->nodes, n, sizeof(*n));
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	/* Every node is in the arenas; the text arena wipes its chunks. */
	arena_fini(&c->nodes);
	arena_fini(&c->text);
	free(c->htab);
	free(c);
}

struct cnode *
conf_root(struct conf *c)
{
	return &c->root;
}

const struct schema *
conf_schema(const struct conf *c)
{
	return c->schema;
}

size_t
conf_count(const struct conf *c)
{
	return c->count;
}

int64_t
conf_changed(const struct conf *c)
{
	return c->changed;
}

void
conf_set_changed(struct conf *c, int64_t t)
{
	c->changed = t;
}

struct cnode *
conf_find(struct conf *c, const struct cnode *parent, const struct snode *sn,
    const char *val)
{
	if (!cnode_is_hashed(sn)) {
		if (parent->slot == NULL || sn->parent != parent->sn)
			return NULL;
		return parent->slot[sn->idx];
	}
	if (c->hsize == 0 || val == NULL)
		return NULL;
	/*
	 * The slot holds the last entry of the kind: none there, none at
	 * all; and the entry a change names is most often the one it made
	 * last.  Either way no walk of the table, whose bucket is a cache
	 * (and TLB) miss at 200,000 nodes: most of a first commit's look-ups
	 * are of entries not made yet (issue 13 §1, sixteenth round).
	 */
	if (sn->parent == parent->sn) {
		struct cnode *last =
		    parent->slot != NULL ? parent->slot[sn->idx] : NULL;
		if (last == NULL)
			return NULL;
		if (strcmp(last->val, val) == 0)
			return last;
	}
	uint32_t hash = conf_hash(parent, sn, val);
	size_t mask = c->hsize - 1;
	for (size_t i = hash & mask; c->htab[i].n != NULL; i = (i + 1) & mask) {
		struct cnode *n = c->htab[i].n;
		if (c->htab[i].hash == hash && n->parent == parent &&
		    n->sn == sn && strcmp(n->val, val) == 0)
			return n;
	}
	return NULL;
}

/* Marks n dirty and links it into its parent's list of dirty children. */
static void
cnode_mark_dirty(struct cnode *n)
{
	n->flags |= CN_DIRTY;
	if (n->parent != NULL) {
		n->dnext = n->parent->dfirst;
		n->parent->dfirst = n;
	}
}

void
conf_touch(struct cnode *n)
{
	for (; n != NULL && !(n->flags & CN_DIRTY); n = n->parent)
		cnode_mark_dirty(n);
}

/*
 * Marks n's subtree dirty, n already on its parent's list: below it every
 * node has CN_SHAPE, so the lists are not read and need not be made.
 */
static void
conf_touch_subtree(struct cnode *n)
{
	n->flags |= CN_DIRTY | CN_SHAPE;
	for (struct cnode *ch = n->first; ch; ch = ch->next)
		conf_touch_subtree(ch);
}

void
conf_touch_all(struct conf *c)
{
	conf_touch_subtree(&c->root);
}

/*
 * Follows the lists of dirty children, so a one-line change under 10,000
 * entries visits the path to it.  Under CN_SHAPE the list may name removed
 * nodes: all the children are walked instead, and numbered again (a move
 * left their positions out of order).
 */
static void
conf_clean_subtree(struct cnode *n)
{
	struct cnode *ch, *next;
	uint32_t pos = 0;

	if (!(n->flags & CN_DIRTY))
		return;
	if (n->flags & CN_SHAPE) {
		for (ch = n->first; ch; ch = ch->next) {
			conf_clean_subtree(ch);
			ch->dnext = NULL;
			if (ch->prev != NULL && ch->prev->sn != ch->sn)
				pos = 0;
			ch->pos = pos++;
		}
	} else {
		for (ch = n->dfirst; ch; ch = next) {
			next = ch->dnext;
			conf_clean_subtree(ch);
			ch->dnext = NULL;
		}
	}
	n->dfirst = NULL;
	n->flags &= ~(CN_DIRTY | CN_SHAPE);
}

void
conf_clean(struct conf *c)
{
	conf_clean_subtree(&c->root);
}

struct cnode *
cnode_dirty_next(const struct cnode *n, const struct cnode *ch)
{
	struct cnode *d;

	if (!(n->flags & CN_SHAPE))
		return ch != NULL ? ch->dnext : n->dfirst;
	for (d = ch != NULL ? ch->next : n->first; d != NULL; d = d->next)
		if (d->flags & CN_DIRTY)
			return d;
	return NULL;
}

bool
cnode_is_before(const struct cnode *a, const struct cnode *b)
{
	if (a->sn != b->sn)
		return a->sn->idx < b->sn->idx;
	return a->pos < b->pos;
}

static void
conf_changed_now(struct conf *c, struct cnode *n)
{
	conf_touch(n);
	c->changed = (int64_t)time(NULL);
}

/* Children lost, moved or re-keyed below n (see CN_SHAPE). */
static void
conf_reshaped(struct conf *c, struct cnode *n)
{
	conf_changed_now(c, n);
	n->flags |= CN_SHAPE;
}

/* Links n into parent's children at its schema position. */
static void
conf_link(struct conf *c, struct cnode *parent, struct cnode *n)
{
	struct cnode *after = NULL;

	if (parent->slot == NULL)
		conf_slots_new(c, parent);
	for (size_t i = n->sn->idx + 1; i-- > 0;) {
		if (parent->slot[i] != NULL) {
			after = parent->slot[i];
			break;
		}
	}
	n->parent = parent;
	/* The last of its kind: after the one that was. */
	n->pos = (after != NULL && after->sn == n->sn) ? after->pos + 1 : 0;
	n->prev = after;
	n->next = after ? after->next : parent->first;
	if (n->next)
		n->next->prev = n;
	else
		parent->last = n;
	if (after)
		after->next = n;
	else
		parent->first = n;
	parent->slot[n->sn->idx] = n;
}

static void
conf_unlink(struct cnode *n)
{
	struct cnode *parent = n->parent;
	unsigned idx = n->sn->idx;

	if (parent->slot[idx] == n)
		parent->slot[idx] =
		    (n->prev && n->prev->sn == n->sn) ? n->prev : NULL;
	if (n->prev)
		n->prev->next = n->next;
	else
		parent->first = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		parent->last = n->prev;
	n->prev = n->next = NULL;
}

static void
conf_forget_subtree(struct conf *c, struct cnode *n)
{
	for (struct cnode *ch = n->first; ch; ch = ch->next)
		conf_forget_subtree(c, ch);
	if (cnode_is_hashed(n->sn))
		conf_hash_del(c, n);
	c->count--;
}

void
conf_remove(struct conf *c, struct cnode *n)
{
	struct cnode *parent = n->parent;

	conf_forget_subtree(c, n);
	conf_unlink(n);
	cnode_free_subtree(c, n);
	conf_reshaped(c, parent);
}

void
conf_prune(struct conf *c, struct cnode *n)
{
	while (n != NULL && n != &c->root && n->first == NULL &&
	    n->sn->kind == SN_CONTAINER && !(n->sn->flags & SNF_PRESENCE)) {
		struct cnode *parent = n->parent;
		conf_remove(c, n);
		n = parent;
	}
}

/*
 * Removes the children of parent that sit in another case of a choice than
 * sn.  Looks at the kinds of children present (the parent's slots), not at
 * every child: under `security ike` that is 3 kinds, not 30,000 entries.
 */
static void
conf_remove_conflicts(
    struct conf *c, struct cnode *parent, const struct snode *sn)
{
	const struct snode *psn = parent->sn;

	if (parent->slot == NULL)
		return;
	for (size_t i = 0; i < psn->nchild; i++) {
		if (parent->slot[i] == NULL ||
		    !snode_conflicts(sn, psn->child[i]))
			continue;
		/* conf_remove moves the slot to the previous entry. */
		while (parent->slot[i] != NULL)
			conf_remove(c, parent->slot[i]);
	}
}

struct cnode *
conf_add(struct conf *c, struct cnode *parent, const struct snode *sn,
    const char *val, bool *created)
{
	struct cnode *n = conf_find(c, parent, sn, val);

	if (created)
		*created = false;
	if (n != NULL) {
		if (sn->kind == SN_LEAF)
			conf_set_value(c, n, val);
		return n;
	}
	/* A statement of one case removes those of the other cases. */
	if (sn->ly != NULL)
		conf_remove_conflicts(c, parent, sn);
	n = conf_node_new(c, sn, val);
	conf_link(c, parent, n);
	if (cnode_is_hashed(sn))
		conf_hash_add(c, n);
	c->count++;
	conf_changed_now(c, n);
	/* It may stand where a deleted namesake stood: compare it whole. */
	n->flags |= CN_SHAPE;
	if (created)
		*created = true;
	return n;
}

void
conf_move(struct conf *c, struct cnode *n, struct cnode *ref, bool before)
{
	struct cnode *parent = n->parent;

	if (n == ref)
		return;
	conf_unlink(n);
	if (before) {
		n->next = ref;
		n->prev = ref->prev;
		if (ref->prev)
			ref->prev->next = n;
		else
			parent->first = n;
		ref->prev = n;
	} else {
		n->prev = ref;
		n->next = ref->next;
		if (ref->next)
			ref->next->prev = n;
		else
			parent->last = n;
		ref->next = n;
	}
	/* The slot remembers the last entry of the list. */
	if (n->next == NULL || n->next->sn != n->sn)
		parent->slot[n->sn->idx] = n;
	conf_reshaped(c, parent);
	conf_touch(n);
}

int
conf_rekey(struct conf *c, struct cnode *n, const char *newkey)
{
	if (conf_find(c, n->parent, n->sn, newkey) != NULL)
		return -1;
	conf_hash_del(c, n);
	arena_release_str(&c->text, n->val);
	n->val = arena_strdup(&c->text, newkey);
	conf_hash_add(c, n);
	conf_reshaped(c, n->parent);
	conf_touch(n);
	return 0;
}

static struct cnode *
conf_copy_rec(struct conf *c, struct cnode *parent, const struct cnode *src,
    const char *val)
{
	struct cnode *n = conf_node_new(c, src->sn, val);

	n->annot = arena_strdup(&c->text, src->annot);
	n->from = arena_strdup(&c->text, src->from);
	n->flags = src->flags;
	n->parent = parent;
	if (n->flags & CN_DIRTY) {
		n->dnext = parent->dfirst;
		parent->dfirst = n;
	}
	n->pos = (parent->last != NULL && parent->last->sn == n->sn)
	    ? parent->last->pos + 1
	    : 0;
	/* Copies arrive in order: appending keeps schema order. */
	n->prev = parent->last;
	if (parent->last)
		parent->last->next = n;
	else
		parent->first = n;
	parent->last = n;
	if (parent->slot == NULL)
		conf_slots_new(c, parent);
	parent->slot[n->sn->idx] = n;
	if (cnode_is_hashed(n->sn))
		conf_hash_add(c, n);
	c->count++;
	for (const struct cnode *ch = src->first; ch; ch = ch->next)
		conf_copy_rec(c, n, ch, ch->val);
	return n;
}

struct cnode *
conf_copy_under(struct conf *c, struct cnode *parent, const struct cnode *src,
    const char *newkey)
{
	const char *val = newkey ? newkey : src->val;
	struct cnode *old = conf_find(c, parent, src->sn, val);
	struct cnode *n;

	if (old != NULL)
		conf_remove(c, old);
	n = conf_node_new(c, src->sn, val);
	n->annot = arena_strdup(&c->text, src->annot);
	/* Not src's marks: n goes on parent's list when conf_touch marks it. */
	n->flags = src->flags & ~(CN_DIRTY | CN_SHAPE);
	conf_link(c, parent, n);
	if (cnode_is_hashed(n->sn))
		conf_hash_add(c, n);
	c->count++;
	for (const struct cnode *ch = src->first; ch; ch = ch->next)
		conf_copy_rec(c, n, ch, ch->val);
	conf_changed_now(c, n);
	conf_touch_subtree(n);
	return n;
}

struct conf *
conf_dup(const struct conf *src)
{
	struct conf *c = conf_new(src->schema);

	c->changed = src->changed;
	/* One chunk of each arena for the whole copy. */
	arena_reserve(&c->nodes, arena_inuse(&src->nodes));
	arena_reserve(&c->text, arena_inuse(&src->text));
	/* The copy needs the same table: size it once instead of growing
	 * it through every power of two (each growth rehashes all). */
	if (src->hsize > 0) {
		c->htab = xcalloc(src->hsize, sizeof(*c->htab));
		c->hsize = src->hsize;
	}
	/* The root's dirty mark too: conf_clean and conf_touch stop at the
	 * first clean/dirty node, so a dirty child needs a dirty root.  The
	 * copies of dirty nodes go on their parents' lists (conf_copy_rec). */
	c->root.flags = src->root.flags;
	c->root.annot = arena_strdup(&c->text, src->root.annot);
	for (const struct cnode *ch = src->root.first; ch; ch = ch->next)
		conf_copy_rec(c, &c->root, ch, ch->val);
	return c;
}

void
conf_set_value(struct conf *c, struct cnode *n, const char *val)
{
	if ((n->val == NULL && val == NULL) ||
	    (n->val != NULL && val != NULL && strcmp(n->val, val) == 0))
		return;
	arena_release_str(&c->text, n->val);
	n->val = arena_strdup(&c->text, val);
	conf_changed_now(c, n);
}

void
conf_set_annot(struct conf *c, struct cnode *n, const char *text)
{
	arena_release_str(&c->text, n->annot);
	n->annot = (text && *text) ? arena_strdup(&c->text, text) : NULL;
	conf_changed_now(c, n);
}

void
conf_set_inactive(struct conf *c, struct cnode *n, bool inactive)
{
	if (inactive)
		n->flags |= CN_INACTIVE;
	else
		n->flags &= ~CN_INACTIVE;
	conf_changed_now(c, n);
}

void
conf_set_from(struct cnode *n, const char *group)
{
	if ((n->from == NULL && group == NULL) ||
	    (n->from != NULL && group != NULL && strcmp(n->from, group) == 0))
		return;
	struct conf *c = cnode_conf(n);

	arena_release_str(&c->text, n->from);
	n->from = arena_strdup(&c->text, group);
}

/*
 * The schema says which kind name is; the slots say where that kind's
 * children start: after the last child of the nearest earlier kind present
 * (children are in schema order).  A look-up under a container of 9,000
 * list entries no longer compares the name with each of them.
 */
const struct cnode *
cnode_child(const struct cnode *n, const char *name)
{
	const struct snode *sn;
	const struct cnode *c;

	if (n == NULL || n->slot == NULL ||
	    (sn = snode_child_named(n->sn, name)) == NULL ||
	    n->slot[sn->idx] == NULL)
		return NULL;
	c = n->first;
	for (size_t i = sn->idx; i-- > 0;) {
		if (n->slot[i] != NULL) {
			c = n->slot[i]->next;
			break;
		}
	}
	for (; c != NULL && c->sn == sn; c = c->next)
		if (!(c->flags & CN_INACTIVE))
			return c;
	return NULL;
}

const char *
cnode_child_val(const struct cnode *n, const char *name)
{
	const struct cnode *c = cnode_child(n, name);

	return c ? c->val : NULL;
}

bool
cnode_is_inactive(const struct cnode *n)
{
	for (; n != NULL; n = n->parent)
		if (n->flags & CN_INACTIVE)
			return true;
	return false;
}

size_t
conf_count_kind(
    struct conf *c, const struct cnode *parent, const struct snode *sn)
{
	size_t n = 0;
	const struct cnode *ch;

	(void)c;
	if (parent->slot == NULL || parent->slot[sn->idx] == NULL)
		return 0;
	for (ch = parent->slot[sn->idx]; ch && ch->sn == sn; ch = ch->prev)
		n++;
	return n;
}

static void
conf_usage_walk(const struct cnode *n, struct conf_usage *u)
{
	u->nodes++;
	if (n->slot != NULL) {
		u->inner++;
		u->slot_bytes +=
		    (n->sn->nchild * sizeof(*n->slot) + ARENA_ALIGN - 1) /
		    ARENA_ALIGN * ARENA_ALIGN;
	}
	for (const struct cnode *ch = n->first; ch; ch = ch->next)
		conf_usage_walk(ch, u);
}

void
conf_usage(const struct conf *c, struct conf_usage *u)
{
	memset(u, 0, sizeof(*u));
	conf_usage_walk(&c->root, u);
	u->node_bytes = arena_inuse(&c->nodes) - u->slot_bytes;
	u->text_bytes = arena_inuse(&c->text);
	u->table_bytes = c->hsize * sizeof(*c->htab);
}

/* Root children point at the embedded root: re-point them after a swap. */
static void
conf_fix_root(struct conf *c)
{
	for (struct cnode *ch = c->root.first; ch; ch = ch->next) {
		if (ch->sn->kind == SN_LIST || ch->sn->kind == SN_LEAFLIST)
			conf_hash_del(c, ch);
		ch->parent = &c->root;
		if (ch->sn->kind == SN_LIST || ch->sn->kind == SN_LEAFLIST)
			conf_hash_add(c, ch);
	}
}

void
conf_swap(struct conf *a, struct conf *b)
{
	struct conf tmp = *a;

	*a = *b;
	*b = tmp;
	conf_fix_root(a);
	conf_fix_root(b);
}
