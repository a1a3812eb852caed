/*
 * fuzz_driver: runs a libFuzzer entry point without libFuzzer, so the
 * normal test suite exercises it: each file named on the command line is
 * fed whole, then every prefix of it (truncation), then with bits flipped
 * (a bit-flip loop, as iked's regress does): every bit of a seed of up to
 * DRIVER_ALL_BITS bytes, one bit per byte of a larger one (time).
 * FUZZ_DRIVER_RUNS=n in the environment spreads about n runs evenly over
 * those of each file (every k-th prefix and flip), for entry points whose
 * one run costs milliseconds (fuzz_eng_*: two engines negotiating).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DRIVER_MAX (256 * 1024)
#define DRIVER_ALL_BITS 256

/* Every how many prefixes and flips one runs: 1, or what keeps a file of
 * n bytes near FUZZ_DRIVER_RUNS. */
static size_t
driver_stride(size_t n)
{
	const char *env = getenv("FUZZ_DRIVER_RUNS");
	size_t all = 1 + n + (n > DRIVER_ALL_BITS ? n : 8 * n), max;

	if (env == NULL || (max = strtoul(env, NULL, 10)) == 0 || all <= max)
		return 1;
	/* odd: a stride of 8 would flip the same bit of every byte */
	return (all + max - 1) / max | 1;
}

static int
driver_file(const char *path)
{
	uint8_t *buf = malloc(DRIVER_MAX), *copy = malloc(DRIVER_MAX);
	size_t n, i, k = 0, stride;
	FILE *f;

	if (buf == NULL || copy == NULL || (f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "fuzz_driver: cannot read %s\n", path);
		free(buf);
		free(copy);
		return -1;
	}
	n = fread(buf, 1, DRIVER_MAX, f);
	fclose(f);
	stride = driver_stride(n);
	LLVMFuzzerTestOneInput(buf, n);
	size_t runs = 1;
	for (i = 0; i < n; i++) {
		if (k++ % stride != 0)
			continue;
		/* Exact-size copies so ASan sees reads past the end. */
		memcpy(copy, buf, i);
		LLVMFuzzerTestOneInput(copy, i);
		runs++;
	}
	for (i = 0; i < n; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			if (n > DRIVER_ALL_BITS && bit != i % 8)
				continue;
			if (k++ % stride != 0)
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
