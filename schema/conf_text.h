/*
 * conf_text: the configuration as Junos prints it: the curly-brace form of
 * `show configuration` and the `| display set` form.
 */
#ifndef QSAFE_CONF_TEXT_H
#define QSAFE_CONF_TEXT_H

#include "lib/sb.h"
#include "schema/conf.h"

/* The children of n in curly-brace form, indented by depth levels. */
void conf_text_curly(const struct cnode *n, int depth, struct sb *out);
/* The same for `show`: a block lacking a mandatory statement starts with
 * `## Warning: missing mandatory statement(s): 'x'` (Junos's commit errors). */
void conf_text_curly_show(const struct cnode *n, int depth, struct sb *out);
/* One node (and its subtree) in curly-brace form. */
void conf_text_curly_node(const struct cnode *n, int depth, struct sb *out);
/* n as a line of its parent's block, where a flat parent (family) shows
 * its keyword before it: `family inet { ... }` (for show | compare). */
void conf_text_curly_entry(const struct cnode *n, int depth, struct sb *out);
/* Is n shown as its children (a flat container with children)? */
bool conf_text_is_flat(const struct cnode *n);
/* `set ...` lines (and `deactivate ...` lines) for n's subtree, full paths. */
void conf_text_set(const struct cnode *n, struct sb *out);
/* The same, handing out to k as it grows (lib/sb.h). */
void conf_text_set_sink(
    const struct cnode *n, struct sb *out, struct sb_sink *k);
/* The same, without the path above `base` (`| display set relative`). */
void conf_text_set_relative(
    const struct cnode *n, const struct cnode *base, struct sb *out);
/* JSON and XML forms of n's children, Junos style. */
/* attrs: name, value pairs for the "@" member (Junos's junos:commit-*
 * attributes), NULL-terminated; NULL for none. */
void conf_text_json(
    const struct cnode *n, const char *const *attrs, struct sb *out);
void conf_text_xml(const struct cnode *n, int depth, struct sb *out);

#endif
