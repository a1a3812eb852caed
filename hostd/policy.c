/*
 * policy: `security policies` as the nftables forward chain (the counts,
 * the loading and `show security policies` are policy_show.c's).
 *
 * Transit traffic passes where a policy permits it, as on an SRX: replies
 * of an accepted flow pass (conntrack); a new flow from an interface of
 * zone A to one of zone B goes through the policies `from-zone A to-zone
 * B` in order, then the global policies in order, then the default policy
 * (deny-all unless `default-policy permit-all`).  An interface in no zone
 * forwards nothing.  deny drops; reject answers TCP with a reset and UDP
 * with an ICMP port unreachable, and drops the rest.  Each policy counts
 * the flows it matched on the counters of its rules, tagged p_<hash of
 * from, to, name> in its context's bucket chain (policy_bucket; a global
 * policy: its chain p_<hash>), kept whatever its place and carried over
 * when the chain is refilled, as Junos keeps a policy's count: the hit
 * counts of `show security policies`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/hostd.h"
#include "lib/pvpn.h"

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

/* ---- rules ------------------------------------------------------- */

/*
 * One side (source or destination) of a policy for one family: the
 * addresses any of which selects a packet, written into the rule itself
 * (one address as a plain match, more as an anonymous set, which nft
 * merges where intervals overlap).  So the ruleset holds no named object
 * per address-book entry: the kernel looks named sets up by name in a
 * list, and 40,000 of them cost minutes to load (docs/benchmarks.md).
 */
