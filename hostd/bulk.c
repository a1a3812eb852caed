/*
 * bulk: the first load of a table with large interface sets, without
 * libnftables parsing their elements.
 *
 * At 50,000 zone interfaces the table holds 50,000 elements of the map
 * zone_in (and as many in zif_<zone> when global policies name the zones),
 * and libnftables spends longer parsing and evaluating their text than the
 * kernel spends inserting them.  When no table of this
 * appliance is in the kernel (hostd knows it: it removed it or found none), the
 * table is loaded in transactions that leave the host as it was before any
 * table until the last one commits:
 *
 *   1. libnftables: the table text with `flags dormant` (its base chains
 *      are not hooked, so nothing is filtered: as with no table) and the
 *      large sets declared empty;
 *   2. one nfnetlink batch (libnftnl): the elements of the large sets,
 *      then the table woken (NFT_MSG_NEWTABLE without the dormant flag),
 *      committed as one transaction by the kernel.
 *
 * Or the table stays dormant after step 2 (bulk_load without wake: hostd
 * does steps 1 and 2 after its reply to a check, while mgd waits for the
 * other daemons and stores the commit) and the apply only wakes it
 * (bulk_wake): one message, committed whole as before.
 *
 * The rules of the chains that are not base chains go by libnftnl too
 * when there are BULK_RULES of them or more (40,000 policies in 1,250
 * bucket chains: libnftables spent most of hostd's load parsing them): the
 * dormant text declares those chains empty, and between steps 1 and 2
 * their rules, built by bulk_rule.c, go in transactions of about
 * BULK_CHUNK bytes that leave the table dormant (bulk_rules).  A chain
 * with a rule of a form bulk_rule.c does not build has its rules loaded
 * as text (`add rule`) after them.
 *
 * Also a swap's next table, under the other name (ruleset.c: ruleset_swap),
 * left dormant for the wake that deletes the table in force.
 *
 * Anything else (a restart that replaces a table in force, a smaller change,
 * interval sets, small sets and tables) loads as text (policy_load).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include "hostd/hostd.h"
#include "lib/clock.h"
#include "lib/log.h"

#define BULK_MIN 1024	     /* elements from which a set goes by libnftnl */
#define BULK_ELEM 128	     /* batch bytes an element takes at most */
#define BULK_MSG 131072	     /* room for one message (its nest: < 64 KiB) */
#define BULK_KEY 16	     /* IFNAMSIZ: the length of an ifname key */
#define BULK_RULES 256	     /* rules from which chains go by libnftnl */
#define BULK_CHUNK (1 << 20) /* bytes of rules a transaction, about */
#define BULK_RULE_MAX 4096   /* room for one rule (bulk_rule.c: 16 exprs) */
#define BULK_NEST 65000	     /* a message of elements: its nest's length */
#define BULK_CHAIN 64	     /* a jump's chain name: hostd's are shorter */

struct bulk {
	json_t *sets; /* the sets that go by libnftnl: name -> is a map */
	size_t n;     /* their elements */
	/* the set being sent: its name, whether it maps to verdicts, the
	 * message its elements go in and their nest (bulk_elem) */
	const char *set;
	bool map;
	struct mnl_nlmsg_batch *batch;
	size_t cap;
	uint32_t seq;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	const char *table;
	json_t *chains;	     /* the chains whose rules go by libnftnl */
	size_t nrule;	     /* their rules */
	const json_t *carry; /* counts the text starts from (a swap's) */
};

/* Whether decl's type (its first t bytes) is type. */
static bool
bulk_type(const char *decl, size_t t, const char *type)
{
	return strlen(type) == t && strncmp(decl, type, t) == 0;
}

/* Sets of interface names (and maps of them to verdicts) that are large. */
static void
bulk_pick(
    const char *name, const char *decl, bool interval, size_t n, void *arg)
{
	struct bulk *b = arg;

	size_t t = strcspn(decl, ";"); /* the type, without `; size N` */

	if (interval || n < BULK_MIN ||
	    (!bulk_type(decl, t, "type ifname") &&
		!bulk_type(decl, t, "type ifname : verdict")) ||
	    (decl[t] != '\0' && strncmp(decl + t, "; size ", 7) != 0))
		return;
	json_object_set_new(b->sets, name, json_boolean(strchr(decl, ':')));
	b->n += n;
}

