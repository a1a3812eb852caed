/*
 * zones: security zones as nftables rules, and `show security zones`.
 *
 * The whole ruleset is one table, `inet qsafe_<hash of the state
 * directory>` (one per appliance, so two that share a namespace do not
 * replace each other's), built as a model (nftm.c) and loaded whole the
 * first time, then changed by the difference between models.  Rules do
 * not grow with the number of interfaces: zone membership is the map
 * zone_in (device -> jump to its zone's chain), so an interface that joins
 * a zone is a few element adds.  There is no table
 * until a zone or a policy is configured: an appliance does not firewall
 * its host before the operator asks it to (docs/host.md).  The input chain
 * decides what reaches the appliance itself: loopback and replies to its own
 * traffic pass, IPv6 neighbour discovery passes, a zone interface jumps to its
 * zone's chain of host-inbound services (interface-level host-inbound-traffic
 * replaces the zone's, as in Junos: a chain of its own) ending in a drop
 * counted on a named counter (zd_<hash>, id_<device>), and an interface in
 * no zone passes nothing.
 * An interface is one element (of zone_in; one of zone_mgmt too in the
 * management zone, which forwards nothing): the forward chain (policy.c)
 * asks zone_in whether a device is in a zone.  Transit traffic is
 * policy.c's forward chain.
 */
#include <stdio.h>
#include <string.h>

#include "hostd/hostd.h"
#include "lib/log.h"
#include "proto/link.h"

/* system-services and protocols -> nftables matches; ';' separates rules. */
struct zones_svc {
	const char *name;
	const char *match;
};

/*
 * ike: IKE (UDP 500, 4500 with NAT-T, RFC 3948) and the ESP of the tunnels
 * it sets up (IP protocol 50, RFC 4303), as Junos lets in both with
 * `system-services ike`; without ESP the userspace dataplane's raw socket,
 * which reads after the input hook, never sees a tunnel's packets.
 */
static const struct zones_svc zones_services_tab[] = {
	{ "ike", "udp dport { 500, 4500 };meta l4proto esp" },
	{ "ping", "icmp type echo-request;icmpv6 type echo-request" },
	{ "traceroute", "udp dport 33434-33523;icmp type echo-request" },
	{ "ssh", "tcp dport 22" },
	{ "telnet", "tcp dport 23" },
	{ "ftp", "tcp dport 21" },
	{ "http", "tcp dport 80" },
	{ "https", "tcp dport 443" },
	{ "dns", "meta l4proto { tcp, udp } th dport 53" },
	{ "ntp", "udp dport 123" },
	{ "snmp", "udp dport 161" },
	{ "snmp-trap", "udp dport 162" },
	{ "tftp", "udp dport 69" },
	{ "dhcp", "udp dport 67-68" },
	{ "bootp", "udp dport 67-68" },
	{ "dhcpv6", "udp dport 546-547" },
	{ "netconf", "tcp dport 830" },
	{ "finger", "tcp dport 79" },
	{ "rlogin", "tcp dport 513" },
	{ "rsh", "tcp dport 514" },
	{ "ident-reset", "tcp dport 113" },
	{ "xnm-ssl", "tcp dport 3220" },
	{ "xnm-clear-text", "tcp dport 3221" },
	{ "sip", "meta l4proto { tcp, udp } th dport 5060" },
	{ "tcp-encap", "tcp dport 4500" },
	{ "any-service", "accept-all" },
	{ "all", "accept-all" },
	{ NULL, NULL },
};

static const struct zones_svc zones_protocols_tab[] = {
	{ "all", "accept-all" },
	{ "bgp", "tcp dport 179;tcp sport 179" },
	{ "bfd", "udp dport { 3784, 3785 }" },
	{ "ospf", "ip protocol 89" },
	{ "ospf3", "ip6 nexthdr 89" },
	{ "rip", "udp dport 520" },
	{ "ripng", "udp dport 521" },
	{ "pim", "meta l4proto 103" },
	{ "igmp", "ip protocol igmp" },
	{ "ldp", "meta l4proto { tcp, udp } th dport 646" },
	{ "rsvp", "meta l4proto 46" },
	{ "vrrp", "meta l4proto 112" },
	{ "router-discovery",
	    "icmp type { router-advertisement, "
	    "router-solicitation }" },
	{ NULL, NULL },
};

