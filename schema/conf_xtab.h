/*
 * conf_xtab: the annotations and group names of a configuration tree's
 * nodes (conf.c).  Few nodes have either, so they live in this table keyed
 * by the node instead of in two pointers of every node (issue 13 §1,
 * twentieth round); a node's CN_ANNOT / CN_FROM flag says it has an entry.
 * The strings belong to the tree's text arena: the table only holds them.
 */
#ifndef QSAFE_CONF_XTAB_H
#define QSAFE_CONF_XTAB_H

#include <stddef.h>

struct cnode;

struct conf_xent {
	const struct cnode *n; /* NULL: empty */
	char *annot;
	char *from;
};

struct conf_xtab {
	struct conf_xent *t;
	size_t size; /* power of two, or 0 */
	size_t count;
};

/* n's entry, or NULL. */
struct conf_xent *conf_xtab_find(
    const struct conf_xtab *x, const struct cnode *n);
/* n's entry, made empty when there was none. */
struct conf_xent *conf_xtab_get(struct conf_xtab *x, const struct cnode *n);
/* Takes n's entry out (its strings released by the caller first). */
void conf_xtab_del(struct conf_xtab *x, const struct cnode *n);
/* Files the entry of old under new instead. */
void conf_xtab_rekey(
    struct conf_xtab *x, const struct cnode *old, const struct cnode *new);
void conf_xtab_free(struct conf_xtab *x);

#endif
