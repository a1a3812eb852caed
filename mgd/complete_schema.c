/*
 * complete_schema: completion of a statement path against the schema and the
 * configuration (set, delete, show, edit, … and `show configuration`): what may
 * follow — keywords, values, existing entries — and the errors exec would give.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "mgd/cmd.h"
#include "mgd/complete_int.h"
#include "mgd/db.h"

/* ----- values ---------------------------------------------------------- */

static const char *
comp_enum_help(const struct snode *sn, size_t idx)
{
	const struct lysc_type *t = NULL;

	if (sn->ly == NULL)
		return "";
	if (sn->ly->nodetype == LYS_LEAF)
		t = ((const struct lysc_node_leaf *)sn->ly)->type;
	else if (sn->ly->nodetype == LYS_LEAFLIST)
		t = ((const struct lysc_node_leaflist *)sn->ly)->type;
	if (t == NULL || t->basetype != LY_TYPE_ENUM)
		return "";
	const struct lysc_type_enum *e = (const struct lysc_type_enum *)t;
	if (idx >= LY_ARRAY_COUNT(e->enums) || e->enums[idx].dsc == NULL)
		return "";
	return e->enums[idx].dsc;
}

/* `<name>  Description (lo..hi)` for a free value of leaf sn. */
static void
comp_placeholder(struct comp *c, const struct snode *sn)
{
	struct sb v, h;
	const char *range;

	sb_init(&v);
	sb_init(&h);
	schema_value_help(sn, &v);
	range = strchr(sb_str(&v), '>');
	range = range ? range + 1 : "";
	while (*range == ' ' && sn->dsc[0] == '\0')
		range++;
	sb_printf(&h, "%s%s", sn->dsc, range);
	sb_reset(&v);
	sb_printf(&v, "<%s>", sn->name);
	comp_add(c, CI_PLACEHOLDER, ' ', sb_str(&v), sb_str(&h));
	sb_free(&v);
	sb_free(&h);
}

/* A name offered for listing and the entry it comes from. */
struct nent {
	char *v;
	struct cnode *e;
};

static int
comp_cmp_nent(const void *a, const void *b)
{
	return strcmp(((const struct nent *)a)->v, ((const struct nent *)b)->v);
}

static void
nent_swap(struct nent *a, struct nent *b)
{
	struct nent t = *a;

	*a = *b;
	*b = t;
}

