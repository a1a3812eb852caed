/*
 * bulk_rule: a rule of hostd's model (nftables text, one line) as a
 * libnftnl rule object, for bulk.c's first load of a large table: 40,000
 * policy rules cost libnftables' parser (bison, symbol tables, the
 * evaluation) about a second of CPU, building their expressions here a
 * small part of that.
 *
 * Only the forms policy.c writes into its bucket chains and the jumps to
 * them are built, each as nft 1.0.6 linearizes it (src/netlink_linearize.c;
 * checked with `nft --debug=netlink`), so that the kernel holds the same
 * expressions and `nft list` prints the same rule:
 *
 *   meta nfproto ipv4|ipv6      meta load nfproto => reg 1; cmp eq 1 byte
 *   meta l4proto P              meta load l4proto => reg 1; cmp eq 1 byte
 *   ip|ip6 saddr|daddr A[/L]    payload load of the network header: the
 *                               L/8 bytes of a byte-aligned prefix, or the
 *                               whole address with a bitwise mask; cmp eq
 *                               of the address masked (nft drops host bits)
 *   tcp|udp dport N[-M]         meta l4proto dependency (as nft adds it),
 *                               payload load 2b @ transport header + 2;
 *                               cmp eq, or cmp gte and cmp lte
 *   @nh,O,L V | @nh,O,L A-B     (policy_raw.c) payload load of the L/8
 *                               bytes at O/8 of the network header; cmp
 *                               eq, or cmp gte and cmp lte
 *   counter                     counter (no packets or bytes attributes)
 *   accept | drop | return | jump C | goto C
 *                               immediate to the verdict register
 *   comment "T"                 userdata: TLV NFTNL_UDATA_RULE_COMMENT, T
 *                               with its NUL
 *
 * An `ip`/`ip6` address match needs its family named before it (policy.c
 * writes `meta nfproto` first; nft would add it otherwise); a raw one
 * needs none (its chain tells the family).  Anything else (sets,
 * negations, `ip` ranges of addresses, reject, icmp types, named
 * counters, interface matches, a counter with a count) is refused: the
 * chain then goes as text.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h> /* libnftnl/expr.h uses FILE */
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/in.h>

#include "hostd/hostd.h"

/* the longest token of a form built here: an IPv6 range, 0x and 32
 * digits twice */
#define BR_TOKEN 80
#define BR_COMMENT 128 /* NFT_USERDATA_MAXLEN is 256: tags are ~20 */
#define BR_EXPRS 16    /* expressions of a rule, at most */

struct br {
	const char *p, *end; /* the rule's text not read yet */
	struct nftnl_rule *r;
	int fam;    /* NFPROTO_IPV4/6 once `meta nfproto` is read, else 0 */
	int l4;	    /* the l4proto matched, or -1 */
	int nexpr;  /* expressions added */
	bool final; /* a verdict was read: only a comment may follow */
};

/* The next token (spaces apart) into tok; false at the end or when it is
 * longer than BR_TOKEN - 1. */
static bool
br_token(struct br *b, char *tok)
{
	const char *s;
	size_t n;

	while (b->p < b->end && *b->p == ' ')
		b->p++;
	for (s = b->p; b->p < b->end && *b->p != ' '; b->p++)
		;
	n = (size_t)(b->p - s);
	if (n == 0 || n >= BR_TOKEN)
		return false;
	memcpy(tok, s, n);
	tok[n] = '\0';
	return true;
}

static struct nftnl_expr *
br_expr(struct br *b, const char *name)
{
	struct nftnl_expr *e;

	if (b->nexpr >= BR_EXPRS || (e = nftnl_expr_alloc(name)) == NULL)
		return NULL;
	nftnl_rule_add_expr(b->r, e);
	b->nexpr++;
	return e;
}

static int
br_meta(struct br *b, uint32_t key)
{
	struct nftnl_expr *e = br_expr(b, "meta");

	if (e == NULL)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	return 0;
}

