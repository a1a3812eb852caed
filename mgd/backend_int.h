/*
 * backend_int: what mgd/backend.c (the daemons' supervision and calls),
 * mgd/backend_check.c (the check phase) and mgd/backend_part.c (the part
 * of the configuration each daemon is sent) share.
 */
#ifndef QSAFE_MGD_BACKEND_INT_H
#define QSAFE_MGD_BACKEND_INT_H

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

#include "lib/sb.h"
#include "mgd/backend.h"
#include "schema/conf.h"

struct mgd;
struct event;

struct daemon_def {
	const char *name;
	const char *const *subtrees;
	size_t nsubtrees;
	/* of security policies, only the tunnel policies (iked: its
	 * policy-based VPNs, schema/delta_view.h) */
	bool tunnels_only;
};

/* hostd, keymgr, iked (mgd/backend.c daemon_defs) */
#define NDAEMONS 3

struct daemon {
	const struct daemon_def *def;
	char *path;
	pid_t pid;
	int fd;
	int backoff;
	int restarts;
	int64_t started;
	bool checked; /* holds a checked change */
	size_t parts; /* parts of the change being built it was sent */
	struct event *restart_ev;
	struct event *read_ev;		/* replies to rpcs, while mgd is idle */
	struct backend_rpc_call *calls; /* rpcs sent, not answered yet */
	struct backend *b;
};

/* The commit phase on its way (check or apply): who hears when it ends. */
struct backend_phase {
	int waiting;	       /* calls not answered yet (+1 while sending) */
	struct verrs *errs;    /* check: the daemons' errors go here */
	backend_done_cb *done; /* NULL: no phase */
	void *arg;
	struct event *ev; /* done runs from the loop, never nested */
};

struct backend {
	struct mgd *m;
	struct daemon d[NDAEMONS];
	struct event *sigchld;
	json_int_t next_id;
	struct backend_phase phase;
	/* the change handed out while it is built (backend_check.c) */
	struct sb_sink stream;
};

/*
 * Sends one request, with config (a change for the daemon's check) as its
 * "config" member when not NULL: an attachment from that buffer, never
 * copied into JSON; its id, or 0 when the daemon failed (it is then down).
 */
json_int_t backend_send(struct daemon *d, json_t *req, const struct sb *config);
/* req as a call whose answer cb gets from the loop (backend.c); NULL when
 * it could not be sent. */
struct backend_rpc_call *backend_call_start(struct daemon *dm, json_t *req,
    const struct sb *config, backend_rpc_cb *cb, void *arg, bool whole);
/* A commit phase: begun, then each call it waits for counted in
 * phase.waiting and answered (backend_phase_answered). */
void backend_phase_begin(
    struct backend *b, struct verrs *errs, backend_done_cb *done, void *arg);
void backend_phase_answered(struct backend *b);

/* The daemon's part of the committed configuration, as set lines. */
void backend_part_full(
    struct mgd *m, const struct daemon_def *def, struct sb *out);
/* Whether the daemon's part of a change is the whole delta (hostd at a
 * first firewall load): it is then sent the delta itself, no copy. */
bool backend_part_whole(
    const struct daemon_def *def, const char *delta, size_t len);
/*
 * The daemon's part of a change that is not the whole delta: the lines of
 * delta (the change from old, the configuration the daemons run, to new)
 * that it is sent, in out.
 */
void backend_part_delta(const struct daemon_def *def, const char *delta,
    size_t len, struct conf *old, struct conf *new, struct sb *out);

#endif
