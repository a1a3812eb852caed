/*
 * pending: the addresses and static routes of the configuration that wait
 * for their device or next hop, and what ends the wait.
 *
 * A Junos device takes configuration for an interface that is not there (a
 * line card not installed) and applies it when the interface appears; so
 * does hostd, for every device: a port named like `et-1/1/0.1103` before
 * the operator creates `et-1-1-0.1103`, and `st0.N` before iked creates its
 * TUN device.  An item whose device is missing, or whose gateway is not
 * reachable yet (a route through an absent interface), waits in h->pending.
 *
 * hostd follows the kernel on a NETLINK_ROUTE socket of its own in its
 * event loop, subscribed to link and address notifications (rtnetlink(7):
 * RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR).  A burst of
 * notifications leads to one pass (pending_sync), which
 *   - when a device went away, or went down after being up, or when
 *     notifications were lost (the socket overran), compares what hostd put
 *     in place with what the kernel still has (the kernel takes a device's
 *     addresses and the routes through it with it) and lets what is gone
 *     wait again;
 *   - puts in place the waiting items whose device appeared or changed, and
 *     the routes waiting for a gateway once an address or a device came up;
 *     addresses first, so a route through a new address follows in the same
 *     pass.
 * Zone membership needs nothing here: the ruleset matches interfaces by
 * name (zones.c, `iifname`), which holds for a device that appears later.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include "hostd/hostd.h"
#include "lib/log.h"
#include "proto/link.h"

/* Datagrams read before a pass; the loop reads the rest afterwards. */
#define PENDING_BURST 512
/* Receive buffer asked for, so that a commit's own notifications fit. */
#define PENDING_RCVBUF (1 << 20)
/* Items to put in place from which one dump of the devices is cheaper
 * than asking for each item's device (pending_devs). */
#define PENDING_DUMP_MIN 64

static int
pending_item_set(struct hostd *h, const struct host_item *it, bool add)
{
	int rc = it->kind == HOST_ADDR ? iface_addr_set(h, it, add)
				       : route_set(h, it, add);

	if (rc == 0)
		route_since(h, it, add);
	return rc;
}

static void pending_id(const struct host_item *it, struct sb *out);

/*
 * The identities (pending_id) of the items of s, as a hash set; with pfx,
 * only of the items whose prefix is in pfx (the others cannot be items of
 * the change: an item's prefix is part of its identity).
 */
static json_t *
pending_index(const struct host_items *s, const json_t *pfx)
{
	json_t *set = json_object();
	struct sb id;

	sb_init(&id);
	for (size_t i = 0; i < s->n; i++) {
		if (pfx != NULL && !json_object_get(pfx, s->v[i].prefix))
			continue;
		sb_reset(&id);
		pending_id(&s->v[i], &id);
		json_object_set_new(set, sb_str(&id), json_true());
	}
	sb_free(&id);
	return set;
}

static bool
pending_in(const json_t *set, const struct host_item *it, struct sb *id)
{
	if (json_object_size(set) == 0)
		return false;
	sb_reset(id);
	pending_id(it, id);
	return json_object_get(set, sb_str(id)) != NULL;
}

/* The prefixes of the items of a and b, as a hash set. */
static json_t *
pending_prefixes(const struct host_items *a, const struct host_items *b)
{
	json_t *set = json_object();

	for (size_t i = 0; i < a->n; i++)
		json_object_set_new(set, a->v[i].prefix, json_true());
	for (size_t i = 0; i < b->n; i++)
		json_object_set_new(set, b->v[i].prefix, json_true());
	return set;
}

/*
 * The devices there are, as a hash set, when a pass puts many items in
 * place: one dump of the links (rtnetlink(7) RTM_GETLINK with NLM_F_DUMP)
 * instead of a request per item that asks for its device; at 50,000
 * addresses and routes for absent VLAN units those requests cost ~1 s of
 * hostd's CPU.  NULL when the pass is small or the dump fails: each item
 * asks then, as before.
 */
