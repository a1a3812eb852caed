/*
 * link: the daemon end of mgd's protocol (proto_daemon.h), a library that
 * iked, keymgr and hostd link.  It keeps the daemon's running configuration
 * (the subtrees it owns) as a tree, turns each commit's change into the next
 * tree, and calls the daemon back:
 *
 *   check(next)        may refuse, with Junos-style errors
 *   apply(prev, next)  acts on the difference (conf_diff(prev, next, ...))
 *   rpc(name, input)   answers an operational command with data, or later
 *
 * An rpc that has to wait (keymgr's `get profile-keys` waits for a KME)
 * does not hold the daemon's loop: the callback takes the request with
 * link_defer(), returns LINK_PENDING, and answers with link_reply() when it
 * can.  The daemon bounds that wait below mgd's DAEMON_REPLY_TIMEOUT_MS.
 * mgd waits for each reply before it sends the next request, so there is
 * never a second request behind a pending one; were there one, it would be
 * answered at once and mgd, which matches replies in order by "id"
 * (backend_wait), would take the daemon for broken.
 */
#ifndef QSAFE_LINK_H
#define QSAFE_LINK_H

#include <jansson.h>

#include "lib/sb.h"
#include "schema/conf.h"
#include "schema/validate.h"

struct event_base;
struct link;
struct link_call;

/* What an rpc callback returns after link_defer(). */
extern json_t *const LINK_PENDING;

struct link_ops {
	const char *name; /* "keymgr" */
	/* Appends errors for next; must not change anything. */
	void (*check)(void *ctx, struct conf *prev, struct conf *next,
	    struct verrs *errs);
	/* Makes next run; prev is what ran before (both borrowed). */
	void (*apply)(void *ctx, struct conf *prev, struct conf *next);
	/*
	 * The checked change is dropped, not applied (mgd's abort, or a
	 * check that refused it); may be NULL.  keymgr lets go of the key
	 * requests it held for the change (keymgr/api.c).
	 */
	void (*abort)(void *ctx);
	/*
	 * New reply data, or NULL with an operator error line in err.  A
	 * JSON string is taken for the data's JSON text, written without a
	 * tree (large replies): it goes to mgd as RPC_DATA_JSON.
	 */
	json_t *(*rpc)(
	    void *ctx, const char *name, const json_t *input, struct sb *err);
};

/*
 * Reads requests from fd on base.  Returns a new link (link_free), or NULL.
 * When mgd goes away the link stops the loop (a daemon lives with its mgd).
 */
struct link *link_new(
    struct event_base *base, int fd, const struct link_ops *ops, void *ctx);
void link_free(struct link *l);
/* The running configuration; borrowed. */
struct conf *link_running(struct link *l);
/* Whether the tree the next check starts from is made (the spare, made
 * when the loop is idle); for tests. */
bool link_spare_ready(const struct link *l);

/*
 * From an rpc callback: the request in progress, to be answered later by
 * link_reply (exactly once).  The callback then returns LINK_PENDING.
 */
struct link_call *link_defer(struct link *l);
/*
 * Answers a deferred rpc with data (stolen), or when data is NULL with the
 * operator error line err.  secret: the reply carries keys; its frame is
 * wiped once written (msg_bev_send_wiped).  Frees call; a call whose link
 * was freed meanwhile is just freed.
 */
void link_reply(
    struct link_call *call, json_t *data, const char *err, bool secret);

/*
 * Common daemon start-up: parses `--mgd-fd N --state-dir D [--log F]`,
 * sets up logging; fills *fd and *state_dir.  0 or -1 (usage printed).
 */
int link_args(
    int argc, char **argv, const char *name, int *fd, const char **state_dir);

#endif
