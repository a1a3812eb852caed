/*
 * bulk_pipe: the rules of bulk.c's chains into the kernel, built by one
 * thread while hostd's thread sends the transaction built before.
 *
 * The kernel parses a transaction's rules (nf_tables_newrule, their
 * expressions) within the sender's sendmsg: at 42,000 rules about 170 ms
 * of CPU on a quiet machine, and building them (text, libnftnl objects,
 * the batch) about 50 ms.  Done in turn they kept one core busy and left
 * the other idle; here the building of transaction k+1 runs beside the
 * send of transaction k, and the first one's beside the load of the
 * dormant text (bulk.c).
 *
 * Who owns what:
 *   - the builder thread (bulk_pipe_build) reads the model and the
 *     chains (neither changes until bulk_pipe_end has joined it: hostd's
 *     thread is in bulk_load until then), fills the buffer of the
 *     transaction it builds and p->text; it does not log, touch libevent
 *     or open a socket, and takes no signal but those of its faults;
 *   - hostd's thread (bulk_pipe_end) sends each transaction built, in the
 *     order built, reads its ack and hands the buffer back;
 *   - p->mu guards built, sent, done and stop: a buffer is the builder's
 *     until built counts it, then the sender's until sent does.
 *
 * Transactions of about BULK_CHUNK bytes, each ending with the table
 * still dormant: a 40,000-rule table in one datagram was a fresh 21 MB
 * buffer, and on this VM the first touch of fresh memory costs more than
 * the bytes written into it.  The dormant table filters nothing until
 * bulk.c's last transaction wakes it, so the host sees one change.
 * BULK_PIPE_BUFS buffers, reused: one being sent, one built ahead, one
 * being built; the builder waits for the oldest to come back.  The order
 * is the one of the load in turn: each chain whole in one transaction (so
 * that it can be taken back when the transaction is full), the chains
 * with no jump before those that jump (the kernel validates at each
 * commit what the base chains reach), sent in the order built.  A refused
 * transaction stops the builder at its next one; what was built and not
 * sent is dropped.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include "hostd/bulk_int.h"
#include "hostd/hostd.h"
#include "lib/clock.h"

#define BULK_CHUNK (1 << 20) /* bytes of rules a transaction, about */
#define BULK_RULE_MAX 4096   /* room for one rule (bulk_rule.c: 16 exprs) */
#define BULK_PIPE_BUFS 3     /* transactions in memory at once */

/* signals of a fault, which the thread that faults must take */
static const int bulk_pipe_faults[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE,
	SIGABRT };

struct bulk_buf {
	char *buf;
	size_t cap, len;
};

struct bulk_pipe {
	const struct nftm *m;
	const char *table;
	const json_t *chains;
	size_t cap;    /* of a buffer, at first */
	size_t refuse; /* tests: the transaction (from 1) made to fail */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct bulk_buf bufs[BULK_PIPE_BUFS];
	size_t built, sent; /* transactions built; sent or dropped */
	bool done, stop;    /* the builder ended; the sender stopped */
	/* the builder's, read by hostd's thread once joined */
	struct bulk_buf *cur; /* the transaction being built */
	size_t begin;	      /* the length of its batch's start */
	uint32_t seq;
	struct sb text; /* chains' rules that go as text */
	size_t nrule, ntext;
	int64_t cpu;
};

/* The builder: the next transaction begun, in a buffer the sender is done
 * with; false when the sender stopped. */
static bool
bulk_pipe_next(struct bulk_pipe *p)
{
	struct bulk_buf *c;
	bool go;

	pthread_mutex_lock(&p->mu);
	while (p->built - p->sent >= BULK_PIPE_BUFS && !p->stop)
		pthread_cond_wait(&p->cv, &p->mu);
	go = !p->stop;
	pthread_mutex_unlock(&p->mu);
	if (!go)
		return false;
	c = p->cur = &p->bufs[p->built % BULK_PIPE_BUFS];
	c->len = p->begin = nftnl_batch_begin(c->buf, p->seq++)->nlmsg_len;
	return true;
}