static json_t *
pending_devs(struct hostd *h, size_t n)
{
	struct nl_cache *lc = NULL;
	json_t *devs;

	if (n < PENDING_DUMP_MIN ||
	    rtnl_link_alloc_cache(h->nl, AF_UNSPEC, &lc) < 0)
		return NULL;
	devs = json_object();
	for (struct nl_object *o = nl_cache_get_first(lc); o;
	     o = nl_cache_get_next(o))
		json_object_set_new(devs,
		    rtnl_link_get_name((struct rtnl_link *)o), json_true());
	nl_cache_free(lc);
	return devs;
}

/*
 * Whether item it waits for a device the dump devs does not hold: an
 * address's device, or a route's first device next hop (route_set would
 * find it missing and say so: 1).  A device that appears after the dump
 * is announced on h->nlev, and pending_sync puts the item in place then.
 */
static bool
pending_absent(const json_t *devs, const struct host_item *it)
{
	return devs != NULL && it->dev[0] != '\0' &&
	    json_object_get(devs, it->dev) == NULL;
}

/* Moves item it (of a list about to be freed) to the end of s. */
static void
pending_take(struct host_items *s, struct host_item *it)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = *it;
	it->dev = it->prefix = it->via = NULL;
}

/*
 * Linear in the items of the scope and in what waits: each list is indexed
 * once (at 10,000 routes, comparing every item with every other cost
 * seconds), and of what waits only the items with a prefix of the scope's
 * (at 50,000 waiting addresses, indexing them all cost 100 ms a commit); a
 * change without items (a zone's services) costs nothing here.
 */
void
pending_apply(struct hostd *h, struct host_items *pa, struct host_items *na)
{
	json_t *ia, *in, *ip, *pfx, *devs;
	struct route_reach *reach;
	struct sb id;
	size_t w = 0;

	if (pa->n == 0 && na->n == 0)
		return;
	/* what a pass needs only when something was there before: at a
	 * load (nothing before, nothing waiting) each index is empty */
	pfx = h->pending.n > 0 ? pending_prefixes(pa, na) : json_object();
	ia = pending_index(pa, NULL);
	in = pa->n > 0 ? pending_index(na, NULL) : json_object();
	ip = pending_index(&h->pending, pfx);
	sb_init(&id);
	for (size_t i = 0; i < pa->n; i++)
		if (!pending_in(in, &pa->v[i], &id) &&
		    !pending_in(ip, &pa->v[i], &id))
			pending_item_set(h, &pa->v[i], false);
	/* what prev had and next has not waits no more */
	for (size_t i = 0; i < h->pending.n; i++) {
		struct host_item *it = &h->pending.v[i];
		if (!json_object_get(pfx, it->prefix) ||
		    !pending_in(ia, it, &id) || pending_in(in, it, &id)) {
			h->pending.v[w++] = *it;
			continue;
		}
		free(it->dev);
		free(it->prefix);
		free(it->via);
	}
	h->pending.n = w;
	json_decref(ip);
	ip = pending_index(&h->pending, pfx);
	devs = pending_devs(h, na->n);
	reach = devs != NULL ? route_reach_new(h) : NULL;
	for (size_t i = 0; i < na->n; i++) {
		struct host_item *it = &na->v[i];
		int rc = 1;
		if (pending_in(ia, it, &id) || pending_in(ip, it, &id))
			continue;
		if (!pending_absent(devs, it) && !route_reach_never(reach, it))
			rc = pending_item_set(h, it, true);
		if (rc == 1)
			pending_take(&h->pending, it);
		else if (rc == 0)
			route_reach_add(reach, it);
	}
	route_reach_free(reach);
	json_decref(devs);
	json_decref(ia);
	json_decref(in);
	json_decref(ip);
	json_decref(pfx);
	sb_free(&id);
}

static void
pending_canon(int fam, const void *bin, unsigned plen, struct sb *out)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned char zero[16] = { 0 };

	inet_ntop(fam, bin ? bin : zero, buf, sizeof(buf));
	sb_printf(out, "%s/%u", buf, plen);
}

