/*
 * conf_pol: policy-based VPNs.  On Junos a VPN without `bind-interface`
 * has no st0: the security policy that sends traffic to it (`then permit
 * tunnel ipsec-vpn V [pair-policy P2]`) names it, and the VPN's proxy IDs
 * are that policy's addresses (RFC 4301 4.4.1: the SPD entry's selectors
 * become the SA's).  This file finds, for each VPN, the policies that
 * name it, and turns the outbound one's source and destination addresses
 * (address book entries resolved, address-sets flattened, `any` as
 * 0.0.0.0/0) into the eng_vpn's local and remote traffic selectors.
 *
 * Which of the policies is outbound: the one whose to-zone holds the
 * gateway's external-interface (the tunnel leaves there); failing that,
 * the first in the configuration.  Its pair-policy (the reverse
 * direction) shares the SA.  iked negotiates one Child SA per VPN, so a
 * VPN named by two policies that are not a pair is refused (give the
 * second policy a VPN of its own).
 *
 * Refused at commit, in Junos's terms: a policy naming a VPN that has
 * `bind-interface` (route-based), a VPN with neither `bind-interface`
 * nor a policy naming it, a pair-policy that is no policy of the reverse
 * direction tunnelling to the same VPN.  A policy naming a VPN that does not
 * exist is validate.c's (the qc:ref of `ipsec-vpn`).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iked/conf.h"

#define POL_SET_DEPTH 8 /* nesting of address-sets */

/* Walks p's `then permit tunnel` node, or NULL. */
static const struct cnode *
pol_tunnel(const struct cnode *p)
{
	const struct cnode *t = cnode_child(p, "then");

	t = cnode_child(t, "permit");
	t = cnode_child(t, "tunnel");
	return t != NULL && !cnode_is_inactive(t) ? t : NULL;
}

