/*
 * dp_xfrm: dp_xfrm_ops, Child SAs as Linux XFRM states and policies
 * through libnl-xfrm (dp_xfrm.h has what is installed and the backend
 * choice).  Everything runs on iked's event loop thread; the kernel's
 * expire and acquire messages arrive on a second netlink socket that the
 * loop reads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/udp.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/xfrm/lifetime.h>
#include <netlink/xfrm/sa.h>
#include <netlink/xfrm/selector.h>
#include <netlink/xfrm/sp.h>
#include <netlink/xfrm/template.h>
#include <openssl/crypto.h>

#include "iked/dp_xfrm.h"
#include "iked/dp_xfrm_int.h"
#include "iked/esp.h"
#include "iked/ikev2.h"
#include "lib/log.h"

#define DP_XFRM_PROBE_SPI 255 /* RFC 4303 2.1: reserved */

struct dp_xsa {
	struct dp_sa conf;    /* keys wiped */
	struct dp_stats base; /* at the last clear */
	struct dp_xsa *next;
};

/* A policy-based VPN's trap: its OUT policies without a state. */
struct dp_xtrap {
	struct dp_sa as; /* the trap as an outbound SA without keys */
	struct dp_xtrap *next;
};

struct dp {
	struct event_base *base;
	const struct dp_events *ev;
	void *ctx;
	struct nl_sock *sk;  /* requests */
	struct nl_sock *mon; /* expire, acquire */
	struct event *mon_ev, *encap_ev;
	int encap;
	struct dp_xsa *sas;
	struct dp_xtrap *traps;
	struct dp_stats gone;
};

struct nl_addr *
dp_xfrm_addr(const struct dp_addr *a)
{
	if (a->family == AF_INET)
		return nl_addr_build(AF_INET, &a->u.v4, 4);
	return nl_addr_build(AF_INET6, &a->u.v6, 16);
}

struct xfrmnl_ltime_cfg *
dp_xfrm_life(uint64_t sb, uint64_t hb, uint64_t sp, uint64_t hp)
{
	struct xfrmnl_ltime_cfg *l = xfrmnl_ltime_cfg_alloc();

	if (l == NULL)
		return NULL;
	xfrmnl_ltime_cfg_set_soft_bytelimit(l, sb ? sb : XFRM_INF);
	xfrmnl_ltime_cfg_set_hard_bytelimit(l, hb ? hb : XFRM_INF);
	xfrmnl_ltime_cfg_set_soft_packetlimit(l, sp ? sp : XFRM_INF);
	xfrmnl_ltime_cfg_set_hard_packetlimit(l, hp ? hp : XFRM_INF);
	return l;
}

/* What dp_xfrm_policies does with each policy of an SA. */
enum dp_xfrm_op { DPX_ADD, DPX_DEL, DPX_MIGRATE };

/*
 * The policies of sa, each (src, dst, dir) it needs, added, deleted or
 * migrated to mv (the outbound SA's peer moved: dp_xfrm_peer.c); on a
 * failed add, the ones added are deleted again.
 */
