/*
 * policy: `security policies` as the nftables forward chain, loading the
 * ruleset, and `show security policies`.
 *
 * Transit traffic passes where a policy permits it, as on an SRX: replies
 * of an accepted flow pass (conntrack); a new flow from an interface of
 * zone A to one of zone B goes through the policies `from-zone A to-zone
 * B` in order, then the global policies in order, then the default policy
 * (deny-all unless `default-policy permit-all`).  An interface in no zone
 * forwards nothing.  deny drops; reject answers TCP with a reset and UDP
 * with an ICMP port unreachable, and drops the rest.  Each policy counts
 * the flows it matched in the named counter pol_<hash of from, to, name>
 * (kept whatever its place, as Junos keeps a policy's count): the hit counts of
 * `show security policies`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "hostd/hostd.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/pvpn.h"
#include "proto/link.h"

#define POLICY_INDEX_FIRST 4 /* 1..3: the default policies, as on an SRX */
#define POLICY_SET_DEPTH 8   /* nesting of address sets */

/* Junos predefined applications -> nftables matches; ';' separates rules. */
static const struct {
	const char *name;
	const char *match;
} policy_apps[] = {
	{ "any", "" },
	{ "junos-icmp-all", "meta l4proto icmp" },
	{ "junos-icmp-ping", "icmp type echo-request" },
	{ "junos-ping", "icmp type echo-request" },
	{ "junos-icmp6-all", "meta l4proto ipv6-icmp" },
	{ "junos-ping6", "icmpv6 type echo-request" },
	{ "junos-tcp-any", "meta l4proto tcp" },
	{ "junos-udp-any", "meta l4proto udp" },
	{ "junos-ssh", "tcp dport 22" },
	{ "junos-telnet", "tcp dport 23" },
	{ "junos-ftp", "tcp dport 21" },
	{ "junos-smtp", "tcp dport 25" },
	{ "junos-http", "tcp dport 80" },
	{ "junos-https", "tcp dport 443" },
	{ "junos-pop3", "tcp dport 110" },
	{ "junos-imap", "tcp dport 143" },
	{ "junos-ldap", "tcp dport 389" },
	{ "junos-bgp", "tcp dport 179" },
	{ "junos-dns-udp", "udp dport 53" },
	{ "junos-dns-tcp", "tcp dport 53" },
	{ "junos-ntp", "udp dport 123" },
	{ "junos-tftp", "udp dport 69" },
	{ "junos-syslog", "udp dport 514" },
	{ "junos-snmp-agentx", "tcp dport 705" },
	{ "junos-ike", "udp dport 500" },
	{ "junos-ike-nat", "udp dport 4500" },
	{ "junos-traceroute", "udp dport 33434-33523" },
	{ NULL, NULL },
};

static const char *
policy_app(const char *name)
{
	for (size_t i = 0; policy_apps[i].name; i++)
		if (strcmp(policy_apps[i].name, name) == 0)
			return policy_apps[i].match;
	return NULL;
}

/* ---- address book ------------------------------------------------ */

static const struct cnode *
policy_book_find(struct conf *c, const char *kind, const char *name)
{
	struct cnode *sec =
	    (struct cnode *)cnode_child(conf_root(c), "security");
	const struct snode *sn;
	const struct cnode *a;

	for (const struct cnode *b = sec ? sec->first : NULL; b; b = b->next) {
		if (strcmp(b->sn->name, "address-book") != 0 ||
		    cnode_is_inactive(b) ||
		    (sn = snode_child(b->sn, kind)) == NULL)
			continue;
		/* the tree's hash table: a policy costs O(1) per address */
		a = conf_find(c, b, sn, name);
		if (a != NULL && !cnode_is_inactive(a))
			return a;
	}
	return NULL;
}

/*
 * Appends the elements of address (or address-set) name to v4 / v6 as
 * nftables set elements.  0, or -1 with a message in why.
 */
static int
policy_addr(struct conf *c, const char *name, int depth, struct sb *v4,
    struct sb *v6, struct sb *why)
{
	const struct cnode *a = policy_book_find(c, "address", name), *x;

