/*
 * conf_text: curly-brace, `display set`, JSON and XML forms of a
 * configuration tree (Junos's `show configuration`, `| display xml|json`).
 */
#include <stdlib.h>
#include <string.h>

#include "schema/conf_text.h"
#include "schema/lex.h"
#include "schema/path.h"

#define INDENT 4

static bool
cnode_has_secret(const struct cnode *n)
{
	if (n->sn->flags & (SNF_SECRET | SNF_SECRETDATA))
		return true;
	for (const struct cnode *ch = n->first; ch; ch = ch->next)
		if (cnode_has_secret(ch))
			return true;
	return false;
}

/*
 * Prints on one line: a container marked oneliner, a list entry holding
 * only its positional value, and an entry of a list marked oneliner that
 * holds one leaf (`route 10.0.0.0/8 next-hop 192.0.2.1;`).
 */
static bool
cnode_is_oneliner(const struct cnode *n)
{
	const struct cnode *ch = n->first;

	if (n->sn->kind == SN_CONTAINER)
		return (n->sn->flags & SNF_ONELINER) != 0;
	if (n->sn->kind != SN_LIST || ch == NULL || ch != cnode_last(n) ||
	    cnode_annot(ch) != NULL || (ch->flags & CN_INACTIVE))
		return false;
	if (ch->sn->flags & SNF_POSITIONAL)
		return true;
	return (n->sn->flags & SNF_ONELINER) &&
	    !(ch->sn->flags & (SNF_SECRET | SNF_SECRETDATA)) &&
	    (ch->sn->kind == SN_LEAF || ch->sn->kind == SN_LEAFLIST);
}

/* A container marked flat (family) with children, shown as its children
 * with its keyword before each: `family inet { ... }`. */
static bool
cnode_is_flat(const struct cnode *n)
{
	return n->sn->kind == SN_CONTAINER && (n->sn->flags & SNF_FLAT) &&
	    n->first != NULL && cnode_annot(n) == NULL &&
	    !(n->flags & CN_INACTIVE);
}

/* The words of n's subtree on one line: `inet 10.0.0.1`, `km1 optional`. */
static void
conf_text_words(const struct cnode *n, struct sb *out)
{
	for (const struct cnode *ch = n->first; ch; ch = ch->next) {
		sb_putc(out, ' ');
		cstep_text(ch->sn, ch->val, out);
		if (ch->sn->kind == SN_CONTAINER || ch->sn->kind == SN_LIST)
			conf_text_words(ch, out);
	}
}

/* `| display inheritance`: where an inherited statement came from. */
static void
conf_text_inherited(const struct cnode *n, int depth, struct sb *out)
{
	sb_indent(out, depth * INDENT);
	sb_puts(out, "##\n");
	sb_indent(out, depth * INDENT);
	sb_puts(out, "## '");
	if (n->val != NULL && n->sn->kind != SN_LIST)
		sb_puts(out, n->val);
	else if (n->val != NULL)
		for (const char *v = n->val; *v; v++)
			sb_putc(out, *v == CONF_KEY_SEP ? ' ' : *v);
	else
		sb_puts(out, n->sn->name);
	sb_printf(out, "' was inherited from group '%s'\n", cnode_from(n));
	sb_indent(out, depth * INDENT);
	sb_puts(out, "##\n");
}

static void
conf_text_prefix(const struct cnode *n, int depth, struct sb *out)
{
	if (cnode_from(n) != NULL)
		conf_text_inherited(n, depth, out);
	if (cnode_annot(n) != NULL) {
		sb_indent(out, depth * INDENT);
		sb_printf(out, "/* %s */\n", cnode_annot(n));
	}
	sb_indent(out, depth * INDENT);
	if (n->flags & CN_INACTIVE)
		sb_puts(out, "inactive: ");
}

static void
conf_text_end_line(const struct cnode *n, struct sb *out)
{
	sb_putc(out, ';');
	if (cnode_has_secret(n))
		sb_puts(out, " ## SECRET-DATA");
	sb_putc(out, '\n');
}

