/*
 * delta_view: iked's view of a change (delta_view.h).
 *
 * The delta is read line by line.  A line outside the daemon's subtrees
 * is dropped (diff_delta_filter's test, so that the part is one copy of
 * the delta's lines, not two).  A line outside `security policies
 * from-zone A to-zone B policy P` goes as it is, in runs of lines copied
 * at once.  A line of policy P goes
 * by whether P tunnels in the old tree (so is in the daemon's view) and in
 * the new one:
 *
 *   both         as it is, but an `insert` (placed again at the end)
 *   neither      dropped; a context that the old tree lacks is made by a
 *                `set` of its key alone, where its first line was
 *   new only     P joins the view: its whole text at the end
 *   old only     `delete ... policy P`, once
 *
 * A line of the same policy as the line before (the delta's lines of one
 * statement follow each other) is not lexed again.  At the end, in each
 * context where a policy joined or moved, the tunnel policies are walked
 * in the new order: a joined one is written whole, and a joined or moved
 * one that does not stand where the appends put it is placed after the
 * tunnel policy before it (or before the first one that stayed, when it
 * is the first).  The policies that stayed keep their order: a move in
 * the delta is an `insert` of each entry outside the longest run that
 * kept its order (conf_diff.c diff_order_lines), so the ones without an
 * insert line are in the new order already.
 */
#include <stdlib.h>
#include <string.h>

#include "schema/conf_diff.h"
#include "schema/conf_xtab.h"
#include "schema/delta_view.h"
#include "schema/lex.h"
#include "schema/path.h"
#include "schema/schema.h"

/* The words of `set security policies from-zone A to-zone B policy P`. */
enum { W_CMD, W_SEC, W_POLS, W_FROM, W_A, W_TO, W_B, W_POL, W_P, W_N };

enum dv_class { DV_PASS, DV_DROP, DV_JOIN, DV_LEAVE, DV_STAY };

struct dview {
	struct conf *old, *new;
	const struct snode *sec, *pols, *ctx, *pol, *then, *permit, *tunnel;
	struct sb *out;
	struct toks tk;
	struct sb key; /* a context's key, A<CONF_KEY_SEP>B */
	bool have_ctx; /* nctx, octx are key's (the trees do not change) */
	/* the policy of the line before: its path's bytes, and what it is */
	const char *ppath;
	size_t plen;
	enum dv_class cls;
	struct cnode *nctx, *np;
	const struct cnode *octx, *op;
	const struct cnode *bare; /* the context last made by its key */
	const char *run;	  /* the lines that go as they are, from here */
	struct conf_xtab joined, moved, left, touched;
	struct cnode **ctxs; /* the contexts touched, in order */
	size_t nctxs, capctxs;
};

/* Whether p (an entry of the policy list, or NULL) has then permit tunnel. */
static bool
dv_tunnels(struct dview *v, struct conf *c, const struct cnode *p)
{
	struct cnode *t;

	if (p == NULL)
		return false;
	t = conf_find(c, p, v->then, NULL);
	t = t ? conf_find(c, t, v->permit, NULL) : NULL;
	return t != NULL && conf_find(c, t, v->tunnel, NULL) != NULL;
}

static struct cnode *
dv_ctx(struct dview *v, struct conf *c)
{
	struct cnode *n;

	if (c == NULL)
		return NULL;
	n = conf_find(c, conf_root(c), v->sec, NULL);
	n = n ? conf_find(c, n, v->pols, NULL) : NULL;
	return n ? conf_find(c, n, v->ctx, sb_str(&v->key)) : NULL;
}

static void
dv_touch(struct dview *v, struct conf_xtab *set, struct cnode *p)
{
	conf_xtab_get(set, p);
	if (conf_xtab_find(&v->touched, p->parent) != NULL)
		return;
	conf_xtab_get(&v->touched, p->parent);
	if (v->nctxs == v->capctxs) {
		v->capctxs = v->capctxs ? 2 * v->capctxs : 16;
		v->ctxs = xrealloc(v->ctxs, v->capctxs * sizeof(*v->ctxs));
	}
	v->ctxs[v->nctxs++] = p->parent;
}

