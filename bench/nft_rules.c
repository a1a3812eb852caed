/*
 * nft_rules: what the kernel's nf_tables costs per rule, by the rule's
 * shape (docs/benchmarks.md, twenty-eighth round).  Run by nft_rules.sh in
 * a namespace of its own, after it made table inet rcb: a chain ctx that
 * jumps to chains b0..bN-1, reached from a base chain (forward) once or
 * through a verdict map of several interfaces.
 *
 *   nft_rules SHAPE RULES ONELINERS
 *
 * loads RULES rules of SHAPE into the buckets (32 a chain, in
 * transactions of about 1 MB, as hostd/bulk.c sends them), then makes
 * ONELINERS transactions that each refill one bucket (its rules deleted,
 * 32 added: what hostd sends for a one-line policy change).  Prints the
 * CPU time this process spent (user + system: the kernel's commit runs in
 * the sender's context; what it defers to a worker, the freeing of the old
 * rules, is not in it).
 *
 * Shapes (the expressions of a rule; each has the comment hostd tags its
 * policies with, but nocomment):
 *   hostd      meta nfproto ipv4 ip saddr 10.a.b.0/24 tcp dport 443
 *              counter accept  (10: hostd's policy rule at 956f9a3)
 *   nocomment  the same without the comment (userdata)
 *   nofamily   without meta nfproto: its chain tells the family (8)
 *   noproto    without meta nfproto and meta l4proto (6: not exact, the
 *              port's protocol unchecked: shows what 2 expressions cost)
 *   verdict    counter accept (2)
 *   noverdict  ip saddr 10.a.b.0/24 counter (3: no immediate, no meta:
 *              no expression with a validate callback)
 *   elements   no rule a policy: RULES elements 10.a.b.0/25 of an
 *              interval set with a counter each (nft_rules.sh declares
 *              set s and one rule that looks it up); a change deletes
 *              one element and adds another (the design of policies as
 *              set elements, docs/benchmarks.md)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/in.h>

#include "bench_stats.h"

#define TABLE "rcb"
#define BUCKET 32	    /* rules a chain (hostd: about 32 policies) */
#define CHUNK (1 << 20)	    /* bytes of a load's transaction */
#define ROOM (CHUNK + 8192) /* one rule more than a chunk, at most */

static const char *shape;
static struct mnl_socket *nl;
static uint32_t seq;

