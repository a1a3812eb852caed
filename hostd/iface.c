/*
 * iface: the interface naming rule, interface addresses and `show
 * interfaces`.
 *
 * Naming rule (docs/host.md): a Junos device `xx-F/P/S` is the Linux device
 * `xx-F-P-S` (a channel `:C` becomes `_C`), `lo0` is `lo`, other names
 * (`reth0`, `fxp0`, ...) are the same in Linux.  Unit 0 is the device
 * itself; unit N > 0 is the Linux device `<device>.N` (a VLAN device the
 * operator creates; hostd does not create devices).  `st0.N` is the TUN
 * device named `st0.N` that iked creates.  A unit whose device is not
 * there commits, as on Junos (a line card not installed): its addresses
 * wait until the device appears (pending.c).  Names longer than 15
 * characters cannot exist in Linux and are refused.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "hostd/hostd.h"
#include "lib/log.h"
#include "proto/link.h"

/* ---- naming ------------------------------------------------------ */

bool
iface_is_st0(const char *unit)
{
	return strncmp(unit, "st0.", 4) == 0;
}

/* Junos unit name ("ge-0/0/0.0") -> Linux device name.  0 or -1. */
int
iface_linux_name(const char *unit, char *out, size_t len)
{
	const char *dot = strrchr(unit, '.');
	char dev[64];
	size_t n;
	int w;

	if (dot == NULL || (n = (size_t)(dot - unit)) >= sizeof(dev))
		return -1;
	if (iface_is_st0(unit)) {
		w = snprintf(out, len, "%s", unit);
		return w < 0 || (size_t)w >= len || w > HOST_IFNAME_MAX ? -1
									: 0;
	}
	memcpy(dev, unit, n);
	dev[n] = '\0';
	for (char *p = dev; *p; p++)
		if (*p == '/')
			*p = '-';
		else if (*p == ':')
			*p = '_';
	if (strcmp(dev, "lo0") == 0)
		snprintf(dev, sizeof(dev), "lo");
	if (strcmp(dot + 1, "0") == 0)
		w = snprintf(out, len, "%s", dev);
	else
		w = snprintf(out, len, "%s.%s", dev, dot + 1);
	return w < 0 || (size_t)w >= len || w > HOST_IFNAME_MAX ? -1 : 0;
}

/* Linux device name -> Junos unit name ("ge-0/0/0.0"). */
void
iface_junos_name(const char *linux, struct sb *out)
{
	char dev[64];
	const char *unit = "0";
	const char *dot = strrchr(linux, '.');
	size_t n = dot ? (size_t)(dot - linux) : strlen(linux);
	int dashes = 0;

	if (strncmp(linux, "st0.", 4) == 0 || n >= sizeof(dev)) {
		sb_puts(out, linux);
		return;
	}
	if (dot != NULL && dot[1] != '\0' &&
	    strspn(dot + 1, "0123456789") == strlen(dot + 1))
		unit = dot + 1;
	else
		n = strlen(linux);
	if (n >= sizeof(dev))
		n = sizeof(dev) - 1;
	memcpy(dev, linux, n);
	dev[n] = '\0';
	if (strcmp(dev, "lo") == 0) {
		sb_printf(out, "lo0.%s", unit);
		return;
	}
	/* xx-F-P-S[_C]: letters, then three dash-separated numbers. */
	const char *p = dev;
	while (islower((unsigned char)*p))
		p++;
	bool slot = p > dev && *p == '-';
	for (const char *q = p; slot && *q; q++) {
		if (*q == '-')
			dashes++;
		else if (!isdigit((unsigned char)*q) && *q != '_')
			slot = false;
	}
	if (slot && dashes == 3) {
		for (char *q = dev + (p - dev) + 1; *q; q++)
			if (*q == '-')
				*q = '/';
			else if (*q == '_')
				*q = ':';
	}
	sb_printf(out, "%s.%s", dev, unit);
}

/* ---- items ------------------------------------------------------- */

void
items_add(struct host_items *s, const char *dev, const char *prefix,
    const char *via, int kind, uint32_t metric)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n].dev = xstrdup(dev ? dev : "");
	s->v[s->n].prefix = xstrdup(prefix);
	s->v[s->n].via = via ? xstrdup(via) : NULL;
	s->v[s->n].kind = kind;
	s->v[s->n].metric = metric;
	s->n++;
}

void
items_free(struct host_items *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].dev);
		free(s->v[i].prefix);
		free(s->v[i].via);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
	s->cap = 0;
}

