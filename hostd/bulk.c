/*
 * bulk: the first load of a table with large interface sets, without
 * libnftables parsing their elements.
 *
 * At 50,000 zone interfaces the table holds 50,000 elements of the map
 * zone_in (and as many in zif_<zone> when global policies name the zones),
 * and libnftables spends longer parsing and evaluating their text than the
 * kernel spends inserting them.  When no table of this
 * appliance is in the kernel (hostd knows it: it removed it or found none), the
 * table is loaded in two transactions that leave the host as it was before any
 * table until the second one commits:
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
 * The rules of the chains that are not base chains go the same way when
 * there are BULK_RULES of them or more (40,000 policies in 1,250 bucket
 * chains: libnftables spent most of hostd's load parsing them): the
 * dormant text declares those chains empty and the batch appends their
 * rules, built by bulk_rule.c, before the wake.  A chain with a rule of
 * a form bulk_rule.c does not build keeps its rules in the text.
 *
 * Anything else (a restart that replaces a table in force, a change,
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

#define BULK_MIN 1024	   /* elements from which a set goes by libnftnl */
#define BULK_ELEM 128	   /* batch bytes an element takes at most */
#define BULK_MSG 131072	   /* room for one message (its nest: < 64 KiB) */
#define BULK_KEY 16	   /* IFNAMSIZ: the length of an ifname key */
#define BULK_RULES 256	   /* rules from which chains go by libnftnl */
#define BULK_RULE 1024	   /* batch bytes a rule takes on average, at most */
#define BULK_RULE_MAX 4096 /* room for one rule (bulk_rule.c: 16 exprs) */
#define BULK_NEST 65000	   /* a message of elements: its nest's length */
#define BULK_CHAIN 64	   /* a jump's chain name: hostd's are shorter */

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
	json_t *chains; /* the chains whose rules go by libnftnl */
	size_t nrule;	/* their rules */
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
 * A chain that is not a base chain, when bulk_rule.c builds each of its
 * rules: its name into b->chains.  The rules are built again, one at a
 * time, into the batch (bulk_batch): 40,000 rule objects kept cost more
 * in page faults (fresh heap) than building them twice.
 */
static void
bulk_pick_chain(const char *name, const char *hook, const char *body, void *arg)
{
	struct bulk *b = arg;
	const char *l, *nl;
	size_t n = 0;

	if (hook != NULL || *body == '\0')
		return;
	for (l = body; *l; l = nl + 1, n++) {
		struct nftnl_rule *r;
		nl = strchr(l, '\n');
		if ((r = bulk_rule_new(b->table, name, l, (size_t)(nl - l))) ==
		    NULL)
			return;
		nftnl_rule_free(r);
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

/* The table's flags (0: awake), the last message of a batch: its ack
 * says the whole batch went in. */
static void
bulk_table_msg(struct mnl_nlmsg_batch *batch, const char *table, uint32_t flags,
    uint32_t seq)
{
	struct nftnl_table *t;
	struct nlmsghdr *nlh;

	if ((t = nftnl_table_alloc()) == NULL)
		return;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, flags);
	nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(batch),
	    NFT_MSG_NEWTABLE, NFPROTO_INET, NLM_F_ACK, seq);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	mnl_nlmsg_batch_next(batch);
}

/* The elements of the picked sets and the table's flags, as one batch. */
static int
bulk_batch(const struct nftm *m, const char *table, struct bulk *b, bool wake,
    struct mnl_nlmsg_batch *batch, size_t cap, struct sb *err)
{
	uint32_t seq = (uint32_t)time(NULL);
	struct nlmsghdr *nlh;
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
	json_object_foreach(b->chains, name, v)
	{
		const char *l = nftm_chain_body(m, name), *nl;
		struct nftnl_rule *r;
		for (; l != NULL && *l; l = nl + 1) {
			nl = strchr(l, '\n');
			if (mnl_nlmsg_batch_size(batch) + BULK_RULE_MAX > cap ||
			    (r = bulk_rule_new(
				 table, name, l, (size_t)(nl - l))) == NULL) {
				sb_printf(err,
				    "chain %s: a rule that did not fit the"
				    " batch",
				    name);
				return -1;
			}
			nlh = nftnl_nlmsg_build_hdr(
			    mnl_nlmsg_batch_current(batch), NFT_MSG_NEWRULE,
			    NFPROTO_INET, NLM_F_CREATE | NLM_F_APPEND, seq++);
			nftnl_rule_nlmsg_build_payload(nlh, r);
			nftnl_rule_free(r);
			mnl_nlmsg_batch_next(batch);
		}
	}
	/* dormant: nothing changes, but its ack ends the batch */
	bulk_table_msg(batch, table, wake ? 0 : NFT_TABLE_F_DORMANT, seq++);
	nftnl_batch_end(mnl_nlmsg_batch_current(batch), seq++);
	mnl_nlmsg_batch_next(batch);
	return 0;
}

