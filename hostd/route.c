/*
 * route: `routing-options static route` in the kernel's main table and
 * `show route` from the main and local tables.
 *
 * A static route is installed with protocol "static" (RTPROT_STATIC), its
 * next hops as gateways (an address) or devices (a unit such as st0.0,
 * named by the rule in iface.c), several next hops as one multipath route;
 * `reject` is an unreachable route (ICMP unreachable), `discard` a
 * blackhole.  A route whose device is not there (st0.N before iked
 * creates it, a port not installed) or whose gateway is not reachable yet
 * waits for it (pending.c).  Routes iked inserts for the traffic
 * selectors of its Child SAs (lib/rtproto.h) are iked's: shown here as
 * [ARI-TS/5], never added or removed by hostd.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include "hostd/hostd.h"
#include "lib/log.h"
#include "lib/rtproto.h"
#include "proto/link.h"

#define ROUTE_PREF_STATIC 5 /* Junos default preference of static */

static bool
route_is_addr(const char *s)
{
	unsigned char b[16];

	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

static uint32_t
route_u32(const struct cnode *r, const char *name, uint32_t dflt)
{
	const struct cnode *n = cnode_child(r, name);

	return n && n->val ? (uint32_t)strtoul(n->val, NULL, 10) : dflt;
}

static void
route_entry_items(const struct cnode *r, void *arg)
{
	struct host_items *out = arg;
	char dev[64];
	struct sb via;

	if (cnode_is_inactive(r))
		return;
	int kind = cnode_child(r, "reject") ? HOST_REJECT
	    : cnode_child(r, "discard")	    ? HOST_DISCARD
					    : HOST_ROUTE;
	sb_init(&via);
	dev[0] = '\0';
	for (const struct cnode *nh = r->first; nh; nh = nh->next) {
		if (strcmp(nh->sn->name, "next-hop") != 0 ||
		    cnode_is_inactive(nh))
			continue;
		if (via.len > 0)
			sb_putc(&via, ' ');
		sb_puts(&via, nh->val);
		if (!route_is_addr(nh->val) && dev[0] == '\0')
			iface_linux_name(nh->val, dev, sizeof(dev));
	}
	if (kind != HOST_ROUTE || via.len > 0)
		items_add(out, dev, r->val,
		    kind == HOST_ROUTE ? sb_str(&via) : NULL, kind,
		    route_u32(r, "metric", 0));
	sb_free(&via);
}

/* The routes the scope names (scope.c), as items. */
void
route_items(struct conf *c, const struct host_scope *s, struct host_items *out)
{
	scope_routes(c, s, route_entry_items, out);
}

/*
 * A device next hop must have a Linux name; the device need not be there
 * (the route waits for it, pending.c).
 */
static void
route_check_entry(const struct cnode *r, void *arg)
{
	struct verrs *errs = arg;
	char dev[64], stmt[128];
	struct sb e, msg;

	sb_init(&e);
	sb_init(&msg);
	for (const struct cnode *nh = r->first; nh; nh = nh->next) {
		if (strcmp(nh->sn->name, "next-hop") != 0 ||
		    cnode_is_inactive(nh) || route_is_addr(nh->val))
			continue;
		sb_reset(&msg);
		if (iface_linux_name(nh->val, dev, sizeof(dev)) == 0)
			continue;
		sb_printf(
		    &msg, "interface %s cannot be named on this host", nh->val);
		sb_reset(&e);
		host_edit(r, &e);
		snprintf(stmt, sizeof(stmt), "next-hop %s", nh->val);
		verrs_add(errs, sb_str(&e), stmt, sb_str(&msg), false);
	}
	sb_free(&e);
	sb_free(&msg);
}

void
route_check(struct hostd *h, struct conf *next, const struct host_scope *s,
    struct verrs *errs)
{
	(void)h;
	scope_routes(next, s, route_check_entry, errs);
}

/* Adds the next hops of it to r; 1 when a device is missing. */
static int
route_nexthops(
    struct hostd *h, const struct host_item *it, struct rtnl_route *r)
{
	char buf[256], dev[64];
	char *save = NULL;
	bool gw = false;

	snprintf(buf, sizeof(buf), "%s", it->via);
	for (char *w = strtok_r(buf, " ", &save); w;
	     w = strtok_r(NULL, " ", &save)) {
		struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
		if (route_is_addr(w)) {
			struct nl_addr *a = NULL;
			if (nl_addr_parse(w, AF_UNSPEC, &a) == 0) {
				rtnl_route_nh_set_gateway(nh, a);
				nl_addr_put(a);
			}
			gw = true;
		} else {
			struct rtnl_link *l = NULL;
			if (iface_linux_name(w, dev, sizeof(dev)) == -1 ||
			    rtnl_link_get_kernel(h->nl, 0, dev, &l) < 0) {
				rtnl_route_nh_free(nh);
				return 1;
			}
			rtnl_route_nh_set_ifindex(nh, rtnl_link_get_ifindex(l));
			rtnl_link_put(l);
		}
		rtnl_route_add_nexthop(r, nh);
	}
	rtnl_route_set_scope(r, gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	return 0;
}

int
route_set(struct hostd *h, const struct host_item *it, bool add)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct nl_addr *dst = NULL;
	int rc = -1, err;

	if (nl_addr_parse(it->prefix, AF_UNSPEC, &dst) < 0)
		goto done;
	rtnl_route_set_family(r, nl_addr_get_family(dst));
	rtnl_route_set_dst(r, dst);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_protocol(r, RTPROT_STATIC);
	rtnl_route_set_scope(r, RT_SCOPE_UNIVERSE);
	if (it->metric)
		rtnl_route_set_priority(r, it->metric);
	if (it->kind == HOST_REJECT)
		rtnl_route_set_type(r, RTN_UNREACHABLE);
	else if (it->kind == HOST_DISCARD)
		rtnl_route_set_type(r, RTN_BLACKHOLE);
	else {
		rtnl_route_set_type(r, RTN_UNICAST);
		if (route_nexthops(h, it, r) == 1) {
			rc = add ? 1 : 0;
			goto done;
		}
	}
	if (add) {
		err = rtnl_route_add(h->nl, r, NLM_F_CREATE | NLM_F_REPLACE);
		if (err < 0) {
			/* e.g. the gateway is not reachable yet */
			log_info(
			    "route %s waits: %s", it->prefix, nl_geterror(err));
			rc = 1;
			goto done;
		}
	} else if ((err = rtnl_route_delete(h->nl, r, 0)) < 0) {
		log_debug("route %s: %s", it->prefix, nl_geterror(err));
	}
	log_info("%s route %s", add ? "added" : "removed", it->prefix);
	rc = 0;
done:
	nl_addr_put(dst);
	rtnl_route_put(r);
	return rc;
}

/* ---- reachable gateways ------------------------------------------ */

/*
 * The kernel takes a route through an IPv4 gateway (without onlink) only
 * when a lookup of the gateway finds a route of a scope narrower than
 * universe (fib_check_nh_v4_gw: flowi4_scope = RT_SCOPE_UNIVERSE + 1):
 * a connected subnet, a device route, a local address.  With the default
 * routing rules that lookup reads the tables main (where local is merged)
 * and default.  So the prefixes of those routes, and of the items a pass
 * puts in place, cover every gateway the kernel could reach: one that none
 * covers is refused, and its route may wait without a request (at the
 * zones shape's 49,997 routes through absent subnets, the requests cost
 * ~0.7 s).  A gateway covered is asked for as before: the cover
 * over-approximates (it ignores a route's type, tos and next hops).
 */
#define ROUTE_REACH_KEY 16 /* "xxxxxxxx/nn" */

struct route_reach {
	json_t *pfx;   /* "%08x/%u" of a masked prefix -> true */
	uint64_t lens; /* bit L: pfx holds a prefix of length L */
};

static void
route_reach_key(uint32_t a, unsigned len, char *key)
{
	uint32_t m = len == 0 ? 0 : 0xffffffffu << (32 - len);

	snprintf(key, ROUTE_REACH_KEY, "%08x/%u", a & m, len);
}

static void
route_reach_put(struct route_reach *r, uint32_t a, unsigned len)
{
	char key[ROUTE_REACH_KEY];

	if (len > 32)
		return;
	route_reach_key(a, len, key);
	json_object_set_new(r->pfx, key, json_true());
	r->lens |= 1ull << len;
}

/* "a.b.c.d" or "a.b.c.d/len" -> a (host order), len.  0 or -1. */
static int
route_v4(const char *s, uint32_t *a, unsigned *len)
{
	char buf[INET_ADDRSTRLEN + 4];
	const char *sl = strchr(s, '/');
	size_t n = sl ? (size_t)(sl - s) : strlen(s);
	struct in_addr in;
	char *end;

	if (n >= INET_ADDRSTRLEN)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &in) != 1)
		return -1;
	*a = ntohl(in.s_addr);
	*len = 32;
	if (sl != NULL) {
		unsigned long l = strtoul(sl + 1, &end, 10);
		if (end == sl + 1 || *end != '\0' || l > 32)
			return -1;
		*len = (unsigned)l;
	}
	return 0;
}

