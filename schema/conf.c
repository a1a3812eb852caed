/*
 * conf: the configuration tree (see conf.h).
 *
 * Nodes (with their cnode_kids) and slot arrays come from the tree's node
 * arena, values, annotations and group names from its text arena (wiped
 * when released: secrets are among the values); freeing the tree gives
 * both arenas back without visiting a node.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "schema/conf_impl.h"

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
cnode_conf(const struct cnode *n)
{
	while (n->parent != NULL)
		n = n->parent;
	return (struct conf *)((uintptr_t)n - offsetof(struct conf, root));
}

static size_t
cnode_size(const struct snode *sn)
{
	return sizeof(struct cnode) +
	    (sn->kind == SN_CONTAINER || sn->kind == SN_LIST
		    ? sizeof(struct cnode_kids)
		    : 0);
}

static struct cnode *
conf_node_new(struct conf *c, const struct snode *sn, const char *val)
{
	struct cnode *n = arena_alloc(&c->nodes, cnode_size(sn));

	n->sn = sn;
	n->val = arena_strdup(&c->text, val);
	return n;
}

/* The slot array of n, made from its children (CONF_SLOTS_MIN reached). */
static void
conf_slots_new(struct conf *c, struct cnode *n)
{
	struct cnode_kids *k = cnode_kids(n);

	k->slot = arena_alloc(&c->nodes, n->sn->nchild * sizeof(*k->slot));
	/* In order: the last of a kind is written last. */
	for (struct cnode *ch = n->first; ch; ch = ch->next)
		k->slot[ch->sn->idx] = ch;
}

/* Counts ch, just linked under parent as the last of its kind. */
static void
conf_kid_added(struct conf *c, struct cnode *parent, struct cnode *ch)
{
	struct cnode_kids *k = cnode_kids(parent);

	if (k->slot != NULL) {
		k->slot[ch->sn->idx] = ch;
		return;
	}
	/* Saturates: with one kind of child no slot array is made. */
	if (parent->nkids < CONF_SLOTS_MIN)
		parent->nkids++;
	if (parent->nkids >= CONF_SLOTS_MIN && parent->sn->nchild > 1)
		conf_slots_new(c, parent);
}

/* The last child of n whose kind's index is at most idx, or NULL. */
struct cnode *
cnode_last_upto(const struct cnode *n, size_t idx)
{
	const struct cnode_kids *k = cnode_kids(n);
	struct cnode *ch;

	if (k->slot != NULL) {
		for (size_t i = idx + 1; i-- > 0;)
			if (k->slot[i] != NULL)
				return k->slot[i];
		return NULL;
	}
	for (ch = k->last; ch != NULL && ch->sn->idx > idx; ch = ch->prev)
		;
	return ch;
}

struct cnode *
cnode_last_idx(const struct cnode *n, size_t idx)
{
	const struct cnode_kids *k = cnode_kids(n);
	struct cnode *ch;

	if (k == NULL)
		return NULL;
	if (k->slot != NULL)
		return k->slot[idx];
	ch = cnode_last_upto(n, idx);
	return ch != NULL && ch->sn->idx == idx ? ch : NULL;
}

struct cnode *
cnode_last(const struct cnode *n)
{
	const struct cnode_kids *k = cnode_kids(n);

	return k != NULL ? k->last : NULL;
}

const char *
cnode_annot(const struct cnode *n)
{
	if (!(n->flags & CN_ANNOT))
		return NULL;
	return conf_xtab_find(&cnode_conf(n)->xtab, n)->annot;
}

const char *
cnode_from(const struct cnode *n)
{
	if (!(n->flags & CN_FROM))
		return NULL;
	return conf_xtab_find(&cnode_conf(n)->xtab, n)->from;
}

/*
 * Gives n the annotation annot and group name from (NULL: none), copies
 * in c's text arena, replacing those it had; n->flags says which it has.
 */
static void
cnode_set_extra(
    struct conf *c, struct cnode *n, const char *annot, const char *from)
{
	/* Copied first: annot or from may be n's own, released below. */
	char *a = arena_strdup(&c->text, annot);
	char *f = arena_strdup(&c->text, from);
	struct conf_xent *e;

