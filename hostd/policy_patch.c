/*
 * policy_patch: a change to the policies or the address book as a patch
 * of the model in force (nftm.h), so that a one-line change costs a few
 * chains at any number of policies (issue 13): the bucket chain
 * (policy.c) of each policy the change names, the chain ctx_<hash> of its
 * context (the jumps to its buckets in order: a bucket split, joined or
 * new), and the bucket of every policy whose match names an address-book
 * entry the change touched (or an address-set that holds one), found by
 * the uses the model keeps (policy_uses.c), not by a walk; a global
 * policy's own chain p_<hash>; a context new or gone, its chains and the
 * maps of its zones' devices.  What a patch cannot express (a zone that
 * is new or gone, a context moved, policy-based VPNs) makes policy_patch
 * refuse, and hostd builds the model whole.  Also the policy maps'
 * elements of one device, for zones_patch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/hostd.h"

unsigned long policy_patch_walks;

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
		char zf[POLICY_ZONE_MAX], zt[POLICY_ZONE_MAX];
		policy_ctx_zones(q->val, zf, zt);
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

/* The child of n named kind (a list such as `policy`) keyed key, or NULL. */
static const struct cnode *
policy_patch_find(
    struct conf *c, const struct cnode *n, const char *kind, const char *key)
{
	for (size_t k = 0; n != NULL && k < n->sn->nchild; k++)
		if (strcmp(n->sn->child[k]->name, kind) == 0)
			return conf_find(c, n, n->sn->child[k], key);
	return NULL;
}

/*
 * Adds to books every address-set that holds one of its entries, at any
 * depth (a policy naming the set resolves to other addresses now), by
 * the uses of the model in force (policy_uses.c), not a walk of the
 * address book a round; the sets named, as they are now, into p's uses.
 */
static void
policy_patch_books(
    struct conf *c, const struct nftm *m, json_t *books, struct nftm *p)
{
	const struct cnode *x;
	struct policy_res r;
	const char *k;
	json_t *v;

	policy_res_init(&r, c);
	json_object_foreach(books, k, v)
	{
		x = p ? policy_book_find(&r, true, k) : NULL;
		if (x != NULL)
			policy_uses_set(p, x);
	}
	policy_res_fini(&r);
	policy_uses_sets(m, p, books);
}

/*
 * Whether policy q's match names an entry of books.  Called for every
 * policy of a context a change touches: its children are walked, not
 * looked up by name (cnode_child), and nothing when books is empty.
 */
bool
policy_patch_uses(const struct cnode *q, const json_t *books)
{
	const struct cnode *m;

	if (json_object_size(books) == 0)
		return false;
	for (m = q->first; m != NULL; m = m->next)
		if (!(m->flags & CN_INACTIVE) &&
		    strcmp(m->sn->name, "match") == 0)
			break;
	for (const struct cnode *a = m ? m->first : NULL; a; a = a->next)
		if ((strcmp(a->sn->name, "source-address") == 0 ||
			strcmp(a->sn->name, "destination-address") == 0) &&
		    json_object_get(books, a->val) != NULL)
			return true;
	return false;
}

/* The chain of policy name of context ctx into chain (p_<hash>). */
static void
policy_patch_chain_name(const char *ctx, const char *name, struct sb *chain)
{
	struct sb cn;

	sb_init(&cn);
	policy_counter_name(ctx, name, &cn);
	sb_reset(chain);
	sb_printf(chain, "p_%s", sb_str(&cn) + 4);
	sb_free(&cn);
}

/*
 * The next `jump X` line of a chain's body from *l (advanced past it): X
 * in name; false at the body's end.
 */
bool
policy_body_jump(const char **l, struct sb *name)
{
	while (*l != NULL && **l != '\0') {
		const char *s = *l, *nl = strchr(s, '\n');

		nl = nl ? nl : s + strlen(s);
		*l = *nl ? nl + 1 : nl;
		if (strncmp(s, "jump ", 5) == 0) {
			sb_reset(name);
			sb_printf(name, "%.*s", (int)(nl - s - 5), s + 5);
			return true;
		}
	}
	return false;
}