static int
pol_cmp(const void *a, const void *b)
{
	const struct iconf_pol *x = a, *y = b;
	int c = strcmp(x->vpn, y->vpn);

	return c != 0 ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

void
iconf_pol_index(struct iconf_ctx *x)
{
	const struct cnode *sec = cnode_child(conf_root(x->c), "security");
	const struct cnode *pols = cnode_child(sec, "policies");
	size_t cap = 0;

	x->pols = NULL;
	x->npols = 0;
	for (const struct cnode *ctx = pols ? pols->first : NULL; ctx;
	     ctx = ctx->next) {
		if (strcmp(ctx->sn->name, "policy") != 0 ||
		    cnode_is_inactive(ctx))
			continue;
		for (const struct cnode *p = ctx->first; p; p = p->next) {
			if (strcmp(p->sn->name, "policy") != 0 ||
			    cnode_is_inactive(p))
				continue;
			const struct cnode *t = pol_tunnel(p);
			const char *v = cnode_child_val(t, "ipsec-vpn");
			if (v == NULL)
				continue;
			if (x->npols == cap) {
				cap = cap ? 2 * cap : 16;
				x->pols =
				    xrealloc(x->pols, cap * sizeof(*x->pols));
			}
			x->pols[x->npols] =
			    (struct iconf_pol){ v, x->npols, ctx, p, t };
			x->npols++;
		}
	}
	if (x->npols > 1)
		qsort(x->pols, x->npols, sizeof(*x->pols), pol_cmp);
}

void
iconf_pol_index_free(struct iconf_ctx *x)
{
	free(x->pols);
	x->pols = NULL;
	x->npols = 0;
}

size_t
iconf_pol_find(
    struct iconf_ctx *x, const char *vpn, struct iconf_pol *out, size_t max)
{
	size_t lo = 0, hi = x->npols, n = 0;

	while (lo < hi) { /* the first entry naming vpn or after it */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(x->pols[mid].vpn, vpn) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < x->npols && strcmp(x->pols[lo].vpn, vpn) == 0; lo++) {
		if (n < max)
			out[n] = x->pols[lo];
		n++;
	}
	return n;
}

/* Whether zone (a `security-zone`) holds interface ifname (or its IFD). */
static bool
pol_zone_has(struct iconf_ctx *x, const char *zone, const char *ifname)
{
	const struct cnode *zs =
	    cnode_child(cnode_child(conf_root(x->c), "security"), "zones");
	const struct cnode *z = iconf_entry(x, zs, "security-zone", zone);
	size_t n = strcspn(ifname, ".");

	for (const struct cnode *i = z ? z->first : NULL; i; i = i->next)
		if (strcmp(i->sn->name, "interfaces") == 0 &&
		    !cnode_is_inactive(i) &&
		    (strcmp(i->val, ifname) == 0 ||
			(strncmp(i->val, ifname, n) == 0 &&
			    (i->val[n] == '\0' || i->val[n] == '.'))))
			return true;
	return false;
}

/* The to-zone of a context "from<US>to". */
static const char *
pol_to_zone(const struct cnode *ctx)
{
	const char *sep = strchr(ctx->val, CONF_KEY_SEP);

	return sep ? sep + 1 : "";
}

/* One address-book entry as a selector range; 0 / -1 (why set). */
static int
pol_prefix(const char *s, struct eng_ts *ts)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	unsigned long len;
	uint8_t *a, *b;
	size_t bytes;

	memset(ts, 0, sizeof(*ts));
	ts->eport = 65535;
	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%.*s", (int)(slash ? slash - s : 63), s);
	if (inet_pton(AF_INET, buf, &ts->start.u.v4) == 1) {
		ts->start.family = AF_INET;
		bytes = 4;
	} else if (inet_pton(AF_INET6, buf, &ts->start.u.v6) == 1) {
		ts->start.family = AF_INET6;
		bytes = 16;
	} else {
		return -1;
	}
	len = slash ? strtoul(slash + 1, NULL, 10) : bytes * 8;
	if (len > bytes * 8)
		return -1;
	ts->end = ts->start;
	a = (uint8_t *)&ts->start.u;
	b = (uint8_t *)&ts->end.u;
	for (size_t i = 0; i < bytes; i++) {
		size_t lo = i * 8;
		uint8_t mask = len >= lo + 8 ? 0xff
		    : len <= lo		     ? 0
				: (uint8_t)(0xff << (8 - (len - lo)));
		a[i] &= mask;
		b[i] = (uint8_t)(a[i] | (uint8_t)~mask);
	}
	return 0;
}

struct pol_side {
	struct eng_ts *ts;
	size_t *n;
	char why[160];
};

static int
pol_add(struct pol_side *s, const struct eng_ts *t)
{
	if (*s->n == ENG_TS_MAX) {
		snprintf(s->why, sizeof(s->why),
		    "At most %d addresses per side of a tunnel policy are"
		    " supported",
		    ENG_TS_MAX);
		return -1;
	}
	s->ts[(*s->n)++] = *t;
	return 0;
}

