/*
 * rtproto: the rtnetlink protocol numbers of the routes qsafe's daemons
 * put in the kernel, so that each knows its own and `show route` names
 * them as Junos does.  One owner per route (docs/architecture.md):
 *   RTPROT_STATIC      hostd, from `routing-options static`   [Static/5]
 *   QSAFE_RTPROT_ARI   iked, one per remote traffic selector of a
 *                      Child SA on st0.N (auto route insertion)  [ARI-TS/5]
 */
#ifndef QSAFE_RTPROTO_H
#define QSAFE_RTPROTO_H

/* Not one of the kernel's or iproute2's named protocols (rt_protos). */
#define QSAFE_RTPROT_ARI 99
/*
 * The kernel metric of an ARI route: a static route of the same prefix
 * (hostd's, metric 0 unless configured) is a route of its own beside it,
 * and wins; each daemon adds and removes only its own.
 */
#define QSAFE_ARI_METRIC 5
#define QSAFE_ARI_PREFERENCE 5 /* Junos's ARI-TS preference */

#endif
