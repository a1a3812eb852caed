/*
 * link: the daemon end of mgd's protocol (proto_daemon.h), a library that
 * iked, keymgr and hostd link.  It keeps the daemon's running configuration
 * (the subtrees it owns) as a tree, turns each commit's change into the next
 * tree, and calls the daemon back:
 *
 *   check(next)        may refuse, with Junos-style errors
 *   apply(prev, next)  acts on the difference (conf_diff(prev, next, ...))
 *   rpc(name, input)   answers an operational command with data
 */
#ifndef QSAFE_LINK_H
#define QSAFE_LINK_H

#include <jansson.h>

#include "lib/sb.h"
#include "schema/conf.h"
#include "schema/validate.h"

struct event_base;
struct link;

struct link_ops {
	const char *name;	/* "keymgr" */
	/* Appends errors for next; must not change anything. */
	void (*check)(void *ctx, struct conf *prev, struct conf *next,
	    struct verrs *errs);
	/* Makes next run; prev is what ran before (both borrowed). */
	void (*apply)(void *ctx, struct conf *prev, struct conf *next);
	/* New reply data, or NULL with an operator error line in err. */
	json_t *(*rpc)(void *ctx, const char *name, const json_t *input,
	    struct sb *err);
};

/*
 * Reads requests from fd on base.  Returns a new link (link_free), or NULL.
 * When mgd goes away the link stops the loop (a daemon lives with its mgd).
 */
struct link *link_new(struct event_base *base, int fd,
    const struct link_ops *ops, void *ctx);
void link_free(struct link *l);
/* The running configuration; borrowed. */
struct conf *link_running(struct link *l);
const struct schema *link_schema(struct link *l);

/*
 * Common daemon start-up: parses `--mgd-fd N --state-dir D [--log F]`,
 * sets up logging; fills *fd and *state_dir.  0 or -1 (usage printed).
 */
int link_args(int argc, char **argv, const char *name, int *fd,
    const char **state_dir);

#endif