static int
dp_xfrm_policies(struct dp *dp, const struct dp_sa *sa, enum dp_xfrm_op op,
    const struct dp_xfrm_move *mv)
{
	struct dp_sel anyl, anyr;
	const struct dp_sel *ls = sa->sel_local, *rs = sa->sel_remote;
	size_t nl = sa->nsel_local, nr = sa->nsel_remote, done = 0;
	int dirs[2] = { XFRM_POLICY_OUT, -1 }, err = 0;
	bool add = op == DPX_ADD;

	if (sa->inbound) {
		dirs[0] = XFRM_POLICY_IN;
		dirs[1] = XFRM_POLICY_FWD;
	}
	dp_xfrm_any(&anyl, sa->local.family);
	dp_xfrm_any(&anyr, sa->remote.family);
	if (nl == 0) {
		ls = &anyl;
		nl = 1;
	}
	if (nr == 0) {
		rs = &anyr;
		nr = 1;
	}
	for (size_t i = 0; i < nl; i++)
		for (size_t j = 0; j < nr; j++)
			for (size_t k = 0; k < 2 && dirs[k] >= 0; k++) {
				const struct dp_sel *src =
				    sa->inbound ? &rs[j] : &ls[i];
				const struct dp_sel *dst =
				    sa->inbound ? &ls[i] : &rs[j];
				struct xfrmnl_sp *sp;
				if (src->start.family != dst->start.family)
					continue; /* no such traffic */
				if ((sp = dp_xfrm_sp(sa, src, dst, dirs[k])) ==
				    NULL) {
					err = -NLE_INVAL;
					goto out;
				}
				if (op == DPX_MIGRATE)
					err = dp_xfrm_migrate_one(
					    dp->sk, sp, sa, mv);
				else
					err = add
					    ? xfrmnl_sp_add(dp->sk, sp,
						  NLM_F_CREATE | NLM_F_EXCL)
					    : xfrmnl_sp_delete(dp->sk, sp, 0);
				xfrmnl_sp_put(sp);
				if (err < 0 && op != DPX_DEL)
					goto out;
				done++;
			}
out:
	if (err < 0 && op == DPX_MIGRATE) {
		log_err("dataplane xfrm: SA %08x: cannot move to its peer's "
			"new address: %s",
		    sa->spi, nl_geterror(err));
		return -1;
	}
	if (err < 0 && add) {
		log_err("dataplane xfrm: SA %08x: policy: %s", sa->spi,
		    err == -NLE_INVAL ? "a selector is not an address prefix"
				      : nl_geterror(err));
		if (done > 0)
			dp_xfrm_policies(dp, sa, DPX_DEL, NULL);
		return -1;
	}
	return 0;
}

int
dp_xfrm_policies_add(struct dp *dp, const struct dp_sa *sa)
{
	return dp_xfrm_policies(dp, sa, DPX_ADD, NULL);
}

int
dp_xfrm_policies_del(struct dp *dp, const struct dp_sa *sa)
{
	return dp_xfrm_policies(dp, sa, DPX_DEL, NULL);
}

int
dp_xfrm_migrate(struct dp *dp, const struct dp_sa *sa,
    const struct dp_addr *remote, uint16_t encap_dport)
{
	struct dp_xfrm_move mv = { .remote = remote,
		.encap_dport = encap_dport };

	return dp_xfrm_policies(dp, sa, DPX_MIGRATE, &mv);
}

/* The kernel's state of (dst, spi), or a negative libnl error. */
static int
dp_xfrm_get(struct dp *dp, const struct dp_sa *sa, struct xfrmnl_sa **out)
{
	struct nl_addr *d =
	    dp_xfrm_addr(sa->inbound ? &sa->local : &sa->remote);
	int err;

	if (d == NULL)
		return -NLE_NOMEM;
	err = xfrmnl_sa_get_kernel(dp->sk, d, sa->spi, IPPROTO_ESP, 0, 0, out);
	nl_addr_put(d);
	return err;
}

static int
dp_xfrm_state_del(struct dp *dp, const struct dp_sa *sa)
{
	struct xfrmnl_sa *x = xfrmnl_sa_alloc();
	struct nl_addr *d =
	    dp_xfrm_addr(sa->inbound ? &sa->local : &sa->remote);
	int err = -NLE_NOMEM;

	if (x && d) {
		xfrmnl_sa_set_daddr(x, d);
		xfrmnl_sa_set_spi(x, sa->spi);
		xfrmnl_sa_set_proto(x, IPPROTO_ESP);
		err = xfrmnl_sa_delete(dp->sk, x, 0);
	}
	if (x)
		xfrmnl_sa_put(x);
	if (d)
		nl_addr_put(d);
	return err;
}

static struct dp_xsa *
dp_xfrm_find(struct dp *dp, uint32_t spi, bool inbound, struct dp_xsa ***pp)
{
	struct dp_xsa **p = &dp->sas;

	for (; *p; p = &(*p)->next)
		if ((*p)->conf.spi == spi && (*p)->conf.inbound == inbound)
			break;
	if (pp)
		*pp = p;
	return *p;
}

/* Whether a and b, of one tunnel and direction, have one set of policies. */
static bool
dp_xfrm_same(const struct dp_sa *a, const struct dp_sa *b)
{
	return a->inbound == b->inbound && a->tunnel_id == b->tunnel_id &&
	    a->nsel_local == b->nsel_local &&
	    a->nsel_remote == b->nsel_remote &&
	    memcmp(a->sel_local, b->sel_local,
		a->nsel_local * sizeof(a->sel_local[0])) == 0 &&
	    memcmp(a->sel_remote, b->sel_remote,
		a->nsel_remote * sizeof(a->sel_remote[0])) == 0;
}

