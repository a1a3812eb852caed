/*
 * rd: the one bounded reader for untrusted bytes: every parser of bytes from
 * the network or another process reads through it.  A struct rd borrows a
 * run of bytes and hands them out front to back; every read names how much it
 * wants and fails with -1, leaving the reader exactly as it was, when fewer
 * bytes are left.  Integers are big-endian (network order).  Parsers never do
 * pointer arithmetic on packet bytes themselves: a length field becomes a
 * sub-reader (rd_sub) that cannot read past the field's end.
 */
#ifndef QSAFE_RD_H
#define QSAFE_RD_H

#include <stddef.h>
#include <stdint.h>

struct rd {
	const uint8_t *p; /* next unread byte (borrowed) */
	size_t left;	  /* bytes after p that may be read */
};

void rd_init(struct rd *r, const uint8_t *p, size_t len);
size_t rd_left(const struct rd *r);
int rd_u8(struct rd *r, uint8_t *v);
int rd_u16(struct rd *r, uint16_t *v);
int rd_u32(struct rd *r, uint32_t *v);
int rd_u64(struct rd *r, uint64_t *v);
/* Borrows the next n bytes: *p points into the reader's buffer. */
int rd_bytes(struct rd *r, size_t n, const uint8_t **p);
/* Copies the next n bytes into out (which holds at least n). */
int rd_copy(struct rd *r, void *out, size_t n);
/* Carves the next n bytes off as a reader of their own. */
int rd_sub(struct rd *r, size_t n, struct rd *sub);
int rd_skip(struct rd *r, size_t n);

#endif
