/*
 * dp_lpm: the longest-prefix table that picks an outbound SA on a
 * point-to-multipoint st0 device (dp_lpm.h says how it is used).  One
 * open-addressing hash table (linear probing) keyed by (family, prefix
 * length, masked address), and per family the prefix lengths present,
 * longest first, with how many prefixes of each: a lookup masks the
 * destination to each length in turn and probes.  A slot holds the
 * newest value of its prefix; older ones of the same prefix wait in a
 * list, newest first, and come back when the newer go.  Deletion shifts
 * the probe run back (no tombstones), so probes stay short however many
 * SAs came and went.
 */
#include <stdlib.h>
#include <string.h>

#include "iked/dp_lpm.h"

#define LPM_CAP_MIN 8

/* A value hidden by a newer one of the same prefix. */
struct dp_lpm_old {
	void *val;
	struct dp_lpm_old *next;
};

struct dp_lpm_slot {
	uint8_t used, family, plen;
	uint8_t addr[16];
	uint32_t hash;
	void *val;		  /* the newest */
	struct dp_lpm_old *older; /* newest first */
};

struct dp_lpm {
	size_t mask; /* slots - 1, a power of two less one */
	size_t nused;
	size_t nval; /* values, hidden ones too */
	struct dp_lpm_slot *slot;
	uint8_t len4[33], len6[129]; /* lengths present, longest first */
	size_t nlen4, nlen6;
	uint32_t cnt4[33], cnt6[129]; /* used slots of each length */
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
static uint32_t
lpm_hash(uint8_t family, uint8_t plen, const uint8_t *addr)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = (h ^ family) * 0x100000001b3ULL;
	h = (h ^ plen) * 0x100000001b3ULL;
	for (size_t i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 0x100000001b3ULL;
	return (uint32_t)(h ^ (h >> 32));
}

/* The slot of the key, or the free slot ending its probe run. */
static struct dp_lpm_slot *
lpm_probe(const struct dp_lpm *t, uint32_t hash, uint8_t family, uint8_t plen,
    const uint8_t *key)
{
	for (size_t i = hash & t->mask;; i = (i + 1) & t->mask) {
		struct dp_lpm_slot *s = &t->slot[i];
		if (!s->used ||
		    (s->hash == hash && s->family == family &&
			s->plen == plen && memcmp(s->addr, key, 16) == 0))
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

static void
lpm_len_del(uint8_t *lens, size_t *n, uint8_t plen)
{
	size_t i = 0;

	while (i < *n && lens[i] != plen)
		i++;
	if (i == *n)
		return;
	memmove(lens + i, lens + i + 1, *n - i - 1);
	(*n)--;
}

/* One more (or one less, by -1) used slot of s's family and length. */
static void
lpm_len_count(struct dp_lpm *t, const struct dp_lpm_slot *s, int d)
{
	uint32_t *cnt = s->family == AF_INET ? t->cnt4 : t->cnt6;
	uint8_t *lens = s->family == AF_INET ? t->len4 : t->len6;
	size_t *n = s->family == AF_INET ? &t->nlen4 : &t->nlen6;

	if (d > 0 && cnt[s->plen]++ == 0)
		lpm_len_add(lens, n, s->plen);
	else if (d < 0 && --cnt[s->plen] == 0)
		lpm_len_del(lens, n, s->plen);
}

/* The slots moved into a new array of cap (a power of two). */
static int
lpm_resize(struct dp_lpm *t, size_t cap)
{
	struct dp_lpm_slot *old = t->slot, *ns;
	size_t ocap = t->mask + 1;

	if ((ns = calloc(cap, sizeof(*ns))) == NULL)
		return -1;
	t->slot = ns;
	t->mask = cap - 1;
	for (size_t i = 0; i < ocap; i++) {
		if (!old[i].used)
			continue;
		*lpm_probe(t, old[i].hash, old[i].family, old[i].plen,
		    old[i].addr) = old[i];
	}
	free(old);
	return 0;
}

struct dp_lpm *
dp_lpm_new(const struct dp_lpm_ent *e, size_t n)
{
	struct dp_lpm *t;
	size_t cap = LPM_CAP_MIN;

	if ((t = calloc(1, sizeof(*t))) == NULL)
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
			continue; /* no prefix: as dp_lpm_insert refuses */
		if (dp_lpm_insert(t, &e[i]) == -1) {
			dp_lpm_free(t);
			return NULL;
		}
	}
	return t;
}

void
dp_lpm_free(struct dp_lpm *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i <= t->mask; i++)
		for (struct dp_lpm_old *o = t->slot[i].older, *n; o; o = n) {
			n = o->next;
			free(o);
		}
	free(t->slot);
	free(t);
}

size_t
dp_lpm_count(const struct dp_lpm *t)
{
	return t == NULL ? 0 : t->nval;
}

int
dp_lpm_insert(struct dp_lpm *t, const struct dp_lpm_ent *e)
{
	size_t w = lpm_width(e->family);
	uint8_t key[16];
	struct dp_lpm_slot *s;
	struct dp_lpm_old *o;
	uint32_t h;

	if (w == 0 || e->plen > w * 8)
		return -1;
	lpm_mask(e->addr, w, e->plen, key);
	h = lpm_hash((uint8_t)e->family, e->plen, key);
	s = lpm_probe(t, h, (uint8_t)e->family, e->plen, key);
	if (s->used) {
		/* the newer of equal prefixes wins; the older waits */
		if ((o = malloc(sizeof(*o))) == NULL)
			return -1;
		o->val = s->val;
		o->next = s->older;
		s->older = o;
		s->val = e->val;
		t->nval++;
		return 0;
	}
	/* at most half full: probe runs stay short */
	if (2 * (t->nused + 1) > t->mask + 1) {
		if (lpm_resize(t, 2 * (t->mask + 1)) == -1)
			return -1;
		s = lpm_probe(t, h, (uint8_t)e->family, e->plen, key);
	}
	*s = (struct dp_lpm_slot){ .used = 1,
		.family = (uint8_t)e->family,
		.plen = e->plen,
		.hash = h,
		.val = e->val };
	memcpy(s->addr, key, 16);
	t->nused++;
	t->nval++;
	lpm_len_count(t, s, 1);
	return 0;
}

/*
 * Slot i emptied: the entries after it in its probe run that may sit
 * nearer their home move back (linear probing's deletion, no tombstone).
 */
static void
lpm_shift(struct dp_lpm *t, size_t i)
{
	for (size_t j = (i + 1) & t->mask; t->slot[j].used;
	     j = (j + 1) & t->mask) {
		size_t home = t->slot[j].hash & t->mask;
		/* j stays when home lies cyclically in (i, j] */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		t->slot[i] = t->slot[j];
		i = j;
	}
	memset(&t->slot[i], 0, sizeof(t->slot[i]));
}

int
dp_lpm_delete(struct dp_lpm *t, const struct dp_lpm_ent *e)
{
	size_t w = lpm_width(e->family);
	uint8_t key[16];
	struct dp_lpm_slot *s;
	struct dp_lpm_old **op, *o;
	uint32_t h;

	if (t == NULL || w == 0 || e->plen > w * 8)
		return -1;
	lpm_mask(e->addr, w, e->plen, key);
	h = lpm_hash((uint8_t)e->family, e->plen, key);
	s = lpm_probe(t, h, (uint8_t)e->family, e->plen, key);
	if (!s->used)
		return -1;
	if (s->val == e->val) {
		t->nval--;
		if ((o = s->older) != NULL) {
			/* the newest of the older comes back */
			s->val = o->val;
			s->older = o->next;
			free(o);
			return 0;
		}
		lpm_len_count(t, s, -1);
		t->nused--;
		lpm_shift(t, (size_t)(s - t->slot));
		if (t->mask + 1 > LPM_CAP_MIN && 8 * t->nused < t->mask + 1)
			(void)lpm_resize(t, (t->mask + 1) / 2); /* else kept */
		return 0;
	}
	for (op = &s->older; *op; op = &(*op)->next)
		if ((*op)->val == e->val) {
			o = *op;
			*op = o->next;
			free(o);
			t->nval--;
			return 0;
		}
	return -1;
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
		    lpm_probe(t, lpm_hash((uint8_t)family, lens[i], key),
			(uint8_t)family, lens[i], key);
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