/* Sends the batch (one datagram: the kernel commits it whole). */
static int
bulk_send(struct mnl_nlmsg_batch *batch, struct sb *err)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int one = 1, size = (int)mnl_nlmsg_batch_size(batch) + 65536, rc = -1;

	if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		sb_printf(err, "nfnetlink: %s", strerror(errno));
		goto done;
	}
	/* errors without the request they answer; a send buffer the size of
	 * the batch (root: SO_SNDBUFFORCE) */
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE, &size,
		sizeof(size)) == -1 ||
	    mnl_socket_sendto(nl, mnl_nlmsg_batch_head(batch),
		mnl_nlmsg_batch_size(batch)) < 0) {
		sb_printf(err, "nfnetlink: %s", strerror(errno));
		goto done;
	}
	rc = bulk_answer(nl, err);
done:
	if (nl != NULL)
		mnl_socket_close(nl);
	return rc;
}

int
bulk_wake(struct hostd *h, struct sb *err)
{
	char buf[4096];
	struct mnl_nlmsg_batch *batch = mnl_nlmsg_batch_start(buf, sizeof(buf));
	uint32_t seq = (uint32_t)time(NULL);
	int rc;

	if (batch == NULL)
		return -1;
	nftnl_batch_begin(mnl_nlmsg_batch_current(batch), seq++);
	mnl_nlmsg_batch_next(batch);
	bulk_table_msg(batch, h->table, 0, seq++);
	nftnl_batch_end(mnl_nlmsg_batch_current(batch), seq++);
	mnl_nlmsg_batch_next(batch);
	rc = bulk_send(batch, err);
	mnl_nlmsg_batch_stop(batch);
	return rc;
}

int
bulk_load(struct hostd *h, const struct nftm *m, const char *text, bool wake,
    struct sb *err)
{
	struct bulk b = {
		.sets = json_object(),
		.table = h->table,
		.chains = json_object(),
	};
	struct mnl_nlmsg_batch *batch = NULL;
	struct sb bare;
	char *buf = NULL;
	size_t cap;
	int rc = 1;
	int64_t t[5]; /* CPU ms: start, text, loaded, batch, sent */

	t[0] = clock_cpu_ms();
	sb_init(&bare);
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
	cap = b.n * BULK_ELEM + b.nrule * BULK_RULE + 4 * BULK_MSG +
	    BULK_RULE_MAX;
	buf = xmalloc(cap);
	if ((batch = mnl_nlmsg_batch_start(buf, cap)) == NULL ||
	    bulk_batch(m, h->table, &b, wake, batch, cap, err) == -1)
		goto done;
	t[3] = clock_cpu_ms();
	if (bulk_send(batch, err) == -1)
		goto done;
	t[4] = clock_cpu_ms();
	log_info(
	    "nftables: %zu elements of %zu large sets and %zu rules of"
	    " %zu chains loaded by libnftnl (%zu bytes)%s, ms of CPU:"
	    " dormant text %lld, its load %lld, batch %lld, its commit %lld",
	    b.n, json_object_size(b.sets), b.nrule, json_object_size(b.chains),
	    mnl_nlmsg_batch_size(batch), wake ? "" : ", the table dormant",
	    (long long)(t[1] - t[0]), (long long)(t[2] - t[1]),
	    (long long)(t[3] - t[2]), (long long)(t[4] - t[3]));
	rc = 0;
done:
	if (batch != NULL)
		mnl_nlmsg_batch_stop(batch);
	free(buf);
	json_decref(b.sets);
	json_decref(b.chains);
	sb_free(&bare);
	return rc;
}
