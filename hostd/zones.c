/*
 * zones: security zones as nftables rules, and `show security zones`.
 *
 * The whole ruleset is one table, `inet qsafe_<hash of the state
 * directory>` (one per appliance, so two that share a namespace do not
 * replace each other's), written as text and loaded by policy_load() in one
 * transaction (add, delete, define: an atomic replace).  There is no table
 * until a zone or a policy is configured: an appliance does not firewall
 * its host before the operator asks it to (docs/host.md).  The input chain decides what reaches the appliance itself:
 * loopback and replies to its own traffic pass, IPv6 neighbour discovery
 * passes, a zone interface jumps to its chain of host-inbound services
 * (interface-level host-inbound-traffic replaces the zone's, as in Junos)
 * ending in the counter deny_<device>, and an interface in no zone passes
 * nothing.  Transit traffic is policy.c's forward chain.
 */
#include <stdio.h>
#include <string.h>

#include "hostd/hostd.h"
#include "lib/log.h"
#include "mgd/link.h"

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
	{ "router-discovery", "icmp type { router-advertisement, "
	    "router-solicitation }" },
	{ NULL, NULL },
};

/* The device name as an nftables identifier: [A-Za-z0-9_]. */
static void
zones_ident(const char *dev, struct sb *out)
{
	for (const char *p = dev; *p; p++)
		sb_putc(out, (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') ? *p : '_');
}

/* The zone-level or interface-level host-inbound-traffic in effect. */
static const struct cnode *
zones_hit(const struct cnode *zone, const struct cnode *ifc)
{
	const struct cnode *h = ifc ? cnode_child(ifc, "host-inbound-traffic") :
	    NULL;

	return h ? h : cnode_child(zone, "host-inbound-traffic");
}

void
zones_services(const struct cnode *zone, const struct cnode *ifc,
    json_t *arr)
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
		sb_printf(out, "\t\t%s %s\n", r, verdict);
}

/* The chain of one zone interface: excepted services first, then the rest. */
static void
zones_in_chain(const struct cnode *zone, const struct cnode *ifc,
    const char *id, struct sb *decl, struct sb *chains)
{
	const struct cnode *hit = zones_hit(zone, ifc);
	bool all = false;

	sb_printf(decl, "\tcounter deny_%s { }\n", id);
	sb_printf(chains, "\tchain in_%s {\n", id);
	for (int pass = 0; pass < 2; pass++) {
		for (const struct cnode *s = hit ? hit->first : NULL; s;
		    s = s->next) {
			if (cnode_is_inactive(s) || s->val == NULL)
				continue;
			bool except = cnode_child(s, "except") != NULL;
			const char *m = zones_lookup(strcmp(s->sn->name,
			    "protocols") == 0 ? zones_protocols_tab :
			    zones_services_tab, s->val);
			if (m == NULL || except != (pass == 0))
				continue;
			if (strcmp(m, "accept-all") == 0)
				all = !except;
			else
				zones_emit(m, except ? "drop" : "accept",
				    chains);
		}
	}
	if (all)
		sb_puts(chains, "\t\taccept\n");
	sb_printf(chains, "\t\tcounter name \"deny_%s\" drop\n\t}\n", id);
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
#define ZONES_HOST "junos-host"	/* the predefined zone of the appliance */

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

int
zones_ruleset(struct conf *c, const char *table, struct sb *out,
    struct verrs *errs)
{
	const struct cnode *v[ZONES_MAX];
	struct sb decl, in, chains, id;
	char dev[64];
	size_t n;

	if (!zones_wanted(c))
		return 0;	/* no table */
	sb_init(&decl);
	sb_init(&in);
	sb_init(&chains);
	sb_init(&id);
	zones_collect(c, v, &n, ZONES_MAX);
	for (size_t i = 0; i < n; i++) {
		for (const struct cnode *f = v[i]->first; f; f = f->next) {
			if (strcmp(f->sn->name, "interfaces") != 0 ||
			    cnode_is_inactive(f) ||
			    iface_linux_name(f->val, dev, sizeof(dev)) == -1)
				continue;
			sb_reset(&id);
			zones_ident(dev, &id);
			sb_printf(&in, "\t\tiifname \"%s\" jump in_%s\n", dev,
			    sb_str(&id));
			zones_in_chain(v[i], f, sb_str(&id), &decl, &chains);
		}
	}
	policy_rules(c, &decl, &chains, errs);
	sb_printf(out, "table inet %s {\n", table);
	sb_puts(out, "\tcounter deny_unzoned { }\n");
	sb_puts(out, sb_str(&decl));
	sb_puts(out, "\tchain input {\n"
	    "\t\ttype filter hook input priority filter; policy drop;\n"
	    "\t\tiifname \"lo\" accept\n"
	    "\t\tct state established,related accept\n"
	    "\t\tct state invalid drop\n"
	    "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert,"
	    " nd-router-solicit, nd-router-advert } accept\n");
	sb_puts(out, sb_str(&in));
	sb_puts(out, "\t\tcounter name \"deny_unzoned\" drop\n\t}\n");
	sb_puts(out, sb_str(&chains));
	sb_puts(out, "\tchain output {\n"
	    "\t\ttype filter hook output priority filter; policy accept;\n"
	    "\t}\n}\n");
	sb_free(&decl);
	sb_free(&in);
	sb_free(&chains);
	sb_free(&id);
	return 0;
}

/* ---- show security zones ----------------------------------------- */

json_t *
zones_show(struct hostd *h, const json_t *input, struct sb *err)
{
	struct conf *run = link_running(h->link);
	const char *want = json_string_value(json_object_get(input,
	    "zone-name"));
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
		    "id", (int)(i + 6), "tcp-rst", cnode_child(v[i], "tcp-rst") !=
		    NULL, "interfaces");
		const struct cnode *scr = cnode_child(v[i], "screen");
		if (scr != NULL)
			json_object_set_new(z, "screen", json_string(scr->val));
		for (const struct cnode *f = v[i]->first; f; f = f->next)
			if (strcmp(f->sn->name, "interfaces") == 0 &&
			    !cnode_is_inactive(f))
				json_array_append_new(json_object_get(z,
				    "interfaces"), json_pack("{s:s}", "name",
				    f->val));
		json_array_append_new(zones, z);
	}
	/* the appliance itself, a zone an SRX always lists */
	if (!own_host && (want == NULL || strcmp(want, ZONES_HOST) == 0))
		json_array_append_new(zones, json_pack("{s:s, s:i, s:b, s:[]}",
		    "name", ZONES_HOST, "id", 2, "tcp-rst", 0, "interfaces"));
	if (want != NULL && json_array_size(zones) == 0) {
		sb_printf(err, "error: zone %s not found", want);
		json_decref(zones);
		return NULL;
	}
	/* detail adds nothing qsafe has to the reference's lines */
	return json_pack("{s:o}", "zones", zones);
}
