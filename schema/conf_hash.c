/*
 * conf_hash: the table of a tree's list entries and leaf-list values
 * (conf_impl.h), one per tree, so that finding an entry among 10,000 of
 * its list costs one probe.
 */
#include <stdlib.h>

#include "lib/log.h"
#include "lib/sb.h"
#include "schema/conf_impl.h"

/* Puts n of hash h in the table t of size entries (a power of two), not
 * full. */
static void
conf_hash_put(struct conf_hent *t, size_t size, struct cnode *n, uint32_t h)
{
	size_t i = h & (size - 1);

	while (t[i].n != NULL)
		i = (i + 1) & (size - 1);
	t[i].n = n;
	t[i].hash = h;
}

/* Sizes the table for want entries at a load of at most one half. */
static void
conf_hash_resize(struct conf *c, size_t want)
{
	size_t nsize = c->hsize ? c->hsize : 1024;
	struct conf_hent *nt;

	while (want > nsize / 2)
		nsize *= 2;
	if (nsize == c->hsize)
		return;
	nt = xcalloc(nsize, sizeof(*nt));
	for (size_t i = 0; i < c->hsize; i++)
		if (c->htab[i].n != NULL)
			conf_hash_put(nt, nsize, c->htab[i].n, c->htab[i].hash);
	free(c->htab);
	c->htab = nt;
	c->hsize = nsize;
}

void
conf_reserve(struct conf *c, size_t n)
{
	if (n > SIZE_MAX / 4 - c->hcount)
		fatal("conf: %zu entries asked for", n);
	conf_hash_resize(c, c->hcount + n);
}

/* Regions of the table conf_hash_fill groups the entries by. */
#define CONF_FILL_BITS 12

/*
 * A copy's entries, made in the tree's order, land at random in a table
 * of megabytes: a cache miss (and on fresh memory, a fault) each.  Put in
 * order of region first (a counting sort in place: no second buffer of
 * fresh memory), each region's writes come together.  Any order of
 * insertion makes a valid table of linear probing.
 */
void
conf_hash_fill(struct conf *c, struct conf_hent *v, size_t n)
{
	size_t bits = 0, shift, nreg, *at, *end;

	if (n == 0)
		return;
	if (c->hcount + n > c->hsize / 2)
		conf_hash_resize(c, c->hcount + n);
	while (((size_t)1 << bits) < c->hsize)
		bits++;
	shift = bits > CONF_FILL_BITS ? bits - CONF_FILL_BITS : 0;
	nreg = (size_t)1 << (bits - shift);
#define CONF_REGION(e) (((e).hash & (c->hsize - 1)) >> shift)
	at = xcalloc(2 * nreg + 1, sizeof(*at));
	end = at + nreg;
	for (size_t i = 0; i < n; i++)
		end[CONF_REGION(v[i]) + 1]++;
	for (size_t r = 0; r < nreg; r++) {
		end[r + 1] += end[r];
		at[r] = end[r];
	}
	/* region r's entries go to [end[r], end[r + 1]); at[r]: the next
	 * place there not yet holding one of its own */
	for (size_t r = 0; r < nreg; r++)
		while (at[r] < end[r + 1]) {
			size_t t = CONF_REGION(v[at[r]]);
			if (t == r) {
				at[r]++;
			} else {
				struct conf_hent e = v[at[t]];
				v[at[t]++] = v[at[r]];
				v[at[r]] = e;
			}
		}
#undef CONF_REGION
	for (size_t i = 0; i < n; i++)
		conf_hash_put(c->htab, c->hsize, v[i].n, v[i].hash);
	c->hcount += n;
	free(at);
}

void
conf_hash_add(struct conf *c, struct cnode *n)
{
	if (c->hcount + 1 > c->hsize / 2)
		conf_hash_resize(c, c->hcount + 1);
	conf_hash_put(
	    c->htab, c->hsize, n, conf_hash(n->parent, n->sn, n->val));
	c->hcount++;
}

/*
 * Takes n out, moving back the entries after it that probed past its
 * bucket (no tombstones: a look-up stops at the first empty bucket).
 * n's parent, kind and value are those it was put in with.
 */
void
conf_hash_del(struct conf *c, struct cnode *n)
{
	size_t mask = c->hsize - 1, j, home;
	size_t i = conf_hash(n->parent, n->sn, n->val) & mask;

	for (; c->htab[i].n != n; i = (i + 1) & mask)
		if (c->htab[i].n == NULL)
			fatal("conf: node missing from its hash table");
	for (j = i;;) {
		j = (j + 1) & mask;
		if (c->htab[j].n == NULL)
			break;
		home = c->htab[j].hash & mask;
		/* j stays when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		c->htab[i] = c->htab[j];
		i = j;
	}
	c->htab[i].n = NULL;
	c->hcount--;
}
