/*
 * dp_ari: the routes iked inserts for the remote traffic selectors of
 * its Child SAs (dp_ari.h), reference-counted per (prefix, device) and
 * written with libnl-route.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>

#include "iked/dp_ari.h"
#include "iked/dp_lpm.h"
#include "lib/log.h"
#include "lib/rtproto.h"

struct dp_ari_route {
	struct dp_lpm_ent p; /* val unused */
	uint32_t metric;
	char ifname[IF_NAMESIZE];
	unsigned refs;
	struct dp_ari_route *next;
};

struct dp_ari {
	struct nl_sock *nl;
	struct dp_ari_route *routes;
};

struct dp_ari *
dp_ari_new(void)
{
	struct dp_ari *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	if ((a->nl = nl_socket_alloc()) == NULL ||
	    nl_connect(a->nl, NETLINK_ROUTE) < 0) {
		log_err("dataplane: no route socket: traffic selectors get "
			"no routes");
		if (a->nl)
			nl_socket_free(a->nl);
		free(a);
		return NULL;
	}
	return a;
}

void
dp_ari_free(struct dp_ari *a)
{
	if (a == NULL)
		return;
	for (struct dp_ari_route *r = a->routes, *n; r; r = n) {
		n = r->next;
		free(r);
	}
	nl_socket_free(a->nl);
	free(a);
}

static const char *
dp_ari_str(const struct dp_ari_route *r, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(r->p.family, r->p.addr, ip, sizeof(ip));
	snprintf(buf, len, "%s/%u", ip, r->p.plen);
	return buf;
}

/* One route of ours added or deleted; 0 or -1 (logged). */
static int
dp_ari_route(struct dp_ari *a, const struct dp_ari_route *r, bool add)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = NULL;
	struct nl_addr *dst = NULL;
	unsigned ix = if_nametoindex(r->ifname);
	char buf[64];
	int err = -NLE_NOMEM, rc = -1;

	if (rt == NULL ||
	    (dst = nl_addr_build(r->p.family, r->p.addr,
		 r->p.family == AF_INET ? 4 : 16)) == NULL)
		goto done;
	nl_addr_set_prefixlen(dst, r->p.plen);
	rtnl_route_set_family(rt, r->p.family);
	rtnl_route_set_dst(rt, dst);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, QSAFE_RTPROT_ARI);
	rtnl_route_set_priority(rt, r->metric);
	rtnl_route_set_scope(rt, RT_SCOPE_LINK);
	rtnl_route_set_type(rt, RTN_UNICAST);
	if (add) {
		if (ix == 0) {
			err = -NLE_NODEV;
			goto done;
		}
		if ((nh = rtnl_route_nh_alloc()) == NULL)
			goto done;
		rtnl_route_nh_set_ifindex(nh, (int)ix);
		rtnl_route_add_nexthop(rt, nh);
		err = rtnl_route_add(a->nl, rt, NLM_F_CREATE | NLM_F_EXCL);
	} else
		err = rtnl_route_delete(a->nl, rt, 0);
	/* a device gone takes its routes: nothing left to delete */
	rc = err == 0 || (!add && err == -NLE_OBJ_NOTFOUND) ? 0 : -1;
done:
	if (rc == -1)
		log_warn("dataplane: route %s via %s %s: %s",
		    dp_ari_str(r, buf, sizeof(buf)), r->ifname,
		    add ? "not added" : "not deleted", nl_geterror(err));
	else
		log_info("dataplane: route %s via %s %s (traffic selector)",
		    dp_ari_str(r, buf, sizeof(buf)), r->ifname,
		    add ? "added" : "deleted");
	nl_addr_put(dst);
	rtnl_route_put(rt);
	return rc;
}

static uint32_t
dp_ari_metric(const struct dp_sa *sa)
{
	return sa->ari_metric ? sa->ari_metric : QSAFE_ARI_METRIC;
}

/* A route is (prefix, device, metric): the kernel's key, less the tos. */
static struct dp_ari_route *
dp_ari_find(struct dp_ari *a, const struct dp_lpm_ent *p, const char *ifname,
    uint32_t metric)
{
	for (struct dp_ari_route *r = a->routes; r; r = r->next)
		if (r->p.family == p->family && r->p.plen == p->plen &&
		    memcmp(r->p.addr, p->addr, 16) == 0 &&
		    r->metric == metric && strcmp(r->ifname, ifname) == 0)
			return r;
	return NULL;
}

/* The prefixes of sa's remote selectors, each once, in p; how many. */
static size_t
dp_ari_prefixes(const struct dp_sa *sa, struct dp_lpm_ent *p, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < sa->nsel_remote && n < max; i++) {
		size_t k = dp_lpm_prefixes(&sa->sel_remote[i], NULL, p + n,
		    max - n < DP_LPM_RANGE_MAX ? max - n : DP_LPM_RANGE_MAX);
		for (size_t j = n; j < n + k; j++) /* the host bits zero */
			for (size_t b = p[j].plen; b < 128; b++)
				p[j].addr[b / 8] &=
				    (uint8_t) ~(0x80 >> (b % 8));
		n += k;
	}
	return n;
}

void
dp_ari_add(struct dp_ari *a, const struct dp_sa *sa)
{
	struct dp_lpm_ent p[4 * DP_LPM_RANGE_MAX];
	size_t n;

	if (a == NULL || !sa->ari || sa->inbound || sa->ifname[0] == '\0')
		return;
	n = dp_ari_prefixes(sa, p, sizeof(p) / sizeof(p[0]));
	for (size_t i = 0; i < n; i++) {
		struct dp_ari_route *r =
		    dp_ari_find(a, &p[i], sa->ifname, dp_ari_metric(sa));
		if (r != NULL) {
			r->refs++;
			continue;
		}
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return;
		r->p = p[i];
		r->metric = dp_ari_metric(sa);
		snprintf(r->ifname, sizeof(r->ifname), "%s", sa->ifname);
		r->refs = 1;
		r->next = a->routes;
		a->routes = r;
		dp_ari_route(a, r, true);
	}
}

void
dp_ari_del(struct dp_ari *a, const struct dp_sa *sa)
{
	struct dp_lpm_ent p[4 * DP_LPM_RANGE_MAX];
	size_t n;

	if (a == NULL || !sa->ari || sa->inbound || sa->ifname[0] == '\0')
		return;
	n = dp_ari_prefixes(sa, p, sizeof(p) / sizeof(p[0]));
	for (size_t i = 0; i < n; i++) {
		struct dp_ari_route *r =
		    dp_ari_find(a, &p[i], sa->ifname, dp_ari_metric(sa));
		if (r == NULL || --r->refs > 0)
			continue;
		dp_ari_route(a, r, false);
		struct dp_ari_route **pp = &a->routes;
		while (*pp != r)
			pp = &(*pp)->next;
		*pp = r->next;
		free(r);
	}
}
