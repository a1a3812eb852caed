/*
 * policy_count: the counts of the table in force, read by nfnetlink dumps
 * (libmnl; libnftnl for the headers and the rule's user data): the named
 * counters in one dump, then the rules' own counters one chain a dump.
 *
 * Not one dump of every rule of the table, as `nft list table` asks: the
 * kernel fills each reply buffer (32 KiB, ~80 rules) by walking the table
 * from its first rule to the index where the previous buffer stopped, so
 * the dump is quadratic in the rules (at 40,000 policies, 0.7 s of kernel
 * time for one `show security policies hit-count`).  A dump that names its
 * chain walks that chain only (the kernel finds it by hash), and the
 * replies are read here without building libnftables' text or objects.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "hostd/hostd.h"
#include "lib/log.h"

#define PC_BUF 32768	/* the largest reply buffer the kernel fills */
#define PC_TRIES 3	/* readings, when the ruleset changes meanwhile */
#define PC_NAME_MAX 256 /* a rule comment: 255 bytes and its NUL */

struct pc {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	const char *table;
	json_t *out;	/* name -> [packets, bytes] */
	json_t *chains; /* the chains of the table, while they are listed */
	bool intr;	/* a dump was interrupted: read again */
	alignas(struct nlmsghdr) char buf[PC_BUF]; /* read as messages */
};

/* Adds packets and bytes to pc->out's entry name (len bytes). */
static void
pc_add(struct pc *pc, const char *name, size_t len, uint64_t pk, uint64_t by)
{
	json_t *e = json_object_getn(pc->out, name, len);

	if (e == NULL) {
		json_object_setn_new(pc->out, name, len,
		    json_pack("[I, I]", (json_int_t)pk, (json_int_t)by));
		return;
	}
	json_integer_set(json_array_get(e, 0),
	    json_integer_value(json_array_get(e, 0)) + (json_int_t)pk);
	json_integer_set(json_array_get(e, 1),
	    json_integer_value(json_array_get(e, 1)) + (json_int_t)by);
}

/*
 * Sends the dump request req and hands each message of its answer to cb,
 * read to its end whatever happens, so the next dump starts clean; 0, or
 * -1 with errno (ENOENT: a table or chain that is not there).  A dump the
 * kernel marks interrupted (NLM_F_DUMP_INTR: the ruleset changed meanwhile)
 * feeds cb no more and sets pc->intr: policy_counters reads again.
 */
static int
pc_dump(struct pc *pc, struct nlmsghdr *req, mnl_cb_t cb)
{
	const struct nlmsghdr *nlh;
	const struct nlmsgerr *e;
	uint32_t seq = req->nlmsg_seq;
	ssize_t n;
	int len;

	if (mnl_socket_sendto(pc->nl, req, req->nlmsg_len) < 0)
		return -1;
	for (;;) {
		n = mnl_socket_recvfrom(pc->nl, pc->buf, sizeof(pc->buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EPROTO; /* no answer at all */
		if (n <= 0)
			return -1;
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)pc->buf;
		     mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq ||
			    nlh->nlmsg_pid != pc->portid)
				continue; /* not this dump's */
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				pc->intr = true;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				if (mnl_nlmsg_get_payload_len(nlh) <
				    sizeof(*e)) {
					errno = EPROTO;
					return -1;
				}
				e = mnl_nlmsg_get_payload(nlh);
				errno = -e->error;
				return e->error == 0 ? 0 : -1;
			}
			if (nlh->nlmsg_type >= NLMSG_MIN_TYPE && !pc->intr)
				(void)cb(nlh, pc);
		}
	}
}

/* A dump request of type msg; attr (its TABLE attribute) names pc's table. */
static struct nlmsghdr *
pc_request(struct pc *pc, char *buf, uint16_t msg, uint16_t attr)
{
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(
	    buf, msg, NFPROTO_INET, NLM_F_DUMP, ++pc->seq);

	mnl_attr_put_strz(nlh, attr, pc->table);
	return nlh;
}

/* The attributes of a message or a nest, by type up to max. */
struct pc_attrs {
	const struct nlattr **tb;
	uint16_t max;
};

static int
pc_attr(const struct nlattr *a, void *arg)
{
	const struct pc_attrs *at = arg;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= at->max)
		at->tb[type] = a;
	return MNL_CB_OK;
}

static void
pc_parse(const struct nlmsghdr *nlh, const struct nlattr **tb, uint16_t max)
{
	struct pc_attrs at = { tb, max };

	memset(tb, 0, sizeof(*tb) * (max + 1u));
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), pc_attr, &at);
}

