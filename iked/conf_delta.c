/*
 * conf_delta: a commit that touches only `security ike gateway` and
 * `security ipsec vpn` entries, checked and applied at the cost of those
 * entries (conf.h, iconf_delta).
 *
 * The link hands iked the next tree carrying the marks of the change
 * (schema/conf.h: CN_DIRTY on each node edited and on its ancestors,
 * CN_SHAPE where children were removed, moved or re-keyed, and on each
 * node created).  At 10,000 tunnels iconf_new builds 10,000 eng_peer of
 * 1.5 KB, twice per commit (check and apply), and iconf_diff compares them
 * all; here only the dirty entries are built, and removals are looked for
 * (one hash look-up per running name) only when a list lost children.
 *
 * A change under `interfaces` builds again the running gateways whose
 * external-interface is on an interface that changed (their local address
 * may come from it); a new st0 unit per VPN touches none.
 *
 * Anything else dirty needs the whole rebuild, because one statement there
 * reaches many entries: an ike or ipsec policy or proposal, the
 * anti-replay window, security pki (ca-profiles), the half-open limits, a
 * container created, removed or (de)activated.  So do manual VPNs (they
 * number themselves by position) and a running configuration with entries
 * that do not run (the VPN of a deactivated gateway comes back with its
 * gateway without being dirty itself).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "iked/conf.h"
#include "lib/log.h"

/* Where name is in a name-sorted array, or where it goes. */
static size_t
delta_pos(
    const void *base, size_t n, size_t size, const char *name, bool *found)
{
	size_t lo = 0, hi = n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp((const char *)base + mid * size, name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool
delta_has(const void *base, size_t n, size_t size, const char *name)
{
	bool found;

	(void)delta_pos(base, n, size, name, &found);
	return found;
}

static void
delta_name_add(char (**v)[ENG_NAME_MAX], size_t *n, const char *name)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	snprintf((*v)[*n], ENG_NAME_MAX, "%s", name);
	(*n)++;
}

/*
 * n (in next) and its namesake in prev are the same container, in effect
 * in both: neither created, removed nor (de)activated; with shape, it may
 * have lost children (ike and ipsec: entries, found by the walks below).
 */
static bool
delta_same_container(struct conf *prev, const struct cnode *pparent,
    const struct cnode *n, bool shape)
{
	const struct cnode *t;

	if (pparent == NULL || (n->flags & CN_INACTIVE) ||
	    (!shape && (n->flags & CN_SHAPE)))
		return false;
	t = conf_find(prev, pparent, n->sn, n->val);
	return t != NULL && !(t->flags & CN_INACTIVE);
}

/*
 * n lost a child other than an entry of kind esn (a policy, a proposal, a
 * leaf): a removal leaves no dirty node behind, only n's CN_SHAPE.  The
 * entries, a contiguous run in schema order, are stepped over through
 * their kind's slot (its last one), so this costs the other children.
 */
static bool
delta_lost_other(struct conf *next, const struct cnode *n,
    const struct cnode *pn, const struct snode *esn)
{
	for (const struct cnode *c = pn->first; c; c = c->next) {
		if (c->sn == esn && pn->slot != NULL) {
			c = pn->slot[esn->idx];
			continue;
		}
		if (c->sn != esn && conf_find(next, n, c->sn, c->val) == NULL)
			return true;
	}
	return false;
}

static size_t
delta_size(const struct iconf_delta *d)
{
	return d->npeer + d->npeer_del + d->nvpn + d->nvpn_del;
}

/* The dirty gateways of ike; -1: not a change for a delta. */
static int
delta_gateways(struct iconf_delta *d, const struct iconf *run,
    struct iconf_ctx *x, const struct cnode *ike)
{
	const struct snode *gsn = snode_child(ike->sn, "gateway");

	for (const struct cnode *g = ike->first; g; g = g->next) {
		if (!(g->flags & CN_DIRTY))
			continue;
		if (g->sn != gsn || delta_size(d) >= ICONF_DELTA_MAX)
			return -1;
		if (g->flags & CN_INACTIVE) {
			if (iconf_peer_find(run, g->val) != NULL)
				delta_name_add(
				    &d->peer_del, &d->npeer_del, g->val);
			continue;
		}
		d->peer = xrealloc(d->peer, (d->npeer + 1) * sizeof(*d->peer));
		struct eng_peer *p = &d->peer[d->npeer];
		const struct eng_peer *o;
		if (iconf_gateway(x, g, p) == -1 ||
		    ((o = iconf_peer_find(run, p->name)) != NULL &&
			iconf_peer_eq(o, p))) {
			iconf_peer_clear(p); /* refused (errors), or the same */
			continue;
		}
		d->npeer++;
	}
	if (!(ike->flags & CN_SHAPE))
		return 0;
	/* entries went: which of the running ones */
	for (size_t i = 0; i < run->npeer; i++) {
		const struct cnode *n =
		    conf_find(x->c, ike, gsn, run->peer[i].name);
		if (n != NULL && (n->flags & CN_DIRTY))
			continue; /* seen above */
		if (n != NULL && !(n->flags & CN_INACTIVE))
			continue;
		if (delta_size(d) >= ICONF_DELTA_MAX)
			return -1;
		delta_name_add(&d->peer_del, &d->npeer_del, run->peer[i].name);
	}
	return 0;
}

/* The dirty VPNs of ipsec; -1: not a change for a delta. */
static int
delta_vpns(struct iconf_delta *d, const struct iconf *run, struct iconf_ctx *x,
    const struct cnode *ipsec)
{
	const struct snode *vsn = snode_child(ipsec->sn, "vpn");

	for (const struct cnode *vn = ipsec->first; vn; vn = vn->next) {
		if (!(vn->flags & CN_DIRTY))
			continue;
		if (vn->sn != vsn || delta_size(d) >= ICONF_DELTA_MAX ||
		    cnode_child(vn, "manual") != NULL)
			return -1;
		if (vn->flags & CN_INACTIVE) {
			if (iconf_vpn_find(run, vn->val) != NULL)
				delta_name_add(
				    &d->vpn_del, &d->nvpn_del, vn->val);
			continue;
		}
		d->vpn = xrealloc(d->vpn, (d->nvpn + 1) * sizeof(*d->vpn));
		struct eng_vpn *v = &d->vpn[d->nvpn];
		if (iconf_vpn_one(x, vn, v, NULL) == -1)
			continue; /* refused: the errors say why */
		const struct eng_vpn *o = iconf_vpn_find(run, v->name);
		if (o != NULL) {
			v->tunnel_id = o->tunnel_id; /* kept for life */
			if (memcmp(o, v, sizeof(*v)) == 0)
				continue;
		}
		d->nvpn++;
	}
	if (!(ipsec->flags & CN_SHAPE))
		return 0;
	for (size_t i = 0; i < run->nvpn; i++) {
		const struct cnode *n =
		    conf_find(x->c, ipsec, vsn, run->vpn[i].name);
		if (n != NULL && (n->flags & CN_DIRTY))
			continue;
		if (n != NULL && !(n->flags & CN_INACTIVE))
			continue;
		if (delta_size(d) >= ICONF_DELTA_MAX)
			return -1;
		delta_name_add(&d->vpn_del, &d->nvpn_del, run->vpn[i].name);
	}
	return 0;
}

static bool
delta_names_have(const char **v, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(v[i]) == len && strncmp(v[i], name, len) == 0)
			return true;
	return false;
}

