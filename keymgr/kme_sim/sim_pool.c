/*
 * sim_pool: the key material all simulated KMEs share.
 *
 * Two things live here.  Per ordered SAE pair (master, slave) a count of
 * stored keys, which stands in for the QKD link: it starts at
 * limits.stored_keys, every key handed to the master takes one, and it grows
 * back at limits.key_rate keys/s up to limits.max_key_count (computed lazily
 * when asked).  And the keys handed to a master, by key_ID, until the slave's
 * KME gives them out (dec_keys) and, in the default once mode, forgets them.
 * Key bytes are random (RAND_bytes) and wiped when a key is removed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "keymgr/kme_sim/kme_sim.h"
#include "lib/log.h"
#include "lib/sb.h"

#define SIM_POOL_BUCKETS 65536u

struct sim_pair {
	struct sim_pair *next;
	char master[SIM_ID_MAX + 1];
	char slave[SIM_ID_MAX + 1];
	double stored;
	struct timespec last;
};

struct sim_pool {
	struct sim_key **buckets;
	size_t count;
	struct sim_pair *pairs;
	struct sim_limits lim;
};

struct sim_pool *
sim_pool_new(const struct sim_limits *lim)
{
	struct sim_pool *pool = xcalloc(1, sizeof(*pool));

	pool->buckets = xcalloc(SIM_POOL_BUCKETS, sizeof(*pool->buckets));
	pool->lim = *lim;
	return pool;
}

static void
sim_key_free(struct sim_key *k)
{
	OPENSSL_cleanse(k->key, k->len);
	free(k->key);
	free(k);
}

void
sim_pool_free(struct sim_pool *pool)
{
	struct sim_key *k, *kn;
	struct sim_pair *p, *pn;
	size_t i;

	if (pool == NULL)
		return;
	for (i = 0; i < SIM_POOL_BUCKETS; i++)
		for (k = pool->buckets[i]; k != NULL; k = kn) {
			kn = k->next;
			sim_key_free(k);
		}
	for (p = pool->pairs; p != NULL; p = pn) {
		pn = p->next;
		free(p);
	}
	free(pool->buckets);
	free(pool);
}

/* FNV-1a over the key_ID. */
static size_t
sim_pool_hash(const char *id)
{
	uint32_t h = 2166136261u;

	for (; *id != '\0'; id++) {
		h ^= (unsigned char)*id;
		h *= 16777619u;
	}
	return h % SIM_POOL_BUCKETS;
}

static struct sim_pair *
sim_pair_get(struct sim_pool *pool, const char *master, const char *slave)
{
	struct sim_pair *p;
	struct timespec now;
	double dt;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (p = pool->pairs; p != NULL; p = p->next)
		if (strcmp(p->master, master) == 0 &&
		    strcmp(p->slave, slave) == 0)
			break;
	if (p == NULL) {
		p = xcalloc(1, sizeof(*p));
		snprintf(p->master, sizeof(p->master), "%s", master);
		snprintf(p->slave, sizeof(p->slave), "%s", slave);
		p->stored = (double)pool->lim.stored_keys;
		p->last = now;
		p->next = pool->pairs;
		pool->pairs = p;
		return p;
	}
	dt = (double)(now.tv_sec - p->last.tv_sec) +
	    (double)(now.tv_nsec - p->last.tv_nsec) / 1e9;
	p->stored += dt * (double)pool->lim.key_rate;
	if (p->stored > (double)pool->lim.max_key_count)
		p->stored = (double)pool->lim.max_key_count;
	p->last = now;
	return p;
}

long
sim_pool_stored(struct sim_pool *pool, const char *master, const char *slave)
{
	return (long)sim_pair_get(pool, master, slave)->stored;
}

/* RFC 4122 4.4: a random (version 4) UUID. */
static int
sim_uuid(char out[37])
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return -1;
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
	    b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

int
sim_pool_take(struct sim_pool *pool, const char *master, const char *slave,
    size_t n, size_t len, struct sim_key **out)
{
	struct sim_pair *p = sim_pair_get(pool, master, slave);
	struct sim_key *k;
	size_t i, h;

	if (p->stored < (double)n || pool->count + n > SIM_POOL_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		k = xcalloc(1, sizeof(*k));
		k->key = xmalloc(len);
		k->len = len;
		snprintf(k->master, sizeof(k->master), "%s", master);
		snprintf(k->slave, sizeof(k->slave), "%s", slave);
		if (RAND_bytes(k->key, (int)len) != 1 || sim_uuid(k->id) == -1)
			fatal("RAND_bytes failed");
		h = sim_pool_hash(k->id);
		k->next = pool->buckets[h];
		pool->buckets[h] = k;
		pool->count++;
		out[i] = k;
	}
	p->stored -= (double)n;
	return 0;
}

struct sim_key *
sim_pool_find(struct sim_pool *pool, const char *id)
{
	struct sim_key *k;

	for (k = pool->buckets[sim_pool_hash(id)]; k != NULL; k = k->next)
		if (strcmp(k->id, id) == 0)
			return k;
	return NULL;
}

void
sim_pool_remove(struct sim_pool *pool, struct sim_key *k)
{
	struct sim_key **kp;

	for (kp = &pool->buckets[sim_pool_hash(k->id)]; *kp != NULL;
	     kp = &(*kp)->next)
		if (*kp == k) {
			*kp = k->next;
			pool->count--;
			sim_key_free(k);
			return;
		}
}

size_t
sim_pool_count(const struct sim_pool *pool)
{
	return pool->count;
}