	if (a != NULL) {
		struct sb *to;
		if ((x = cnode_child(a, "ip-prefix")) != NULL) {
			to = strchr(x->val, ':') ? v6 : v4;
			sb_printf(to, "%s%s", to->len ? ", " : "", x->val);
			return 0;
		}
		/* IPv4 only: the schema types both ends ipv4addr, as Junos */
		if ((x = cnode_child(a, "range-address")) != NULL) {
			const struct cnode *hi = host_path(x, "to range-high");
			sb_printf(v4, "%s%s-%s", v4->len ? ", " : "", x->val,
			    hi ? hi->val : x->val);
			return 0;
		}
		sb_printf(why,
		    "address %s: only ip-prefix and range-address"
		    " addresses can be applied",
		    name);
		return -1;
	}
	a = policy_book_find(c, "address-set", name);
	if (a == NULL || depth >= POLICY_SET_DEPTH) {
		sb_printf(why,
		    a ? "address-set %s nests too deeply"
		      : "address %s is not defined in the address book",
		    name);
		return -1;
	}
	for (x = a->first; x; x = x->next)
		if ((strcmp(x->sn->name, "address") == 0 ||
			strcmp(x->sn->name, "address-set") == 0) &&
		    !cnode_is_inactive(x) &&
		    policy_addr(c, x->val, depth + 1, v4, v6, why) == -1)
			return -1;
	return 0;
}

/* ---- rules ------------------------------------------------------- */

/*
 * One side (source or destination) of a policy for one family: the
 * matches any of which selects a packet ("" for any address), or none.
 */
struct policy_side {
	bool any4, any6; /* matches every address of the family */
	bool excluded;
	struct sb sets4, sets6; /* names of address sets, ' '-separated */
};

static void
policy_error(struct verrs *errs, const struct cnode *at, const char *stmt,
    const char *msg)
{
	struct sb e;

	if (errs == NULL)
		return;
	sb_init(&e);
	host_edit(at, &e);
	verrs_add(errs, sb_str(&e), stmt, msg, false);
	sb_free(&e);
}

/*
 * The named sets ab4_<hash> / ab6_<hash> of address-book entry name (an
 * address, or an address-set flattened): an address that changes is an
 * element change of its set, whatever the number of policies using it.
 * Appends the names of the non-empty ones to the side.  -1 with why.
 */
static int
policy_book_sets(struct conf *c, struct nftm *m, const char *name,
    struct policy_side *s, struct sb *why)
{
	struct sb v[2], set;
	int rc = 0;

	sb_init(&set);
	for (int f = 0; f < 2; f++) {
		nftm_name(f ? "ab6_" : "ab4_", name, &set);
		if (!nftm_has_set(m, sb_str(&set)))
			break;
		if (nftm_set_size(m, sb_str(&set)) > 0)
			sb_printf(
			    f ? &s->sets6 : &s->sets4, "%s ", sb_str(&set));
		if (f == 1)
			goto done;
	}
	sb_init(&v[0]);
	sb_init(&v[1]);
	if ((rc = policy_addr(c, name, 0, &v[0], &v[1], why)) == 0) {
		for (int f = 0; f < 2; f++) {
			nftm_name(f ? "ab6_" : "ab4_", name, &set);
			nftm_set(m, sb_str(&set),
			    f ? "type ipv6_addr; flags"
				" interval; auto-merge"
			      : "type ipv4_addr; flags"
				" interval; auto-merge",
			    true);
			char *save = NULL;
			for (char *e = v[f].len
				 ? strtok_r(v[f].buf, ", ", &save)
				 : NULL;
			     e; e = strtok_r(NULL, ", ", &save))
				nftm_elem(m, sb_str(&set), e, NULL);
			if (v[f].len > 0)
				sb_printf(f ? &s->sets6 : &s->sets4, "%s ",
				    sb_str(&set));
		}
	}
	sb_free(&v[0]);
	sb_free(&v[1]);
done:
	sb_free(&set);
	return rc;
}

static void
policy_side(struct conf *c, struct nftm *m, const struct cnode *match,
    const char *leaf, struct policy_side *s, struct verrs *errs)
{
	struct sb why, stmt;
	bool named = false;

	sb_init(&why);
	sb_init(&stmt);
	s->any4 = s->any6 = false;
	for (const struct cnode *a = match ? match->first : NULL; a;
	     a = a->next) {
		if (strcmp(a->sn->name, leaf) != 0 || cnode_is_inactive(a))
			continue;
		named = true;
		if (strcmp(a->val, "any") == 0)
			s->any4 = s->any6 = true;
		else if (strcmp(a->val, "any-ipv4") == 0)
			s->any4 = true;
		else if (strcmp(a->val, "any-ipv6") == 0)
			s->any6 = true;
		else if (policy_book_sets(c, m, a->val, s, &why) == -1) {
			sb_reset(&stmt);
			sb_printf(&stmt, "%s %s", leaf, a->val);
			policy_error(errs, match, sb_str(&stmt), sb_str(&why));
			sb_reset(&why);
		}
	}
	if (!named)
		s->any4 = s->any6 = true;
	sb_reset(&stmt);
	sb_printf(&stmt, "%s-excluded", leaf);
	s->excluded = cnode_child(match, sb_str(&stmt)) != NULL;
	sb_free(&why);
	sb_free(&stmt);
}