/*
 * The interfaces that changed (dirty, or gone: looked for in prev when
 * interfaces lost children), and the running gateways on them built
 * again.  -1: something else under interfaces changed, or too many.
 */
static int
delta_interfaces(struct iconf_delta *d, const struct iconf *run,
    struct iconf_ctx *x, const struct cnode *ifs, const struct cnode *pifs)
{
	const struct snode *gsn;
	const char **names = NULL;
	size_t n = 0;
	int rc = -1;

	for (const struct cnode *c = ifs->first; c; c = c->next) {
		if (!(c->flags & CN_DIRTY))
			continue;
		if (strcmp(c->sn->name, "interface") != 0)
			goto done;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = c->val;
	}
	for (const struct cnode *c = (ifs->flags & CN_SHAPE) ? pifs->first
							     : NULL;
	     c; c = c->next) {
		if (conf_find(x->c, ifs, c->sn, c->val) != NULL)
			continue;
		if (strcmp(c->sn->name, "interface") != 0)
			goto done; /* a statement removed: not ours to judge */
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = c->val;
	}
	gsn = x->ike != NULL ? snode_child(x->ike->sn, "gateway") : NULL;
	for (size_t i = 0; n > 0 && gsn != NULL && i < run->npeer; i++) {
		const struct eng_peer *o = &run->peer[i];
		const char *dot = strrchr(o->external_if, '.');
		const struct cnode *g;
		bool seen = false;
		if (dot == NULL ||
		    !delta_names_have(names, n, o->external_if,
			(size_t)(dot - o->external_if)))
			continue;
		for (size_t k = 0; k < d->npeer && !seen; k++)
			seen = strcmp(d->peer[k].name, o->name) == 0;
		for (size_t k = 0; k < d->npeer_del && !seen; k++)
			seen = strcmp(d->peer_del[k], o->name) == 0;
		if (seen || (g = conf_find(x->c, x->ike, gsn, o->name)) == NULL)
			continue;
		if (delta_size(d) >= ICONF_DELTA_MAX)
			goto done;
		d->peer = xrealloc(d->peer, (d->npeer + 1) * sizeof(*d->peer));
		struct eng_peer *p = &d->peer[d->npeer];
		if (iconf_gateway(x, g, p) == -1 || iconf_peer_eq(o, p)) {
			iconf_peer_clear(p);
			continue;
		}
		d->npeer++;
	}
	rc = 0;
done:
	free(names);
	return rc;
}