static void
dv_line(struct dview *v, const char *cmd, const struct cnode *n)
{
	sb_puts(v->out, cmd);
	sb_putc(v->out, ' ');
	cnode_path_text(n, v->out);
	sb_putc(v->out, '\n');
}

/*
 * Classifies the line (path: its words after the command): DV_PASS for
 * one that names no policy of a context, else by the policy's tunnels.
 */
static enum dv_class
dv_classify(struct dview *v, const char *line, size_t len, const char *path)
{
	static const char *const kw[W_N] = { NULL, "security", "policies",
		"from-zone", NULL, "to-zone", NULL, "policy", NULL };
	struct sb err;
	size_t off, end;

	v->ppath = NULL;
	sb_init(&err);
	if (lex_line_pooled(line, len, &v->tk, &err, &off) == -1 ||
	    v->tk.n < W_N) {
		sb_free(&err);
		return DV_PASS;
	}
	sb_free(&err);
	for (size_t i = 0; i < W_N; i++)
		if (kw[i] != NULL &&
		    (v->tk.t[i].quoted || strcmp(v->tk.t[i].s, kw[i]) != 0))
			return DV_PASS;
	/* the context of the line before: its nodes as they were */
	size_t la = strlen(v->tk.t[W_A].s), lb = strlen(v->tk.t[W_B].s);
	if (!v->have_ctx || v->key.len != la + 1 + lb ||
	    memcmp(v->key.buf, v->tk.t[W_A].s, la) != 0 ||
	    memcmp(v->key.buf + la + 1, v->tk.t[W_B].s, lb) != 0) {
		sb_reset(&v->key);
		sb_add(&v->key, v->tk.t[W_A].s, la);
		sb_putc(&v->key, CONF_KEY_SEP);
		sb_add(&v->key, v->tk.t[W_B].s, lb);
		v->nctx = dv_ctx(v, v->new);
		v->octx = dv_ctx(v, v->old);
		v->have_ctx = true;
	}
	v->np =
	    v->nctx ? conf_find(v->new, v->nctx, v->pol, v->tk.t[W_P].s) : NULL;
	v->op =
	    v->octx ? conf_find(v->old, v->octx, v->pol, v->tk.t[W_P].s) : NULL;
	/* the policy's bytes: to the blank before the next word */
	end = v->tk.n > W_N ? v->tk.t[W_N].off : len;
	while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t'))
		end--;
	v->ppath = path;
	v->plen = (size_t)(line + end - path);
	bool tn = dv_tunnels(v, v->new, v->np);
	bool to = dv_tunnels(v, v->old, v->op);
	return tn && to ? DV_STAY : tn ? DV_JOIN : to ? DV_LEAVE : DV_DROP;
}

/* Writes the lines kept since run, up to end (the lines that go as they
 * are, in one copy: a delta of 200,000 lines is mostly such runs). */
static void
dv_flush(struct dview *v, const char *end)
{
	if (v->run != NULL)
		sb_add(v->out, v->run, (size_t)(end - v->run));
	v->run = NULL;
}

/* One line: kept in the run of lines that go as they are, or not. */
static void
dv_one(struct dview *v, const char *line, size_t len)
{
	const char *sp = memchr(line, ' ', len), *path;
	size_t plen;

	if (sp == NULL)
		goto pass;
	path = sp + 1;
	plen = (size_t)(line + len - path);
	if (v->ppath != NULL && plen >= v->plen &&
	    memcmp(path, v->ppath, v->plen) == 0 &&
	    (plen == v->plen || path[v->plen] == ' ')) {
		/* the policy of the line before */
	} else if (plen > 27 &&
	    memcmp(path, "security policies from-zone ", 28) == 0) {
		v->cls = dv_classify(v, line, len, path);
	} else {
		v->ppath = NULL;
		goto pass;
	}
	switch (v->cls) {
	case DV_PASS: goto pass;
	case DV_STAY:
		if ((size_t)(sp - line) == 6 && memcmp(line, "insert", 6) == 0)
			dv_touch(v, &v->moved, v->np);
		else
			goto pass;
		break;
	case DV_JOIN: dv_touch(v, &v->joined, v->np); break;
	case DV_LEAVE:
		dv_flush(v, line);
		if (conf_xtab_find(&v->left, v->op) == NULL) {
			conf_xtab_get(&v->left, v->op);
			dv_line(v, "delete", v->op);
		}
		break;
	case DV_DROP: break;
	}
	dv_flush(v, line);
	/* a context new in this change is made where its lines were */
	if (v->octx == NULL && v->nctx != NULL && v->nctx != v->bare) {
		dv_line(v, "set", v->nctx);
		v->bare = v->nctx;
	}
	return;
pass:
	if (v->run == NULL)
		v->run = line;
}

