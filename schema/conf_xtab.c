/*
 * conf_xtab: a node's annotation and group name (see conf_xtab.h).  Open
 * addressing with linear probing, deletion by moving back the entries
 * that probed past the freed bucket, as conf.c's table of entries.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/sb.h"
#include "schema/conf_xtab.h"

static size_t
xtab_home(const struct conf_xtab *x, const struct cnode *n)
{
	uint64_t h = (uint64_t)(uintptr_t)n * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 32) & (x->size - 1);
}

struct conf_xent *
conf_xtab_find(const struct conf_xtab *x, const struct cnode *n)
{
	if (x->size == 0)
		return NULL;
	for (size_t i = xtab_home(x, n); x->t[i].n != NULL;
	     i = (i + 1) & (x->size - 1))
		if (x->t[i].n == n)
			return &x->t[i];
	return NULL;
}

static void
xtab_put(struct conf_xtab *x, const struct conf_xent *e)
{
	size_t i = xtab_home(x, e->n);

	while (x->t[i].n != NULL)
		i = (i + 1) & (x->size - 1);
	x->t[i] = *e;
}

struct conf_xent *
conf_xtab_get(struct conf_xtab *x, const struct cnode *n)
{
	struct conf_xent *e = conf_xtab_find(x, n);

	if (e != NULL)
		return e;
	if (x->count + 1 > x->size / 2) {
		struct conf_xtab nx = { NULL, x->size ? x->size * 2 : 16, 0 };
		nx.t = xcalloc(nx.size, sizeof(*nx.t));
		for (size_t i = 0; i < x->size; i++)
			if (x->t[i].n != NULL)
				xtab_put(&nx, &x->t[i]);
		free(x->t);
		x->t = nx.t;
		x->size = nx.size;
	}
	xtab_put(x, &(struct conf_xent){ n, NULL, NULL });
	x->count++;
	return conf_xtab_find(x, n);
}

void
conf_xtab_del(struct conf_xtab *x, const struct cnode *n)
{
	struct conf_xent *e = conf_xtab_find(x, n);
	size_t mask = x->size - 1, i, j, home;

	if (e == NULL)
		fatal("conf: node missing from its annotation table");
	i = (size_t)(e - x->t);
	for (j = i;;) {
		j = (j + 1) & mask;
		if (x->t[j].n == NULL)
			break;
		home = xtab_home(x, x->t[j].n);
		/* j stays when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		x->t[i] = x->t[j];
		i = j;
	}
	memset(&x->t[i], 0, sizeof(x->t[i]));
	x->count--;
}

void
conf_xtab_rekey(
    struct conf_xtab *x, const struct cnode *old, const struct cnode *new)
{
	struct conf_xent *e = conf_xtab_find(x, old), tmp;

	if (e == NULL)
		return;
	tmp = *e;
	conf_xtab_del(x, old);
	tmp.n = new;
	*conf_xtab_get(x, new) = tmp;
}

void
conf_xtab_free(struct conf_xtab *x)
{
	free(x->t);
	memset(x, 0, sizeof(*x));
}
