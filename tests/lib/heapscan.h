/*
 * heapscan: for tests that a secret left no copy in memory.  heap_has reads
 * every anonymous writable mapping of the process (the heap, malloc's
 * arenas, ASan's allocator) through /proc/self/mem and looks for needle,
 * so it sees freed blocks as well as live ones.  Look for a secret's
 * middle bytes: a freed block's first 16 hold the allocator's pointers.
 */
#ifndef QSAFE_TESTS_HEAPSCAN_H
#define QSAFE_TESTS_HEAPSCAN_H

#include <stdbool.h>
#include <stddef.h>

bool heap_has(const char *needle, size_t nlen);
/* The same for n needles in one pass: found[i] for needle[i]. */
void heap_find(
    const char *const *needle, const size_t *nlen, size_t n, bool *found);

#endif
