/*
 * conf_delta.h: between the two halves of iconf_delta (conf.h), not for
 * other parts.  conf_delta.c reads the tree's marks into the names a
 * commit reaches; conf_delta_apply.c builds those and applies them.
 */
#ifndef QSAFE_IKED_CONF_DELTA_H
#define QSAFE_IKED_CONF_DELTA_H

#include <stdbool.h>
#include <stddef.h>

#include "iked/conf.h"

/* Names (borrowed from prev, next or the running iconf). */
struct delta_set {
	const char **v;
	size_t n, cap;
};

struct delta_walk {
	const struct iconf *run;
	struct conf *prev, *next;
	struct iconf_ctx x; /* next's */
	/* to build again (or delete): gateways, VPNs */
	struct delta_set gw, vpn;
	/* what reaches them: policies, proposals, IFDs changed */
	struct delta_set ikepol, ikeprop, esppol, espprop, ifd;
	bool zones; /* zones or address-book: the policy-based VPNs */
};

/* Sorted, each name once. */
void delta_set_sort(struct delta_set *s);
void delta_set_free(struct delta_set *s);

/*
 * The gateways and VPNs of w (sorted sets) built from next into d: set
 * where they differ from the running ones, deleted where they went or
 * were deactivated.  -1: the delta cannot decide (a manual VPN, a VPN
 * whose gateway would not run).
 */
int delta_build(struct iconf_delta *d, struct delta_walk *w);
/* errs += from (the strings move); from is emptied. */
void delta_errs_move(struct verrs *errs, struct verrs *from);

#endif
