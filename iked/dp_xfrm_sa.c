/*
 * dp_xfrm_sa: the XFRM state of one direction of a Child SA, as a
 * netlink request whose keys never pass through libnl's own copies
 * (dp_xfrm_int.h).  Linux uapi/linux/xfrm.h gives the algorithm
 * attributes: lengths in bits, the key after the fixed part.
 */
#include <stdio.h>
#include <string.h>

#include <linux/udp.h>
#include <linux/xfrm.h>
#include <netinet/in.h>

#include <netlink/attr.h>
#include <netlink/netlink.h>
#include <openssl/crypto.h>

#include "iked/dp_xfrm_int.h"
#include "iked/esp.h"
#include "iked/ikev2.h"

struct xfrmnl_sa *
dp_xfrm_state(const struct dp_sa *sa)
{
	struct xfrmnl_sa *x = xfrmnl_sa_alloc();
	const struct dp_addr *src = sa->inbound ? &sa->remote : &sa->local;
	const struct dp_addr *dst = sa->inbound ? &sa->local : &sa->remote;
	struct nl_addr *s = dp_xfrm_addr(src), *d = dp_xfrm_addr(dst);
	struct xfrmnl_ltime_cfg *l = dp_xfrm_life(
	    sa->soft_bytes, sa->hard_bytes, sa->soft_packets, sa->hard_packets);
	const struct encr_alg *e = sa->encr;
	unsigned flags = 0;
	int rc = -1;

	if (x == NULL || s == NULL || d == NULL || l == NULL || e == NULL ||
	    e->xfrm == NULL ||
	    (!e->aead && (sa->integ == NULL || sa->integ->xfrm == NULL)))
		goto done;
	if (sa->esn)
		flags |= XFRM_STATE_ESN;
	if (!sa->inbound && sa->df == DP_DF_CLEAR)
		flags |= XFRM_STATE_NOPMTUDISC;
	if (xfrmnl_sa_set_family(x, src->family) < 0 ||
	    xfrmnl_sa_set_saddr(x, s) < 0 || xfrmnl_sa_set_daddr(x, d) < 0 ||
	    xfrmnl_sa_set_spi(x, sa->spi) < 0 ||
	    xfrmnl_sa_set_proto(x, IPPROTO_ESP) < 0 ||
	    xfrmnl_sa_set_mode(x, XFRM_MODE_TUNNEL) < 0 ||
	    xfrmnl_sa_set_reqid(x, sa->tunnel_id) < 0 ||
	    xfrmnl_sa_set_replay_window(x,
		sa->esn
		    ? 0
		    : (sa->replay_window > 32 ? 32 : sa->replay_window)) < 0 ||
	    xfrmnl_sa_set_flags(x, flags) < 0 ||
	    xfrmnl_sa_set_lifetime_cfg(x, l) < 0)
		goto done;
	/*
	 * ESN, or a window past the legacy 32 bits: the kernel wants
	 * XFRMA_REPLAY_ESN_VAL (as strongSwan sends it); an outbound SA gets
	 * the legacy size.  Not exercised here (no ESP states).
	 */
	if (sa->esn || sa->replay_window > 32) {
		unsigned w = sa->replay_window > 32 ? sa->replay_window : 32;
		unsigned bmp[ESP_REPLAY_MAX / 32] = { 0 };
		if (xfrmnl_sa_set_replay_window(x, 0) < 0 ||
		    xfrmnl_sa_set_replay_state_esn(
			x, 0, 0, 0, 0, w, (w + 31) / 32, bmp) < 0)
			goto done;
	}
	if (sa->encap_dport &&
	    xfrmnl_sa_set_encap_tmpl(x, UDP_ENCAP_ESPINUDP, sa->encap_sport,
		sa->encap_dport, NULL) < 0)
		goto done;
	rc = 0;
done:
	nl_addr_put(s);
	nl_addr_put(d);
	if (l)
		xfrmnl_ltime_cfg_put(l);
	if (rc == -1 && x) {
		xfrmnl_sa_put(x);
		x = NULL;
	}
	return x;
}

/* One algorithm attribute: the fixed part fix (its name and lengths
 * filled in), then key; 0 or -NLE_MSGSIZE. */
static int
dp_xfrm_put_alg(struct nl_msg *msg, int type, const void *fix, size_t flen,
    const uint8_t *key, size_t klen)
{
	struct nlattr *a = nla_reserve(msg, type, (int)(flen + klen));

	if (a == NULL)
		return -NLE_MSGSIZE;
	memcpy(nla_data(a), fix, flen);
	memcpy((uint8_t *)nla_data(a) + flen, key, klen);
	return 0;
}

int
dp_xfrm_state_msg(
    struct xfrmnl_sa *x, const struct dp_sa *sa, struct nl_msg **out)
{
	const struct encr_alg *e = sa->encr;
	struct nl_msg *msg = NULL;
	int err;

	*out = NULL;
	/* the keys come last: libnl's messages do not grow (nlmsg_reserve
	 * fails past the size), so no realloc leaves a copy behind */
	if ((err = xfrmnl_sa_build_add_request(
		 x, NLM_F_CREATE | NLM_F_EXCL, &msg)) < 0)
		return err;
	if (e->aead) {
		/* RFC 4106 8.1: the key with its salt; the ICV in bits */
		struct xfrm_algo_aead f = { 0 };
		snprintf(f.alg_name, sizeof(f.alg_name), "%s", e->xfrm);
		f.alg_key_len = (unsigned)e->key_len * 8;
		f.alg_icv_len = (unsigned)e->icv_len * 8;
		err = dp_xfrm_put_alg(msg, XFRMA_ALG_AEAD, &f, sizeof(f),
		    sa->enc_key, e->key_len);
	} else {
		struct xfrm_algo c = { 0 };
		struct xfrm_algo_auth h = { 0 };
		snprintf(c.alg_name, sizeof(c.alg_name), "%s", e->xfrm);
		c.alg_key_len = (unsigned)e->key_len * 8;
		snprintf(h.alg_name, sizeof(h.alg_name), "%s", sa->integ->xfrm);
		h.alg_key_len = (unsigned)sa->integ->key_len * 8;
		h.alg_trunc_len = (unsigned)sa->integ->out_len * 8;
		err = dp_xfrm_put_alg(msg, XFRMA_ALG_CRYPT, &c, sizeof(c),
		    sa->enc_key, e->key_len);
		if (err == 0)
			err = dp_xfrm_put_alg(msg, XFRMA_ALG_AUTH_TRUNC, &h,
			    sizeof(h), sa->auth_key, sa->integ->key_len);
	}
	if (err < 0) {
		dp_xfrm_msg_free(msg);
		return err;
	}
	*out = msg;
	return 0;
}

void
dp_xfrm_msg_wipe(struct nl_msg *msg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);

	OPENSSL_cleanse(h, h->nlmsg_len);
}

void
dp_xfrm_msg_free(struct nl_msg *msg)
{
	if (msg == NULL)
		return;
	dp_xfrm_msg_wipe(msg);
	nlmsg_free(msg);
}

int
dp_xfrm_state_add(
    struct nl_sock *sk, struct xfrmnl_sa *x, const struct dp_sa *sa)
{
	struct nl_msg *msg;
	int err;

	if ((err = dp_xfrm_state_msg(x, sa, &msg)) < 0)
		return err;
	err = nl_send_auto_complete(sk, msg);
	dp_xfrm_msg_free(msg);
	return err < 0 ? err : nl_wait_for_ack(sk);
}
