/*
 * sa: the IKE SA table and the IKE SA state machine.
 *
 * The table is keyed by OUR SPI (which we draw at random), hashed with
 * SipHash-2-4 under a per-engine random seed; a second chain keys
 * responder SAs by the peer's SPI so that a repeated IKE_SA_INIT request
 * finds its half-open SA (RFC 7296 2.1) — that SPI the peer chooses, so an
 * unseeded hash would let it pile SAs into one bucket.  The table doubles
 * when it holds twice as many SAs as buckets.  A third chain keys SAs by
 * gateway and authenticated peer ID (sa_id_set), for INITIAL_CONTACT.
 *
 * sa_state() is the only writer of sa->state: it checks the transition
 * against a static table, keeps the half-open count (SAs a responder has
 * answered but not yet authenticated; cookies key off it), and logs.
 * Every way out of half-open (IKE_AUTH done, the timeout, a Delete, a
 * gateway going, sa_free) passes there, so it also keeps the half-open
 * count of each peer address (struct sa_peer), which bounds what one
 * address may hold (ike_sa_init.c).  That table is keyed by an address
 * the peer chooses, so it is hashed under the same seed; an entry lives
 * while its count is not zero, so there are never more entries than
 * half-open SAs, which max-count bounds.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "iked/eng_int.h"
#include "lib/log.h"
#include "lib/sb.h"

static const char *const state_names[] = {
	[IKE_ST_NEW] = "new",
	[IKE_ST_INIT_SENT] = "init-sent",
	[IKE_ST_INIT_DONE] = "init-done",
	[IKE_ST_AUTH_WAIT] = "auth-wait",
	[IKE_ST_AUTH_SENT] = "auth-sent",
	[IKE_ST_ESTABLISHED] = "established",
	[IKE_ST_DELETING] = "deleting",
	[IKE_ST_DEAD] = "dead",
};

#define ST(s) (1u << (s))
/* Which states each state may go to. */
static const unsigned allowed[] = {
	[IKE_ST_NEW] = ST(IKE_ST_INIT_SENT) | ST(IKE_ST_INIT_DONE) |
	    ST(IKE_ST_ESTABLISHED) | ST(IKE_ST_DEAD), /* 2.18 rekey */
	[IKE_ST_INIT_SENT] = ST(IKE_ST_INIT_SENT) | ST(IKE_ST_AUTH_WAIT) |
	    ST(IKE_ST_AUTH_SENT) | ST(IKE_ST_DEAD),
	[IKE_ST_INIT_DONE] =
	    ST(IKE_ST_AUTH_WAIT) | ST(IKE_ST_ESTABLISHED) | ST(IKE_ST_DEAD),
	[IKE_ST_AUTH_WAIT] =
	    ST(IKE_ST_AUTH_SENT) | ST(IKE_ST_ESTABLISHED) | ST(IKE_ST_DEAD),
	[IKE_ST_AUTH_SENT] = ST(IKE_ST_ESTABLISHED) | ST(IKE_ST_DEAD),
	[IKE_ST_ESTABLISHED] = ST(IKE_ST_DELETING) | ST(IKE_ST_DEAD),
	[IKE_ST_DELETING] = ST(IKE_ST_DEAD),
	[IKE_ST_DEAD] = 0,
};

const char *
sa_state_name(enum ike_state st)
{
	if ((size_t)st >= sizeof(state_names) / sizeof(state_names[0]))
		return "UNKNOWN";
	return state_names[st];
}

/* One peer address (IPv4 or IPv6, port aside) with half-open SAs. */
struct sa_peer {
	struct sa_peer *next;
	sa_family_t family;
	uint8_t addr[16];
	size_t n; /* its half-open SAs; the entry goes at 0 */
};

