/*
 * nftm_int: the model's insides, shared by nftm.c (the model and its
 * texts) and nftm_patch.c (patches: a one-line change's part of a model).
 */
#ifndef QSAFE_NFTM_INT_H
#define QSAFE_NFTM_INT_H

#include "hostd/nftm.h"

struct nftm_chain {
	char *hook;	/* "type filter hook ...; policy drop;" or NULL */
	struct sb body; /* rules, one a line */
};

/*
 * The uses (nftm_use): a hash table from the hash of a name (nftm_hash_more)
 * to its users, chained; the users' strings in one buffer, each once per
 * run of uses added for it.  No json_t per use: a model of 40,000 policies
 * has as many, made at every load.
 */
struct nftm_use {
	uint64_t h;    /* of the name */
	uint32_t user; /* offset in users */
	uint32_t next; /* the next use of its slot, + 1; 0: none */
};

struct nftm_uses {
	struct nftm_use *v;
	size_t n, cap;
	uint32_t *slot; /* [nslot]: the first use + 1; 0: none */
	size_t nslot;
	struct sb users; /* NUL-terminated strings */
	size_t last;	 /* offset of the user added last (+ 1; 0: none) */
};

void nftm_uses_free(struct nftm_uses *u);
/* Adds p's uses to m's, each once (nftm_patch_apply). */
void nftm_uses_add(struct nftm *m, const struct nftm *p);

struct nftm {
	/* in a patch (nftm_patch_*): a counter mapped to false, an element
	 * to null, a chain named in gone, are to be deleted */
	json_t *counters; /* name -> null, in order of creation */
	json_t *sets;	  /* name -> {decl, interval, elems {key: val}} */
	json_t *chains;	  /* name -> index into chain */
	struct nftm_chain *chain;
	size_t nchain, cap;
	json_t *gone;	       /* patch: chain name -> true */
	json_t *empty;	       /* "": the value of every element of a set */
	struct nftm_uses uses; /* nftm_use */
};

/* Chain name of m, or NULL. */
struct nftm_chain *nftm_chain_get(const struct nftm *m, const char *name);
/*
 * Chain c in place of o (in force, or NULL): nothing when equal; the rules
 * after o's when c only appends to o (a policy added at the end of its
 * context: the others keep their rules and counts); else o flushed (into
 * out) and c's rules added (into fill).
 */
void nftm_chain_fill(const char *table, const char *name,
    const struct nftm_chain *o, const struct nftm_chain *c, struct sb *out,
    struct sb *fill);

#endif
