/*
 * hostd/policy_count: the counts read by nfnetlink dumps, against a fake
 * netfilter socket.  The test defines libmnl's socket functions itself
 * (the link seam: policy_count.c calls them, the rest of libmnl is the
 * real one), and answers each dump request from a small table built with
 * libnftnl, as the kernel would: a named counter, two chains, their
 * rules' counters (one tagged).  A dump can be answered marked
 * interrupted (NLM_F_DUMP_INTR: the ruleset changed meanwhile) or its
 * first read fail with EINTR or another error, the socket not open, the
 * table not there.  Checks: an interrupted dump is read again and the
 * counts are those of one reading; interrupted in every reading,
 * policy_counters gives no counts (NULL) and logs why, not the half it
 * read; with no socket or a failed dump, no counts either (an empty
 * answer would show as no hits) and why; no table, nothing counted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "hostd/hostd.h"
#include "lib/log.h"
#include "tests/lib/check_main.h"

#define FAKE_PORTID 4242
#define FAKE_TABLE "qsafe_t"

/* ---- the fake socket ---------------------------------------------- */

struct mnl_socket {
	int unused;
};

static struct fake {
	struct mnl_socket sock;
	int dumps;	     /* requests answered so far */
	unsigned intr_mask;  /* bit n: dump n answered interrupted */
	unsigned eintr_mask; /* bit n: dump n's first read fails, EINTR */
	unsigned fail_mask;  /* bit n: dump n's read fails, ENOBUFS */
	int open_errno;	     /* the socket cannot be opened: this errno */
	bool no_table;	     /* every dump answered ENOENT */
	bool eintr_done;     /* the EINTR of the current dump was given */
	uint16_t cmd;	     /* the current request's NFT_MSG_GET* */
	uint32_t seq;	     /* and its sequence number */
	char chain[64];	     /* a rule dump's chain */
	bool pending;	     /* a request sent, its answer not yet read */
} F;

struct mnl_socket *
mnl_socket_open(int bus)
{
	if (F.open_errno != 0) {
		errno = F.open_errno;
		return NULL;
	}
	return bus == NETLINK_NETFILTER ? &F.sock : NULL;
}

int
mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid)
{
	return 0;
}

unsigned int
mnl_socket_get_portid(const struct mnl_socket *nl)
{
	return FAKE_PORTID;
}

int
mnl_socket_close(struct mnl_socket *nl)
{
	return 0;
}

static int
fake_attr(const struct nlattr *a, void *arg)
{
	const struct nlattr **tb = arg;

	if (mnl_attr_get_type(a) <= NFTA_RULE_MAX)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

ssize_t
mnl_socket_sendto(const struct mnl_socket *nl, const void *req, size_t len)
{
	const struct nlmsghdr *nlh = req;
	const struct nlattr *tb[NFTA_RULE_MAX + 1] = { 0 };

	F.cmd = NFNL_MSG_TYPE(nlh->nlmsg_type);
	F.seq = nlh->nlmsg_seq;
	F.chain[0] = '\0';
	if (F.cmd == NFT_MSG_GETRULE) {
		mnl_attr_parse(nlh, sizeof(struct nfgenmsg), fake_attr, tb);
		if (tb[NFTA_RULE_CHAIN] != NULL)
			snprintf(F.chain, sizeof(F.chain), "%s",
			    mnl_attr_get_str(tb[NFTA_RULE_CHAIN]));
	}
	F.pending = true;
	F.eintr_done = false;
	return (ssize_t)len;
}

/* The header of the next message of the answer at buf + *off. */
static struct nlmsghdr *
fake_hdr(char *buf, size_t *off, uint16_t cmd, bool intr)
{
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(
	    buf + *off, cmd, NFPROTO_INET, NLM_F_MULTI, F.seq);

	nlh->nlmsg_pid = FAKE_PORTID;
	if (intr)
		nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
	return nlh;
}

static void
fake_obj(char *buf, size_t *off, bool intr, const char *name, uint64_t pk,
    uint64_t by)
{
	struct nlmsghdr *nlh = fake_hdr(buf, off, NFT_MSG_NEWOBJ, intr);
	struct nftnl_obj *o = nftnl_obj_alloc();

	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, FAKE_TABLE);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_PKTS, pk);
	nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_BYTES, by);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	*off += nlh->nlmsg_len;
}

static void
fake_chain(char *buf, size_t *off, bool intr, const char *name)
{
	struct nlmsghdr *nlh = fake_hdr(buf, off, NFT_MSG_NEWCHAIN, intr);
	struct nftnl_chain *c = nftnl_chain_alloc();

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, FAKE_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	*off += nlh->nlmsg_len;
}

