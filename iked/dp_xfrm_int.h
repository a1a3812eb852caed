/*
 * dp_xfrm_int.h: what dp_xfrm.c and dp_xfrm_sa.c share.  The state of a
 * Child SA direction is a libnl object for everything but its keys; the
 * keys go straight from the dp_sa into the netlink message, which is
 * wiped before it is freed (libnl's key setters keep copies of their own
 * that it frees unwiped, out of reach of its API).
 */
#ifndef QSAFE_DP_XFRM_INT_H
#define QSAFE_DP_XFRM_INT_H

#include <stdint.h>

#include <netlink/msg.h>
#include <netlink/xfrm/lifetime.h>
#include <netlink/xfrm/sa.h>
#include <netlink/xfrm/sp.h>

#include "iked/dp.h"

struct nl_addr *dp_xfrm_addr(const struct dp_addr *a);
/* Byte and packet limits, 0 for none; NULL when out of memory. */
struct xfrmnl_ltime_cfg *dp_xfrm_life(
    uint64_t sb, uint64_t hb, uint64_t sp, uint64_t hp);

/* The XFRM state of sa without its keys; NULL when sa has no XFRM form. */
struct xfrmnl_sa *dp_xfrm_state(const struct dp_sa *sa);
/*
 * The XFRM_MSG_NEWSA request for state x with sa's keys appended
 * (XFRMA_ALG_AEAD, or XFRMA_ALG_CRYPT and XFRMA_ALG_AUTH_TRUNC): 0, or
 * a negative libnl error.  The caller sends it and frees it with
 * dp_xfrm_msg_free, which wipes it.
 */
int dp_xfrm_state_msg(
    struct xfrmnl_sa *x, const struct dp_sa *sa, struct nl_msg **out);
void dp_xfrm_msg_free(struct nl_msg *msg);
/* The whole message zeroed (what dp_xfrm_msg_free does first). */
void dp_xfrm_msg_wipe(struct nl_msg *msg);
/* Builds, sends and frees (wiped) that request: 0 or a libnl error. */
int dp_xfrm_state_add(
    struct nl_sock *sk, struct xfrmnl_sa *x, const struct dp_sa *sa);

/* Any address of family: the selector of an SA without selectors. */
void dp_xfrm_any(struct dp_sel *s, sa_family_t family);
/* One policy: dir, src -> dst, one ESP tunnel template (dp_xfrm_sp.c);
 * NULL when a selector is no address prefix or out of memory. */
struct xfrmnl_sp *dp_xfrm_sp(const struct dp_sa *sa, const struct dp_sel *src,
    const struct dp_sel *dst, int dir);

/* Where an outbound SA's peer moved (dp_xfrm_peer.c). */
struct dp_xfrm_move {
	const struct dp_addr *remote;
	uint16_t encap_dport; /* 0: the encapsulation stays */
};
/*
 * The XFRM_MSG_MIGRATE request moving outbound sa, under policy sp, to
 * mv: 0 or a negative libnl error; the caller frees it (nlmsg_free).
 */
int dp_xfrm_migrate_msg(struct xfrmnl_sp *sp, const struct dp_sa *sa,
    const struct dp_xfrm_move *mv, struct nl_msg **out);
/* Builds, sends and frees it, and waits for the kernel: 0 or an error. */
int dp_xfrm_migrate_one(struct nl_sock *sk, struct xfrmnl_sp *sp,
    const struct dp_sa *sa, const struct dp_xfrm_move *mv);

#endif
