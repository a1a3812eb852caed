/*
 * complete: TAB, space and `?` (cli-behaviour.md 6-7).  The words before the
 * cursor are parsed as exec would parse them (configuration statements with
 * path_parse, operational words from mgd's own commands and the schema's
 * rpc tree, pipes as cmd_pipes reads them); then everything that may follow
 * is listed: keywords with their descriptions, existing list entries, enum
 * values, `<value>` placeholders, `<[Enter]>` and `|`.  The word being typed
 * filters the list by prefix.
 *
 * Speed: names of existing entries come from one parent node's children of
 * one kind (conf slots), never from a walk of the tree; at most
 * COMPLETE_MAX_NAMES of them are listed, then a "..." line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "lib/msg.h"
#include "mgd/cmd.h"
#include "mgd/complete.h"
#include "mgd/db.h"

enum ci_kind {
	CI_ENTER,
	CI_KEYWORD,
	CI_NAME,
	CI_VALUE,
	CI_PLACEHOLDER,
	CI_MORE,
	CI_PIPE
};

struct citem {
	enum ci_kind kind;
	char mark; /* '>' container/list, '+' leaf-list, ' ' */
	char *name;
	char *help;
	char *key; /* sort key when not the name, or NULL */
};

struct comp {
	struct session *s;
	struct mgd *m;
	struct toks tk;
	size_t n;	   /* complete words: tk.t[0 .. n) */
	const char *word;  /* the word being typed, "" after a blank */
	struct conf *conf; /* where existing names come from */
	const struct cpath *level;
	struct citem *it;
	size_t nit;
	const char *lcp_extra; /* a name left out by the cap (for common) */
	bool pipe_ok;	       /* a `|` item was offered */
	bool show;	       /* the command takes pipes */
	bool failed;	       /* the reply carries a syntax error */
	json_t *reply;
};

static void comp_run(struct comp *c, size_t from, bool config);

static void
comp_add(struct comp *c, enum ci_kind kind, char mark, const char *name,
    const char *help)
{
	struct citem *it;

	if ((kind == CI_ENTER || kind == CI_PIPE) && c->word[0] != '\0')
		return;
	if ((kind == CI_KEYWORD || kind == CI_NAME || kind == CI_VALUE) &&
	    strncmp(name, c->word, strlen(c->word)) != 0)
		return;
	if (kind == CI_PIPE)
		c->pipe_ok = true;
	c->it = xrealloc(c->it, (c->nit + 1) * sizeof(*c->it));
	it = &c->it[c->nit++];
	it->kind = kind;
	it->mark = mark;
	it->name = xstrdup(name);
	it->help = xstrdup(help ? help : "");
	it->key = NULL;
}

static void
comp_clear(struct comp *c)
{
	for (size_t i = 0; i < c->nit; i++) {
		free(c->it[i].name);
		free(c->it[i].help);
		free(c->it[i].key);
	}
	free(c->it);
	c->it = NULL;
	c->nit = 0;
	c->lcp_extra = NULL;
}

static void
comp_enter(struct comp *c)
{
	comp_add(c, CI_ENTER, ' ', "<[Enter]>", "Execute this command");
	if (c->show)
		comp_add(c, CI_PIPE, ' ', "|", "Pipe through a command");
}

static void
comp_error(struct comp *c, const char *msg, size_t caret)
{
	if (c->failed)
		return;
	reply_syntax(c->reply, msg, caret);
	c->failed = true;
}

/* The error for word i that matched nothing (n == -1) or several (-2). */
static void
comp_word_error(struct comp *c, size_t i, int n, const char *none)
{
	struct sb m;

	sb_init(&m);
	if (n == -2)
		sb_printf(&m, "'%s' is ambiguous.", c->tk.t[i].s);
	else
		sb_puts(&m, none);
	comp_error(c, sb_str(&m), c->tk.t[i].off);
	sb_free(&m);
}

