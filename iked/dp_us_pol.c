/*
 * dp_us_pol: policy-based VPNs in the userspace dataplane (lib/pvpn.h has
 * who owns what).  Every policy-based SA (dp_sa.ifname "") is bound to one
 * TUN device, PVPN_IFNAME, which this file creates with the policy
 * routing that leads marked traffic into it: `ip rule fwmark PVPN_MARK
 * lookup PVPN_TABLE` and a default route into the device in that table,
 * for IPv4 and IPv6.  hostd marks what a tunnel policy matched.
 *
 * Outbound, the SA is chosen by the packet's selectors (RFC 4301 5.1:
 * the SPD lookup on the packet's addresses, protocol and ports): each
 * policy-based tunnel is a struct dp_pol with its configured selectors
 * (the trap, from the engine) and its newest outbound SA; a packet goes
 * to the first whose SA's selectors (the trap's while it has no SA) hold
 * it.  With a trap but no SA it is dropped, counted, and raises acquire
 * for the tunnel (on-traffic).  The walk is linear in the policy-based
 * tunnels, which Junos configures by the dozen, not the thousand; the
 * route-based lookup (st0.N -> its SA) is untouched by this file.
 * Inbound needs nothing here: the decrypted packet is checked against
 * its SA's selectors (dp_us_path.c) and written to the device.
 *
 * Locking as dp_us.h: entries change under the write lock, the tx
 * thread reads them under the read lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/fib_rules.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include "iked/dp_us.h"
#include "lib/log.h"
#include "lib/pvpn.h"

/* The rule and the default route of one family; add or delete. */
static int
dp_pol_route_family(struct nl_sock *sk, int family, int ifindex, bool add)
{
	struct rtnl_rule *ru = rtnl_rule_alloc();
	struct rtnl_route *rt = NULL;
	struct rtnl_nexthop *nh = NULL;
	struct nl_addr *dst = NULL;
	uint8_t zero[16] = { 0 };
	int err = -NLE_NOMEM;

	if (ru == NULL)
		goto done;
	rtnl_rule_set_family(ru, family);
	rtnl_rule_set_prio(ru, PVPN_RULE_PRIO);
	rtnl_rule_set_mark(ru, PVPN_MARK);
	rtnl_rule_set_mask(ru, PVPN_MARK);
	rtnl_rule_set_table(ru, PVPN_TABLE);
	rtnl_rule_set_action(ru, FR_ACT_TO_TBL);
	if (!add) {
		err = rtnl_rule_delete(sk, ru, 0);
		goto done; /* the routes go with the device */
	}
	err = rtnl_rule_add(sk, ru, NLM_F_CREATE | NLM_F_EXCL);
	if (err == -NLE_EXIST)
		err = 0; /* left by an iked that did not close */
	if (err < 0)
		goto done;
	if ((rt = rtnl_route_alloc()) == NULL ||
	    (nh = rtnl_route_nh_alloc()) == NULL ||
	    (dst = nl_addr_build(family, zero, family == AF_INET ? 4 : 16)) ==
		NULL)
		goto done;
	nl_addr_set_prefixlen(dst, 0);
	rtnl_route_set_family(rt, (uint8_t)family);
	rtnl_route_set_table(rt, PVPN_TABLE);
	rtnl_route_set_dst(rt, dst);
	rtnl_route_set_scope(rt, RT_SCOPE_LINK);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(rt, nh);
	nh = NULL; /* the route's */
	err = rtnl_route_add(sk, rt, NLM_F_CREATE | NLM_F_REPLACE);
done:
	if (ru)
		rtnl_rule_put(ru);
	if (rt)
		rtnl_route_put(rt);
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(dst);
	return err;
}

/*
 * The policy routing into the device (add), or its rules removed (the
 * routes go with the device).  0, or -1 (logged).
 */
