/*
 * conf_read: how the daemons read a configuration tree (conf.h): a child
 * by name, skipping what is deactivated; children of a kind.
 */
#include <string.h>

#include "schema/conf_impl.h"

/*
 * The schema says which kind name is; the slots say where that kind's
 * children start: after the last child of the nearest earlier kind present
 * (children are in schema order).  A look-up under a container of 9,000
 * list entries no longer compares the name with each of them.
 */
const struct cnode *
cnode_child(const struct cnode *n, const char *name)
{
	const struct snode *sn;

	if (n == NULL || !cnode_has_kids(n) ||
	    (sn = snode_child_named(n->sn, name)) == NULL)
		return NULL;
	return cnode_child_kind(n, sn);
}

const struct cnode *
cnode_child_kind(const struct cnode *n, const struct snode *sn)
{
	const struct cnode *c;

	if (n == NULL || !cnode_has_kids(n) ||
	    cnode_last_idx(n, sn->idx) == NULL)
		return NULL;
	c = sn->idx > 0 ? cnode_last_upto(n, sn->idx - 1) : NULL;
	c = c != NULL ? c->next : n->first;
	for (; c != NULL && c->sn == sn; c = c->next)
		if (!(c->flags & CN_INACTIVE))
			return c;
	return NULL;
}

const char *
cnode_child_val(const struct cnode *n, const char *name)
{
	const struct cnode *c = cnode_child(n, name);

	return c ? c->val : NULL;
}

bool
cnode_is_inactive(const struct cnode *n)
{
	for (; n != NULL; n = n->parent)
		if (n->flags & CN_INACTIVE)
			return true;
	return false;
}

size_t
conf_count_kind(
    struct conf *c, const struct cnode *parent, const struct snode *sn)
{
	size_t n = 0;
	const struct cnode *ch;

	(void)c;
	for (ch = cnode_last_idx(parent, sn->idx); ch && ch->sn == sn;
	     ch = ch->prev)
		n++;
	return n;
}