/*
 * Into dirty, the bucket of the model in force m (a chain that ctxchain
 * jumps to) that holds the rules of policy pol of context ctx: a policy
 * deleted or deactivated leaves its bucket (or joins it to the next).
 * Its rules are looked for in every bucket in turn (up to the whole
 * context's text): only when no policy stands for it
 * (policy_patch_stand).
 */
static void
policy_patch_was(const struct nftm *m, const char *ctxchain, const char *pol,
    const char *ctx, json_t *dirty)
{
	const char *l = nftm_chain_body(m, ctxchain);
	struct sb chain, six; /* a bucket, its chain for IPv6 */
	char pat[96];

	sb_init(&chain);
	sb_init(&six);
	policy_patch_chain_name(ctx, pol, &chain);
	snprintf(pat, sizeof(pat), " comment \"%s\"\n", sb_str(&chain));
	while (policy_body_jump(&l, &chain)) {
		const char *b = nftm_chain_body(m, sb_str(&chain));
		sb_reset(&six);
		sb_printf(&six, "%s_6", sb_str(&chain));
		const char *b6 = nftm_chain_body(m, sb_str(&six));
		if ((b != NULL && strstr(b, pat) != NULL) ||
		    (b6 != NULL && strstr(b6, pat) != NULL)) {
			json_object_set_new(dirty, sb_str(&chain), json_true());
			break;
		}
	}
	sb_free(&chain);
	sb_free(&six);
}

/*
 * The policy in effect that stands for one that is not (q: deactivated;
 * NULL: deleted, and v its value in the scope): its nearest neighbour in
 * effect, before it else after it (scope_stand names a deleted one's).
 * A policy's rules lie in the block of buckets around its neighbour's
 * (policy_patch_near), which is refilled when the neighbour is named.
 * NULL: none, and its rules are looked for (policy_patch_was).
 */
static const struct cnode *
policy_patch_stand(struct conf *c, const struct cnode *ctx,
    const struct cnode *q, const json_t *v)
{
	const struct cnode *n;

	if (q == NULL) {
		n = json_is_string(v)
		    ? policy_patch_find(c, ctx, "policy", json_string_value(v))
		    : NULL;
		return n != NULL && policy_in(n) ? n : NULL;
	}
	for (n = q->prev; n != NULL; n = n->prev)
		if (policy_in(n))
			return n;
	for (n = q->next; n != NULL; n = n->next)
		if (policy_in(n))
			return n;
	return NULL;
}

bool
policy_patch_in(const struct cnode *const *t, size_t n, const struct cnode *q)
{
	for (size_t i = 0; i < n; i++)
		if (t[i] == q)
			return true;
	return false;
}

void
policy_patch_refill(struct conf *c, const char *ctx, const struct cnode *first,
    size_t n, const char *name, struct nftm *p, struct verrs *errs)
{
	struct policy_res r;
	struct sb rules, rules6, six;

	policy_res_init(&r, c);
	sb_init(&rules);
	sb_init(&rules6);
	sb_init(&six);
	sb_printf(&six, "%s_6", name);
	nftm_patch_chain(p, sb_str(&six),
	    policy_bucket_rules(
		&r, NULL, ctx, first, n, name, &rules, &rules6, errs)
		? sb_str(&rules6)
		: NULL);
	nftm_patch_chain(p, name, sb_str(&rules));
	sb_free(&rules);
	sb_free(&rules6);
	sb_free(&six);
	policy_res_fini(&r);
}

/*
 * The buckets of context ctx (policy_bucket.c) into patch p: each that
 * holds a policy the change names (in touched), or one that uses an entry
 * of books, or that held a policy gone, or that is new, refilled (with
 * its chain for IPv6, made or deleted); the context's chain of jumps
 * refilled when its buckets are not those in force, and the buckets no
 * more deleted.
 */