/* Whether the IPv4 routing rules are the default three (local, main,
 * default): then a gateway's lookup reads those tables only. */
static bool
route_rules_default(struct hostd *h)
{
	struct nl_cache *rc = NULL;
	bool ok = true;
	int n = 0;

	if (rtnl_rule_alloc_cache(h->nl, AF_INET, &rc) < 0)
		return false;
	for (struct nl_object *o = nl_cache_get_first(rc); o && ok;
	     o = nl_cache_get_next(o)) {
		struct rtnl_rule *rule = (struct rtnl_rule *)o;
		uint32_t t = rtnl_rule_get_table(rule);
		if (rtnl_rule_get_family(rule) != AF_INET)
			continue; /* the dump holds IPv6's too */
		ok = ++n <= 3 &&
		    (t == RT_TABLE_LOCAL || t == RT_TABLE_MAIN ||
			t == RT_TABLE_DEFAULT);
	}
	nl_cache_free(rc);
	return ok;
}

struct route_reach *
route_reach_new(struct hostd *h)
{
	struct nl_cache *rc = NULL;
	struct route_reach *r;

	if (!route_rules_default(h) ||
	    rtnl_route_alloc_cache(h->nl, AF_INET, 0, &rc) < 0)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->pfx = json_object();
	for (struct nl_object *o = nl_cache_get_first(rc); o;
	     o = nl_cache_get_next(o)) {
		struct rtnl_route *rt = (struct rtnl_route *)o;
		struct nl_addr *dst = rtnl_route_get_dst(rt);
		uint32_t t = rtnl_route_get_table(rt), a = 0;
		if (rtnl_route_get_scope(rt) == RT_SCOPE_UNIVERSE ||
		    (t != RT_TABLE_LOCAL && t != RT_TABLE_MAIN &&
			t != RT_TABLE_DEFAULT))
			continue;
		if (dst != NULL && nl_addr_get_len(dst) == 4)
			memcpy(&a, nl_addr_get_binary_addr(dst), 4);
		route_reach_put(
		    r, ntohl(a), dst != NULL ? nl_addr_get_prefixlen(dst) : 0);
	}
	nl_cache_free(rc);
	return r;
}

