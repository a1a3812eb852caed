/*
 * msg: the one framing used on every qsafe socket (DESIGN.md, IPC): a 4-byte
 * big-endian length, then a JSON object (jansson).  One request, one reply,
 * matched by the "id" member.  Bodies larger than MSG_MAX_BODY are refused in
 * both directions (a 200,000-line `load` is about 10 MB).
 *
 * Two ways to use it: blocking (the cli and tests) and libevent bufferevents
 * (mgd and the daemons).
 */
#ifndef QSAFE_MSG_H
#define QSAFE_MSG_H

#include <stdbool.h>

#include <jansson.h>

#define MSG_MAX_BODY (64u * 1024 * 1024)

struct bufferevent;
struct evbuffer;

/* Unix-domain stream sockets.  Return an fd, or -1 with errno set. */
int msg_listen(const char *path, int mode);
int msg_connect(const char *path);

/* Blocking send of one message; 0 or -1. Does not steal the reference. */
int msg_send(int fd, const json_t *body);
/*
 * Blocking receive of one message, waiting at most timeout_ms (-1: forever).
 * Returns a new reference, or NULL on EOF, timeout, error or a malformed
 * frame (errno: 0 for EOF, ETIMEDOUT, EMSGSIZE, EBADMSG).
 */
json_t *msg_recv(int fd, int timeout_ms);

/* libevent side.  Queue a message on a bufferevent; 0 or -1. */
int msg_bev_send(struct bufferevent *bev, const json_t *body);
/*
 * Take one complete message from an input evbuffer.  Returns a new reference,
 * or NULL when no complete frame is there yet (*bad stays false) or the frame
 * is malformed or too large (*bad set: the caller drops the peer).
 */
json_t *msg_evbuf_pull(struct evbuffer *in, bool *bad);

/* Convenience accessors for request/reply members; borrowed strings. */
const char *msg_str(const json_t *m, const char *key);
json_int_t msg_int(const json_t *m, const char *key, json_int_t dflt);
bool msg_bool(const json_t *m, const char *key);

#endif
