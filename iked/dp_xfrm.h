/*
 * dp_xfrm: the kernel backend of dp.h (dp_xfrm_ops): Child SAs become
 * Linux XFRM states and policies through libnl-xfrm, in iked's network
 * namespace; the kernel then moves the packets.  What it installs for one
 * direction of a Child SA (struct dp_sa):
 *
 *   the state   src/dst the outer addresses, ESP, tunnel mode, reqid =
 *               tunnel_id, the SPI, AEAD or cipher + truncated HMAC under
 *               their Linux names (crypto.h's xfrm), the replay window or
 *               ESN, byte/packet lifetimes, ESP-in-UDP encapsulation
 *               (RFC 3948) when the SA has ports, DF per df-bit
 *               (XFRM_STATE_NOPMTUDISC for clear);
 *   policies    per pair of selectors, outbound: dir OUT from the local to
 *               the remote selector; inbound: dir IN and FWD from remote
 *               to local; each with one ESP tunnel template (reqid).
 *
 * The peer's NAT mapping moved (sa_peer): XFRM_MSG_MIGRATE of the outbound
 * SA's policies and state (dp_xfrm_peer.c).
 *
 * The state goes in first; a failed policy removes what was installed, so
 * an add is atomic.  open probes whether the kernel can hold ESP states
 * (a state with SPI 255, reserved by RFC 4303 2.1, added and deleted) and
 * refuses with the kernel's answer when it cannot: the development kernel
 * here has XFRM policies but no ESP states.
 *
 * Backend choice (dp_open_auto): QSAFE_DP=userspace (the default),
 * QSAFE_DP=xfrm (falls back to userspace, logged, when the probe fails),
 * QSAFE_DP=auto (xfrm where the probe succeeds).
 */
#ifndef QSAFE_DP_XFRM_H
#define QSAFE_DP_XFRM_H

#include <stdbool.h>

#include "iked/dp.h"

/* open without (probe false) or with the ESP probe; NULL, logged. */
struct dp *dp_xfrm_new(
    struct event_base *base, const struct dp_events *ev, void *ctx, bool probe);
/* 0 when the kernel holds an ESP state; -1, its error logged. */
int dp_xfrm_probe(struct dp *dp);
/*
 * The policies of sa alone (what sa_add installs after the state), and
 * their removal: for tests on kernels without ESP states.  0 or -1.
 */
int dp_xfrm_policies_add(struct dp *dp, const struct dp_sa *sa);
int dp_xfrm_policies_del(struct dp *dp, const struct dp_sa *sa);
/*
 * Outbound sa (its policies and its state) moved to remote, ESP in UDP to
 * encap_dport (0: as it was) with XFRM_MSG_MIGRATE (dp_xfrm_peer.c): what
 * sa_peer does with an installed SA.  0 or -1 (logged).
 */
int dp_xfrm_migrate(struct dp *dp, const struct dp_sa *sa,
    const struct dp_addr *remote, uint16_t encap_dport);

/* The backend QSAFE_DP names (dp_xfrm.h above), opened; *ops set. */
struct dp *dp_open_auto(struct event_base *base, const struct dp_events *ev,
    void *ctx, const struct dp_ops **ops);

#endif
