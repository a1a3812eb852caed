/*
 * msg: the one framing used on every qsafe socket: an 8-byte
 * header (the JSON length and the attachment length, 4 bytes each, big
 * endian), a JSON object (jansson), then the attachments.  One request, one
 * reply, matched by the "id" member.
 *
 * Attachments keep big text out of JSON: a top-level string member longer
 * than MSG_ATTACH_MIN (a 9 MB `display set`, a 10 MB delta) travels as raw
 * bytes after the JSON, named in its "attach" member ([[name, length], ...]),
 * and comes back as the same string member on the other side — escaping and
 * parsing it as JSON cost more than everything else in those commands.
 * Each part larger than MSG_MAX_BODY is refused in both directions.
 *
 * Two ways to use it: blocking (the cli and tests) and libevent bufferevents
 * (mgd and the daemons).
 */
#ifndef QSAFE_MSG_H
#define QSAFE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define MSG_MAX_BODY (64u * 1024 * 1024)
#define MSG_ATTACH_MIN (64u * 1024)

struct bufferevent;
struct evbuffer;
struct sb;

/* Unix-domain stream sockets.  Return an fd, or -1 with errno set. */
int msg_listen(const char *path, int mode);
int msg_connect(const char *path);

/*
 * One whole frame (header, JSON, attachments) in a new buffer of *lenp bytes;
 * caller frees.  NULL with errno EMSGSIZE when a part is too large.
 */
char *msg_frame_new(const json_t *body, size_t *lenp);

/* Blocking send of one message; 0 or -1. Does not steal the reference. */
int msg_send(int fd, const json_t *body);
/*
 * msg_send of body with one more string member, key, sent as an
 * attachment straight from att (alen bytes, which the caller vouches are
 * UTF-8): no copy of it into JSON or a frame (mgd's 13 MB delta).
 */
int msg_send_attach(
    int fd, const json_t *body, const char *key, const char *att, size_t alen);
/*
 * Blocking receive of one message, waiting at most timeout_ms (-1: forever).
 * Returns a new reference, or NULL on EOF, timeout, error or a malformed
 * frame (errno: 0 for EOF, ETIMEDOUT, EMSGSIZE, EBADMSG).
 */
json_t *msg_recv(int fd, int timeout_ms);

/*
 * msg_recv, where the attachment named raw->key, when it is the frame's last
 * part, is not made a JSON string member (no copy, no UTF-8 check): raw->p
 * (NUL-terminated) and raw->len point into the frame, which raw then owns
 * until msg_raw_free (wiped).  For text that is only written out (the
 * cli's 9 MB `display set`); raw->p is NULL when there was none.
 */
struct msg_raw {
	const char *key; /* set by the caller */
	bool stream;	 /* set by the caller: see below */
	const char *p;
	size_t len;
	char *frame;
	size_t size;
	int fd;
	size_t left; /* bytes of it still in fd (stream) */
	size_t gone; /* bytes of frame given back (msg_raw_release) */
};
json_t *msg_recv_raw(int fd, int timeout_ms, struct msg_raw *raw);
/*
 * With raw->stream, the raw attachment is not read at all: raw->left of its
 * bytes wait in the socket for msg_raw_copy (a 17 MB `display set` goes to
 * its file through a 64 KB buffer, no 17 MB one in fresh pages) or
 * msg_raw_pull (read into raw->p after all).  Until then the socket is
 * in the middle of a frame: msg_raw_free reads the rest and drops it.
 * Both 0, or -1 (raw->fd -1 when reading failed: the socket is of no more
 * use).  msg_raw_copy writes
 * to out (-1: nowhere), sets *lastp to the last byte when there was one,
 * and reads everything even when writing fails (-1 then).
 */
int msg_raw_pull(struct msg_raw *raw, int timeout_ms);
int msg_raw_copy(struct msg_raw *raw, int out, int timeout_ms, char *lastp);
void msg_raw_free(struct msg_raw *raw);
/*
 * The attachment's first upto bytes will be read no more: the frame's whole
 * 2 MB pages among them are wiped and given back to the kernel now (a
 * frame of MSG_RX_MIN or more), so what the reader allocates next (the
 * tree it parses them into) takes pages just freed, on this VM a tenth of
 * the price of pages freed seconds before (docs/benchmarks.md).
 */