/* The key under which the kernel has item it (pending_have). */
static int
pending_key(const struct host_item *it, struct sb *out)
{
	struct nl_addr *a = NULL;

	if (nl_addr_parse(it->prefix, AF_UNSPEC, &a) < 0)
		return -1;
	if (it->kind == HOST_ADDR)
		sb_printf(out, "A %s ", it->dev);
	else
		sb_puts(out, "R ");
	pending_canon(nl_addr_get_family(a),
	    nl_addr_get_len(a) ? nl_addr_get_binary_addr(a) : NULL,
	    nl_addr_get_prefixlen(a), out);
	nl_addr_put(a);
	return 0;
}

/* An item's identity in h->pending. */
static void
pending_id(const struct host_item *it, struct sb *out)
{
	sb_printf(out, "%d %s %s %s %u", it->kind, it->dev, it->prefix,
	    it->via ? it->via : "", it->metric);
}

/*
 * The kernel's addresses ("A dev a/len") and static routes of the main
 * table ("R p/len") into have, its device names into devs.  0 or -1.
 */
static int
pending_have(struct hostd *h, json_t *have, json_t *devs)
{
	struct nl_cache *lc = NULL, *ac = NULL, *rc = NULL;
	char name[IFNAMSIZ + 1];
	struct sb k;
	int ret = -1;

	sb_init(&k);
	if (rtnl_link_alloc_cache(h->nl, AF_UNSPEC, &lc) < 0 ||
	    rtnl_addr_alloc_cache(h->nl, &ac) < 0 ||
	    rtnl_route_alloc_cache(h->nl, AF_UNSPEC, 0, &rc) < 0) {
		log_warn("cannot read the kernel's interfaces, addresses and"
			 " routes");
		goto done;
	}
	for (struct nl_object *o = nl_cache_get_first(lc); o;
	     o = nl_cache_get_next(o))
		json_object_set_new(devs,
		    rtnl_link_get_name((struct rtnl_link *)o), json_true());
	for (struct nl_object *o = nl_cache_get_first(ac); o;
	     o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *loc = rtnl_addr_get_local(a);
		if (loc == NULL ||
		    rtnl_link_i2name(lc, rtnl_addr_get_ifindex(a), name,
			sizeof(name)) == NULL)
			continue;
		sb_reset(&k);
		sb_printf(&k, "A %s ", name);
		pending_canon(rtnl_addr_get_family(a),
		    nl_addr_get_binary_addr(loc), rtnl_addr_get_prefixlen(a),
		    &k);
		json_object_set_new(have, sb_str(&k), json_true());
	}
	for (struct nl_object *o = nl_cache_get_first(rc); o;
	     o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o;
		struct nl_addr *dst = rtnl_route_get_dst(r);
		if (dst == NULL || rtnl_route_get_table(r) != RT_TABLE_MAIN ||
		    rtnl_route_get_protocol(r) != RTPROT_STATIC)
			continue;
		sb_reset(&k);
		sb_puts(&k, "R ");
		pending_canon(rtnl_route_get_family(r),
		    nl_addr_get_len(dst) ? nl_addr_get_binary_addr(dst) : NULL,
		    nl_addr_get_prefixlen(dst), &k);
		json_object_set_new(have, sb_str(&k), json_true());
	}
	ret = 0;
done:
	if (rc)
		nl_cache_free(rc);
	if (ac)
		nl_cache_free(ac);
	if (lc)
		nl_cache_free(lc);
	sb_free(&k);
	return ret;
}

/*
 * What hostd put in place and the kernel no longer has waits again.
 * Returns the devices there are (a new set), or NULL.
 */