/*
 * The alternatives of one side for one family, one a line ("ip saddr
 * @ab4_... "), any of which matches: none when nothing can.  Excluded
 * addresses are one alternative, in none of the sets.
 */
static void
policy_side_alts(
    const struct policy_side *s, bool v6, const char *dir, struct sb *out)
{
	bool any = v6 ? s->any6 : s->any4;
	const char *sets = (v6 ? &s->sets6 : &s->sets4)->buf;
	const char *ip = v6 ? "ip6" : "ip", *e;

	sets = sets ? sets : "";
	if (s->excluded) {
		if (any)
			return;
		for (; (e = strchr(sets, ' ')) != NULL; sets = e + 1)
			sb_printf(out, "%s %s != @%.*s ", ip, dir,
			    (int)(e - sets), sets);
		sb_putc(out, '\n');
		return;
	}
	if (any) {
		sb_putc(out, '\n');
		return;
	}
	for (; (e = strchr(sets, ' ')) != NULL; sets = e + 1)
		sb_printf(
		    out, "%s %s @%.*s \n", ip, dir, (int)(e - sets), sets);
}

static void
policy_verdict(
    const char *pre, const char *counter, const char *action, struct sb *out)
{
	/* Junos reject: TCP gets a reset, UDP an ICMP port unreachable, any
	 * other protocol is dropped silently as with deny. */
	/* policy-based VPN: what the policy sends into the tunnel was marked
	 * before routing (policy_pv_*) and never gets here; what gets here is
	 * what came out of the tunnel, or traffic the marking missed, which
	 * must not leave in the clear */
	if (strcmp(action, "tunnel") == 0) {
		sb_printf(out,
		    "\t\t%siifname \"" PVPN_IFNAME "\" counter name \"%s\""
		    " accept\n",
		    pre, counter);
		sb_printf(out, "\t\t%sdrop\n", pre);
	} else if (strcmp(action, "reject") == 0) {
		sb_printf(out,
		    "\t\t%smeta l4proto tcp counter name \"%s\" reject"
		    " with tcp reset\n",
		    pre, counter);
		sb_printf(out,
		    "\t\t%smeta l4proto udp counter name \"%s\" reject"
		    " with icmpx type port-unreachable\n",
		    pre, counter);
		sb_printf(
		    out, "\t\t%scounter name \"%s\" drop\n", pre, counter);
	} else {
		sb_printf(out, "\t\t%scounter name \"%s\" %s\n", pre, counter,
		    strcmp(action, "permit") == 0 ? "accept" : "drop");
	}
}

/* The VPN of `then permit tunnel ipsec-vpn V`, or NULL. */
static const char *
policy_tunnel_vpn(const struct cnode *p)
{
	const struct cnode *t = host_path(p, "then permit tunnel");

	return t && !cnode_is_inactive(t) ? cnode_child_val(t, "ipsec-vpn")
					  : NULL;
}

static const char *
policy_action(const struct cnode *p)
{
	const struct cnode *then = cnode_child(p, "then");

	if (cnode_child(then, "permit"))
		return "permit";
	if (cnode_child(then, "reject"))
		return "reject";
	return "deny";
}

/*
 * A rule per application of policy p after the address matches pre,
 * ending in p's verdict, or in tail when it is not NULL (policy_pv_*).
 */
static void
policy_emit(const struct cnode *p, const char *pre, const char *counter,
    const char *tail, struct sb *out)
{
	if (tail != NULL)
		sb_printf(out, "\t\t%s%s\n", pre, tail);
	else
		policy_verdict(pre, counter,
		    policy_tunnel_vpn(p) ? "tunnel" : policy_action(p), out);
}

static void
policy_apps_rules(const struct cnode *p, const struct cnode *match,
    const char *pre, const char *counter, const char *tail, struct verrs *errs,
    struct sb *out)
{
	struct sb m;
	bool apps = false;