/*
 * A chain that is not a base chain and has rules, none of which starts
 * from a count carried: its name into b->chains.  Its rules go by libnftnl
 * (bulk_rules) or, a chain with a rule bulk_rule.c does not build, as text
 * after them: each rule is built once, straight into a transaction.
 */
static void
bulk_pick_chain(const char *name, const char *hook, const char *body, void *arg)
{
	struct bulk *b = arg;
	size_t n = 0;

	if (hook != NULL || *body == '\0' ||
	    json_object_get(b->carry, name) != NULL)
		return;
	for (const char *l = body, *nl; (nl = strchr(l, '\n')) != NULL;
	     l = nl + 1) {
		const char *tag;
		size_t tlen;
		/* a count carried: the text has it (bulk_rule.c has none) */
		if (b->carry != NULL &&
		    nftm_tag_of(l, (size_t)(nl - l), &tag, &tlen) &&
		    json_object_getn(b->carry, tag, tlen) != NULL)
			return;
		n++;
	}
	json_object_set_new(b->chains, name, json_true());
	b->nrule += n;
}

/* Ends the message of elements in progress. */
static void
bulk_msg_end(struct bulk *b)
{
	if (b->nlh == NULL)
		return;
	mnl_attr_nest_end(b->nlh, b->nest);
	mnl_nlmsg_batch_next(b->batch);
	b->nlh = NULL;
}

/*
 * One element: key "\"dev\"", value "" or "jump CHAIN", written into the
 * batch as libnftnl writes an element (NFTA_LIST_ELEM: the key as
 * NFTA_DATA_VALUE, a map's NFTA_DATA_VERDICT), without a libnftnl object
 * for each of 200,000.  A message holds elements while their nest's
 * 16-bit length allows.  -1: it cannot go this way (the table then loads
 * as text).
 */
