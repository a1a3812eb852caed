/*
 * conf_delta_apply: the second half of iconf_delta (conf.h): the
 * gateways and VPNs that conf_delta.c found a commit reaches, built from
 * the next tree, compared with the running ones, and applied.
 *
 * The sets of names come sorted, so the built arrays are in name order
 * with no sort of their own.  The apply keeps the running arrays sorted
 * (iconf_peer_find is a bsearch): a few entries go in by a move each; a
 * group change that reaches 10,000 gateways is merged in one pass, not
 * 10,000 moves of the whole array.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "iked/conf.h"
#include "iked/conf_delta.h"
#include "lib/log.h"

/* At most this many set by moves; beyond, one merge (O(n + m)). */
#define DELTA_MOVES_MAX 64

static bool
delta_has(const void *base, size_t n, size_t size, const char *name)
{
	bool found;

	(void)iconf_name_pos(base, n, size, name, &found);
	return found;
}

/* The gateways of w->gw built: set, deleted, or left (the same). */
static void
delta_build_peers(struct iconf_delta *d, struct delta_walk *w)
{
	struct iconf_ctx *x = &w->x;
	const struct snode *gsn =
	    x->ike != NULL ? snode_child(x->ike->sn, "gateway") : NULL;

	if (w->gw.n == 0)
		return;
	d->peer = xcalloc(w->gw.n, sizeof(*d->peer));
	d->peer_del = xcalloc(w->gw.n, sizeof(*d->peer_del));
	for (size_t i = 0; i < w->gw.n; i++) {
		const char *name = w->gw.v[i];
		const struct cnode *g =
		    gsn != NULL ? conf_find(w->next, x->ike, gsn, name) : NULL;
		const struct eng_peer *o = iconf_peer_find(w->run, name);
		if (g == NULL || cnode_is_inactive(g)) {
			if (o != NULL)
				snprintf(d->peer_del[d->npeer_del++],
				    ENG_NAME_MAX, "%s", name);
			continue;
		}
		struct eng_peer *p = &d->peer[d->npeer];
		if (iconf_gateway(x, g, p) == -1 ||
		    (o != NULL && iconf_peer_eq(o, p))) {
			iconf_peer_clear(p); /* refused (errors), or the same */
			continue;
		}
		d->npeer++;
	}
}