static void
pc_parse_nested(const struct nlattr *n, const struct nlattr **tb, uint16_t max)
{
	struct pc_attrs at = { tb, max };

	memset(tb, 0, sizeof(*tb) * (max + 1u));
	mnl_attr_parse_nested(n, pc_attr, &at);
}

/* A string attribute, NUL-terminated within its payload, or NULL. */
static const char *
pc_str(const struct nlattr *a)
{
	const char *s;

	if (a == NULL || mnl_attr_get_payload_len(a) == 0)
		return NULL;
	s = mnl_attr_get_str(a);
	return memchr(s, '\0', mnl_attr_get_payload_len(a)) ? s : NULL;
}

static bool
pc_is_table(const struct pc *pc, const struct nlattr *a)
{
	const char *t = pc_str(a);

	return t != NULL && strcmp(t, pc->table) == 0;
}

/* ---- named counters ---------------------------------------------- */

static int
pc_obj(const struct nlmsghdr *nlh, void *arg)
{
	struct pc *pc = arg;
	const struct nlattr *tb[NFTA_OBJ_MAX + 1], *ctr[NFTA_COUNTER_MAX + 1];
	const char *name;

	pc_parse(nlh, tb, NFTA_OBJ_MAX);
	name = pc_str(tb[NFTA_OBJ_NAME]);
	if (!pc_is_table(pc, tb[NFTA_OBJ_TABLE]) || name == NULL ||
	    tb[NFTA_OBJ_TYPE] == NULL || tb[NFTA_OBJ_DATA] == NULL ||
	    ntohl(mnl_attr_get_u32(tb[NFTA_OBJ_TYPE])) != NFT_OBJECT_COUNTER)
		return MNL_CB_OK;
	pc_parse_nested(tb[NFTA_OBJ_DATA], ctr, NFTA_COUNTER_MAX);
	if (ctr[NFTA_COUNTER_PACKETS] != NULL &&
	    ctr[NFTA_COUNTER_BYTES] != NULL)
		pc_add(pc, name, strlen(name),
		    be64toh(mnl_attr_get_u64(ctr[NFTA_COUNTER_PACKETS])),
		    be64toh(mnl_attr_get_u64(ctr[NFTA_COUNTER_BYTES])));
	return MNL_CB_OK;
}

/* ---- chains and their rules -------------------------------------- */

static int
pc_chain(const struct nlmsghdr *nlh, void *arg)
{
	struct pc *pc = arg;
	const struct nlattr *tb[NFTA_CHAIN_MAX + 1];
	const char *name;

	pc_parse(nlh, tb, NFTA_CHAIN_MAX);
	name = pc_str(tb[NFTA_CHAIN_NAME]);
	if (pc_is_table(pc, tb[NFTA_CHAIN_TABLE]) && name != NULL)
		json_object_set_new(pc->chains, name, json_null());
	return MNL_CB_OK;
}

/* The rule's comment (user data NFTNL_UDATA_RULE_COMMENT): the tag of a
 * policy's rule in a bucket chain (policy.c). */
static int
pc_comment(const struct nftnl_udata *u, void *arg)
{
	const char **tag = arg;
	uint8_t len = nftnl_udata_len(u);
	const char *s = nftnl_udata_get(u);

	if (nftnl_udata_type(u) == NFTNL_UDATA_RULE_COMMENT && len > 1 &&
	    s[len - 1] == '\0')
		*tag = s;
	return 0;
}

/*
 * Each counter expression of a rule adds to its tag's entry (a policy's
 * rule in a bucket chain) or, untagged, to its chain's.
 */
static int
pc_rule(const struct nlmsghdr *nlh, void *arg)
{
	struct pc *pc = arg;
	const struct nlattr *tb[NFTA_RULE_MAX + 1], *e[NFTA_EXPR_MAX + 1];
	const struct nlattr *ctr[NFTA_COUNTER_MAX + 1], *x;
	const char *to = NULL;

	pc_parse(nlh, tb, NFTA_RULE_MAX);
	if (!pc_is_table(pc, tb[NFTA_RULE_TABLE]) ||
	    tb[NFTA_RULE_EXPRESSIONS] == NULL)
		return MNL_CB_OK;
	if (tb[NFTA_RULE_USERDATA] != NULL)
		nftnl_udata_parse(mnl_attr_get_payload(tb[NFTA_RULE_USERDATA]),
		    mnl_attr_get_payload_len(tb[NFTA_RULE_USERDATA]),
		    pc_comment, &to);
	if (to == NULL && (to = pc_str(tb[NFTA_RULE_CHAIN])) == NULL)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(x, tb[NFTA_RULE_EXPRESSIONS])
	{
		const char *name;

		if (mnl_attr_get_type(x) != NFTA_LIST_ELEM)
			continue;
		pc_parse_nested(x, e, NFTA_EXPR_MAX);
		name = pc_str(e[NFTA_EXPR_NAME]);
		if (name == NULL || strcmp(name, "counter") != 0 ||
		    e[NFTA_EXPR_DATA] == NULL)
			continue;
		pc_parse_nested(e[NFTA_EXPR_DATA], ctr, NFTA_COUNTER_MAX);
		if (ctr[NFTA_COUNTER_PACKETS] != NULL &&
		    ctr[NFTA_COUNTER_BYTES] != NULL)
			pc_add(pc, to, strnlen(to, PC_NAME_MAX),
			    be64toh(
				mnl_attr_get_u64(ctr[NFTA_COUNTER_PACKETS])),
			    be64toh(mnl_attr_get_u64(ctr[NFTA_COUNTER_BYTES])));
	}
	return MNL_CB_OK;
}

