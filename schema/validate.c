/*
 * validate: commit-time checks of a configuration tree (see validate.h).
 */
#include <stdlib.h>
#include <string.h>

#include "schema/path.h"
#include "schema/validate.h"

void
verrs_add(struct verrs *e, const char *edit, const char *stmt, const char *msg,
    bool missing)
{
	e->v = xrealloc(e->v, (e->n + 1) * sizeof(*e->v));
	e->v[e->n].edit = xstrdup(edit);
	e->v[e->n].stmt = xstrdup(stmt);
	e->v[e->n].msg = xstrdup(msg);
	e->v[e->n].missing = missing;
	e->n++;
}

void
verrs_free(struct verrs *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].edit);
		free(e->v[i].stmt);
		free(e->v[i].msg);
	}
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static int
verr_cmp(const void *a, const void *b)
{
	const struct verr *x = *(const struct verr *const *)a;
	const struct verr *y = *(const struct verr *const *)b;
	int c = strcmp(x->edit, y->edit);

	if (c == 0)
		c = strcmp(x->stmt, y->stmt);
	if (c == 0)
		c = strcmp(x->msg, y->msg);
	/* equal ones by position: the first of them is the one printed */
	return c != 0 ? c : (x < y ? -1 : x > y);
}

void
verrs_text(const struct verrs *e, bool is_commit, struct sb *out)
{
	bool all_missing = e->n > 0;
	const struct verr **by = xcalloc(e->n ? e->n : 1, sizeof(*by));
	bool *dup = xcalloc(e->n ? e->n : 1, sizeof(*dup));

	/* One problem found twice (a reference checked from both of its
	 * ends) is printed once. */
	for (size_t i = 0; i < e->n; i++)
		by[i] = &e->v[i];
	qsort(by, e->n, sizeof(*by), verr_cmp);
	for (size_t i = 1; i < e->n; i++)
		if (strcmp(by[i]->edit, by[i - 1]->edit) == 0 &&
		    strcmp(by[i]->stmt, by[i - 1]->stmt) == 0 &&
		    strcmp(by[i]->msg, by[i - 1]->msg) == 0)
			dup[by[i] - e->v] = true;
	for (size_t i = 0; i < e->n; i++) {
		if (dup[i])
			continue;
		sb_printf(out, "%s\n  '%s'\n    %s\n", e->v[i].edit,
		    e->v[i].stmt, e->v[i].msg);
		if (!e->v[i].missing)
			all_missing = false;
	}
	free(by);
	free(dup);
	if (all_missing)
		sb_printf(out, "error: %s: (missing mandatory statements)\n",
		    is_commit ? "commit failed"
			      : "configuration check-out failed");
	else
		sb_puts(out, "error: configuration check-out failed\n");
}

static void
validate_edit_of(const struct cnode *n, struct sb *out)
{
	sb_puts(out, "[edit");
	if (n != NULL && n->parent != NULL) {
		sb_putc(out, ' ');
		cnode_path_text(n, out);
	}
	sb_putc(out, ']');
}

static void
validate_error(struct verrs *errs, const struct cnode *parent,
    const struct cnode *n, const char *msg, bool missing)
{
	struct sb e, s;

	sb_init(&e);
	sb_init(&s);
	const char *from = n != NULL && cnode_from(n) != NULL ? cnode_from(n)
	    : parent != NULL ? cnode_from(parent)
			     : NULL;
	struct sb m;

	sb_init(&m);
	validate_edit_of(parent, &e);
	if (n != NULL)
		cstep_text(n->sn, n->val, &s);
	/* Inherited: the place, and the group it came from. */
	sb_puts(&m, msg);
	if (from != NULL)
		sb_printf(&m, " (inherited from group '%s')", from);
	verrs_add(errs, sb_str(&e), sb_str(&s), sb_str(&m), missing);
	sb_free(&m);
	sb_free(&e);
	sb_free(&s);
}

/* The entry of list `target` named name in c, or NULL.  A list nested in a
 * list (interface units) takes "outer.inner" names. */
