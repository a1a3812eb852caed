/*
 * scope: what a commit changed, in the terms hostd applies it, so that a
 * one-line change costs hostd a one-line change at any size (issue 13).
 *
 * One diff of the two trees over the nodes the change marked dirty
 * (conf_diff with dirty_only) says which parts are touched: the ruleset
 * (security zones, policies, address books), which `interfaces X` entries
 * or `interfaces X unit U` units, and which `routing-options static route
 * R` entries.  The items (addresses, routes) of prev and next are then
 * gathered only there: an address or a route is a function of its own
 * unit or route entry (and of the interface above the unit: `disable`,
 * `inactive:`), so the items of everything untouched are the same on both
 * sides and pending_apply would find nothing to do with them.  A change
 * above those levels (`delete interfaces`, `deactivate routing-options
 * static`), or one too large to be worth indexing, names every entry.
 */
#include <string.h>

#include "hostd/hostd.h"
#include "schema/conf_diff.h"

/* A diff larger than this names every entry: indexing it costs more. */
#define SCOPE_MAX_ITEMS 4096
/* Depth of the deepest ancestor scope_add looks at (unit / route level). */
#define SCOPE_DEPTH 4
/* A policy context reordered with more entries moved than this is
 * rebuilt whole: naming each place costs more than the model. */
#define SCOPE_MOVED_MAX 64

/* The ancestors of n from the top statement down: a[0] is at depth 1. */
static size_t
scope_chain(const struct cnode *n, const struct cnode **a)
{
	const struct cnode *v[64];
	size_t d = 0, k = 0;

	for (; n != NULL && n->parent != NULL && d < 64; n = n->parent)
		v[d++] = n;
	while (d > 0 && k < SCOPE_DEPTH)
		a[k++] = v[--d];
	for (size_t i = k; i < SCOPE_DEPTH; i++)
		a[i] = NULL;
	return k;
}

/* The schema child of sn named name, keyword or not (snode_child skips
 * lists without a keyword, such as `interfaces NAME`). */
static const struct snode *
scope_sn(const struct snode *sn, const char *name)
{
	for (size_t i = 0; sn != NULL && i < sn->nchild; i++)
		if (strcmp(sn->child[i]->name, name) == 0)
			return sn->child[i];
	return NULL;
}

static bool
scope_is(const struct cnode *n, const char *name)
{
	return n != NULL && strcmp(n->sn->name, name) == 0;
}

static void
scope_policy(struct host_scope *s, const char *ctx, const char *name)
{
	json_t *e = json_object_get(s->pols, ctx);

	if (e == NULL) {
		e = json_object();
		json_object_set_new(s->pols, ctx, e);
	}
	json_object_set_new(e, name, json_true());
}

static void
scope_add(struct host_scope *s, const struct cnode *n)
{
	const struct cnode *a[SCOPE_DEPTH];

	if (scope_chain(n, a) == 0)
		return;
	if (scope_is(a[0], "security")) {
		bool fw = a[1] == NULL || scope_is(a[1], "zones") ||
		    scope_is(a[1], "policies") ||
		    scope_is(a[1], "address-book");
		s->fw |= fw;
		if (!fw)
			return;
		/* a security zone's services or interface entries: a patch */
		if (scope_is(a[1], "zones") &&
		    scope_is(a[2], "security-zone") && a[2]->val != NULL &&
		    scope_is(a[3], "host-inbound-traffic"))
			json_object_set_new(s->zhits, a[2]->val, json_true());
		else if (scope_is(a[1], "zones") &&
		    scope_is(a[2], "security-zone") && a[2]->val != NULL &&
		    scope_is(a[3], "interfaces") && a[3]->val != NULL)
			json_object_set_new(s->zunits, a[3]->val, json_true());
		/* a policy of a context, an address-book entry: a patch
		 * (policy_patch) */
		else if (scope_is(a[1], "policies") &&
		    scope_is(a[2], "policy") && a[2]->val != NULL &&
		    scope_is(a[3], "policy") && a[3]->val != NULL)
			scope_policy(s, a[2]->val, a[3]->val);
		/* a context's entry itself (added, deleted, deactivated):
		 * named "" among its policies */
		else if (scope_is(a[1], "policies") &&
		    scope_is(a[2], "policy") && a[2]->val != NULL &&
		    a[3] == NULL)
			scope_policy(s, a[2]->val, "");
		else if (scope_is(a[1], "address-book") &&
		    (scope_is(a[2], "address") ||
			scope_is(a[2], "address-set")) &&
		    a[2]->val != NULL)
			json_object_set_new(s->books, a[2]->val, json_true());
		else
			s->zones_full = true;
	} else if (scope_is(a[0], "interfaces")) {
		if (a[1] == NULL || a[1]->val == NULL) {
			s->ifs_all = true;
			return;
		}
		json_t *e = json_object_get(s->ifs, a[1]->val);
		if (!scope_is(a[2], "unit") || a[2]->val == NULL) {
			/* the entry itself, or a statement of it: all units */
			json_object_set_new(s->ifs, a[1]->val, json_true());
		} else if (e == NULL || json_is_object(e)) {
			if (e == NULL) {
				e = json_object();
				json_object_set_new(s->ifs, a[1]->val, e);
			}
			json_object_set_new(e, a[2]->val, json_true());
		}
	} else if (scope_is(a[0], "routing-options")) {
		if (a[1] == NULL ||
		    (scope_is(a[1], "static") &&
			(!scope_is(a[2], "route") || a[2]->val == NULL)))
			s->routes_all = true;
		else if (scope_is(a[1], "static"))
			json_object_set_new(s->routes, a[2]->val, json_true());
	}
}

