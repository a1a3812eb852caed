/*
 * rd: the bounded reader (see rd.h).  Each function checks the length
 * before it touches a byte and moves the cursor only on success.
 */
#include <string.h>

#include "lib/rd.h"

void
rd_init(struct rd *r, const uint8_t *p, size_t len)
{
	r->p = len > 0 ? p : NULL;
	r->left = p != NULL ? len : 0;
}

size_t
rd_left(const struct rd *r)
{
	return r->left;
}

int
rd_bytes(struct rd *r, size_t n, const uint8_t **p)
{
	if (n > r->left)
		return -1;
	*p = r->p;
	if (n > 0) {
		r->p += n;
		r->left -= n;
	}
	return 0;
}

int
rd_skip(struct rd *r, size_t n)
{
	const uint8_t *p;

	return rd_bytes(r, n, &p);
}

int
rd_copy(struct rd *r, void *out, size_t n)
{
	const uint8_t *p;

	if (rd_bytes(r, n, &p) == -1)
		return -1;
	if (n > 0)
		memcpy(out, p, n);
	return 0;
}

int
rd_sub(struct rd *r, size_t n, struct rd *sub)
{
	const uint8_t *p;

	if (rd_bytes(r, n, &p) == -1)
		return -1;
	rd_init(sub, p, n);
	return 0;
}

int
rd_u8(struct rd *r, uint8_t *v)
{
	const uint8_t *p;

	if (rd_bytes(r, 1, &p) == -1)
		return -1;
	*v = p[0];
	return 0;
}

int
rd_u16(struct rd *r, uint16_t *v)
{
	const uint8_t *p;

	if (rd_bytes(r, 2, &p) == -1)
		return -1;
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return 0;
}

int
rd_u32(struct rd *r, uint32_t *v)
{
	const uint8_t *p;

	if (rd_bytes(r, 4, &p) == -1)
		return -1;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
	    p[3];
	return 0;
}

int
rd_u64(struct rd *r, uint64_t *v)
{
	const uint8_t *p;
	uint64_t x = 0;
	int i;

	if (rd_bytes(r, 8, &p) == -1)
		return -1;
	for (i = 0; i < 8; i++)
		x = x << 8 | p[i];
	*v = x;
	return 0;
}
