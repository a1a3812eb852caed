/*
 * eng_index: the engine's configuration by name — gateways by their name,
 * VPNs by theirs and by the gateway they name — so that a commit at 10,000
 * tunnels and every IKE_AUTH find what they want without walking all of
 * them (they walked e->gws / e->vpns: O(N) each, O(N^2) for a commit).
 *
 * Chained hash tables over FNV-1a of the name; the names are the
 * operator's (configuration), never a peer's, so no secret seed is needed
 * there.  Gateways are also found by their remote address, which every
 * IKE_SA_INIT names (the peer picks it: SipHash under the engine's seed,
 * sa_hash), and the `dynamic` ones are a list of their own: an
 * IKE_SA_INIT from anywhere costs no walk of every gateway.  The
 * tables double when there are more entries than buckets.  The lists
 * e->gws and e->vpns stay: they are what the timers and shows walk.
 * A chain keeps insertion order newest first, as the lists do, so "the
 * first VPN of a gateway" is the same VPN it was before this index.
 */
#include <stdlib.h>
#include <string.h>

#include "iked/eng_int.h"
#include "lib/log.h"
#include "lib/sb.h"

#define IX_BUCKETS_MIN 64

/* Remote address of a gateway or an arrival, under the secret seed. */
static size_t
ix_addr_hash(const struct ike_engine *e, const struct sockaddr *a, size_t nb)
{
	uint64_t hi = 0, lo = 0;

	if (a->sa_family == AF_INET) {
		lo = ((const struct sockaddr_in *)a)->sin_addr.s_addr;
	} else if (a->sa_family == AF_INET6) {
		const uint8_t *p =
		    ((const struct sockaddr_in6 *)a)->sin6_addr.s6_addr;
		memcpy(&hi, p, 8);
		memcpy(&lo, p + 8, 8);
	}
	return (
	    size_t)(sa_hash(e, lo ^ sa_hash(e, hi ^ a->sa_family)) & (nb - 1));
}

/* Puts gw at the head of its address chain (or of the dynamic list). */
static void
ix_gw_addr_add(struct ike_engine *e, struct eng_gw *gw)
{
	struct eng_gw **head = gw->p.remote.ss_family == AF_UNSPEC
	    ? &e->gw_dyn
	    : &e->gw_atab[ix_addr_hash(
		  e, (const struct sockaddr *)&gw->p.remote, e->ix_nb)];

	gw->anext = *head;
	*head = gw;
}

static size_t
ix_hash(const char *name, size_t nb)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a, 64 bits */

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return (size_t)(h & (nb - 1));
}

/* Rebuilds the three tables with nb buckets (a power of two). */
static void
ix_rebuild(struct ike_engine *e, size_t nb)
{
	free(e->gw_tab);
	free(e->gw_atab);
	free(e->vpn_tab);
	free(e->vpn_gtab);
	e->ix_nb = nb;
	e->gw_tab = xcalloc(nb, sizeof(*e->gw_tab));
	e->gw_atab = xcalloc(nb, sizeof(*e->gw_atab));
	e->gw_dyn = NULL;
	e->vpn_tab = xcalloc(nb, sizeof(*e->vpn_tab));
	e->vpn_gtab = xcalloc(nb, sizeof(*e->vpn_gtab));
	/* The lists are newest first: insert oldest first to keep that. */
	size_t n = 0;
	for (struct eng_gw *g = e->gws; g != NULL; g = g->next)
		n++;
	for (struct eng_vpnc *v = e->vpns; v != NULL; v = v->next)
		n++;
	void **all = xcalloc(n ? n : 1, sizeof(*all));
	size_t k = 0, ng;
	for (struct eng_gw *g = e->gws; g != NULL; g = g->next)
		all[k++] = g;
	ng = k;
	for (struct eng_vpnc *v = e->vpns; v != NULL; v = v->next)
		all[k++] = v;
	for (size_t i = ng; i-- > 0;) {
		struct eng_gw *g = all[i];
		size_t b = ix_hash(g->p.name, nb);
		g->hnext = e->gw_tab[b];
		e->gw_tab[b] = g;
		ix_gw_addr_add(e, g);
	}
	for (size_t i = n; i-- > ng;) {
		struct eng_vpnc *v = all[i];
		size_t b = ix_hash(v->v.name, nb);
		v->hnext = e->vpn_tab[b];
		e->vpn_tab[b] = v;
		b = ix_hash(v->v.gateway, nb);
		v->gnext = e->vpn_gtab[b];
		e->vpn_gtab[b] = v;
	}
	free(all);
}

static void
ix_grow(struct ike_engine *e)
{
	size_t nb = e->ix_nb ? e->ix_nb : IX_BUCKETS_MIN;

	while (nb < e->ngws || nb < e->nvpns)
		nb *= 2;
	if (nb != e->ix_nb)
		ix_rebuild(e, nb);
}

void
ix_free(struct ike_engine *e)
{
	free(e->gw_tab);
	free(e->gw_atab);
	free(e->vpn_tab);
	free(e->vpn_gtab);
	e->gw_tab = e->gw_atab = NULL;
	e->gw_dyn = NULL;
	e->vpn_tab = e->vpn_gtab = NULL;
	e->ix_nb = 0;
}

