/*
 * dp_lpm: which outbound SA of a point-to-multipoint st0 device carries a
 * packet, by the longest prefix of the SAs' remote traffic selectors that
 * holds its destination (RFC 4301 4.4.1: the SPD-S entry whose selectors
 * match; 5.1: outbound processing).  An AutoVPN hub has one st0 unit and
 * one Child SA per spoke, each narrowed to that spoke's prefix.
 *
 * A table is built whole from entries and never changed afterwards: the
 * userspace dataplane builds a new one when an outbound SA of the device
 * comes or goes (on the loop, under its write lock) and its tx thread
 * looks packets up under the read lock it already holds per batch, so the
 * packet path takes no lock of its own.  Lookup costs one hash probe per
 * distinct prefix length of the table's family (typically one or two),
 * whatever the number of SAs.  Entries are prefixes: a selector's address
 * range (RFC 7296 3.13.1) becomes its prefixes first (dp_lpm_prefixes).
 * Ports and protocols of selectors do not choose an SA here.
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
 * A table of e[0..n); of entries with the same prefix the later wins (a
 * rekey's new SA is added after the old one).  NULL when out of memory
 * or n is 0.  Caller frees with dp_lpm_free.
 */
struct dp_lpm *dp_lpm_new(const struct dp_lpm_ent *e, size_t n);
void dp_lpm_free(struct dp_lpm *t); /* NULL: no-op */
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