/* A rule of chain with a counter, tagged `comment "tag"` unless NULL. */
static void
fake_rule(char *buf, size_t *off, bool intr, const char *chain, const char *tag,
    uint64_t pk, uint64_t by)
{
	struct nlmsghdr *nlh = fake_hdr(buf, off, NFT_MSG_NEWRULE, intr);
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr *e = nftnl_expr_alloc("counter");

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FAKE_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_PACKETS, pk);
	nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_BYTES, by);
	nftnl_rule_add_expr(r, e);
	if (tag != NULL) {
		struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(256);
		nftnl_udata_put_strz(u, NFTNL_UDATA_RULE_COMMENT, tag);
		nftnl_rule_set_data(r, NFTNL_RULE_USERDATA,
		    nftnl_udata_buf_data(u), nftnl_udata_buf_len(u));
		nftnl_udata_buf_free(u);
	}
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	*off += nlh->nlmsg_len;
}

/* The kernel's answer to a dump of a table that is not there. */
static void
fake_enoent(char *buf, size_t *off)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + *off);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = F.seq;
	nlh->nlmsg_pid = FAKE_PORTID;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -ENOENT;
	*off += nlh->nlmsg_len;
}

static void
fake_done(char *buf, size_t *off, bool intr)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + *off);

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | (intr ? NLM_F_DUMP_INTR : 0);
	nlh->nlmsg_seq = F.seq;
	nlh->nlmsg_pid = FAKE_PORTID;
	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = 0;
	*off += nlh->nlmsg_len;
}

/*
 * The whole answer to the request sent, in one read: the table has the
 * named counter c_a (5, 500), chains ch1 and ch2; ch1 a rule tagged p_x
 * (1, 100) and an untagged one (2, 200), ch2 an untagged rule (3, 300).
 * An interrupted dump is marked from its first message on, and its
 * counts are not the table's (a ruleset in change): read, they would
 * show.
 */
ssize_t
mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t size)
{
	bool intr = F.intr_mask & (1u << F.dumps);
	uint64_t k = intr ? 1000 : 1;
	size_t off = 0;

	if (!F.pending) {
		errno = EAGAIN;
		return -1;
	}
	if ((F.eintr_mask & (1u << F.dumps)) && !F.eintr_done) {
		F.eintr_done = true;
		errno = EINTR;
		return -1;
	}
	if (F.fail_mask & (1u << F.dumps)) {
		F.pending = false;
		F.dumps++;
		errno = ENOBUFS;
		return -1;
	}
	if (F.no_table) {
		fake_enoent(buf, &off);
		F.pending = false;
		F.dumps++;
		return (ssize_t)off;
	}
	if (F.cmd == NFT_MSG_GETOBJ) {
		fake_obj(buf, &off, intr, "c_a", 5 * k, 500 * k);
	} else if (F.cmd == NFT_MSG_GETCHAIN) {
		fake_chain(buf, &off, intr, "ch1");
		fake_chain(buf, &off, intr, "ch2");
	} else if (F.cmd == NFT_MSG_GETRULE && strcmp(F.chain, "ch1") == 0) {
		fake_rule(buf, &off, intr, "ch1", "p_x", 1 * k, 100 * k);
		fake_rule(buf, &off, intr, "ch1", NULL, 2 * k, 200 * k);
	} else if (F.cmd == NFT_MSG_GETRULE && strcmp(F.chain, "ch2") == 0) {
		fake_rule(buf, &off, intr, "ch2", NULL, 3 * k, 300 * k);
	}
	fake_done(buf, &off, intr);
	ck_assert_uint_le(off, size);
	F.pending = false;
	F.dumps++;
	return (ssize_t)off;
}

/* ---- the tests ---------------------------------------------------- */

/* The dumps of one reading of the whole table: the named counters, the
 * chains, and one a chain. */
#define DUMPS_A_READING 4

static struct hostd *H;
static char *logbuf;
static size_t loglen;
static FILE *log_out;

static void
setup(void)
{
	memset(&F, 0, sizeof(F));
	H = calloc(1, sizeof(*H));
	H->active = true;
	snprintf(H->names[0], sizeof(H->names[0]), "%s", FAKE_TABLE);
	H->table = H->names[0];
	log_out = open_memstream(&logbuf, &loglen);
	log_init("test_policy_count", log_out);
}

static void
teardown(void)
{
	log_init("test_policy_count", stderr);
	fclose(log_out);
	free(logbuf);
	free(H);
}

/* Whether out has name's count at pk packets and by bytes. */
static void
assert_count(const json_t *out, const char *name, json_int_t pk, json_int_t by)
{
	const json_t *e = json_object_get(out, name);

	ck_assert_msg(e != NULL, "no count for %s", name);
	ck_assert_int_eq(json_integer_value(json_array_get(e, 0)), pk);
	ck_assert_int_eq(json_integer_value(json_array_get(e, 1)), by);
}

/* The counts of the fake table, each once. */
static void
assert_counts(json_t *out)
{
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(json_object_size(out), 4);
	assert_count(out, "c_a", 5, 500);
	assert_count(out, "p_x", 1, 100);
	assert_count(out, "ch1", 2, 200);
	assert_count(out, "ch2", 3, 300);
}

