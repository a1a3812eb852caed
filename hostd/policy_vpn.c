/*
 * policy_vpn: policy-based VPNs in the ruleset (lib/pvpn.h has the
 * design and who owns what).  A policy `then permit tunnel ipsec-vpn V`
 * cannot act in the forward chain: the route is chosen before it.  So
 * the policies of every context that holds a tunnel policy are evaluated
 * a second time, for new flows, in a prerouting chain, in the same order
 * and on the same address sets, where the to-zone is the zone of the
 * interface the route lookup gives (`fib daddr oifname`): there a tunnel
 * policy marks the flow (ct mark and the packet's mark PVPN_MARK, and
 * counts its hit), any other policy that matches first ends the walk
 * unmarked.  The flow's later packets take the mark from conntrack.
 * iked's `ip rule fwmark` routes marked packets into PVPN_IFNAME, whose
 * SA the dataplane chooses by the packet's selectors.
 *
 * The forward chain then lets a marked packet into PVPN_IFNAME, and takes
 * what comes out of it (decrypted) as if it arrived on the interface its
 * source is routed through (`fib saddr oifname`, the zone the tunnel's
 * far end lies in): the from-zone's policies decide, where a tunnel
 * policy (the pair-policy) accepts only what came out of the tunnel and
 * a flow from the tunnel is marked so that its replies go back in.
 * The reverse policy of a pair marks too: clear traffic from the far side
 * that claims the tunnel's addresses goes into the device, where no SA's
 * selectors hold it (they are the other way round), and is dropped and
 * counted, as Junos drops it.  Nothing here exists until a policy names
 * a VPN, so other rulesets are unchanged.  Global policies cannot tunnel
 * (policy.c refuses them at commit).
 */
#include <stdio.h>
#include <string.h>

#include "hostd/hostd.h"
#include "lib/pvpn.h"

#define PV_SET "ct mark set " PVPN_MARK_TEXT " meta mark set " PVPN_MARK_TEXT

/* Whether the context (from-zone A to-zone B) has a tunnel policy. */
static bool
pv_context_has_tunnel(struct policy_res *r, const struct cnode *ctx)
{
	for (const struct cnode *q = ctx->first; q; q = q->next)
		if (strcmp(q->sn->name, "policy") == 0 &&
		    !cnode_is_inactive(q) && policy_res_vpn(r, q) != NULL)
			return true;
	return false;
}

/* The interfaces of zone as elements of set, each mapped to val. */
static void
pv_zone_elems(
    struct nftm *m, const struct cnode *zone, const char *set, const char *val)
{
	struct sb key;
	char dev[64];

	sb_init(&key);
	for (const struct cnode *x = zone ? zone->first : NULL; x;
	     x = x->next) {
		if (strcmp(x->sn->name, "interfaces") != 0 ||
		    cnode_is_inactive(x) ||
		    iface_linux_name(x->val, dev, sizeof(dev)) == -1)
			continue;
		sb_reset(&key);
		sb_printf(&key, "\"%s\"", dev);
		nftm_elem(m, set, sb_str(&key), val);
	}
	sb_free(&key);
}

/*
 * One context's policies before routing: chain pvc_<hash>, reached from
 * the from-zone's interfaces (map pv_from -> chain pvf_<zone>) when the
 * route leads to one of the to-zone's (map pvt_<zone>).
 */