/* The addresses of unit u of interface i, when both are in effect. */
static void
iface_unit_items(const struct cnode *i, const struct cnode *u, void *arg)
{
	static const char *const fams[] = { "inet", "inet6" };
	struct host_items *out = arg;
	char unit[128], dev[64];

	if (cnode_is_inactive(i) || cnode_child(i, "disable") ||
	    cnode_is_inactive(u) || cnode_child(u, "disable"))
		return;
	snprintf(unit, sizeof(unit), "%s.%s", i->val, u->val);
	if (iface_linux_name(unit, dev, sizeof(dev)) == -1)
		return;
	for (size_t f = 0; f < 2; f++) {
		const struct cnode *fam =
		    cnode_child(cnode_child(u, "family"), fams[f]);
		for (const struct cnode *a = fam ? fam->first : NULL; a;
		     a = a->next)
			if (strcmp(a->sn->name, "address") == 0 &&
			    !cnode_is_inactive(a))
				items_add(out, dev, a->val, NULL, HOST_ADDR, 0);
	}
}

/* The addresses of the units the scope names (scope.c). */
void
iface_items(struct conf *c, const struct host_scope *s, struct host_items *out)
{
	scope_units(c, s, iface_unit_items, out);
}

static void
iface_refuse(struct verrs *errs, const struct cnode *at, const char *stmt,
    const char *msg)
{
	struct sb e;

	sb_init(&e);
	host_edit(at, &e);
	verrs_add(errs, sb_str(&e), stmt, msg, false);
	sb_free(&e);
}

/*
 * Every unit in effect needs a Linux name.  Its device need not be there:
 * a Junos device takes configuration for a port that is not installed and
 * applies it when the port appears, and so does hostd (pending.c).
 */
static void
iface_check_unit(const struct cnode *i, const struct cnode *u, void *arg)
{
	struct verrs *errs = arg;
	char unit[128], dev[64], stmt[64];
	struct sb msg;

	if (cnode_is_inactive(i) || cnode_is_inactive(u))
		return;
	snprintf(unit, sizeof(unit), "%s.%s", i->val, u->val);
	if (iface_linux_name(unit, dev, sizeof(dev)) == 0)
		return;
	snprintf(stmt, sizeof(stmt), "unit %s", u->val);
	sb_init(&msg);
	sb_printf(&msg,
	    "interface %s: its Linux name is longer than %d characters", unit,
	    HOST_IFNAME_MAX);
	iface_refuse(errs, i, stmt, sb_str(&msg));
	sb_free(&msg);
}

void
iface_check(struct hostd *h, struct conf *next, const struct host_scope *s,
    struct verrs *errs)
{
	(void)h;
	scope_units(next, s, iface_check_unit, errs);
}

/* ---- kernel ------------------------------------------------------ */

static void
iface_up(struct hostd *h, struct rtnl_link *l)
{
	struct rtnl_link *chg;

	if (rtnl_link_get_flags(l) & IFF_UP)
		return;
	if ((chg = rtnl_link_alloc()) == NULL)
		return;
	rtnl_link_set_flags(chg, IFF_UP);
	if (rtnl_link_change(h->nl, l, chg, 0) < 0)
		log_warn("cannot bring %s up", rtnl_link_get_name(l));
	rtnl_link_put(chg);
}

int
iface_addr_set(struct hostd *h, const struct host_item *it, bool add)
{
	struct rtnl_link *l = NULL;
	struct rtnl_addr *a = NULL;
	struct nl_addr *local = NULL, *bcast = NULL;
	int rc = -1, err;

	if (rtnl_link_get_kernel(h->nl, 0, it->dev, &l) < 0)
		return add ? 1 : 0;
	if (nl_addr_parse(it->prefix, AF_UNSPEC, &local) < 0 ||
	    (a = rtnl_addr_alloc()) == NULL)
		goto done;
	if (add)
		iface_up(h, l);
	rtnl_addr_set_ifindex(a, rtnl_link_get_ifindex(l));
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, nl_addr_get_prefixlen(local));
	if (nl_addr_get_family(local) == AF_INET &&
	    nl_addr_get_prefixlen(local) <= 30) {
		uint32_t v, mask = 0xffffffffu >> nl_addr_get_prefixlen(local);
		memcpy(&v, nl_addr_get_binary_addr(local), 4);
		v = htonl(ntohl(v) | mask);
		bcast = nl_addr_build(AF_INET, &v, 4);
		rtnl_addr_set_broadcast(a, bcast);
	} else if (nl_addr_get_family(local) == AF_INET6) {
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	}
	err = add ? rtnl_addr_add(h->nl, a, 0) : rtnl_addr_delete(h->nl, a, 0);
	if (err == 0 || (add && err == -NLE_EXIST) ||
	    (!add &&
		(err == -NLE_NOADDR || err == -NLE_OBJ_NOTFOUND ||
		    err == -NLE_NODEV))) {
		log_info("%s address %s on %s", add ? "added" : "removed",
		    it->prefix, it->dev);
		rc = 0;
	} else {
		log_err("%s address %s on %s: %s", add ? "add" : "remove",
		    it->prefix, it->dev, nl_geterror(err));
	}