void
ix_gw_add(struct ike_engine *e, struct eng_gw *gw)
{
	size_t b;

	gw->next = e->gws;
	if (gw->next != NULL)
		gw->next->pprev = &gw->next;
	gw->pprev = &e->gws;
	e->gws = gw;
	e->ngws++;
	if (e->ix_nb == 0 || e->ngws > e->ix_nb) {
		ix_grow(e); /* rebuilt with gw in it */
		return;
	}
	b = ix_hash(gw->p.name, e->ix_nb);
	gw->hnext = e->gw_tab[b];
	e->gw_tab[b] = gw;
	ix_gw_addr_add(e, gw);
}

void
ix_gw_del(struct ike_engine *e, struct eng_gw *gw)
{
	struct eng_gw **pp;

	/* unlinked through its back pointer: a commit that changes 10,000
	 * gateways is not 10,000 walks of the list */
	if (gw->pprev == NULL)
		return;
	*gw->pprev = gw->next;
	if (gw->next != NULL)
		gw->next->pprev = gw->pprev;
	gw->pprev = NULL;
	e->ngws--;
	pp = &e->gw_tab[ix_hash(gw->p.name, e->ix_nb)];
	while (*pp != NULL && *pp != gw)
		pp = &(*pp)->hnext;
	if (*pp != NULL)
		*pp = gw->hnext;
	pp = gw->p.remote.ss_family == AF_UNSPEC
	    ? &e->gw_dyn
	    : &e->gw_atab[ix_addr_hash(
		  e, (const struct sockaddr *)&gw->p.remote, e->ix_nb)];
	while (*pp != NULL && *pp != gw)
		pp = &(*pp)->anext;
	if (*pp != NULL)
		*pp = gw->anext;
}

static bool
ix_local_ok(const struct eng_gw *gw, const struct sockaddr *local)
{
	return gw->p.local.ss_family == AF_UNSPEC || local == NULL ||
	    eng_addr_equal((const struct sockaddr *)&gw->p.local, local);
}

struct eng_gw *
eng_gw_match(struct ike_engine *e, const struct sockaddr *remote,
    const struct sockaddr *local)
{
	if (e->ix_nb == 0 || remote == NULL)
		return NULL;
	for (struct eng_gw *g = e->gw_atab[ix_addr_hash(e, remote, e->ix_nb)];
	     g != NULL; g = g->anext)
		if (ix_local_ok(g, local) &&
		    eng_addr_equal(
			(const struct sockaddr *)&g->p.remote, remote))
			return g;
	for (struct eng_gw *g = e->gw_dyn; g != NULL; g = g->anext)
		if (ix_local_ok(g, local))
			return g;
	return NULL;
}

struct eng_gw *
eng_gw_find(struct ike_engine *e, const char *name)
{
	if (e->ix_nb == 0)
		return NULL;
	for (struct eng_gw *g = e->gw_tab[ix_hash(name, e->ix_nb)]; g != NULL;
	     g = g->hnext)
		if (strcmp(g->p.name, name) == 0)
			return g;
	return NULL;
}

/* v->v (its name and gateway) must be set before and not change after. */
void
ix_vpn_add(struct ike_engine *e, struct eng_vpnc *v)
{
	size_t b;

	v->next = e->vpns;
	if (v->next != NULL)
		v->next->pprev = &v->next;
	v->pprev = &e->vpns;
	e->vpns = v;
	e->nvpns++;
	if (e->ix_nb == 0 || e->nvpns > e->ix_nb) {
		ix_grow(e);
		return;
	}
	b = ix_hash(v->v.name, e->ix_nb);
	v->hnext = e->vpn_tab[b];
	e->vpn_tab[b] = v;
	b = ix_hash(v->v.gateway, e->ix_nb);
	v->gnext = e->vpn_gtab[b];
	e->vpn_gtab[b] = v;
}

void
ix_vpn_del(struct ike_engine *e, struct eng_vpnc *v)
{
	struct eng_vpnc **pp;

	if (v->pprev == NULL)
		return;
	*v->pprev = v->next;
	if (v->next != NULL)
		v->next->pprev = v->pprev;
	v->pprev = NULL;
	e->nvpns--;
	pp = &e->vpn_tab[ix_hash(v->v.name, e->ix_nb)];
	while (*pp != NULL && *pp != v)
		pp = &(*pp)->hnext;
	if (*pp != NULL)
		*pp = v->hnext;
	pp = &e->vpn_gtab[ix_hash(v->v.gateway, e->ix_nb)];
	while (*pp != NULL && *pp != v)
		pp = &(*pp)->gnext;
	if (*pp != NULL)
		*pp = v->gnext;
}

struct eng_vpnc *
eng_vpn_find(struct ike_engine *e, const char *name)
{
	if (e->ix_nb == 0)
		return NULL;
	for (struct eng_vpnc *v = e->vpn_tab[ix_hash(name, e->ix_nb)];
	     v != NULL; v = v->hnext)
		if (strcmp(v->v.name, name) == 0)
			return v;
	return NULL;
}

static struct eng_vpnc *
ix_gw_match(struct eng_vpnc *v, const char *gw)
{
	while (v != NULL && strcmp(v->v.gateway, gw) != 0)
		v = v->gnext;
	return v;
}

struct eng_vpnc *
eng_vpn_first(struct ike_engine *e, const char *gw)
{
	if (e->ix_nb == 0)
		return NULL;
	return ix_gw_match(e->vpn_gtab[ix_hash(gw, e->ix_nb)], gw);
}

struct eng_vpnc *
eng_vpn_next(const struct eng_vpnc *v)
{
	return ix_gw_match(v->gnext, v->v.gateway);
}