/* The VPNs of w->vpn built; -1: a manual one (numbered by position). */
static int
delta_build_vpns(struct iconf_delta *d, struct delta_walk *w)
{
	struct iconf_ctx *x = &w->x;
	const struct snode *vsn =
	    x->ipsec != NULL ? snode_child(x->ipsec->sn, "vpn") : NULL;
	int rc = 0;

	if (w->vpn.n == 0)
		return 0;
	d->vpn = xcalloc(w->vpn.n, sizeof(*d->vpn));
	d->vpn_del = xcalloc(w->vpn.n, sizeof(*d->vpn_del));
	/* a VPN built here is checked against the policies that name it, as
	 * in the whole rebuild (conf_pol.c) */
	iconf_pol_index(x);
	for (size_t i = 0; i < w->vpn.n && rc == 0; i++) {
		const char *name = w->vpn.v[i];
		const struct cnode *vn = vsn != NULL
		    ? conf_find(w->next, x->ipsec, vsn, name)
		    : NULL;
		const struct eng_vpn *o = iconf_vpn_find(w->run, name);
		if (vn == NULL || cnode_is_inactive(vn)) {
			if (o != NULL)
				snprintf(d->vpn_del[d->nvpn_del++],
				    ENG_NAME_MAX, "%s", name);
			continue;
		}
		if (cnode_child(vn, "manual") != NULL) {
			rc = -1;
			continue;
		}
		struct eng_vpn *v = &d->vpn[d->nvpn];
		if (iconf_vpn_one(x, vn, v, NULL) == -1)
			continue; /* refused: the errors say why */
		if (o != NULL) {
			v->tunnel_id = o->tunnel_id; /* kept for life */
			if (memcmp(o, v, sizeof(*v)) == 0)
				continue;
		}
		d->nvpn++;
	}
	iconf_pol_index_free(x);
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

int
delta_build(struct iconf_delta *d, struct delta_walk *w)
{
	delta_build_peers(d, w);
	if (delta_build_vpns(d, w) == -1)
		return -1;
	return delta_consistent(d, w->run);
}

void
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

static void
delta_peer_clear(void *p)
{
	iconf_peer_clear(p);
}

/*
 * Drops from base (n entries of size, sorted by name) those named in del
 * (sorted), in one pass; gone[j]: del[j] was there.  The new count.
 */
static size_t
delta_drop(void *base, size_t n, size_t size, const char (*del)[ENG_NAME_MAX],
    size_t ndel, bool *gone, void (*clear)(void *))
{
	char *b = base;
	size_t k = 0, j = 0;

	for (size_t i = 0; i < n; i++) {
		char *e = b + i * size;
		int c = 1;
		while (j < ndel && (c = strcmp(del[j], e)) < 0)
			j++;
		if (j < ndel && c == 0) {
			gone[j++] = true;
			if (clear != NULL)
				clear(e);
			continue;
		}
		if (k != i)
			memcpy(b + k * size, e, size);
		k++;
	}
	return k;
}

/*
 * add (m entries, sorted, names unique) into *base (*n, sorted): each
 * replaces its namesake (cleared) or goes in; at[i] is where add[i]
 * went.  A few by a move each; many by one merge from the end, in place
 * (the array grows by the new ones only: a change to 10,000 running
 * gateways copies nothing but them).
 */
/*
 * *base (*cap elements) holds at least need: by half again when it
 * grows, so that a commit adding one VPN to 10,000 does not copy the
 * 15 MB of peers into a block one peer larger (and fault it in).
 */
static char *
delta_reserve(void **base, size_t *cap, size_t need, size_t size)
{
	if (need > *cap) {
		*cap = need + need / 2 + 16;
		*base = xrealloc(*base, *cap * size);
	}
	return *base;
}

static void
delta_put(void **base, size_t *n, size_t *cap, size_t size, const void *add,
    size_t m, size_t *at, void (*clear)(void *))
{
	const char *a = add;
	char *b = *base;
	size_t ins = 0, i, j, k;
	bool found;

	if (m <= DELTA_MOVES_MAX) {
		for (j = 0; j < m; j++) {
			size_t p =
			    iconf_name_pos(b, *n, size, a + j * size, &found);
			if (found) {
				if (clear != NULL)
					clear(b + p * size);
			} else {
				b = delta_reserve(base, cap, *n + 1, size);
				memmove(b + (p + 1) * size, b + p * size,
				    (*n - p) * size);
				(*n)++;
			}
			memcpy(b + p * size, a + j * size, size);
			at[j] = p;
		}
		*base = b;
		return;
	}
	for (i = 0, j = 0; j < m;) { /* how many are new */
		int c = i < *n ? strcmp(b + i * size, a + j * size) : 1;
		if (c < 0) {
			i++;
		} else {
			ins += c > 0;
			i += c == 0;
			j++;
		}
	}
	if (ins > 0)
		b = delta_reserve(base, cap, *n + ins, size);
	/* from the end: k never passes i, what is left below stays */
	for (i = *n, j = m, k = *n + ins; j > 0;) {
		int c =
		    i > 0 ? strcmp(b + (i - 1) * size, a + (j - 1) * size) : -1;
		k--;
		if (c > 0) {
			if (k != i - 1)
				memcpy(b + k * size, b + (i - 1) * size, size);
			i--;
			continue;
		}
		if (c == 0) {
			if (clear != NULL)
				clear(b + (i - 1) * size);
			i--;
		}
		memcpy(b + k * size, a + (j - 1) * size, size);
		at[--j] = k;
	}
	*n += ins;
	*base = b;
}

size_t
iconf_delta_apply(struct iconf *ic, struct iconf_delta *d,
    struct iconf_ids *ids, const struct iconf_diff_ops *ops, void *ctx,
    bool *ids_changed)
{
	size_t calls = 0, m = d->nvpn > d->npeer ? d->nvpn : d->npeer;
	size_t ngone = d->nvpn_del > d->npeer_del ? d->nvpn_del : d->npeer_del;
	bool *gone = xcalloc(ngone + 1, sizeof(*gone));
	size_t *at = xcalloc(m + 1, sizeof(*at));

	*ids_changed = false;
	/* iconf_diff's order: gateways before their VPNs (the IKE SA's
	 * Delete takes the Child SAs); the engine forgets a peer before its
	 * PSK is wiped here */
	for (size_t i = 0; i < d->npeer_del; i++)
		if (iconf_peer_find(ic, d->peer_del[i]) != NULL) {
			ops->peer_del(ctx, d->peer_del[i]);
			calls++;
		}
	ic->nvpn = delta_drop(ic->vpn, ic->nvpn, sizeof(*ic->vpn), d->vpn_del,
	    d->nvpn_del, gone, NULL);
	for (size_t i = 0; i < d->nvpn_del; i++)
		if (gone[i]) {
			ops->vpn_del(ctx, d->vpn_del[i]);
			calls++;
		}
	memset(gone, 0, (ngone + 1) * sizeof(*gone));
	ic->npeer = delta_drop(ic->peer, ic->npeer, sizeof(*ic->peer),
	    d->peer_del, d->npeer_del, gone, delta_peer_clear);
	delta_put((void **)&ic->peer, &ic->npeer, &ic->cappeer,
	    sizeof(*ic->peer), d->peer, d->npeer, at, delta_peer_clear);
	/* moved into ic: their ID strings too */
	if (d->npeer > 0)
		OPENSSL_cleanse(d->peer, d->npeer * sizeof(*d->peer));
	for (size_t i = 0; i < d->npeer; i++)
		ops->peer_set(ctx, &ic->peer[at[i]]);
	calls += d->npeer;
	d->npeer = 0;
	for (size_t i = 0; i < d->nvpn; i++) {
		size_t n0 = ids->n;
		d->vpn[i].tunnel_id = iconf_ids_get(ids, d->vpn[i].name);
		if (ids->n != n0)
			*ids_changed = true;
	}
	delta_put((void **)&ic->vpn, &ic->nvpn, &ic->capvpn, sizeof(*ic->vpn),
	    d->vpn, d->nvpn, at, NULL);
	for (size_t i = 0; i < d->nvpn; i++)
		ops->vpn_set(ctx, &ic->vpn[at[i]]);
	calls += d->nvpn;
	/* as iconf_new then iconf_ids_keep: a new VPN does not take the ID
	 * of one deleted in the same commit */
	for (size_t i = 0; i < d->nvpn_del; i++)
		if (iconf_ids_drop(ids, d->vpn_del[i]))
			*ids_changed = true;
	free(gone);
	free(at);
	return calls;
}