	sb_init(&m);
	for (const struct cnode *a = match ? match->first : NULL; a;
	     a = a->next) {
		if (strcmp(a->sn->name, "application") != 0 ||
		    cnode_is_inactive(a))
			continue;
		const char *am = policy_app(a->val);
		char stmt[96];
		apps = true;
		if (am == NULL) {
			snprintf(stmt, sizeof(stmt), "application %s", a->val);
			if (errs != NULL)
				policy_error(errs, match, stmt,
				    "application is not defined (known:"
				    " any and the junos-* in docs/host.md)");
			continue;
		}
		char buf[256];
		char *save = NULL;
		snprintf(buf, sizeof(buf), "%s", am);
		if (buf[0] == '\0')
			policy_emit(p, pre, counter, tail, out);
		for (char *r = strtok_r(buf, ";", &save); r;
		     r = strtok_r(NULL, ";", &save)) {
			sb_reset(&m);
			sb_printf(&m, "%s%s ", pre, r);
			policy_emit(p, sb_str(&m), counter, tail, out);
		}
	}
	if (!apps)
		policy_emit(p, pre, counter, tail, out);
	sb_free(&m);
}

/*
 * The rules of one policy, with its counter pol_<hash of its key>; tail:
 * policy_apps_rules.
 */
void
policy_one(struct conf *c, struct nftm *m, const struct cnode *p,
    const char *counter, const char *tail, struct sb *out, struct verrs *errs)
{
	const struct cnode *match = cnode_child(p, "match");
	struct policy_side src = { 0 }, dst = { 0 };
	struct sb sa, da, pre;

	sb_init(&sa);
	sb_init(&da);
	sb_init(&pre);
	sb_init(&src.sets4);
	sb_init(&src.sets6);
	sb_init(&dst.sets4);
	sb_init(&dst.sets6);
	policy_side(c, m, match, "source-address", &src, errs);
	policy_side(c, m, match, "destination-address", &dst, errs);
	bool anyaddr = src.any4 && src.any6 && dst.any4 && dst.any6 &&
	    !src.excluded && !dst.excluded;
	for (int fam = 0; fam < (anyaddr ? 1 : 2); fam++) {
		sb_reset(&sa);
		sb_reset(&da);
		policy_side_alts(&src, fam, "saddr", &sa);
		policy_side_alts(&dst, fam, "daddr", &da);
		for (const char *s = sb_str(&sa), *se; (se = strchr(s, '\n'));
		     s = se + 1)
			for (const char *d = sb_str(&da), *de;
			     (de = strchr(d, '\n')); d = de + 1) {
				sb_reset(&pre);
				if (!anyaddr)
					sb_puts(&pre,
					    fam ? "meta nfproto ipv6 "
						: "meta nfproto ipv4 ");
				sb_printf(&pre, "%.*s%.*s", (int)(se - s), s,
				    (int)(de - d), d);
				policy_apps_rules(p, match, sb_str(&pre),
				    counter, tail,
				    fam == 0 && s == sa.buf && d == da.buf
					? errs
					: NULL,
				    out);
			}
	}
	sb_free(&sa);
	sb_free(&da);
	sb_free(&pre);
	sb_free(&src.sets4);
	sb_free(&src.sets6);
	sb_free(&dst.sets4);
	sb_free(&dst.sets6);
}

/* The zone entry named zone (a security-zone, or "management"), or NULL. */
const struct cnode *
policy_zone(struct conf *c, const char *zone)
{
	const struct cnode *zs = host_path(conf_root(c), "security zones");

	if (strcmp(zone, "management") == 0)
		return host_path(zs, "functional-zone management");
	for (const struct cnode *e = zs ? zs->first : NULL; e; e = e->next)
		if (strcmp(e->sn->name, "security-zone") == 0 &&
		    !cnode_is_inactive(e) && strcmp(e->val, zone) == 0)
			return e;
	return NULL;
}

/* The policy key "from<US>to<US>name" (global: "<US>name") -> names. */
void
policy_counter_name(const char *ctx, const char *name, struct sb *out)
{
	struct sb key;

	sb_init(&key);
	sb_printf(&key, "%s\x1f%s", ctx, name);
	nftm_name("pol_", sb_str(&key), out);
	sb_free(&key);
}

/* Declares the policy's counter and chain p_<hash>; its name to chain. */
static void
policy_chain(struct conf *c, struct nftm *m, const char *ctx,
    const struct cnode *q, struct sb *chain, struct verrs *errs)
{
	struct sb counter, rules;

	sb_init(&counter);
	sb_init(&rules);
	policy_counter_name(ctx, q->val, &counter);
	nftm_counter(m, sb_str(&counter));
	sb_reset(chain);
	sb_printf(chain, "p_%s", sb_str(&counter) + 4);
	nftm_chain(m, sb_str(chain), NULL);
	policy_one(c, m, q, sb_str(&counter), NULL, &rules, errs);
	nftm_rules(m, sb_str(chain), sb_str(&rules));
	sb_free(&counter);
	sb_free(&rules);
}

