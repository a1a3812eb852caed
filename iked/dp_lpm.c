/*
 * dp_lpm: the longest-prefix table that picks an outbound SA on a
 * point-to-multipoint st0 device (dp_lpm.h says how it is used).  One
 * open-addressing hash table keyed by (family, prefix length, masked
 * address), and per family the prefix lengths present, longest first: a
 * lookup masks the destination to each length in turn and probes.
 */
#include <stdlib.h>
#include <string.h>

#include "iked/dp_lpm.h"

struct dp_lpm_slot {
	uint8_t used, family, plen;
	uint8_t addr[16];
	void *val;
};

struct dp_lpm {
	size_t mask; /* slots - 1, a power of two less one */
	struct dp_lpm_slot *slot;
	uint8_t len4[33], len6[129]; /* lengths present, longest first */
	size_t nlen4, nlen6;
};

static size_t
lpm_width(sa_family_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* addr's first plen bits, the rest zero, in out[0..16). */
static void
lpm_mask(const uint8_t *addr, size_t w, uint8_t plen, uint8_t *out)
{
	memset(out, 0, 16);
	for (size_t i = 0; i < w && i * 8 < plen; i++)
		out[i] = plen >= i * 8 + 8
		    ? addr[i]
		    : addr[i] & (uint8_t)(0xff << (8 - (plen - i * 8)));
}

/* FNV-1a over the key. */
static size_t
lpm_hash(uint8_t family, uint8_t plen, const uint8_t *addr)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = (h ^ family) * 0x100000001b3ULL;
	h = (h ^ plen) * 0x100000001b3ULL;
	for (size_t i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 0x100000001b3ULL;
	return (size_t)(h ^ (h >> 32));
}

static struct dp_lpm_slot *
lpm_probe(
    const struct dp_lpm *t, uint8_t family, uint8_t plen, const uint8_t *key)
{
	for (size_t i = lpm_hash(family, plen, key) & t->mask;;
	     i = (i + 1) & t->mask) {
		struct dp_lpm_slot *s = &t->slot[i];
		if (!s->used ||
		    (s->family == family && s->plen == plen &&
			memcmp(s->addr, key, 16) == 0))
			return s;
	}
}

static void
lpm_len_add(uint8_t *lens, size_t *n, uint8_t plen)
{
	size_t i = 0;

	while (i < *n && lens[i] > plen)
		i++;
	if (i < *n && lens[i] == plen)
		return;
	memmove(lens + i + 1, lens + i, *n - i);
	lens[i] = plen;
	(*n)++;
}

struct dp_lpm *
dp_lpm_new(const struct dp_lpm_ent *e, size_t n)
{
	struct dp_lpm *t;
	size_t cap = 8;
	uint8_t key[16];

	if (n == 0 || (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	while (cap < 2 * n)
		cap *= 2;
	if ((t->slot = calloc(cap, sizeof(*t->slot))) == NULL) {
		free(t);
		return NULL;
	}
	t->mask = cap - 1;
	for (size_t i = 0; i < n; i++) {
		size_t w = lpm_width(e[i].family);
		if (w == 0 || e[i].plen > w * 8)
			continue;
		lpm_mask(e[i].addr, w, e[i].plen, key);
		struct dp_lpm_slot *s =
		    lpm_probe(t, (uint8_t)e[i].family, e[i].plen, key);
		s->used = 1;
		s->family = (uint8_t)e[i].family;
		s->plen = e[i].plen;
		memcpy(s->addr, key, 16);
		s->val = e[i].val; /* the later of equal prefixes wins */
		if (w == 4)
			lpm_len_add(t->len4, &t->nlen4, e[i].plen);
		else
			lpm_len_add(t->len6, &t->nlen6, e[i].plen);
	}
	return t;
}

void
dp_lpm_free(struct dp_lpm *t)
{
	if (t == NULL)
		return;
	free(t->slot);
	free(t);
}

void *
dp_lpm_find(const struct dp_lpm *t, sa_family_t family, const uint8_t *addr)
{
	size_t w = lpm_width(family), n;
	const uint8_t *lens;
	uint8_t key[16];

	if (t == NULL || w == 0)
		return NULL;
	lens = w == 4 ? t->len4 : t->len6;
	n = w == 4 ? t->nlen4 : t->nlen6;
	for (size_t i = 0; i < n; i++) {
		lpm_mask(addr, w, lens[i], key);
		const struct dp_lpm_slot *s =
		    lpm_probe(t, (uint8_t)family, lens[i], key);
		if (s->used)
			return s->val;
	}
	return NULL;
}

/* Bit i of a (w octets, big-endian), counted from the least significant. */
static int
lpm_bit(const uint8_t *a, size_t w, size_t i)
{
	return (a[w - 1 - i / 8] >> (i % 8)) & 1;
}

/* out = a with its k least significant bits set. */
static void
lpm_fill_low(const uint8_t *a, size_t w, size_t k, uint8_t *out)
{
	memcpy(out, a, w);
	for (size_t i = 0; i < k; i++)
		out[w - 1 - i / 8] |= (uint8_t)(1 << (i % 8));
}

/* a += 1; false when it wrapped round to zero. */
static int
lpm_incr(uint8_t *a, size_t w)
{
	for (size_t i = w; i-- > 0;)
		if (++a[i] != 0)
			return 1;
	return 0;
}

/*
 * The classic range-to-CIDR walk: from the start, the largest aligned
 * block that does not pass the end, then on from the block's end + 1.
 */
size_t
dp_lpm_prefixes(
    const struct dp_sel *sel, void *val, struct dp_lpm_ent *out, size_t max)
{
	sa_family_t fam = sel->start.family;
	size_t w = lpm_width(fam), bits = w * 8, n = 0, k;
	uint8_t cur[16], end[16], last[16];

	if (w == 0 || sel->end.family != fam)
		return 0;
	memcpy(cur,
	    fam == AF_INET ? (const void *)&sel->start.u.v4
			   : (const void *)&sel->start.u.v6,
	    w);
	memcpy(end,
	    fam == AF_INET ? (const void *)&sel->end.u.v4
			   : (const void *)&sel->end.u.v6,
	    w);
	if (memcmp(cur, end, w) > 0)
		return 0;
	for (;;) {
		for (k = 0; k < bits && lpm_bit(cur, w, k) == 0; k++) {
			lpm_fill_low(cur, w, k + 1, last);
			if (memcmp(last, end, w) > 0)
				break;
		}
		if (n == max)
			return 0;
		out[n] = (struct dp_lpm_ent){
			.family = fam, .plen = (uint8_t)(bits - k), .val = val
		};
		memcpy(out[n].addr, cur, w);
		n++;
		lpm_fill_low(cur, w, k, last);
		if (memcmp(last, end, w) >= 0 || !lpm_incr(last, w))
			return n;
		memcpy(cur, last, w);
	}
}
