/*
 * fuzz_driver: runs a libFuzzer entry point without libFuzzer, so the normal
 * test suite exercises it: every seed file given, then every truncation
 * and every single-bit flip of each.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DRIVER_MAX_SEED (64 * 1024)

static int
run_seed(const char *path)
{
	static uint8_t buf[DRIVER_MAX_SEED], mut[DRIVER_MAX_SEED];
	size_t len, i;
	FILE *f;
	int bit;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	for (i = 0; i < len; i++)
		LLVMFuzzerTestOneInput(buf, i);
	for (i = 0; i < len; i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(mut, buf, len);
			mut[i] ^= (uint8_t)(1u << bit);
			LLVMFuzzerTestOneInput(mut, len);
		}
	printf("%s: %zu bytes, %zu runs\n", path, len, 1 + len * 9);
	return 0;
}

int
main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: fuzz_driver SEED...\n");
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (run_seed(argv[i]) == -1)
			return 1;
	return 0;
}
