/*
 * conf_diff: difference of two configuration trees (see conf_diff.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schema/conf_diff_int.h"
#include "schema/conf_text.h"
#include "schema/path.h"

static void
diff_push(struct diff *d, enum diff_kind k, const struct cnode *o,
    const struct cnode *n)
{
	if ((d->n & (d->n - 1)) == 0 || d->n == 0)
		d->v = xrealloc(d->v, (d->n ? d->n * 2 : 16) * sizeof(*d->v));
	d->v[d->n].kind = k;
	d->v[d->n].old = o;
	d->v[d->n].new = n;
	d->v[d->n].oos = NULL;
	d->v[d->n].noos = 0;
	d->n++;
}

unsigned long diff_lookups;
unsigned long diff_visits;

const struct cnode *
diff_find(struct conf *c, const struct cnode *parent, const struct snode *sn,
    const char *val)
{
	diff_lookups++;
	return conf_find(c, parent, sn, val);
}

static bool
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * Did the order of list entries of kind first_new->sn change?  Applying a
 * delta appends new entries at the end of their list, so the order a replay
 * gives is: old entries still there, in old order, then new ones.
 */
static bool
diff_order_changed(struct conf *oc, struct conf *nc, const struct cnode *o,
    const struct cnode *n, const struct cnode *first_new)
{
	const struct snode *sn = first_new->sn;
	const struct cnode *oe = cnode_last_idx(o, sn->idx);
	const struct cnode *ne = first_new;

	if (oe == NULL)
		return false;
	while (oe->prev && oe->prev->sn == sn)
		oe = oe->prev;
	/* Old entries that survive, in old order, against new order. */
	for (; oe && oe->sn == sn; oe = oe->next) {
		if (diff_find(nc, n, sn, oe->val) == NULL)
			continue;
		while (ne && ne->sn == sn &&
		    diff_find(oc, o, sn, ne->val) == NULL) {
			/* A new entry before a surviving old one: moved. */
			return true;
		}
		if (ne == NULL || ne->sn != sn || strcmp(ne->val, oe->val) != 0)
			return true;
		ne = ne->next;
	}
	/* What is left must all be new. */
	for (; ne && ne->sn == sn; ne = ne->next)
		if (diff_find(oc, o, sn, ne->val) != NULL)
			return true;
	return false;
}

static void diff_node(struct conf *oc, struct conf *nc, const struct cnode *o,
    const struct cnode *n, bool dirty_only, struct diff *d);

/* qsort order of cnode pointers: their place in the tree */
int
diff_cmp_place(const void *a, const void *b)
{
	const struct cnode *x = *(const struct cnode *const *)a;
	const struct cnode *y = *(const struct cnode *const *)b;

	if (x == y)
		return 0;
	return cnode_is_before(x, y) ? -1 : 1;
}

static void
diff_child(struct conf *oc, struct conf *nc, const struct cnode *o,
    const struct cnode *ne, struct diff *d)
{
	const struct cnode *oe = diff_find(oc, o, ne->sn, ne->val);

	if (oe == NULL)
		diff_push(d, DIFF_ADD, NULL, ne);
	else
		diff_node(oc, nc, oe, ne, true, d);
}

/*
 * The dirty children of n (without CN_SHAPE: no deletion, no move), from
 * its list of them put in the configuration's order: a one-line change
 * under 10,000 VPNs visits one of them, not their flags.
 */
static void
diff_dirty_children(struct conf *oc, struct conf *nc, const struct cnode *o,
    const struct cnode *n, struct diff *d)
{
	struct cnode *one[8], **v = one, *ch;
	size_t k = 0, cap = sizeof(one) / sizeof(one[0]);

	for (ch = cnode_dirty_next(n, NULL); ch; ch = cnode_dirty_next(n, ch)) {
		if (k == cap) {
			cap *= 2;
			if (v == one) {
				v = xcalloc(cap, sizeof(*v));
				memcpy(v, one, sizeof(one));
			} else {
				v = xrealloc(v, cap * sizeof(*v));
			}
		}
		v[k++] = ch;
	}
	if (k > 1)
		qsort(v, k, sizeof(*v), diff_cmp_place);
	for (size_t i = 0; i < k; i++)
		diff_child(oc, nc, o, v[i], d);
	if (v != one)
		free(v);
}

