/*
 * dp_xfrm_sp: one XFRM policy of a Child SA direction as a libnl object:
 * its selector (traffic selectors as address prefixes, one port or any)
 * and its one ESP tunnel template (dp_xfrm.h has which policies an SA
 * gets).
 */
#include <stdbool.h>
#include <string.h>

#include <linux/xfrm.h>
#include <netinet/in.h>

#include <netlink/xfrm/selector.h>
#include <netlink/xfrm/template.h>

#include "iked/dp_xfrm_int.h"

#define DP_XFRM_PRIO 1000

/* A selector's range as a prefix (XFRM selectors are prefixes): 0, -1. */
static int
dp_xfrm_prefix(const struct dp_sel *s, unsigned *plen)
{
	const uint8_t *a = s->start.family == AF_INET
	    ? (const uint8_t *)&s->start.u.v4
	    : s->start.u.v6.s6_addr;
	const uint8_t *b = s->start.family == AF_INET
	    ? (const uint8_t *)&s->end.u.v4
	    : s->end.u.v6.s6_addr;
	size_t n = s->start.family == AF_INET ? 32 : 128;
	bool same = true;

	*plen = 0;
	for (size_t i = 0; i < n; i++) {
		int x = a[i / 8] >> (7 - i % 8) & 1;
		int y = b[i / 8] >> (7 - i % 8) & 1;
		if (same && x == y)
			(*plen)++;
		else if (x != 0 || y != 1)
			return -1;
		else
			same = false;
	}
	return 0;
}

void
dp_xfrm_any(struct dp_sel *s, sa_family_t family)
{
	memset(s, 0, sizeof(*s));
	s->start.family = s->end.family = family;
	if (family == AF_INET)
		s->end.u.v4.s_addr = 0xffffffff;
	else
		memset(&s->end.u.v6, 0xff, 16);
	s->eport = 65535;
}

static int
dp_xfrm_sel(
    struct xfrmnl_sel *x, const struct dp_sel *src, const struct dp_sel *dst)
{
	unsigned ps, pd;
	struct nl_addr *s, *d;
	int rc;

	if (src->start.family != dst->start.family ||
	    dp_xfrm_prefix(src, &ps) == -1 || dp_xfrm_prefix(dst, &pd) == -1)
		return -1;
	s = dp_xfrm_addr(&src->start);
	d = dp_xfrm_addr(&dst->start);
	nl_addr_set_prefixlen(s, (int)ps);
	nl_addr_set_prefixlen(d, (int)pd);
	rc = xfrmnl_sel_set_family(x, src->start.family) |
	    xfrmnl_sel_set_saddr(x, s) | xfrmnl_sel_set_daddr(x, d) |
	    xfrmnl_sel_set_prefixlen_s(x, ps) |
	    xfrmnl_sel_set_prefixlen_d(x, pd) |
	    xfrmnl_sel_set_proto(x, src->ipproto);
	/* one port, or any: XFRM has a port and a mask */
	if (src->sport == src->eport) {
		xfrmnl_sel_set_sport(x, src->sport);
		xfrmnl_sel_set_sportmask(x, 0xffff);
	}
	if (dst->sport == dst->eport) {
		xfrmnl_sel_set_dport(x, dst->sport);
		xfrmnl_sel_set_dportmask(x, 0xffff);
	}
	nl_addr_put(s);
	nl_addr_put(d);
	return rc == 0 ? 0 : -1;
}

struct xfrmnl_sp *
dp_xfrm_sp(const struct dp_sa *sa, const struct dp_sel *src,
    const struct dp_sel *dst, int dir)
{
	struct xfrmnl_sp *sp = xfrmnl_sp_alloc();
	struct xfrmnl_sel *sel = xfrmnl_sel_alloc();
	struct xfrmnl_user_tmpl *t = xfrmnl_user_tmpl_alloc();
	struct xfrmnl_ltime_cfg *l = dp_xfrm_life(0, 0, 0, 0);
	const struct dp_addr *ts = sa->inbound ? &sa->remote : &sa->local;
	const struct dp_addr *td = sa->inbound ? &sa->local : &sa->remote;
	struct nl_addr *s = dp_xfrm_addr(ts), *d = dp_xfrm_addr(td);

	if (sp == NULL || sel == NULL || t == NULL || l == NULL || s == NULL ||
	    d == NULL || dp_xfrm_sel(sel, src, dst) == -1) {
		if (sp)
			xfrmnl_sp_put(sp);
		if (t)
			xfrmnl_user_tmpl_free(t);
		sp = NULL;
		goto done;
	}
	xfrmnl_sp_set_sel(sp, sel);
	xfrmnl_sp_set_lifetime_cfg(sp, l);
	xfrmnl_sp_set_dir(sp, (unsigned)dir);
	xfrmnl_sp_set_action(sp, XFRM_POLICY_ALLOW);
	xfrmnl_sp_set_priority(sp, DP_XFRM_PRIO);
	xfrmnl_user_tmpl_set_family(t, ts->family);
	xfrmnl_user_tmpl_set_saddr(t, s);
	xfrmnl_user_tmpl_set_daddr(t, d);
	xfrmnl_user_tmpl_set_proto(t, IPPROTO_ESP);
	xfrmnl_user_tmpl_set_mode(t, XFRM_MODE_TUNNEL);
	xfrmnl_user_tmpl_set_reqid(t, sa->tunnel_id);
	xfrmnl_user_tmpl_set_aalgos(t, ~0u);
	xfrmnl_user_tmpl_set_ealgos(t, ~0u);
	xfrmnl_user_tmpl_set_calgos(t, ~0u);
	xfrmnl_sp_add_usertemplate(sp, t);
done:
	if (sel)
		xfrmnl_sel_put(sel);
	if (l)
		xfrmnl_ltime_cfg_put(l);
	nl_addr_put(s);
	nl_addr_put(d);
	return sp;
}
