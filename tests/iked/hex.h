/*
 * hex: hex strings of the test vectors into bytes, for the iked tests.
 */
#ifndef QSAFE_TEST_IKED_HEX_H
#define QSAFE_TEST_IKED_HEX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline int
hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The octets of hex (even length, no separators); aborts on bad input. */
static inline size_t
hex_decode(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi, lo;

	while (hex[0] != '\0' && hex[0] != ' ' && hex[0] != '\n') {
		hi = hex_nibble(hex[0]);
		lo = hex_nibble(hex[1]);
		if (hi < 0 || lo < 0 || n == cap) {
			fprintf(stderr, "hex_decode: bad or too long: %.40s\n",
			    hex);
			abort();
		}
		out[n++] = (uint8_t)(hi << 4 | lo);
		hex += 2;
	}
	return n;
}

#endif