/* Prints the run of leaf-list values starting at n; returns the last one. */
static const struct cnode *
conf_text_leaflist(const struct cnode *n, int depth, struct sb *out)
{
	const struct cnode *last = n;
	size_t count = 1;

	while (last->next && last->next->sn == n->sn &&
	    !(last->next->flags & CN_INACTIVE) &&
	    cnode_annot(last->next) == NULL) {
		last = last->next;
		count++;
	}
	if (n->flags & CN_INACTIVE)
		last = n, count = 1;
	conf_text_prefix(n, depth, out);
	sb_puts(out, n->sn->name);
	if (count == 1) {
		sb_putc(out, ' ');
		lex_quote(out, n->val);
		conf_text_end_line(n, out);
		return n;
	}
	sb_puts(out, " [");
	for (const struct cnode *v = n;; v = v->next) {
		sb_putc(out, ' ');
		lex_quote(out, v->val);
		if (v == last)
			break;
	}
	sb_puts(out, " ];\n");
	return last;
}

static void conf_text_block(
    const struct cnode *n, int depth, bool warn, struct sb *out);

/* n as a statement of a block; lead: the keyword of its flat parent;
 * warn: blocks say which mandatory statements they lack (`show`). */
static void
conf_text_node(const struct cnode *n, int depth, const char *lead, bool warn,
    struct sb *out)
{
	if (n->sn->kind == SN_LEAFLIST) {
		conf_text_leaflist(n, depth, out);
		return;
	}
	if (cnode_is_flat(n)) {
		for (const struct cnode *ch = n->first; ch; ch = ch->next) {
			if (ch->sn->kind == SN_LEAFLIST)
				ch = conf_text_leaflist(ch, depth, out);
			else
				conf_text_node(
				    ch, depth, n->sn->name, warn, out);
		}
		return;
	}
	conf_text_prefix(n, depth, out);
	if (lead != NULL) {
		sb_puts(out, lead);
		sb_putc(out, ' ');
	}
	cstep_text(n->sn, n->val, out);
	if (n->sn->kind == SN_LEAF) {
		conf_text_end_line(n, out);
		return;
	}
	if (n->first == NULL) {
		sb_puts(out, ";\n");
		return;
	}
	if (cnode_is_oneliner(n)) {
		conf_text_words(n, out);
		conf_text_end_line(n, out);
		return;
	}
	sb_puts(out, " {\n");
	conf_text_block(n, depth + 1, warn, out);
	sb_indent(out, depth * INDENT);
	sb_puts(out, "}\n");
}

void
conf_text_curly_node(const struct cnode *n, int depth, struct sb *out)
{
	conf_text_node(n, depth, NULL, false, out);
}

void
conf_text_curly_entry(const struct cnode *n, int depth, struct sb *out)
{
	conf_text_node(n, depth,
	    n->parent != NULL && cnode_is_flat(n->parent) ? n->parent->sn->name
							  : NULL,
	    false, out);
}

bool
conf_text_is_flat(const struct cnode *n)
{
	return cnode_is_flat(n);
}

/*
 * Junos's commit errors: a block that lacks a mandatory statement says so,
 * `## Warning: missing mandatory statement(s): 'x'`, first in the block.
 */
static void
conf_text_missing(const struct cnode *n, int depth, struct sb *out)
{
	const struct snode *sn = n->sn;
	bool any = false;

	if (n->parent == NULL || cnode_is_oneliner(n))
		return;
	for (size_t i = 0; i < sn->nchild; i++) {
		const struct snode *c = sn->child[i];
		if (!(c->flags & SNF_MANDATORY) || c->kind != SN_LEAF ||
		    (cnode_last_idx(n, i) != NULL))
			continue;
		if (!any) {
			sb_indent(out, depth * INDENT);
			sb_puts(
			    out, "## Warning: missing mandatory statement(s):");
		}
		sb_printf(out, "%s '%s'", any ? "," : "", c->name);
		any = true;
	}
	if (any)
		sb_putc(out, '\n');
}

