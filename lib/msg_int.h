/*
 * msg_int: what msg.c (framing, the blocking side) and msg_ev.c (the
 * libevent side) share; no other file includes it.
 */
#ifndef QSAFE_MSG_INT_H
#define QSAFE_MSG_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct msg_raw;

/* A frame this large or larger is mapped on its own, in 2 MB pages. */
#define MSG_FRAME_HUGE ((size_t)2 << 20)

/* Room for a received frame of size bytes; msg_frame_free(p, size). */
char *msg_frame_alloc(size_t size);
void msg_frame_free(char *p, size_t size);
uint32_t msg_get32(const unsigned char *p);
/* msg_frame_new, with one more attachment xname of xlen bytes named
 * last and counted, whose bytes the caller sends after the buffer. */
char *msg_frame_build(
    const json_t *body, const char *xname, size_t xlen, size_t *lenp);
/* The JSON body and its attachments as members (raw: msg_recv_raw). */
json_t *msg_decode(const char *body, size_t len, const char *att, size_t alen,
    size_t tail, struct msg_raw *raw);

#endif
