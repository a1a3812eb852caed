/*
 * conf_diff: difference of two configuration trees (see conf_diff.h).
 */
#include <stdlib.h>
#include <string.h>

#include "schema/conf_diff.h"
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
	d->n++;
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
	const struct cnode *oe = o->slot ? o->slot[sn->idx] : NULL;
	const struct cnode *ne = first_new;

	if (oe == NULL)
		return false;
	while (oe->prev && oe->prev->sn == sn)
		oe = oe->prev;
	/* Old entries that survive, in old order, against new order. */
	for (; oe && oe->sn == sn; oe = oe->next) {
		if (conf_find(nc, n, sn, oe->val) == NULL)
			continue;
		while (ne && ne->sn == sn &&
		    conf_find(oc, o, sn, ne->val) == NULL) {
			/* A new entry before a surviving old one: moved. */
			return true;
		}
		if (ne == NULL || ne->sn != sn || strcmp(ne->val, oe->val) != 0)
			return true;
		ne = ne->next;
	}
	/* What is left must all be new. */
	for (; ne && ne->sn == sn; ne = ne->next)
		if (conf_find(oc, o, sn, ne->val) != NULL)
			return true;
	return false;
}

/*
 * With dirty_only, only dirty children are compared, and deletions and
 * reordering are looked for only where the children's shape changed
 * (CN_SHAPE): a one-line change under 30,000 IKE entries visits their
 * flags, not 30,000 hash look-ups in the other tree.
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
		    !str_eq(o->annot, n->annot))
			diff_push(d, DIFF_META, o, n);
	}
	if (all)
		for (const struct cnode *oe = o->first; oe; oe = oe->next)
			if (conf_find(nc, n, oe->sn, oe->val) == NULL)
				diff_push(d, DIFF_DEL, oe, NULL);
	const struct snode *group = NULL;
	for (const struct cnode *ne = n->first; ne; ne = ne->next) {
		if (!dirty_only || (ne->flags & CN_DIRTY)) {
			const struct cnode *oe =
			    conf_find(oc, o, ne->sn, ne->val);
			if (oe == NULL)
				diff_push(d, DIFF_ADD, NULL, ne);
			else
				diff_node(oc, nc, oe, ne, dirty_only, d);
		}
		if (all && ne->sn->kind == SN_LIST && ne->sn != group) {
			group = ne->sn;
			if (diff_order_changed(oc, nc, o, n, ne))
				diff_push(d, DIFF_ORDER, NULL, ne);
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
			if (!str_eq(it->old->annot, it->new->annot)) {
				if (it->old->annot)
					sb_printf(out, "-    /* %s */\n",
					    it->old->annot);
				if (it->new->annot)
					sb_printf(out, "+    /* %s */\n",
					    it->new->annot);
				/* the statement it is about, unchanged */
				sb_puts(out, "     ");
				cstep_text(n->sn, n->val, out);
				sb_puts(out,
				    n->first != NULL ? " { ... }\n" : ";\n");
			}
			break;
		case DIFF_ORDER: break;
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
	if (n->annot != NULL) {
		sb_puts(out, "annotate ");
		cnode_path_text(n, out);
		sb_putc(out, ' ');
		lex_quote(out, n->annot);
		sb_putc(out, '\n');
	}
	if (recurse)
		for (const struct cnode *ch = n->first; ch; ch = ch->next)
			diff_meta_lines(ch, true, out);
}

static void
diff_add_lines(const struct cnode *n, struct sb *out)
{
	struct sb t;

	sb_init(&t);
	conf_text_set(n, &t);
	/* conf_text_set writes deactivate lines too; annotations follow. */
	sb_add(out, t.buf ? t.buf : "", t.len);
	sb_free(&t);
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

static void
diff_item_delta(const struct diff_item *it, struct sb *out)
{
	switch (it->kind) {
	case DIFF_ADD: diff_add_lines(it->new, out); break;
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
		if (!str_eq(it->old->annot, it->new->annot)) {
			sb_puts(out, "annotate ");
			cnode_path_text(it->new, out);
			sb_putc(out, ' ');
			lex_quote(out, it->new->annot ? it->new->annot : "");
			sb_putc(out, '\n');
		}
		break;
	case DIFF_ORDER:
		for (const struct cnode *e = it->new->next;
		     e && e->sn == it->new->sn; e = e->next) {
			sb_puts(out, "insert ");
			cnode_path_text(e, out);
			sb_puts(out, " after ");
			cstep_text(e->prev->sn, e->prev->val, out);
			sb_putc(out, '\n');
		}
		break;
	}
}

/*
 * Is the path of a delta line (the words after the command word, to the end
 * of the line) at or under one of the prefixes, or above one (`delete
 * security` removes `security ike` too)?
 */
static bool
diff_path_concerns(
    const char *path, size_t len, const char *const *prefixes, size_t np)
{
	for (size_t i = 0; i < np; i++) {
		size_t pl = strlen(prefixes[i]);
		if (len >= pl && memcmp(path, prefixes[i], pl) == 0 &&
		    (len == pl || path[pl] == ' '))
			return true;
		if (len < pl && memcmp(prefixes[i], path, len) == 0 &&
		    prefixes[i][len] == ' ')
			return true;
	}
	return false;
}

void
diff_delta_filter(const char *text, size_t len, const char *const *prefixes,
    size_t nprefix, struct sb *out)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *sp = memchr(p, ' ', l);
		if (sp != NULL &&
		    diff_path_concerns(
			sp + 1, (size_t)(p + l - sp - 1), prefixes, nprefix)) {
			sb_add(out, p, l);
			sb_putc(out, '\n');
		}
		p += l + (nl != NULL);
	}
}

void
diff_delta_text(const struct diff *d, struct sb *out)
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
			if (want == pass)
				diff_item_delta(it, out);
		}
	}
}