/* Index in names[] of word i, or -1 with the error set. */
static int
comp_match(struct comp *c, size_t i, const char *const *names, size_t n,
    const char *none)
{
	int w = cmd_match(c->tk.t[i].s, names, n);

	if (w < 0)
		comp_word_error(c, i, w, none);
	return w;
}

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

	if (parent == NULL || parent->slot == NULL || sn->parent != parent->sn)
		return;
	blen = before ? strlen(before) : 0;
	for (struct cnode *ch = parent->slot[sn->idx]; ch && ch->sn == sn;
	     ch = ch->prev) {
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
static void
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
static void
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

/* What the configuration command does with its path (for <[Enter]>). */
enum pcmd { PC_SET, PC_LOOSE, PC_DELETE, PC_SHOW, PC_EDIT, PC_ARGS };

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
static void
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

/* ----- configuration mode ---------------------------------------------- */

static const struct {
	const char *name, *help;
} config_cmds[] = {
	{ "activate", "Remove the inactive tag from a statement" },
	{ "annotate", "Annotate the statement with a comment" },
	{ "commit", "Commit current set of changes" },
	{ "copy", "Copy a statement" },
	{ "deactivate", "Add the inactive tag to a statement" },
	{ "delete", "Delete a data element" },
	{ "edit", "Edit a sub-element" },
	{ "exit", "Exit from this level" },
	{ "insert", "Insert a new ordered data element" },
	{ "load", "Load configuration from ASCII file" },
	{ "quit", "Quit from this level" },
	{ "rename", "Rename a statement" },
	{ "rollback", "Roll back to previous configuration" },
	{ "run", "Run an operational-mode command" },
	{ "save", "Save configuration to ASCII file" },
	{ "set", "Set a parameter" },
	{ "show", "Show a parameter" },
	{ "status", "Show users currently editing configuration" },
	{ "top", "Exit to top level of configuration" },
	{ "up", "Exit one level of configuration" },
};
#define NCONFIG_CMDS (sizeof(config_cmds) / sizeof(*config_cmds))

/* Words of a small keyword table; the one that word i names, or -1. */
struct kwd {
	const char *name, *help;
};

static void
comp_kwds(struct comp *c, const struct kwd *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		comp_add(c, CI_KEYWORD, ' ', k[i].name, k[i].help);
}

static int
comp_kwd_match(
    struct comp *c, size_t i, const struct kwd *k, size_t n, const char *none)
{
	const char *names[16];

	for (size_t j = 0; j < n && j < 16; j++)
		names[j] = k[j].name;
	return comp_match(c, i, names, n < 16 ? n : 16, none);
}

static void
comp_commit(struct comp *c, size_t i)
{
	static const struct kwd w[] = {
		{ "and-quit", "Quit configuration mode if commit succeeds" },
		{ "check",
		    "Check correctness of syntax; do not apply changes" },
		{ "comment", "Message to accompany commit" },
		{ "confirmed", "Automatically rollback if not confirmed" },
		{ "synchronize", "Synchronize commit on both Routing Engines" },
	};
	int last = -1;

	for (; i < c->n; i++) {
		int k = comp_kwd_match(c, i, w, 5, "syntax error.");
		if (k < 0)
			return;
		last = k;
		if (k == 2 && i + 1 < c->n)
			i++, last = -1;
		else if (k == 3 && i + 1 < c->n && c->tk.t[i + 1].s[0] >= '0' &&
		    c->tk.t[i + 1].s[0] <= '9')
			i++, last = -1;
	}
	if (last == 2) {
		comp_add(c, CI_PLACEHOLDER, ' ', "<comment>",
		    "Message to accompany commit");
		return;
	}
	if (last == 3)
		comp_add(c, CI_PLACEHOLDER, ' ', "<confirm-timeout>",
		    "Number of minutes until automatic rollback (1..65535)");
	comp_kwds(c, w, 5);
	comp_enter(c);
}

static void
comp_load(struct comp *c, size_t i)
{
	static const struct kwd kinds[] = {
		{ "factory-default",
		    "Override existing configuration with"
		    " factory default" },
		{ "merge", "Merge contents with existing configuration" },
		{ "override", "Override existing configuration" },
		{ "replace", "Replace configuration data" },
		{ "set", "Execute set of commands on existing configuration" },
	};
	static const struct kwd rel[] = {
		{ "relative",
		    "Load configuration relative to current edit path" },
	};
	int k;

	if (i == c->n) {
		comp_kwds(c, kinds, 5);
		return;
	}
	if ((k = comp_kwd_match(c, i, kinds, 5, "syntax error.")) < 0)
		return;
	if (k == 0) {
		/* load factory-default takes nothing more */
		if (++i == c->n)
			comp_enter(c);
		else
			comp_error(c, "syntax error.", c->tk.t[i].off);
		return;
	}
	if (++i == c->n) {
		comp_add(c, CI_PLACEHOLDER, ' ', "<filename>",
		    "Filename (URL, local, remote, or floppy)");
		comp_add(c, CI_KEYWORD, ' ', "terminal", "Use login terminal");
		return;
	}
	if (++i == c->n) {
		comp_kwds(c, rel, 1);
		comp_enter(c);
		return;
	}
	if (comp_kwd_match(c, i, rel, 1, "syntax error.") < 0)
		return;
	if (++i == c->n)
		comp_enter(c);
	else
		comp_error(c, "syntax error.", c->tk.t[i].off);
}

/* Words after a command that takes none, or only `fixed`. */
static void
comp_tail(struct comp *c, size_t i, const struct kwd *fixed, size_t nfixed)
{
	if (i == c->n) {
		comp_kwds(c, fixed, nfixed);
		comp_enter(c);
		return;
	}
	if (nfixed == 0) {
		comp_error(c, "syntax error.", c->tk.t[i].off);
		return;
	}
	if (comp_kwd_match(c, i, fixed, nfixed, "syntax error.") < 0)
		return;
	if (i + 1 == c->n)
		comp_enter(c);
	else
		comp_error(c, "syntax error.", c->tk.t[i + 1].off);
}

/* The <count> of `up`, as config_up_cmd reads it. */
static bool
comp_count_ok(struct comp *c, size_t i)
{
	char *e;
	long n = strtol(c->tk.t[i].s, &e, 10);

	if (*e == '\0' && n >= 1 && n <= 255)
		return true;
	comp_error(c, "syntax error.", c->tk.t[i].off);
	return false;
}

static void
comp_config(struct comp *c, size_t from)
{
	static const struct kwd exitw[] = {
		{ "configuration-mode", "Exit from configuration mode" },
	};
	static const struct kwd rescue[] = {
		{ "rescue", "Roll back to rescue configuration" },
	};
	const char *names[NCONFIG_CMDS];
	const struct schema *sch = c->m->schema;
	int k;

	if (from == c->n) {
		for (size_t i = 0; i < NCONFIG_CMDS; i++)
			comp_add(c, CI_KEYWORD, ' ', config_cmds[i].name,
			    config_cmds[i].help);
		return;
	}
	for (size_t i = 0; i < NCONFIG_CMDS; i++)
		names[i] = config_cmds[i].name;
	if ((k = comp_match(c, from, names, NCONFIG_CMDS, "unknown command.")) <
	    0)
		return;
	const char *cmd = names[k];
	const struct snode *base = cpath_snode(sch, c->level);
	size_t i = from + 1;
	if (strcmp(cmd, "set") == 0)
		comp_statement(c, base, i, PC_SET);
	else if (strcmp(cmd, "delete") == 0)
		comp_statement(c, base, i, PC_DELETE);
	else if (strcmp(cmd, "activate") == 0 || strcmp(cmd, "deactivate") == 0)
		comp_statement(c, base, i, PC_LOOSE);
	else if (strcmp(cmd, "annotate") == 0 || strcmp(cmd, "insert") == 0 ||
	    strcmp(cmd, "rename") == 0 || strcmp(cmd, "copy") == 0)
		comp_statement(c, base, i, PC_ARGS);
	else if (strcmp(cmd, "edit") == 0)
		comp_statement(c, base, i, PC_EDIT);
	else if (strcmp(cmd, "show") == 0) {
		c->show = true;
		comp_statement(c, base, i, PC_SHOW);
	} else if (strcmp(cmd, "commit") == 0) {
		c->show =
		    true; /* its result takes pipes (config_result_pipes) */
		comp_commit(c, i);
	} else if (strcmp(cmd, "load") == 0)
		comp_load(c, i);
	else if (strcmp(cmd, "rollback") == 0) {
		/* `rescue` only when there is one; `|` last (cli-behaviour.md
		 * 12) */
		int64_t t;
		char *who = NULL, *text = db_rescue_get(c->m->db, &t, &who);
		size_t nrescue = text != NULL;
		free(text);
		free(who);
		c->show = true;
		if (i == c->n)
			comp_generations(c);
		if (i == c->n)
			comp_tail(c, i, rescue, nrescue);
		else if (i + 1 == c->n)
			comp_tail(c, i, rescue, 1);
		else
			comp_error(c, "syntax error.", c->tk.t[i + 1].off);
	} else if (strcmp(cmd, "save") == 0) {
		if (i == c->n)
			comp_add(c, CI_PLACEHOLDER, ' ', "<filename>",
			    "Name of file to save configuration to");
		else if (i + 1 == c->n)
			comp_enter(c);
		else
			comp_error(c, "syntax error.", c->tk.t[i + 1].off);
	} else if (strcmp(cmd, "exit") == 0 || strcmp(cmd, "quit") == 0) {
		comp_tail(c, i, exitw, 1);
	} else if (strcmp(cmd, "up") == 0) {
		if (i == c->n)
			comp_add(c, CI_PLACEHOLDER, ' ', "<count>",
			    "Number of levels to move up");
		if (i == c->n || comp_count_ok(c, i))
			comp_tail(c, i == c->n ? i : i + 1, NULL, 0);
	} else if (strcmp(cmd, "status") == 0) {
		comp_tail(c, i, NULL, 0);
	} else if (strcmp(cmd, "top") == 0) {
		static const struct cpath top;
		if (i == c->n)
			comp_enter(c);
		c->level = &top;
		comp_run(c, i, true);
	} else if (strcmp(cmd, "run") == 0) {
		comp_run(c, i, false);
	}
}

/* ----- operational mode ------------------------------------------------ */

static void
comp_number(struct comp *c, size_t i, const struct opcmd *o)
{
	int lo = o->lo, hi = o->hi;

	if (i == c->n) {
		char n[64], h[64];
		snprintf(n, sizeof(n), "<%s>", o->name);
		snprintf(h, sizeof(h),
		    o->zero_ok ? "Value (0, %d..%d)" : "Value (%d..%d)", lo,
		    hi);
		comp_add(c, CI_PLACEHOLDER, ' ', n, h);
		return;
	}
	char *e;
	long v = strtol(c->tk.t[i].s, &e, 10);
	if (*e ||
	    ((v < lo || v > hi) &&
		!(o->zero_ok && v == 0 && e != c->tk.t[i].s))) {
		struct sb m;
		sb_init(&m);
		sb_printf(&m, "Value %s is not within range (%d..%d)",
		    c->tk.t[i].s, lo, hi);
		comp_error(c, sb_str(&m), c->tk.t[i].off);
		sb_free(&m);
		return;
	}
	comp_tail(c, i + 1, NULL, 0);
}

static void
comp_opargs(struct comp *c, const struct opcmd *o, size_t i)
{
	static const struct kwd conf[] = {
		{ "exclusive",
		    "Obtain exclusive lock (other users cannot make changes)" },
		{ "private", "Work in private database (merged at commit)" },
	};
	static const struct kwd ts[] = {
		{ "disable", "Disable timestamp" },
	};
	static const struct kwd cmp[] = {
		{ "compare", "Compare rollback configuration files" },
	};

	switch (o->args) {
	case OPA_PATH:
		c->conf = c->m->committed;
		comp_statement(c, schema_root(c->m->schema), i, PC_SHOW);
		break;
	case OPA_CONFIGURE: comp_tail(c, i, conf, 2); break;
	case OPA_NUMBER: comp_number(c, i, o); break;
	case OPA_TIMESTAMP: comp_tail(c, i, ts, 1); break;
	case OPA_ROLLBACK:
		if (i == c->n) {
			comp_generations(c);
			break;
		}
		if (i + 1 == c->n) {
			comp_kwds(c, cmp, 1);
			comp_enter(c);
			break;
		}
		if (comp_kwd_match(c, i + 1, cmp, 1, "syntax error.") < 0)
			break;
		if (i + 2 == c->n)
			comp_generations(c);
		else
			comp_tail(c, i + 3, NULL, 0);
		break;
	default: break;
	}
}

/* The arguments of an rpc of the schema (as oper_rpc reads them). */
static void
comp_rpc(struct comp *c, const struct snode *rpc, size_t i)
{
	bool given[256] = { false };
	const struct snode *pos = rpc->positional;

	if (rpc->nchild > 256)
		return;
	while (i < c->n) {
		const char *w = c->tk.t[i].s;
		const struct snode *arg = snode_child(rpc, w), *m[64];
		if (arg == NULL && snode_children_prefix(rpc, w, m, 64) == 1)
			arg = m[0];
		if (arg == NULL && pos != NULL && !given[pos->idx]) {
			given[pos->idx] = true;
			i++;
			continue;
		}
		if (arg == NULL) {
			comp_error(c, "syntax error.", c->tk.t[i].off);
			return;
		}
		given[arg->idx] = true;
		i++;
		if (arg->flags & SNF_EMPTY)
			continue;
		if (i == c->n) {
			comp_values(c, arg);
			return;
		}
		struct sb why;
		sb_init(&why);
		if (schema_value_check(c->m->schema, arg, c->tk.t[i].s, &why) ==
		    -1)
			comp_error(c, sb_str(&why), c->tk.t[i].off);
		sb_free(&why);
		if (c->failed)
			return;
		i++;
	}
	bool complete = true;
	for (size_t k = 0; k < rpc->nchild; k++) {
		const struct snode *a = rpc->child[k];
		if ((a->flags & SNF_MANDATORY) && !given[k])
			complete = false;
		if (given[k])
			continue;
		if (a == pos)
			comp_values(c, a);
		else
			comp_add(c, CI_KEYWORD, ' ', a->name, a->dsc);
	}
	if (complete)
		comp_enter(c);
}

static void
comp_oper(struct comp *c, size_t from)
{
	const struct opcmd *tbl = oper_top, *o = NULL;
	size_t ntbl = oper_ntop;
	const struct snode *sn = schema_op_root(c->m->schema);

	for (size_t i = from;; i++) {
		struct opchoice ch[128];
		const char *names[128];
		size_t n = oper_choices(tbl, ntbl, sn, ch, 128);
		for (size_t k = 0; k < n; k++)
			names[k] = ch[k].name;
		if (i == c->n) {
			for (size_t k = 0; k < n; k++)
				comp_add(
				    c, CI_KEYWORD, ' ', ch[k].name, ch[k].help);
			if (o != NULL && o->run)
				comp_enter(c);
			return;
		}
		int k = comp_match(c, i, names, n,
		    i == from ? "unknown command."
			      : "syntax error, expecting <command>.");
		if (k < 0)
			return;
		if (i == from && strcmp(names[k], "show") == 0)
			c->show = true;
		o = ch[k].o;
		sn = ch[k].sn;
		if (o != NULL && o->fn != NULL) {
			if (o->args != OPA_NONE)
				comp_opargs(c, o, i + 1);
			else
				comp_tail(c, i + 1, NULL, 0);
			return;
		}
		if (sn != NULL && sn->kind == SN_RPC) {
			comp_rpc(c, sn, i + 1);
			return;
		}
		tbl = o ? o->sub : NULL;
		ntbl = o ? o->nsub : 0;
		if (sn != NULL && sn->kind != SN_CMDWORD)
			sn = NULL;
		if (ntbl == 0 && sn == NULL) {
			if (i + 1 < c->n)
				comp_error(c,
				    "syntax error, expecting <command>.",
				    c->tk.t[i + 1].off);
			return;
		}
	}
}

/* ----- pipes ----------------------------------------------------------- */

/* cli-behaviour.md 7 and 8: the pipes cmd_pipes knows, Junos's help. */
static const struct {
	const char *name, *help, *arg, *arghelp;
} pipe_tab[] = {
	{ "append", "Append output text to file", "<filename>",
	    "Output file name (or URL)" },
	{ "compare", "Compare configuration changes with prior version", NULL,
	    NULL },
	{ "count", "Count occurrences", NULL, NULL },
	{ "display", "Show additional kinds of information", NULL, NULL },
	{ "except", "Show only text that does not match a pattern", "<pattern>",
	    "Pattern to avoid" },
	{ "find", "Search for first occurrence of pattern", "<pattern>",
	    "Pattern to search for" },
	{ "hold", "Hold text without exiting the --More-- prompt", NULL, NULL },
	{ "last", "Display end of output only", "<lines>",
	    "Number of lines from end of output to display" },
	{ "match", "Show only text that matches a pattern", "<pattern>",
	    "Pattern to match against" },
	{ "no-more", "Don't paginate output", NULL, NULL },
	{ "save", "Save output text to file", "<filename>",
	    "Output file name (or URL)" },
	{ "suppress-zeros", "Suppresses lines with zero values", NULL, NULL },
	{ "tee", "Write to standard output and file", "<filename>",
	    "Output file name (or URL)" },
	{ "trim", "Trim specified number of columns from start of line",
	    "<columns>", "Number of columns to trim" },
};
#define NPIPES (sizeof(pipe_tab) / sizeof(*pipe_tab))

static void
comp_pipes(struct comp *c, size_t i)
{
	static const struct kwd disp[] = {
		{ "inheritance",
		    "Show inherited configuration data and source group" },
		{ "json", "Show output in JSON format" },
		{ "set", "Show 'set' commands that create configuration" },
		{ "xml", "Show output as XML tags" },
	};
	static const struct kwd rel[] = {
		{ "relative",
		    "Show 'set' commands relative to the current edit path" },
	};
	static const struct kwd noc[] = {
		{ "no-comments", "Don't display comments" },
	};
	static const struct kwd rb[] = {
		{ "rollback", "Index of rollback configuration file (0..49)" },
	};
	const char *names[NPIPES];
	int k;

	for (size_t j = 0; j < NPIPES; j++)
		names[j] = pipe_tab[j].name;
	c->show = true;
	while (i < c->n) {
		/* tk[i] is `|` */
		if (++i == c->n) {
			for (size_t j = 0; j < NPIPES; j++)
				comp_add(c, CI_KEYWORD, ' ', names[j],
				    pipe_tab[j].help);
			return;
		}
		if ((k = comp_match(c, i, names, NPIPES, "syntax error.")) < 0)
			return;
		i++;
		if (strcmp(names[k], "display") == 0) {
			if (i == c->n) {
				comp_kwds(c, disp, 4);
				return;
			}
			int d = comp_kwd_match(c, i, disp, 4, "syntax error.");
			if (d < 0)
				return;
			i++;
			/* set [relative], inheritance [no-comments] */
			const struct kwd *opt = d == 2 ? rel
			    : d == 0		       ? noc
						       : NULL;
			if (opt != NULL && i == c->n)
				comp_kwds(c, opt, 1);
			else if (opt != NULL && !c->tk.t[i].quoted &&
			    strcmp(c->tk.t[i].s, "|") != 0) {
				if (comp_kwd_match(
					c, i, opt, 1, "syntax error.") < 0)
					return;
				i++;
			}
		} else if (strcmp(names[k], "compare") == 0) {
			if (i == c->n)
				comp_kwds(c, rb, 1);
			else if (strcmp(c->tk.t[i].s, "|") != 0) {
				if (comp_kwd_match(
					c, i, rb, 1, "syntax error.") < 0)
					return;
				if (++i == c->n) {
					comp_generations(c);
					return;
				}
				i++;
			}
		} else if (pipe_tab[k].arg != NULL) {
			bool optional = strcmp(names[k], "last") == 0;
			if (i == c->n) {
				if (optional)
					comp_enter(c);
				comp_add(c, CI_PLACEHOLDER, ' ',
				    pipe_tab[k].arg, pipe_tab[k].arghelp);
				return;
			}
			if (!optional || strcmp(c->tk.t[i].s, "|") != 0)
				i++;
		}
		if (i == c->n) {
			comp_enter(c);
			return;
		}
		if (c->tk.t[i].quoted || strcmp(c->tk.t[i].s, "|") != 0) {
			comp_error(c, "syntax error.", c->tk.t[i].off);
			return;
		}
	}
}

/* The command from word `from`, its pipes after the first `|`. */
static void
comp_run(struct comp *c, size_t from, bool config)
{
	size_t p = from, n = c->n;
	const char *w = c->word;

	while (p < n && (c->tk.t[p].quoted || strcmp(c->tk.t[p].s, "|") != 0))
		p++;
	if (p == n) {
		if (config)
			comp_config(c, from);
		else
			comp_oper(c, from);
		return;
	}
	/* The command before the `|` must be complete and take pipes. */
	c->n = p;
	c->word = "";
	c->pipe_ok = false;
	if (config)
		comp_config(c, from);
	else
		comp_oper(c, from);
	comp_clear(c);
	c->n = n;
	c->word = w;
	if (c->failed)
		return;
	if (!c->pipe_ok) {
		comp_error(c, "syntax error.", c->tk.t[p].off);
		return;
	}
	comp_pipes(c, p);
}

/* ----- the reply ------------------------------------------------------- */

static int
comp_cmp_item(const void *a, const void *b)
{
	const struct citem *x = a, *y = b;

	if ((x->kind == CI_ENTER) != (y->kind == CI_ENTER))
		return x->kind == CI_ENTER ? -1 : 1;
	if ((x->kind == CI_PIPE) != (y->kind == CI_PIPE))
		return x->kind == CI_PIPE ? 1 : -1;
	return strcmp(x->key ? x->key : x->name, y->key ? y->key : y->name);
}

/* The "Possible completions:" block (cli-behaviour.md 7). */
static void
comp_help_text(struct comp *c, struct sb *out)
{
	if (c->nit == 0) {
		sb_puts(out, "No valid completions\n");
		return;
	}
	sb_puts(out, "Possible completions:\n");
	for (size_t i = 0; i < c->nit; i++) {
		const struct citem *it = &c->it[i];
		if (it->help[0] == '\0')
			sb_printf(out, "%c %s\n", it->mark, it->name);
		else
			sb_printf(out, "%c %-19s  %s\n", it->mark, it->name,
			    it->help);
	}
}

static size_t
comp_lcp(const char *a, const char *b)
{
	size_t n = 0;

	while (a[n] != '\0' && a[n] == b[n])
		n++;
	return n;
}

void
complete_request(struct session *s, const json_t *req, bool help, json_t *reply)
{
	const char *line = msg_str(req, "line");
	bool space = msg_bool(req, "space");
	struct comp c = { .s = s, .m = s->mgd, .reply = reply };
	struct sb err;
	size_t off;

	json_object_set_new(reply, "matches", json_array());
	if (line == NULL)
		line = "";
	sb_init(&err);
	if (lex_line(line, strlen(line), &c.tk, &err, &off) == -1) {
		if (help)
			reply_syntax(reply, sb_str(&err), off);
		sb_free(&err);
		return;
	}
	sb_free(&err);
	c.n = c.tk.n;
	c.word = "";
	size_t len = strlen(line);
	if (c.n > 0 && len > 0 && line[len - 1] != ' ' &&
	    line[len - 1] != '\t') {
		const struct tok *t = &c.tk.t[c.n - 1];
		/* `|`, `[`, `]` typed last are whole words already */
		if (t->quoted ||
		    (strcmp(t->s, "|") && strcmp(t->s, "[") &&
			strcmp(t->s, "]"))) {
			c.word = t->s;
			c.n--;
		}
	}
	c.conf = session_conf(s);
	c.level = &s->level;
	comp_run(&c, 0, s->mode == SESS_CONFIG);
	if (c.failed)
		goto done;
	if (c.nit > 0)
		qsort(c.it, c.nit, sizeof(*c.it), comp_cmp_item);
	/* the same name twice (entries of a multi-key list) once */
	size_t k = 0;
	for (size_t i = 0; i < c.nit; i++) {
		if (k > 0 && c.it[k - 1].kind == c.it[i].kind &&
		    strcmp(c.it[k - 1].name, c.it[i].name) == 0) {
			free(c.it[i].name);
			free(c.it[i].help);
			free(c.it[i].key);
			continue;
		}
		c.it[k++] = c.it[i];
	}
	c.nit = k;
	struct sb out;
	sb_init(&out);
	comp_help_text(&c, &out);
	if (help) {
		json_object_set_new(reply, "output", json_string(sb_str(&out)));
		sb_free(&out);
		goto done;
	}
	json_t *m = json_object_get(reply, "matches");
	const char *first = NULL;
	size_t common = 0;
	for (size_t i = 0; i < c.nit; i++) {
		const struct citem *it = &c.it[i];
		if (it->kind != CI_KEYWORD &&
		    (space || (it->kind != CI_NAME && it->kind != CI_VALUE)))
			continue;
		if (strcmp(it->name, "[") == 0 || strcmp(it->name, "]") == 0)
			continue;
		json_array_append_new(m, json_string(it->name));
		if (first == NULL) {
			first = it->name;
			common = strlen(first);
		} else {
			common = comp_lcp(first, it->name) < common
			    ? comp_lcp(first, it->name)
			    : common;
		}
	}
	if (first != NULL && c.lcp_extra != NULL && !space)
		common = comp_lcp(first, c.lcp_extra) < common
		    ? comp_lcp(first, c.lcp_extra)
		    : common;
	/* a free value may be typed: TAB lists rather than pick a keyword */
	bool free_value = false;
	for (size_t i = 0; i < c.nit; i++)
		free_value = free_value || c.it[i].kind == CI_PLACEHOLDER;
	if (first != NULL && !(free_value && c.word[0] == '\0' && !space)) {
		char *cm = xstrndup(first, common);
		json_object_set_new(reply, "common", json_string(cm));
		free(cm);
	}
	if (!space && c.nit > 0 && (json_array_size(m) != 1 || free_value))
		json_object_set_new(reply, "output", json_string(sb_str(&out)));
	sb_free(&out);
done:
	comp_clear(&c);
	toks_free(&c.tk);
}