/*
 * A context from-zone A to-zone B: the interfaces of A jump to chain
 * f_<A> (map fwd_from), whose map to_<A> sends the interfaces of B to the
 * context's chain ctx_<hash>, a jump per policy in order.  So an interface
 * that joins a zone is an element add, and a policy that changes is its
 * own chain refilled.
 */
static void
policy_context(
    struct conf *c, struct nftm *m, const struct cnode *p, struct verrs *errs)
{
	char zf[64], zt[64];
	const char *sep = strchr(p->val, CONF_KEY_SEP);
	const struct cnode *from, *to;
	struct sb f, tomap, ctx, chain, rules, key;
	char dev[64];

	snprintf(zf, sizeof(zf), "%.*s", (int)(sep ? sep - p->val : 0), p->val);
	snprintf(zt, sizeof(zt), "%s", sep ? sep + 1 : "");
	sb_init(&f);
	sb_init(&tomap);
	sb_init(&ctx);
	sb_init(&chain);
	sb_init(&rules);
	sb_init(&key);
	nftm_name("ctx_", p->val, &ctx);
	nftm_chain(m, sb_str(&ctx), NULL);
	for (const struct cnode *q = p->first; q; q = q->next)
		if (strcmp(q->sn->name, "policy") == 0 &&
		    !cnode_is_inactive(q)) {
			policy_chain(c, m, p->val, q, &chain, errs);
			sb_printf(&rules, "jump %s\n", sb_str(&chain));
		}
	nftm_rules(m, sb_str(&ctx), sb_str(&rules));
	from = policy_zone(c, zf);
	to = policy_zone(c, zt);
	if (from == NULL || to == NULL)
		goto done;
	nftm_name("f_", zf, &f);
	nftm_name("to_", zf, &tomap);
	if (nftm_chain(m, sb_str(&f), NULL)) {
		nftm_set(m, sb_str(&tomap), "type ifname : verdict", false);
		sb_reset(&rules);
		sb_printf(&rules, "oifname vmap @%s\n", sb_str(&tomap));
		nftm_rules(m, sb_str(&f), sb_str(&rules));
		sb_reset(&rules);
		sb_printf(&rules, "jump %s", sb_str(&f));
		for (const struct cnode *x = from->first; x; x = x->next) {
			if (strcmp(x->sn->name, "interfaces") != 0 ||
			    cnode_is_inactive(x) ||
			    iface_linux_name(x->val, dev, sizeof(dev)) == -1)
				continue;
			sb_reset(&key);
			sb_printf(&key, "\"%s\"", dev);
			nftm_elem(m, "fwd_from", sb_str(&key), sb_str(&rules));
		}
	}
	sb_reset(&rules);
	sb_printf(&rules, "jump %s", sb_str(&ctx));
	for (const struct cnode *x = to->first; x; x = x->next) {
		if (strcmp(x->sn->name, "interfaces") != 0 ||
		    cnode_is_inactive(x) ||
		    iface_linux_name(x->val, dev, sizeof(dev)) == -1)
			continue;
		sb_reset(&key);
		sb_printf(&key, "\"%s\"", dev);
		nftm_elem(m, sb_str(&tomap), sb_str(&key), sb_str(&rules));
	}
done:
	sb_free(&f);
	sb_free(&tomap);
	sb_free(&ctx);
	sb_free(&chain);
	sb_free(&rules);
	sb_free(&key);
}

/* Whether zone names unit among its interfaces in effect. */
static bool
policy_zone_has(struct conf *c, const struct cnode *zone, const char *unit)
{
	for (size_t k = 0; k < zone->sn->nchild; k++)
		if (strcmp(zone->sn->child[k]->name, "interfaces") == 0) {
			const struct cnode *f =
			    conf_find(c, zone, zone->sn->child[k], unit);
			return f != NULL && !cnode_is_inactive(f);
		}
	return false;
}

/*
 * What policy_context gives the device of unit (nftables key `key`), put
 * in patch p as its next value (zones_patch): in fwd_from the jump to
 * f_<A> of the first context whose from-zone A names it, and in each map
 * to_<A> the jump to the first context from A whose to-zone names it.
 */
void
policy_patch_dev(
    struct conf *c, const char *unit, const char *key, struct nftm *p)
{
	const struct cnode *pol = host_path(conf_root(c), "security policies");
	json_t *to = json_object();
	struct sb name, val;
	bool fwd = false;
	const char *k;
	json_t *v;