static bool
dv_stayed(struct dview *v, const struct cnode *e)
{
	return dv_tunnels(v, v->new, e) &&
	    conf_xtab_find(&v->joined, e) == NULL &&
	    conf_xtab_find(&v->moved, e) == NULL;
}

/* The tunnel policies of context c in the new order (see the top). */
static void
dv_order(struct dview *v, const struct cnode *c)
{
	const struct cnode *last = cnode_last_idx(c, v->pol->idx), *stay = NULL;
	const struct cnode *prev = NULL;
	bool past_stay;

	for (const struct cnode *e = last; e && e->sn == v->pol && !stay;
	     e = e->prev)
		if (dv_stayed(v, e))
			stay = e;
	past_stay = stay == NULL;
	for (const struct cnode *e = last; e && e->sn == v->pol; e = e->prev)
		last = e; /* the first of the kind */
	for (const struct cnode *e = last; e && e->sn == v->pol; e = e->next) {
		if (!dv_tunnels(v, v->new, e))
			continue;
		bool joined = conf_xtab_find(&v->joined, e) != NULL;
		bool moved = conf_xtab_find(&v->moved, e) != NULL;
		if (joined)
			diff_add_text(e, v->out);
		if (moved || (joined && !past_stay)) {
			const struct cnode *q = NULL;
			if (prev == NULL)
				for (q = e->next;
				     q && q->sn == v->pol && !dv_stayed(v, q);
				     q = q->next)
					;
			if (prev != NULL || (q != NULL && q->sn == v->pol)) {
				sb_puts(v->out, "insert ");
				cnode_path_text(e, v->out);
				sb_puts(v->out, prev ? " after " : " before ");
				cstep_text(
				    v->pol, prev ? prev->val : q->val, v->out);
				sb_putc(v->out, '\n');
			}
		}
		if (e == stay)
			past_stay = true;
		prev = e;
	}
}

void
delta_view_tunnels(const char *text, size_t len, const char *const *prefixes,
    size_t nprefix, struct conf *old, struct conf *new, struct sb *out)
{
	const struct schema *s = conf_schema(new);
	struct dview v = { .old = old, .new = new, .out = out };
	const char *p = text, *end = text + len;

	v.sec = snode_child(schema_root(s), "security");
	v.pols = v.sec ? snode_child(v.sec, "policies") : NULL;
	v.ctx = v.pols ? snode_child_named(v.pols, "policy") : NULL;
	v.pol = v.ctx ? snode_child_named(v.ctx, "policy") : NULL;
	v.then = v.pol ? snode_child(v.pol, "then") : NULL;
	v.permit = v.then ? snode_child(v.then, "permit") : NULL;
	v.tunnel = v.permit ? snode_child(v.permit, "tunnel") : NULL;
	if (v.tunnel == NULL) {
		diff_delta_filter(text, len, prefixes, nprefix, out);
		return;
	}
	sb_init(&v.key);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (l > 0 && diff_line_concerns(p, l, prefixes, nprefix))
			dv_one(&v, p, l);
		else
			dv_flush(&v, p);
		p += l + (nl != NULL);
	}
	dv_flush(&v, end);
	if (out->len > 0 && out->buf[out->len - 1] != '\n')
		sb_putc(out, '\n');
	for (size_t i = 0; i < v.nctxs; i++)
		dv_order(&v, v.ctxs[i]);
	free(v.ctxs);
	conf_xtab_free(&v.joined);
	conf_xtab_free(&v.moved);
	conf_xtab_free(&v.left);
	conf_xtab_free(&v.touched);
	toks_free(&v.tk);
	sb_free(&v.key);
}