static void
policy_patch_buckets(struct conf *c, const struct nftm *m,
    const struct cnode *ctx, const struct cnode *const *t, size_t nt,
    json_t *dirty, const json_t *books, struct nftm *p, struct verrs *errs)
{
	struct sb name, jumps, cname;
	const struct cnode *first, *k;
	const char *old, *l;
	json_t *now = json_object();
	size_t n, i;

	sb_init(&name);
	sb_init(&jumps);
	sb_init(&cname);
	for (const struct cnode *q = ctx->first;
	     (q = policy_bucket(ctx->val, q, &first, &n, &name)), first;) {
		bool redo = !nftm_has_chain(m, sb_str(&name)) ||
		    json_object_get(dirty, sb_str(&name)) != NULL;
		sb_printf(&jumps, "jump %s\n", sb_str(&name));
		json_object_set_new(now, sb_str(&name), json_true());
		for (k = first, i = 0; !redo && k != NULL && i < n;
		     k = k->next) {
			if (!policy_in(k))
				continue;
			i++;
			redo = policy_patch_in(t, nt, k) ||
			    policy_patch_uses(k, books);
		}
		if (redo)
			policy_patch_refill(
			    c, ctx->val, first, n, sb_str(&name), p, errs);
	}
	nftm_name("ctx_", ctx->val, &cname);
	old = nftm_chain_body(m, sb_str(&cname));
	if (old == NULL || strcmp(old, sb_str(&jumps)) != 0) {
		nftm_patch_chain(p, sb_str(&cname), sb_str(&jumps));
		for (l = old; policy_body_jump(&l, &name);)
			if (json_object_get(now, sb_str(&name)) == NULL) {
				/* a bucket gone: its chain for IPv6 too */
				nftm_patch_chain(p, sb_str(&name), NULL);
				sb_printf(&name, "_6");
				nftm_patch_chain(p, sb_str(&name), NULL);
			}
	}
	json_decref(now);
	sb_free(&name);
	sb_free(&jumps);
	sb_free(&cname);
}

/*
 * The buckets of the policies of context ctx named in used (policy ->
 * true: they use an address-book entry that changed), or for the global
 * context (ctx NULL) their chains, refilled in p; each once.  Buckets are
 * those of the model in force, or refilled by policy_patch_near already.
 */
static void
policy_patch_used(struct conf *c, const struct cnode *x,
    const struct cnode *ctx, const json_t *used, struct nftm *p,
    struct verrs *errs)
{
	const struct snode *sn = snode_child_named(x->sn, "policy");
	const struct cnode *q, *first;
	json_t *done = json_object(), *v;
	struct policy_res r;
	struct sb name, rules;
	const char *k;
	size_t n;

	policy_res_init(&r, c);
	sb_init(&name);
	sb_init(&rules);
	json_object_foreach((json_t *)used, k, v)
	{
		q = sn ? conf_find(c, x, sn, k) : NULL;
		if (q == NULL || !policy_in(q))
			continue;
		if (ctx == NULL) {
			sb_reset(&rules);
			policy_chain_rules(
			    &r, "", q, &name, &rules, NULL, errs);
			nftm_patch_chain(p, sb_str(&name), sb_str(&rules));
			continue;
		}
		policy_bucket_of(ctx, q, &first, &n, &name);
		if (first == NULL || json_object_get(done, sb_str(&name)))
			continue;
		json_object_set_new(done, sb_str(&name), json_true());
		policy_patch_refill(
		    c, ctx->val, first, n, sb_str(&name), p, errs);
	}
	json_decref(done);
	sb_free(&name);
	sb_free(&rules);
	policy_res_fini(&r);
}

/*
 * policy_patch for one context; p NULL: only whether it can (-1: the
 * model is built whole).  The buckets of the policies the change names
 * are refilled: those around them (policy_near.c), else by a walk of
 * the context (policy_patch_buckets).  A move names the policy moved and
 * the one kept beside its old place (scope.c); more than scope.c indexes
 * names the context's entry, which policy_patch does not patch.  A
 * tunnel policy makes it refuse: policy_vpn.c's chains hold every policy
 * of its context.
 */
static int
policy_patch_ctx(struct conf *c, const struct nftm *m, const struct cnode *ctx,
    const json_t *pols, const json_t *books, const json_t *users,
    struct nftm *p, struct verrs *errs)
{
	struct sb name, cname;
	const struct cnode **t = NULL;
	size_t nt = 0;
	const char *pn;
	json_t *touched, *used, *x, *dirty = json_object(),
				    *gone = json_array();
	bool stood = true; /* each policy gone has one that stands for it */
	size_t i;
	int rc = -1;