void
route_reach_add(struct route_reach *r, const struct host_item *it)
{
	uint32_t a;
	unsigned len;

	if (r != NULL && route_v4(it->prefix, &a, &len) == 0)
		route_reach_put(r, a, len);
}

static bool
route_reach_has(const struct route_reach *r, uint32_t gw)
{
	char key[ROUTE_REACH_KEY];

	for (unsigned len = 0; len <= 32; len++) {
		if (!(r->lens & (1ull << len)))
			continue;
		route_reach_key(gw, len, key);
		if (json_object_get(r->pfx, key) != NULL)
			return true;
	}
	return false;
}

bool
route_reach_never(const struct route_reach *r, const struct host_item *it)
{
	char buf[256];
	char *save = NULL;
	uint32_t gw;
	unsigned len;

	if (r == NULL || it->kind != HOST_ROUTE || it->via == NULL)
		return false;
	snprintf(buf, sizeof(buf), "%s", it->via);
	for (char *w = strtok_r(buf, " ", &save); w;
	     w = strtok_r(NULL, " ", &save))
		if (strchr(w, '/') == NULL && route_v4(w, &gw, &len) == 0 &&
		    !route_reach_has(r, gw))
			return true;
	return false;
}

void
route_reach_free(struct route_reach *r)
{
	if (r == NULL)
		return;
	json_decref(r->pfx);
	free(r);
}