static json_t *
pending_withdraw(struct hostd *h)
{
	struct conf *run = link_running(h->link);
	struct host_items all = { 0 };
	struct host_scope every;
	json_t *have = json_object(), *devs = json_object();
	json_t *waiting = json_object();
	struct sb k;

	sb_init(&k);
	if (pending_have(h, have, devs) == -1) {
		json_decref(devs);
		devs = NULL;
		goto done;
	}
	scope_init(&every);
	scope_all(&every);
	iface_items(run, &every, &all);
	route_items(run, &every, &all);
	scope_free(&every);
	for (size_t i = 0; i < h->pending.n; i++) {
		sb_reset(&k);
		pending_id(&h->pending.v[i], &k);
		json_object_set_new(waiting, sb_str(&k), json_true());
	}
	for (size_t i = 0; i < all.n; i++) {
		const struct host_item *it = &all.v[i];
		sb_reset(&k);
		pending_id(it, &k);
		if (json_object_get(waiting, sb_str(&k)) != NULL)
			continue;
		sb_reset(&k);
		if (pending_key(it, &k) == -1 ||
		    json_object_get(have, sb_str(&k)) != NULL)
			continue;
		route_since(h, it, false);
		items_add(&h->pending, it->dev, it->prefix, it->via, it->kind,
		    it->metric);
		log_info("%s %s%s%s is gone from the kernel: it waits for its"
			 " %s",
		    it->kind == HOST_ADDR ? "address" : "route", it->prefix,
		    it->dev[0] ? " on " : "", it->dev,
		    it->dev[0] ? "device" : "next hop");
	}
done:
	items_free(&all);
	json_decref(have);
	json_decref(waiting);
	sb_free(&k);
	return devs;
}

/*
 * Puts in place the waiting items that may now go: with devs (after a
 * withdraw) every one whose device is there; otherwise those whose device
 * appeared or changed, and the gateway routes when something came up.
 */
static void
pending_retry(struct hostd *h, json_t *devs)
{
	struct host_items left = { 0 };
	bool reachable = h->reachable || devs != NULL;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < h->pending.n; i++) {
			struct host_item *it = &h->pending.v[i];
			int rc = 1;
			if ((it->kind == HOST_ADDR) != (pass == 0))
				continue;
			if (it->dev[0] == '\0'
				? reachable
				: json_object_get(devs ? devs : h->appeared,
				      it->dev) != NULL &&
				    json_object_get(h->downed, it->dev) == NULL)
				rc = pending_item_set(h, it, true);
			if (rc == 1) {
				items_add(&left, it->dev, it->prefix, it->via,
				    it->kind, it->metric);
				continue;
			}
			if (rc == 0) {
				log_info("%s %s%s%s applied",
				    it->kind == HOST_ADDR ? "address" : "route",
				    it->prefix, it->dev[0] ? " on " : "",
				    it->dev);
				/* a route may go through the new address */
				reachable = true;
			}
		}
	}
	items_free(&h->pending);
	h->pending = left;
}

static void
pending_sync(evutil_socket_t fd, short what, void *arg)
{
	struct hostd *h = arg;
	json_t *devs = NULL;

	if (h->resync)
		devs = pending_withdraw(h);
	pending_retry(h, devs);
	json_decref(devs);
	json_object_clear(h->appeared);
	h->reachable = false;
	h->resync = false;
}

/* ---- notifications ----------------------------------------------- */

/*
 * A device appeared, changed or went.  One that goes down after being up
 * loses the routes through it (and its IPv6 addresses): they wait, and are
 * put back when it comes up again, not before (hostd brings a device up
 * when it first puts its addresses, and does not undo a `down`).
 */
static void
pending_link(struct hostd *h, const char *name, bool exists, bool up)
{
	if (!exists) {
		json_object_del(h->up, name);
		json_object_del(h->downed, name);
		h->resync = true;
		return;
	}
	json_object_set_new(h->appeared, name, json_true());
	if (up) {
		h->reachable = true;
		json_object_set_new(h->up, name, json_true());
		json_object_del(h->downed, name);
	} else if (json_object_get(h->up, name) != NULL) {
		json_object_del(h->up, name);
		json_object_set_new(h->downed, name, json_true());
		h->resync = true;
	}
}