static int
br_cmp(struct br *b, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = br_expr(b, "cmp");

	if (e == NULL)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return 0;
}

static int
br_payload(struct br *b, uint32_t base, uint32_t off, uint32_t len)
{
	struct nftnl_expr *e = br_expr(b, "payload");

	if (e == NULL)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	return 0;
}

/* meta KEY, cmp eq of one byte. */
static int
br_meta_eq(struct br *b, uint32_t key, uint8_t v)
{
	return br_meta(b, key) == -1 || br_cmp(b, NFT_CMP_EQ, &v, 1) == -1 ? -1
									   : 0;
}

static int
br_l4proto(const char *name)
{
	static const struct {
		const char *name;
		int proto;
	} l4[] = { { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
		{ "icmp", IPPROTO_ICMP }, { "ipv6-icmp", IPPROTO_ICMPV6 } };

	for (size_t i = 0; i < sizeof(l4) / sizeof(l4[0]); i++)
		if (strcmp(l4[i].name, name) == 0)
			return l4[i].proto;
	return -1;
}

/* `meta nfproto F` or `meta l4proto P` (after "meta"). */
static int
br_meta_match(struct br *b)
{
	char key[BR_TOKEN], val[BR_TOKEN];
	int p;

	if (!br_token(b, key) || !br_token(b, val))
		return -1;
	if (strcmp(key, "nfproto") == 0 && b->fam == 0) {
		b->fam = strcmp(val, "ipv4") == 0 ? NFPROTO_IPV4
		    : strcmp(val, "ipv6") == 0	  ? NFPROTO_IPV6
						  : 0;
		return b->fam == 0
		    ? -1
		    : br_meta_eq(b, NFT_META_NFPROTO, (uint8_t)b->fam);
	}
	if (strcmp(key, "l4proto") != 0 || b->l4 != -1 ||
	    (p = br_l4proto(val)) == -1)
		return -1;
	b->l4 = p;
	return br_meta_eq(b, NFT_META_L4PROTO, (uint8_t)p);
}

/*
 * `ip|ip6 saddr|daddr A[/L]` (after ip or ip6: v6).  RFC 791 3.1: the
 * IPv4 source at byte 12, the destination at 16; RFC 8200 3: the IPv6
 * source at 8, the destination at 24.
 */
static int
br_addr(struct br *b, bool v6)
{
	char dir[BR_TOKEN], val[BR_TOKEN], *slash, *endp;
	uint8_t a[16], mask[16] = { 0 }, zero[16] = { 0 };
	uint32_t alen = v6 ? 16 : 4, off, plen;
	struct nftnl_expr *e;

	if (b->fam != (v6 ? NFPROTO_IPV6 : NFPROTO_IPV4) || !br_token(b, dir) ||
	    !br_token(b, val))
		return -1;
	if (strcmp(dir, "saddr") == 0)
		off = v6 ? 8 : 12;
	else if (strcmp(dir, "daddr") == 0)
		off = v6 ? 24 : 16;
	else
		return -1;
	plen = alen * 8;
	if ((slash = strchr(val, '/')) != NULL) {
		*slash = '\0';
		unsigned long l = strtoul(slash + 1, &endp, 10);
		if (slash[1] < '0' || slash[1] > '9' || *endp != '\0' ||
		    l == 0 || l > plen)
			return -1;
		plen = (uint32_t)l;
	}
	if (inet_pton(v6 ? AF_INET6 : AF_INET, val, a) != 1)
		return -1;
	for (uint32_t i = 0; i < alen; i++) {
		uint32_t bits = plen > i * 8 ? plen - i * 8 : 0;
		mask[i] = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		a[i] &= mask[i];
	}
	if (plen % 8 == 0) /* byte-aligned: only the prefix's bytes */
		return br_payload(b, NFT_PAYLOAD_NETWORK_HEADER, off,
			   plen / 8) == -1 ||
			br_cmp(b, NFT_CMP_EQ, a, plen / 8) == -1
		    ? -1
		    : 0;
	if (br_payload(b, NFT_PAYLOAD_NETWORK_HEADER, off, alen) == -1 ||
	    (e = br_expr(b, "bitwise")) == NULL)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_OP, NFT_BITWISE_BOOL);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, alen);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, alen);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, alen);
	return br_cmp(b, NFT_CMP_EQ, a, alen);
}