/*
 * Another installed SA with sa's policies (a rekey), or the trap of a
 * policy-based VPN whose selectors the SA took unnarrowed: they are
 * shared.
 */
static bool
dp_xfrm_shared(struct dp *dp, const struct dp_sa *sa)
{
	for (struct dp_xsa *x = dp->sas; x; x = x->next)
		if (x->conf.spi != sa->spi && dp_xfrm_same(&x->conf, sa))
			return true;
	for (struct dp_xtrap *t = dp->traps; t; t = t->next)
		if (&t->as != sa && dp_xfrm_same(&t->as, sa))
			return true;
	return false;
}

/*
 * Policy-based VPNs (dp.h): a trap is what XFRM policies are natively,
 * an OUT policy per selector pair with the ESP tunnel template (reqid:
 * the tunnel) and no state yet, for which the kernel sends ACQUIRE
 * (RFC 4301 5.1: an SPD entry that PROTECTs, no SA: negotiate).
 */
static void dp_xfrm_trap_del(struct dp *dp, uint32_t tunnel_id);

static int
dp_xfrm_trap_set(struct dp *dp, const struct dp_trap *t)
{
	struct dp_xtrap *x;

	dp_xfrm_trap_del(dp, t->tunnel_id);
	if (t->remote.family != AF_INET && t->remote.family != AF_INET6) {
		log_warn("dataplane xfrm: tunnel %u: no peer address for its"
			 " policies (dynamic gateway): no trap",
		    t->tunnel_id);
		return -1;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return -1;
	x->as.tunnel_id = t->tunnel_id;
	x->as.remote = t->remote;
	x->as.local = t->local;
	if (x->as.local.family != t->remote.family) { /* the kernel picks */
		memset(&x->as.local, 0, sizeof(x->as.local));
		x->as.local.family = t->remote.family;
	}
	x->as.nsel_local = t->nsel_local;
	x->as.nsel_remote = t->nsel_remote;
	memcpy(x->as.sel_local, t->sel_local, sizeof(t->sel_local));
	memcpy(x->as.sel_remote, t->sel_remote, sizeof(t->sel_remote));
	if (!dp_xfrm_shared(dp, &x->as) &&
	    dp_xfrm_policies(dp, &x->as, DPX_ADD, NULL) == -1) {
		free(x);
		return -1;
	}
	x->next = dp->traps;
	dp->traps = x;
	log_info("dataplane xfrm: tunnel %u: policies of its trap installed",
	    t->tunnel_id);
	return 0;
}

static void
dp_xfrm_trap_del(struct dp *dp, uint32_t tunnel_id)
{
	for (struct dp_xtrap **pp = &dp->traps, *x; (x = *pp) != NULL;
	     pp = &x->next) {
		if (x->as.tunnel_id != tunnel_id)
			continue;
		*pp = x->next;
		/* an SA with the same selectors keeps them */
		if (!dp_xfrm_shared(dp, &x->as))
			dp_xfrm_policies(dp, &x->as, DPX_DEL, NULL);
		free(x);
		return;
	}
}

static int
dp_xfrm_sa_add(struct dp *dp, const struct dp_sa *sa)
{
	struct xfrmnl_sa *x;
	struct dp_xsa *r;
	int err;

	if (dp_xfrm_find(dp, sa->spi, sa->inbound, NULL) != NULL) {
		log_err(
		    "dataplane xfrm: SA %08x is already installed", sa->spi);
		return -1;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	if ((x = dp_xfrm_state(sa)) == NULL) {
		log_err("dataplane xfrm: SA %08x: %s%s%s has no XFRM form",
		    sa->spi, sa->encr ? sa->encr->name : "?",
		    sa->integ ? "/" : "", sa->integ ? sa->integ->name : "");
		free(r);
		return -1;
	}
	err = dp_xfrm_state_add(dp->sk, x, sa);
	xfrmnl_sa_put(x);
	if (err < 0) {
		log_err("dataplane xfrm: SA %08x %s: the kernel refused the "
			"state: %s",
		    sa->spi, sa->inbound ? "inbound" : "outbound",
		    nl_geterror(err));
		free(r);
		return -1;
	}
	if (!dp_xfrm_shared(dp, sa) &&
	    dp_xfrm_policies(dp, sa, DPX_ADD, NULL) == -1) {
		dp_xfrm_state_del(dp, sa);
		free(r);
		return -1;
	}
	r->conf = *sa;
	OPENSSL_cleanse(r->conf.enc_key, sizeof(r->conf.enc_key));
	OPENSSL_cleanse(r->conf.auth_key, sizeof(r->conf.auth_key));
	r->next = dp->sas;
	dp->sas = r;
	log_info("dataplane xfrm: SA %08x %s installed", sa->spi,
	    sa->inbound ? "inbound" : "outbound");
	return 0;
}

/* The kernel's counters of r since the last clear, added to out. */
static void
dp_xfrm_count(struct dp *dp, const struct dp_xsa *r, struct dp_stats *out)
{
	struct xfrmnl_sa *x = NULL;
	unsigned long long by = 0, pk = 0, t1, t2, rw = 0, rp = 0, au = 0;
	struct dp_stats s = { 0 };
	uint64_t *ps = (uint64_t *)&s, *pout = (uint64_t *)out;
	const uint64_t *pb = (const uint64_t *)&r->base;

	if (dp_xfrm_get(dp, &r->conf, &x) < 0 || x == NULL)
		return;
	xfrmnl_sa_get_curlifetime(x, &by, &pk, &t1, &t2);
	xfrmnl_sa_get_stats(x, &rw, &rp, &au);
	xfrmnl_sa_put(x);
	if (r->conf.inbound) {
		s.dec_bytes = by;
		s.dec_packets = pk;
	} else {
		s.enc_bytes = by;
		s.enc_packets = pk;
	}
	s.err_replay = rw + rp;
	s.err_auth = au;
	for (size_t i = 0; i < sizeof(s) / sizeof(uint64_t); i++)
		pout[i] += ps[i] - pb[i];
}

static int
dp_xfrm_sa_del(struct dp *dp, uint32_t spi, bool inbound)
{
	struct dp_xsa **pp, *r = dp_xfrm_find(dp, spi, inbound, &pp);
	int err;

	if (r == NULL) {
		log_err("dataplane xfrm: no SA %08x to delete", spi);
		return -1;
	}
	dp_xfrm_count(dp, r, &dp->gone);
	*pp = r->next;
	if ((err = dp_xfrm_state_del(dp, &r->conf)) < 0)
		log_warn("dataplane xfrm: SA %08x: delete: %s", spi,
		    nl_geterror(err));
	if (!dp_xfrm_shared(dp, &r->conf))
		dp_xfrm_policies(dp, &r->conf, DPX_DEL, NULL);
	free(r);
	return 0;
}

/* RFC 7296 2.23: the peer's NAT mapping moved (dp_xfrm_peer.c). */
static int
dp_xfrm_sa_peer(struct dp *dp, uint32_t spi, const struct dp_addr *remote,
    uint16_t encap_dport)
{
	struct dp_xsa *r = dp_xfrm_find(dp, spi, false, NULL);

	if (r == NULL) {
		log_err("dataplane xfrm: no outbound SA %08x to move", spi);
		return -1;
	}
	if (dp_xfrm_migrate(dp, &r->conf, remote, encap_dport) == -1)
		return -1;
	r->conf.remote = *remote; /* its state's ID from now on */
	if (encap_dport != 0)
		r->conf.encap_dport = encap_dport;
	log_info("dataplane xfrm: SA %08x outbound now to port %u", spi,
	    r->conf.encap_dport);
	return 0;
}

static int
dp_xfrm_sa_stats(
    struct dp *dp, uint32_t spi, bool inbound, struct dp_stats *out)
{
	struct dp_xsa *r = dp_xfrm_find(dp, spi, inbound, NULL);

	memset(out, 0, sizeof(*out));
	if (r == NULL)
		return -1;
	dp_xfrm_count(dp, r, out);
	return 0;
}

static int
dp_xfrm_stats(struct dp *dp, uint32_t tunnel_id, struct dp_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (struct dp_xsa *r = dp->sas; r; r = r->next)
		if (tunnel_id == 0 || r->conf.tunnel_id == tunnel_id)
			dp_xfrm_count(dp, r, out);
	if (tunnel_id == 0) {
		uint64_t *po = (uint64_t *)out;
		const uint64_t *pg = (const uint64_t *)&dp->gone;
		for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
			po[i] += pg[i];
	}
	return 0;
}

static void
dp_xfrm_stats_clear(struct dp *dp)
{
	for (struct dp_xsa *r = dp->sas; r; r = r->next) {
		struct dp_stats now = { 0 };
		memset(&r->base, 0, sizeof(r->base));
		dp_xfrm_count(dp, r, &now);
		r->base = now;
	}
	memset(&dp->gone, 0, sizeof(dp->gone));
}

/* The kernel's XFRM_MSG_EXPIRE and XFRM_MSG_ACQUIRE, to iked. */
static int
dp_xfrm_mon_msg(struct nl_msg *msg, void *arg)
{
	struct dp *dp = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	size_t len = (size_t)nlmsg_datalen(h);

	if (h->nlmsg_type == XFRM_MSG_EXPIRE &&
	    len >= sizeof(struct xfrm_user_expire)) {
		const struct xfrm_user_expire *x = nlmsg_data(h);
		uint32_t spi = ntohl(x->state.id.spi);
		struct dp_xsa *r = dp_xfrm_find(dp, spi, true, NULL);
		bool inbound = r != NULL;
		if (r == NULL && dp_xfrm_find(dp, spi, false, NULL) == NULL)
			return NL_OK;
		if (dp->ev && dp->ev->expire)
			dp->ev->expire(dp->ctx, spi, inbound, x->hard != 0);
	} else if (h->nlmsg_type == XFRM_MSG_ACQUIRE &&
	    len >= sizeof(struct xfrm_user_acquire)) {
		/* the template (reqid: the tunnel) follows as XFRMA_TMPL */
		struct nlattr *t = nlmsg_find_attr(
		    h, sizeof(struct xfrm_user_acquire), XFRMA_TMPL);
		const struct xfrm_user_tmpl *ut;
		if (t == NULL || nla_len(t) < (int)sizeof(*ut))
			return NL_OK;
		ut = nla_data(t);
		if (dp->ev && dp->ev->acquire)
			dp->ev->acquire(dp->ctx, ut->reqid);
	}
	return NL_OK;
}

static void
dp_xfrm_mon_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dp *dp = arg;

	(void)fd;
	(void)what;
	nl_recvmsgs_default(dp->mon);
}

/* RFC 3948 2.2: IKE behind the non-ESP marker on the UDP 4500 socket. */
static void
dp_xfrm_encap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dp *dp = arg;
	uint8_t buf[65536];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	(void)what;
	n = recvfrom(
	    fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
	if (n < 4 || memcmp(buf, "\0\0\0\0", 4) != 0)
		return; /* keepalives; ESP is the kernel's */
	if (dp->ev && dp->ev->ike_packet)
		dp->ev->ike_packet(dp->ctx, buf + 4, (size_t)n - 4,
		    (struct sockaddr *)&from, NULL);
}

static int
dp_xfrm_set_encap_socket(struct dp *dp, int fd)
{
	int type = UDP_ENCAP_ESPINUDP;

	if (dp->encap_ev) {
		event_free(dp->encap_ev);
		dp->encap_ev = NULL;
	}
	dp->encap = fd;
	if (fd < 0)
		return 0;
	/* the kernel takes the ESP out of the socket (RFC 3948) */
	if (setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type)) < 0) {
		log_err("dataplane xfrm: UDP_ENCAP: %s", strerror(errno));
		return -1;
	}
	dp->encap_ev =
	    event_new(dp->base, fd, EV_READ | EV_PERSIST, dp_xfrm_encap_cb, dp);
	if (dp->encap_ev == NULL || event_add(dp->encap_ev, NULL) < 0)
		return -1;
	return 0;
}