/*
 * Every VPN that runs after the change has its gateway: a VPN set names a
 * gateway set or kept, and no kept VPN names a gateway deleted.  Where
 * iconf_new would drop a VPN, the delta does not decide: -1.
 */
static int
delta_consistent(const struct iconf_delta *d, const struct iconf *run)
{
	for (size_t i = 0; i < d->nvpn; i++) {
		const char *gw = d->vpn[i].gateway;
		if (delta_has(d->peer, d->npeer, sizeof(*d->peer), gw))
			continue;
		if (iconf_peer_find(run, gw) == NULL ||
		    delta_has(
			d->peer_del, d->npeer_del, sizeof(*d->peer_del), gw))
			return -1;
	}
	for (size_t i = 0; d->npeer_del > 0 && i < run->nvpn; i++) {
		const struct eng_vpn *v = &run->vpn[i];
		if (delta_has(d->peer_del, d->npeer_del, sizeof(*d->peer_del),
			v->gateway) &&
		    !delta_has(d->vpn_del, d->nvpn_del, sizeof(*d->vpn_del),
			v->name) &&
		    !delta_has(d->vpn, d->nvpn, sizeof(*d->vpn), v->name))
			return -1;
	}
	return 0;
}

static void
delta_sort(struct iconf_delta *d)
{
	if (d->npeer > 1)
		qsort(d->peer, d->npeer, sizeof(*d->peer), iconf_name_cmp);
	if (d->npeer_del > 1)
		qsort(d->peer_del, d->npeer_del, sizeof(*d->peer_del),
		    iconf_name_cmp);
	if (d->nvpn > 1)
		qsort(d->vpn, d->nvpn, sizeof(*d->vpn), iconf_name_cmp);
	if (d->nvpn_del > 1)
		qsort(d->vpn_del, d->nvpn_del, sizeof(*d->vpn_del),
		    iconf_name_cmp);
}

/* errs += from (the strings move). */
static void
delta_errs_move(struct verrs *errs, struct verrs *from)
{
	if (errs != NULL && from->n > 0) {
		errs->v =
		    xrealloc(errs->v, (errs->n + from->n) * sizeof(*errs->v));
		memcpy(&errs->v[errs->n], from->v, from->n * sizeof(*from->v));
		errs->n += from->n;
		free(from->v);
		from->v = NULL;
		from->n = 0;
	}
	verrs_free(from);
}

struct iconf_delta *
iconf_delta_new(const struct iconf *run, struct conf *prev, struct conf *next,
    struct verrs *errs)
{
	struct cnode *root = conf_root(next), *proot = conf_root(prev);
	const struct cnode *sec = NULL, *psec = NULL, *ike = NULL,
			   *ipsec = NULL;
	const struct cnode *ifs = NULL;
	struct verrs mine = { 0 };
	struct iconf_delta *d;
	struct iconf_ctx x;
	bool rc;

	if (run == NULL || run->ndropped > 0 || run->nmanual > 0 ||
	    (root->flags & CN_SHAPE))
		return NULL;
	for (const struct cnode *ch = root->first; ch; ch = ch->next) {
		if (!(ch->flags & CN_DIRTY))
			continue;
		if (strcmp(ch->sn->name, "security") == 0)
			sec = ch;
		else if (strcmp(ch->sn->name, "interfaces") == 0)
			ifs = ch;
		else
			return NULL;
	}
	d = xcalloc(1, sizeof(*d));
	d->next = next;
	if ((sec != NULL && !delta_same_container(prev, proot, sec, false)) ||
	    (ifs != NULL && !delta_same_container(prev, proot, ifs, true)))
		goto fail;
	if (sec != NULL)
		psec = conf_find(prev, proot, sec->sn, NULL);
	for (const struct cnode *ch = sec ? sec->first : NULL; ch;
	     ch = ch->next) {
		if (!(ch->flags & CN_DIRTY))
			continue;
		const char *esn;
		if (strcmp(ch->sn->name, "ike") == 0) {
			ike = ch;
			esn = "gateway";
		} else if (strcmp(ch->sn->name, "ipsec") == 0) {
			ipsec = ch;
			esn = "vpn";
		} else {
			goto fail;
		}
		if (!delta_same_container(prev, psec, ch, true) ||
		    ((ch->flags & CN_SHAPE) &&
			delta_lost_other(next, ch,
			    conf_find(prev, psec, ch->sn, NULL),
			    snode_child(ch->sn, esn))))
			goto fail;
	}
	iconf_ctx_init(&x, next, &mine);
	/* a VPN built here is checked against the policies that name it, as
	 * in the whole rebuild (conf_pol.c) */
	iconf_pol_index(&x);
	rc = (ike != NULL && delta_gateways(d, run, &x, ike) == -1) ||
	    (ipsec != NULL && delta_vpns(d, run, &x, ipsec) == -1);
	iconf_pol_index_free(&x);
	if (rc ||
	    (ifs != NULL &&
		delta_interfaces(d, run, &x, ifs,
		    conf_find(prev, proot, ifs->sn, NULL)) == -1))
		goto fail;
	delta_sort(d);
	if (delta_consistent(d, run) == -1)
		goto fail;
	delta_errs_move(errs, &mine);
	return d;
fail:
	verrs_free(&mine);
	iconf_delta_free(d);
	return NULL;
}

