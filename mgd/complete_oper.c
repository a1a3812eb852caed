/*
 * complete_oper: completion of the operational-mode commands: mgd's own
 * (cmd_oper.c's table) and the schema's rpcs under the same words, walked with
 * the unique-prefix rule of oper_dispatch, then each command's arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgd/cmd.h"
#include "mgd/complete_int.h"
#include "mgd/db.h"

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

void
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