static struct cnode *
validate_resolve(struct conf *c, const struct snode *target, const char *name)
{
	const struct snode *chain[16];
	size_t n = 0;
	struct cnode *cur = conf_root(c);
	char *outer = NULL;
	const char *inner = name;

	for (const struct snode *sn = target; sn && sn->parent && n < 16;
	     sn = sn->parent)
		chain[n++] = sn;
	for (size_t i = n; i-- > 0 && cur;) {
		const struct snode *sn = chain[i];
		if (sn->kind == SN_LIST && sn != target) {
			const char *dot = strrchr(name, '.');
			if (dot == NULL) {
				cur = NULL;
				break;
			}
			outer = xstrndup(name, (size_t)(dot - name));
			inner = dot + 1;
			cur = conf_find(c, cur, sn, outer);
		} else if (sn == target) {
			cur = conf_find(c, cur, sn, inner);
		} else {
			cur = conf_find(c, cur, sn, NULL);
		}
	}
	free(outer);
	if (cur != NULL && cnode_is_inactive(cur))
		return NULL;
	return cur;
}

/* The name a referrer uses for list entry e ("ge-0/0/0.0" for a unit). */
static void
validate_ref_name(const struct cnode *e, struct sb *out)
{
	const struct cnode *p;

	for (p = e->parent; p && p->sn->kind != SN_LIST; p = p->parent)
		;
	if (p != NULL && p->parent != NULL) {
		sb_puts(out, p->val);
		sb_putc(out, '.');
	}
	sb_puts(out, e->val);
}

/* Words naming a list for messages: /security/ike/policy -> "ike policy". */
static void
validate_list_words(const struct snode *list, struct sb *out)
{
	const struct snode *chain[16];
	size_t n = 0;

	for (const struct snode *sn = list; sn && sn->parent && n < 16;
	     sn = sn->parent)
		chain[n++] = sn;
	bool first = true;

	for (size_t i = n; i-- > 0;) {
		if (i == n - 1 && n > 1 &&
		    strcmp(chain[i]->name, "security") == 0)
			continue;
		if (!first)
			sb_putc(out, ' ');
		first = false;
		sb_puts(out, chain[i]->name);
	}
}

static void
validate_ref(struct conf *c, const struct cnode *n, struct verrs *errs)
{
	const char *name = n->val;
	const struct snode *ref = n->sn->ref;

	/* A list whose one key names an entry elsewhere (zone interfaces):
	 * entries carry the key in val, there is no key leaf node. */
	if (ref == NULL && n->sn->kind == SN_LIST && n->sn->nkeys == 1)
		ref = n->sn->keys[0]->ref;
	if (ref == NULL || name == NULL || cnode_is_inactive(n))
		return;
	if (validate_resolve(c, ref, name) != NULL)
		return;
	struct sb m;
	sb_init(&m);
	sb_puts(&m, "Referenced ");
	validate_list_words(ref, &m);
	sb_printf(&m, " '%s' is not defined", name);
	validate_error(errs, n->parent, n, sb_str(&m), false);
	sb_free(&m);
}

static void
validate_mandatory(const struct cnode *n, struct verrs *errs)
{
	const struct snode *sn = n->sn;

	if (sn->kind != SN_CONTAINER && sn->kind != SN_LIST)
		return;
	if (cnode_is_inactive(n))
		return;
	for (size_t i = 0; i < sn->nchild; i++) {
		const struct snode *ch = sn->child[i];
		if (!(ch->flags & SNF_MANDATORY) || (ch->flags & SNF_KEY))
			continue;
		if (cnode_last_idx(n, ch->idx) != NULL)
			continue;
		struct sb m;
		sb_init(&m);
		sb_printf(&m, "Missing mandatory statement: '%s'", ch->name);
		validate_error(errs, n->parent, n, sb_str(&m), true);
		sb_free(&m);
	}
}

static void
validate_max(struct conf *c, const struct cnode *n, struct verrs *errs)
{
	const struct snode *sn = n->sn;

	if (sn->max_elements == 0 || n->parent == NULL)
		return;
	/* Only the last entry of a run reports, once. */
	if (n->next != NULL && n->next->sn == sn)
		return;
	size_t cnt = conf_count_kind(c, n->parent, sn);
	if (cnt <= sn->max_elements)
		return;
	struct sb m;
	sb_init(&m);
	sb_printf(
	    &m, "Number of elements exceeds limit of %u", sn->max_elements);
	validate_error(errs, n->parent, n, sb_str(&m), false);
	sb_free(&m);
}

