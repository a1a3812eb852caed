/*
 * conf_delta: a commit checked from the tree's dirty marks, at the cost
 * of what it reaches (conf.h, iconf_delta).
 *
 * The link hands iked the next tree carrying the marks of the change
 * (schema/conf.h: CN_DIRTY on each node edited and on its ancestors,
 * CN_SHAPE where children were removed, moved or re-keyed, and on each
 * node created).  At 10,000 tunnels iconf_new builds 10,000 eng_peer of
 * 1.5 KB and iconf_diff compares them all; here the marks name what a
 * change reaches, and only that is built:
 *
 *   ike / ipsec gateway or vpn entry   that entry
 *   ike proposal                       the ike policies naming it, and
 *                                      the gateways of those policies
 *   ike policy                         the gateways naming it
 *   ipsec proposal / policy            the same for the VPNs
 *   interfaces IFD                     the gateways whose
 *                                      external-interface is on IFD
 *   security policies                  the VPNs the changed policies
 *                                      tunnel to (before and after)
 *   security zones / address-book      the policy-based VPNs (conf_pol.c);
 *                                      route-based ones never read them
 *   a gateway built again              its policy-based VPNs (the zone of
 *                                      its external-interface)
 *   anything iked does not read        nothing (routing-options, ...)
 *
 * A removal leaves no dirty node, only its parent's CN_SHAPE: then the
 * parent's children in prev are looked for in next (one hash look-up
 * each).  The names are collected into sorted sets, so a group change
 * that dirties all 10,000 gateways builds each once, with no walk per
 * entry (conf_delta_apply.c merges them into the running arrays).
 *
 * What still needs the whole rebuild (iconf_new, once per commit: the
 * check keeps it for the apply, iked.c): security pki (ca-profiles), the
 * anti-replay window and the half-open limits (they reach every entry),
 * any other statement under ike or ipsec, a container created, removed
 * or (de)activated, manual VPNs (they number themselves by position), a
 * running configuration with entries that do not run (the VPN of a
 * deactivated gateway comes back with its gateway without being dirty),
 * and a change that would drop a VPN (its gateway deleted).
 */
#include <stdlib.h>
#include <string.h>

#include "iked/conf.h"
#include "iked/conf_delta.h"
#include "lib/log.h"

static void
dset_add(struct delta_set *s, const char *name)
{
	if (name == NULL)
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = name;
}

static int
dset_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, each name once: ready for dset_has. */
void
delta_set_sort(struct delta_set *s)
{
	size_t k = 0;

	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), dset_cmp);
	for (size_t i = 0; i < s->n; i++)
		if (k == 0 || strcmp(s->v[k - 1], s->v[i]) != 0)
			s->v[k++] = s->v[i];
	s->n = k;
}

static bool
dset_has(const struct delta_set *s, const char *name)
{
	return s->n > 0 &&
	    bsearch(&name, s->v, s->n, sizeof(*s->v), dset_cmp) != NULL;
}