	if (n->flags & (CN_ANNOT | CN_FROM)) {
		e = conf_xtab_find(&c->xtab, n);
		arena_release_str(&c->text, e->annot);
		arena_release_str(&c->text, e->from);
		conf_xtab_del(&c->xtab, n);
		n->flags &= ~(uint16_t)(CN_ANNOT | CN_FROM);
	}
	if (a == NULL && f == NULL)
		return;
	e = conf_xtab_get(&c->xtab, n);
	e->annot = a;
	e->from = f;
	n->flags |= (a ? CN_ANNOT : 0) | (f ? CN_FROM : 0);
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
	cnode_set_extra(c, n, NULL, NULL);
	if (cnode_has_kids(n) && cnode_kids(n)->slot != NULL)
		arena_release(&c->nodes, cnode_kids(n)->slot,
		    n->sn->nchild * sizeof(*cnode_kids(n)->slot));
	arena_release(&c->nodes, n, cnode_size(n->sn));
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	/* Every node is in the arenas; the text arena wipes its chunks. */
	arena_fini(&c->nodes);
	arena_fini(&c->text);
	conf_xtab_free(&c->xtab);
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
		if (sn->parent != parent->sn)
			return NULL;
		return cnode_last_idx(parent, sn->idx);
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
		struct cnode *last = cnode_last_idx(parent, sn->idx);
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

unsigned long conf_renumbered;

/* The position after p among its kind: a step on, room for entries moved
 * in between; UINT32_MAX when no room is left (then renumbered). */
static uint32_t
pos_after(uint32_t p)
{
	return p < UINT32_MAX - 2 * CONF_POS_STEP ? p + CONF_POS_STEP
						  : UINT32_MAX;
}

/* Marks n dirty and links it into its parent's list of dirty children. */
static void
cnode_mark_dirty(struct cnode *n)
{
	n->flags |= CN_DIRTY;
	if (n->parent != NULL) {
		n->dnext = cnode_kids(n->parent)->dfirst;
		cnode_kids(n->parent)->dfirst = n;
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
 * node has CN_SHAPE and CN_RENUM, so the lists are not read and need not
 * be made.
 */
static void
conf_touch_subtree(struct cnode *n)
{
	n->flags |= CN_DIRTY | CN_SHAPE | CN_RENUM;
	for (struct cnode *ch = n->first; ch; ch = ch->next)
		conf_touch_subtree(ch);
}

void
conf_touch_all(struct conf *c)
{
	conf_touch_subtree(&c->root);
}

/*
 * Follows the lists of dirty children, so a one-line change or delete
 * under 10,000 entries visits the path to it.  Under CN_RENUM the list may
 * name removed nodes: all the children are walked instead, and numbered
 * again (a move found no room between its new neighbours).
 */
static void
conf_clean_subtree(struct cnode *n)
{
	struct cnode *ch, *next;
	uint32_t pos = 0;
	bool full = false;

	if (!(n->flags & CN_DIRTY))
		return;
	if (n->flags & CN_RENUM) {
		for (ch = n->first; ch; ch = ch->next) {
			conf_clean_subtree(ch);
			ch->dnext = NULL;
			pos = ch->prev != NULL && ch->prev->sn == ch->sn
			    ? pos_after(pos)
			    : CONF_POS_STEP;
			full |= pos == UINT32_MAX;
			ch->pos = pos;
			conf_renumbered++;
		}
		/* millions of one kind: no room for steps, one apart */
		for (ch = full ? n->first : NULL; ch; ch = ch->next)
			ch->pos = ch->prev != NULL && ch->prev->sn == ch->sn
			    ? ch->prev->pos + 1
			    : 0;
	} else if (cnode_has_kids(n)) {
		for (ch = cnode_kids(n)->dfirst; ch; ch = next) {
			next = ch->dnext;
			conf_clean_subtree(ch);
			ch->dnext = NULL;
		}
	}
	if (cnode_has_kids(n))
		cnode_kids(n)->dfirst = NULL;
	n->flags &= ~(CN_DIRTY | CN_SHAPE | CN_RENUM | CN_MOVES);
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

	if (!(n->flags & CN_SHAPE)) {
		if (ch != NULL)
			return ch->dnext;
		return cnode_has_kids(n) ? cnode_kids(n)->dfirst : NULL;
	}
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
	n->flags = (n->flags | CN_SHAPE) & ~CN_MOVES;
}

/* Links n into parent's children at its schema position. */
static void
conf_link(struct conf *c, struct cnode *parent, struct cnode *n)
{
	struct cnode *after;

	if (!cnode_has_kids(parent))
		fatal("conf: a child for a leaf");
	after = cnode_last_upto(parent, n->sn->idx);
	n->parent = parent;
	/* The last of its kind: a step after the one that was. */
	n->pos = (after != NULL && after->sn == n->sn) ? pos_after(after->pos)
						       : CONF_POS_STEP;
	/* Deletes leave gaps and adds go on counting: room made again. */
	if (n->pos == UINT32_MAX)
		parent->flags |= CN_SHAPE | CN_RENUM;
	n->prev = after;
	n->next = after ? after->next : parent->first;
	if (n->next)
		n->next->prev = n;
	else
		cnode_kids(parent)->last = n;
	if (after)
		after->next = n;
	else
		parent->first = n;
	conf_kid_added(c, parent, n);
}

static void
conf_unlink(struct cnode *n)
{
	struct cnode *parent = n->parent;
	struct cnode_kids *k = cnode_kids(parent);
	unsigned idx = n->sn->idx;

	if (k->slot != NULL && k->slot[idx] == n)
		k->slot[idx] =
		    (n->prev && n->prev->sn == n->sn) ? n->prev : NULL;
	if (k->slot == NULL && parent->nkids > 0)
		parent->nkids--;
	if (n->prev)
		n->prev->next = n->next;
	else
		parent->first = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		k->last = n->prev;
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
	/* On parent's list of dirty children, which then names freed memory. */
	bool listed = (n->flags & CN_DIRTY) != 0;

	conf_forget_subtree(c, n);
	conf_unlink(n);
	cnode_free_subtree(c, n);
	conf_reshaped(c, parent);
	if (listed)
		parent->flags |= CN_RENUM;
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
	struct cnode **slot = cnode_kids(parent)->slot, *ch, *next;

	/* One kind of child: no other case (and no slot array: the children
	 * may be many). */
	if (psn->nchild <= 1)
		return;
	if (slot == NULL) {
		/* Fewer than CONF_SLOTS_MIN children. */
		for (ch = parent->first; ch != NULL; ch = next) {
			next = ch->next;
			if (snode_conflicts(sn, ch->sn))
				conf_remove(c, ch);
		}
		return;
	}
	for (size_t i = 0; i < psn->nchild; i++) {
		if (slot[i] == NULL || !snode_conflicts(sn, psn->child[i]))
			continue;
		/* conf_remove moves the slot to the previous entry. */
		while (slot[i] != NULL)
			conf_remove(c, slot[i]);
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

/* n, just moved, given a position between its neighbours of its kind:
 * false when they leave no room. */
static bool
conf_pos_between(struct cnode *n)
{
	const struct cnode *p = n->prev, *q = n->next;

	if (p != NULL && p->sn != n->sn)
		p = NULL;
	if (q != NULL && q->sn != n->sn)
		q = NULL;
	if (q == NULL) {
		n->pos = p != NULL ? pos_after(p->pos) : CONF_POS_STEP;
		return n->pos != UINT32_MAX;
	}
	if (p == NULL) {
		n->pos = q->pos / 2;
		return q->pos > 0;
	}
	if (q->pos <= p->pos || q->pos - p->pos < 2)
		return false;
	n->pos = p->pos + (q->pos - p->pos) / 2;
	return true;
}

void
conf_move(struct conf *c, struct cnode *n, struct cnode *ref, bool before)
{
	struct cnode *parent = n->parent;
	struct cnode_kids *k = cnode_kids(parent);
	/* moves alone so far (CN_MOVES) */
	bool moves = !(parent->flags & CN_SHAPE) || (parent->flags & CN_MOVES);

	if (n == ref)
		return;
	conf_unlink(n);
	if (k->slot == NULL)
		parent->nkids++;
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
			k->last = n;
		ref->next = n;
	}
	/* The slot remembers the last entry of the list. */
	if (k->slot != NULL && (n->next == NULL || n->next->sn != n->sn))
		k->slot[n->sn->idx] = n;
	conf_reshaped(c, parent);
	if (moves)
		parent->flags |= CN_MOVES;
	/* n takes a position between its new neighbours' when there is
	 * room; else all are numbered again at the next conf_clean. */
	if (!(parent->flags & CN_RENUM) && !conf_pos_between(n))
		parent->flags |= CN_RENUM;
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

/*
 * The entries a copy made, with their hashes, for the table to take at
 * the end (conf_hash_fill); NULL: each goes in as it is made.
 */
struct conf_fill {
	struct conf_hent *v;
	size_t n, cap;
};

static struct cnode *
conf_copy_rec(struct conf *c, struct cnode *parent, const struct cnode *src,
    const char *val, struct conf_fill *fill)
{
	struct cnode *n = conf_node_new(c, src->sn, val);
	struct cnode_kids *pk = cnode_kids(parent);

	n->flags = src->flags & ~(uint16_t)(CN_ANNOT | CN_FROM);
	cnode_set_extra(c, n, cnode_annot(src), cnode_from(src));
	n->parent = parent;
	if (n->flags & CN_DIRTY) {
		n->dnext = pk->dfirst;
		pk->dfirst = n;
	}
	/* The source's: they increase as its do, or the copy of src's
	 * parent has CN_RENUM as it does. */
	n->pos = src->pos;
	/* Copies arrive in order: appending keeps schema order. */
	n->prev = pk->last;
	if (pk->last)
		pk->last->next = n;
	else
		parent->first = n;
	pk->last = n;
	conf_kid_added(c, parent, n);
	if (cnode_is_hashed(n->sn) && fill != NULL && fill->n < fill->cap) {
		fill->v[fill->n].n = n;
		fill->v[fill->n++].hash = conf_hash(parent, n->sn, n->val);
	} else if (cnode_is_hashed(n->sn)) {
		conf_hash_add(c, n);
	}
	c->count++;
	for (const struct cnode *ch = src->first; ch; ch = ch->next)
		conf_copy_rec(c, n, ch, ch->val, fill);
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
	/* Not src's marks: n goes on parent's list when conf_touch marks it;
	 * nor the group it came from. */
	n->flags = src->flags &
	    ~(uint16_t)(CN_DIRTY | CN_SHAPE | CN_RENUM | CN_MOVES | CN_ANNOT |
		CN_FROM);
	cnode_set_extra(c, n, cnode_annot(src), NULL);
	conf_link(c, parent, n);
	if (cnode_is_hashed(n->sn))
		conf_hash_add(c, n);
	c->count++;
	for (const struct cnode *ch = src->first; ch; ch = ch->next)
		conf_copy_rec(c, n, ch, ch->val, NULL);
	conf_changed_now(c, n);
	conf_touch_subtree(n);
	return n;
}

struct conf *
conf_dup(const struct conf *src)
{
	struct conf *c = conf_new(src->schema);
	struct conf_fill fill = { 0 };

	c->changed = src->changed;
	/* One chunk of each arena for the whole copy. */
	arena_reserve(&c->nodes, arena_inuse(&src->nodes));
	arena_reserve(&c->text, arena_inuse(&src->text));
	/* The copy needs the same table: size it once instead of growing
	 * it through every power of two (each growth rehashes all). */
	if (src->hsize > 0) {
		c->htab = xcalloc(src->hsize, sizeof(*c->htab));
		c->hsize = src->hsize;
		fill.cap = src->hcount;
		fill.v = xcalloc(fill.cap ? fill.cap : 1, sizeof(*fill.v));
	}
	/* The root's dirty mark too: conf_clean and conf_touch stop at the
	 * first clean/dirty node, so a dirty child needs a dirty root.  The
	 * copies of dirty nodes go on their parents' lists (conf_copy_rec). */
	c->root.flags = src->root.flags & ~(uint16_t)(CN_ANNOT | CN_FROM);
	cnode_set_extra(c, &c->root, cnode_annot(&src->root), NULL);
	for (const struct cnode *ch = src->root.first; ch; ch = ch->next)
		conf_copy_rec(c, &c->root, ch, ch->val, &fill);
	conf_hash_fill(c, fill.v, fill.n);
	free(fill.v);
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
	cnode_set_extra(c, n, (text && *text) ? text : NULL, cnode_from(n));
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
	const char *from = cnode_from(n);

	if ((from == NULL && group == NULL) ||
	    (from != NULL && group != NULL && strcmp(from, group) == 0))
		return;
	cnode_set_extra(cnode_conf(n), n, cnode_annot(n), group);
}

static void
conf_usage_walk(const struct cnode *n, struct conf_usage *u)
{
	const struct cnode_kids *k = cnode_kids(n);

	u->nodes++;
	if (k != NULL)
		u->inner++;
	if (k != NULL && k->slot != NULL)
		u->slot_bytes +=
		    (n->sn->nchild * sizeof(*k->slot) + ARENA_ALIGN - 1) /
		    ARENA_ALIGN * ARENA_ALIGN;
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

/*
 * Root children point at the embedded root: re-point them after a swap,
 * and file the root's annotation under the root it is now (other).
 */
static void
conf_fix_root(struct conf *c, const struct cnode *other)
{
	conf_xtab_rekey(&c->xtab, other, &c->root);
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
	conf_fix_root(a, &b->root);
	conf_fix_root(b, &a->root);
}
