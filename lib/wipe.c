/*
 * wipe: allocators for libevent and jansson that wipe what they free
 * (wipe.h).
 *
 * glibc (and ASan) know the usable size of every block they handed out, so
 * the size needs no header of ours: a block allocated by plain malloc before
 * wipe_init() (jansson's, say) is still released correctly by wipe_free().
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "lib/wipe.h"

void
wipe_bytes(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

static void *
wipe_malloc(size_t n)
{
	return malloc(n);
}

static void
wipe_free(void *p)
{
	if (p == NULL)
		return;
	wipe_bytes(p, malloc_usable_size(p));
	free(p);
}

/*
 * realloc() may move the block and release the old one unwiped, so a block
 * that must grow is moved here: copied, then the old one wiped and freed.
 */
static void *
wipe_realloc(void *p, size_t n)
{
	size_t have;
	void *q;

	if (p == NULL)
		return malloc(n);
	if (n == 0) {
		wipe_free(p);
		return NULL;
	}
	have = malloc_usable_size(p);
	if (n <= have)
		return p; /* the tail stays in the block: wiped when it goes */
	if ((q = malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, have);
	wipe_free(p);
	return q;
}

void
wipe_init(void)
{
	event_set_mem_functions(wipe_malloc, wipe_realloc, wipe_free);
	json_set_alloc_funcs(wipe_malloc, wipe_free);
}