/* The address-book entry name (address or address-set) into s. */
static int
pol_book(struct iconf_ctx *x, const char *name, int depth, struct pol_side *s)
{
	const struct cnode *sec = cnode_child(conf_root(x->c), "security");
	const struct cnode *a = NULL, *set = NULL, *v;
	struct eng_ts t;

	for (const struct cnode *b = sec ? sec->first : NULL;
	     b && a == NULL && set == NULL; b = b->next) {
		if (strcmp(b->sn->name, "address-book") != 0 ||
		    cnode_is_inactive(b))
			continue;
		a = iconf_entry(x, b, "address", name);
		set = a ? NULL : iconf_entry(x, b, "address-set", name);
	}
	if (a != NULL) {
		if ((v = cnode_child(a, "ip-prefix")) != NULL) {
			if (pol_prefix(v->val, &t) == -1)
				goto bad;
			return pol_add(s, &t);
		}
		if ((v = cnode_child(a, "range-address")) != NULL) {
			const struct cnode *hi =
			    cnode_child(cnode_child(v, "to"), "range-high");
			struct eng_ts h;
			if (pol_prefix(v->val, &t) == -1 ||
			    pol_prefix(hi ? hi->val : v->val, &h) == -1)
				goto bad;
			t.end = h.end;
			return pol_add(s, &t);
		}
	bad:
		snprintf(s->why, sizeof(s->why),
		    "address %s: only ip-prefix and range-address addresses"
		    " can be a tunnel's proxy ID",
		    name);
		return -1;
	}
	if (set == NULL || depth >= POL_SET_DEPTH) {
		snprintf(s->why, sizeof(s->why),
		    set ? "address-set %s nests too deeply"
			: "address %s is not defined in the address book",
		    name);
		return -1;
	}
	for (v = set->first; v; v = v->next)
		if ((strcmp(v->sn->name, "address") == 0 ||
			strcmp(v->sn->name, "address-set") == 0) &&
		    !cnode_is_inactive(v) &&
		    pol_book(x, v->val, depth + 1, s) == -1)
			return -1;
	return 0;
}

/* The match's leaf (source-address / destination-address) into ts. */
static int
pol_side(struct iconf_ctx *x, const struct cnode *p, const char *leaf,
    struct eng_ts *ts, size_t *n)
{
	const struct cnode *m = cnode_child(p, "match");
	struct pol_side s = { ts, n, "" };
	struct eng_ts any;
	bool named = false;

	*n = 0;
	for (const struct cnode *a = m ? m->first : NULL; a; a = a->next) {
		if (strcmp(a->sn->name, leaf) != 0 || cnode_is_inactive(a))
			continue;
		named = true;
		int rc = 0;
		if (strcmp(a->val, "any") == 0 ||
		    strcmp(a->val, "any-ipv4") == 0) {
			pol_prefix("0.0.0.0/0", &any);
			rc = pol_add(&s, &any);
		} else if (strcmp(a->val, "any-ipv6") == 0) {
			pol_prefix("::/0", &any);
			rc = pol_add(&s, &any);
		} else {
			rc = pol_book(x, a->val, 0, &s);
		}
		if (rc == -1) {
			char st[128];
			snprintf(st, sizeof(st), "%s %s", leaf, a->val);
			iconf_err(x, m, st, "%s", s.why);
			return -1;
		}
	}
	if (!named) { /* no match statement: any */
		pol_prefix("0.0.0.0/0", &any);
		pol_add(&s, &any);
	}
	return 0;
}

/* Whether context a is context b the other way round (A->B, B->A). */
static bool
pol_reverse(const struct cnode *a, const struct cnode *b)
{
	const char *sa = strchr(a->val, CONF_KEY_SEP);
	const char *sb = strchr(b->val, CONF_KEY_SEP);
	size_t fa, fb;

	if (sa == NULL || sb == NULL)
		return false;
	fa = (size_t)(sa - a->val); /* the from-zones */
	fb = (size_t)(sb - b->val);
	return strlen(sb + 1) == fa && strncmp(sb + 1, a->val, fa) == 0 &&
	    strlen(sa + 1) == fb && strncmp(sa + 1, b->val, fb) == 0;
}

/*
 * A pair-policy names a policy of the reverse context that tunnels to
 * the same VPN (Junos pairs the two directions of one SA).
 */
static int
pol_pair_check(
    struct iconf_ctx *x, const char *vpn, const struct iconf_pol *pol, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *pp = cnode_child_val(pol[i].tunnel, "pair-policy");
		bool found = false;
		if (pp == NULL)
			continue;
		for (size_t j = 0; j < n && !found; j++)
			found = j != i && strcmp(pol[j].policy->val, pp) == 0 &&
			    pol_reverse(pol[i].ctx, pol[j].ctx);
		if (!found) {
			char st[96];
			snprintf(st, sizeof(st), "pair-policy %s", pp);
			iconf_err(x, pol[i].tunnel, st,
			    "No policy %s of the reverse direction tunnels"
			    " to VPN %s",
			    pp, vpn);
			return -1;
		}
	}
	return 0;
}