/* Moves the k smallest of x[0 .. n) to the front (quickselect). */
static void
nent_select(struct nent *x, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, i = lo, j = hi;
		/* median of three as the pivot, kept at mid */
		if (strcmp(x[mid].v, x[lo].v) < 0)
			nent_swap(&x[mid], &x[lo]);
		if (strcmp(x[hi].v, x[lo].v) < 0)
			nent_swap(&x[hi], &x[lo]);
		if (strcmp(x[hi].v, x[mid].v) < 0)
			nent_swap(&x[hi], &x[mid]);
		const char *pv = x[mid].v;
		while (i <= j) {
			while (strcmp(x[i].v, pv) < 0)
				i++;
			while (strcmp(x[j].v, pv) > 0)
				j--;
			if (i <= j) {
				nent_swap(&x[i], &x[j]);
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

/*
 * The entries of list sn under parent (key part k; earlier parts must equal
 * before), as CI_NAME items, sorted, at most COMPLETE_MAX_NAMES and a "...".
 * Only parent's children of that kind are read, each once.
 */
static void
comp_names(struct comp *c, struct cnode *parent, const struct snode *sn,
    size_t k, const char *before)
{
	const struct snode *dsn = snode_child(sn, "description");
	bool owned = sn->nkeys > 1;
	struct nent *x = NULL;
	const char *max = NULL;
	size_t n = 0, cap = 0, wl = strlen(c->word), blen, shown = 0;

	if (parent == NULL || sn->parent != parent->sn)
		return;
	blen = before ? strlen(before) : 0;
	for (struct cnode *ch = cnode_last_idx(parent, sn->idx);
	     ch && ch->sn == sn; ch = ch->prev) {
		const char *p = ch->val;
		if (p == NULL)
			continue;
		if (k > 0) {
			if (strncmp(p, before, blen) != 0 ||
			    p[blen] != CONF_KEY_SEP)
				continue;
			p += blen + 1;
		}
		size_t len = owned ? strcspn(p, "\x1f") : strlen(p);
		if (len < wl || strncmp(p, c->word, wl) != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			x = xrealloc(x, cap * sizeof(*x));
		}
		/* single-key entries are borrowed; key parts are copied */
		x[n].v = owned ? xstrndup(p, len) : ch->val;
		x[n].e = ch;
		if (max == NULL || strcmp(x[n].v, max) > 0)
			max = x[n].v;
		n++;
	}
	if (n > COMPLETE_MAX_NAMES + 1)
		nent_select(x, n, COMPLETE_MAX_NAMES + 1);
	size_t m = n < COMPLETE_MAX_NAMES + 1 ? n : COMPLETE_MAX_NAMES + 1;
	if (m > 0)
		qsort(x, m, sizeof(*x), comp_cmp_nent);
	for (size_t i = 0; i < m; i++) {
		if (i > 0 && strcmp(x[i].v, x[i - 1].v) == 0)
			continue; /* a key part shared by entries */
		if (shown == COMPLETE_MAX_NAMES) {
			/* the rest: one line after the last name listed */
			struct citem *it;
			comp_add(c, CI_MORE, ' ', "...", "");
			it = &c->it[c->nit - 1];
			it->key = xmalloc(strlen(x[i - 1].v) + 2);
			sprintf(it->key, "%s\x7f", x[i - 1].v);
			/* `common` covers the names left out */
			if (!owned)
				c->lcp_extra = max;
			break;
		}
		const char *h = sn->keys[k]->dsc;
		if (dsn != NULL && !owned) {
			struct cnode *d = conf_find(c->conf, x[i].e, dsn, NULL);
			if (d != NULL && d->val != NULL)
				h = d->val;
		}
		comp_add(c, CI_NAME, ' ', x[i].v, h);
		shown++;
	}
	if (owned)
		for (size_t i = 0; i < n; i++)
			free(x[i].v);
	free(x);
}

/* The entries of the list a qc:ref names (lists under containers only). */
static void
comp_ref_names(struct comp *c, const struct snode *list)
{
	const struct snode *up[32];
	size_t n = 0;
	struct cnode *at = conf_root(c->conf);

	for (const struct snode *p = list->parent; p && p->parent;
	     p = p->parent) {
		if (p->kind != SN_CONTAINER || n == 32)
			return;
		up[n++] = p;
	}
	while (n > 0 && at != NULL)
		at = conf_find(c->conf, at, up[--n], NULL);
	comp_names(c, at, list, 0, NULL);
}

/* What may be typed as the value of leaf (or leaf-list) sn. */
void
comp_values(struct comp *c, const struct snode *sn)
{
	const char *ev[128];
	size_t ne = schema_enum_values(sn, ev, 128);

	if (ne > 0) {
		for (size_t i = 0; i < ne && i < 128; i++)
			comp_add(
			    c, CI_VALUE, ' ', ev[i], comp_enum_help(sn, i));
		return;
	}
	if (sn->flags & SNF_EMPTY)
		return;
	comp_placeholder(c, sn);
	if (sn->ref != NULL && c->conf != NULL)
		comp_ref_names(c, sn->ref);
}

/* Rollback generations, numbered and dated as `show system commit`. */
void
comp_generations(struct comp *c)
{
	struct mgd *m = c->m;
	int n = db_count(m->db);

	for (int i = 0; i < n && i < 50; i++) {
		struct db_gen g;
		struct sb h;
		char num[16], key[16];
		if (db_gen_info(m->db, i, &g) == -1)
			break;
		sb_init(&h);
		mgd_time(g.time, &h);
		sb_printf(&h, " by %s via %s", g.user, g.client);
		snprintf(num, sizeof(num), "%d", i);
		snprintf(key, sizeof(key), "%05d", i);
		size_t before = c->nit;
		comp_add(c, CI_VALUE, ' ', num, sb_str(&h));
		if (c->nit > before)
			c->it[c->nit - 1].key = xstrdup(key);
		sb_free(&h);
		db_gen_clear(&g);
	}
}

/* ----- configuration statements ---------------------------------------- */

enum pstate { PS_CHILDREN, PS_VALUE, PS_KEY, PS_KEYWORD, PS_BRACKET, PS_DONE };

struct pres {
	enum pstate st;
	const struct snode *sn; /* children of / value of / keys of */
	size_t key;		/* PS_KEY, PS_KEYWORD: which key */
	char *before;		/* PS_KEY k > 0: the earlier keys, joined */
	bool positional_done;
	struct cpath at;	  /* containers and list entries down to sn */
	size_t nsteps;		  /* statements parsed after the command */
	const struct snode *last; /* the last of them, or NULL */
};

static int
comp_parse_try(struct comp *c, const struct snode *base, size_t from, size_t to,
    enum path_mode mode, struct cpath *rel, struct path_err *err)
{
	struct toks sub = c->tk;
	size_t pos = from;

	sub.n = to;
	cpath_init(rel);
	sb_reset(&err->msg);
	return path_parse(c->m->schema, base, &sub, &pos, mode, rel, err);
}

/* r->at = the level plus rel's containers and list entries (first n). */
static void
comp_at(struct comp *c, const struct cpath *rel, size_t n, struct pres *r)
{
	cpath_init(&r->at);
	for (size_t i = 0; i < c->level->n; i++)
		cpath_push(&r->at, c->level->step[i].sn, c->level->step[i].val);
	for (size_t i = 0; i < n; i++) {
		const struct snode *sn = rel->step[i].sn;
		if (sn->kind == SN_CONTAINER || sn->kind == SN_LIST)
			cpath_push(&r->at, sn, rel->step[i].val);
	}
}

/* The state after a path that parsed in PATH_LOOSE mode. */
static void
comp_state(struct comp *c, const struct snode *base, const struct cpath *rel,
    size_t to, struct pres *r)
{
	const struct cstep *last = rel->n ? &rel->step[rel->n - 1] : NULL;
	size_t ctx = 0;

	r->nsteps = rel->n;
	r->last = last ? last->sn : NULL;
	r->sn = base;
	for (size_t i = 0; i < rel->n; i++) {
		if (rel->step[i].sn->kind == SN_CONTAINER ||
		    (rel->step[i].sn->kind == SN_LIST && rel->step[i].val)) {
			r->sn = rel->step[i].sn;
			ctx = i + 1;
		}
	}
	if (last && last->sn->kind == SN_LIST && last->val == NULL) {
		r->st = PS_KEY;
		r->sn = last->sn;
		comp_at(c, rel, rel->n - 1, r);
		return;
	}
	comp_at(c, rel, rel->n, r);
	if (last && last->val == NULL &&
	    (last->sn->kind == SN_LEAFLIST ||
		(last->sn->kind == SN_LEAF &&
		    !(last->sn->flags & SNF_EMPTY)))) {
		r->st = PS_VALUE;
		r->sn = last->sn;
		return;
	}
	if (to > 0 && !c->tk.t[to - 1].quoted &&
	    strcmp(c->tk.t[to - 1].s, "]") == 0) {
		r->st = PS_DONE;
		return;
	}
	r->st = PS_CHILDREN;
	for (size_t i = ctx; i < rel->n; i++)
		if (rel->step[i].sn == r->sn->positional)
			r->positional_done = true;
}

/* A keyword of a key-keywords list (`from-zone`) that word w names. */
static const struct snode *
comp_keykw_list(const struct snode *ctx, const char *w)
{
	const struct snode *hit = NULL;
	size_t wl = strlen(w);

	for (size_t i = 0; i < ctx->nchild; i++) {
		const struct snode *ch = ctx->child[i];
		if (ch->kind != SN_LIST || !(ch->flags & SNF_KEYKEYWORDS))
			continue;
		if (strcmp(ch->keys[0]->name, w) == 0)
			return ch;
		if (strncmp(ch->keys[0]->name, w, wl) == 0)
			hit = hit ? NULL : ch;
	}
	return hit;
}

/*
 * A path the parser leaves unfinished at the end: inside `[ ... ]`, or
 * between the keys of a key-keywords list.  0 with r filled, or -1.
 */
static int
comp_partial(struct comp *c, const struct snode *base, size_t from, size_t to,
    struct pres *r)
{
	struct cpath rel;
	struct path_err err;
	int rc = -1;

	sb_init(&err.msg);
	for (size_t b = to; b-- > from;) {
		const struct tok *t = &c->tk.t[b];
		if (t->quoted || (strcmp(t->s, "[") && strcmp(t->s, "]")))
			continue;
		if (strcmp(t->s, "]") == 0)
			break;
		if (comp_parse_try(c, base, from, b, PATH_LOOSE, &rel, &err) ==
			0 &&
		    rel.n > 0 && rel.step[rel.n - 1].sn->kind == SN_LEAFLIST &&
		    rel.step[rel.n - 1].val == NULL) {
			comp_state(c, base, &rel, b, r);
			r->st = PS_BRACKET;
			rc = 0;
		}
		cpath_free(&rel);
		goto done;
	}
	for (size_t d = 1; d <= 5 && d <= to - from; d++) {
		const struct snode *list;
		if (comp_parse_try(
			c, base, from, to - d, PATH_LOOSE, &rel, &err) == -1) {
			cpath_free(&rel);
			continue;
		}
		comp_state(c, base, &rel, to - d, r);
		cpath_free(&rel);
		list = r->st == PS_CHILDREN
		    ? comp_keykw_list(r->sn, c->tk.t[to - d].s)
		    : NULL;
		if (list == NULL || (d - 1) / 2 >= list->nkeys) {
			cpath_free(&r->at);
			continue;
		}
		r->sn = list;
		r->key = d / 2;
		r->st = d % 2 ? PS_KEY : PS_KEYWORD;
		if (r->st == PS_KEY && r->key > 0) {
			struct sb k;
			sb_init(&k);
			for (size_t i = 0; i < r->key; i++) {
				if (i > 0)
					sb_putc(&k, CONF_KEY_SEP);
				sb_puts(&k, c->tk.t[to - d + 1 + 2 * i].s);
			}
			r->before = sb_steal(&k);
		}
		rc = 0;
		break;
	}
done:
	sb_free(&err.msg);
	return rc;
}

/* Parses tk[from .. to) as a statement path; 0 with r filled, or -1. */
static int
comp_parse(struct comp *c, const struct snode *base, size_t from, size_t to,
    enum path_mode mode, struct pres *r)
{
	struct cpath rel;
	struct path_err err;
	int rc;

	memset(r, 0, sizeof(*r));
	sb_init(&err.msg);
	/* The command's own mode finds the errors exec would report. */
	rc = comp_parse_try(c, base, from, to, mode, &rel, &err);
	cpath_free(&rel);
	if (rc == -1 && !err.at_end) {
		size_t caret =
		    err.tok < c->tk.n ? c->tk.t[err.tok].off : c->tk.end;
		comp_error(c, sb_str(&err.msg), caret);
		goto done;
	}
	rc = comp_parse_try(c, base, from, to, PATH_LOOSE, &rel, &err);
	if (rc == 0)
		comp_state(c, base, &rel, to, r);
	cpath_free(&rel);
	if (rc == -1 && err.at_end)
		rc = comp_partial(c, base, from, to, r);
	else if (rc == -1)
		comp_error(c, sb_str(&err.msg),
		    err.tok < c->tk.n ? c->tk.t[err.tok].off : c->tk.end);
done:
	sb_free(&err.msg);
	return rc;
}

static void
comp_children(struct comp *c, const struct pres *r, struct cnode *at, bool edit)
{
	const struct snode *sn = r->sn;

	for (size_t i = 0; i < sn->nchild; i++) {
		const struct snode *ch = sn->child[i];
		const char *kw = ch->name;
		char mark = ' ';
		if (ch->flags & (SNF_KEY | SNF_POSITIONAL))
			continue;
		if (ch->kind == SN_LIST && (ch->flags & SNF_NOKEYWORD) &&
		    !(ch->flags & SNF_KEYKEYWORDS)) {
			comp_values(c, ch->keys[0]);
			comp_names(c, at, ch, 0, NULL);
			continue;
		}
		if (ch->kind == SN_LIST && (ch->flags & SNF_KEYKEYWORDS))
			kw = ch->keys[0]->name;
		if (ch->kind == SN_CONTAINER || ch->kind == SN_LIST)
			mark = '>';
		else if (ch->kind == SN_LEAFLIST)
			mark = '+';
		if (edit && mark != '>')
			continue;
		comp_add(c, CI_KEYWORD, mark, kw, ch->dsc);
	}
	if (sn->positional != NULL && !r->positional_done && !edit)
		comp_values(c, sn->positional);
}

/* The statement path of a configuration command, from word `from`. */
void
comp_statement(
    struct comp *c, const struct snode *base, size_t from, enum pcmd pc)
{
	static const enum path_mode modes[] = {
		[PC_SET] = PATH_SET,
		[PC_LOOSE] = PATH_LOOSE,
		[PC_DELETE] = PATH_LOOSE,
		[PC_SHOW] = PATH_LOOSE,
		[PC_EDIT] = PATH_EDIT,
		[PC_ARGS] = PATH_LOOSE,
	};
	struct pres r;
	struct cnode *at;
	bool enter = false;

	if (comp_parse(c, base, from, c->n, modes[pc], &r) == -1)
		goto done;
	at = cpath_find(c->conf, &r.at);
	if (r.at.n == 0)
		at = conf_root(c->conf);
	switch (r.st) {
	case PS_CHILDREN:
		comp_children(c, &r, at, pc == PC_EDIT);
		/* edit_apply: `set` of a container that means nothing
		 * empty wants more words */
		enter = pc == PC_SHOW || pc == PC_DELETE || pc == PC_EDIT ||
		    (r.nsteps > 0 && pc == PC_LOOSE) ||
		    (r.nsteps > 0 && pc == PC_SET &&
			!(r.last->kind == SN_CONTAINER &&
			    !(r.last->flags & SNF_PRESENCE)));
		break;
	case PS_KEY:
		comp_values(c, r.sn->keys[r.key]);
		comp_names(c, at, r.sn, r.key, r.before);
		enter = pc == PC_SHOW || pc == PC_DELETE || pc == PC_LOOSE;
		break;
	case PS_KEYWORD:
		comp_add(c, CI_KEYWORD, ' ', r.sn->keys[r.key]->name,
		    r.sn->keys[r.key]->dsc);
		break;
	case PS_VALUE:
		comp_values(c, r.sn);
		if (r.sn->kind == SN_LEAFLIST)
			comp_add(c, CI_VALUE, ' ', "[", "Open a set of values");
		enter = pc == PC_SHOW || pc == PC_DELETE || pc == PC_LOOSE;
		break;
	case PS_BRACKET:
		comp_values(c, r.sn);
		comp_add(c, CI_VALUE, ' ', "]", "Close a set of values");
		break;
	case PS_DONE: enter = pc != PC_ARGS; break;
	}
	if (enter)
		comp_enter(c);
done:
	free(r.before);
	cpath_free(&r.at);
}
