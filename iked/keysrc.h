/*
 * keysrc: the engine's key source (engine.h eng_keysrc) over keymgr's key
 * API (proto/proto_keymgr.h) on <state>/keymgr.sock.
 *
 * Asynchronous: each request carries an id, any number are outstanding on
 * the one connection and replies are matched by id in whatever order they
 * come.  The connection is made at the first request and again after
 * keymgr went away.  Every request is answered exactly once, on the loop
 * and never from inside get_key: with the key, or with keymgr's error
 * token, "connect" (no keymgr), "closed" (it went away), "bad-reply" or
 * "timeout" (KEYSRC_TIMEOUT_MS, above keymgr's own 5 s KME timeout).  The
 * key is decoded into a buffer that is wiped after the engine's callback
 * (which copies it); jansson's copies are wiped by wipe_init.
 */
#ifndef QSAFE_IKED_KEYSRC_H
#define QSAFE_IKED_KEYSRC_H

#include "iked/engine.h"

#define KEYSRC_TIMEOUT_MS 8000
#define KEYSRC_KEY_MAX 1024 /* octets: an 8192-bit key */

struct keysrc;

/* sock: keymgr's socket path (copied).  Caller frees with keysrc_free. */
struct keysrc *keysrc_new(struct event_base *base, const char *sock);
/*
 * Outstanding requests are dropped unanswered: free the engine (which
 * made them) first.
 */
void keysrc_free(struct keysrc *k);

/* The eng_keysrc whose ctx is a struct keysrc. */
extern const struct eng_keysrc keysrc_ops;

#endif
