/*
 * arena: the memory of one configuration tree (conf.c).  A tree of 200,000
 * nodes made by calloc costs a call and a first-touch page fault per node
 * and slot array, and as many calls to free it; an arena hands out blocks
 * from big chunks (2 MB and more of them as transparent huge pages), keeps
 * a freed block on a free list of its size class for the next one of that
 * size, and gives its chunks back at once when the tree goes.
 *
 * Blocks are zeroed when handed out.  An arena made with wipe (the tree's
 * values: secrets in $9$ form among them) wipes a block when it is
 * released and every chunk when it is freed, so no value outlives its node
 * in freed memory.
 */
#ifndef QSAFE_ARENA_H
#define QSAFE_ARENA_H

#include <stdbool.h>
#include <stddef.h>

/* Blocks up to this size come from the chunks, bigger ones on their own. */
#define ARENA_MAX 1024
/* 8, not malloc's 16: a node of 88 bytes or a value of 5 loses no more
 * than 7 to rounding, and nothing in a tree needs more. */
#define ARENA_ALIGN 8
#define ARENA_CLASSES (ARENA_MAX / ARENA_ALIGN)

struct arena_chunk;
struct arena_big;

struct arena {
	struct arena_chunk *chunks; /* newest first */
	struct arena_big *big;	    /* blocks over ARENA_MAX */
	char *cur;		    /* free space of the newest chunk */
	size_t left;
	size_t next;  /* size of the next chunk */
	size_t inuse; /* bytes handed out and not released */
	void *freel[ARENA_CLASSES];
	bool wipe;
};

void arena_init(struct arena *a, bool wipe);
/* Gives back every chunk (wiped first with wipe); a may be reused after
 * arena_init. */
void arena_fini(struct arena *a);
/* The next chunk holds at least size bytes (a copy of a tree of known
 * size: one chunk instead of a doubling series). */
void arena_reserve(struct arena *a, size_t size);

/*
 * From now on (on) the chunks of every arena of the process come from
 * malloc's heap, in pieces of at most 4 MB, instead of mappings of their
 * own: for a process whose heap is kept (mgd: M_TRIM_THRESHOLD) and on huge
 * pages (glibc.malloc.hugetlb), so a tree takes the memory a freed text or
 * tree left there, and leaves its own to the next, instead of touching
 * fresh pages (docs/benchmarks.md, thirtieth round).  Set before any
 * arena has chunks and before threads; arenas keep where each chunk came
 * from.
 */
void arena_chunks_from_heap(bool on);

/* A zeroed block of size bytes; never fails.  size 0 gives NULL. */
void *arena_alloc(struct arena *a, size_t size);
/* Returns a block of size bytes (the size it was asked for) to a. */
void arena_release(struct arena *a, void *p, size_t size);

/* A copy of s in a (NULL for NULL). */
char *arena_strdup(struct arena *a, const char *s);
/* Releases a string from arena_strdup (NULL: nothing). */
void arena_release_str(struct arena *a, char *s);

/* Bytes handed out and not released. */
size_t arena_inuse(const struct arena *a);

#endif