	touched = json_object_get(pols, ctx->val);
	used = json_object_get(users, ctx->val);
	if (!policy_is(ctx) || (touched == NULL && used == NULL)) {
		json_decref(dirty);
		json_decref(gone);
		return 0;
	}
	sb_init(&name);
	sb_init(&cname);
	nftm_name("pvc_", ctx->val, &name);
	if (nftm_has_chain(m, sb_str(&name)))
		goto done;
	nftm_name("ctx_", ctx->val, &cname);
	/* a new context: none of its policies may tunnel */
	bool fresh = !nftm_has_chain(m, sb_str(&cname));
	for (const struct cnode *q = fresh ? ctx->first : NULL; q; q = q->next)
		if (policy_is(q) && policy_tunnel_vpn(q) != NULL)
			goto done;
	/* each policy named, or the one that stands for it, at most once */
	t = xcalloc(2 * json_object_size(touched) + 1, sizeof(*t));
	json_object_foreach((json_t *)touched, pn, x)
	{
		const struct cnode *q = policy_patch_find(c, ctx, "policy", pn);
		if (*pn == '\0')
			continue; /* the context's entry: policy_patch */
		if (q != NULL && p != NULL)
			policy_uses_policy(p, ctx->val, q);
		if (q == NULL || !policy_is(q)) {
			json_array_append_new(gone, json_string(pn));
			q = policy_patch_stand(c, ctx, q, x);
			stood = stood && q != NULL;
		}
		if (q == NULL || policy_patch_in(t, nt, q))
			continue;
		if (policy_tunnel_vpn(q) != NULL)
			goto done;
		t[nt++] = q;
	}
	rc = 0;
	if (p == NULL)
		goto done;
	/* the buckets in force, or near's: the users' own refilled */
	if (!fresh &&
	    (touched == NULL ||
		(stood && policy_patch_near(c, m, ctx, t, nt, p, errs)))) {
		if (used != NULL)
			policy_patch_used(c, ctx, ctx, used, p, errs);
		goto done;
	}
	for (const struct cnode *q = fresh ? ctx->first : NULL; q; q = q->next)
		if (strcmp(q->sn->name, "policy") == 0)
			policy_uses_policy(p, ctx->val, q);
	policy_patch_walks++;
	json_array_foreach(gone, i, x) policy_patch_was(
	    m, sb_str(&cname), json_string_value(x), ctx->val, dirty);
	policy_patch_buckets(c, m, ctx, t, nt, dirty, books, p, errs);
done:
	free(t);
	json_decref(dirty);
	json_decref(gone);
	sb_free(&name);
	sb_free(&cname);
	return rc;
}

/* The chains of context ctx in m, when c has it no more: its chain of
 * jumps and its buckets (a tunnel policy: policy_patch refused). */
static void
policy_patch_gone(
    struct conf *c, const struct nftm *m, const char *ctx, struct nftm *p)
{
	const struct cnode *pol = host_path(conf_root(c), "security policies");
	const struct cnode *x = policy_patch_find(c, pol, "policy", ctx);
	struct sb name;
	const char *l;

	if (x != NULL && !cnode_is_inactive(x))
		return;
	sb_init(&name);
	nftm_name("ctx_", ctx, &name);
	l = nftm_chain_body(m, sb_str(&name));
	nftm_patch_chain(p, sb_str(&name), NULL);
	while (policy_body_jump(&l, &name))
		nftm_patch_chain(p, sb_str(&name), NULL);
	sb_free(&name);
}

/* Calls policy_patch_dev for each device of zone (its entry, or NULL). */
static void
policy_patch_devs(struct conf *c, const struct cnode *zone, struct nftm *p)
{
	struct sb key;
	char dev[64];

	sb_init(&key);
	for (const struct cnode *x = zone ? zone->first : NULL; x;
	     x = x->next) {
		if (strcmp(x->sn->name, "interfaces") != 0 ||
		    iface_linux_name(x->val, dev, sizeof(dev)) == -1)
			continue;
		sb_reset(&key);
		sb_printf(&key, "\"%s\"", dev);
		policy_patch_dev(c, x->val, sb_str(&key), p);
	}
	sb_free(&key);
}

/*
 * For context ctx, new or gone: whether its from-zone A has a chain f_<A>
 * and map to_<A> (policy.c: while some context from A has both its
 * zones), and the policy maps' elements of the devices of both zones
 * (policy_patch_dev: the first context that names a device wins).
 */