struct policy_side {
	bool any4, any6; /* matches every address of the family */
	bool excluded;
	struct sb el4, el6; /* "a, b, c": the addresses named */
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

static void
policy_side(struct policy_res *r, const struct cnode *match, const char *leaf,
    enum policy_slot excl, struct policy_side *s, struct verrs *errs)
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
		else if (policy_addr(r, a->val, 0, &s->el4, &s->el6, &why) ==
		    -1) {
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
	s->excluded = policy_res_child(r, excl, match, sb_str(&stmt)) != NULL;
	sb_free(&why);
	sb_free(&stmt);
}

/*
 * The match of one side for one family ("ip saddr { a, b } "; raw: the
 * same as a match of the network header, policy_raw.c), "" for every
 * address, into out; false when nothing can match.  Excluded: the
 * addresses negated ("!="), nothing when the side names any.
 */
static bool
policy_side_match(const struct policy_side *s, bool v6, const char *dir,
    bool raw, struct sb *out)
{
	bool any = v6 ? s->any6 : s->any4;
	const struct sb *el = v6 ? &s->el6 : &s->el4;
	const char *ip = v6 ? "ip6" : "ip";
	bool one = el->len > 0 && strchr(el->buf, ',') == NULL;

	if (s->excluded && any)
		return false;
	if (any || (s->excluded && el->len == 0))
		return true;
	if (el->len == 0)
		return false;
	/* (what policy_raw cannot write, nft writes with its family) */
	if (raw && policy_raw(el->buf, v6, dir[0] == 'd', s->excluded, out))
		return true;
	sb_printf(out, "%s %s %s%s%s%s ", ip, dir, s->excluded ? "!= " : "",
	    one ? "" : "{ ", el->buf, one ? "" : " }");
	return true;
}

static void
policy_verdict(
    const char *pre, const char *counter, const char *action, struct sb *out)
{
	char cnt[96];

	/* a named counter, or the rule's own (policy_chain) */
	if (counter != NULL)
		snprintf(cnt, sizeof(cnt), "counter name \"%s\"", counter);
	else
		snprintf(cnt, sizeof(cnt), "counter");
	/* Junos reject: TCP gets a reset, UDP an ICMP port unreachable, any
	 * other protocol is dropped silently as with deny. */
	/* policy-based VPN: what the policy sends into the tunnel was marked
	 * before routing (policy_pv_*) and never gets here; what gets here is
	 * what came out of the tunnel, or traffic the marking missed, which
	 * must not leave in the clear */
	if (strcmp(action, "tunnel") == 0) {
		sb_printf(out, "\t\t%siifname \"" PVPN_IFNAME "\" %s accept\n",
		    pre, cnt);
		sb_printf(out, "\t\t%sdrop\n", pre);
	} else if (strcmp(action, "reject") == 0) {
		sb_printf(out,
		    "\t\t%smeta l4proto tcp %s reject with tcp reset\n", pre,
		    cnt);
		sb_printf(out,
		    "\t\t%smeta l4proto udp %s reject"
		    " with icmpx type port-unreachable\n",
		    pre, cnt);
		sb_printf(out, "\t\t%s%s drop\n", pre, cnt);
	} else {
		sb_printf(out, "\t\t%s%s %s\n", pre, cnt,
		    strcmp(action, "permit") == 0 ? "accept" : "drop");
	}
}

const char *
policy_res_vpn(struct policy_res *r, const struct cnode *p)
{
	const struct cnode *t = policy_res_child(r, PSLOT_TUNNEL,
	    policy_res_child(r, PSLOT_PERMIT,
		policy_res_child(r, PSLOT_THEN, p, "then"), "permit"),
	    "tunnel");
	const struct cnode *v = policy_res_child(r, PSLOT_VPN, t, "ipsec-vpn");

	return t && !cnode_is_inactive(t) && v ? v->val : NULL;
}

static const char *
policy_res_action(struct policy_res *r, const struct cnode *p)
{
	const struct cnode *then = policy_res_child(r, PSLOT_THEN, p, "then");

	if (policy_res_child(r, PSLOT_PERMIT, then, "permit"))
		return "permit";
	if (policy_res_child(r, PSLOT_REJECT, then, "reject"))
		return "reject";
	return "deny";
}

/* (a resolver of no tree: its slots are all these need) */
const char *
policy_tunnel_vpn(const struct cnode *p)
{
	struct policy_res r = { 0 };

	return policy_res_vpn(&r, p);
}

const char *
policy_action(const struct cnode *p)
{
	struct policy_res r = { 0 };

	return policy_res_action(&r, p);
}

/*
 * A rule per application of a policy after the address matches pre,
 * ending in the policy's verdict action ("tunnel", or policy_action's),
 * or in tail when it is not NULL (policy_pv_*).
 */
static void
policy_emit(const char *action, const char *pre, const char *counter,
    const char *tail, struct sb *out)
{
	if (tail != NULL)
		sb_printf(out, "\t\t%s%s\n", pre, tail);
	else
		policy_verdict(pre, counter, action, out);
}

static void
policy_apps_rules(const char *action, const struct cnode *match,
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
			policy_emit(action, pre, counter, tail, out);
		for (char *r = strtok_r(buf, ";", &save); r;
		     r = strtok_r(NULL, ";", &save)) {
			sb_reset(&m);
			sb_printf(&m, "%s%s ", pre, r);
			policy_emit(action, sb_str(&m), counter, tail, out);
		}
	}
	if (!apps)
		policy_emit(action, pre, counter, tail, out);
	sb_free(&m);
}

/*
 * The rules of one policy ending in its verdict, counted on counter (a
 * named counter) or on the rules' own counters (NULL); tail:
 * policy_apps_rules.  Each rule names its family (`meta nfproto`), and
 * out[0] == out[1]; or, raw, the rules an IPv4 packet may match into
 * out[0] and an IPv6 packet's into out[1] (a rule for any address into
 * both), for a chain that tells the family (policy_bucket_rules).
 */
static void
policy_fam(struct policy_res *r, const struct cnode *p, const char *vpn,
    const char *counter, const char *tail, bool raw, struct sb *out[2],
    struct verrs *errs)
{
	const struct cnode *match =
	    policy_res_child(r, PSLOT_MATCH, p, "match");
	const char *action = vpn ? "tunnel" : policy_res_action(r, p);
	struct policy_side src = { 0 }, dst = { 0 };
	struct sb pre;
	size_t mark = out[0]->len;

