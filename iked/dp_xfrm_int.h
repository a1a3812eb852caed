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

#endif
