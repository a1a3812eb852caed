/*
 * ruleset (ruleset.c): hostd's nftables table through a commit, for the
 * link's callbacks in hostd.c.
 */
#ifndef QSAFE_HOSTD_RULESET_H
#define QSAFE_HOSTD_RULESET_H

#include <stddef.h>

#include <event2/util.h>

#include "hostd/hostd.h"
#include "hostd/laps.h"

/* Check: next's model and transaction; errors into errs (see ruleset.c). */
void ruleset_check(struct hostd *h, struct conf *next,
    const struct host_scope *s, struct verrs *errs, size_t nerr,
    struct host_laps *l);
/* Apply: next in force. */
void ruleset_apply(struct hostd *h, struct conf *next,
    const struct host_scope *s, struct host_laps *l);
/* What check built goes (an abort, a refusal), with its dormant table. */
void ruleset_clear(struct hostd *h);
/* h->preload's and h->tidy's callbacks: after the reply to mgd. */
void ruleset_preload(evutil_socket_t fd, short what, void *arg);
void ruleset_tidy(evutil_socket_t fd, short what, void *arg);
/* At the appliance's stop: the table and the tracking table go. */
void ruleset_stop(struct hostd *h);

#endif