void
delta_set_free(struct delta_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* The child of n named name, deactivated or not, or NULL. */
static const struct cnode *
delta_child(struct conf *c, const struct cnode *n, const char *name)
{
	const struct snode *sn;

	if (n == NULL || (sn = snode_child(n->sn, name)) == NULL)
		return NULL;
	return conf_find(c, n, sn, NULL);
}

/*
 * n (in next) and its namesake under pparent in prev are the same
 * container, in effect in both: neither created, removed nor
 * (de)activated.
 */
static bool
delta_same_container(
    struct conf *prev, const struct cnode *pparent, const struct cnode *n)
{
	const struct cnode *t;

	if (pparent == NULL || (n->flags & CN_INACTIVE))
		return false;
	t = conf_find(prev, pparent, n->sn, n->val);
	return t != NULL && !(t->flags & CN_INACTIVE);
}

/* Which set an entry of ike or ipsec goes to; NULL: not an entry. */
static struct delta_set *
delta_entry_set(struct delta_walk *w, const struct cnode *n, bool ike)
{
	const char *k = n->sn->name;

	if (n->val == NULL)
		return NULL;
	if (strcmp(k, ike ? "gateway" : "vpn") == 0)
		return ike ? &w->gw : &w->vpn;
	if (strcmp(k, "policy") == 0)
		return ike ? &w->ikepol : &w->esppol;
	if (strcmp(k, "proposal") == 0)
		return ike ? &w->ikeprop : &w->espprop;
	return NULL;
}

/*
 * The dirty entries of ike (or ipsec) into their sets, and those that
 * went (n lost children: its children in prev not in next).  -1: a
 * statement other than an entry changed.
 */
static int
delta_walk_entries(struct delta_walk *w, const struct cnode *n,
    const struct cnode *pn, bool ike)
{
	struct delta_set *s;

	/* The dirty ones only, from their list: not 57,000 flags. */
	for (const struct cnode *c = cnode_dirty_next(n, NULL); c;
	     c = cnode_dirty_next(n, c)) {
		if ((s = delta_entry_set(w, c, ike)) == NULL)
			return -1;
		dset_add(s, c->val);
	}
	if (!(n->flags & CN_SHAPE))
		return 0;
	for (const struct cnode *c = pn->first; c; c = c->next) {
		if (conf_find(w->next, n, c->sn, c->val) != NULL)
			continue;
		if ((s = delta_entry_set(w, c, ike)) == NULL)
			return -1; /* a statement removed */
		dset_add(s, c->val);
	}
	return 0;
}

/* The VPN a security policy tunnels to (in effect or not), or NULL. */
static const char *
delta_tunnel_vpn(struct conf *c, const struct cnode *p)
{
	const struct cnode *t = delta_child(c, p, "then");

	t = delta_child(c, delta_child(c, t, "permit"), "tunnel");
	t = delta_child(c, t, "ipsec-vpn");
	return t != NULL ? t->val : NULL;
}

/* The VPNs of every policy of context ctx (a tree's) into the set. */
static void
delta_ctx_vpns(struct delta_walk *w, struct conf *c, const struct cnode *ctx)
{
	for (const struct cnode *p = ctx ? ctx->first : NULL; p; p = p->next)
		if (strcmp(p->sn->name, "policy") == 0)
			dset_add(&w->vpn, delta_tunnel_vpn(c, p));
}

/*
 * `security policies`: the VPNs that the changed policies tunnel to,
 * before and after.  A context that lost, moved, gained or (de)activated
 * policies gives all of its policies' VPNs (the order picks the
 * outbound policy, conf_pol.c); other statements there are not iked's.
 */
static void
delta_walk_policies(
    struct delta_walk *w, const struct cnode *pols, const struct cnode *ppols)
{
	bool all = (pols->flags & CN_SHAPE) || ppols == NULL;

	for (const struct cnode *ctx = pols->first; ctx; ctx = ctx->next) {
		if ((!all && !(ctx->flags & CN_DIRTY)) ||
		    strcmp(ctx->sn->name, "policy") != 0)
			continue;
		const struct cnode *pctx =
		    ppols ? conf_find(w->prev, ppols, ctx->sn, ctx->val) : NULL;
		if (all || pctx == NULL || (ctx->flags & CN_SHAPE) ||
		    ((ctx->flags ^ pctx->flags) & CN_INACTIVE)) {
			delta_ctx_vpns(w, w->next, ctx);
			delta_ctx_vpns(w, w->prev, pctx);
			continue;
		}
		for (const struct cnode *p = cnode_dirty_next(ctx, NULL); p;
		     p = cnode_dirty_next(ctx, p)) {
			if (strcmp(p->sn->name, "policy") != 0)
				continue;
			dset_add(&w->vpn, delta_tunnel_vpn(w->next, p));
			dset_add(&w->vpn,
			    delta_tunnel_vpn(w->prev,
				conf_find(w->prev, pctx, p->sn, p->val)));
		}
	}
	/* contexts that went */
	for (const struct cnode *pctx = all && ppols ? ppols->first : NULL;
	     pctx; pctx = pctx->next)
		if (strcmp(pctx->sn->name, "policy") == 0 &&
		    conf_find(w->next, pols, pctx->sn, pctx->val) == NULL)
			delta_ctx_vpns(w, w->prev, pctx);
}

/*
 * A child of security that went (prev's, not in next): -1 when its
 * removal needs the whole rebuild.
 */
static int
delta_sec_gone(struct delta_walk *w, const struct cnode *pc)
{
	const char *k = pc->sn->name;

	if (strcmp(k, "ike") == 0 || strcmp(k, "ipsec") == 0 ||
	    strcmp(k, "pki") == 0 || strcmp(k, "policies") == 0)
		return -1;
	if (strcmp(k, "zones") == 0 || strcmp(k, "address-book") == 0)
		w->zones = true;
	return 0;
}

/* What changed under security; -1: the whole rebuild. */
static int
delta_walk_security(
    struct delta_walk *w, const struct cnode *sec, const struct cnode *psec)
{
	for (const struct cnode *ch = sec->first; ch; ch = ch->next) {
		if (!(ch->flags & CN_DIRTY))
			continue;
		const char *k = ch->sn->name;
		bool ike = strcmp(k, "ike") == 0;
		if (ike || strcmp(k, "ipsec") == 0) {
			if (!delta_same_container(w->prev, psec, ch) ||
			    delta_walk_entries(w, ch,
				conf_find(w->prev, psec, ch->sn, NULL),
				ike) == -1)
				return -1;
		} else if (strcmp(k, "policies") == 0) {
			if (ch->flags & CN_INACTIVE)
				return -1;
			delta_walk_policies(
			    w, ch, conf_find(w->prev, psec, ch->sn, NULL));
		} else if (strcmp(k, "zones") == 0 ||
		    strcmp(k, "address-book") == 0) {
			w->zones = true;
		} else if (strcmp(k, "pki") == 0) {
			return -1;
		} /* else: nat, screen, flow, ...: not read by iked */
	}
	for (const struct cnode *pc = (sec->flags & CN_SHAPE) ? psec->first
							      : NULL;
	     pc; pc = pc->next)
		if (conf_find(w->next, sec, pc->sn, pc->val) == NULL &&
		    delta_sec_gone(w, pc) == -1)
			return -1;
	return 0;
}

/*
 * The interfaces that changed (dirty, or gone: looked for in prev when
 * interfaces lost children) into w->ifd.  -1: something else under
 * interfaces changed.
 */
static int
delta_walk_interfaces(
    struct delta_walk *w, const struct cnode *ifs, const struct cnode *pifs)
{
	for (const struct cnode *c = cnode_dirty_next(ifs, NULL); c;
	     c = cnode_dirty_next(ifs, c)) {
		if (strcmp(c->sn->name, "interface") != 0)
			return -1;
		dset_add(&w->ifd, c->val);
	}
	for (const struct cnode *c = (ifs->flags & CN_SHAPE) ? pifs->first
							     : NULL;
	     c; c = c->next) {
		if (conf_find(w->next, ifs, c->sn, c->val) != NULL)
			continue;
		if (strcmp(c->sn->name, "interface") != 0)
			return -1; /* a statement removed: not ours to judge */
		dset_add(&w->ifd, c->val);
	}
	return 0;
}

/*
 * The policies (of ike or ipsec, node n in next) that name a proposal
 * of props into pols.  One pass over the policies, skipping the other
 * kinds by their slot (the entries of a kind are contiguous).
 */
static void
delta_props_to_pols(const struct cnode *n, const struct delta_set *props,
    struct delta_set *pols)
{
	const struct snode *psn;

	if (n == NULL || props->n == 0 ||
	    (psn = snode_child(n->sn, "policy")) == NULL)
		return;
	for (const struct cnode *c = n->first; c; c = c->next) {
		if (c->sn != psn) {
			if (cnode_last_idx(n, c->sn->idx) != NULL)
				c = cnode_last_idx(n, c->sn->idx);
			continue;
		}
		for (const struct cnode *v = c->first; v; v = v->next)
			if (strcmp(v->sn->name, "proposals") == 0 &&
			    dset_has(props, v->val)) {
				dset_add(pols, c->val);
				break;
			}
	}
}

/* The IFD of an external-interface "IFD.U" changed. */
static bool
delta_ifd_changed(const struct delta_walk *w, const char *ifu)
{
	const char *dot = strrchr(ifu, '.');
	char ifd[ENG_NAME_MAX];

	if (dot == NULL || (size_t)(dot - ifu) >= sizeof(ifd))
		return false;
	memcpy(ifd, ifu, (size_t)(dot - ifu));
	ifd[dot - ifu] = '\0';
	return dset_has(&w->ifd, ifd);
}

/*
 * From what changed to the gateways and VPNs it reaches: proposals to
 * policies, policies and interfaces to the running gateways and VPNs
 * that use them (one pass over the running arrays, each a look-up in a
 * sorted set), gateways and zones to the policy-based VPNs.
 */
static void
delta_reach(struct delta_walk *w)
{
	const struct iconf *run = w->run;

	delta_set_sort(&w->ikeprop);
	delta_set_sort(&w->espprop);
	delta_props_to_pols(w->x.ike, &w->ikeprop, &w->ikepol);
	delta_props_to_pols(w->x.ipsec, &w->espprop, &w->esppol);
	delta_set_sort(&w->ikepol);
	delta_set_sort(&w->esppol);
	delta_set_sort(&w->ifd);
	/* the gateways mostly share an uplink: its answer is kept (an st0
	 * unit added is an interface changed, for each of 10,000 peers) */
	const char *last_if = NULL;
	bool last_changed = false;
	for (size_t i = 0; (w->ikepol.n > 0 || w->ifd.n > 0) && i < run->npeer;
	     i++) {
		const struct eng_peer *p = &run->peer[i];
		if (w->ifd.n > 0 &&
		    (last_if == NULL || strcmp(last_if, p->external_if) != 0)) {
			last_if = p->external_if;
			last_changed = delta_ifd_changed(w, last_if);
		}
		if ((w->ifd.n > 0 && last_changed) ||
		    dset_has(&w->ikepol, p->policy))
			dset_add(&w->gw, p->name);
	}
	delta_set_sort(&w->gw);
	for (size_t i = 0;
	     (w->esppol.n > 0 || w->gw.n > 0 || w->zones) && i < run->nvpn;
	     i++) {
		const struct eng_vpn *v = &run->vpn[i];
		bool pb = v->bind_if[0] == '\0'; /* policy-based */
		if (dset_has(&w->esppol, v->policy) ||
		    (pb && (w->zones || dset_has(&w->gw, v->gateway))))
			dset_add(&w->vpn, v->name);
	}
	delta_set_sort(&w->vpn);
}

static void
delta_walk_free(struct delta_walk *w)
{
	delta_set_free(&w->gw);
	delta_set_free(&w->vpn);
	delta_set_free(&w->ikepol);
	delta_set_free(&w->ikeprop);
	delta_set_free(&w->esppol);
	delta_set_free(&w->espprop);
	delta_set_free(&w->ifd);
}

/* The top of the tree: security and interfaces; -1: the whole rebuild. */
static int
delta_walk_root(struct delta_walk *w)
{
	struct cnode *root = conf_root(w->next), *proot = conf_root(w->prev);

	for (const struct cnode *ch = root->first; ch; ch = ch->next) {
		if (!(ch->flags & CN_DIRTY))
			continue;
		bool sec = strcmp(ch->sn->name, "security") == 0;
		if (!sec && strcmp(ch->sn->name, "interfaces") != 0)
			continue; /* not read by iked */
		if (!delta_same_container(w->prev, proot, ch))
			return -1;
		const struct cnode *pch =
		    conf_find(w->prev, proot, ch->sn, NULL);
		if (sec ? delta_walk_security(w, ch, pch)
			: delta_walk_interfaces(w, ch, pch))
			return -1;
	}
	/* security or interfaces gone whole */
	for (const struct cnode *pc = (root->flags & CN_SHAPE) ? proot->first
							       : NULL;
	     pc; pc = pc->next)
		if ((strcmp(pc->sn->name, "security") == 0 ||
			strcmp(pc->sn->name, "interfaces") == 0) &&
		    conf_find(w->next, root, pc->sn, NULL) == NULL)
			return -1;
	return 0;
}

struct iconf_delta *
iconf_delta_new(const struct iconf *run, struct conf *prev, struct conf *next,
    struct verrs *errs)
{
	struct delta_walk w = { .run = run, .prev = prev, .next = next };
	struct verrs mine = { 0 };
	struct iconf_delta *d = NULL;

	if (run == NULL || run->ndropped > 0 || run->nmanual > 0)
		return NULL;
	iconf_ctx_init(&w.x, next, &mine);
	if (delta_walk_root(&w) == -1)
		goto done;
	delta_reach(&w);
	d = xcalloc(1, sizeof(*d));
	d->next = next;
	if (delta_build(d, &w) == -1) {
		iconf_delta_free(d);
		d = NULL;
		goto done;
	}
	delta_errs_move(errs, &mine);
done:
	verrs_free(&mine);
	delta_walk_free(&w);
	return d;
}