/* One step of diff_in_step's plan: ne, its old self oe (NULL: added),
 * whether it is its list's first (lead) and whether that list's order
 * changed. */
struct diff_step {
	const struct cnode *oe, *ne;
	bool lead, order;
};

/* Whether oe and ne are the same entry (or the same statement). */
static bool
diff_same(const struct cnode *n, const struct cnode *oe, const struct cnode *ne)
{
	if (oe->sn != ne->sn)
		return false;
	if (oe->sn->kind == SN_LIST || oe->sn->kind == SN_LEAFLIST)
		return oe->val != NULL && ne->val != NULL &&
		    strcmp(oe->val, ne->val) == 0;
	return oe->sn->parent == n->sn; /* conf_find's one of its kind */
}

/*
 * The children of o and n under CN_SHAPE (dirty_only), walked side by
 * side: the same entries pair in order and each child that does not is
 * looked up in the other tree, so a deletion (or an entry added, or
 * re-keyed) under 40,000 policies costs a walk of the two lists, not four
 * hash look-ups a child (issue 13: a one-line delete).  Two list entries
 * that both survive out of step mean one of them moved: it is remembered
 * by its other self and skipped there (w), so a move costs the walk and a
 * few look-ups too.  When the children changed by moves alone
 * (CN_MOVES), the stretches in step between the entries the walk must look
 * at are skipped (conf_diff_skip.c): a move visits a few entries, not
 * 40,000.  The items are those and in the order of the walk below it;
 * false (nothing pushed) when more than DIFF_MOVED_MAX moved (a list
 * reversed): that walk decides.
 */
