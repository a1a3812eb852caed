/*
 * delta_view: a daemon's part of a change when it reads only some entries
 * of a list.  iked reads `security policies` only for policy-based VPNs
 * (`then permit tunnel ipsec-vpn V`, iked/conf_pol.c); a firewall's 40,000
 * other policies it would parse into its tree at every load and never
 * read.  Its view of the configuration is the configuration without the
 * zone-to-zone policies that have no `then permit tunnel` (in any state:
 * an inactive tunnel stays, iked reads the flags itself); everything else
 * of its subtrees is sent as it is, the policy contexts included, empty
 * or not, so that their order is the configuration's.
 */
#ifndef QSAFE_DELTA_VIEW_H
#define QSAFE_DELTA_VIEW_H

#include "lib/sb.h"
#include "schema/conf.h"

/*
 * Appends to out the lines of text that concern the prefixes (what
 * diff_delta_filter keeps: a daemon's subtrees), in the view: text is the
 * delta (or a daemon's whole configuration) that turns old into new, out
 * the delta that turns the view of old into the view of new.  old NULL:
 * an empty configuration.  A policy that gains `then permit tunnel` comes
 * whole, one that loses it is deleted, and the tunnel policies keep the
 * configuration's order among themselves.  One pass and one copy, the
 * subtrees' filter's: a 200,000-line change copied twice paid 40 ms of
 * first touches for the second 13 MB.
 */
void delta_view_tunnels(const char *text, size_t len,
    const char *const *prefixes, size_t nprefix, struct conf *old,
    struct conf *new, struct sb *out);

#endif