/*
 * Whether policies a and b (of one VPN) are a pair: one names the other
 * as its pair-policy, and they stand in reverse contexts.
 */
static bool
pol_paired(const struct iconf_pol *a, const struct iconf_pol *b)
{
	const char *pa = cnode_child_val(a->tunnel, "pair-policy");
	const char *pb = cnode_child_val(b->tunnel, "pair-policy");

	return (pa != NULL && strcmp(pa, b->policy->val) == 0) ||
	    (pb != NULL && strcmp(pb, a->policy->val) == 0);
}

int
iconf_pol_vpn(struct iconf_ctx *x, const struct cnode *vn, struct eng_vpn *v)
{
	struct iconf_pol pol[ICONF_POL_MAX];
	size_t n = iconf_pol_find(x, vn->val, pol, ICONF_POL_MAX), out = 0;
	const char *ext_if;
	bool own_ts = v->nts_local > 0; /* proxy-identity / traffic-selector */

	if (v->bind_if[0] != '\0') {
		/* route-based: no policy may name it */
		for (size_t i = 0; i < n && i < ICONF_POL_MAX; i++) {
			char st[96];
			snprintf(st, sizeof(st), "ipsec-vpn %s", vn->val);
			iconf_err(x, pol[i].tunnel, st,
			    "VPN %s is route-based (bind-interface %s): a"
			    " policy cannot tunnel to it; route to %s instead",
			    vn->val, v->bind_if, v->bind_if);
		}
		return n == 0 ? 0 : -1;
	}
	if (n == 0) {
		iconf_err(x, vn, "",
		    "VPN %s has no bind-interface and no security policy"
		    " names it (then permit tunnel ipsec-vpn %s): it could"
		    " carry no traffic",
		    vn->val, vn->val);
		return -1;
	}
	/* looked up past the route-based return: 10,000 of those need not */
	ext_if = cnode_child_val(iconf_entry(x, x->ike, "gateway", v->gateway),
	    "external-interface");
	/* the outbound one: its to-zone holds the external interface */
	for (size_t i = 0; i < n && i < ICONF_POL_MAX && ext_if != NULL; i++)
		if (pol_zone_has(x, pol_to_zone(pol[i].ctx), ext_if)) {
			out = i;
			break;
		}
	for (size_t i = 0; i < n && i < ICONF_POL_MAX; i++)
		if (i != out && !pol_paired(&pol[out], &pol[i])) {
			iconf_err(x, pol[i].tunnel, "ipsec-vpn",
			    "VPN %s is named by more than one policy"
			    " (pair-policy aside): iked negotiates one SA per"
			    " VPN; give this policy a VPN of its own",
			    vn->val);
			return -1;
		}
	if (n > ICONF_POL_MAX) {
		iconf_err(x, vn, "", "VPN %s is named by more than %d policies",
		    vn->val, ICONF_POL_MAX);
		return -1;
	}
	if (pol_pair_check(x, vn->val, pol, n) == -1)
		return -1;
	if (own_ts)
		return 0; /* Junos: a configured proxy-identity wins */
	if (n == 1 && ext_if != NULL &&
	    !pol_zone_has(x, pol_to_zone(pol[0].ctx), ext_if)) {
		/* only the inbound policy: its source is the remote side */
		if (pol_side(x, pol[0].policy, "destination-address",
			v->ts_local, &v->nts_local) == -1 ||
		    pol_side(x, pol[0].policy, "source-address", v->ts_remote,
			&v->nts_remote) == -1)
			return -1;
		goto named;
	}
	if (pol_side(x, pol[out].policy, "source-address", v->ts_local,
		&v->nts_local) == -1 ||
	    pol_side(x, pol[out].policy, "destination-address", v->ts_remote,
		&v->nts_remote) == -1)
		return -1;
named:
	return 0;
}
