/*
 * group_src: the sources of each place of the expanded configuration (see
 * group.c for how they are used): the typed node, the groups named by
 * `apply-groups` there, and those applied higher up that reach it, each
 * step of a group's path matching by name or by wildcard (`<ge-*>`,
 * fnmatch patterns between angle brackets); `apply-groups-except` stops
 * them.  Inactive groups and statements are not inherited.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "schema/group_int.h"
#include "schema/path.h"

/* The `groups` container of the schema. */
const struct snode *
grp_groups_snode(const struct schema *s)
{
	const struct snode *root = schema_root(s);

	for (size_t i = 0; i < root->nchild; i++)
		if (root->child[i]->flags & SNF_GROUPS)
			return root->child[i];
	fatal("group: the schema has no groups statement");
	return NULL;
}

/* src's `groups` node, or NULL. */
const struct cnode *
grp_groups_node(struct conf *src)
{
	const struct cnode *root = conf_root(src);
	const struct snode *gsn = grp_groups_snode(conf_schema(src));

	return cnode_last_idx(root, gsn->idx);
}

bool
grp_in_use(struct conf *src)
{
	const struct cnode *g = grp_groups_node(src);

	return g != NULL && g->first != NULL;
}

void
gsrcs_push(struct gsrcs *a, const struct cnode *n, const char *g)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 8;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n].n = n;
	a->v[a->n].g = g;
	a->n++;
}

/* A wildcard: `<...>`, length given. */
static bool
grp_is_wild_word(const char *w, size_t len)
{
	return len >= 3 && w[0] == '<' && w[len - 1] == '>';
}

/* Does a group's list entry key name wildcards? */
bool
grp_is_wild(const struct cnode *n)
{
	const char *p = n->val;

	if (n->sn->kind != SN_LIST || p == NULL)
		return false;
	for (;;) {
		const char *e = strchr(p, CONF_KEY_SEP);
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (grp_is_wild_word(p, len))
			return true;
		if (e == NULL)
			return false;
		p = e + 1;
	}
}

/* Does the key pat (with wildcards) match key?  Keys of several words are
 * matched word by word. */
bool
grp_key_match(const char *pat, const char *key)
{
	for (;;) {
		const char *pe = strchr(pat, CONF_KEY_SEP);
		const char *ke = strchr(key, CONF_KEY_SEP);
		size_t plen = pe ? (size_t)(pe - pat) : strlen(pat);
		size_t klen = ke ? (size_t)(ke - key) : strlen(key);
		if (grp_is_wild_word(pat, plen)) {
			char *p = xstrndup(pat + 1, plen - 2);
			char *k = xstrndup(key, klen);
			int r = fnmatch(p, k, 0);
			free(p);
			free(k);
			if (r != 0)
				return false;
		} else if (plen != klen || strncmp(pat, key, plen) != 0) {
			return false;
		}
		if ((pe == NULL) != (ke == NULL))
			return false;
		if (pe == NULL)
			return true;
		pat = pe + 1;
		key = ke + 1;
	}
}

/* The child statement of a source node's schema that stands for msn. */
const struct snode *
grp_child_snode(const struct snode *sn, const struct snode *msn)
{
	if (sn == msn->parent)
		return msn;
	for (size_t i = 0; i < sn->nchild; i++)
		if (sn->child[i]->main == msn)
			return sn->child[i];
	return NULL;
}

/*
 * The children of group node s that stand at the place (msn, val): the
 * entry named val first, then the wildcard entries that match, in their
 * order.  Inactive ones are not inherited.
 */
void
grp_matches_all(struct gsync *y, const struct cnode *s, const char *g,
    const struct snode *msn, const char *val, bool all, struct gsrcs *out)
{
	const struct snode *sn = grp_child_snode(s->sn, msn);
	const struct cnode *c, *first;

	if (sn == NULL)
		return;
	c = conf_find(y->src, s, sn, val);
	if (c != NULL && (all || !(c->flags & CN_INACTIVE)))
		gsrcs_push(out, c, g);
	if (sn->kind != SN_LIST || cnode_last_idx(s, sn->idx) == NULL)
		return;
	for (first = cnode_last_idx(s, sn->idx);
	     first->prev && first->prev->sn == sn;)
		first = first->prev;
	for (c = first; c != NULL && c->sn == sn; c = c->next)
		if ((all || !(c->flags & CN_INACTIVE)) && grp_is_wild(c) &&
		    grp_key_match(c->val, val))
			gsrcs_push(out, c, g);
}

static void
grp_matches(struct gsync *y, const struct cnode *s, const char *g,
    const struct snode *msn, const char *val, struct gsrcs *out)
{
	grp_matches_all(y, s, g, msn, val, false, out);
}

/* The active entry of group name in the source tree, or NULL. */
static const struct cnode *
grp_find_group(struct gsync *y, const char *name)
{
	const struct cnode *n;

	if (y->groups == NULL || (y->groups->flags & CN_INACTIVE))
		return NULL;
	n = conf_find(y->src, y->groups, y->groups_sn, name);
	return n != NULL && !(n->flags & CN_INACTIVE) ? n : NULL;
}