static int
bulk_elem(const char *key, const char *val, void *arg)
{
	struct bulk *b = arg;
	struct nlattr *e, *x, *v;
	char k[BULK_KEY] = { 0 };
	size_t len = strlen(key);

	if (len < 3 || key[0] != '"' || key[len - 1] != '"' ||
	    len - 2 >= BULK_KEY || memchr(key + 1, '\\', len - 2) != NULL ||
	    (b->map ? strncmp(val, "jump ", 5) != 0 ||
			strlen(val + 5) >= BULK_CHAIN
		    : *val != '\0'))
		return -1;
	memcpy(k, key + 1, len - 2);
	if (b->nlh != NULL && b->nlh->nlmsg_len + BULK_ELEM > BULK_NEST)
		bulk_msg_end(b);
	if (b->nlh == NULL) {
		if (mnl_nlmsg_batch_size(b->batch) + BULK_MSG > b->cap)
			return -1;
		b->nlh = nftnl_nlmsg_build_hdr(
		    mnl_nlmsg_batch_current(b->batch), NFT_MSG_NEWSETELEM,
		    NFPROTO_INET, NLM_F_CREATE, b->seq++);
		mnl_attr_put_strz(b->nlh, NFTA_SET_ELEM_LIST_SET, b->set);
		mnl_attr_put_strz(b->nlh, NFTA_SET_ELEM_LIST_TABLE, b->table);
		b->nest =
		    mnl_attr_nest_start(b->nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	}
	e = mnl_attr_nest_start(b->nlh, NFTA_LIST_ELEM);
	x = mnl_attr_nest_start(b->nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(b->nlh, NFTA_DATA_VALUE, sizeof(k), k);
	mnl_attr_nest_end(b->nlh, x);
	if (b->map) {
		x = mnl_attr_nest_start(b->nlh, NFTA_SET_ELEM_DATA);
		v = mnl_attr_nest_start(b->nlh, NFTA_DATA_VERDICT);
		mnl_attr_put_u32(b->nlh, NFTA_VERDICT_CODE, htonl(NFT_JUMP));
		mnl_attr_put_strz(b->nlh, NFTA_VERDICT_CHAIN, val + 5);
		mnl_attr_nest_end(b->nlh, v);
		mnl_attr_nest_end(b->nlh, x);
	}
	mnl_attr_nest_end(b->nlh, e);
	return 0;
}

/*
 * The table text (nftm_text, whole) with `flags dormant`, the picked
 * sets declared without their elements and the picked chains without
 * their rules.
 */
static void
bulk_text(const char *full, const struct bulk *b, struct sb *out)
{
	const json_t *sets = b->sets;
	const char *l, *nl, *cut;
	char name[128];
	bool bare = false; /* in a chain whose rules go by libnftnl */

	for (l = full; *l; l = nl) {
		nl = strchr(l, '\n');
		nl = nl ? nl + 1 : l + strlen(l);
		size_t n = 0;
		if (strncmp(l, "\tchain ", 7) == 0) {
			n = strcspn(l + 7, " \n");
			bare = n < sizeof(name) &&
			    (memcpy(name, l + 7, n), name[n] = '\0',
				json_object_get(b->chains, name) != NULL);
			n = 0;
		} else if (strncmp(l, "\t}", 2) == 0)
			bare = false;
		else if (bare && strncmp(l, "\t\t", 2) == 0)
			continue;
		if (strncmp(l, "\tset ", 5) == 0 ||
		    strncmp(l, "\tmap ", 5) == 0)
			n = strcspn(l + 5, " \n");
		if (n > 0 && n < sizeof(name)) {
			memcpy(name, l + 5, n);
			name[n] = '\0';
		}
		cut = n > 0 && n < sizeof(name) && json_object_get(sets, name)
		    ? strstr(l, "elements = { ")
		    : NULL;
		if (cut != NULL && cut < nl) {
			sb_add(out, l, (size_t)(cut - l));
			sb_puts(out, "}\n");
			continue;
		}
		sb_add(out, l, (size_t)(nl - l));
		if (strncmp(l, "table inet ", 11) == 0)
			sb_puts(out, "\tflags dormant;\n");
	}
}

/* Reads the answer to a batch whose last message asked for an ack. */
static int
bulk_answer(struct mnl_socket *nl, struct sb *err)
{
	char buf[16384]; /* answers: errors without their requests */
	ssize_t n;
	int rc;

	for (;;) {
		if ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) <= 0) {
			sb_printf(err, "nfnetlink: %s", strerror(errno));
			return -1;
		}
		rc = mnl_cb_run(
		    buf, (size_t)n, 0, mnl_socket_get_portid(nl), NULL, NULL);
		if (rc == MNL_CB_ERROR) {
			sb_printf(err, "nftables refused the elements: %s",
			    strerror(errno));
			return -1;
		}
		if (rc == MNL_CB_STOP)
			return 0; /* the table's ack: all went in */
	}
}

/* The table's flags (0: awake) at at, the last message of a
 * transaction: its ack says the whole transaction went in.  Its length. */
static size_t
bulk_table_msg(void *at, const char *table, uint32_t flags, uint32_t seq)
{
	struct nftnl_table *t;
	struct nlmsghdr *nlh;

	if ((t = nftnl_table_alloc()) == NULL)
		abort(); /* libnftnl: out of memory */
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, flags);
	nlh = nftnl_nlmsg_build_hdr(
	    at, NFT_MSG_NEWTABLE, NFPROTO_INET, NLM_F_ACK, seq);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	return nlh->nlmsg_len;
}

/* The elements of the picked sets and the table's flags, as one batch. */
static int
bulk_batch(const struct nftm *m, const char *table, struct bulk *b, bool wake,
    struct mnl_nlmsg_batch *batch, size_t cap, struct sb *err)
{
	uint32_t seq = (uint32_t)time(NULL);
	const char *name;
	json_t *v;