void
scope_init(struct host_scope *s)
{
	memset(s, 0, sizeof(*s));
	s->ifs = json_object();
	s->routes = json_object();
	s->zhits = json_object();
	s->zunits = json_object();
	s->pols = json_object();
	s->books = json_object();
}

void
scope_all(struct host_scope *s)
{
	s->fw = s->ifs_all = s->routes_all = s->zones_full = true;
}

/*
 * For policy x of a context, deleted (of prev, gone from next): the
 * nearest policy before it in prev that next still has, else the nearest
 * after it, named in the scope as touched and as x's value in pols.  Its
 * bucket is where x's rules were (or beside it), so policy_patch refills
 * that block of buckets instead of looking for x's rules in every bucket
 * and walking the whole context (issue 13: a one-line delete).
 */
static void
scope_stand(struct host_scope *s, struct conf *next, const struct cnode *x)
{
	const struct cnode *ctx = x->parent, *nctx, *q = NULL;
	const struct cnode *pol =
	    host_path(conf_root(next), "security policies");

	nctx = pol ? conf_find(next, pol, ctx->sn, ctx->val) : NULL;
	if (nctx == NULL)
		return; /* the context gone too: policy_patch_gone */
	for (int dir = 0; dir < 2 && q == NULL; dir++)
		for (q = dir ? x->next : x->prev; q && q->sn == x->sn;
		     q = dir ? q->next : q->prev)
			if (conf_find(next, nctx, q->sn, q->val) != NULL)
				break;
	if (q == NULL || q->sn != x->sn)
		return;
	scope_policy(s, ctx->val, q->val);
	json_object_set_new(
	    json_object_get(s->pols, ctx->val), x->val, json_string(q->val));
}

/*
 * The nearest policy before o (of prev, else after it) that next has in
 * effect at its place: not one of the nm moved (mv) and in effect.  Its
 * block of buckets holds o's old place (policy_patch_near); NULL: none.
 */
static const struct cnode *
scope_kept(struct conf *next, const struct cnode *nctx, const struct cnode *o,
    const struct cnode *const *mv, size_t nm)
{
	for (int dir = 0; dir < 2; dir++)
		for (const struct cnode *q = dir ? o->next : o->prev;
		     q != NULL && q->sn == o->sn; q = dir ? q->next : q->prev) {
			const struct cnode *n =
			    conf_find(next, nctx, q->sn, q->val);
			bool moved = false;
			for (size_t k = 0; n != NULL && k < nm && !moved; k++)
				moved = mv[k] == n;
			if (n != NULL && !moved && policy_in(n))
				return n;
		}
	return NULL;
}

/*
 * A policy context reordered (DIFF_ORDER: old the context in prev, new
 * its first policy in next) as the policies that moved, each named at its
 * new place and its old place named by the policy kept beside it
 * (scope_kept), as scope_stand names a deleted one's: policy_patch then
 * refills those blocks of buckets, not the context (issue 13: a policy
 * moved or renamed).  False: not such a list, or too many moved.
 */