/* ---- route age --------------------------------------------------- */

/*
 * The kernel keeps no age of a route, so hostd remembers when it put its
 * own in place (CLOCK_MONOTONIC seconds in h->since), under the key
 * route_entry() builds: "Static P" for a static route, "Direct P dev" and
 * "Local A/32 dev" for the routes an address brings.  Other routes are
 * shown without an age.
 */
static void
route_key(const char *proto, int fam, const void *bin, unsigned plen,
    const char *dev, struct sb *out)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned char net[16] = { 0 };
	size_t n = fam == AF_INET ? 4 : 16;

	memcpy(net, bin, n);
	for (size_t i = 0; i < n; i++)
		if (i * 8 >= plen)
			net[i] = 0;
		else if (i * 8 + 8 > plen)
			net[i] &= (unsigned char)(0xff << (8 - (plen - i * 8)));
	inet_ntop(fam, net, buf, sizeof(buf));
	sb_printf(out, "%s %s/%u", proto, buf, plen);
	if (dev != NULL)
		sb_printf(out, " %s", dev);
}

static int64_t
route_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

void
route_since(struct hostd *h, const struct host_item *it, bool add)
{
	struct nl_addr *a = NULL;
	struct sb k;

	if (nl_addr_parse(it->prefix, AF_UNSPEC, &a) < 0)
		return;
	int fam = nl_addr_get_family(a);
	unsigned plen = nl_addr_get_prefixlen(a);
	const void *bin = nl_addr_get_binary_addr(a);
	sb_init(&k);
	for (int i = 0; i < (it->kind == HOST_ADDR ? 2 : 1); i++) {
		sb_reset(&k);
		if (it->kind != HOST_ADDR)
			route_key("Static", fam, bin, plen, NULL, &k);
		else if (i == 0)
			route_key("Direct", fam, bin, plen, it->dev, &k);
		else
			route_key("Local", fam, bin, fam == AF_INET ? 32 : 128,
			    it->dev, &k);
		if (!add)
			json_object_del(h->since, sb_str(&k));
		else if (json_object_get(h->since, sb_str(&k)) == NULL)
			json_object_set_new(
			    h->since, sb_str(&k), json_integer(route_now()));
	}
	sb_free(&k);
	nl_addr_put(a);
}

/* ---- show route -------------------------------------------------- */

/* Whether route prefix p/pl is shown for the filter f/fl (fl < 0: an address).
 */
static bool
route_match(
    int fam, const unsigned char *p, int pl, const unsigned char *f, int fl)
{
	int bits = fl < 0 ? pl : fl;

	if (fl >= 0 && pl < fl)
		return false;
	for (int i = 0; i < bits; i++) {
		int m = 0x80 >> (i % 8);
		if ((p[i / 8] & m) != (f[i / 8] & m))
			return false;
	}
	return true;
}

static void
route_ifname(struct nl_cache *lc, int ifindex, struct sb *out)
{
	char name[IFNAMSIZ + 1];

	if (rtnl_link_i2name(lc, ifindex, name, sizeof(name)) == NULL)
		snprintf(name, sizeof(name), "if%d", ifindex);
	iface_junos_name(name, out);
}