	sb_init(&name);
	sb_init(&val);
	for (const struct cnode *q = pol ? pol->first : NULL; q; q = q->next) {
		if (strcmp(q->sn->name, "policy") != 0 || cnode_is_inactive(q))
			continue;
		char zf[64], zt[64];
		const char *sep = strchr(q->val, CONF_KEY_SEP);
		snprintf(zf, sizeof(zf), "%.*s", (int)(sep ? sep - q->val : 0),
		    q->val);
		snprintf(zt, sizeof(zt), "%s", sep ? sep + 1 : "");
		const struct cnode *from = policy_zone(c, zf);
		const struct cnode *tz = policy_zone(c, zt);
		if (from == NULL || tz == NULL)
			continue;
		if (!fwd && policy_zone_has(c, from, unit)) {
			fwd = true;
			nftm_name("f_", zf, &name);
			sb_reset(&val);
			sb_printf(&val, "jump %s", sb_str(&name));
			nftm_patch_elem(p, "fwd_from", key, sb_str(&val));
		}
		nftm_name("to_", zf, &name);
		if (json_is_string(json_object_get(to, sb_str(&name))))
			continue;
		if (policy_zone_has(c, tz, unit)) {
			struct sb ctx;
			sb_init(&ctx);
			nftm_name("ctx_", q->val, &ctx);
			sb_reset(&val);
			sb_printf(&val, "jump %s", sb_str(&ctx));
			sb_free(&ctx);
			json_object_set_new(
			    to, sb_str(&name), json_string(sb_str(&val)));
		} else {
			json_object_set_new(to, sb_str(&name), json_null());
		}
	}
	if (!fwd)
		nftm_patch_elem(p, "fwd_from", key, NULL);
	json_object_foreach(to, k, v)
	    nftm_patch_elem(p, k, key, json_string_value(v));
	json_decref(to);
	sb_free(&name);
	sb_free(&val);
}

/*
 * A global policy: a rule per pair of its from-zone and to-zone (a zone
 * as its set zif_<hash>; any: no match) jumping to the policy's chain.
 */
static void
policy_global(struct conf *c, struct nftm *m, const struct cnode *q,
    struct sb *out, struct verrs *errs)
{
	const struct cnode *match = cnode_child(q, "match");
	struct sb side[2], chain, zn;
	static const char *const dirs[2][2] = { { "from-zone", "iifname" },
		{ "to-zone", "oifname" } };

	sb_init(&chain);
	sb_init(&zn);
	/* policy_vpn.c marks before routing per zone context only */
	if (policy_tunnel_vpn(q) != NULL)
		policy_error(errs, host_path(q, "then permit"), "tunnel",
		    "A global policy cannot tunnel to a policy-based VPN"
		    " here: put it in a from-zone/to-zone context");
	policy_chain(c, m, "", q, &chain, errs);
	for (int d = 0; d < 2; d++) {
		bool any = true;
		sb_init(&side[d]);
		for (const struct cnode *z = match ? match->first : NULL; z;
		     z = z->next) {
			if (strcmp(z->sn->name, dirs[d][0]) != 0 ||
			    cnode_is_inactive(z))
				continue;
			if (strcmp(z->val, "any") == 0) {
				any = true;
				break;
			}
			any = false;
			nftm_name("zif_", z->val, &zn);
			/* a zone that is not there matches nothing */
			if (nftm_has_set(m, sb_str(&zn)))
				sb_printf(&side[d], "%s @%s \n", dirs[d][1],
				    sb_str(&zn));
		}
		if (any) {
			sb_reset(&side[d]);
			sb_putc(&side[d], '\n');
		}
	}
	for (const char *s = sb_str(&side[0]), *se; (se = strchr(s, '\n'));
	     s = se + 1)
		for (const char *d = sb_str(&side[1]), *de;
		     (de = strchr(d, '\n')); d = de + 1)
			sb_printf(out, "%.*s%.*sjump %s\n", (int)(se - s), s,
			    (int)(de - d), d, sb_str(&chain));
	sb_free(&side[0]);
	sb_free(&side[1]);
	sb_free(&chain);
	sb_free(&zn);
}