	sb_init(&pre);
	sb_init(&src.el4);
	sb_init(&src.el6);
	sb_init(&dst.el4);
	sb_init(&dst.el6);
	policy_side(r, match, "source-address", PSLOT_SRC_EXCL, &src, errs);
	policy_side(
	    r, match, "destination-address", PSLOT_DST_EXCL, &dst, errs);
	bool anyaddr = src.any4 && src.any6 && dst.any4 && dst.any6 &&
	    !src.excluded && !dst.excluded;
	for (int fam = 0; fam < (anyaddr ? 1 : 2); fam++) {
		sb_reset(&pre);
		if (!anyaddr && !raw)
			sb_puts(&pre,
			    fam ? "meta nfproto ipv6 " : "meta nfproto ipv4 ");
		if (!policy_side_match(&src, fam, "saddr", raw, &pre) ||
		    !policy_side_match(&dst, fam, "daddr", raw, &pre))
			continue;
		policy_apps_rules(
		    action, match, sb_str(&pre), counter, tail, errs, out[fam]);
		errs = NULL; /* an unknown application: one error */
	}
	if (anyaddr && out[1] != out[0] && out[0]->len > mark)
		/* rules for any address: the same in either family */
		sb_add(out[1], out[0]->buf + mark, out[0]->len - mark);
	sb_free(&pre);
	sb_free(&src.el4);
	sb_free(&src.el6);
	sb_free(&dst.el4);
	sb_free(&dst.el6);
}

void
policy_one(struct policy_res *r, const struct cnode *p, const char *counter,
    const char *tail, struct sb *out, struct verrs *errs)
{
	struct sb *o[2] = { out, out };

	policy_fam(r, p, policy_res_vpn(r, p), counter, tail, false, o, errs);
}