static json_t *
route_entry(struct hostd *h, struct nl_cache *lc, struct rtnl_route *r)
{
	struct conf *run = link_running(h->link);
	struct nl_addr *dst = rtnl_route_get_dst(r);
	int fam = rtnl_route_get_family(r);
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned char zero[16] = { 0 };
	const void *bin =
	    nl_addr_get_len(dst) ? nl_addr_get_binary_addr(dst) : zero;
	json_t *e = json_object(), *nhs = json_array();
	const char *proto = "Static";
	int pref = ROUTE_PREF_STATIC;
	struct sb s;

	sb_init(&s);
	inet_ntop(fam, bin, buf, sizeof(buf));
	sb_printf(&s, "%s/%u", buf, nl_addr_get_prefixlen(dst));
	json_object_set_new(e, "prefix", json_string(sb_str(&s)));
	if (rtnl_route_get_type(r) == RTN_LOCAL) {
		proto = "Local";
		pref = 0;
	} else if (rtnl_route_get_protocol(r) == RTPROT_KERNEL) {
		proto = "Direct";
		pref = 0;
	} else if (rtnl_route_get_protocol(r) == QSAFE_RTPROT_ARI) {
		proto = "ARI-TS"; /* iked's, lib/rtproto.h */
		pref = QSAFE_ARI_PREFERENCE;
	} else if (rtnl_route_get_type(r) == RTN_UNREACHABLE) {
		json_object_set_new(e, "reject", json_true());
	} else if (rtnl_route_get_type(r) == RTN_BLACKHOLE) {
		json_object_set_new(e, "discard", json_true());
	}
	if (strcmp(proto, "Static") == 0 && run != NULL) {
		const struct cnode *st =
		    host_path(conf_root(run), "routing-options static");
		for (const struct cnode *c = st ? st->first : NULL; c;
		     c = c->next)
			if (c->val && strcmp(c->val, sb_str(&s)) == 0 &&
			    cnode_child(c, "preference"))
				pref = atoi(cnode_child(c, "preference")->val);
	}
	json_object_set_new(e, "protocol", json_string(proto));
	json_object_set_new(e, "preference", json_integer(pref));
	char dev[IFNAMSIZ + 1] = "";
	if (rtnl_route_get_nnexthops(r) > 0)
		rtnl_link_i2name(lc,
		    rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(r, 0)), dev,
		    sizeof(dev));
	sb_reset(&s);
	route_key(proto, fam, bin, nl_addr_get_prefixlen(dst),
	    strcmp(proto, "Static") == 0 ? NULL : dev, &s);
	json_t *t = json_object_get(h->since, sb_str(&s));
	if (t != NULL)
		json_object_set_new(e, "age",
		    json_integer(route_now() - json_integer_value(t)));
	for (int i = 0; i < rtnl_route_get_nnexthops(r); i++) {
		struct rtnl_nexthop *nh = rtnl_route_nexthop_n(r, i);
		struct nl_addr *gw = rtnl_route_nh_get_gateway(nh);
		json_t *n = json_object();
		sb_reset(&s);
		route_ifname(lc, rtnl_route_nh_get_ifindex(nh), &s);
		json_object_set_new(n, "via", json_string(sb_str(&s)));
		if (gw != NULL) {
			inet_ntop(
			    fam, nl_addr_get_binary_addr(gw), buf, sizeof(buf));
			json_object_set_new(n, "to", json_string(buf));
		}
		json_array_append_new(nhs, n);
	}
	json_object_set_new(e, "nexthops", nhs);
	sb_free(&s);
	return e;
}

static int
route_cmp(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	unsigned char bx[16] = { 0 }, by[16] = { 0 };
	const char *px = json_string_value(json_object_get(x, "prefix"));
	const char *py = json_string_value(json_object_get(y, "prefix"));
	char tx[64], ty[64];
	int c;

	snprintf(tx, sizeof(tx), "%s", px);
	snprintf(ty, sizeof(ty), "%s", py);
	*strchr(tx, '/') = '\0';
	*strchr(ty, '/') = '\0';
	int fam = strchr(tx, ':') ? AF_INET6 : AF_INET;
	inet_pton(fam, tx, bx);
	inet_pton(fam, ty, by);
	if ((c = memcmp(bx, by, 16)) != 0)
		return c;
	return atoi(strchr(px, '/') + 1) - atoi(strchr(py, '/') + 1);
}

/* Sorted entries under the header counts of the whole table, total. */
static json_t *
route_table(const char *name, json_t *entries, json_int_t total)
{
	size_t n = json_array_size(entries);
	json_t **v = xcalloc(n ? n : 1, sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(entries, i));
	qsort(v, n, sizeof(*v), route_cmp);
	json_array_clear(entries);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(entries, v[i]);
	free(v);
	return json_pack("{s:s, s:I, s:I, s:I, s:o}", "name", name,
	    "destinations", total, "routes", total, "active", total, "entries",
	    entries);
}