	nftnl_batch_begin(mnl_nlmsg_batch_current(batch), seq++);
	mnl_nlmsg_batch_next(batch);
	b->batch = batch;
	b->cap = cap;
	json_object_foreach(b->sets, name, v)
	{
		b->set = name;
		b->map = json_is_true(v);
		b->seq = seq;
		if (nftm_each_elem(m, name, bulk_elem, b) == -1) {
			sb_printf(err,
			    "set %s: an element that cannot go by netlink,"
			    " or the batch outgrew its buffer",
			    name);
			return -1;
		}
		bulk_msg_end(b);
		seq = b->seq;
	}
	/* dormant: nothing changes, but its ack ends the batch */
	bulk_table_msg(mnl_nlmsg_batch_current(batch), table,
	    wake ? 0 : NFT_TABLE_F_DORMANT, seq++);
	mnl_nlmsg_batch_next(batch);
	nftnl_batch_end(mnl_nlmsg_batch_current(batch), seq++);
	mnl_nlmsg_batch_next(batch);
	return 0;
}

/* Sends a batch of len bytes (one datagram: the kernel commits it whole). */
static int
bulk_send(const void *buf, size_t len, struct sb *err)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int one = 1, size = (int)len + 65536, rc = -1;

	if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		sb_printf(err, "nfnetlink: %s", strerror(errno));
		goto done;
	}
	/* errors without the request they answer; a send buffer the size of
	 * the batch (root: SO_SNDBUFFORCE) */
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE, &size,
		sizeof(size)) == -1 ||
	    mnl_socket_sendto(nl, buf, len) < 0) {
		sb_printf(err, "nfnetlink: %s", strerror(errno));
		goto done;
	}
	rc = bulk_answer(nl, err);
done:
	if (nl != NULL)
		mnl_socket_close(nl);
	return rc;
}

/*
 * The rules go in transactions of about BULK_CHUNK bytes, one buffer
 * reused, each ending with the table still dormant: a 40,000-rule table
 * in one datagram was a fresh 21 MB buffer, and on this VM the first
 * touch of fresh memory costs more than the bytes written into it.  The
 * dormant table filters nothing until the last transaction (bulk_batch)
 * wakes it, so the host sees one change as before; a failure leaves a
 * dormant table, which the text the apply then loads replaces.
 */
struct bulk_chunk {
	char *buf;
	size_t cap, off, begin; /* begin: the length of the batch's start */
	uint32_t seq;
	size_t sent;	/* transactions sent */
	size_t nrule;	/* rules in them */
	size_t ntext;	/* chains whose rules went into text */
	int64_t kernel; /* CPU ms in the sends (the kernel's commit) */
};

static void
bulk_chunk_begin(struct bulk_chunk *c)
{
	c->off = c->begin = nftnl_batch_begin(c->buf, c->seq++)->nlmsg_len;
}

/* Sends the rules in the chunk as one transaction; a new one begins. */
static int
bulk_chunk_send(struct bulk_chunk *c, const char *table, struct sb *err)
{
	int64_t t0 = clock_cpu_ms();
	int rc;

	if (c->off == c->begin)
		return 0;
	c->off += bulk_table_msg(
	    c->buf + c->off, table, NFT_TABLE_F_DORMANT, c->seq++);
	c->off += nftnl_batch_end(c->buf + c->off, c->seq++)->nlmsg_len;
	rc = bulk_send(c->buf, c->off, err);
	c->sent++;
	c->kernel += clock_cpu_ms() - t0;
	bulk_chunk_begin(c);
	return rc;
}

/*
 * The rules of chain name (its body, a rule a line) into the chunk, each
 * built once; when one is not a form bulk_rule.c builds, none of them:
 * they go into text as `add rule` lines instead.  A chain is not split
 * across transactions, so that it can be taken back.  0, or -1.
 */
