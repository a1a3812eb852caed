/*
 * bulk_int: what bulk.c (the first load of a large table) and
 * bulk_pipe.c (the rules of its chains, built and sent in a pipeline)
 * share.
 */
#ifndef QSAFE_BULK_INT_H
#define QSAFE_BULK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "hostd/nftm.h"
#include "lib/sb.h"

/* The table's flags (0: awake) at at, the last message of a transaction:
 * its ack says the whole transaction went in.  Its length. */
size_t bulk_table_msg(
    void *at, const char *table, uint32_t flags, uint32_t seq);
/* Sends a batch of len bytes (one datagram: the kernel commits it whole)
 * and reads its ack; 0, or -1 (err says why). */
int bulk_send(const void *buf, size_t len, struct sb *err);

/*
 * bulk_pipe.c: the rules of chains (name -> true) of m, table inet table
 * dormant and holding the chains empty, by libnftnl in transactions of
 * about BULK_CHUNK bytes: a thread builds the next while hostd's thread
 * sends one.  bulk_pipe_start starts the building (NULL: no thread; err
 * says why); the caller may do other work (not with m or chains) before
 * bulk_pipe_end, which sends each transaction built (send) or stops the
 * building (!send), joins the thread, frees p, appends to text the
 * `add rule` lines of the chains that cannot go by libnftnl and fills
 * st.  0, or -1 at the first transaction refused (those before it stay
 * in the table; err says why).
 */
struct bulk_pipe;
struct bulk_pipe_stats {
	size_t sent;	/* transactions sent */
	size_t nrule;	/* rules built into them */
	size_t ntext;	/* chains whose rules went into text */
	int64_t built;	/* the builder thread's CPU ms */
	int64_t kernel; /* hostd's thread's CPU ms in the sends */
	int64_t waited; /* ms hostd's thread waited for a built transaction */
};
struct bulk_pipe *bulk_pipe_start(const struct nftm *m, const char *table,
    const json_t *chains, struct sb *err);
int bulk_pipe_end(struct bulk_pipe *p, bool send, struct sb *text,
    struct bulk_pipe_stats *st, struct sb *err);

#endif