static void
die(const char *what)
{
	fprintf(stderr, "nft_rules: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct nftnl_expr *
expr(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (e == NULL)
		die("nftnl_expr_alloc");
	nftnl_rule_add_expr(r, e);
	return e;
}

static void
meta_eq(struct nftnl_rule *r, uint32_t key, uint8_t v)
{
	struct nftnl_expr *e = expr(r, "meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	e = expr(r, "cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &v, 1);
}

static void
payload_eq(struct nftnl_rule *r, uint32_t base, uint32_t off, const void *v,
    uint32_t len)
{
	struct nftnl_expr *e = expr(r, "payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	e = expr(r, "cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, v, len);
}

/* Rule i of the shape, as bulk_rule.c builds hostd's (nft 1.0.6's
 * linearization of the same text). */
static struct nftnl_rule *
rule(const char *chain, long i)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint8_t net[3] = { 10, (uint8_t)(1 + (i / 256) % 250),
		(uint8_t)(i % 256) };
	uint16_t port = htons(443);
	bool all =
	    strcmp(shape, "hostd") == 0 || strcmp(shape, "nocomment") == 0;
	struct nftnl_expr *e;

	if (r == NULL)
		die("nftnl_rule_alloc");
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	if (all)
		meta_eq(r, NFT_META_NFPROTO, NFPROTO_IPV4);
	if (all || strcmp(shape, "nofamily") == 0 ||
	    strcmp(shape, "noproto") == 0 || strcmp(shape, "noverdict") == 0)
		payload_eq(r, NFT_PAYLOAD_NETWORK_HEADER, 12, net, 3);
	if (all || strcmp(shape, "nofamily") == 0)
		meta_eq(r, NFT_META_L4PROTO, IPPROTO_TCP);
	if (all || strcmp(shape, "nofamily") == 0 ||
	    strcmp(shape, "noproto") == 0)
		payload_eq(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, &port, 2);
	expr(r, "counter");
	if (strcmp(shape, "noverdict") != 0) {
		e = expr(r, "immediate");
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
	}
	if (strcmp(shape, "nocomment") != 0) {
		char tag[32];
		struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(64);
		snprintf(tag, sizeof(tag), "p_%016lx", (unsigned long)i * 7919);
		if (u == NULL ||
		    !nftnl_udata_put_strz(u, NFTNL_UDATA_RULE_COMMENT, tag))
			die("udata");
		nftnl_rule_set_data(r, NFTNL_RULE_USERDATA,
		    nftnl_udata_buf_data(u), nftnl_udata_buf_len(u));
		nftnl_udata_buf_free(u);
	}
	return r;
}

struct txn {
	char *buf;
	size_t off;
};

static void
txn_begin(struct txn *t)
{
	t->off = 0;
	t->off += NLMSG_ALIGN(nftnl_batch_begin(t->buf, seq++)->nlmsg_len);
}

static void
txn_rule(struct txn *t, struct nftnl_rule *r, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(
	    t->buf + t->off, type, NFPROTO_INET, flags, seq++);

	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	t->off += NLMSG_ALIGN(nlh->nlmsg_len);
}

/* Ends the transaction with a message that asks for an ack (the table
 * again, changing nothing), sends it and reads the answers: the kernel
 * commits the batch before it answers. */
static void
txn_commit(struct txn *t)
{
	char ans[16384];
	struct nlmsghdr *nlh;
	ssize_t n;
	int rc;

	nlh = nftnl_nlmsg_build_hdr(
	    t->buf + t->off, NFT_MSG_NEWTABLE, NFPROTO_INET, NLM_F_ACK, seq++);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, TABLE);
	t->off += NLMSG_ALIGN(nlh->nlmsg_len);
	t->off +=
	    NLMSG_ALIGN(nftnl_batch_end(t->buf + t->off, seq++)->nlmsg_len);
	if (mnl_socket_sendto(nl, t->buf, t->off) < 0)
		die("sendto");
	for (;;) {
		if ((n = mnl_socket_recvfrom(nl, ans, sizeof(ans))) <= 0)
			die("recvfrom");
		rc = mnl_cb_run(
		    ans, (size_t)n, 0, mnl_socket_get_portid(nl), NULL, NULL);
		if (rc == MNL_CB_ERROR)
			die("the kernel refused the transaction");
		if (rc == MNL_CB_STOP)
			return;
	}
}

/* Element i of set s (10.a.b.0/25: a start and an end, apart from its
 * neighbours), added or deleted, in one message. */
static void
txn_elem(struct txn *t, long i, bool del)
{
	struct nftnl_set *s = nftnl_set_alloc();
	uint8_t k[2][4] = {
		{ 10, (uint8_t)(1 + (i / 256) % 250), (uint8_t)(i % 256), 0 },
		{ 10, (uint8_t)(1 + (i / 256) % 250), (uint8_t)(i % 256), 128 }
	};
	struct nlmsghdr *nlh;

	if (s == NULL)
		die("nftnl_set_alloc");
	nftnl_set_set_str(s, NFTNL_SET_TABLE, TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, "s");
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	for (int j = 0; j < 2; j++) {
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();
		if (e == NULL)
			die("nftnl_set_elem_alloc");
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, k[j], 4);
		if (j == 1)
			nftnl_set_elem_set_u32(
			    e, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
		nftnl_set_elem_add(s, e);
	}
	nlh = nftnl_nlmsg_build_hdr(t->buf + t->off,
	    del ? NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM, NFPROTO_INET,
	    NLM_F_CREATE, seq++);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	t->off += NLMSG_ALIGN(nlh->nlmsg_len);
}

