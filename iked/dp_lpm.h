/*
 * dp_lpm: which outbound SA of a point-to-multipoint st0 device carries a
 * packet, by the longest prefix of the SAs' remote traffic selectors that
 * holds its destination (RFC 4301 4.4.1: the SPD-S entry whose selectors
 * match; 5.1: outbound processing).  An AutoVPN hub has one st0 unit and
 * one Child SA per spoke, each narrowed to that spoke's prefix.
 *
 * The table changes in place, one prefix at a time: the userspace
 * dataplane inserts an outbound SA's prefixes when it comes and deletes
 * them when it goes (on the loop, under its write lock), and its tx
 * thread looks packets up under the read lock it already holds per batch
 * (dp_us.h), so no lookup ever sees a table half changed and the packet
 * path takes no lock of its own.  An insert or delete costs one hash
 * probe per prefix, whatever the number of SAs (amortised: now and then
 * the slots double or halve); lookup costs one probe
 * per distinct prefix length of the table's family (typically one or
 * two).  Of entries with the same prefix the newest wins and deleting it
 * reveals the one before (a rekey's new SA is added before the old one
 * goes).  Entries are prefixes: a selector's address range (RFC 7296
 * 3.13.1) becomes its prefixes first (dp_lpm_prefixes).  Ports and
 * protocols of selectors do not choose an SA here.
 *
 * Other selection structures (policy-based VPNs) may sit beside this one;
 * it knows nothing of SAs: a value is the caller's pointer.
 */
#ifndef QSAFE_DP_LPM_H
#define QSAFE_DP_LPM_H

#include <stddef.h>
#include <stdint.h>

#include "iked/dp.h"

/* At most this many prefixes per address range (a v4 range needs <= 62). */
#define DP_LPM_RANGE_MAX 64

struct dp_lpm_ent {
	sa_family_t family; /* AF_INET or AF_INET6 */
	uint8_t plen;
	uint8_t addr[16]; /* network order; bits past plen ignored */
	void *val;
};

struct dp_lpm;

/*
 * A table of e[0..n) (n may be 0), as if each were inserted in turn: of
 * entries with the same prefix the later wins.  Entries of no family or
 * a length past it are left out.  NULL when out of memory.  Caller frees
 * with dp_lpm_free.
 */
struct dp_lpm *dp_lpm_new(const struct dp_lpm_ent *e, size_t n);
void dp_lpm_free(struct dp_lpm *t); /* NULL: no-op */
/*
 * e added (its address masked to its length): over an equal prefix it
 * wins until it is deleted.  0, or -1 when out of memory or e is of no
 * family or too long a prefix (t unchanged).  e->val is borrowed.
 */
int dp_lpm_insert(struct dp_lpm *t, const struct dp_lpm_ent *e);
/*
 * The entry of e's prefix whose value is e->val removed (one, if it was
 * inserted twice); an older one of the prefix takes over when it was the
 * newest.  0, or -1 when there is no such entry.
 */
int dp_lpm_delete(struct dp_lpm *t, const struct dp_lpm_ent *e);
/* Entries held, hidden ones too; 0 for NULL. */
size_t dp_lpm_count(const struct dp_lpm *t);
/* The value of the longest prefix holding addr (4 or 16 octets), or NULL. */
void *dp_lpm_find(
    const struct dp_lpm *t, sa_family_t family, const uint8_t *addr);
/*
 * The prefixes that cover the range sel->start..sel->end exactly, written
 * to out[0..max) with val; how many, or 0 when the range is empty, of
 * no family, or needs more than max.
 */
size_t dp_lpm_prefixes(
    const struct dp_sel *sel, void *val, struct dp_lpm_ent *out, size_t max);

#endif