/* tests: a rule of a chain the table does not have, which the kernel
 * refuses (ENOENT) with the whole transaction. */
static size_t
bulk_pipe_refused(void *at, const char *table, uint32_t seq)
{
	struct nftnl_rule *r;
	struct nlmsghdr *nlh;

	if ((r = nftnl_rule_alloc()) == NULL)
		abort(); /* libnftnl: out of memory */
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, "qsafe-no-such-chain");
	nlh = nftnl_nlmsg_build_hdr(at, NFT_MSG_NEWRULE, NFPROTO_INET,
	    NLM_F_CREATE | NLM_F_APPEND, seq);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	return nlh->nlmsg_len;
}

/* The builder: the transaction in progress ended, the table still
 * dormant, and handed to the sender; the next begun (more).  false when
 * the sender stopped. */
static bool
bulk_pipe_hand(struct bulk_pipe *p, bool more)
{
	struct bulk_buf *c = p->cur;

	if (c->len == p->begin)
		return true; /* no rule in it */
	if (p->refuse == p->built + 1)
		c->len +=
		    bulk_pipe_refused(c->buf + c->len, p->table, p->seq++);
	c->len += bulk_table_msg(
	    c->buf + c->len, p->table, NFT_TABLE_F_DORMANT, p->seq++);
	c->len += nftnl_batch_end(c->buf + c->len, p->seq++)->nlmsg_len;
	pthread_mutex_lock(&p->mu);
	p->built++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return more ? bulk_pipe_next(p) : true;
}

/*
 * The builder: the rules of chain name (its body, a rule a line) into
 * the transaction, each built once; when one is not a form bulk_rule.c
 * builds, none of them: they go into p->text as `add rule` lines.  A
 * chain is not split across transactions, so that it can be taken back.
 * false when the sender stopped.
 */
static bool
bulk_pipe_chain(struct bulk_pipe *p, const char *name, const char *body)
{
	size_t start = p->cur->len, n = 0;
	uint32_t seq = p->seq;
	const char *l, *nl;
	struct nftnl_rule *r;
	struct nlmsghdr *nlh;

	for (l = body; *l;) {
		struct bulk_buf *c = p->cur;
		nl = strchr(l, '\n');
		/* room for a rule and the transaction's last messages */
		if (c->len + 2 * BULK_RULE_MAX > c->cap) {
			if (start == p->begin) {
				/* a chain larger than a transaction */
				c->cap *= 2;
				c->buf = xrealloc(c->buf, c->cap);
				continue; /* this rule again */
			}
			c->len = start;
			p->seq = seq;
			if (!bulk_pipe_hand(p, true))
				return false;
			start = p->cur->len;
			seq = p->seq;
			n = 0;
			l = body; /* the chain again, from its first rule */
			continue;
		}
		if ((r = bulk_rule_new(p->table, name, l, (size_t)(nl - l))) ==
		    NULL) {
			c->len = start;
			p->seq = seq;
			for (l = body; *l; l = nl + 1) {
				nl = strchr(l, '\n');
				sb_printf(&p->text,
				    "add rule inet %s %s %.*s\n", p->table,
				    name, (int)(nl - l), l);
			}
			p->ntext++;
			return true;
		}
		nlh = nftnl_nlmsg_build_hdr(c->buf + c->len, NFT_MSG_NEWRULE,
		    NFPROTO_INET, NLM_F_CREATE | NLM_F_APPEND, p->seq++);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
		c->len += nlh->nlmsg_len;
		n++;
		l = nl + 1;
	}
	p->nrule += n;
	return true;
}

/* The builder thread: the chains with no jump first, then those that
 * jump; then done. */