/* The zone-level or interface-level host-inbound-traffic in effect. */
static const struct cnode *
zones_hit(const struct cnode *zone, const struct cnode *ifc)
{
	const struct cnode *h =
	    ifc ? cnode_child(ifc, "host-inbound-traffic") : NULL;

	return h ? h : cnode_child(zone, "host-inbound-traffic");
}

void
zones_services(const struct cnode *zone, const struct cnode *ifc, json_t *arr)
{
	const struct cnode *hit = zones_hit(zone, ifc);

	for (const struct cnode *s = hit ? hit->first : NULL; s; s = s->next) {
		if (cnode_is_inactive(s) || s->val == NULL)
			continue;
		struct sb n;
		sb_init(&n);
		sb_printf(&n, "%s%s", cnode_child(s, "except") ? "except " : "",
		    s->val);
		json_array_append_new(arr, json_string(sb_str(&n)));
		sb_free(&n);
	}
}

static const char *
zones_lookup(const struct zones_svc *tab, const char *name)
{
	for (; tab->name; tab++)
		if (strcmp(tab->name, name) == 0)
			return tab->match;
	return NULL;
}

static void
zones_emit(const char *match, const char *verdict, struct sb *out)
{
	char buf[256];
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", match);
	for (char *r = strtok_r(buf, ";", &save); r;
	     r = strtok_r(NULL, ";", &save))
		sb_printf(out, "%s %s\n", r, verdict);
}

/*
 * The rules of a host-inbound chain: excepted services first, then the
 * rest, ending in the drop counted on the named counter cnt: zd_<hash> of
 * a zone, id_<device> of an interface with host-inbound-traffic of its
 * own.  Not a counter per zone interface (an element with a counter
 * each: an allocation per interface for the kernel, and no show reads
 * them); a named counter, not the rule's own, so that a change of the
 * services refills the chain and keeps the count without reading it.
 */
static void
zones_in_rules(const struct cnode *hit, const char *cnt, struct sb *out)
{
	bool all = false;

	for (int pass = 0; pass < 2; pass++) {
		for (const struct cnode *s = hit ? hit->first : NULL; s;
		     s = s->next) {
			if (cnode_is_inactive(s) || s->val == NULL)
				continue;
			bool except = cnode_child(s, "except") != NULL;
			const char *m =
			    zones_lookup(strcmp(s->sn->name, "protocols") == 0
				    ? zones_protocols_tab
				    : zones_services_tab,
				s->val);
			if (m == NULL || except != (pass == 0))
				continue;
			if (strcmp(m, "accept-all") == 0)
				all = !except;
			else
				zones_emit(m, except ? "drop" : "accept", out);
		}
	}
	if (all)
		sb_puts(out, "accept\n");
	sb_printf(out, "counter name \"%s\" drop\n", cnt);
}

/* Every zone entry: security-zone list entries and the management zone. */
static void
zones_collect(struct conf *c, const struct cnode **v, size_t *n, size_t max)
{
	const struct cnode *zs = host_path(conf_root(c), "security zones");
	const struct cnode *mg = host_path(zs, "functional-zone management");

	*n = 0;
	for (const struct cnode *z = zs ? zs->first : NULL; z && *n < max;
	     z = z->next)
		if (strcmp(z->sn->name, "security-zone") == 0 &&
		    !cnode_is_inactive(z))
			v[(*n)++] = z;
	if (mg != NULL && *n < max)
		v[(*n)++] = mg;
}

#define ZONES_MAX 1024
#define ZONES_HOST "junos-host" /* the predefined zone of the appliance */

const char *
zones_of_unit(struct conf *c, const char *unit)
{
	const struct cnode *v[ZONES_MAX];
	size_t n;

	zones_collect(c, v, &n, ZONES_MAX);
	for (size_t i = 0; i < n; i++)
		for (const struct cnode *f = v[i]->first; f; f = f->next)
			if (strcmp(f->sn->name, "interfaces") == 0 &&
			    !cnode_is_inactive(f) && strcmp(f->val, unit) == 0)
				return v[i]->val ? v[i]->val : "management";
	return NULL;
}

/* Has n a child in effect? */
static bool
zones_any(const struct cnode *n)
{
	for (const struct cnode *x = n ? n->first : NULL; x; x = x->next)
		if (!cnode_is_inactive(x))
			return true;
	return false;
}

bool
zones_wanted(struct conf *c)
{
	const struct cnode *sec = host_path(conf_root(c), "security");

	return zones_any(cnode_child(sec, "zones")) ||
	    zones_any(cnode_child(sec, "policies"));
}