int
dp_xfrm_probe(struct dp *dp)
{
	struct dp_sa sa = { .spi = DP_XFRM_PROBE_SPI, .inbound = true };
	struct xfrmnl_sa *x;
	int err;

	sa.local.family = sa.remote.family = AF_INET;
	sa.local.u.v4.s_addr = sa.remote.u.v4.s_addr = htonl(INADDR_LOOPBACK);
	sa.encr = crypto_encr(ENCR_AES_GCM_16, 128);
	if (sa.encr == NULL || (x = dp_xfrm_state(&sa)) == NULL)
		return -1;
	err = dp_xfrm_state_add(dp->sk, x, &sa);
	xfrmnl_sa_put(x);
	if (err < 0) {
		log_info("dataplane xfrm: the kernel holds no ESP state "
			 "(rfc4106(gcm(aes))): %s",
		    nl_geterror(err));
		return -1;
	}
	dp_xfrm_state_del(dp, &sa);
	return 0;
}

static void dp_xfrm_close(struct dp *dp);

struct dp *
dp_xfrm_new(
    struct event_base *base, const struct dp_events *ev, void *ctx, bool probe)
{
	struct dp *dp;
	int err;

	if ((dp = calloc(1, sizeof(*dp))) == NULL)
		return NULL;
	dp->base = base;
	dp->ev = ev;
	dp->ctx = ctx;
	dp->encap = -1;
	if ((dp->sk = nl_socket_alloc()) == NULL ||
	    (dp->mon = nl_socket_alloc()) == NULL)
		goto fail;
	if ((err = nl_connect(dp->sk, NETLINK_XFRM)) < 0 ||
	    (err = nl_connect(dp->mon, NETLINK_XFRM)) < 0) {
		log_err("dataplane xfrm: netlink: %s", nl_geterror(err));
		goto fail;
	}
	nl_socket_disable_seq_check(dp->mon);
	nl_socket_modify_cb(
	    dp->mon, NL_CB_VALID, NL_CB_CUSTOM, dp_xfrm_mon_msg, dp);
	nl_socket_set_nonblocking(dp->mon);
	if (nl_socket_add_memberships(
		dp->mon, XFRMNLGRP_EXPIRE, XFRMNLGRP_ACQUIRE, 0) < 0)
		log_warn("dataplane xfrm: no expire/acquire notifications");
	if (probe && dp_xfrm_probe(dp) == -1)
		goto fail;
	if (base != NULL) {
		dp->mon_ev = event_new(base, nl_socket_get_fd(dp->mon),
		    EV_READ | EV_PERSIST, dp_xfrm_mon_cb, dp);
		if (dp->mon_ev == NULL || event_add(dp->mon_ev, NULL) < 0)
			goto fail;
	}
	log_info("dataplane: xfrm backend open");
	return dp;
fail:
	log_err("dataplane: the xfrm backend cannot run here");
	dp_xfrm_close(dp);
	return NULL;
}