static void
pv_context(struct policy_res *r, struct nftm *m, const struct cnode *ctx)
{
	struct conf *c = r->c;
	char zf[POLICY_ZONE_MAX], zt[POLICY_ZONE_MAX];
	struct sb chain, f, tomap, rules, counter, tail, val;

	policy_ctx_zones(ctx->val, zf, zt);
	sb_init(&chain);
	sb_init(&f);
	sb_init(&tomap);
	sb_init(&rules);
	sb_init(&counter);
	sb_init(&tail);
	sb_init(&val);
	nftm_name("pvc_", ctx->val, &chain);
	nftm_chain(m, sb_str(&chain), NULL);
	for (const struct cnode *q = ctx->first; q; q = q->next) {
		if (strcmp(q->sn->name, "policy") != 0 || cnode_is_inactive(q))
			continue;
		sb_reset(&counter);
		sb_reset(&tail);
		policy_counter_name(ctx->val, q->val, &counter);
		if (policy_res_vpn(r, q) != NULL)
			sb_printf(&tail,
			    "counter name \"%s\" " PV_SET " accept",
			    sb_str(&counter));
		else
			sb_puts(&tail, "return"); /* it matched first */
		policy_one(r, q, sb_str(&counter), sb_str(&tail), &rules, NULL);
	}
	nftm_rules(m, sb_str(&chain), sb_str(&rules));
	nftm_name("pvf_", zf, &f);
	nftm_name("pvt_", zf, &tomap);
	if (nftm_chain(m, sb_str(&f), NULL)) {
		/* fib's oifname is a string, not an ifname */
		nftm_set(m, sb_str(&tomap),
		    "typeof fib daddr oifname : verdict", false);
		sb_reset(&rules);
		sb_printf(
		    &rules, "fib daddr oifname vmap @%s\n", sb_str(&tomap));
		nftm_rules(m, sb_str(&f), sb_str(&rules));
		sb_printf(&val, "jump %s", sb_str(&f));
		pv_zone_elems(m, policy_zone(c, zf), "pv_from", sb_str(&val));
	}
	sb_reset(&val);
	sb_printf(&val, "jump %s", sb_str(&chain));
	pv_zone_elems(m, policy_zone(c, zt), sb_str(&tomap), sb_str(&val));
	sb_free(&chain);
	sb_free(&f);
	sb_free(&tomap);
	sb_free(&rules);
	sb_free(&counter);
	sb_free(&tail);
	sb_free(&val);
}

/*
 * Out of the tunnel: the map pv_in sends the interface the source is
 * routed through to its zone's forward chain f_<zone> (policy.c's), as
 * fwd_from does with the interface a packet came in on.
 */
static void
pv_in(struct conf *c, struct nftm *m, const struct cnode *pol)
{
	struct sb f, val;
	char zf[64];

	sb_init(&f);
	sb_init(&val);
	nftm_set(m, "pv_in", "typeof fib saddr oifname : verdict", false);
	for (const struct cnode *p = pol->first; p; p = p->next) {
		const char *sep = strchr(p->val ? p->val : "", CONF_KEY_SEP);
		const struct cnode *from;
		if (strcmp(p->sn->name, "policy") != 0 ||
		    cnode_is_inactive(p) || sep == NULL)
			continue;
		snprintf(zf, sizeof(zf), "%.*s", (int)(sep - p->val), p->val);
		/* policy.c made f_<zone> when both zones exist */
		if ((from = policy_zone(c, zf)) == NULL ||
		    policy_zone(c, sep + 1) == NULL)
			continue;
		nftm_name("f_", zf, &f);
		sb_reset(&val);
		sb_printf(&val, "jump %s", sb_str(&f));
		pv_zone_elems(m, from, "pv_in", sb_str(&val));
	}
	sb_free(&f);
	sb_free(&val);
}

bool
policy_vpn_model(struct policy_res *r, struct nftm *m)
{
	struct conf *c = r->c;
	const struct cnode *pol = host_path(conf_root(c), "security policies");
	bool any = false;

	for (const struct cnode *p = pol ? pol->first : NULL; p; p = p->next) {
		if (strcmp(p->sn->name, "policy") != 0 ||
		    cnode_is_inactive(p) || !pv_context_has_tunnel(r, p))
			continue;
		if (!any) {
			nftm_chain(m, "pv_pre",
			    "type filter hook prerouting priority mangle;"
			    " policy accept;");
			nftm_set(m, "pv_from", "type ifname : verdict", false);
			/* out of the tunnel: the replies go back in; a marked
			 * flow's packets: the mark again; a new flow: the
			 * policies */
			nftm_rules(m, "pv_pre",
			    "iifname \"" PVPN_IFNAME "\" ct state new ct mark"
			    " set " PVPN_MARK_TEXT " return\n"
			    "iifname \"" PVPN_IFNAME "\" return\n"
			    "ct mark " PVPN_MARK_TEXT
			    " meta mark set " PVPN_MARK_TEXT " return\n"
			    "fib daddr type local return\n"
			    "ct state new iifname vmap @pv_from\n");
		}
		any = true;
		pv_context(r, m, p);
	}
	if (any)
		pv_in(c, m, pol);
	return any;
}

void
policy_vpn_forward(const char *dflt, struct sb *rules)
{
	sb_puts(rules,
	    "oifname \"" PVPN_IFNAME "\" meta mark " PVPN_MARK_TEXT " accept\n"
	    "iifname \"" PVPN_IFNAME "\" fib saddr oifname vmap @pv_in\n"
	    "iifname \"" PVPN_IFNAME "\" jump global\n");
	sb_printf(rules,
	    "iifname \"" PVPN_IFNAME "\" counter name \"default_policy\""
	    " %s\n",
	    dflt);
}
