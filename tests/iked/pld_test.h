/*
 * pld_test: helpers the codec tests share: a message made by hand around
 * one payload body (so a decoder test does not lean on the builders), and
 * the strongSwan vectors read from tests/iked/vectors (IKE_VECTORS).
 */
#ifndef QSAFE_PLD_TEST_H
#define QSAFE_PLD_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "iked/pld.h"

#define PT_ISPI 0x0102030405060708ULL
#define PT_RSPI 0x1112131415161718ULL

/*
 * Writes an IKE header (exchange, flags) and the payloads given as
 * (type, flags, body, len) into out; returns the message length.  Each
 * payload's Next Payload names the following one.
 */
struct pt_pld {
	uint8_t type, flags;
	const uint8_t *body;
	size_t len;
};
size_t pt_msg(uint8_t *out, size_t cap, uint8_t exchange, uint8_t flags,
    const struct pt_pld *p, size_t n);
/* The same without the header: a bare chain (an SK payload's plaintext). */
size_t pt_chain(uint8_t *out, size_t cap, const struct pt_pld *p, size_t n);

/* Reads vectors/<name> into buf; its length (the test fails if absent). */
size_t pt_vector(const char *name, uint8_t *buf, size_t cap);
/* The same, 0 when there is no such file. */
size_t pt_vector_opt(const char *name, uint8_t *buf, size_t cap);
/* Every blob of a decoded msg lies inside [p, p + len). */
int pt_blobs_inside(const struct ike_msg *m, const uint8_t *p, size_t len);

#endif