static bool
diff_in_step(struct conf *oc, struct conf *nc, const struct cnode *o,
    const struct cnode *n, struct diff *d)
{
	const struct cnode *oe = o->first, *ne = n->first, *x = NULL, *y = NULL;
	const struct snode *group = NULL;
	struct diff_step *v = NULL;
	struct diff_walk w = { 0 };
	struct diff_skip sk;
	size_t nv = 0, cap = 0, start = d->n, first = 0;
	size_t at = 0; /* ne's place: among n's children, or its position */
	bool added = false; /* an entry added in group so far */
	int which;

	diff_skip_init(oc, o, n, &sk);
	while (oe != NULL || ne != NULL) {
		const struct cnode *po = NULL, *pn;
		/* a stretch in step: on to its last pair (then paired) */
		if (sk.on && oe != NULL && ne != NULL && ne->sn == group &&
		    !(ne->flags & CN_DIRTY) && diff_same(n, oe, ne) &&
		    diff_walk_met(&w, oe) == NULL &&
		    diff_walk_met(&w, ne) == NULL)
			(void)diff_skip_to(oc, o, nc, n, &sk, &w, &oe, &ne);
		if (sk.on && ne != NULL)
			at = ne->pos;
		pn = ne;
		diff_visits++;
		if (oe != NULL && diff_walk_met(&w, oe) != NULL) {
			oe = oe->next; /* moved: paired at its new self */
			continue;
		}
		if (ne != NULL && (po = diff_walk_met(&w, ne)) != NULL) {
			diff_walk_placed(&w, ne, at);
			ne = ne->next; /* moved: its old self was met before */
		} else if (oe != NULL && ne != NULL && diff_same(n, oe, ne)) {
			po = oe;
			oe = oe->next;
			ne = ne->next;
		} else if (oe != NULL &&
		    (x = diff_find(nc, n, oe->sn, oe->val)) == NULL) {
			diff_push(d, DIFF_DEL, oe, NULL);
			if (oe->sn->kind == SN_LIST)
				diff_walk_note(&w, oe, NULL, SIZE_MAX);
			oe = oe->next;
			continue;
		} else if (ne != NULL &&
		    (y = diff_find(oc, o, ne->sn, ne->val)) == NULL) {
			if (ne->sn->kind == SN_LIST)
				diff_walk_note(&w, NULL, ne, at);
			ne = ne->next; /* added: pn, with po NULL */
		} else if (oe == NULL || ne == NULL || oe->sn != ne->sn ||
		    oe->sn->kind != SN_LIST ||
		    (which = diff_walk_moved(&w, oe, x, ne, y, at)) < 0) {
			free(v);
			diff_walk_free(&w);
			diff_skip_free(&sk);
			d->n = start;
			return false;
		} else if (which == 0) {
			oe = oe->next; /* moved later: paired at x */
			continue;
		} else {
			po = y; /* moved earlier: y skipped when met */
			ne = ne->next;
		}
		at++;
		/* the first of a list's entries carries its order */
		bool lead = pn->sn->kind == SN_LIST && pn->sn != group;
		if (lead) {
			group = pn->sn;
			added = false;
		} else if (pn->sn->kind == SN_LIST && po != NULL && added) {
			v[first].order = true; /* added before a survivor */
		}
		added |= po == NULL;
		if (!lead && !(pn->flags & CN_DIRTY))
			continue; /* nothing to do here */
		if (nv == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		if (lead)
			first = nv;
		v[nv++] = (struct diff_step){ po, pn, lead, false };
	}
	for (size_t i = 0; i < nv; i++) {
		if (!(v[i].ne->flags & CN_DIRTY))
			;
		else if (v[i].oe == NULL)
			diff_push(d, DIFF_ADD, NULL, v[i].ne);
		else
			diff_node(oc, nc, v[i].oe, v[i].ne, true, d);
		if (v[i].order ||
		    (v[i].lead && diff_walk_has_moved(&w, v[i].ne->sn))) {
			diff_push(d, DIFF_ORDER, o, v[i].ne);
			diff_walk_name(&w, v[i].ne->sn, &d->v[d->n - 1]);
		}
	}
	free(v);
	diff_walk_free(&w);
	diff_skip_free(&sk);
	return true;
}

/*
 * With dirty_only, only dirty children are compared, and deletions and
 * reordering are looked for only where the children's shape changed
 * (CN_SHAPE): a one-line change under 30,000 IKE entries visits their
 * flags, not 30,000 hash look-ups in the other tree; without CN_SHAPE it
 * visits the dirty children alone.
 */
static void
diff_node(struct conf *oc, struct conf *nc, const struct cnode *o,
    const struct cnode *n, bool dirty_only, struct diff *d)
{
	bool all = !dirty_only || (n->flags & CN_SHAPE);

	if (dirty_only && !(n->flags & CN_DIRTY))
		return;
	if (n->parent != NULL) {
		if (n->sn->kind == SN_LEAF && !str_eq(o->val, n->val))
			diff_push(d, DIFF_VALUE, o, n);
		if ((o->flags & CN_INACTIVE) != (n->flags & CN_INACTIVE) ||
		    !str_eq(cnode_annot(o), cnode_annot(n)))
			diff_push(d, DIFF_META, o, n);
	}
	if (!all) {
		diff_dirty_children(oc, nc, o, n, d);
		return;
	}
	if (dirty_only && diff_in_step(oc, nc, o, n, d))
		return;
	for (const struct cnode *oe = o->first; oe; oe = oe->next)
		if (diff_find(nc, n, oe->sn, oe->val) == NULL)
			diff_push(d, DIFF_DEL, oe, NULL);
	const struct snode *group = NULL;
	for (const struct cnode *ne = n->first; ne; ne = ne->next) {
		if (!dirty_only || (ne->flags & CN_DIRTY)) {
			const struct cnode *oe =
			    diff_find(oc, o, ne->sn, ne->val);
			if (oe == NULL)
				diff_push(d, DIFF_ADD, NULL, ne);
			else
				diff_node(oc, nc, oe, ne, dirty_only, d);
		}
		if (ne->sn->kind == SN_LIST && ne->sn != group) {
			group = ne->sn;
			if (diff_order_changed(oc, nc, o, n, ne))
				diff_push(d, DIFF_ORDER, o, ne);
		}
	}
}

void
conf_diff(struct conf *old, struct conf *new, bool dirty_only, struct diff *out)
{
	memset(out, 0, sizeof(*out));
	diff_node(old, new, conf_root(old), conf_root(new), dirty_only, out);
}

void
diff_free(struct diff *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].oos);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static const struct cnode *
diff_node_of(const struct diff_item *it)
{
	return it->new ? it->new : it->old;
}