const char *
zones_name(const struct cnode *zone)
{
	return zone->val ? zone->val : "management";
}

/*
 * Whether a global policy in effect names zone as its from-zone or
 * to-zone: only those read the zone's set zif_<hash> (policy.c
 * policy_global), so only then does the set hold the zone's interfaces.
 * 50,000 zone interfaces and no global policy: 50,000 elements fewer for
 * the kernel to insert.  A change to a global policy builds the model
 * whole (scope.c), which fills or empties the sets.
 */
static bool
zones_zif_used(struct conf *c, const char *zone)
{
	const struct cnode *g =
	    host_path(conf_root(c), "security policies global");

	for (const struct cnode *q = g ? g->first : NULL; q; q = q->next) {
		const struct cnode *match = cnode_child(q, "match");
		if (strcmp(q->sn->name, "policy") != 0 || cnode_is_inactive(q))
			continue;
		for (const struct cnode *z = match ? match->first : NULL; z;
		     z = z->next)
			if ((strcmp(z->sn->name, "from-zone") == 0 ||
				strcmp(z->sn->name, "to-zone") == 0) &&
			    !cnode_is_inactive(z) && z->val != NULL &&
			    strcmp(z->val, zone) == 0)
				return true;
	}
	return false;
}

/*
 * One zone: its set of interfaces zif_<hash> (filled when a global policy
 * names the zone: zif), its chain of host-inbound services z_<hash>, and
 * per interface the element that puts it in the zone (zone_in; and
 * zone_mgmt in the management zone).  An interface with
 * host-inbound-traffic of its own has a chain i_<device>.
 */
static void
zones_model_zone(
    struct nftm *m, const struct cnode *z, bool zif, struct sb *rules)
{
	struct sb zn, id, key, val, cn;
	char dev[64];
	bool sz = z->val != NULL; /* a security-zone, not management */

	sb_init(&cn);
	sb_init(&zn);
	sb_init(&id);
	sb_init(&key);
	sb_init(&val);
	nftm_name("zif_", zones_name(z), &zn);
	nftm_set(m, sb_str(&zn), "type ifname", false);
	nftm_name("zd_", zones_name(z), &id);
	nftm_counter(m, sb_str(&id));
	sb_reset(rules);
	zones_in_rules(
	    cnode_child(z, "host-inbound-traffic"), sb_str(&id), rules);
	nftm_name("z_", zones_name(z), &id);
	nftm_chain(m, sb_str(&id), NULL);
	nftm_rules(m, sb_str(&id), sb_str(rules));
	for (const struct cnode *f = z->first; f; f = f->next) {
		if (strcmp(f->sn->name, "interfaces") != 0 ||
		    cnode_is_inactive(f) ||
		    iface_linux_name(f->val, dev, sizeof(dev)) == -1)
			continue;
		sb_reset(&key);
		sb_printf(&key, "\"%s\"", dev);
		if (zif)
			nftm_elem(m, sb_str(&zn), sb_str(&key), NULL);
		sb_reset(&val);
		if (cnode_child(f, "host-inbound-traffic") != NULL) {
			sb_puts(&val, "i_");
			nftm_ident(dev, &val);
			if (nftm_chain(m, sb_str(&val), NULL)) {
				sb_reset(&cn);
				sb_puts(&cn, "id_");
				nftm_ident(dev, &cn);
				nftm_counter(m, sb_str(&cn));
				sb_reset(rules);
				zones_in_rules(
				    zones_hit(z, f), sb_str(&cn), rules);
				nftm_rules(m, sb_str(&val), sb_str(rules));
			}
		} else {
			sb_puts(&val, sb_str(&id));
		}
		sb_reset(rules);
		sb_printf(rules, "jump %s", sb_str(&val));
		/* an interface is in one zone: the first one that names it */
		if (nftm_elem(m, "zone_in", sb_str(&key), sb_str(rules)) && !sz)
			nftm_elem(m, "zone_mgmt", sb_str(&key), NULL);
	}
	sb_free(&zn);
	sb_free(&id);
	sb_free(&key);
	sb_free(&val);
	sb_free(&cn);
}

/*
 * zone_in's declaration for n interfaces: with a size, the kernel picks a
 * hash that does not resize as it fills (an `nft -f` of 50,000 elements:
 * a third less system time).  The size is a limit, so it has room: the
 * power of two from twice n, at least ZONES_IN_MIN.  A function of n
 * alone, so a table patched and one built whole are declared alike.
 */
