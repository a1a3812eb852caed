/*
 * backend_int: what mgd/backend.c (the daemons' supervision and calls) and
 * mgd/backend_part.c (the part of the configuration each daemon is sent)
 * share.
 */
#ifndef QSAFE_MGD_BACKEND_INT_H
#define QSAFE_MGD_BACKEND_INT_H

#include "lib/sb.h"
#include "schema/conf.h"

struct mgd;

struct daemon_def {
	const char *name;
	const char *const *subtrees;
	size_t nsubtrees;
	/* of security policies, only the tunnel policies (iked: its
	 * policy-based VPNs, schema/delta_view.h) */
	bool tunnels_only;
};

/* The daemon's part of the committed configuration, as set lines. */
void backend_part_full(
    struct mgd *m, const struct daemon_def *def, struct sb *out);
/* Whether the daemon's part of a change is the whole delta (hostd at a
 * first firewall load): it is then sent the delta itself, no copy. */
bool backend_part_whole(
    const struct daemon_def *def, const char *delta, size_t len);
/*
 * The daemon's part of a change that is not the whole delta: the lines of
 * delta (the change from old, the configuration the daemons run, to new)
 * that it is sent, in out.
 */
void backend_part_delta(const struct daemon_def *def, const char *delta,
    size_t len, struct conf *old, struct conf *new, struct sb *out);

#endif