static bool
scope_moved(struct host_scope *s, struct conf *prev, struct conf *next,
    const struct diff_item *it)
{
	const struct cnode *a[SCOPE_DEPTH], *mv[SCOPE_MOVED_MAX];
	const struct cnode *ctx = it->old, *nctx = it->new->parent;
	size_t nm;

	if (scope_chain(ctx, a) != 3 || !scope_is(a[1], "policies") ||
	    !scope_is(a[2], "policy") || ctx->val == NULL ||
	    !scope_is(it->new, "policy"))
		return false;
	nm = diff_order_moved(it, mv, SCOPE_MOVED_MAX);
	if (nm > SCOPE_MOVED_MAX)
		return false;
	for (size_t k = 0; k < nm; k++) {
		const struct cnode *o =
		    conf_find(prev, ctx, mv[k]->sn, mv[k]->val);
		const struct cnode *q =
		    o ? scope_kept(next, nctx, o, mv, nm) : NULL;
		if (o != NULL && q == NULL)
			return false; /* nothing kept its place */
		scope_policy(s, ctx->val, mv[k]->val);
		if (q != NULL)
			scope_policy(s, ctx->val, q->val);
	}
	s->fw = true;
	return true;
}

void
scope_of(struct host_scope *s, struct conf *prev, struct conf *next)
{
	struct diff d = { 0 };

	conf_diff(prev, next, true, &d);
	if (d.n > SCOPE_MAX_ITEMS)
		scope_all(s);
	for (size_t i = 0; i < d.n && d.n <= SCOPE_MAX_ITEMS; i++) {
		if (d.v[i].kind == DIFF_ORDER &&
		    scope_moved(s, prev, next, &d.v[i]))
			continue;
		scope_add(s, d.v[i].new ? d.v[i].new : d.v[i].old);
		const struct cnode *o = d.v[i].old, *a[SCOPE_DEPTH];
		if (d.v[i].kind == DIFF_DEL && scope_chain(o, a) == 4 &&
		    a[3] == o && scope_is(a[1], "policies") &&
		    scope_is(a[2], "policy") && scope_is(o, "policy") &&
		    o->val != NULL && a[2]->val != NULL)
			scope_stand(s, next, o);
		/* a moved or re-keyed entry leaves its old place too */
		if (d.v[i].old != NULL && d.v[i].new != NULL)
			scope_add(s, d.v[i].old);
	}
	diff_free(&d);
}

void
scope_free(struct host_scope *s)
{
	json_decref(s->ifs);
	json_decref(s->routes);
	json_decref(s->zhits);
	json_decref(s->zunits);
	json_decref(s->pols);
	json_decref(s->books);
	memset(s, 0, sizeof(*s));
}

/*
 * Calls fn for every unit of c that the scope names (every unit when it
 * names all interfaces), inactive or not: fn decides.
 */
void
scope_units(struct conf *c, const struct host_scope *s,
    void (*fn)(const struct cnode *i, const struct cnode *u, void *arg),
    void *arg)
{
	struct cnode *ifs =
	    (struct cnode *)cnode_child(conf_root(c), "interfaces");
	const struct snode *isn = ifs ? scope_sn(ifs->sn, "interface") : NULL;
	const char *name;
	json_t *v;

	if (ifs == NULL || isn == NULL)
		return;
	if (s->ifs_all) {
		for (const struct cnode *i = ifs->first; i; i = i->next)
			for (const struct cnode *u = i->first; u; u = u->next)
				if (scope_is(u, "unit"))
					fn(i, u, arg);
		return;
	}
	json_object_foreach(s->ifs, name, v)
	{
		struct cnode *i = conf_find(c, ifs, isn, name);
		const struct snode *usn = scope_sn(isn, "unit");
		const char *un;
		json_t *x;
		if (i == NULL || usn == NULL)
			continue;
		if (!json_is_object(v)) {
			for (const struct cnode *u = i->first; u; u = u->next)
				if (scope_is(u, "unit"))
					fn(i, u, arg);
			continue;
		}
		json_object_foreach(v, un, x)
		{
			const struct cnode *u = conf_find(c, i, usn, un);
			if (u != NULL)
				fn(i, u, arg);
		}
	}
}

/* Calls fn for every static route of c that the scope names. */
void
scope_routes(struct conf *c, const struct host_scope *s,
    void (*fn)(const struct cnode *r, void *arg), void *arg)
{
	struct cnode *st =
	    (struct cnode *)host_path(conf_root(c), "routing-options static");
	const struct snode *rsn = st ? scope_sn(st->sn, "route") : NULL;
	const char *name;
	json_t *v;

	if (st == NULL || rsn == NULL)
		return;
	if (s->routes_all) {
		for (const struct cnode *r = st->first; r; r = r->next)
			if (scope_is(r, "route"))
				fn(r, arg);
		return;
	}
	json_object_foreach(s->routes, name, v)
	{
		const struct cnode *r = conf_find(c, st, rsn, name);
		if (r != NULL)
			fn(r, arg);
	}
}