/* An address lookup shows the longest match only, as Junos. */
static void
route_longest(json_t *entries)
{
	long best = -1;
	size_t i;
	json_t *e;

	json_array_foreach(entries, i, e)
	{
		long l =
		    atol(strchr(json_string_value(json_object_get(e, "prefix")),
			     '/') +
			1);
		if (l > best)
			best = l;
	}
	for (i = json_array_size(entries); i-- > 0;) {
		e = json_array_get(entries, i);
		if (atol(strchr(json_string_value(json_object_get(e, "prefix")),
			     '/') +
			1) != best)
			json_array_remove(entries, i);
	}
}

json_t *
route_show(struct hostd *h, const json_t *input, struct sb *err)
{
	const char *want =
	    json_string_value(json_object_get(input, "destination"));
	struct nl_cache *rc = NULL, *lc = NULL;
	unsigned char f[16] = { 0 };
	int ffam = 0, fl = -1;
	json_int_t n4 = 0, n6 = 0;
	json_t *out = NULL, *v4 = json_array(), *v6 = json_array();

	if (want != NULL) {
		char buf[64];
		snprintf(buf, sizeof(buf), "%s", want);
		char *sl = strchr(buf, '/');
		if (sl != NULL) {
			*sl = '\0';
			fl = atoi(sl + 1);
		}
		ffam = strchr(buf, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(ffam, buf, f) != 1 ||
		    fl > (ffam == AF_INET ? 32 : 128)) {
			sb_printf(err, "error: invalid destination %s", want);
			goto done;
		}
	}
	if (rtnl_route_alloc_cache(h->nl, AF_UNSPEC, 0, &rc) < 0 ||
	    rtnl_link_alloc_cache(h->nl, AF_UNSPEC, &lc) < 0) {
		sb_puts(err, "error: cannot read the routing table");
		goto done;
	}
	for (struct nl_object *o = nl_cache_get_first(rc); o;
	     o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o;
		int fam = rtnl_route_get_family(r),
		    type = rtnl_route_get_type(r);
		uint32_t table = rtnl_route_get_table(r);
		struct nl_addr *dst = rtnl_route_get_dst(r);
		unsigned char zero[16] = { 0 };
		if ((fam != AF_INET && fam != AF_INET6) || dst == NULL)
			continue;
		if (!(table == RT_TABLE_MAIN ||
			(table == RT_TABLE_LOCAL && type == RTN_LOCAL)))
			continue;
		if (type == RTN_LOCAL && rtnl_route_get_nnexthops(r) > 0) {
			char name[IFNAMSIZ + 1];
			int ix = rtnl_route_nh_get_ifindex(
			    rtnl_route_nexthop_n(r, 0));
			if (rtnl_link_i2name(lc, ix, name, sizeof(name)) &&
			    strcmp(name, "lo") == 0)
				continue;
		}
		if (fam == AF_INET6 && nl_addr_get_prefixlen(dst) == 8 &&
		    ((unsigned char *)nl_addr_get_binary_addr(dst))[0] == 0xff)
			continue;
		*(fam == AF_INET ? &n4 : &n6) += 1;
		if (want != NULL &&
		    (fam != ffam ||
			!route_match(fam,
			    nl_addr_get_len(dst) ? nl_addr_get_binary_addr(dst)
						 : zero,
			    (int)nl_addr_get_prefixlen(dst), f, fl)))
			continue;
		json_array_append_new(
		    fam == AF_INET ? v4 : v6, route_entry(h, lc, r));
	}
	if (want != NULL && fl < 0)
		route_longest(ffam == AF_INET ? v4 : v6);
	out = json_pack("{s:[]}", "tables");
	if (json_array_size(v4) > 0 || want == NULL)
		json_array_append_new(json_object_get(out, "tables"),
		    route_table("inet.0", json_incref(v4), n4));
	if (json_array_size(v6) > 0)
		json_array_append_new(json_object_get(out, "tables"),
		    route_table("inet6.0", json_incref(v6), n6));
done:
	json_decref(v4);
	json_decref(v6);
	if (rc)
		nl_cache_free(rc);
	if (lc)
		nl_cache_free(lc);
	return out;
}