static void
policy_patch_zones(
    struct conf *c, const struct nftm *m, const char *ctx, struct nftm *p)
{
	const struct cnode *pol = host_path(conf_root(c), "security policies");
	char zf[POLICY_ZONE_MAX], zt[POLICY_ZONE_MAX];
	struct sb f, to, rule;
	bool want = false;

	policy_ctx_zones(ctx, zf, zt);
	for (const struct cnode *q = pol ? pol->first : NULL; q && !want;
	     q = q->next) {
		const char *qs = q->val ? strchr(q->val, CONF_KEY_SEP) : NULL;
		want = policy_is(q) && qs != NULL &&
		    (size_t)(qs - q->val) == strlen(zf) &&
		    strncmp(q->val, zf, strlen(zf)) == 0 &&
		    policy_zone(c, zf) != NULL &&
		    policy_zone(c, qs + 1) != NULL;
	}
	sb_init(&f);
	sb_init(&to);
	sb_init(&rule);
	nftm_name("f_", zf, &f);
	nftm_name("to_", zf, &to);
	if (want && !nftm_has_chain(m, sb_str(&f))) {
		nftm_patch_set(p, sb_str(&to), "type ifname : verdict");
		sb_printf(&rule, "oifname vmap @%s\n", sb_str(&to));
		nftm_patch_chain(p, sb_str(&f), sb_str(&rule));
	} else if (!want && nftm_has_chain(m, sb_str(&f))) {
		nftm_patch_set(p, sb_str(&to), NULL);
		nftm_patch_chain(p, sb_str(&f), NULL);
	}
	policy_patch_devs(c, policy_zone(c, zf), p);
	if (strcmp(zf, zt) != 0)
		policy_patch_devs(c, policy_zone(c, zt), p);
	sb_free(&f);
	sb_free(&to);
	sb_free(&rule);
}

int
policy_patch(struct conf *c, const struct nftm *m, const json_t *pols,
    json_t *books, struct nftm *p, struct verrs *errs)
{
	const struct cnode *pol = host_path(conf_root(c), "security policies");
	struct sb name, jumps;
	const char *k;
	json_t *v, *zones, *users;
	int rc = -1;

	if (json_object_size(pols) == 0 && json_object_size(books) == 0)
		return 0;
	zones = json_object(); /* the contexts new or gone */
	sb_init(&name);
	sb_init(&jumps);
	policy_patch_books(c, m, books, p);
	users = policy_uses_users(c, m, books);
	/* a context new or gone (its entry added, deleted, activated or
	 * deactivated): its chains, and the maps of its zones' devices; an
	 * entry that stays, changed as a whole (moved, annotated), is built
	 * whole */
	json_object_foreach((json_t *)pols, k, v)
	{
		const struct cnode *ctx =
		    policy_patch_find(c, pol, "policy", k);
		bool now = ctx != NULL && !cnode_is_inactive(ctx);
		nftm_name("ctx_", k, &name);
		bool was = nftm_has_chain(m, sb_str(&name));
		if (now == was && json_object_get(v, "") != NULL)
			goto done;
		if (now != was) {
			/* policy_vpn.c's maps name every context's zones */
			if (nftm_has_chain(m, "pv_pre"))
				goto done;
			json_object_set_new(zones, k, json_true());
		}
	}
	/* first whether a patch can do, then the patch: an error of check
	 * is reported once, by the patch or by the model built whole */
	for (int pass = 0; pass < 2; pass++) {
		for (const struct cnode *ctx = pol ? pol->first : NULL; ctx;
		     ctx = ctx->next)
			if (policy_patch_ctx(c, m, ctx, pols, books, users,
				pass ? p : NULL, errs) == -1)
				goto done;
		if (pass == 1 && json_object_get(users, "") != NULL)
			policy_patch_used(c, cnode_child(pol, "global"), NULL,
			    json_object_get(users, ""), p, errs);
	}
	json_object_foreach(zones, k, v) policy_patch_gone(c, m, k, p);
	json_object_foreach(zones, k, v) policy_patch_zones(c, m, k, p);
	rc = 0;
done:
	json_decref(zones);
	json_decref(users);
	sb_free(&name);
	sb_free(&jumps);
	return rc;
}