static void
conf_text_block(const struct cnode *n, int depth, bool warn, struct sb *out)
{
	if (warn)
		conf_text_missing(n, depth, out);
	for (const struct cnode *ch = n->first; ch; ch = ch->next) {
		if (ch->sn->kind == SN_LEAFLIST) {
			ch = conf_text_leaflist(ch, depth, out);
			continue;
		}
		conf_text_node(ch, depth, NULL, warn, out);
	}
}

void
conf_text_curly(const struct cnode *n, int depth, struct sb *out)
{
	conf_text_block(n, depth, false, out);
}

void
conf_text_curly_show(const struct cnode *n, int depth, struct sb *out)
{
	conf_text_block(n, depth, true, out);
}

static void
conf_text_set_rec(const struct cnode *n, const struct cnode *base,
    struct sb *prefix, struct sb *out, struct sb_sink *k)
{
	size_t mark = prefix->len;

	if (n != base) {
		if (prefix->len > 0)
			sb_putc(prefix, ' ');
		cstep_text(n->sn, n->val, prefix);
	}
	if (n != base && (n->first == NULL || cnode_is_oneliner(n))) {
		sb_puts(out, "set ");
		sb_add(out, prefix->buf, prefix->len);
		if (n->first != NULL)
			conf_text_words(n, out);
		sb_putc(out, '\n');
	} else {
		for (const struct cnode *ch = n->first; ch; ch = ch->next)
			conf_text_set_rec(ch, base, prefix, out, k);
	}
	if (n != base && (n->flags & CN_INACTIVE)) {
		sb_puts(out, "deactivate ");
		if (n->sn->kind == SN_LEAF && !(n->sn->flags & SNF_EMPTY)) {
			/* A leaf is deactivated by name, not by value. */
			sb_add(out, prefix->buf, mark);
			if (mark > 0)
				sb_putc(out, ' ');
			sb_puts(out, n->sn->name);
		} else {
			sb_add(out, prefix->buf, prefix->len);
		}
		sb_putc(out, '\n');
	}
	prefix->len = mark;
	if (prefix->buf)
		prefix->buf[mark] = '\0';
	sb_sink_line(k, out); /* out ends with a whole line here */
}

void
conf_text_set_relative(
    const struct cnode *n, const struct cnode *base, struct sb *out)
{
	struct sb prefix;

	sb_init(&prefix);
	conf_text_set_rec(n, base, &prefix, out, NULL);
	sb_free(&prefix);
}

void
conf_text_set(const struct cnode *n, struct sb *out)
{
	conf_text_set_sink(n, out, NULL);
}

void
conf_text_set_sink(const struct cnode *n, struct sb *out, struct sb_sink *k)
{
	struct sb prefix;

	sb_init(&prefix);
	if (n->parent != NULL) {
		/* The path above n, then n's subtree. */
		cnode_path_text(n->parent, &prefix);
	}
	conf_text_set_rec(n, n->parent == NULL ? n : NULL, &prefix, out, k);
	sb_free(&prefix);
}

/* JSON, Junos style: `"name" : value`, lists as arrays of objects. */
static void json_object_body(const struct cnode *n, int depth, struct sb *out);

static void
json_value(const struct cnode *n, int depth, struct sb *out)
{
	if (n->sn->kind == SN_LEAF || n->sn->kind == SN_LEAFLIST) {
		if (n->sn->flags & SNF_EMPTY)
			sb_puts(out, "[null]");
		else if (n->sn->flags & SNF_NUMERIC)
			sb_puts(out, n->val);
		else
			sb_json_quote(out, n->val);
		return;
	}
	sb_puts(out, "{\n");
	json_object_body(n, depth + 1, out);
	sb_indent(out, depth * INDENT);
	sb_putc(out, '}');
}