done:
	nl_addr_put(local);
	nl_addr_put(bcast);
	if (a)
		rtnl_addr_put(a);
	rtnl_link_put(l);
	return rc;
}

/* ---- show interfaces --------------------------------------------- */

static json_t *
iface_phys(json_t *list, const char *name)
{
	size_t i;
	json_t *p;

	json_array_foreach(list, i,
	    p) if (strcmp(json_string_value(json_object_get(p, "name")),
		       name) == 0) return p;
	p = json_pack("{s:s, s:s, s:s, s:[]}", "name", name, "admin", "up",
	    "link", "up", "units");
	json_array_append_new(list, p);
	return p;
}

static void
iface_addrs(struct nl_cache *ac, int ifindex, json_t *unit)
{
	char buf[INET6_ADDRSTRLEN + 8];

	for (struct nl_object *o = nl_cache_get_first(ac); o;
	     o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *loc = rtnl_addr_get_local(a);
		struct nl_addr *bc = rtnl_addr_get_broadcast(a);
		int fam = rtnl_addr_get_family(a);
		if (rtnl_addr_get_ifindex(a) != ifindex || loc == NULL)
			continue;
		json_t *e = json_object();
		inet_ntop(fam, nl_addr_get_binary_addr(loc), buf, sizeof(buf));
		json_object_set_new(e, "local", json_string(buf));
		json_object_set_new(e, "prefix-length",
		    json_integer(rtnl_addr_get_prefixlen(a)));
		if (bc != NULL) {
			inet_ntop(
			    fam, nl_addr_get_binary_addr(bc), buf, sizeof(buf));
			json_object_set_new(e, "broadcast", json_string(buf));
		}
		json_array_append_new(
		    json_object_get(unit, fam == AF_INET ? "inet" : "inet6"),
		    e);
	}
}

static int
iface_cmp(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;

	return strcmp(json_string_value(json_object_get(x, "name")),
	    json_string_value(json_object_get(y, "name")));
}

static void
iface_sort(json_t *arr)
{
	size_t n = json_array_size(arr);
	json_t **v = xcalloc(n ? n : 1, sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), iface_cmp);
	json_array_clear(arr);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
}

static void
iface_unit(struct hostd *h, struct rtnl_link *l, struct nl_cache *ac,
    const char *jname, json_t *phys)
{
	struct conf *run = link_running(h->link);
	unsigned flags = rtnl_link_get_flags(l);
	/* st0.N: the dataplane's TUN device, its counters what it wrote in
	 * (Input) and read out (Output): docs/architecture.md */
	json_t *u = json_pack(
	    "{s:s, s:i, s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:[], s:[]}", "name",
	    jname, "index", rtnl_link_get_ifindex(l), "admin",
	    flags & IFF_UP ? "up" : "down", "link",
	    flags & IFF_RUNNING ? "up" : "down", "mtu",
	    (int)rtnl_link_get_mtu(l), "input-packets",
	    (json_int_t)rtnl_link_get_stat(l, RTNL_LINK_RX_PACKETS),
	    "output-packets",
	    (json_int_t)rtnl_link_get_stat(l, RTNL_LINK_TX_PACKETS),
	    "input-bytes",
	    (json_int_t)rtnl_link_get_stat(l, RTNL_LINK_RX_BYTES),
	    "output-bytes",
	    (json_int_t)rtnl_link_get_stat(l, RTNL_LINK_TX_BYTES), "inet",
	    "inet6");
	const char *zone = run ? zones_of_unit(run, jname) : NULL;

	if (zone != NULL) {
		json_object_set_new(u, "zone", json_string(zone));
		json_t *svc = json_array();
		const struct cnode *zs =
		    host_path(conf_root(run), "security zones");
		for (const struct cnode *z = zs ? zs->first : NULL; z;
		     z = z->next)
			if (z->val && strcmp(z->val, zone) == 0)
				for (const struct cnode *i = z->first; i;
				     i = i->next)
					if (strcmp(i->sn->name, "interfaces") ==
						0 &&
					    strcmp(i->val, jname) == 0)
						zones_services(z, i, svc);
		json_object_set_new(u, "host-inbound", svc);
	}
	iface_addrs(ac, rtnl_link_get_ifindex(l), u);
	json_array_append_new(json_object_get(phys, "units"), u);
}

