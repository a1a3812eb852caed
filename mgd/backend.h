/*
 * backend: the daemons mgd starts and supervises (iked, keymgr, hostd).
 * Each takes part in the two-phase commit for its subtrees
 * (proto/proto_daemon.h): check the change, then apply it.  A daemon that is
 * down does not block a commit; when it starts again mgd hands it the whole
 * committed configuration of its subtrees.  A daemon that dies is restarted
 * with a back-off (1 s doubling to 30 s).
 */
#ifndef QSAFE_BACKEND_H
#define QSAFE_BACKEND_H

#include <jansson.h>

#include "lib/sb.h"
#include "schema/conf_diff.h"
#include "schema/validate.h"

struct mgd;
struct backend;

/* Starts every daemon whose program exists. */
struct backend *backend_new(struct mgd *m);
/* Stops the daemons (SIGTERM, then SIGKILL) and frees. */
void backend_free(struct backend *b);
/* A commit phase has ended: every daemon asked has answered (or is down). */
typedef void backend_done_cb(void *arg);
/*
 * Phase one, without waiting: every running daemon checks its part of the
 * delta text (the commit's change as editing commands, which makes next
 * of the configuration the daemons run); their errors are
 * appended to errs, and done(arg) runs from mgd's loop once all have
 * answered.  A daemon that goes down meanwhile counts as answered: it gets
 * generation 0 when it starts again (which waits for the commit).
 */
void backend_check_start(struct backend *b, const char *delta, size_t len,
    struct conf *next, struct verrs *errs, backend_done_cb *done, void *arg);
/*
 * Before the delta given to backend_check_start is built: the sink its
 * writer (diff_delta_text_sink) hands it out to as it grows, so that a
 * large change reaches the daemons that can take it in parts while it is
 * built (mgd/backend_check.c); NULL when no daemon can.  backend_check_start
 * then sends only what is left.
 */
struct sb_sink *backend_stream_begin(struct backend *b);
/* Phase two, after the store has the commit: done runs once every daemon
 * that checked has applied.  They are asked at once (keymgr holds iked's
 * requests for a profile the commit adds until it has applied it). */
void backend_apply_start(struct backend *b, backend_done_cb *done, void *arg);
/* Check failed or was only a check: the daemons drop the change. */
void backend_abort(struct backend *b);
/*
 * The answer to an operational rpc: new reply data (the callee owns it) or,
 * with data NULL, an operator error line.
 */
typedef void backend_rpc_cb(void *arg, json_t *data, const char *err);
struct backend_rpc_call;

/*
 * Forwards an operational rpc to daemon `handler` and returns at once: cb
 * gets the answer later, from mgd's loop, so other sessions go on while a
 * daemon works (a KME that hangs, a ping).  A daemon that does not answer
 * within DAEMON_REPLY_TIMEOUT_MS is restarted and cb gets an error.
 * Returns the call, or NULL with an operator error line in err (cb is then
 * never called).
 */
struct backend_rpc_call *backend_rpc_start(struct backend *b,
    const char *handler, const char *rpc, const json_t *input,
    backend_rpc_cb *cb, void *arg, struct sb *err);
/* The caller is gone (its session ended): the answer will be dropped. */
void backend_rpc_cancel(struct backend_rpc_call *c);

#endif