/*
 * Writes the `[edit ...]` header for parent when it differs from the last
 * one written (*last: its text).  By path, not by node: a deletion names a
 * node of the old tree, a change one of the new.
 */
static void
diff_header(const struct cnode *parent, struct sb *last, struct sb *out)
{
	struct sb h;

	/* a flat parent (family) is no level of its own: its keyword comes
	 * with the lines (conf_text_curly_entry) */
	if (parent->parent != NULL && conf_text_is_flat(parent))
		parent = parent->parent;
	sb_init(&h);
	sb_puts(&h, "[edit");
	if (parent->parent != NULL) {
		sb_putc(&h, ' ');
		cnode_path_text(parent, &h);
	}
	sb_puts(&h, "]\n");
	if (last->len != h.len || strcmp(sb_str(last), sb_str(&h)) != 0) {
		sb_add(out, h.buf, h.len);
		sb_reset(last);
		sb_add(last, h.buf, h.len);
	}
	sb_free(&h);
}

/* The curly text of n at depth 1, each line prefixed with sign. */
static void
diff_signed(const struct cnode *n, char sign, struct sb *out)
{
	struct sb t;
	const char *p;

	sb_init(&t);
	if (n->sn->kind == SN_LEAFLIST) {
		/* One value, not the whole run. */
		sb_indent(&t, 4);
		cstep_text(n->sn, n->val, &t);
		sb_puts(&t, ";\n");
	} else {
		conf_text_curly_entry(n, 1, &t);
	}
	for (p = sb_str(&t); *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) + 1 : strlen(p);
		sb_putc(out, sign);
		sb_add(out, p, l);
		p += l;
	}
	sb_free(&t);
}

/* An unchanged entry named to place a change: `     proposal P1 { ... }` */
static void
diff_context(const struct cnode *n, struct sb *out)
{
	sb_puts(out, "     ");
	cstep_text(n->sn, n->val, out);
	sb_puts(out, n->first != NULL ? " { ... }\n" : ";\n");
}

/*
 * The entries of a reordered list (`insert`) that moved.  Each is shown as
 * Junos does (RECONSTRUCTED, cli-behaviour.md 9 has no moved entry): deleted
 * at its old place, then added at its new one under an `[edit ...]` header
 * of its own, after the entry it now follows shown as an unchanged
 * `{ ... }` line (before the next one when it is first).
 * Entries added or deleted in the same list are shown by DIFF_ADD/DIFF_DEL.
 */
static void
diff_moves(const struct diff_item *it, struct sb *last, struct sb *out)
{
	const struct snode *sn = it->new->sn;
	struct diff_run r;

	diff_run_make(it, &r);
	for (size_t i = 0; i < r.n; i++) {
		if (r.v[i].old == NULL)
			continue;
		diff_header(it->old, last, out);
		diff_signed(r.v[i].old, '-', out);
	}
	for (size_t i = 0; i < r.n; i++) {
		const struct cnode *e = r.v[i].new, *before = e->prev;
		if (r.v[i].old == NULL)
			continue;
		sb_reset(last); /* each new place has a header of its own */
		diff_header(e->parent, last, out);
		if (before != NULL && before->sn == sn) {
			diff_context(before, out);
			diff_signed(e, '+', out);
		} else {
			/* first in its list: placed before the next one */
			diff_signed(e, '+', out);
			if (e->next != NULL && e->next->sn == sn)
				diff_context(e->next, out);
		}
	}
	diff_run_free(&r);
}