static void
grp_undefined(struct gsync *y, const struct cnode *xn, const char *name)
{
	struct sb e, st, m;

	if (y->errs == NULL)
		return;
	sb_init(&e);
	sb_init(&st);
	sb_init(&m);
	sb_puts(&e, "[edit");
	if (xn->parent != NULL) {
		sb_putc(&e, ' ');
		cnode_path_text(xn, &e);
	}
	sb_putc(&e, ']');
	sb_printf(&st, "apply-groups %s", name);
	sb_printf(&m, "group '%s' is not defined", name);
	verrs_add(y->errs, sb_str(&e), sb_str(&st), sb_str(&m), false);
	sb_free(&e);
	sb_free(&st);
	sb_free(&m);
}

/*
 * The nodes of group gnode at the place of expanded node xn: the group's
 * path to it, each step matching by name or wildcard.
 */
static void
grp_reach(struct gsync *y, const struct cnode *gnode, const char *g,
    const struct cnode *xn, struct gsrcs *out)
{
	const struct cnode *path[64];
	size_t depth = 0;
	struct gsrcs cur = { 0 }, next = { 0 };

	for (const struct cnode *n = xn; n->parent != NULL && depth < 64;
	     n = n->parent)
		path[depth++] = n;
	gsrcs_push(&cur, gnode, g);
	while (depth-- > 0 && cur.n > 0) {
		next.n = 0;
		for (size_t i = 0; i < cur.n; i++)
			grp_matches(y, cur.v[i].n, g, path[depth]->sn,
			    path[depth]->val, &next);
		struct gsrcs t = cur;
		cur = next;
		next = t;
	}
	for (size_t i = 0; i < cur.n; i++)
		gsrcs_push(out, cur.v[i].n, g);
	free(cur.v);
	free(next.v);
}

/*
 * The first apply-groups or apply-groups-except node under typed node l
 * (they stand together, first in a block, after `groups` at the top), or
 * NULL.
 */
static const struct cnode *
grp_apply_first(const struct cnode *l)
{
	const struct snode *sn;

	if (l == NULL || l->first == NULL)
		return NULL;
	for (size_t i = 0; i < l->sn->nchild; i++) {
		sn = l->sn->child[i];
		if (!(sn->flags & SNF_APPLY))
			continue;
		if (cnode_last_idx(l, i) == NULL)
			continue;
		const struct cnode *c = cnode_last_idx(l, i);
		while (c->prev != NULL && (c->prev->sn->flags & SNF_APPLY))
			c = c->prev;
		return c;
	}
	return NULL;
}

/* Is name listed in the apply-groups-except of local node l? */
static bool
grp_excepted(const struct cnode *l, const char *name)
{
	for (const struct cnode *c = grp_apply_first(l); c; c = c->next) {
		if (!(c->sn->flags & SNF_APPLY))
			break;
		if (strcmp(c->sn->name, "apply-groups-except") == 0 &&
		    !(c->flags & CN_INACTIVE) && strcmp(c->val, name) == 0)
			return true;
	}
	return false;
}

/* Did the apply-groups of local node l change? */
bool
grp_apply_changed(const struct cnode *l)
{
	if (l == NULL)
		return false;
	if (l->flags & CN_SHAPE)
		return true;
	for (const struct cnode *c = grp_apply_first(l); c; c = c->next) {
		if (!(c->sn->flags & SNF_APPLY))
			break;
		if (c->flags & CN_DIRTY)
			return true;
	}
	return false;
}

/*
 * The sources of expanded node xn: its typed node l (or NULL), the groups
 * applied at l, then those of the parent's sources pn that reach it.
 */
void
grp_sources(struct gsync *y, const struct cnode *xn, const struct cnode *l,
    const struct gsrcs *pn, struct gsrcs *out)
{
	if (l != NULL)
		gsrcs_push(out, l, NULL);
	for (const struct cnode *c = grp_apply_first(l); c; c = c->next) {
		const struct cnode *gn;
		if (!(c->sn->flags & SNF_APPLY))
			break;
		if (strcmp(c->sn->name, "apply-groups") != 0 ||
		    (c->flags & CN_INACTIVE))
			continue;
		gn = grp_find_group(y, c->val);
		if (gn == NULL) {
			if (y->groups == NULL ||
			    conf_find(y->src, y->groups, y->groups_sn,
				c->val) == NULL)
				grp_undefined(y, xn, c->val);
			continue;
		}
		grp_reach(y, gn, gn->val, xn, out);
	}
	for (size_t i = 0; pn != NULL && i < pn->n; i++) {
		if (pn->v[i].g == NULL || grp_excepted(l, pn->v[i].g))
			continue;
		grp_matches(y, pn->v[i].n, pn->v[i].g, xn->sn, xn->val, out);
	}
}
