/*
 * nftm: a model of the appliance's nftables table (nftm.c).  zones.c and
 * policy.c build one from a configuration; hostd keeps the one in force
 * and loads either the whole table (nftm_text) or the transaction from the
 * model in force to the next (nftm_delta).
 */
#ifndef QSAFE_HOSTD_NFTM_H
#define QSAFE_HOSTD_NFTM_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "lib/sb.h"

struct nftm;

/* An empty model; caller frees with nftm_free (NULL is a no-op). */
struct nftm *nftm_new(void);
void nftm_free(struct nftm *m);

/* Declares a named counter. */
void nftm_counter(struct nftm *m, const char *name);
/*
 * Which parts of the configuration use a name (policy_uses.c: the
 * policies and address-sets that name an address-book entry), kept with
 * the model so that a change of the name finds them without a walk.  No
 * part of the table (nftm_text, nftm_delta, nftm_canon leave them out).
 * nftm_patch_apply adds a patch's uses to the model's: a model may hold
 * users that use a name no more, never miss one.
 */
void nftm_use(struct nftm *m, const char *name, const char *user);
/* The users of name: a new object (user -> true), empty when none. */
json_t *nftm_users(const struct nftm *m, const char *name);
/* Whether m has every use of full (tests: a patched model against the one
 * built whole); else the first missing, "name hash -> user", into miss. */
bool nftm_uses_cover(
    const struct nftm *m, const struct nftm *full, struct sb *miss);

/* Declares a set or map: decl "type ifname : verdict" (a ':' makes it a
 * map); interval: a set of prefixes and ranges.  Once per name. */
void nftm_set(
    struct nftm *m, const char *name, const char *decl, bool interval);
bool nftm_has_set(const struct nftm *m, const char *name);
size_t nftm_set_size(const struct nftm *m, const char *name);
/* The declaration of set name, or NULL; nftm_set_decl replaces it. */
const char *nftm_decl(const struct nftm *m, const char *name);
void nftm_set_decl(struct nftm *m, const char *name, const char *decl);
/*
 * The commands that give the sets of a (in force) the declarations they
 * have in b, for those declared otherwise in both (a new `size`): a
 * transaction of their own before nftm_delta's, since the kernel applies a
 * set's new size only when its transaction commits.  Empty when none.
 */
void nftm_redeclare(const struct nftm *a, const struct nftm *b,
    const char *table, struct sb *out);
/* Adds key (nftables syntax: "\"ge-0-0-1\"") mapped to val (NULL in a set);
 * false when the set has the key already (the first one stays). */
bool nftm_elem(
    struct nftm *m, const char *set, const char *key, const char *val);
/* Declares a chain (hook: its base chain statement, or NULL); false when
 * it exists. */
bool nftm_chain(struct nftm *m, const char *name, const char *hook);
bool nftm_has_chain(const struct nftm *m, const char *name);
/* Appends the rules of text, one a line, to chain. */
void nftm_rules(struct nftm *m, const char *chain, const char *text);

/*
 * The whole table as one transaction: "add table; delete table; table {...}"
 * (m NULL: only removes the table).  carry: counter or chain name ->
 * [packets, bytes] to start counters from (a chain's: its first rule
 * counter of its own), or NULL.
 */
void nftm_text(const struct nftm *m, const char *table, const json_t *carry,
    struct sb *out);
/*
 * txn (nftm_delta, nftm_patch_delta) with the first own counter of the
 * rules it adds to each chain named in carry (chain -> [packets, bytes])
 * starting from that count: a chain flushed and refilled keeps its count.
 */
void nftm_carry(
    const char *txn, const char *table, const json_t *carry, struct sb *out);
/* The commands that turn table a (in force) into b; empty when equal. */
void nftm_delta(const struct nftm *a, const struct nftm *b, const char *table,
    struct sb *out);

/*
 * A patch is a model (nftm_new) that holds only what a change touches,
 * each with its next value: an element (val NULL: deleted), a set, a counter
 * (present or not), a chain's rules (NULL: the chain is deleted).  So a
 * one-line change to a table of 10,000 interfaces costs a few elements,
 * not two models of the table (zones_patch).
 */
void nftm_patch_elem(
    struct nftm *p, const char *set, const char *key, const char *val);
/* Set or map name declared decl (not interval) where it is not yet, or
 * (decl NULL) deleted with its elements. */
void nftm_patch_set(struct nftm *p, const char *name, const char *decl);
void nftm_patch_counter(struct nftm *p, const char *name, bool present);
void nftm_patch_chain(struct nftm *p, const char *name, const char *rules);
/* The commands that put patch p on table m (in force): as nftm_delta. */
void nftm_patch_delta(const struct nftm *m, const struct nftm *p,
    const char *table, struct sb *out);
/* The number of elements of set name in m once patch p is put on it. */
size_t nftm_patch_size(
    const struct nftm *m, const struct nftm *p, const char *name);
/* Puts p on m: m becomes the model the patched table is. */
void nftm_patch_apply(struct nftm *m, const struct nftm *p);
/* Every object, element and rule of m, one a line, sorted: two models
 * that load the same table have the same text whatever their order. */
void nftm_canon(const struct nftm *m, struct sb *out);

/* Calls fn for each set of m: its name, declaration, whether it holds
 * intervals, and its number of elements. */
void nftm_each_set(const struct nftm *m,
    void (*fn)(
	const char *name, const char *decl, bool interval, size_t n, void *arg),
    void *arg);
/* Calls fn for each element of set name: its key and value ("" in a set);
 * fn returns -1 to stop.  0, or -1 when fn stopped. */
int nftm_each_elem(const struct nftm *m, const char *set,
    int (*fn)(const char *key, const char *val, void *arg), void *arg);
/* Calls fn for each chain of m: its name, its base chain statement (or
 * NULL) and its rules, one a line. */
void nftm_each_chain(const struct nftm *m,
    void (*fn)(const char *name, const char *hook, const char *body, void *arg),
    void *arg);
/* The rules of chain name in m, one a line, or NULL when m has no such
 * chain. */
const char *nftm_chain_body(const struct nftm *m, const char *name);

/* The TAG of a rule (len bytes) that ends in `comment "TAG"`, as policy.c
 * ends each rule of a policy in a bucket chain: false, *tag and *tlen
 * untouched, when it has none. */
bool nftm_tag_of(const char *rule, size_t len, const char **tag, size_t *tlen);

/* s with every character outside [A-Za-z0-9] as '_'. */
void nftm_ident(const char *s, struct sb *out);
/* The 64-bit hash of nftm_name, fed a string at a time: nftm_hash_more(
 * NFTM_HASH_INIT, key) is the hash of nftm_name(prefix, key). */
#define NFTM_HASH_INIT 14695981039346656037ull
uint64_t nftm_hash_more(uint64_t h, const char *s);
/* prefix and a 64-bit hash of key: a stable object name (replaces out). */
void nftm_name(const char *prefix, const char *key, struct sb *out);

#endif
