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
 * their rules, built by bulk_rule.c, go in transactions of about 1 MB
 * that leave the table dormant (bulk_pipe.c: a thread builds the next
 * while hostd's thread sends one, the first beside the load of step 1).
 * A chain with a rule of a form bulk_rule.c does not build has its rules
 * loaded as text (`add rule`) after them.  A load that fails after step
 * 1 deletes the table (bulk_unload): none is left half loaded.
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

#include "hostd/bulk_int.h"
#include "hostd/hostd.h"
#include "lib/clock.h"
#include "lib/log.h"

#define BULK_MIN 1024	/* elements from which a set goes by libnftnl */
#define BULK_ELEM 128	/* batch bytes an element takes at most */
#define BULK_MSG 131072 /* room for one message (its nest: < 64 KiB) */
#define BULK_KEY 16	/* IFNAMSIZ: the length of an ifname key */
#define BULK_RULES 256	/* rules from which chains go by libnftnl */
#define BULK_NEST 65000 /* a message of elements: its nest's length */
#define BULK_CHAIN 64	/* a jump's chain name: hostd's are shorter */

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
			sb_printf(err, "nftables refused a transaction: %s",
			    strerror(errno));
			return -1;
		}
		if (rc == MNL_CB_STOP)
			return 0; /* the table's ack: all went in */
	}
}

size_t
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

int
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

/* Table drop deleted, at at (ack: the last message): its length. */
static size_t
bulk_drop_msg(void *at, const char *drop, bool ack, uint32_t seq)
{
	struct nftnl_table *t;
	struct nlmsghdr *nlh;

	if ((t = nftnl_table_alloc()) == NULL)
		abort(); /* libnftnl: out of memory */
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, drop);
	nlh = nftnl_nlmsg_build_hdr(
	    at, NFT_MSG_DELTABLE, NFPROTO_INET, ack ? NLM_F_ACK : 0, seq);
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
		bulk_drop_msg(
		    mnl_nlmsg_batch_current(batch), drop, false, seq++);
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

/*
 * What a failed load left of table deleted: the transactions that went
 * in before the one refused (a table half loaded, dormant) are not left
 * for the text load that follows, or for a commit never applied.
 */
static void
bulk_unload(const char *table)
{
	char buf[1024];
	uint32_t seq = (uint32_t)time(NULL);
	size_t len;
	struct sb err;

	sb_init(&err);
	len = nftnl_batch_begin(buf, seq++)->nlmsg_len;
	len += bulk_drop_msg(buf + len, table, true, seq++);
	len += nftnl_batch_end(buf + len, seq++)->nlmsg_len;
	if (bulk_send(buf, len, &err) == -1)
		log_warn("table inet %s, half loaded, not deleted: %s", table,
		    sb_str(&err));
	sb_free(&err);
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
	struct bulk_pipe *pipe = NULL;
	struct bulk_pipe_stats st = { 0 };
	struct mnl_nlmsg_batch *batch = NULL;
	struct sb bare, rest;
	char *buf = NULL;
	size_t cap;
	int rc = 1;
	bool made = false; /* the table is in the kernel, dormant */
	/* CPU ms of hostd's thread: start, text, loaded, rules, their text,
	 * batch, sent; wall ms of the rules */
	int64_t t[7], wall;

	t[0] = clock_thread_cpu_ms();
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
	t[1] = clock_thread_cpu_ms();
	/* the rules' building begins beside the dormant text's load */
	if (b.nrule > 0 &&
	    (pipe = bulk_pipe_start(m, table, b.chains, err)) == NULL)
		goto done;
	if (policy_load(h, sb_str(&bare), false, err) == -1)
		goto done;
	made = true;
	t[2] = clock_thread_cpu_ms();
	wall = clock_mono_ms();
	if (pipe != NULL) {
		int r = bulk_pipe_end(pipe, true, &rest, &st, err);
		pipe = NULL;
		if (r == -1)
			goto done;
	}
	wall = clock_mono_ms() - wall;
	t[3] = clock_thread_cpu_ms();
	if (rest.len > 0 && policy_load(h, sb_str(&rest), false, err) == -1)
		goto done;
	t[4] = clock_thread_cpu_ms();
	cap = b.n * BULK_ELEM + 4 * BULK_MSG;
	buf = xmalloc(cap);
	if ((batch = mnl_nlmsg_batch_start(buf, cap)) == NULL ||
	    bulk_batch(m, table, &b, wake, batch, cap, err) == -1)
		goto done;
	t[5] = clock_thread_cpu_ms();
	if (bulk_send(mnl_nlmsg_batch_head(batch), mnl_nlmsg_batch_size(batch),
		err) == -1)
		goto done;
	t[6] = clock_thread_cpu_ms();
	log_info("nftables: %zu elements of %zu large sets and %zu rules of"
		 " %zu chains loaded by libnftnl (%zu transactions, the last"
		 " %zu bytes; %zu chains' rules as text)%s, ms of hostd's"
		 " thread's CPU: dormant text %lld, its load %lld, rules %lld"
		 " (of it their commits %lld; in %lld ms, of which %lld waiting"
		 " for the builder, whose thread built them in %lld ms of CPU),"
		 " rules as text %lld, elements %lld, their commit %lld",
	    b.n, json_object_size(b.sets), st.nrule,
	    json_object_size(b.chains) - st.ntext, st.sent + 1,
	    mnl_nlmsg_batch_size(batch), st.ntext,
	    wake ? "" : ", the table dormant", (long long)(t[1] - t[0]),
	    (long long)(t[2] - t[1]), (long long)(t[3] - t[2]),
	    (long long)st.kernel, (long long)wall, (long long)st.waited,
	    (long long)st.built, (long long)(t[4] - t[3]),
	    (long long)(t[5] - t[4]), (long long)(t[6] - t[5]));
	rc = 0;
done:
	if (pipe != NULL) /* the dormant text failed: the rules are not sent */
		bulk_pipe_end(pipe, false, &rest, &st, err);
	if (rc == -1 && made)
		bulk_unload(table);
	if (batch != NULL)
		mnl_nlmsg_batch_stop(batch);
	free(buf);
	json_decref(b.sets);
	json_decref(b.chains);
	sb_free(&bare);
	sb_free(&rest);
	return rc;
}
