/*
 * arena: block memory for a configuration tree (see arena.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <openssl/crypto.h>

#include "lib/log.h"
#include "lib/sb.h"
#include "schema/arena.h"

/*
 * Under AddressSanitizer a released block is poisoned until it is handed
 * out again, so a node used after conf_remove is reported as it would be
 * after free().
 */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define ARENA_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define ARENA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define ARENA_POISON(p, n) ((void)(p), (void)(n))
#define ARENA_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* The first chunk: a tree of a few hundred nodes fits. */
#define ARENA_FIRST (16 * 1024)
/* Chunks grow by doubling up to this, then stay. */
#define ARENA_GROW_MAX (4 * 1024 * 1024)
/* From this size a chunk is mapped on its own, as huge pages. */
#define ARENA_HUGE (2 * 1024 * 1024)

/* arena_chunks_from_heap */
static bool arena_heap;

struct arena_chunk {
	struct arena_chunk *next;
	size_t size; /* the whole chunk, header included */
	size_t used; /* bytes of data handed out from it (for the wipe) */
	bool mapped;
};

struct arena_big {
	struct arena_big *next, *prev;
	size_t size; /* of the data */
};

/* Headers rounded up so the data that follows is aligned. */
#define ARENA_HDR(t) \
	(((sizeof(t) + ARENA_ALIGN - 1) / ARENA_ALIGN) * ARENA_ALIGN)

static char *
arena_chunk_data(struct arena_chunk *ch)
{
	return (char *)ch + ARENA_HDR(struct arena_chunk);
}

void
arena_init(struct arena *a, bool wipe)
{
	memset(a, 0, sizeof(*a));
	a->next = ARENA_FIRST;
	a->wipe = wipe;
}

static void
arena_wipe(struct arena *a, void *p, size_t size)
{
	if (a->wipe)
		OPENSSL_cleanse(p, size);
	else
		memset(p, 0, size);
}

void
arena_fini(struct arena *a)
{
	struct arena_chunk *ch, *chn;
	struct arena_big *b, *bn;

	/* The newest chunk's used bytes are counted only here. */
	if (a->chunks != NULL)
		a->chunks->used =
		    a->chunks->size - ARENA_HDR(struct arena_chunk) - a->left;
	for (ch = a->chunks; ch != NULL; ch = chn) {
		chn = ch->next;
		ARENA_UNPOISON(ch, ch->size);
		if (a->wipe)
			OPENSSL_cleanse(arena_chunk_data(ch), ch->used);
		if (ch->mapped)
			munmap(ch, ch->size);
		else
			free(ch);
	}
	for (b = a->big; b != NULL; b = bn) {
		bn = b->next;
		if (a->wipe)
			OPENSSL_cleanse(
			    (char *)b + ARENA_HDR(struct arena_big), b->size);
		free(b);
	}
	arena_init(a, a->wipe);
}

void
arena_chunks_from_heap(bool on)
{
	arena_heap = on;
}

void
arena_reserve(struct arena *a, size_t size)
{
	if (size > SIZE_MAX / 2)
		fatal("arena: %zu bytes asked for", size);
	size += ARENA_HDR(struct arena_chunk);
	/* from the heap, pieces fit the holes freed texts and trees left */
	if (arena_heap && size > ARENA_GROW_MAX)
		size = ARENA_GROW_MAX;
	if (size > a->next)
		a->next = size;
}

/* Maps a chunk of at least size bytes; NULL when the system has none. */
static struct arena_chunk *
arena_map(size_t size)
{
	void *p;

	size = (size + ARENA_HUGE - 1) / ARENA_HUGE * ARENA_HUGE;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* One fault per 2 MB instead of per 4 KB, where the system lets. */
	(void)madvise(p, size, MADV_HUGEPAGE);
	((struct arena_chunk *)p)->size = size;
	((struct arena_chunk *)p)->mapped = true;
	return p;
}

/* Starts a new chunk with room for at least need bytes. */
static void
arena_grow(struct arena *a, size_t need)
{
	size_t size = a->next;
	struct arena_chunk *ch = NULL;

	if (size < need + ARENA_HDR(struct arena_chunk))
		size = need + ARENA_HDR(struct arena_chunk);
	if (size >= ARENA_HUGE && !arena_heap)
		ch = arena_map(size);
	if (ch == NULL) {
		ch = xcalloc(1, size);
		ch->size = size;
	}
	if (a->chunks != NULL) {
		struct arena_chunk *old = a->chunks;
		old->used = old->size - ARENA_HDR(struct arena_chunk) - a->left;
		/* The old chunk's tail goes to the free list of its size. */
		if (a->left >= ARENA_ALIGN) {
			size_t cls = a->left / ARENA_ALIGN - 1;
			*(void **)a->cur = a->freel[cls];
			a->freel[cls] = a->cur;
		}
	}
	ch->next = a->chunks;
	a->chunks = ch;
	a->cur = arena_chunk_data(ch);
	a->left = ch->size - ARENA_HDR(struct arena_chunk);
	if (a->next < ARENA_GROW_MAX)
		a->next *= 2;
	if (a->next < ARENA_FIRST)
		a->next = ARENA_FIRST;
}

static void *
arena_big_alloc(struct arena *a, size_t size)
{
	struct arena_big *b = xcalloc(1, ARENA_HDR(struct arena_big) + size);

	b->size = size;
	b->next = a->big;
	if (a->big != NULL)
		a->big->prev = b;
	a->big = b;
	return (char *)b + ARENA_HDR(struct arena_big);
}

static void
arena_big_release(struct arena *a, void *p)
{
	struct arena_big *b =
	    (struct arena_big *)((char *)p - ARENA_HDR(struct arena_big));

	if (b->prev != NULL)
		b->prev->next = b->next;
	else
		a->big = b->next;
	if (b->next != NULL)
		b->next->prev = b->prev;
	if (a->wipe)
		OPENSSL_cleanse(p, b->size);
	free(b);
}

void *
arena_alloc(struct arena *a, size_t size)
{
	size_t sz, cls;
	void *p;

	if (size == 0)
		return NULL;
	if (size > ARENA_MAX) {
		a->inuse += size;
		return arena_big_alloc(a, size);
	}
	sz = (size + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
	cls = sz / ARENA_ALIGN - 1;
	a->inuse += sz;
	if (a->freel[cls] != NULL) {
		/* Released blocks are zero but for the link. */
		p = a->freel[cls];
		ARENA_UNPOISON(p, sz);
		a->freel[cls] = *(void **)p;
		*(void **)p = NULL;
		return p;
	}
	if (a->left < sz)
		arena_grow(a, sz);
	p = a->cur;
	a->cur += sz;
	a->left -= sz;
	return p;
}

void
arena_release(struct arena *a, void *p, size_t size)
{
	size_t sz, cls;

	if (p == NULL)
		return;
	if (size > ARENA_MAX) {
		arena_big_release(a, p);
		a->inuse -= size;
		return;
	}
	sz = (size + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
	cls = sz / ARENA_ALIGN - 1;
	arena_wipe(a, p, sz);
	*(void **)p = a->freel[cls];
	a->freel[cls] = p;
	ARENA_POISON(p, sz);
	a->inuse -= sz;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	size_t len;
	char *p;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	p = arena_alloc(a, len + 1);
	memcpy(p, s, len);
	return p;
}

void
arena_release_str(struct arena *a, char *s)
{
	if (s != NULL)
		arena_release(a, s, strlen(s) + 1);
}

size_t
arena_inuse(const struct arena *a)
{
	return a->inuse;
}