void msg_raw_release(struct msg_raw *raw, size_t upto);
/* Makes the raw attachment m's string member after all (UTF-8 checked, as
 * msg_recv does) and frees raw; 0, or -1 when it is not UTF-8. */
int msg_raw_to_json(json_t *m, struct msg_raw *raw);

/* libevent side.  Queue a message on a bufferevent; 0 or -1. */
int msg_bev_send(struct bufferevent *bev, const json_t *body);
/*
 * The same for a message that carries secrets (keymgr's keys): the frame is
 * the only serialised copy, referenced by bev's output buffer without a
 * copy and wiped once written.  0 or -1.
 */
int msg_bev_send_wiped(struct bufferevent *bev, const json_t *body);
/*
 * msg_bev_send_wiped with att's bytes as body's string member name (which
 * body must not have), its last attachment: the output buffer takes att's
 * buffer over, without a copy, UTF-8 check or JSON (a 17 MB `display set`
 * was copied three times), wipes and frees it once written; att is left
 * empty.  The peer reads the same frame as if name were in body.  0, or -1
 * (att then as it was, or emptied).
 */
int msg_bev_send_sb(struct bufferevent *bev, const json_t *body,
    const char *name, struct sb *att);
/*
 * Take one complete message from an input evbuffer.  Returns a new reference,
 * or NULL when no complete frame is there yet (*bad stays false) or the frame
 * is malformed or too large (*bad set: the caller drops the peer).
 */
json_t *msg_evbuf_pull(struct evbuffer *in, bool *bad);
/*
 * msg_evbuf_pull, with the attachment named raw->key left raw as
 * msg_recv_raw leaves it (raw->p NULL when there was none; msg_raw_free
 * after, in every case).  For the daemons' 13 MB change from mgd, which
 * only their parser reads: no second copy, no UTF-8 check.
 */
json_t *msg_evbuf_pull_raw(struct evbuffer *in, bool *bad, struct msg_raw *raw);

/*
 * A large frame read from its socket straight into its own buffer, not into
 * an evbuffer's chains first and then copied out of them: mgd's 17.5 MB
 * change reached hostd in 7 new 2 MB pages of chains, then 9 of frame.
 * The daemons' link (proto/link.c) stops its bufferevent reading while it
 * reads the rest itself:
 *   msg_rx_start  when the front of in is a frame of MSG_RX_MIN bytes or
 *                 more, not all there: moves what is there into rx (1);
 *                 0: nothing to do (msg_evbuf_pull_raw); -1: malformed
 *                 (*bad set)
 *   msg_rx_read   reads at most max bytes more from fd (non-blocking): 1
 *                 when the frame is whole, 0 while more is to come, -1 on
 *                 EOF (errno 0) or an error
 *   msg_rx_take   the whole frame as msg_evbuf_pull_raw returns it; rx is
 *                 empty after
 *   msg_rx_free   drops a frame not taken (wiped)
 */
#define MSG_RX_MIN ((size_t)2 << 20)
struct msg_rx {
	char *frame; /* NULL: none being read */
	size_t size; /* its JSON and attachments */
	size_t have;
	uint32_t n; /* its JSON */
};
int msg_rx_start(struct evbuffer *in, struct msg_rx *rx, bool *bad);
int msg_rx_read(int fd, struct msg_rx *rx, size_t max);
json_t *msg_rx_take(struct msg_rx *rx, bool *bad, struct msg_raw *raw);
void msg_rx_free(struct msg_rx *rx);

/* Convenience accessors for request/reply members; borrowed strings. */
const char *msg_str(const json_t *m, const char *key);
json_int_t msg_int(const json_t *m, const char *key, json_int_t dflt);
bool msg_bool(const json_t *m, const char *key);

#endif
