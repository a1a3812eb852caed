/*
 * fuzz_driver: runs a libFuzzer entry point without libFuzzer, so the
 * normal test suite exercises it: each file named on the command line is
 * fed whole, then every prefix of it (truncation), then with bits flipped
 * (a bit-flip loop, as iked's regress does): every bit of a seed of up to
 * DRIVER_ALL_BITS bytes, one bit per byte of a larger one (time).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DRIVER_MAX (256 * 1024)
#define DRIVER_ALL_BITS 256

static int
driver_file(const char *path)
{
	uint8_t *buf = malloc(DRIVER_MAX), *copy = malloc(DRIVER_MAX);
	size_t n, i;
	FILE *f;

	if (buf == NULL || copy == NULL || (f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "fuzz_driver: cannot read %s\n", path);
		free(buf);
		free(copy);
		return -1;
	}
	n = fread(buf, 1, DRIVER_MAX, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	for (i = 0; i < n; i++) {
		/* Exact-size copies so ASan sees reads past the end. */
		memcpy(copy, buf, i);
		LLVMFuzzerTestOneInput(copy, i);
	}
	size_t runs = 1 + n;
	for (i = 0; i < n; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			if (n > DRIVER_ALL_BITS && bit != i % 8)
				continue;
			memcpy(copy, buf, n);
			copy[i] ^= (uint8_t)(1u << bit);
			LLVMFuzzerTestOneInput(copy, n);
			runs++;
		}
	}
	printf("fuzz_driver: %s: %zu bytes, %zu runs\n", path, n, runs);
	free(buf);
	free(copy);
	return 0;
}

int
main(int argc, char **argv)
{
	int i, rc = 0;

	for (i = 1; i < argc; i++)
		if (driver_file(argv[i]) == -1)
			rc = 1;
	return rc;
}