/* The hex number s ("0x" and 2 * len digits) as len bytes, network order
 * (policy_raw.c writes them so). */
static bool
br_hex(const char *s, size_t n, uint8_t *out, uint32_t len)
{
	if (n != 2 + 2 * (size_t)len || s[0] != '0' || s[1] != 'x')
		return false;
	for (uint32_t i = 0; i < len; i++) {
		char d[3] = { s[2 + 2 * i], s[3 + 2 * i], '\0' }, *e;
		if (!isxdigit((unsigned char)d[0]) ||
		    !isxdigit((unsigned char)d[1]))
			return false;
		out[i] = (uint8_t)strtoul(d, &e, 16);
	}
	return true;
}

/*
 * `@nh,O,L V` or `@nh,O,L LO-HI` (the token read: tok), as policy_raw.c
 * writes a side: whole bytes of the network header, a payload load and a
 * compare (cmp gte and cmp lte for a range), as nft linearizes it.
 */
static int
br_raw(struct br *b, const char *tok)
{
	char val[BR_TOKEN];
	unsigned o, l;
	int used = 0;
	uint8_t lo[16], hi[16];
	const char *dash;

	if (sscanf(tok, "@nh,%u,%u%n", &o, &l, &used) != 2 ||
	    tok[used] != '\0' || o % 8 != 0 || l % 8 != 0 || l == 0 ||
	    l > 128 || !br_token(b, val))
		return -1;
	l /= 8;
	if ((dash = strchr(val, '-')) == NULL) {
		if (!br_hex(val, strlen(val), lo, l))
			return -1;
		return br_payload(b, NFT_PAYLOAD_NETWORK_HEADER, o / 8, l) ==
			    -1 ||
			br_cmp(b, NFT_CMP_EQ, lo, l) == -1
		    ? -1
		    : 0;
	}
	if (!br_hex(val, (size_t)(dash - val), lo, l) ||
	    !br_hex(dash + 1, strlen(dash + 1), hi, l))
		return -1;
	return br_payload(b, NFT_PAYLOAD_NETWORK_HEADER, o / 8, l) == -1 ||
		br_cmp(b, NFT_CMP_GTE, lo, l) == -1 ||
		br_cmp(b, NFT_CMP_LTE, hi, l) == -1
	    ? -1
	    : 0;
}

static int
br_port(const char *s, const char **end, uint16_t *out)
{
	char *e;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &e, 10);
	if (v > 65535)
		return -1;
	*out = htons((uint16_t)v); /* RFC 9293 3.1, RFC 768: network order */
	*end = e;
	return 0;
}

/* `tcp|udp dport N[-M]` (after tcp or udp: proto). */
static int
br_dport(struct br *b, int proto)
{
	char key[BR_TOKEN], val[BR_TOKEN];
	const char *e;
	uint16_t lo, hi;

	if (!br_token(b, key) || strcmp(key, "dport") != 0 ||
	    !br_token(b, val) || br_port(val, &e, &lo) == -1)
		return -1;
	if (*e == '-') {
		if (br_port(e + 1, &e, &hi) == -1 || *e != '\0' ||
		    ntohs(hi) <= ntohs(lo))
			return -1;
	} else if (*e != '\0')
		return -1;
	else
		hi = lo;
	/* the dependency nft adds before a transport header match; a rule
	 * that named its protocol already is not one of the forms here */
	if (b->l4 != -1)
		return -1;
	b->l4 = proto;
	if (br_meta_eq(b, NFT_META_L4PROTO, (uint8_t)proto) == -1 ||
	    br_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2) == -1)
		return -1;
	if (hi == lo)
		return br_cmp(b, NFT_CMP_EQ, &lo, 2);
	return br_cmp(b, NFT_CMP_GTE, &lo, 2) == -1 ||
		br_cmp(b, NFT_CMP_LTE, &hi, 2) == -1
	    ? -1
	    : 0;
}