static int
bulk_chain(struct bulk_chunk *c, const char *table, const char *name,
    const char *body, struct sb *text, struct sb *err)
{
	size_t start = c->off, n = 0;
	uint32_t seq = c->seq;
	const char *l, *nl;
	struct nftnl_rule *r;
	struct nlmsghdr *nlh;

	for (l = body; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		/* room for a rule and the transaction's last two messages */
		if (c->off + 2 * BULK_RULE_MAX > c->cap) {
			if (start == c->begin) {
				/* a chain larger than a transaction */
				c->cap *= 2;
				c->buf = xrealloc(c->buf, c->cap);
				nl = l - 1; /* this rule again */
				continue;
			}
			c->off = start;
			c->seq = seq;
			if (bulk_chunk_send(c, table, err) == -1)
				return -1;
			start = c->off;
			seq = c->seq;
			n = 0;
			/* the chain again, from its first rule */
			nl = body - 1;
			continue;
		}
		if ((r = bulk_rule_new(table, name, l, (size_t)(nl - l))) ==
		    NULL) {
			c->off = start;
			c->seq = seq;
			for (l = body; *l; l = nl + 1) {
				nl = strchr(l, '\n');
				sb_printf(text, "add rule inet %s %s %.*s\n",
				    table, name, (int)(nl - l), l);
			}
			c->ntext++;
			return 0;
		}
		nlh = nftnl_nlmsg_build_hdr(c->buf + c->off, NFT_MSG_NEWRULE,
		    NFPROTO_INET, NLM_F_CREATE | NLM_F_APPEND, c->seq++);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
		c->off += nlh->nlmsg_len;
		n++;
	}
	c->nrule += n;
	return 0;
}

/*
 * The rules of the picked chains, by libnftnl in transactions, and the
 * text of the chains that cannot go so into text.  The chains with no
 * jump go first: the kernel validates, at each commit, what the base
 * chains reach, and it reaches the buckets through the chains that jump.
 */
static int
bulk_rules(const struct nftm *m, const char *table, const struct bulk *b,
    struct bulk_chunk *c, struct sb *text, struct sb *err)
{
	const char *env = getenv("QSAFE_HOSTD_BULK_CHUNK"), *name;
	json_t *v;

	/* tests: smaller transactions, to have several of a few rules */
	c->cap = env ? strtoul(env, NULL, 10) : 0;
	if (c->cap < 4 * BULK_RULE_MAX)
		c->cap = env ? 4 * BULK_RULE_MAX : BULK_CHUNK;
	c->buf = xmalloc(c->cap);
	c->seq = (uint32_t)time(NULL);
	bulk_chunk_begin(c);
	for (int jumps = 0; jumps < 2; jumps++)
		json_object_foreach(b->chains, name, v)
		{
			const char *body = nftm_chain_body(m, name);
			if ((strstr(body, "jump ") != NULL) != jumps)
				continue;
			if (bulk_chain(c, table, name, body, text, err) == -1)
				return -1;
		}
	return bulk_chunk_send(c, table, err);
}

/* Table drop deleted, at at: its length. */
static size_t
bulk_drop_msg(void *at, const char *drop, uint32_t seq)
{
	struct nftnl_table *t;
	struct nlmsghdr *nlh;

	if ((t = nftnl_table_alloc()) == NULL)
		abort(); /* libnftnl: out of memory */
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, drop);
	nlh = nftnl_nlmsg_build_hdr(at, NFT_MSG_DELTABLE, NFPROTO_INET, 0, seq);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	return nlh->nlmsg_len;
}

/*
 * The wake and (a swap) the table in force deleted, one transaction: the
 * kernel hooks the woken table's base chains as it reads the batch and
 * unhooks the deleted one's when it commits, so until then a packet
 * passes both (both must accept it), never neither; if either message
 * fails, neither is done.  The wake goes last: its ack ends the batch.
 */