#define ZONES_IN_MIN 1024

static void
zones_in_decl(size_t n, struct sb *out)
{
	size_t size = ZONES_IN_MIN;

	while (size < 2 * n)
		size *= 2;
	sb_reset(out);
	sb_printf(out, "type ifname : verdict; size %zu", size);
}

bool
zones_patch_fits(const struct nftm *m, const struct nftm *p)
{
	struct sb a, b;
	bool same;

	sb_init(&a);
	sb_init(&b);
	zones_in_decl(nftm_set_size(m, "zone_in"), &a);
	zones_in_decl(nftm_patch_size(m, p, "zone_in"), &b);
	same = strcmp(sb_str(&a), sb_str(&b)) == 0;
	sb_free(&a);
	sb_free(&b);
	return same;
}

struct nftm *
zones_model(struct conf *c, struct verrs *errs)
{
	const struct cnode *v[ZONES_MAX];
	struct nftm *m;
	struct sb rules;
	size_t n;

	if (!zones_wanted(c))
		return NULL; /* no table */
	m = nftm_new();
	sb_init(&rules);
	nftm_counter(m, "deny_unzoned");
	nftm_set(m, "zone_in", "type ifname : verdict", false);
	nftm_set(m, "zone_mgmt", "type ifname", false);
	/* the base chains first: the kernel runs them by priority anyway */
	nftm_chain(m, "input",
	    "type filter hook input priority filter;"
	    " policy drop;");
	nftm_rules(m, "input",
	    "iifname \"lo\" accept\n"
	    "ct state established,related accept\n"
	    "ct state invalid drop\n"
	    "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert,"
	    " nd-router-solicit, nd-router-advert } accept\n"
	    "iifname vmap @zone_in\n"
	    "counter name \"deny_unzoned\" drop\n");
	nftm_chain(m, "forward",
	    "type filter hook forward priority filter;"
	    " policy drop;");
	nftm_chain(m, "output",
	    "type filter hook output priority filter;"
	    " policy accept;");
	zones_collect(c, v, &n, ZONES_MAX);
	for (size_t i = 0; i < n; i++)
		zones_model_zone(
		    m, v[i], zones_zif_used(c, zones_name(v[i])), &rules);
	zones_in_decl(nftm_set_size(m, "zone_in"), &rules);
	nftm_set_decl(m, "zone_in", sb_str(&rules));
	policy_model(c, m, errs);
	sb_free(&rules);
	return m;
}

/* ---- a change as a patch ------------------------------------------ */

/*
 * What zones_model_zone gives device dev (Junos unit `unit`) across all
 * zones, put in patch p as its next value: in zif_<zone> of every zone
 * that names it (a zone a global policy names); for the first one, the jump in
 * zone_in (to i_<dev> when that zone's entry has host-inbound-traffic of its
 * own), and zone_mgmt for the management zone; i_<dev> holds the rules of the
 * first entry with host-inbound-traffic of its own.
 */
static void
zones_patch_dev(struct conf *c, const struct cnode **v, size_t n,
    const char *unit, struct nftm *p)
{
	struct sb key, zn, id, rules;
	const struct cnode *first = NULL, *firstz = NULL, *own = NULL;
	char dev[64];

	if (iface_linux_name(unit, dev, sizeof(dev)) == -1)
		return;
	sb_init(&key);
	sb_init(&zn);
	sb_init(&id);
	sb_init(&rules);
	sb_printf(&key, "\"%s\"", dev);
	for (size_t i = 0; i < n; i++) {
		const struct cnode *f = NULL;
		for (size_t k = 0; k < v[i]->sn->nchild && f == NULL; k++)
			if (strcmp(v[i]->sn->child[k]->name, "interfaces") == 0)
				f = conf_find(
				    c, v[i], v[i]->sn->child[k], unit);
		if (f != NULL && cnode_is_inactive(f))
			f = NULL;
		nftm_name("zif_", zones_name(v[i]), &zn);
		if (zones_zif_used(c, zones_name(v[i])))
			nftm_patch_elem(
			    p, sb_str(&zn), sb_str(&key), f ? "" : NULL);
		if (f == NULL)
			continue;
		if (first == NULL) {
			first = f;
			firstz = v[i];
		}
		if (own == NULL && cnode_child(f, "host-inbound-traffic"))
			own = f;
	}
	sb_reset(&zn);
	sb_puts(&zn, "id_");
	nftm_ident(dev, &zn);
	nftm_patch_counter(p, sb_str(&zn), own != NULL);
	if (own != NULL)
		zones_in_rules(zones_hit(NULL, own), sb_str(&zn), &rules);
	sb_puts(&id, "i_");
	nftm_ident(dev, &id);
	nftm_patch_chain(p, sb_str(&id), own ? sb_str(&rules) : NULL);
	nftm_patch_elem(
	    p, "zone_mgmt", sb_str(&key), first && !firstz->val ? "" : NULL);
	sb_reset(&rules);
	if (first != NULL) {
		if (cnode_child(first, "host-inbound-traffic") != NULL)
			sb_printf(&rules, "jump %s", sb_str(&id));
		else {
			nftm_name("z_", zones_name(firstz), &zn);
			sb_printf(&rules, "jump %s", sb_str(&zn));
		}
	}
	nftm_patch_elem(
	    p, "zone_in", sb_str(&key), first ? sb_str(&rules) : NULL);
	policy_patch_dev(c, unit, sb_str(&key), p);
	sb_free(&key);
	sb_free(&zn);
	sb_free(&id);
	sb_free(&rules);
}

