/*
 * memscan: are secrets in a live process's memory, or in a file?  For the
 * lab tests of issue 10 (tests/lab/test_swan_interop_wipe.sh), as heapscan
 * (heapscan.h) is for a test's own process.
 *
 *   memscan [-p PID]... [-f FILE]... NAME=HEX...
 *
 * Reads every private writable mapping of each PID (/proc/PID/maps, then
 * /proc/PID/mem: the heap, the stacks, anonymous mappings, the libraries'
 * data; root or the same user) and each FILE whole, and looks for any 16
 * octets in a row of each secret (a freed block's first 16 octets hold the
 * allocator's pointers; a whole-secret match would miss such a copy).
 * Prints "WHERE: NAME found" for each secret found (never its bytes), and
 * exits 1 when one was, 0 when none was, 2 on an error (a process that
 * went, a mapping that cannot be read is skipped).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/hex.h"

#define WINDOW 16
#define CHUNK (1 << 20)
#define SECRET_MAX 256
#define MAPPING_MAX (1ul << 32) /* ASan's shadow is terabytes */

struct secret {
	const char *name;
	size_t len;
	uint8_t b[SECRET_MAX];
	bool found;
};

static struct secret *secrets;
static size_t nsecrets;
static unsigned char *chunk;

/* NAME=HEX into s; false when malformed or shorter than a window. */
static bool
secret_parse(char *arg, struct secret *s)
{
	char *eq = strchr(arg, '=');
	const char *h;

	if (eq == NULL)
		return false;
	*eq = '\0';
	s->name = arg;
	h = eq + 1;
	if (hex_decode(h, strlen(h), s->b, SECRET_MAX, &s->len) == -1)
		return false;
	return s->len >= WINDOW;
}

/* Marks the secrets with a window in p[0..n). */
static void
look(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < nsecrets; i++) {
		struct secret *s = &secrets[i];
		for (size_t off = 0; !s->found; off += WINDOW / 2) {
			if (off + WINDOW > s->len)
				off = s->len - WINDOW;
			if (memmem(p, n, s->b + off, WINDOW) != NULL)
				s->found = true;
			if (off + WINDOW >= s->len)
				break;
		}
	}
}

/* Reads fd from lo to hi by chunks that overlap by a window. */
static void
scan_range(int fd, uint64_t lo, uint64_t hi)
{
	for (uint64_t at = lo; at < hi; at += CHUNK - WINDOW) {
		size_t want = hi - at < CHUNK ? (size_t)(hi - at) : CHUNK;
		ssize_t n = pread(fd, chunk, want, (off_t)at);
		if (n <= 0)
			return;
		look(chunk, (size_t)n);
		if ((size_t)n < want || hi - at <= CHUNK)
			return;
	}
}

static int
scan_pid(const char *pid)
{
	char path[64], line[512];
	FILE *maps;
	int mem;

	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	if ((maps = fopen(path, "r")) == NULL) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%s/mem", pid);
	if ((mem = open(path, O_RDONLY)) == -1) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		fclose(maps);
		return -1;
	}
	while (fgets(line, sizeof(line), maps) != NULL) {
		uint64_t lo, hi;
		char perms[5];

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s", &lo, &hi,
			perms) != 3)
			continue;
		/* what the process can write: where it keeps secrets */
		if (perms[1] != 'w' || perms[3] != 'p' || hi - lo > MAPPING_MAX)
			continue;
		scan_range(mem, lo, hi);
	}
	close(mem);
	fclose(maps);
	return 0;
}

static int
scan_file(const char *file)
{
	int fd = open(file, O_RDONLY);

	if (fd == -1) {
		fprintf(stderr, "memscan: %s: %s\n", file, strerror(errno));
		return -1;
	}
	scan_range(fd, 0, UINT64_MAX / 2);
	close(fd);
	return 0;
}

/* Prints what was found in where; 1 when something was, and resets. */
static int
report(const char *where)
{
	int any = 0;

	for (size_t i = 0; i < nsecrets; i++) {
		if (secrets[i].found) {
			printf("%s: %s found\n", where, secrets[i].name);
			any = 1;
		}
		secrets[i].found = false;
	}
	return any;
}

int
main(int argc, char **argv)
{
	char **where = calloc((size_t)argc, sizeof(*where));
	char *kind = calloc((size_t)argc, 1);
	int opt, n = 0, found = 0, err = 0;

	/* the places first (options), then the secrets */
	while ((opt = getopt(argc, argv, "+p:f:")) != -1) {
		if (opt != 'p' && opt != 'f') {
			fprintf(stderr,
			    "usage: memscan [-p PID]... [-f FILE]... "
			    "NAME=HEX...\n");
			return 2;
		}
		kind[n] = (char)opt;
		where[n++] = optarg;
	}
	nsecrets = (size_t)(argc - optind);
	secrets = calloc(nsecrets ? nsecrets : 1, sizeof(*secrets));
	chunk = malloc(CHUNK);
	if (nsecrets == 0 || n == 0 || secrets == NULL || chunk == NULL) {
		fprintf(stderr, "memscan: nothing to look for, or nowhere\n");
		return 2;
	}
	for (size_t i = 0; i < nsecrets; i++)
		if (!secret_parse(argv[optind + (int)i], &secrets[i])) {
			fprintf(stderr,
			    "memscan: bad secret (NAME=HEX, 16+ "
			    "octets) at %zu\n",
			    i + 1);
			return 2;
		}
	for (int i = 0; i < n; i++) {
		char at[600];
		int rc =
		    kind[i] == 'p' ? scan_pid(where[i]) : scan_file(where[i]);

		snprintf(at, sizeof(at), "%s %s",
		    kind[i] == 'p' ? "pid" : "file", where[i]);
		if (rc == -1)
			err = 1;
		found |= report(at);
	}
	/* our own copies of the secrets go with the process */
	explicit_bzero(secrets, nsecrets * sizeof(*secrets));
	explicit_bzero(chunk, CHUNK);
	free(secrets);
	free(chunk);
	free(where);
	free(kind);
	return found ? 1 : err ? 2 : 0;
}