void
policy_model(struct conf *c, struct nftm *m, struct verrs *errs)
{
	const struct cnode *pol = host_path(conf_root(c), "security policies");
	const struct cnode *dp = cnode_child(pol, "default-policy");
	const struct cnode *g = cnode_child(pol, "global");
	struct sb rules;

	sb_init(&rules);
	nftm_set(m, "fwd_from", "type ifname : verdict", false);
	for (const struct cnode *p = pol ? pol->first : NULL; p; p = p->next)
		if (strcmp(p->sn->name, "policy") == 0 && !cnode_is_inactive(p))
			policy_context(c, m, p, errs);
	nftm_chain(m, "global", NULL);
	for (const struct cnode *q = g ? g->first : NULL; q; q = q->next)
		if (strcmp(q->sn->name, "policy") == 0 && !cnode_is_inactive(q))
			policy_global(c, m, q, &rules, errs);
	nftm_rules(m, "global", sb_str(&rules));
	nftm_counter(m, "default_policy");
	sb_reset(&rules);
	sb_puts(&rules,
	    "ct state established,related accept\n"
	    "ct state invalid drop\n");
	/* policy_vpn.c: into and out of the policy-based VPNs' device */
	if (policy_vpn_model(c, m))
		policy_vpn_forward(
		    cnode_child(dp, "permit-all") ? "accept" : "drop", &rules);
	sb_printf(&rules,
	    "iifname != @zoned drop\n"
	    "oifname != @zoned drop\n"
	    "iifname vmap @fwd_from\n"
	    "jump global\n"
	    "counter name \"default_policy\" %s\n",
	    cnode_child(dp, "permit-all") ? "accept" : "drop");
	nftm_rules(m, "forward", sb_str(&rules));
	sb_free(&rules);
}

/* ---- nftables ---------------------------------------------------- */

/*
 * Runs text (nftm_text or nftm_delta) as one transaction.  Check runs the
 * very same transaction as a dry run (the kernel validates it and throws
 * it away), so a ruleset that passed check is the one apply loads.
 */
int
policy_load(struct hostd *h, const char *text, bool dry_run, struct sb *err)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	int rc = -1;

	if (nft == NULL) {
		sb_puts(err, "cannot use libnftables");
		return -1;
	}
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	nft_ctx_set_dry_run(nft, dry_run);
	if (nft_run_cmd_from_buffer(nft, text) == 0)
		rc = 0;
	else
		sb_printf(err, "nftables refused the ruleset: %s",
		    nft_ctx_get_error_buffer(nft));
	nft_ctx_free(nft);
	return rc;
}

/* name -> [packets, bytes] of every counter of the appliance's table. */
json_t *
policy_counters(struct hostd *h)
{
	struct nft_ctx *nft;
	json_t *out = json_object(), *doc, *arr, *e;
	struct sb cmd;
	size_t i;

	if (!h->active || (nft = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL)
		return out;
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_JSON);
	sb_init(&cmd);
	sb_printf(&cmd, "list counters table inet %s", h->table);
	if (nft_run_cmd_from_buffer(nft, sb_str(&cmd)) == 0 &&
	    (doc = json_loads(nft_ctx_get_output_buffer(nft), 0, NULL)) !=
		NULL) {
		arr = json_object_get(doc, "nftables");
		json_array_foreach(arr, i, e)
		{
			json_t *cn = json_object_get(e, "counter");
			if (cn != NULL)
				json_object_set_new(out,
				    json_string_value(
					json_object_get(cn, "name")),
				    json_pack("[O, O]",
					json_object_get(cn, "packets"),
					json_object_get(cn, "bytes")));
		}
		json_decref(doc);
	}
	nft_ctx_free(nft);
	sb_free(&cmd);
	return out;
}

static json_int_t
policy_hits(const json_t *counters, const char *name)
{
	return json_integer_value(
	    json_array_get(json_object_get(counters, name), 0));
}

/* ---- show security policies -------------------------------------- */

static json_t *
policy_list(const struct cnode *p, const char *leaf)
{
	json_t *a = json_array();

	for (const struct cnode *x = p ? p->first : NULL; x; x = x->next)
		if (strcmp(x->sn->name, leaf) == 0 && !cnode_is_inactive(x))
			json_array_append_new(a, json_string(x->val));
	if (json_array_size(a) == 0 && strstr(leaf, "zone") == NULL)
		json_array_append_new(a, json_string("any"));
	return a;
}

