/*
 * nftm_uses: the uses a model keeps beside its table (nftm_use): which
 * parts of the configuration name what, so that a change of a name finds
 * its users without a walk (policy_uses.c: the policies and address-sets
 * that name an address-book entry).  A hash table of the names' 64-bit
 * hashes, not of the names: a user found is checked against the
 * configuration anyway, and a model of 40,000 policies makes as many uses
 * at each load (a json_t a use cost 60 ms of its 150: docs/benchmarks.md,
 * thirty-eighth round).
 */
#include <string.h>

#include "hostd/nftm_int.h"

#define NFTM_USES_SLOTS 1024 /* the first table; doubled when full */

void
nftm_uses_free(struct nftm_uses *u)
{
	free(u->v);
	free(u->slot);
	sb_free(&u->users);
	memset(u, 0, sizeof(*u));
}

/* Doubles the slots (or makes the first) and chains every use again. */
static void
nftm_uses_grow(struct nftm_uses *u)
{
	size_t ns = u->nslot ? 2 * u->nslot : NFTM_USES_SLOTS;

	free(u->slot);
	u->slot = xcalloc(ns, sizeof(*u->slot));
	u->nslot = ns;
	for (size_t i = 0; i < u->n; i++) {
		size_t s = u->v[i].h & (ns - 1);
		u->v[i].next = u->slot[s];
		u->slot[s] = (uint32_t)(i + 1);
	}
}

/* Adds the use h -> the user at offset off of u->users. */
static void
nftm_uses_put(struct nftm_uses *u, uint64_t h, size_t off)
{
	size_t s;

	if (u->n >= u->nslot)
		nftm_uses_grow(u);
	if (u->n == u->cap) {
		u->cap = u->cap ? 2 * u->cap : NFTM_USES_SLOTS;
		u->v = xrealloc(u->v, u->cap * sizeof(*u->v));
	}
	s = h & (u->nslot - 1);
	u->v[u->n] = (struct nftm_use){ h, (uint32_t)off, u->slot[s] };
	u->slot[s] = (uint32_t)++u->n;
}

/* The offset of user in u->users: the last one added when the same. */
static size_t
nftm_uses_user(struct nftm_uses *u, const char *user)
{
	if (u->last > 0 && strcmp(u->users.buf + u->last - 1, user) == 0)
		return u->last - 1;
	if (u->users.len == 0)
		sb_putc(&u->users, '\0'); /* offsets start past a byte */
	u->last = u->users.len + 1;
	sb_puts(&u->users, user);
	sb_putc(&u->users, '\0');
	return u->last - 1;
}

/* Whether u has the use h -> user. */
static bool
nftm_uses_has(const struct nftm_uses *u, uint64_t h, const char *user)
{
	for (uint32_t i = u->nslot ? u->slot[h & (u->nslot - 1)] : 0; i;
	     i = u->v[i - 1].next)
		if (u->v[i - 1].h == h &&
		    strcmp(u->users.buf + u->v[i - 1].user, user) == 0)
			return true;
	return false;
}

void
nftm_use(struct nftm *m, const char *name, const char *user)
{
	nftm_uses_put(&m->uses, nftm_hash_more(NFTM_HASH_INIT, name),
	    nftm_uses_user(&m->uses, user));
}

json_t *
nftm_users(const struct nftm *m, const char *name)
{
	const struct nftm_uses *u = &m->uses;
	uint64_t h = nftm_hash_more(NFTM_HASH_INIT, name);
	json_t *out = json_object();

	for (uint32_t i = u->nslot ? u->slot[h & (u->nslot - 1)] : 0; i;
	     i = u->v[i - 1].next)
		if (u->v[i - 1].h == h)
			json_object_set_new(
			    out, u->users.buf + u->v[i - 1].user, json_true());
	return out;
}

void
nftm_uses_add(struct nftm *m, const struct nftm *p)
{
	const struct nftm_uses *pu = &p->uses;

	for (size_t i = 0; i < pu->n; i++) {
		const char *user = pu->users.buf + pu->v[i].user;
		if (!nftm_uses_has(&m->uses, pu->v[i].h, user))
			nftm_uses_put(&m->uses, pu->v[i].h,
			    nftm_uses_user(&m->uses, user));
	}
}

bool
nftm_uses_cover(const struct nftm *m, const struct nftm *full, struct sb *miss)
{
	const struct nftm_uses *fu = &full->uses;

	for (size_t i = 0; i < fu->n; i++) {
		const char *user = fu->users.buf + fu->v[i].user;
		if (!nftm_uses_has(&m->uses, fu->v[i].h, user)) {
			sb_printf(miss, "%016llx -> %s",
			    (unsigned long long)fu->v[i].h, user);
			return false;
		}
	}
	return true;
}