static void *
bulk_pipe_build(void *arg)
{
	struct bulk_pipe *p = arg;
	int64_t t0 = clock_thread_cpu_ms();
	bool go = bulk_pipe_next(p);
	const char *name;
	json_t *v;

	for (int jumps = 0; go && jumps < 2; jumps++)
		json_object_foreach((json_t *)p->chains, name, v)
		{
			const char *body = nftm_chain_body(p->m, name);
			if ((strstr(body, "jump ") != NULL) != jumps)
				continue;
			if (!(go = bulk_pipe_chain(p, name, body)))
				break;
		}
	if (go)
		bulk_pipe_hand(p, false);
	p->cpu = clock_thread_cpu_ms() - t0;
	pthread_mutex_lock(&p->mu);
	p->done = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct bulk_pipe *
bulk_pipe_start(const struct nftm *m, const char *table, const json_t *chains,
    struct sb *err)
{
	const char *chunk = getenv("QSAFE_HOSTD_BULK_CHUNK");
	const char *refuse = getenv("QSAFE_HOSTD_BULK_REFUSE");
	struct bulk_pipe *p = xcalloc(1, sizeof(*p));
	sigset_t mask, old;
	int rc;

	p->m = m;
	p->table = table;
	p->chains = chains;
	/* tests: smaller transactions, to have several of a few rules */
	p->cap = chunk ? strtoul(chunk, NULL, 10) : 0;
	if (p->cap < 4 * BULK_RULE_MAX)
		p->cap = chunk ? 4 * BULK_RULE_MAX : BULK_CHUNK;
	/* tests: that transaction refused, to fail amid the load */
	p->refuse = refuse ? strtoul(refuse, NULL, 10) : 0;
	p->seq = (uint32_t)time(NULL);
	/* from hostd's thread: its heap's memory, touched before (the
	 * builder's own arena would be fresh pages, ~790 faults a load) */
	for (int i = 0; i < BULK_PIPE_BUFS; i++) {
		p->bufs[i].cap = p->cap;
		p->bufs[i].buf = xmalloc(p->cap);
	}
	sb_init(&p->text);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	/* hostd's thread takes the signals (libevent's SIGTERM handler among
	 * them); the builder only those of its own faults */
	sigfillset(&mask);
	for (size_t i = 0; i < sizeof(bulk_pipe_faults) / sizeof(int); i++)
		sigdelset(&mask, bulk_pipe_faults[i]);
	pthread_sigmask(SIG_SETMASK, &mask, &old);
	rc = pthread_create(&p->thread, NULL, bulk_pipe_build, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		sb_printf(err, "the builder of rules: %s", strerror(rc));
		for (int i = 0; i < BULK_PIPE_BUFS; i++)
			free(p->bufs[i].buf);
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->cv);
		sb_free(&p->text);
		free(p);
		return NULL;
	}
	return p;
}

/* hostd's thread: transaction k once built (true), or false when the
 * builder ended before it. */
static bool
bulk_pipe_wait(struct bulk_pipe *p, size_t k)
{
	bool have;

	pthread_mutex_lock(&p->mu);
	while (k >= p->built && !p->done)
		pthread_cond_wait(&p->cv, &p->mu);
	have = k < p->built;
	pthread_mutex_unlock(&p->mu);
	return have;
}

int
bulk_pipe_end(struct bulk_pipe *p, bool send, struct sb *text,
    struct bulk_pipe_stats *st, struct sb *err)
{
	int rc = 0;

	memset(st, 0, sizeof(*st));
	for (size_t k = 0; send && rc == 0; k++) {
		int64_t t0 = clock_mono_ms();
		if (!bulk_pipe_wait(p, k))
			break;
		st->waited += clock_mono_ms() - t0;
		const struct bulk_buf *c = &p->bufs[k % BULK_PIPE_BUFS];
		t0 = clock_thread_cpu_ms();
		rc = bulk_send(c->buf, c->len, err);
		st->kernel += clock_thread_cpu_ms() - t0;
		st->sent++;
		pthread_mutex_lock(&p->mu);
		p->sent = k + 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	/* not sending, or refused: the builder stops at its next buffer */
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	sb_add(text, sb_str(&p->text), p->text.len);
	st->nrule = p->nrule;
	st->ntext = p->ntext;
	st->built = p->cpu;
	for (int i = 0; i < BULK_PIPE_BUFS; i++)
		free(p->bufs[i].buf);
	sb_free(&p->text);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
	return rc;
}