START_TEST(read_once)
{
	json_t *out = policy_counters(H, NULL, NULL);

	assert_counts(out);
	ck_assert_int_eq(F.dumps, DUMPS_A_READING);
	json_decref(out);
}
END_TEST

/* A dump of the first reading interrupted (_i: the named counters', the
 * chains', a chain's rules'): the whole table is read again, and the
 * counts are those of the second reading alone, not the first's added.
 * (Interrupted before the chains are listed, it lists none: no rule
 * dump follows.) */
START_TEST(interrupted_once)
{
	F.intr_mask = 1u << _i;
	json_t *out = policy_counters(H, NULL, NULL);

	assert_counts(out);
	ck_assert_int_eq(
	    F.dumps, (_i <= 1 ? 2 : DUMPS_A_READING) + DUMPS_A_READING);
	json_decref(out);
}
END_TEST

/* Interrupted once in the last reading allowed: its counts stand. */
START_TEST(interrupted_twice)
{
	F.intr_mask = 1u << 3 | 1u << (DUMPS_A_READING + 2);
	json_t *out = policy_counters(H, NULL, NULL);

	assert_counts(out);
	ck_assert_int_eq(F.dumps, 3 * DUMPS_A_READING);
	json_decref(out);
}
END_TEST

/* Every reading interrupted (the last one in its last dump, when all
 * else was read): no counts, and the log says why. */
START_TEST(interrupted_three_times)
{
	F.intr_mask = 1u << 2 | 1u << (DUMPS_A_READING + 2) |
	    1u << (3 * DUMPS_A_READING - 1);
	json_t *out = policy_counters(H, NULL, NULL);

	ck_assert_ptr_null(out);
	ck_assert_int_eq(F.dumps, 3 * DUMPS_A_READING);
	fflush(log_out);
	ck_assert_msg(
	    strstr(logbuf, "counts not read") != NULL, "log: %s", logbuf);
}
END_TEST

/* Only the chains asked for: one dump a chain, read again when one was
 * interrupted. */
START_TEST(chains_interrupted_once)
{
	json_t *chains = json_pack("{s:b}", "ch2", 1);

	F.intr_mask = 1u << 1;
	json_t *out = policy_counters(H, chains, NULL);

	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(json_object_size(out), 2);
	assert_count(out, "c_a", 5, 500);
	assert_count(out, "ch2", 3, 300);
	ck_assert_int_eq(F.dumps, 4);
	json_decref(out);
	json_decref(chains);
}
END_TEST

/* A read that a signal interrupted (EINTR) is read again: the same
 * dump, not a new one, and nothing counted twice. */
START_TEST(eintr)
{
	F.eintr_mask = 1u << 0 | 1u << 2;
	json_t *out = policy_counters(H, NULL, NULL);

	assert_counts(out);
	ck_assert_int_eq(F.dumps, DUMPS_A_READING);
	json_decref(out);
}
END_TEST

/* The netfilter socket cannot be opened (here: no descriptor left): no
 * counts, and why, for the operator's `hit-count` error. */
START_TEST(no_socket)
{
	struct sb why;

	sb_init(&why);
	F.open_errno = EMFILE;
	json_t *out = policy_counters(H, NULL, &why);

	ck_assert_ptr_null(out);
	ck_assert_str_eq(
	    sb_str(&why), "no netfilter socket: Too many open files");
	fflush(log_out);
	ck_assert_msg(
	    strstr(logbuf, "counts not read") != NULL, "log: %s", logbuf);
	sb_free(&why);
}
END_TEST

/* A dump that fails (_i: the named counters', the chains', a chain's
 * rules'): no counts, not those read before it. */
START_TEST(dump_fails)
{
	struct sb why;

	sb_init(&why);
	F.fail_mask = 1u << _i;
	json_t *out = policy_counters(H, NULL, &why);

	ck_assert_ptr_null(out);
	ck_assert_str_eq(
	    sb_str(&why), "a netfilter dump failed: No buffer space available");
	sb_free(&why);
}
END_TEST

/* No table of this name in the kernel (not loaded yet): nothing counted,
 * which is no error. */
START_TEST(no_table)
{
	F.no_table = true;
	json_t *out = policy_counters(H, NULL, NULL);

	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(json_object_size(out), 0);
	ck_assert_int_eq(F.dumps, 1);
	json_decref(out);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("policy_count");
	TCase *tc = tcase_create("dumps");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, read_once);
	tcase_add_loop_test(tc, interrupted_once, 0, DUMPS_A_READING);
	tcase_add_test(tc, interrupted_twice);
	tcase_add_test(tc, interrupted_three_times);
	tcase_add_test(tc, chains_interrupted_once);
	tcase_add_test(tc, eintr);
	tcase_add_test(tc, no_socket);
	tcase_add_loop_test(tc, dump_fails, 0, DUMPS_A_READING);
	tcase_add_test(tc, no_table);
	suite_add_tcase(s, tc);
	return check_main(0, s, NULL);
}