/* Checks an added or changed subtree of the new tree. */
static void
validate_subtree(struct conf *c, const struct cnode *n, struct verrs *errs)
{
	validate_ref(c, n, errs);
	validate_mandatory(n, errs);
	validate_max(c, n, errs);
	for (const struct cnode *ch = n->first; ch; ch = ch->next)
		validate_subtree(c, ch, errs);
}

/* Walks the new tree along referrer r's schema path, checking each value
 * that names `name`. */
static void
validate_referrers_walk(struct conf *c, const struct cnode *cur,
    const struct snode *const *chain, size_t i, const char *name,
    const struct cnode *deleted, struct verrs *errs)
{
	const struct snode *sn = chain[i];

	if (i == 0) {
		/* the referring leaf, leaf-list or list */
		for (const struct cnode *ch = cnode_last_idx(cur, sn->idx);
		     ch && ch->sn == sn; ch = ch->prev) {
			if (ch->val == NULL || strcmp(ch->val, name) != 0 ||
			    cnode_is_inactive(ch))
				continue;
			struct sb m;
			sb_init(&m);
			sb_puts(&m, "Referenced ");
			validate_list_words(deleted->sn, &m);
			sb_printf(&m, " '%s' is not defined", name);
			validate_error(errs, ch->parent, ch, sb_str(&m), false);
			sb_free(&m);
		}
		return;
	}
	for (const struct cnode *ch = cnode_last_idx(cur, sn->idx);
	     ch && ch->sn == sn; ch = ch->prev) {
		validate_referrers_walk(
		    c, ch, chain, i - 1, name, deleted, errs);
		if (sn->kind != SN_LIST)
			break;
	}
}

/* A deleted subtree: is anything still pointing at an entry in it? */
static void
validate_deleted(struct conf *c, const struct cnode *o, struct verrs *errs)
{
	const struct snode *sn = o->sn;

	if (sn->kind == SN_LIST && sn->nreferrers > 0) {
		struct sb name;
		sb_init(&name);
		validate_ref_name(o, &name);
		/* Still there under the same name (renamed parent etc.)? */
		if (validate_resolve(c, sn, sb_str(&name)) == NULL) {
			for (size_t r = 0; r < sn->nreferrers; r++) {
				const struct snode *chain[16];
				size_t k = 0;
				const struct snode *x0 = sn->referrers[r];
				/* a list key: the values are the entries' keys
				 */
				if ((x0->flags & SNF_KEY) &&
				    x0->parent->nkeys == 1)
					x0 = x0->parent;
				for (const struct snode *x = x0;
				     x && x->parent && k < 16; x = x->parent)
					chain[k++] = x;
				validate_referrers_walk(c, conf_root(c), chain,
				    k - 1, sb_str(&name), o, errs);
			}
		}
		sb_free(&name);
	}
	for (const struct cnode *ch = o->first; ch; ch = ch->next)
		validate_deleted(c, ch, errs);
}

void
validate_diff(struct conf *c, const struct diff *d, struct verrs *errs)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diff_item *it = &d->v[i];
		switch (it->kind) {
		case DIFF_ADD: validate_subtree(c, it->new, errs); break;
		case DIFF_VALUE: validate_ref(c, it->new, errs); break;
		case DIFF_META:
			/* (de)activation changes what references resolve to */
			validate_subtree(c, it->new, errs);
			if (it->new->flags & CN_INACTIVE)
				validate_deleted(c, it->new, errs);
			break;
		case DIFF_DEL: {
			/* The parent may now miss a mandatory statement. */
			struct cpath p;
			cpath_init(&p);
			cnode_to_cpath(it->old->parent, &p);
			struct cnode *np = cpath_find(c, &p);
			if (np != NULL && (it->old->sn->flags & SNF_MANDATORY))
				validate_mandatory(np, errs);
			cpath_free(&p);
			validate_deleted(c, it->old, errs);
			break;
		}
		case DIFF_ORDER: break;
		}
	}
}

void
validate_all(struct conf *c, struct verrs *errs)
{
	for (const struct cnode *ch = conf_root(c)->first; ch; ch = ch->next)
		validate_subtree(c, ch, errs);
}