/*
 * The delta's `insert` lines of a reordered list, replayed after the
 * deletions and additions (which append new entries at the end): an
 * entry that moved, or was added before one that kept its place, is put
 * after the entry before it in the new order, which has its place by
 * then; the first one before the first entry that kept its place.  An
 * added entry after every one that kept its place is already where the
 * additions put it.
 */
static void
diff_order_lines(const struct diff_item *it, struct sb *out)
{
	const struct snode *sn = it->new->sn;
	struct diff_run r;

	diff_run_make(it, &r);
	for (size_t i = 0; r.first != NULL && i < r.n; i++) {
		const struct cnode *e = r.v[i].new;
		if (r.v[i].tail)
			continue;
		sb_puts(out, "insert ");
		cnode_path_text(e, out);
		if (e->prev != NULL && e->prev->sn == sn) {
			sb_puts(out, " after ");
			cstep_text(sn, e->prev->val, out);
		} else {
			sb_puts(out, " before ");
			cstep_text(sn, r.first->val, out);
		}
		sb_putc(out, '\n');
	}
	diff_run_free(&r);
}

void
diff_compare_text(const struct diff *d, struct sb *out)
{
	struct sb last;

	sb_init(&last);
	for (size_t i = 0; i < d->n; i++) {
		const struct diff_item *it = &d->v[i];
		const struct cnode *n = diff_node_of(it);
		switch (it->kind) {
		case DIFF_ADD:
			diff_header(n->parent, &last, out);
			diff_signed(n, '+', out);
			break;
		case DIFF_DEL:
			diff_header(n->parent, &last, out);
			diff_signed(n, '-', out);
			break;
		case DIFF_VALUE:
			diff_header(n->parent, &last, out);
			diff_signed(it->old, '-', out);
			diff_signed(it->new, '+', out);
			break;
		case DIFF_META:
			diff_header(n->parent, &last, out);
			if ((it->old->flags & CN_INACTIVE) !=
			    (it->new->flags &CN_INACTIVE)) {
				sb_printf(out, "!    %s: ",
				    (it->new->flags &CN_INACTIVE) ? "inactive"
								  : "active");
				cstep_text(n->sn, n->val, out);
				sb_puts(out, " { ... }\n");
			}
			if (!str_eq(
				cnode_annot(it->old), cnode_annot(it->new))) {
				if (cnode_annot(it->old))
					sb_printf(out, "-    /* %s */\n",
					    cnode_annot(it->old));
				if (cnode_annot(it->new))
					sb_printf(out, "+    /* %s */\n",
					    cnode_annot(it->new));
				/* the statement it is about, unchanged */
				diff_context(n, out);
			}
			break;
		case DIFF_ORDER: diff_moves(it, &last, out); break;
		}
	}
	sb_free(&last);
}

static void
diff_path_line(const char *cmd, const struct cnode *n, struct sb *out)
{
	sb_puts(out, cmd);
	sb_putc(out, ' ');
	cnode_path_text(n, out);
	sb_putc(out, '\n');
}

static void
diff_delete_line(const struct cnode *n, struct sb *out)
{
	sb_puts(out, "delete ");
	if (n->sn->kind == SN_LEAF) {
		/* The leaf without its value. */
		if (n->parent->parent != NULL) {
			cnode_path_text(n->parent, out);
			sb_putc(out, ' ');
		}
		sb_puts(out, n->sn->name);
		sb_putc(out, '\n');
		return;
	}
	cnode_path_text(n, out);
	sb_putc(out, '\n');
}