static int
dp_pol_route(const char *ifname, bool add)
{
	struct nl_sock *sk = nl_socket_alloc();
	int ifindex = (int)if_nametoindex(ifname), err = 0, rc = 0;
	static const int fam[2] = { AF_INET, AF_INET6 };

	if (sk == NULL || nl_connect(sk, NETLINK_ROUTE) < 0) {
		log_err("dataplane: %s: no route netlink socket", ifname);
		nl_socket_free(sk);
		return -1;
	}
	for (size_t i = 0; i < 2; i++) {
		err = dp_pol_route_family(sk, fam[i], ifindex, add);
		/* IPv6 may be off here (disable_ipv6: EACCES) */
		if (err == -NLE_NOACCESS && add && i == 1) {
			log_info("dataplane: %s: IPv6 is off here, IPv4 only",
			    ifname);
			continue;
		}
		if (err < 0 && add) {
			log_warn("dataplane: %s: %s policy routing: %s", ifname,
			    i ? "IPv6" : "IPv4", nl_geterror(err));
			if (i == 0)
				rc = -1;
		}
	}
	nl_socket_free(sk);
	return rc;
}

/*
 * Decrypted packets enter through the device with sources the main table
 * routes elsewhere: strict reverse-path filtering would drop them.
 */
static void
dp_pol_rp_filter(const char *ifname)
{
	char path[96];
	int fd;

	snprintf(
	    path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/rp_filter", ifname);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return;
	if (write(fd, "0", 1) != 1)
		log_warn(
		    "dataplane: %s: rp_filter: %s", ifname, strerror(errno));
	close(fd);
}

struct dp_tun *
dp_pol_dev(struct dp *dp)
{
	bool made = dp->pol_tun == NULL;
	struct dp_tun *t = dp_tun_get(dp, PVPN_IFNAME, 0);

	if (t == NULL)
		return NULL;
	t->policy = true;
	if (made) {
		dp->pol_tun = t;
		dp_pol_rp_filter(PVPN_IFNAME);
		if (dp_pol_route(PVPN_IFNAME, true) == 0)
			log_info("dataplane: %s routes marked traffic (mark "
				 "%s, table %u)",
			    PVPN_IFNAME, PVPN_MARK_TEXT, PVPN_TABLE);
	}
	return t;
}

void
dp_pol_close(struct dp *dp)
{
	if (dp->pol_tun != NULL)
		dp_pol_route(PVPN_IFNAME, false);
	while (dp->pols != NULL) {
		struct dp_pol *p = dp->pols;
		dp->pols = p->next;
		free(p);
	}
}

static struct dp_pol *
dp_pol_find(struct dp *dp, uint32_t tunnel_id, bool create)
{
	struct dp_pol *p, **pp = &dp->pols;

	for (p = dp->pols; p; p = p->next)
		if (p->tunnel_id == tunnel_id)
			return p;
	if (!create || (p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->tunnel_id = tunnel_id;
	while (*pp != NULL) /* in the order they came: the first wins */
		pp = &(*pp)->next;
	*pp = p;
	return p;
}

static void
dp_pol_unlink(struct dp *dp, struct dp_pol *p)
{
	for (struct dp_pol **pp = &dp->pols; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			free(p);
			return;
		}
}

int
dp_pol_trap_set(struct dp *dp, const struct dp_trap *t)
{
	struct dp_pol *p;
	int rc = -1;

	pthread_rwlock_wrlock(&dp->lock);
	if (dp->pol_tun == NULL && dp_pol_dev(dp) == NULL)
		goto done;
	if ((p = dp_pol_find(dp, t->tunnel_id, true)) == NULL)
		goto done;
	p->conf = *t;
	p->trap = true;
	rc = 0;
done:
	pthread_rwlock_unlock(&dp->lock);
	if (rc == 0)
		log_info("dataplane: tunnel %u: traffic of its policy goes to "
			 "%s",
		    t->tunnel_id, PVPN_IFNAME);
	return rc;
}

void
dp_pol_trap_del(struct dp *dp, uint32_t tunnel_id)
{
	struct dp_pol *p;

	pthread_rwlock_wrlock(&dp->lock);
	if ((p = dp_pol_find(dp, tunnel_id, false)) != NULL) {
		p->trap = false;
		if (p->out == NULL)
			dp_pol_unlink(dp, p);
	}
	pthread_rwlock_unlock(&dp->lock);
}

void
dp_pol_sa_add(struct dp *dp, struct dp_usa *u, const struct dp_sa *sa)
{
	struct dp_pol *p;

	if (sa->inbound || (p = dp_pol_find(dp, sa->tunnel_id, true)) == NULL)
		return;
	p->out = u; /* the newest, as route-based */
}

void
dp_pol_sa_del(struct dp *dp, struct dp_usa *u)
{
	for (struct dp_pol *p = dp->pols, *n; p; p = n) {
		n = p->next;
		if (p->out != u)
			continue;
		p->out = NULL;
		if (!p->trap)
			dp_pol_unlink(dp, p);
	}
}

/* The packet's selector fields (RFC 4301 4.4.1.1); -1 when unreadable. */
struct dp_pkt {
	int v;
	const uint8_t *src, *dst;
	uint8_t proto;
	uint16_t sport, dport;
	bool ports; /* known (first fragment of TCP/UDP/SCTP) */
};

static int
dp_pol_pkt(const uint8_t *p, size_t len, struct dp_pkt *k)
{
	size_t hl;

	memset(k, 0, sizeof(*k));
	if (len < 1)
		return -1;
	k->v = p[0] >> 4;
	if (k->v == 4) {
		if (len < 20 || (hl = (size_t)(p[0] & 0x0f) * 4) < 20 ||
		    hl > len)
			return -1;
		k->src = p + 12;
		k->dst = p + 16;
		k->proto = p[9];
		if ((((p[6] & 0x1f) << 8) | p[7]) != 0)
			return 0; /* a later fragment: no ports */
	} else if (k->v == 6) {
		if (len < 40)
			return -1;
		hl = 40;
		k->src = p + 8;
		k->dst = p + 24;
		k->proto = p[6]; /* extension headers: ports unknown */
	} else {
		return -1;
	}
	if ((k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP ||
		k->proto == IPPROTO_SCTP) &&
	    len >= hl + 4) {
		k->sport = (uint16_t)(p[hl] << 8 | p[hl + 1]);
		k->dport = (uint16_t)(p[hl + 2] << 8 | p[hl + 3]);
		k->ports = true;
	}
	return 0;
}

/* Whether one of sel[0..n) holds addr, the protocol and port. */
static bool
dp_pol_sel(const struct dp_sel *sel, size_t n, const struct dp_pkt *k,
    const uint8_t *addr, uint16_t port)
{
	for (size_t i = 0; i < n; i++) {
		const struct dp_sel *s = &sel[i];
		size_t alen = k->v == 4 ? 4 : 16;
		if (s->start.family != (k->v == 4 ? AF_INET : AF_INET6) ||
		    memcmp(addr, &s->start.u, alen) < 0 ||
		    memcmp(addr, &s->end.u, alen) > 0)
			continue;
		if (s->ipproto != 0 && s->ipproto != k->proto)
			continue;
		if ((s->sport != 0 || s->eport != 65535) &&
		    (!k->ports || port < s->sport || port > s->eport))
			continue;
		return true;
	}
	return false;
}

struct dp_pol *
dp_pol_lookup(struct dp *dp, const uint8_t *pkt, size_t len)
{
	struct dp_pkt k;

	if (dp_pol_pkt(pkt, len, &k) == -1)
		return NULL;
	for (struct dp_pol *p = dp->pols; p; p = p->next) {
		const struct dp_sa *c =
		    p->out ? esp_sa_conf(p->out->esp) : NULL;
		const struct dp_sel *l = c ? c->sel_local : p->conf.sel_local;
		const struct dp_sel *r = c ? c->sel_remote : p->conf.sel_remote;
		size_t nl = c ? c->nsel_local : p->conf.nsel_local;
		size_t nr = c ? c->nsel_remote : p->conf.nsel_remote;
		if (c == NULL && !p->trap)
			continue;
		if (dp_pol_sel(l, nl, &k, k.src, k.sport) &&
		    dp_pol_sel(r, nr, &k, k.dst, k.dport))
			return p;
	}
	return NULL;
}

size_t
dp_pol_acquires(struct dp *dp, uint32_t *out, size_t max)
{
	size_t n = 0;

	for (struct dp_pol *p = dp->pols; p && n < max; p = p->next)
		if (atomic_exchange(&p->want_acquire, false))
			out[n++] = p->tunnel_id;
	return n;
}