static int
br_verdict(struct br *b, int verdict, const char *chain)
{
	struct nftnl_expr *e = br_expr(b, "immediate");

	if (e == NULL)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	if (chain != NULL)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	b->final = true;
	return 0;
}

/* `comment "T"`: the rest of the rule. */
static int
br_comment(struct br *b)
{
	char c[BR_COMMENT];
	struct nftnl_udata_buf *u;
	size_t n;

	while (b->p < b->end && *b->p == ' ')
		b->p++;
	n = (size_t)(b->end - b->p);
	if (n < 3 || n - 2 >= sizeof(c) || b->p[0] != '"' ||
	    b->end[-1] != '"' || memchr(b->p + 1, '"', n - 2) != NULL ||
	    memchr(b->p + 1, '\\', n - 2) != NULL)
		return -1;
	memcpy(c, b->p + 1, n - 2);
	c[n - 2] = '\0';
	b->p = b->end;
	if ((u = nftnl_udata_buf_alloc(BR_COMMENT + 8)) == NULL)
		return -1;
	if (!nftnl_udata_put_strz(u, NFTNL_UDATA_RULE_COMMENT, c)) {
		nftnl_udata_buf_free(u);
		return -1;
	}
	nftnl_rule_set_data(b->r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(u),
	    nftnl_udata_buf_len(u));
	nftnl_udata_buf_free(u);
	return 0;
}

/* One statement (its first token read: tok). */
static int
br_stmt(struct br *b, const char *tok)
{
	char chain[BR_TOKEN];

	if (strcmp(tok, "comment") == 0)
		return b->final ? br_comment(b) : -1;
	if (b->final)
		return -1;
	if (strcmp(tok, "meta") == 0)
		return br_meta_match(b);
	if (strcmp(tok, "ip") == 0 || strcmp(tok, "ip6") == 0)
		return br_addr(b, tok[2] == '6');
	if (strcmp(tok, "tcp") == 0 || strcmp(tok, "udp") == 0)
		return br_dport(b, tok[0] == 't' ? IPPROTO_TCP : IPPROTO_UDP);
	if (strcmp(tok, "counter") == 0)
		return br_expr(b, "counter") ? 0 : -1;
	if (strcmp(tok, "accept") == 0)
		return br_verdict(b, NF_ACCEPT, NULL);
	if (strcmp(tok, "drop") == 0)
		return br_verdict(b, NF_DROP, NULL);
	if (strcmp(tok, "jump") == 0)
		return br_token(b, chain) ? br_verdict(b, NFT_JUMP, chain) : -1;
	if (strcmp(tok, "goto") == 0)
		return br_token(b, chain) ? br_verdict(b, NFT_GOTO, chain) : -1;
	if (strcmp(tok, "return") == 0)
		return br_verdict(b, NFT_RETURN, NULL);
	if (strncmp(tok, "@nh,", 4) == 0)
		return br_raw(b, tok);
	return -1;
}

struct nftnl_rule *
bulk_rule_new(
    const char *table, const char *chain, const char *rule, size_t len)
{
	struct br b = {
		.p = rule,
		.end = rule + len,
		.l4 = -1,
	};
	char tok[BR_TOKEN];

	if ((b.r = nftnl_rule_alloc()) == NULL)
		return NULL;
	nftnl_rule_set_u32(b.r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(b.r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(b.r, NFTNL_RULE_CHAIN, chain);
	while (b.p < b.end) {
		if (!br_token(&b, tok) || br_stmt(&b, tok) == -1) {
			nftnl_rule_free(b.r);
			return NULL;
		}
		while (b.p < b.end && *b.p == ' ')
			b.p++;
	}
	if (!b.final) { /* a rule with no verdict is not a form here */
		nftnl_rule_free(b.r);
		return NULL;
	}
	return b.r;
}