static void
json_object_body(const struct cnode *n, int depth, struct sb *out)
{
	bool first = true;

	if (n->sn->kind == SN_LIST) {
		const char *v = n->val;
		for (size_t k = 0; k < n->sn->nkeys; k++) {
			const char *e = strchr(v, CONF_KEY_SEP);
			size_t len = e ? (size_t)(e - v) : strlen(v);
			char *part = xstrndup(v, len);
			if (!first)
				sb_puts(out, ",\n");
			first = false;
			sb_indent(out, depth * INDENT);
			sb_json_quote(out, n->sn->keys[k]->name);
			sb_puts(out, " : ");
			sb_json_quote(out, part);
			free(part);
			v = e ? e + 1 : v + len;
		}
	}
	for (const struct cnode *ch = n->first; ch; ch = ch->next) {
		if (!first)
			sb_puts(out, ",\n");
		first = false;
		sb_indent(out, depth * INDENT);
		sb_json_quote(out, ch->sn->name);
		sb_puts(out, " : ");
		if (ch->sn->kind == SN_LIST || ch->sn->kind == SN_LEAFLIST) {
			const struct cnode *g = ch;
			sb_puts(out, "[\n");
			for (;;) {
				sb_indent(out, depth * INDENT);
				json_value(g, depth, out);
				if (g->next == NULL || g->next->sn != ch->sn)
					break;
				sb_puts(out, ",\n");
				g = g->next;
			}
			sb_putc(out, '\n');
			sb_indent(out, depth * INDENT);
			sb_putc(out, ']');
			ch = g;
			continue;
		}
		json_value(ch, depth, out);
	}
	if (!first)
		sb_putc(out, '\n');
}

void
conf_text_json(const struct cnode *n, const char *const *attrs, struct sb *out)
{
	sb_puts(out, "{\n");
	sb_indent(out, INDENT);
	sb_puts(out, "\"configuration\" : {\n");
	if (attrs != NULL && attrs[0] != NULL) {
		sb_indent(out, 2 * INDENT);
		sb_puts(out, "\"@\" : {\n");
		for (size_t i = 0; attrs[i] != NULL && attrs[i + 1] != NULL;
		     i += 2) {
			sb_indent(out, 3 * INDENT);
			sb_json_quote(out, attrs[i]);
			sb_puts(out, " : ");
			sb_json_quote(out, attrs[i + 1]);
			sb_puts(out, attrs[i + 2] != NULL ? ",\n" : "\n");
		}
		sb_indent(out, 2 * INDENT);
		sb_puts(out, n->first != NULL ? "},\n" : "}\n");
	}
	json_object_body(n, 2, out);
	sb_indent(out, INDENT);
	sb_puts(out, "}\n}\n");
}

static void
xml_text(struct sb *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': sb_puts(out, "&lt;"); break;
		case '>': sb_puts(out, "&gt;"); break;
		case '&': sb_puts(out, "&amp;"); break;
		default: sb_putc(out, *s);
		}
	}
}

void
conf_text_xml(const struct cnode *n, int depth, struct sb *out)
{
	if (n->sn->kind == SN_LIST) {
		const char *v = n->val;
		for (size_t k = 0; k < n->sn->nkeys; k++) {
			const char *e = strchr(v, CONF_KEY_SEP);
			size_t len = e ? (size_t)(e - v) : strlen(v);
			char *part = xstrndup(v, len);
			sb_indent(out, depth * INDENT);
			sb_printf(out, "<%s>", n->sn->keys[k]->name);
			xml_text(out, part);
			sb_printf(out, "</%s>\n", n->sn->keys[k]->name);
			free(part);
			v = e ? e + 1 : v + len;
		}
	}
	for (const struct cnode *ch = n->first; ch; ch = ch->next) {
		const char *tag = ch->sn->name;
		sb_indent(out, depth * INDENT);
		if (ch->flags & CN_INACTIVE)
			sb_printf(out, "<%s inactive=\"inactive\"", tag);
		else
			sb_printf(out, "<%s", tag);
		if (ch->sn->kind == SN_LEAF || ch->sn->kind == SN_LEAFLIST) {
			if (ch->val == NULL) {
				sb_puts(out, "/>\n");
				continue;
			}
			sb_putc(out, '>');
			xml_text(out, ch->val);
			sb_printf(out, "</%s>\n", tag);
			continue;
		}
		if (ch->first == NULL && ch->sn->kind != SN_LIST) {
			sb_puts(out, "/>\n");
			continue;
		}
		sb_puts(out, ">\n");
		conf_text_xml(ch, depth + 1, out);
		sb_indent(out, depth * INDENT);
		sb_printf(out, "</%s>\n", tag);
	}
}