static struct dp *
dp_xfrm_open(struct event_base *base, const struct dp_events *ev, void *ctx)
{
	return dp_xfrm_new(base, ev, ctx, true);
}

/* Removes what it installed: the kernel's SAs outlive iked otherwise. */
static void
dp_xfrm_close(struct dp *dp)
{
	if (dp == NULL)
		return;
	while (dp->sas)
		dp_xfrm_sa_del(dp, dp->sas->conf.spi, dp->sas->conf.inbound);
	while (dp->traps)
		dp_xfrm_trap_del(dp, dp->traps->as.tunnel_id);
	if (dp->encap_ev)
		event_free(dp->encap_ev);
	if (dp->mon_ev)
		event_free(dp->mon_ev);
	if (dp->sk)
		nl_socket_free(dp->sk);
	if (dp->mon)
		nl_socket_free(dp->mon);
	free(dp);
}

const struct dp_ops dp_xfrm_ops = {
	.name = "xfrm",
	.open = dp_xfrm_open,
	.close = dp_xfrm_close,
	.sa_add = dp_xfrm_sa_add,
	.sa_del = dp_xfrm_sa_del,
	.sa_peer = dp_xfrm_sa_peer,
	.sa_stats = dp_xfrm_sa_stats,
	.stats = dp_xfrm_stats,
	.stats_clear = dp_xfrm_stats_clear,
	.set_encap_socket = dp_xfrm_set_encap_socket,
	.trap_set = dp_xfrm_trap_set,
	.trap_del = dp_xfrm_trap_del,
};

struct dp *
dp_open_auto(struct event_base *base, const struct dp_events *ev, void *ctx,
    const struct dp_ops **ops)
{
	const char *want = getenv("QSAFE_DP");
	struct dp *dp;

	if (want != NULL &&
	    (strcmp(want, "xfrm") == 0 || strcmp(want, "auto") == 0)) {
		if ((dp = dp_xfrm_ops.open(base, ev, ctx)) != NULL) {
			*ops = &dp_xfrm_ops;
			return dp;
		}
		log_info("dataplane: QSAFE_DP=%s: userspace instead", want);
	}
	*ops = &dp_userspace_ops;
	return dp_userspace_ops.open(base, ev, ctx);
}