void
policy_ctx_zones(const char *key, char zf[static POLICY_ZONE_MAX],
    char zt[static POLICY_ZONE_MAX])
{
	const char *sep = strchr(key, CONF_KEY_SEP);

	snprintf(zf, POLICY_ZONE_MAX, "%.*s", (int)(sep ? sep - key : 0), key);
	snprintf(zt, POLICY_ZONE_MAX, "%s", sep ? sep + 1 : "");
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

/*
 * The chain of policy q in context ctx, p_<hash> (policy_counter_name),
 * into chain, and its rules into rules.  Its hits are counted on its
 * verdict rules' own counters, read back by chain (policy_counters), not
 * on a named counter: nft 1.0.6 fetches every named object of the table
 * before it adds a rule or an element, which with a counter per policy
 * cost 400 ms a change at 40,000 policies.  A tunnel policy counts in two
 * chains (policy_vpn.c marks before routing), so it keeps its named
 * counter pol_<hash>; true when q has one.  rules6 not NULL: the rules
 * for a bucket (policy_fam raw), an IPv6 packet's into rules6.
 */
bool
policy_chain_rules(struct policy_res *r, const char *ctx, const struct cnode *q,
    struct sb *chain, struct sb *rules, struct sb *rules6, struct verrs *errs)
{
	struct sb counter;
	const char *vpn = policy_res_vpn(r, q);
	bool named = vpn != NULL;
	struct sb *o[2] = { rules, rules6 ? rules6 : rules };

	sb_init(&counter);
	policy_counter_name(ctx, q->val, &counter);
	sb_reset(chain);
	sb_printf(chain, "p_%s", sb_str(&counter) + 4);
	policy_fam(r, q, vpn, named ? sb_str(&counter) : NULL, NULL,
	    rules6 != NULL, o, errs);
	sb_free(&counter);
	return named;
}

/* Declares the policy's chain (and counter); its name to chain. */
static void
policy_chain(struct policy_res *r, struct nftm *m, const char *ctx,
    const struct cnode *q, struct sb *chain, struct verrs *errs)
{
	struct sb rules, counter;

	sb_init(&rules);
	sb_init(&counter);
	if (policy_chain_rules(r, ctx, q, chain, &rules, NULL, errs)) {
		sb_printf(&counter, "pol_%s", sb_str(chain) + 2);
		nftm_counter(m, sb_str(&counter));
	}
	nftm_chain(m, sb_str(chain), NULL);
	nftm_rules(m, sb_str(chain), sb_str(&rules));
	sb_free(&rules);
	sb_free(&counter);
}

bool
policy_is(const struct cnode *q)
{
	return strcmp(q->sn->name, "policy") == 0 && !cnode_is_inactive(q);
}

bool
policy_in(const struct cnode *q)
{
	return !(q->flags & CN_INACTIVE) && strcmp(q->sn->name, "policy") == 0;
}

/*
 * A context from-zone A to-zone B: the interfaces of A jump to chain
 * f_<A> (map fwd_from), whose map to_<A> sends the interfaces of B to the
 * context's chain ctx_<hash>, a jump per bucket of policies in order.  So
 * an interface that joins a zone is an element add, and a policy that
 * changes is its bucket refilled.
 */
static void
policy_context(struct policy_res *r, struct nftm *m, const struct cnode *p,
    struct verrs *errs)
{
	struct conf *c = r->c;
	char zf[POLICY_ZONE_MAX], zt[POLICY_ZONE_MAX];
	const struct cnode *from, *to;
	struct sb f, tomap, ctx, chain, rules, key;
	const struct cnode *first;
	size_t n;
	char dev[64];

	policy_ctx_zones(p->val, zf, zt);
	sb_init(&f);
	sb_init(&tomap);
	sb_init(&ctx);
	sb_init(&chain);
	sb_init(&rules);
	sb_init(&key);
	nftm_name("ctx_", p->val, &ctx);
	nftm_chain(m, sb_str(&ctx), NULL);
	for (const struct cnode *q = p->first;
	     (q = policy_bucket(p->val, q, &first, &n, &chain)), first;) {
		policy_bucket_model(
		    r, m, p->val, first, n, sb_str(&chain), errs);
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

/*
 * A global policy: a rule per pair of its from-zone and to-zone (a zone
 * as its set zif_<hash>; any: no match) jumping to the policy's chain.
 */
static void
policy_global(struct policy_res *r, struct nftm *m, const struct cnode *q,
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
	policy_chain(r, m, "", q, &chain, errs);
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
	struct policy_res r;
	struct sb rules;

	policy_res_init(&r, c);
	sb_init(&rules);
	nftm_set(m, "fwd_from", "type ifname : verdict", false);
	for (const struct cnode *p = pol ? pol->first : NULL; p; p = p->next)
		if (strcmp(p->sn->name, "policy") == 0 && !cnode_is_inactive(p))
			policy_context(&r, m, p, errs);
	nftm_chain(m, "global", NULL);
	for (const struct cnode *q = g ? g->first : NULL; q; q = q->next)
		if (strcmp(q->sn->name, "policy") == 0 && !cnode_is_inactive(q))
			policy_global(&r, m, q, &rules, errs);
	nftm_rules(m, "global", sb_str(&rules));
	nftm_counter(m, "default_policy");
	sb_reset(&rules);
	sb_puts(&rules,
	    "ct state established,related accept\n"
	    "ct state invalid drop\n");
	/* policy_vpn.c: into and out of the policy-based VPNs' device */
	if (policy_vpn_model(&r, m))
		policy_vpn_forward(
		    cnode_child(dp, "permit-all") ? "accept" : "drop", &rules);
	sb_printf(&rules,
	    "iifname != @zone_in drop\n"
	    "oifname != @zone_in drop\n"
	    "iifname @zone_mgmt drop\n"
	    "oifname @zone_mgmt drop\n"
	    "iifname vmap @fwd_from\n"
	    "jump global\n"
	    "counter name \"default_policy\" %s\n",
	    cnode_child(dp, "permit-all") ? "accept" : "drop");
	nftm_rules(m, "forward", sb_str(&rules));
	sb_free(&rules);
	policy_res_fini(&r);
	policy_uses_model(c, m);
}
