/*
 * dp_ari: auto route insertion for route-based VPNs with traffic
 * selectors (Junos ARI).  When an outbound Child SA bound to st0.N whose
 * VPN has `traffic-selector` statements is installed, a route for each of
 * its negotiated remote selectors (as prefixes) goes into the main table
 * of iked's namespace via st0.N, protocol QSAFE_RTPROT_ARI
 * (lib/rtproto.h), metric the selector's `metric` or QSAFE_ARI_METRIC; it goes
 * when the last SA that asked for it goes (a rekey's two SAs share it).  iked
 * owns these routes, hostd the configured ones: neither touches the other's.
 * Loop thread only.
 */
#ifndef QSAFE_DP_ARI_H
#define QSAFE_DP_ARI_H

#include "iked/dp.h"

struct dp_ari;

/* NULL (logged) when no route socket can be had: no routes then. */
struct dp_ari *dp_ari_new(void);
/* Forgets the routes (they go with the st0 devices); NULL: no-op. */
void dp_ari_free(struct dp_ari *a);
/* sa: an outbound SA with sa->ari; its device exists.  Failures logged. */
void dp_ari_add(struct dp_ari *a, const struct dp_sa *sa);
void dp_ari_del(struct dp_ari *a, const struct dp_sa *sa);

#endif