static void
iface_one(
    struct hostd *h, struct rtnl_link *l, struct nl_cache *ac, json_t *list)
{
	const char *name = rtnl_link_get_name(l);
	struct nl_addr *mac = rtnl_link_get_addr(l);
	char pname[128], buf[64];
	struct sb j;

	sb_init(&j);
	iface_junos_name(name, &j);
	snprintf(pname, sizeof(pname), "%s", sb_str(&j));
	*strrchr(pname, '.') = '\0';
	json_t *p = iface_phys(list, pname);
	if (!iface_is_st0(name) && strchr(name, '.') == NULL) {
		unsigned flags = rtnl_link_get_flags(l);
		json_object_set_new(p, "linux", json_string(name));
		json_object_set_new(
		    p, "admin", json_string(flags & IFF_UP ? "up" : "down"));
		json_object_set_new(p, "link",
		    json_string(flags & IFF_RUNNING ? "up" : "down"));
		json_object_set_new(
		    p, "index", json_integer(rtnl_link_get_ifindex(l)));
		json_object_set_new(
		    p, "mtu", json_integer(rtnl_link_get_mtu(l)));
		unsigned arp = rtnl_link_get_arptype(l);
		json_object_set_new(p, "type",
		    json_string(arp == ARPHRD_LOOPBACK ? "loopback"
			    : arp == ARPHRD_ETHER      ? "ethernet"
						       : "other"));
		if (mac != NULL && nl_addr_get_len(mac) == 6)
			json_object_set_new(p, "mac",
			    json_string(nl_addr2str(mac, buf, sizeof(buf))));
		json_object_set_new(p, "input-packets",
		    json_integer((json_int_t)rtnl_link_get_stat(
			l, RTNL_LINK_RX_PACKETS)));
		json_object_set_new(p, "output-packets",
		    json_integer((json_int_t)rtnl_link_get_stat(
			l, RTNL_LINK_TX_PACKETS)));
	}
	iface_unit(h, l, ac, sb_str(&j), p);
	sb_free(&j);
}

json_t *
iface_show(struct hostd *h, const json_t *input, struct sb *err)
{
	const char *want =
	    json_string_value(json_object_get(input, "interface-name"));
	struct nl_cache *lc = NULL, *ac = NULL;
	json_t *list = json_array(), *out = NULL;
	size_t i;
	json_t *p;

	if (rtnl_link_alloc_cache(h->nl, AF_UNSPEC, &lc) < 0 ||
	    rtnl_addr_alloc_cache(h->nl, &ac) < 0) {
		sb_puts(err, "error: cannot read the interfaces");
		goto done;
	}
	for (struct nl_object *o = nl_cache_get_first(lc); o;
	     o = nl_cache_get_next(o))
		iface_one(h, (struct rtnl_link *)o, ac, list);
	iface_sort(list);
	json_array_foreach(list, i, p) iface_sort(json_object_get(p, "units"));
	out = json_pack("{s:b, s:b}", "terse",
	    json_is_true(json_object_get(input, "terse")), "detail",
	    json_is_true(json_object_get(input, "detail")));
	if (want != NULL) {
		json_t *keep = json_array();
		json_array_foreach(list, i, p)
		{
			const char *pn =
			    json_string_value(json_object_get(p, "name"));
			json_t *units = json_object_get(p, "units"), *u;
			size_t k;
			if (strcmp(pn, want) == 0) {
				json_array_append(keep, p);
				continue;
			}
			json_array_foreach(units, k,
			    u) if (strcmp(json_string_value(json_object_get(u,
					      "name")),
				       want) == 0)
			{
				json_object_set_new(
				    out, "logical", json_true());
				json_t *c = json_deep_copy(p);
				json_object_set_new(
				    c, "units", json_pack("[O]", u));
				json_array_append_new(keep, c);
			}
		}
		json_decref(list);
		list = keep;
		if (json_array_size(list) == 0) {
			sb_printf(err, "error: device %s not found", want);
			json_decref(out);
			out = NULL;
			goto done;
		}
	}
	json_object_set(out, "interfaces", list);
done:
	json_decref(list);
	if (ac)
		nl_cache_free(ac);
	if (lc)
		nl_cache_free(lc);
	return out;
}
