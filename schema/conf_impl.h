/*
 * conf_impl: the inside of a configuration tree, shared by the files that
 * make it up (conf.c: nodes and edits; conf_hash.c: the table of list
 * entries and leaf-list values; conf_read.c: what the daemons read).
 */
#ifndef QSAFE_CONF_IMPL_H
#define QSAFE_CONF_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "schema/arena.h"
#include "schema/conf.h"
#include "schema/conf_xtab.h"

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
	struct cnode_kids rootk; /* the root's, right after it as any node's */
	struct arena nodes;	 /* cnodes and slot arrays */
	struct arena text;	 /* val, annot, from */
	struct conf_xtab xtab;	 /* annot, from */
	struct conf_hent *htab;	 /* list entries and leaf-list values */
	size_t hsize;		 /* power of two */
	size_t hcount;
	size_t count;
	int64_t changed;
};

_Static_assert(offsetof(struct conf, rootk) ==
	offsetof(struct conf, root) + sizeof(struct cnode),
    "the root's cnode_kids follow it");

static inline bool
cnode_is_hashed(const struct snode *sn)
{
	return sn->kind == SN_LIST || sn->kind == SN_LEAFLIST;
}

/*
 * The parent pointer and the schema node mixed by multiplication, then
 * FNV-1a over the value.  Kept in the table beside the node: a table
 * grows without hashing again, and a probe reads no node whose hash does
 * not match.
 */
static inline uint32_t
conf_hash(const struct cnode *parent, const struct snode *sn, const char *val)
{
	uint64_t h = ((uint64_t)(uintptr_t)parent * 0x9e3779b97f4a7c15ULL) ^
	    ((uint64_t)(uintptr_t)sn * 0xc2b2ae3d27d4eb4fULL);

	h ^= h >> 29;
	for (const unsigned char *s = (const unsigned char *)val; *s; s++)
		h = (h ^ *s) * 1099511628211ULL;
	return (uint32_t)(h ^ (h >> 32));
}

/* Files n (parent, kind, value set) in the table / takes it out. */
void conf_hash_add(struct conf *c, struct cnode *n);
void conf_hash_del(struct conf *c, struct cnode *n);
/*
 * Files the n entries of v (nodes and their hashes; v is reordered) in
 * c's table: grouped by the region of the table they go to first, so the
 * table is written front to back, not at random.
 */
void conf_hash_fill(struct conf *c, struct conf_hent *v, size_t n);

/* The last child of n whose kind's index is at most idx, or NULL. */
struct cnode *cnode_last_upto(const struct cnode *n, size_t idx);

#endif