/* One notification (rtnetlink(7)); lengths are checked before use. */
static int
pending_msg(struct nl_msg *msg, void *arg)
{
	struct hostd *h = arg;
	struct nlmsghdr *nh = nlmsg_hdr(msg);
	const struct ifinfomsg *ifi;
	struct nlattr *a;
	char name[IFNAMSIZ];

	switch (nh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		if (!nlmsg_valid_hdr(nh, sizeof(*ifi)))
			return NL_SKIP;
		ifi = nlmsg_data(nh);
		a = nlmsg_find_attr(nh, sizeof(*ifi), IFLA_IFNAME);
		if (a == NULL || nla_strlcpy(name, a, sizeof(name)) == 0)
			return NL_SKIP;
		pending_link(h, name, nh->nlmsg_type == RTM_NEWLINK,
		    (ifi->ifi_flags & IFF_UP) != 0);
		break;
	case RTM_NEWADDR: h->reachable = true; break;
	default: return NL_SKIP;
	}
	event_active(h->sync, 0, 0);
	return NL_OK;
}

static void
pending_read(evutil_socket_t fd, short what, void *arg)
{
	struct hostd *h = arg;
	struct nl_cb *cb = nl_socket_get_cb(h->nlev);
	int n = 0;

	for (int i = 0; i < PENDING_BURST; i++)
		if ((n = nl_recvmsgs_report(h->nlev, cb)) <= 0)
			break;
	nl_cb_put(cb);
	if (n < 0 && n != -NLE_AGAIN) {
		/* ENOBUFS: notifications were lost; look at everything */
		log_info("link notifications: %s: checking every address and"
			 " route",
		    nl_geterror(n));
		h->resync = true;
		event_active(h->sync, 0, 0);
	}
}

/* The devices that are up now: a later `down` of one is a change. */
static void
pending_seed(struct hostd *h)
{
	struct nl_cache *lc = NULL;

	if (rtnl_link_alloc_cache(h->nl, AF_UNSPEC, &lc) < 0)
		return;
	for (struct nl_object *o = nl_cache_get_first(lc); o;
	     o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		if (rtnl_link_get_flags(l) & IFF_UP)
			json_object_set_new(
			    h->up, rtnl_link_get_name(l), json_true());
	}
	nl_cache_free(lc);
}

int
pending_start(struct hostd *h)
{
	h->appeared = json_object();
	h->up = json_object();
	h->downed = json_object();
	if ((h->nlev = nl_socket_alloc()) == NULL)
		goto fail;
	nl_socket_disable_seq_check(h->nlev);
	nl_socket_modify_cb(h->nlev, NL_CB_VALID, NL_CB_CUSTOM, pending_msg, h);
	if (nl_connect(h->nlev, NETLINK_ROUTE) < 0 ||
	    nl_socket_add_memberships(h->nlev, RTNLGRP_LINK,
		RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, 0) < 0 ||
	    nl_socket_set_nonblocking(h->nlev) < 0)
		goto fail;
	if (nl_socket_set_buffer_size(h->nlev, PENDING_RCVBUF, 0) < 0)
		log_debug("link notifications: default receive buffer");
	/* subscribed first: a device that appears from now on is seen */
	pending_seed(h);
	h->sync = event_new(h->base, -1, 0, pending_sync, h);
	h->nlev_ev = event_new(h->base, nl_socket_get_fd(h->nlev),
	    EV_READ | EV_PERSIST, pending_read, h);
	if (h->sync == NULL || h->nlev_ev == NULL ||
	    event_add(h->nlev_ev, NULL) == -1)
		goto fail;
	return 0;
fail:
	log_err("cannot follow the kernel's link notifications");
	return -1;
}

void
pending_stop(struct hostd *h)
{
	if (h->nlev_ev)
		event_free(h->nlev_ev);
	if (h->sync)
		event_free(h->sync);
	if (h->nlev)
		nl_socket_free(h->nlev);
	json_decref(h->appeared);
	json_decref(h->up);
	json_decref(h->downed);
	h->nlev_ev = NULL;
	h->sync = NULL;
	h->nlev = NULL;
	h->appeared = NULL;
	h->up = NULL;
	h->downed = NULL;
}