static const uint8_t *
sa_peer_key(const struct sockaddr *sa, sa_family_t *fam)
{
	*fam = sa->sa_family;
	if (sa->sa_family == AF_INET6)
		return (const uint8_t *)&((const struct sockaddr_in6 *)sa)
		    ->sin6_addr;
	return (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
}

static size_t
sa_peer_alen(sa_family_t fam)
{
	return fam == AF_INET6 ? 16 : 4;
}

static size_t
sa_peer_bucket(const struct ike_engine *e, sa_family_t fam, const uint8_t *a)
{
	uint64_t w[2] = { 0, 0 };

	memcpy(w, a, sa_peer_alen(fam));
	return sa_hash(e, sa_hash(e, w[0] ^ fam) ^ w[1]) &
	    (ENG_HOP_BUCKETS - 1);
}

static struct sa_peer **
sa_peer_slot(const struct ike_engine *e, sa_family_t fam, const uint8_t *a)
{
	struct sa_peer **pp = &e->hop_tab[sa_peer_bucket(e, fam, a)];

	while (*pp != NULL &&
	    ((*pp)->family != fam ||
		memcmp((*pp)->addr, a, sa_peer_alen(fam)) != 0))
		pp = &(*pp)->next;
	return pp;
}

size_t
sa_peer_half_open(const struct ike_engine *e, const struct sockaddr *remote)
{
	sa_family_t fam;
	const uint8_t *a = sa_peer_key(remote, &fam);
	struct sa_peer *p = *sa_peer_slot(e, fam, a);

	return p != NULL ? p->n : 0;
}

/* sa became half-open: one more for its address. */
static void
sa_peer_add(struct ike_sa *sa)
{
	sa_family_t fam;
	const uint8_t *a =
	    sa_peer_key((const struct sockaddr *)&sa->remote, &fam);
	struct sa_peer **pp = sa_peer_slot(sa->e, fam, a);

	if (*pp == NULL) {
		*pp = xcalloc(1, sizeof(**pp));
		(*pp)->family = fam;
		memcpy((*pp)->addr, a, sa_peer_alen(fam));
	}
	(*pp)->n++;
	sa->hop = *pp;
}

/* sa is half-open no more: the count it was added to, not its address now. */
static void
sa_peer_del(struct ike_sa *sa)
{
	struct sa_peer *p = sa->hop, **pp;

	sa->hop = NULL;
	if (p == NULL || --p->n > 0)
		return;
	pp = sa_peer_slot(sa->e, p->family, p->addr);
	if (*pp == p)
		*pp = p->next;
	free(p);
}

static bool
is_half_open(const struct ike_sa *sa)
{
	return !sa->initiator &&
	    (sa->state == IKE_ST_INIT_DONE || sa->state == IKE_ST_AUTH_WAIT);
}

/* Ours, negotiating: what ENG_INIT_FLIGHT bounds. */
static bool
is_in_flight(const struct ike_sa *sa)
{
	return sa->initiator &&
	    (sa->state == IKE_ST_INIT_SENT || sa->state == IKE_ST_AUTH_WAIT ||
		sa->state == IKE_ST_AUTH_SENT);
}

void
sa_state(struct ike_sa *sa, enum ike_state st)
{
	if ((allowed[sa->state] & ST(st)) == 0)
		fatal("ike sa %016llx: state %s -> %s not allowed",
		    (unsigned long long)sa_our_spi(sa),
		    sa_state_name(sa->state), sa_state_name(st));
	bool was = is_half_open(sa), flew = is_in_flight(sa);
	log_debug("ike sa %016llx (%s): %s -> %s",
	    (unsigned long long)sa_our_spi(sa), sa->gw->p.name,
	    sa_state_name(sa->state), sa_state_name(st));
	sa->state = st;
	life_touch(sa); /* its deadlines follow the state */
	bool now = is_half_open(sa);
	if (was && !now) {
		sa->e->half_open--;
		sa_peer_del(sa);
	} else if (!was && now) {
		sa->e->half_open++;
		sa_peer_add(sa);
	}
	if (flew && !is_in_flight(sa)) {
		/* room again for the VPNs waiting to start */
		if (sa->e->init_flight-- == ENG_INIT_FLIGHT / 2)
			eng_kick_soon(sa->e);
	} else if (!flew && is_in_flight(sa)) {
		sa->e->init_flight++;
	}
}

uint64_t
sa_our_spi(const struct ike_sa *sa)
{
	return sa->initiator ? sa->ispi : sa->rspi;
}

/* SipHash-2-4 of one 64-bit word (Aumasson, Bernstein 2012). */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND \
	do { \
		v0 += v1; \
		v1 = ROTL(v1, 13); \
		v1 ^= v0; \
		v0 = ROTL(v0, 32); \
		v2 += v3; \
		v3 = ROTL(v3, 16); \
		v3 ^= v2; \
		v0 += v3; \
		v3 = ROTL(v3, 21); \
		v3 ^= v0; \
		v2 += v1; \
		v1 = ROTL(v1, 17); \
		v1 ^= v2; \
		v2 = ROTL(v2, 32); \
	} while (0)

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t
sa_hash(const struct ike_engine *e, uint64_t m)
{
	uint64_t k0 = le64(e->seed), k1 = le64(e->seed + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t b = (uint64_t)8 << 56;

	v3 ^= m;
	SIPROUND;
	SIPROUND;
	v0 ^= m;
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

int
sa_table_init(struct ike_engine *e)
{
	if (crypto_random(e->seed, sizeof(e->seed)) == -1)
		return -1;
	e->nbuckets = ENG_SA_BUCKETS_MIN;
	e->tab = xcalloc(e->nbuckets, sizeof(*e->tab));
	e->ptab = xcalloc(e->nbuckets, sizeof(*e->ptab));
	e->itab = xcalloc(e->nbuckets, sizeof(*e->itab));
	e->hop_tab = xcalloc(ENG_HOP_BUCKETS, sizeof(*e->hop_tab));
	return 0;
}

void
sa_table_free(struct ike_engine *e)
{
	for (size_t i = 0; i < e->nbuckets; i++)
		while (e->tab[i] != NULL)
			sa_free(e->tab[i]);
	free(e->tab);
	free(e->ptab);
	free(e->itab);
	e->tab = e->ptab = e->itab = NULL;
	free(e->hop_tab); /* empty: every SA went through sa_state(DEAD) */
	e->hop_tab = NULL;
}

static void
sa_link(struct ike_engine *e, struct ike_sa *sa)
{
	size_t mask = e->nbuckets - 1;
	size_t h = sa_hash(e, sa_our_spi(sa)) & mask;

	sa->hnext = e->tab[h];
	e->tab[h] = sa;
	if (!sa->initiator) {
		h = sa_hash(e, sa->ispi) & mask;
		sa->pnext = e->ptab[h];
		e->ptab[h] = sa;
	}
}

/*
 * The bucket of a gateway and peer ID: the ID is the peer's, so keyed
 * (sa_hash over its 8-octet words, the gateway's address mixed in).
 */
static size_t
sa_id_bucket(const struct ike_engine *e, const struct eng_gw *gw, uint8_t type,
    const uint8_t *id, size_t len)
{
	uint64_t h =
	    sa_hash(e, (uint64_t)(uintptr_t)gw ^ type ^ (uint64_t)len << 8);

	for (size_t off = 0; off < len; off += 8) {
		uint64_t w = 0;
		size_t k = len - off < 8 ? len - off : 8;
		memcpy(&w, id + off, k);
		h = sa_hash(e, h ^ w);
	}
	return h & (e->nbuckets - 1);
}

static void
sa_id_link(struct ike_engine *e, struct ike_sa *sa)
{
	size_t h = sa_id_bucket(
	    e, sa->gw, sa->peer_id_type, sa->peer_id, sa->peer_id_len);

	sa->inext = e->itab[h];
	e->itab[h] = sa;
	sa->id_linked = true;
}

static void
sa_id_unlink(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_sa **pp;

	if (!sa->id_linked)
		return;
	pp = &e->itab[sa_id_bucket(
	    e, sa->gw, sa->peer_id_type, sa->peer_id, sa->peer_id_len)];
	while (*pp != NULL && *pp != sa)
		pp = &(*pp)->inext;
	if (*pp == sa)
		*pp = sa->inext;
	sa->inext = NULL;
	sa->id_linked = false;
}

void
sa_id_set(struct ike_sa *sa, uint8_t type, const uint8_t *id, size_t len)
{
	sa_id_unlink(sa->e, sa);
	if (len > sizeof(sa->peer_id))
		len = sizeof(sa->peer_id);
	sa->peer_id_type = type;
	sa->peer_id_len = len;
	memcpy(sa->peer_id, id, len);
	if (sa->gw != NULL)
		sa_id_link(sa->e, sa);
}

struct ike_sa *
sa_id_other(struct ike_engine *e, const struct ike_sa *sa)
{
	struct ike_sa *o;

	if (!sa->id_linked)
		return NULL;
	o = e->itab[sa_id_bucket(
	    e, sa->gw, sa->peer_id_type, sa->peer_id, sa->peer_id_len)];
	for (; o != NULL; o = o->inext)
		if (o != sa && o->gw == sa->gw &&
		    o->state == IKE_ST_ESTABLISHED &&
		    o->peer_id_type == sa->peer_id_type &&
		    o->peer_id_len == sa->peer_id_len &&
		    memcmp(o->peer_id, sa->peer_id, o->peer_id_len) == 0)
			return o;
	return NULL;
}

static void
sa_grow(struct ike_engine *e)
{
	struct ike_sa **old = e->tab;
	size_t n = e->nbuckets;

	e->nbuckets = n * 2;
	e->tab = xcalloc(e->nbuckets, sizeof(*e->tab));
	free(e->ptab);
	e->ptab = xcalloc(e->nbuckets, sizeof(*e->ptab));
	free(e->itab);
	e->itab = xcalloc(e->nbuckets, sizeof(*e->itab));
	for (size_t i = 0; i < n; i++) {
		struct ike_sa *sa = old[i], *nx;
		for (; sa != NULL; sa = nx) {
			nx = sa->hnext;
			sa_link(e, sa);
			if (sa->id_linked)
				sa_id_link(e, sa);
		}
	}
	free(old);
}

struct ike_sa *
sa_find(struct ike_engine *e, uint64_t our_spi)
{
	struct ike_sa *sa = e->tab[sa_hash(e, our_spi) & (e->nbuckets - 1)];

	while (sa != NULL && sa_our_spi(sa) != our_spi)
		sa = sa->hnext;
	return sa;
}

struct ike_sa *
sa_find_peer(
    struct ike_engine *e, uint64_t peer_spi, const struct sockaddr *remote)
{
	struct ike_sa *sa = e->ptab[sa_hash(e, peer_spi) & (e->nbuckets - 1)];

	for (; sa != NULL; sa = sa->pnext)
		if (sa->ispi == peer_spi &&
		    eng_addr_equal(
			(const struct sockaddr *)&sa->remote, remote))
			return sa;
	return NULL;
}

struct ike_sa *
sa_new(
    struct ike_engine *e, struct eng_gw *gw, bool initiator, uint64_t peer_spi)
{
	struct ike_sa *sa;
	uint64_t spi;

	/* Our SPI: random, non-zero, unique here (RFC 7296 2.6). */
	do {
		if (crypto_pool_random(&e->rnd, (uint8_t *)&spi, sizeof(spi)) ==
		    -1)
			return NULL;
	} while (spi == 0 || sa_find(e, spi) != NULL);

	if (e->nsa + 1 > e->nbuckets * 2)
		sa_grow(e);
	sa = xcalloc(1, sizeof(*sa));
	sa->e = e;
	sa->gw = gw;
	if (gw != NULL) {
		gw->nsas++;
		gw->nsas_init += initiator;
	}
	sa->initiator = initiator;
	sa->ispi = initiator ? spi : peer_spi;
	sa->rspi = initiator ? 0 : spi;
	sa->n = xcalloc(1, sizeof(*sa->n));
	sa->index = ++e->next_index;
	if (sa->index == 0)
		sa->index = ++e->next_index;
	sa->created = sa->last_in = eng_now(e);
	sa_link(e, sa);
	e->nsa++;
	life_touch(sa);
	return sa;
}

void
sa_nego_free(struct ike_sa *sa)
{
	struct ike_nego *n = sa->n;

	if (n == NULL)
		return;
	dh_free(n->dh);
	free(n->msg1);
	free(n->msg2);
	/* the peer's IKE_AUTH decrypted: its AUTH, identities, PPK_ID */
	if (n->held != NULL)
		OPENSSL_cleanse(n->held, n->held_len);
	free(n->held);
	cert_nego_free(n);
	ike_keys_wipe(&n->noppk);
	OPENSSL_cleanse(n, sizeof(*n));
	free(n);
	sa->n = NULL;
}

static void
sa_unlink(struct ike_engine *e, struct ike_sa *sa)
{
	size_t mask = e->nbuckets - 1;
	struct ike_sa **pp = &e->tab[sa_hash(e, sa_our_spi(sa)) & mask];

	while (*pp != NULL && *pp != sa)
		pp = &(*pp)->hnext;
	if (*pp == sa)
		*pp = sa->hnext;
	if (!sa->initiator) {
		pp = &e->ptab[sa_hash(e, sa->ispi) & mask];
		while (*pp != NULL && *pp != sa)
			pp = &(*pp)->pnext;
		if (*pp == sa)
			*pp = sa->pnext;
	}
}

void
sa_free(struct ike_sa *sa)
{
	struct ike_engine *e;

	if (sa == NULL)
		return;
	e = sa->e;
	if (sa->state != IKE_ST_DEAD)
		sa_state(sa, IKE_ST_DEAD);
	while (sa->child != NULL)
		child_free(sa, sa->child);
	xchg_free(sa);
	frag_rx_free(sa);
	sa_nego_free(sa);
	life_unwake(sa);
	rekey_free(sa->rk);
	sa->rk = NULL;
	sa_unlink(e, sa);
	sa_id_unlink(e, sa);
	e->nsa--;
	if (sa->gw != NULL) {
		sa->gw->nsas--;
		sa->gw->nsas_init -= sa->initiator;
	}
	ike_keys_wipe(&sa->keys);
	free(sa);
}