struct nftm *
zones_patch(struct conf *c, const json_t *hits, const json_t *units)
{
	const struct cnode *v[ZONES_MAX];
	struct nftm *p = nftm_new();
	struct sb id, rules;
	const char *name;
	json_t *x;
	size_t n;

	sb_init(&id);
	sb_init(&rules);
	zones_collect(c, v, &n, ZONES_MAX);
	for (size_t i = 0; i < n; i++) {
		if (json_object_get(hits, zones_name(v[i])) == NULL)
			continue;
		nftm_name("zd_", zones_name(v[i]), &id);
		nftm_patch_counter(p, sb_str(&id), true);
		sb_reset(&rules);
		zones_in_rules(cnode_child(v[i], "host-inbound-traffic"),
		    sb_str(&id), &rules);
		nftm_name("z_", zones_name(v[i]), &id);
		nftm_patch_chain(p, sb_str(&id), sb_str(&rules));
	}
	json_object_foreach((json_t *)units, name, x)
	    zones_patch_dev(c, v, n, name, p);
	sb_free(&id);
	sb_free(&rules);
	return p;
}

/* ---- show security zones ----------------------------------------- */

json_t *
zones_show(struct hostd *h, const json_t *input, struct sb *err)
{
	struct conf *run = link_running(h->link);
	const char *want =
	    json_string_value(json_object_get(input, "zone-name"));
	const struct cnode *v[ZONES_MAX];
	json_t *zones = json_array();
	bool own_host = false;
	size_t n;

	zones_collect(run, v, &n, ZONES_MAX);
	for (size_t i = 0; i < n; i++) {
		const char *name = v[i]->val ? v[i]->val : "management";
		if (want != NULL && strcmp(want, name) != 0)
			continue;
		if (strcmp(name, ZONES_HOST) == 0)
			own_host = true;
		json_t *z = json_pack("{s:s, s:i, s:b, s:[]}", "name", name,
		    "id", (int)(i + 6), "tcp-rst",
		    cnode_child(v[i], "tcp-rst") != NULL, "interfaces");
		const struct cnode *scr = cnode_child(v[i], "screen");
		if (scr != NULL)
			json_object_set_new(z, "screen", json_string(scr->val));
		for (const struct cnode *f = v[i]->first; f; f = f->next)
			if (strcmp(f->sn->name, "interfaces") == 0 &&
			    !cnode_is_inactive(f))
				json_array_append_new(
				    json_object_get(z, "interfaces"),
				    json_pack("{s:s}", "name", f->val));
		json_array_append_new(zones, z);
	}
	/* the appliance itself, a zone an SRX always lists */
	if (!own_host && (want == NULL || strcmp(want, ZONES_HOST) == 0))
		json_array_append_new(zones,
		    json_pack("{s:s, s:i, s:b, s:[]}", "name", ZONES_HOST, "id",
			2, "tcp-rst", 0, "interfaces"));
	if (want != NULL && json_array_size(zones) == 0) {
		sb_printf(err, "error: zone %s not found", want);
		json_decref(zones);
		return NULL;
	}
	/* detail adds nothing qsafe has to the reference's lines */
	return json_pack("{s:o}", "zones", zones);
}
