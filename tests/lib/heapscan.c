/*
 * heapscan: the memory scan of heapscan.h.  It allocates nothing (malloc
 * could hand back a block that holds the secret) and asserts with check.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "tests/lib/heapscan.h"

#define SCAN_CHUNK 65536
#define SCAN_MAX_MAPPING (256ul << 20) /* ASan's shadow is terabytes */

/* Reads all of /proc/self/maps without malloc (which could reuse a block
 * that holds the secret). */
static size_t
maps_read(char *buf, size_t cap)
{
	int fd = open("/proc/self/maps", O_RDONLY);
	size_t len = 0;
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	while (len < cap - 1 && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	ck_assert_uint_lt(len, cap - 1);
	buf[len] = '\0';
	return len;
}

/*
 * What the scan read last.  It is zeroed once a scan ends: after a scan
 * that found the needle it holds it, and the next scan (this buffer is in
 * an anonymous mapping it reads) would find that copy.
 */
static char chunk[SCAN_CHUNK];

/* Marks in found the needles that are in lo..hi of mem. */
static void
mapping_find(int mem, uintptr_t lo, uintptr_t hi, const char *const *needle,
    const size_t *nlen, size_t n, bool *found, size_t maxlen)
{
	for (uintptr_t at = lo; at < hi; at += SCAN_CHUNK - maxlen) {
		size_t want = hi - at < SCAN_CHUNK ? hi - at : SCAN_CHUNK;
		ssize_t got = pread(mem, chunk, want, (off_t)at);
		if (got <= 0)
			return;
		for (size_t i = 0; i < n; i++)
			if (!found[i] &&
			    memmem(chunk, (size_t)got, needle[i], nlen[i]) !=
				NULL)
				found[i] = true;
		if ((size_t)got < want || hi - at <= SCAN_CHUNK)
			return;
	}
}

/* Which of the n needles are anywhere in the heap (live or freed)? */
void
heap_find(const char *const *needle, const size_t *nlen, size_t n, bool *found)
{
	static char maps[1 << 20];
	char *line, *save = NULL;
	size_t maxlen = 0;
	int mem;

	for (size_t i = 0; i < n; i++) {
		found[i] = false;
		ck_assert_uint_lt(nlen[i], SCAN_CHUNK / 2);
		if (nlen[i] > maxlen)
			maxlen = nlen[i];
	}
	maps_read(maps, sizeof(maps));
	mem = open("/proc/self/mem", O_RDONLY);
	ck_assert_int_ge(mem, 0);
	for (line = strtok_r(maps, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		uintptr_t lo, hi;
		char perms[5], path[64] = "";
		unsigned long inode;

		if (sscanf(line,
			"%" SCNxPTR "-%" SCNxPTR " %4s %*s %*s %lu %63s", &lo,
			&hi, perms, &inode, path) < 4)
			continue;
		/* anonymous or [heap]: not the stack, files or the binary */
		if (strcmp(perms, "rw-p") != 0 || inode != 0 ||
		    (path[0] != '\0' && strcmp(path, "[heap]") != 0) ||
		    hi - lo > SCAN_MAX_MAPPING)
			continue;
		/* (the scan's own static buffers are scanned too: chunk is
		 * zeroed between scans, and maps never holds a secret) */
		mapping_find(mem, lo, hi, needle, nlen, n, found, maxlen);
	}
	close(mem);
	explicit_bzero(chunk, sizeof(chunk));
}

bool
heap_has(const char *needle, size_t nlen)
{
	bool found;

	heap_find(&needle, &nlen, 1, &found);
	return found;
}