void
iconf_delta_free(struct iconf_delta *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->npeer; i++)
		iconf_peer_clear(&d->peer[i]);
	free(d->peer);
	free(d->peer_del);
	free(d->vpn);
	free(d->vpn_del);
	free(d);
}

size_t
iconf_delta_apply(struct iconf *ic, struct iconf_delta *d,
    struct iconf_ids *ids, const struct iconf_diff_ops *ops, void *ctx,
    bool *ids_changed)
{
	size_t calls = 0, at;
	bool found;

	*ids_changed = false;
	/* iconf_diff's order: a VPN never names a missing peer */
	for (size_t i = 0; i < d->nvpn_del; i++) {
		at = delta_pos(
		    ic->vpn, ic->nvpn, sizeof(*ic->vpn), d->vpn_del[i], &found);
		if (!found)
			continue;
		ops->vpn_del(ctx, d->vpn_del[i]);
		memmove(&ic->vpn[at], &ic->vpn[at + 1],
		    (ic->nvpn - at - 1) * sizeof(*ic->vpn));
		ic->nvpn--;
		calls++;
	}
	for (size_t i = 0; i < d->npeer_del; i++) {
		at = delta_pos(ic->peer, ic->npeer, sizeof(*ic->peer),
		    d->peer_del[i], &found);
		if (!found)
			continue;
		ops->peer_del(ctx, d->peer_del[i]);
		iconf_peer_clear(&ic->peer[at]);
		memmove(&ic->peer[at], &ic->peer[at + 1],
		    (ic->npeer - at - 1) * sizeof(*ic->peer));
		ic->npeer--;
		calls++;
	}
	for (size_t i = 0; i < d->npeer; i++) {
		at = delta_pos(ic->peer, ic->npeer, sizeof(*ic->peer),
		    d->peer[i].name, &found);
		if (found) {
			iconf_peer_clear(&ic->peer[at]);
		} else {
			ic->peer = xrealloc(
			    ic->peer, (ic->npeer + 1) * sizeof(*ic->peer));
			memmove(&ic->peer[at + 1], &ic->peer[at],
			    (ic->npeer - at) * sizeof(*ic->peer));
			ic->npeer++;
		}
		ic->peer[at] = d->peer[i]; /* moved: its ID strings too */
		OPENSSL_cleanse(&d->peer[i], sizeof(d->peer[i]));
		ops->peer_set(ctx, &ic->peer[at]);
		calls++;
	}
	d->npeer = 0;
	for (size_t i = 0; i < d->nvpn; i++) {
		size_t n0 = ids->n;
		d->vpn[i].tunnel_id = iconf_ids_get(ids, d->vpn[i].name);
		if (ids->n != n0)
			*ids_changed = true;
		at = delta_pos(ic->vpn, ic->nvpn, sizeof(*ic->vpn),
		    d->vpn[i].name, &found);
		if (!found) {
			ic->vpn = xrealloc(
			    ic->vpn, (ic->nvpn + 1) * sizeof(*ic->vpn));
			memmove(&ic->vpn[at + 1], &ic->vpn[at],
			    (ic->nvpn - at) * sizeof(*ic->vpn));
			ic->nvpn++;
		}
		ic->vpn[at] = d->vpn[i];
		ops->vpn_set(ctx, &ic->vpn[at]);
		calls++;
	}
	/* as iconf_new then iconf_ids_keep: a new VPN does not take the ID
	 * of one deleted in the same commit */
	for (size_t i = 0; i < d->nvpn_del; i++)
		if (iconf_ids_drop(ids, d->vpn_del[i]))
			*ids_changed = true;
	return calls;
}
