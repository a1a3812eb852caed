/*
 * dp_xfrm_peer: an outbound SA follows its peer to a new address or NAT
 * port (dp_ops.sa_peer; RFC 7296 2.23) with XFRM_MSG_MIGRATE, one a
 * policy of the SA.  The kernel then finds the SA's state by its
 * addresses and reqid, moves it (keys, sequence numbers and replay state
 * stay in the kernel) to the new addresses and ESP-in-UDP ports
 * (XFRMA_ENCAP: Linux 4.15 on), and the policy's template with it.
 *
 * Not XFRM_MSG_UPDSA: the kernel builds a whole state from it (it wants
 * the ESP algorithms and their keys again, which this backend does not
 * keep), and the destination address is part of a state's ID, so an
 * update cannot change it.
 *
 * The kernel picks the state by addresses and reqid, not SPI: while a
 * rekey leaves two outbound states of one tunnel, a move of the port
 * alone moves one of them (the old one goes with the rekey's Delete).
 */
#include <string.h>

#include <linux/udp.h>
#include <linux/xfrm.h>
#include <netinet/in.h>

#include <netlink/attr.h>
#include <netlink/netlink.h>

#include "iked/dp_xfrm_int.h"

static void
dp_xfrm_xaddr(xfrm_address_t *x, const struct dp_addr *a)
{
	memset(x, 0, sizeof(*x));
	if (a->family == AF_INET)
		memcpy(&x->a4, &a->u.v4, 4);
	else
		memcpy(x->a6, &a->u.v6, 16);
}

int
dp_xfrm_migrate_msg(struct xfrmnl_sp *sp, const struct dp_sa *sa,
    const struct dp_xfrm_move *mv, struct nl_msg **out)
{
	struct xfrm_user_migrate m;
	struct xfrm_encap_tmpl enc;
	struct nl_msg *msg = NULL;
	int err;

	*out = NULL;
	if (mv->remote->family != sa->remote.family)
		return -NLE_AF_NOSUPPORT; /* no move across families */
	/* the policy's ID (selector, direction): what a delete names */
	if ((err = xfrmnl_sp_build_delete_request(sp, 0, &msg)) < 0)
		return err;
	nlmsg_hdr(msg)->nlmsg_type = XFRM_MSG_MIGRATE;
	memset(&m, 0, sizeof(m));
	dp_xfrm_xaddr(&m.old_saddr, &sa->local);
	dp_xfrm_xaddr(&m.old_daddr, &sa->remote);
	dp_xfrm_xaddr(&m.new_saddr, &sa->local);
	dp_xfrm_xaddr(&m.new_daddr, mv->remote);
	m.proto = IPPROTO_ESP;
	m.mode = XFRM_MODE_TUNNEL;
	m.reqid = sa->tunnel_id;
	m.old_family = m.new_family = sa->remote.family;
	err = nla_put(msg, XFRMA_MIGRATE, sizeof(m), &m);
	if (err == 0 && mv->encap_dport != 0) {
		memset(&enc, 0, sizeof(enc));
		enc.encap_type = UDP_ENCAP_ESPINUDP;
		enc.encap_sport = htons(sa->encap_sport);
		enc.encap_dport = htons(mv->encap_dport);
		err = nla_put(msg, XFRMA_ENCAP, sizeof(enc), &enc);
	}
	if (err < 0) {
		nlmsg_free(msg);
		return err;
	}
	*out = msg;
	return 0;
}

int
dp_xfrm_migrate_one(struct nl_sock *sk, struct xfrmnl_sp *sp,
    const struct dp_sa *sa, const struct dp_xfrm_move *mv)
{
	struct nl_msg *msg;
	int err;

	if ((err = dp_xfrm_migrate_msg(sp, sa, mv, &msg)) < 0)
		return err;
	err = nl_send_auto_complete(sk, msg);
	nlmsg_free(msg);
	return err < 0 ? err : nl_wait_for_ack(sk);
}