int
main(int argc, char **argv)
{
	struct txn t;
	long rules, oneliners, nexpr = 0;
	char chain[32];
	double t0, load, *one;
	int size = 64 << 20;

	if (argc != 4) {
		fprintf(stderr, "usage: nft_rules SHAPE RULES ONELINERS\n");
		return 2;
	}
	shape = argv[1];
	rules = strtol(argv[2], NULL, 10);
	oneliners = strtol(argv[3], NULL, 10);
	if (rules < BUCKET || oneliners < 1)
		return 2;
	if ((t.buf = malloc(ROOM)) == NULL ||
	    (one = calloc((size_t)oneliners, sizeof(*one))) == NULL)
		die("malloc");
	if ((nl = mnl_socket_open(NETLINK_NETFILTER)) == NULL ||
	    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("nfnetlink");
	setsockopt(
	    mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	{
		struct nftnl_rule *r = rule("x", 0);
		struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
		while (nftnl_expr_iter_next(it) != NULL)
			nexpr++;
		nftnl_expr_iter_destroy(it);
		nftnl_rule_free(r);
	}
	seq = (uint32_t)time(NULL);
	if (strcmp(shape, "elements") == 0) {
		t0 = cpu_ms();
		txn_begin(&t);
		for (long i = 0; i < rules; i++) {
			txn_elem(&t, i, false);
			if (t.off > CHUNK) {
				txn_commit(&t);
				txn_begin(&t);
			}
		}
		txn_commit(&t);
		load = cpu_ms() - t0;
		for (long k = 0; k < oneliners; k++) {
			long i = (k * 997) % rules;
			t0 = cpu_ms();
			txn_begin(&t);
			txn_elem(&t, i, true);
			txn_elem(&t, rules + k, false); /* its new address */
			txn_commit(&t);
			one[k] = cpu_ms() - t0;
			/* back as it was, outside the figure */
			txn_begin(&t);
			txn_elem(&t, rules + k, true);
			txn_elem(&t, i, false);
			txn_commit(&t);
		}
		nexpr = 0;
		goto print;
	}
	t0 = cpu_ms();
	txn_begin(&t);
	for (long i = 0; i < rules; i++) {
		snprintf(chain, sizeof(chain), "p_b%ld", i / BUCKET);
		txn_rule(&t, rule(chain, i), NFT_MSG_NEWRULE,
		    NLM_F_CREATE | NLM_F_APPEND);
		if (t.off > CHUNK) {
			txn_commit(&t);
			txn_begin(&t);
		}
	}
	txn_commit(&t);
	load = cpu_ms() - t0;
	for (long k = 0; k < oneliners; k++) {
		long b =
		    (k * 37) % (rules / BUCKET); /* spread over the table */
		struct nftnl_rule *r = nftnl_rule_alloc();
		snprintf(chain, sizeof(chain), "p_b%ld", b);
		t0 = cpu_ms();
		txn_begin(&t);
		nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, TABLE);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
		txn_rule(&t, r, NFT_MSG_DELRULE, 0); /* flush the chain */
		for (long i = b * BUCKET; i < (b + 1) * BUCKET; i++)
			txn_rule(&t, rule(chain, i), NFT_MSG_NEWRULE,
			    NLM_F_CREATE | NLM_F_APPEND);
		txn_commit(&t);
		one[k] = cpu_ms() - t0;
	}
print:
	bench_sort(one, (size_t)oneliners);
	printf("shape %-9s exprs %ld rules %ld: load cpu %.0f ms (%.2f us a "
	       "rule); refill of a bucket cpu ms: median %.2f min %.2f max "
	       "%.2f (%ld)\n",
	    shape, nexpr, rules, load, load * 1e3 / (double)rules,
	    one[oneliners / 2], one[0], one[oneliners - 1], oneliners);
	mnl_socket_close(nl);
	free(one);
	free(t.buf);
	return 0;
}