int
bulk_wake(struct hostd *h, const char *table, const char *drop, struct sb *err)
{
	char buf[4096];
	struct mnl_nlmsg_batch *batch = mnl_nlmsg_batch_start(buf, sizeof(buf));
	uint32_t seq = (uint32_t)time(NULL);
	int rc;

	(void)h;
	if (batch == NULL)
		return -1;
	nftnl_batch_begin(mnl_nlmsg_batch_current(batch), seq++);
	mnl_nlmsg_batch_next(batch);
	if (drop != NULL) {
		bulk_drop_msg(mnl_nlmsg_batch_current(batch), drop, seq++);
		mnl_nlmsg_batch_next(batch);
	}
	bulk_table_msg(mnl_nlmsg_batch_current(batch), table, 0, seq++);
	mnl_nlmsg_batch_next(batch);
	nftnl_batch_end(mnl_nlmsg_batch_current(batch), seq++);
	mnl_nlmsg_batch_next(batch);
	rc = bulk_send(
	    mnl_nlmsg_batch_head(batch), mnl_nlmsg_batch_size(batch), err);
	mnl_nlmsg_batch_stop(batch);
	return rc;
}

int
bulk_load(struct hostd *h, const char *table, const struct nftm *m,
    const char *text, const json_t *carry, bool wake, struct sb *err)
{
	struct bulk b = {
		.sets = json_object(),
		.table = table,
		.chains = json_object(),
		.carry = carry,
	};
	struct bulk_chunk c = { 0 };
	struct mnl_nlmsg_batch *batch = NULL;
	struct sb bare, rest;
	char *buf = NULL;
	size_t cap;
	int rc = 1;
	/* CPU ms: start, text, loaded, rules, their text, batch, sent */
	int64_t t[7];

	t[0] = clock_cpu_ms();
	sb_init(&bare);
	sb_init(&rest);
	nftm_each_set(m, bulk_pick, &b);
	nftm_each_chain(m, bulk_pick_chain, &b);
	if (b.nrule < BULK_RULES) {
		json_object_clear(b.chains);
		b.nrule = 0;
	}
	if ((b.n == 0 && b.nrule == 0) || strstr(text, "\ntable inet ") == NULL)
		goto done; /* nothing large: the text as it is */
	rc = -1;
	bulk_text(text, &b, &bare);
	t[1] = clock_cpu_ms();
	if (policy_load(h, sb_str(&bare), false, err) == -1)
		goto done;
	t[2] = clock_cpu_ms();
	if (b.nrule > 0 && bulk_rules(m, table, &b, &c, &rest, err) == -1)
		goto done;
	t[3] = clock_cpu_ms();
	if (rest.len > 0 && policy_load(h, sb_str(&rest), false, err) == -1)
		goto done;
	t[4] = clock_cpu_ms();
	cap = b.n * BULK_ELEM + 4 * BULK_MSG;
	buf = xmalloc(cap);
	if ((batch = mnl_nlmsg_batch_start(buf, cap)) == NULL ||
	    bulk_batch(m, table, &b, wake, batch, cap, err) == -1)
		goto done;
	t[5] = clock_cpu_ms();
	if (bulk_send(mnl_nlmsg_batch_head(batch), mnl_nlmsg_batch_size(batch),
		err) == -1)
		goto done;
	t[6] = clock_cpu_ms();
	log_info("nftables: %zu elements of %zu large sets and %zu rules of"
		 " %zu chains loaded by libnftnl (%zu transactions, the last"
		 " %zu bytes; %zu chains' rules as text)%s, ms of CPU: dormant"
		 " text %lld, its load %lld, rules %lld (of it their commits"
		 " %lld), rules as text %lld, elements %lld, their commit %lld",
	    b.n, json_object_size(b.sets), c.nrule,
	    json_object_size(b.chains) - c.ntext, c.sent + 1,
	    mnl_nlmsg_batch_size(batch), c.ntext,
	    wake ? "" : ", the table dormant", (long long)(t[1] - t[0]),
	    (long long)(t[2] - t[1]), (long long)(t[3] - t[2]),
	    (long long)c.kernel, (long long)(t[4] - t[3]),
	    (long long)(t[5] - t[4]), (long long)(t[6] - t[5]));
	rc = 0;
done:
	if (batch != NULL)
		mnl_nlmsg_batch_stop(batch);
	free(buf);
	free(c.buf);
	json_decref(b.sets);
	json_decref(b.chains);
	sb_free(&bare);
	sb_free(&rest);
	return rc;
}
