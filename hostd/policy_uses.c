/*
 * policy_uses: which policies and address-sets name an address-book
 * entry, kept in the model (nftm_use), so that a change of an address
 * refills the buckets of the policies that use it (policy_patch.c), not
 * every policy of every context: at 40,000 policies the walk was most of
 * a one-line commit (issue 13, docs/benchmarks.md thirty-eighth round).
 *
 * Names and users: "p\n<entry>" -> the policies "<context>\n<policy>"
 * ("" for a global one) whose match names the entry; "s\n<entry>" -> the
 * address-sets that hold it.  A model built whole has all of them
 * (policy_uses_model); a patch adds those of the policies and sets it
 * names, so the model in force has every use in force and maybe some no
 * more: each is checked against the configuration when looked up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/hostd.h"

/* Whether a is one of the names any address is (no address-book entry). */
static bool
policy_uses_any(const char *a)
{
	return strcmp(a, "any") == 0 || strcmp(a, "any-ipv4") == 0 ||
	    strcmp(a, "any-ipv6") == 0;
}

void
policy_uses_policy(struct nftm *m, const char *ctx, const struct cnode *q)
{
	struct sb name, user;

	sb_init(&name);
	sb_init(&user);
	/* sb_puts, not sb_printf: this runs for each policy at every load */
	sb_puts(&user, ctx);
	sb_putc(&user, '\n');
	sb_puts(&user, q->val);
	/* inactive statements too: one activated is named by the change */
	for (const struct cnode *mt = q->first; mt != NULL; mt = mt->next) {
		if (strcmp(mt->sn->name, "match") != 0)
			continue;
		for (const struct cnode *a = mt->first; a; a = a->next) {
			if ((strcmp(a->sn->name, "source-address") != 0 &&
				strcmp(a->sn->name, "destination-address") !=
				    0) ||
			    a->val == NULL || policy_uses_any(a->val))
				continue;
			sb_reset(&name);
			sb_puts(&name, "p\n");
			sb_puts(&name, a->val);
			nftm_use(m, sb_str(&name), sb_str(&user));
		}
	}
	sb_free(&name);
	sb_free(&user);
}

void
policy_uses_set(struct nftm *m, const struct cnode *x)
{
	struct sb name;

	sb_init(&name);
	for (const struct cnode *y = x->first; y != NULL; y = y->next) {
		if ((strcmp(y->sn->name, "address") != 0 &&
			strcmp(y->sn->name, "address-set") != 0) ||
		    y->val == NULL)
			continue;
		sb_reset(&name);
		sb_printf(&name, "s\n%s", y->val);
		nftm_use(m, sb_str(&name), x->val);
	}
	sb_free(&name);
}

void
policy_uses_model(struct conf *c, struct nftm *m)
{
	const struct cnode *sec = cnode_child(conf_root(c), "security");
	const struct cnode *pol = host_path(conf_root(c), "security policies");
	const struct cnode *g = cnode_child(pol, "global");

	for (const struct cnode *x = pol ? pol->first : NULL; x; x = x->next)
		if (strcmp(x->sn->name, "policy") == 0 && x->val != NULL)
			for (const struct cnode *q = x->first; q; q = q->next)
				if (strcmp(q->sn->name, "policy") == 0)
					policy_uses_policy(m, x->val, q);
	for (const struct cnode *q = g ? g->first : NULL; q; q = q->next)
		if (strcmp(q->sn->name, "policy") == 0)
			policy_uses_policy(m, "", q);
	for (const struct cnode *b = sec ? sec->first : NULL; b; b = b->next)
		if (strcmp(b->sn->name, "address-book") == 0)
			for (const struct cnode *x = b->first; x; x = x->next)
				if (strcmp(x->sn->name, "address-set") == 0)
					policy_uses_set(m, x);
}

/* Adds to books (and to the list add) the sets m says hold name. */
static void
policy_uses_holders(
    const struct nftm *m, const char *name, json_t *books, json_t *add)
{
	const char *k;
	json_t *u, *v;
	struct sb key;

	if (m == NULL)
		return;
	sb_init(&key);
	sb_printf(&key, "s\n%s", name);
	u = nftm_users(m, sb_str(&key));
	json_object_foreach(u, k, v)
	{
		if (json_object_get(books, k) != NULL)
			continue;
		json_object_set_new(books, k, json_true());
		json_array_append_new(add, json_string(k));
	}
	json_decref(u);
	sb_free(&key);
}

void
policy_uses_sets(const struct nftm *m, const struct nftm *p, json_t *books)
{
	json_t *round = json_array(), *next;
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach(books, k, v)
	    json_array_append_new(round, json_string(k));
	/* a level of nesting a round, as deep as policy_addr resolves */
	for (int depth = 0;
	     json_array_size(round) > 0 && depth <= POLICY_SET_DEPTH; depth++) {
		next = json_array();
		json_array_foreach(round, i, v)
		{
			policy_uses_holders(
			    m, json_string_value(v), books, next);
			policy_uses_holders(
			    p, json_string_value(v), books, next);
		}
		json_decref(round);
		round = next;
	}
	json_decref(round);
}

/* Policy name of context (or global) node x, when in effect. */
static const struct cnode *
policy_uses_find(struct conf *c, const struct cnode *x, const char *name)
{
	const struct snode *sn = x ? snode_child_named(x->sn, "policy") : NULL;
	const struct cnode *q = sn ? conf_find(c, x, sn, name) : NULL;

	return q != NULL && policy_in(q) ? q : NULL;
}

json_t *
policy_uses_users(struct conf *c, const struct nftm *m, const json_t *books)
{
	const struct cnode *pol = host_path(conf_root(c), "security policies");
	const struct snode *psn =
	    pol ? snode_child_named(pol->sn, "policy") : NULL;
	json_t *out = json_object(), *v, *uv, *e;
	const char *k, *u;
	struct sb key, ctx;

	sb_init(&key);
	sb_init(&ctx);
	json_object_foreach((json_t *)books, k, v)
	{
		sb_reset(&key);
		sb_printf(&key, "p\n%s", k);
		json_t *us = nftm_users(m, sb_str(&key));
		json_object_foreach(us, u, uv)
		{
			const char *nl = strchr(u, '\n');
			const struct cnode *x, *q;
			if (nl == NULL)
				continue;
			sb_reset(&ctx);
			sb_printf(&ctx, "%.*s", (int)(nl - u), u);
			x = ctx.len == 0 ? cnode_child(pol, "global")
			    : psn	 ? conf_find(c, pol, psn, sb_str(&ctx))
					 : NULL;
			if (x == NULL || cnode_is_inactive(x))
				continue;
			/* a use no more (the policy changed): skipped */
			q = policy_uses_find(c, x, nl + 1);
			if (q == NULL || !policy_patch_uses(q, books))
				continue;
			e = json_object_get(out, sb_str(&ctx));
			if (e == NULL) {
				e = json_object();
				json_object_set_new(out, sb_str(&ctx), e);
			}
			json_object_set_new(e, nl + 1, json_true());
		}
		json_decref(us);
	}
	sb_free(&key);
	sb_free(&ctx);
	return out;
}