static void
diff_meta_lines(const struct cnode *n, bool recurse, struct sb *out)
{
	if (n->flags & CN_INACTIVE)
		diff_path_line("deactivate", n, out);
	if (cnode_annot(n) != NULL) {
		sb_puts(out, "annotate ");
		cnode_path_text(n, out);
		sb_putc(out, ' ');
		lex_quote(out, cnode_annot(n));
		sb_putc(out, '\n');
	}
	if (recurse)
		for (const struct cnode *ch = n->first; ch; ch = ch->next)
			diff_meta_lines(ch, true, out);
}

static void
diff_add_lines(const struct cnode *n, struct sb *out, struct sb_sink *k)
{
	/* conf_text_set writes deactivate lines too; annotations follow.
	 * Straight into out: a load's whole tree is one item, 9 MB. */
	conf_text_set_sink(n, out, k);
	for (const struct cnode *m = n; m; m = NULL) {
		struct sb a;
		sb_init(&a);
		diff_meta_lines(m, true, &a);
		/* keep only annotate lines: deactivate came from conf_text_set
		 */
		for (const char *p = sb_str(&a); *p;) {
			const char *nl = strchr(p, '\n');
			size_t l = nl ? (size_t)(nl - p) + 1 : strlen(p);
			if (strncmp(p, "annotate ", 9) == 0)
				sb_add(out, p, l);
			p += l;
		}
		sb_free(&a);
	}
}

void
diff_add_text(const struct cnode *n, struct sb *out)
{
	diff_add_lines(n, out, NULL);
}

static void
diff_item_delta(const struct diff_item *it, struct sb *out, struct sb_sink *k)
{
	switch (it->kind) {
	case DIFF_ADD: diff_add_lines(it->new, out, k); break;
	case DIFF_DEL: diff_delete_line(it->old, out); break;
	case DIFF_VALUE:
		sb_puts(out, "set ");
		cnode_path_text(it->new, out);
		sb_putc(out, '\n');
		break;
	case DIFF_META:
		if ((it->old->flags & CN_INACTIVE) !=
		    (it->new->flags &CN_INACTIVE))
			diff_path_line((it->new->flags &CN_INACTIVE)
				? "deactivate"
				: "activate",
			    it->new, out);
		if (!str_eq(cnode_annot(it->old), cnode_annot(it->new))) {
			sb_puts(out, "annotate ");
			cnode_path_text(it->new, out);
			sb_putc(out, ' ');
			lex_quote(out,
			    cnode_annot(it->new) ? cnode_annot(it->new) : "");
			sb_putc(out, '\n');
		}
		break;
	case DIFF_ORDER: diff_order_lines(it, out); break;
	}
}

void
diff_delta_text(const struct diff *d, struct sb *out)
{
	diff_delta_text_sink(d, out, NULL);
}

void
diff_delta_text_sink(const struct diff *d, struct sb *out, struct sb_sink *k)
{
	/*
	 * Deletions first (a re-created entry must not be deleted after), then
	 * additions and changes, then the moves that need the added entries.
	 */
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < d->n; i++) {
			const struct diff_item *it = &d->v[i];
			int want = it->kind == DIFF_DEL ? 0
			    : it->kind == DIFF_ORDER	? 2
							: 1;
			if (want != pass)
				continue;
			diff_item_delta(it, out, k);
			sb_sink_line(k, out);
		}
	}
}

/*
 * The entries of a reordered list that diff_order_lines places with an
 * `insert` (moved, or added before an entry that kept its place), so a
 * daemon can patch those places and not the whole list (hostd/scope.c).
 */
size_t
diff_order_moved(
    const struct diff_item *it, const struct cnode **out, size_t max)
{
	struct diff_run r;
	size_t n = 0;

	if (it->kind != DIFF_ORDER || it->new == NULL || it->old == NULL)
		return 0;
	diff_run_make(it, &r);
	for (size_t i = 0; i < r.n; i++) {
		if (r.v[i].tail)
			continue;
		if (n < max)
			out[n] = r.v[i].new;
		n++;
	}
	diff_run_free(&r);
	return n;
}