static json_t *
policy_data(struct conf *c, const char *ctx, const struct cnode *q, int index,
    int seq, json_t *counters)
{
	const struct cnode *m = cnode_child(q, "match");
	struct sb cnb;

	sb_init(&cnb);
	policy_counter_name(ctx, q->val, &cnb);
	const char *cn = sb_str(&cnb);
	json_t *d = json_pack("{s:s, s:i, s:i, s:o, s:o, s:o, s:s, s:I}",
	    "name", q->val, "index", index, "sequence", seq, "source-addresses",
	    policy_list(m, "source-address"), "destination-addresses",
	    policy_list(m, "destination-address"), "applications",
	    policy_list(m, "application"), "action", policy_action(q), "hits",
	    policy_hits(counters, cn));
	const struct cnode *tun = host_path(q, "then permit tunnel");
	if (policy_tunnel_vpn(q) != NULL) {
		json_object_set_new(
		    d, "tunnel", json_string(policy_tunnel_vpn(q)));
		if (cnode_child_val(tun, "pair-policy") != NULL)
			json_object_set_new(d, "pair-policy",
			    json_string(cnode_child_val(tun, "pair-policy")));
	}
	const struct cnode *log = host_path(q, "then log");
	if (log != NULL) {
		json_object_set_new(d, "log", json_true());
		json_object_set_new(d, "session-init",
		    json_boolean(cnode_child(log, "session-init")));
		json_object_set_new(d, "session-close",
		    json_boolean(cnode_child(log, "session-close")));
	}
	/* resolved address-book entries, for detail */
	json_t *res = json_object();
	for (const struct cnode *a = m ? m->first : NULL; a; a = a->next) {
		struct sb v4, v6, why;
		if ((strcmp(a->sn->name, "source-address") != 0 &&
			strcmp(a->sn->name, "destination-address") != 0) ||
		    strncmp(a->val, "any", 3) == 0)
			continue;
		sb_init(&v4);
		sb_init(&v6);
		sb_init(&why);
		if (policy_addr(c, a->val, 0, &v4, &v6, &why) == 0)
			json_object_set_new(res, a->val,
			    json_sprintf("%s%s%s", sb_str(&v4),
				v4.len && v6.len ? ", " : "", sb_str(&v6)));
		sb_free(&v4);
		sb_free(&v6);
		sb_free(&why);
	}
	json_object_set_new(d, "resolved", res);
	sb_free(&cnb);
	return d;
}

json_t *
policy_show(struct hostd *h, const json_t *input, struct sb *err)
{
	struct conf *c = link_running(h->link);
	const struct cnode *pol = host_path(conf_root(c), "security policies");
	const char *wf = json_string_value(json_object_get(input, "from-zone"));
	const char *wt = json_string_value(json_object_get(input, "to-zone"));
	json_t *counters = policy_counters(h), *ctxs = json_array();
	json_t *glob = json_array();
	int index = POLICY_INDEX_FIRST;

	for (const struct cnode *p = pol ? pol->first : NULL; p; p = p->next) {
		if (strcmp(p->sn->name, "policy") != 0 || cnode_is_inactive(p))
			continue;
		const char *sep = strchr(p->val, CONF_KEY_SEP);
		json_t *ctx = json_pack("{s:s%, s:s, s:[]}", "from-zone",
		    p->val, (size_t)(sep ? sep - p->val : 0), "to-zone",
		    sep ? sep + 1 : "", "policies");
		int seq = 1;
		for (const struct cnode *q = p->first; q; q = q->next)
			if (strcmp(q->sn->name, "policy") == 0 &&
			    !cnode_is_inactive(q))
				json_array_append_new(
				    json_object_get(ctx, "policies"),
				    policy_data(c, p->val, q, index++, seq++,
					counters));
		const char *f =
		    json_string_value(json_object_get(ctx, "from-zone"));
		if ((wf && strcmp(wf, f) != 0) ||
		    (wt &&
			strcmp(wt,
			    json_string_value(
				json_object_get(ctx, "to-zone"))) != 0))
			json_decref(ctx);
		else
			json_array_append_new(ctxs, ctx);
	}
	const struct cnode *g = cnode_child(pol, "global");
	int seq = 1;
	for (const struct cnode *q = g ? g->first : NULL; q; q = q->next) {
		if (strcmp(q->sn->name, "policy") != 0 || cnode_is_inactive(q))
			continue;
		json_t *d = policy_data(c, "", q, index++, seq++, counters);
		const struct cnode *m = cnode_child(q, "match");
		json_object_set_new(
		    d, "from-zones", policy_list(m, "from-zone"));
		json_object_set_new(d, "to-zones", policy_list(m, "to-zone"));
		json_array_append_new(glob, d);
	}
	const struct cnode *dp = cnode_child(pol, "default-policy");
	json_t *out = json_pack("{s:s, s:I, s:o, s:b, s:b}", "default-policy",
	    cnode_child(dp, "permit-all") ? "permit-all" : "deny-all",
	    "default-hits", policy_hits(counters, "default_policy"), "contexts",
	    ctxs, "detail", json_is_true(json_object_get(input, "detail")),
	    "hit-count", json_is_true(json_object_get(input, "hit-count")));
	if (wf == NULL && wt == NULL)
		json_object_set_new(out, "global", glob);
	else
		json_decref(glob);
	json_decref(counters);
	(void)err;
	return out;
}