/* ---- the counts -------------------------------------------------- */

/* One reading of the counts into pc->out; -1 with errno (ENOENT: there is
 * no table). */
static int
pc_read(struct pc *pc, const json_t *chains)
{
	char req[1024]; /* a request: a header and two names */
	struct nlmsghdr *nlh;
	const char *name;
	json_t *v;

	nlh = pc_request(pc, req, NFT_MSG_GETOBJ, NFTA_OBJ_TABLE);
	mnl_attr_put_u32(nlh, NFTA_OBJ_TYPE, htonl(NFT_OBJECT_COUNTER));
	if (pc_dump(pc, nlh, pc_obj) == -1)
		return -1;
	if (chains == NULL) {
		nlh = pc_request(pc, req, NFT_MSG_GETCHAIN, NFTA_CHAIN_TABLE);
		if (pc_dump(pc, nlh, pc_chain) == -1)
			return -1;
		chains = pc->chains;
	}
	json_object_foreach((json_t *)chains, name, v)
	{
		nlh = pc_request(pc, req, NFT_MSG_GETRULE, NFTA_RULE_TABLE);
		mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, name);
		if (pc_dump(pc, nlh, pc_rule) == -1 && errno != ENOENT)
			return -1; /* a chain gone counts nothing */
	}
	return 0;
}

/* No counts, for what (and errno err, or 0): said in the log and, when
 * asked for, in why. */
static void
pc_fail(struct sb *why, const char *what, int err)
{
	struct sb s;

	sb_init(&s);
	sb_puts(&s, what);
	if (err != 0)
		sb_printf(&s, ": %s", strerror(err));
	log_warn("policy counts not read: %s", sb_str(&s));
	if (why != NULL)
		sb_puts(why, sb_str(&s));
	sb_free(&s);
}

/*
 * The counts of the table in force (hostd.h): its named counters, then
 * each chain of chains (or, NULL, of the table) by a dump of its own.  A
 * chain that is not there counts nothing, nor a table.  Read again,
 * whole, when a dump was interrupted (a count read half would be carried
 * as the count), and none at all when every reading was, or when the
 * counts could not be asked for: an empty answer would read as no hits.
 */
json_t *
policy_counters(struct hostd *h, const json_t *chains, struct sb *why)
{
	return policy_counters_of(h, h->table, chains, why);
}

json_t *
policy_counters_of(
    struct hostd *h, const char *table, const json_t *chains, struct sb *why)
{
	struct pc *pc;
	json_t *out = NULL;
	int rc = 0;

	if (!h->active)
		return json_object(); /* no table of ours: nothing counted */
	if ((pc = calloc(1, sizeof(*pc))) == NULL) {
		pc_fail(why, "out of memory", 0);
		return NULL;
	}
	pc->table = table;
	if ((pc->nl = mnl_socket_open(NETLINK_NETFILTER)) == NULL ||
	    mnl_socket_bind(pc->nl, 0, MNL_SOCKET_AUTOPID) != 0) {
		pc_fail(why, "no netfilter socket", errno);
		goto done;
	}
	pc->portid = mnl_socket_get_portid(pc->nl);
	out = json_object();
	for (int tries = 0; tries < PC_TRIES; tries++) {
		json_object_clear(out);
		json_decref(pc->chains);
		pc->chains = json_object();
		pc->out = out;
		pc->intr = false;
		if ((rc = pc_read(pc, chains)) == -1 || !pc->intr)
			break;
	}
	if (rc == -1 && errno != ENOENT) {
		pc_fail(why, "a netfilter dump failed", errno);
		json_decref(out);
		out = NULL;
	} else if (pc->intr) {
		pc_fail(why,
		    "the ruleset kept changing while they were read;"
		    " try again",
		    0);
		json_decref(out);
		out = NULL;
	}
done:
	if (pc->nl != NULL)
		mnl_socket_close(pc->nl);
	json_decref(pc->chains);
	free(pc);
	return out;
}
