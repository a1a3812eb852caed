/*
 * policy: `security policies` as the nftables forward chain, loading the
 * ruleset, and `show security policies`.
 *
 * Transit traffic passes where a policy permits it, as on an SRX: replies
 * of an accepted flow pass (conntrack); a new flow from an interface of
 * zone A to one of zone B goes through the policies `from-zone A to-zone
 * B` in order, then the global policies in order, then the default policy
 * (deny-all unless `default-policy permit-all`).  An interface in no zone
 * forwards nothing.  deny drops; reject answers TCP with a reset and UDP
 * with an ICMP port unreachable, and drops the rest.  Each policy counts
 * the flows it matched in the named counter pol_<index>: the hit counts of
 * `show security policies`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "hostd/hostd.h"
#include "lib/file.h"
#include "lib/log.h"
#include "mgd/link.h"

#define POLICY_INDEX_FIRST 4	/* 1..3: the default policies, as on an SRX */
#define POLICY_SET_DEPTH 8	/* nesting of address sets */

/* Junos predefined applications -> nftables matches; ';' separates rules. */
static const struct {
	const char *name;
	const char *match;
} policy_apps[] = {
	{ "any", "" },
	{ "junos-icmp-all", "meta l4proto icmp" },
	{ "junos-icmp-ping", "icmp type echo-request" },
	{ "junos-ping", "icmp type echo-request" },
	{ "junos-icmp6-all", "meta l4proto ipv6-icmp" },
	{ "junos-ping6", "icmpv6 type echo-request" },
	{ "junos-tcp-any", "meta l4proto tcp" },
	{ "junos-udp-any", "meta l4proto udp" },
	{ "junos-ssh", "tcp dport 22" },
	{ "junos-telnet", "tcp dport 23" },
	{ "junos-ftp", "tcp dport 21" },
	{ "junos-smtp", "tcp dport 25" },
	{ "junos-http", "tcp dport 80" },
	{ "junos-https", "tcp dport 443" },
	{ "junos-pop3", "tcp dport 110" },
	{ "junos-imap", "tcp dport 143" },
	{ "junos-ldap", "tcp dport 389" },
	{ "junos-bgp", "tcp dport 179" },
	{ "junos-dns-udp", "udp dport 53" },
	{ "junos-dns-tcp", "tcp dport 53" },
	{ "junos-ntp", "udp dport 123" },
	{ "junos-tftp", "udp dport 69" },
	{ "junos-syslog", "udp dport 514" },
	{ "junos-snmp-agentx", "tcp dport 705" },
	{ "junos-ike", "udp dport 500" },
	{ "junos-ike-nat", "udp dport 4500" },
	{ "junos-traceroute", "udp dport 33434-33523" },
	{ NULL, NULL },
};

static const char *
policy_app(const char *name)
{
	for (size_t i = 0; policy_apps[i].name; i++)
		if (strcmp(policy_apps[i].name, name) == 0)
			return policy_apps[i].match;
	return NULL;
}

/* ---- address book ------------------------------------------------ */

static const struct cnode *
policy_book_find(struct conf *c, const char *kind, const char *name)
{
	const struct cnode *sec = cnode_child(conf_root(c), "security");

	for (const struct cnode *b = sec ? sec->first : NULL; b; b = b->next) {
		if (strcmp(b->sn->name, "address-book") != 0 ||
		    cnode_is_inactive(b))
			continue;
		for (const struct cnode *a = b->first; a; a = a->next)
			if (strcmp(a->sn->name, kind) == 0 && a->val &&
			    strcmp(a->val, name) == 0 && !cnode_is_inactive(a))
				return a;
	}
	return NULL;
}

/*
 * Appends the elements of address (or address-set) name to v4 / v6 as
 * nftables set elements.  0, or -1 with a message in why.
 */
static int
policy_addr(struct conf *c, const char *name, int depth, struct sb *v4,
    struct sb *v6, struct sb *why)
{
	const struct cnode *a = policy_book_find(c, "address", name), *x;

	if (a != NULL) {
		struct sb *to;
		if ((x = cnode_child(a, "ip-prefix")) != NULL) {
			to = strchr(x->val, ':') ? v6 : v4;
			sb_printf(to, "%s%s", to->len ? ", " : "", x->val);
			return 0;
		}
		/* IPv4 only: the schema types both ends ipv4addr, as Junos */
		if ((x = cnode_child(a, "range-address")) != NULL) {
			const struct cnode *hi = host_path(x, "to range-high");
			sb_printf(v4, "%s%s-%s", v4->len ? ", " : "", x->val,
			    hi ? hi->val : x->val);
			return 0;
		}
		sb_printf(why, "address %s: only ip-prefix and range-address"
		    " addresses can be applied", name);
		return -1;
	}
	a = policy_book_find(c, "address-set", name);
	if (a == NULL || depth >= POLICY_SET_DEPTH) {
		sb_printf(why, a ? "address-set %s nests too deeply" :
		    "address %s is not defined in the address book", name);
		return -1;
	}
	for (x = a->first; x; x = x->next)
		if ((strcmp(x->sn->name, "address") == 0 ||
		    strcmp(x->sn->name, "address-set") == 0) &&
		    !cnode_is_inactive(x) &&
		    policy_addr(c, x->val, depth + 1, v4, v6, why) == -1)
			return -1;
	return 0;
}

/* ---- rules ------------------------------------------------------- */

struct policy_side {
	bool any4, any6;	/* matches every address of the family */
	struct sb v4, v6;
	bool excluded;
};

static void
policy_error(struct verrs *errs, const struct cnode *at, const char *stmt,
    const char *msg)
{
	struct sb e;

	if (errs == NULL)
		return;
	sb_init(&e);
	host_edit(at, &e);
	verrs_add(errs, sb_str(&e), stmt, msg, false);
	sb_free(&e);
}

static void
policy_side(struct conf *c, const struct cnode *match, const char *leaf,
    struct policy_side *s, struct verrs *errs)
{
	struct sb why, stmt;
	bool named = false;

	sb_init(&why);
	sb_init(&stmt);
	s->any4 = s->any6 = false;
	for (const struct cnode *a = match ? match->first : NULL; a;
	    a = a->next) {
		if (strcmp(a->sn->name, leaf) != 0 || cnode_is_inactive(a))
			continue;
		named = true;
		if (strcmp(a->val, "any") == 0)
			s->any4 = s->any6 = true;
		else if (strcmp(a->val, "any-ipv4") == 0)
			s->any4 = true;
		else if (strcmp(a->val, "any-ipv6") == 0)
			s->any6 = true;
		else if (policy_addr(c, a->val, 0, &s->v4, &s->v6, &why) == -1) {
			sb_reset(&stmt);
			sb_printf(&stmt, "%s %s", leaf, a->val);
			policy_error(errs, match, sb_str(&stmt), sb_str(&why));
			sb_reset(&why);
		}
	}
	if (!named)
		s->any4 = s->any6 = true;
	sb_printf(&stmt, "%s-excluded", leaf);
	s->excluded = cnode_child(match, sb_str(&stmt)) != NULL;
	sb_free(&why);
	sb_free(&stmt);
}

/* The match of one side for one family ("ip saddr { ... } "), or false. */
static bool
policy_side_text(const struct policy_side *s, bool v6, const char *dir,
    struct sb *out)
{
	bool any = v6 ? s->any6 : s->any4;
	const struct sb *set = v6 ? &s->v6 : &s->v4;

	if (s->excluded) {
		if (any)
			return false;
		if (set->len > 0)
			sb_printf(out, "%s %s != { %s } ", v6 ? "ip6" : "ip", dir,
			    set->buf);
		return true;
	}
	if (any)
		return true;
	if (set->len == 0)
		return false;
	sb_printf(out, "%s %s { %s } ", v6 ? "ip6" : "ip", dir, set->buf);
	return true;
}

static void
policy_verdict(const char *pre, const char *counter, const char *action,
    struct sb *out)
{
	/* Junos reject: TCP gets a reset, UDP an ICMP port unreachable, any
	 * other protocol is dropped silently as with deny. */
	if (strcmp(action, "reject") == 0) {
		sb_printf(out, "\t\t%smeta l4proto tcp counter name \"%s\" reject"
		    " with tcp reset\n", pre, counter);
		sb_printf(out, "\t\t%smeta l4proto udp counter name \"%s\" reject"
		    " with icmpx type port-unreachable\n", pre, counter);
		sb_printf(out, "\t\t%scounter name \"%s\" drop\n", pre, counter);
	} else {
		sb_printf(out, "\t\t%scounter name \"%s\" %s\n", pre, counter,
		    strcmp(action, "permit") == 0 ? "accept" : "drop");
	}
}

static const char *
policy_action(const struct cnode *p)
{
	const struct cnode *then = cnode_child(p, "then");

	if (cnode_child(then, "permit"))
		return "permit";
	if (cnode_child(then, "reject"))
		return "reject";
	return "deny";
}

/* One policy: a rule per family and application.  pre: zone matches. */
static void
policy_one(struct conf *c, const struct cnode *p, const char *pre, int index,
    struct sb *decl, struct sb *out, struct verrs *errs)
{
	const struct cnode *match = cnode_child(p, "match");
	struct policy_side src = { 0 }, dst = { 0 };
	char counter[32];
	struct sb m;

	snprintf(counter, sizeof(counter), "pol_%d", index);
	sb_printf(decl, "\tcounter %s { }\n", counter);
	sb_init(&m);
	sb_init(&src.v4);
	sb_init(&src.v6);
	sb_init(&dst.v4);
	sb_init(&dst.v6);
	policy_side(c, match, "source-address", &src, errs);
	policy_side(c, match, "destination-address", &dst, errs);
	bool anyaddr = src.any4 && src.any6 && dst.any4 && dst.any6 &&
	    !src.excluded && !dst.excluded;
	for (int fam = 0; fam < (anyaddr ? 1 : 2); fam++) {
		sb_reset(&m);
		sb_puts(&m, pre);
		if (!anyaddr)
			sb_puts(&m, fam ? "meta nfproto ipv6 " :
			    "meta nfproto ipv4 ");
		if (!policy_side_text(&src, fam, "saddr", &m) ||
		    !policy_side_text(&dst, fam, "daddr", &m))
			continue;
		size_t base = m.len;
		bool apps = false;
		for (const struct cnode *a = match ? match->first : NULL; a;
		    a = a->next) {
			if (strcmp(a->sn->name, "application") != 0 ||
			    cnode_is_inactive(a))
				continue;
			const char *am = policy_app(a->val);
			char stmt[96];
			apps = true;
			if (am == NULL) {
				snprintf(stmt, sizeof(stmt), "application %s",
				    a->val);
				if (fam == 0)
					policy_error(errs, match, stmt,
					    "application is not defined (known:"
					    " any and the junos-* in docs/host.md)");
				continue;
			}
			char buf[256];
			char *save = NULL;
			snprintf(buf, sizeof(buf), "%s", am);
			if (buf[0] == '\0')
				policy_verdict(sb_str(&m), counter,
				    policy_action(p), out);
			for (char *r = strtok_r(buf, ";", &save); r;
			    r = strtok_r(NULL, ";", &save)) {
				m.len = base;
				m.buf[base] = '\0';
				sb_printf(&m, "%s ", r);
				policy_verdict(sb_str(&m), counter,
				    policy_action(p), out);
				m.len = base;
				m.buf[base] = '\0';
			}
		}
		if (!apps)
			policy_verdict(sb_str(&m), counter, policy_action(p), out);
	}
	sb_free(&m);
	sb_free(&src.v4);
	sb_free(&src.v6);
	sb_free(&dst.v4);
	sb_free(&dst.v6);
}

/* `"a", "b"` for the devices of zone (the names of zone entries). */
static size_t
policy_zone_ifs(struct conf *c, const char *zone, struct sb *out)
{
	const struct cnode *zs = host_path(conf_root(c), "security zones");
	const struct cnode *z = NULL;
	char dev[64];
	size_t n = 0;

	if (strcmp(zone, "management") == 0)
		z = host_path(zs, "functional-zone management");
	for (const struct cnode *e = zs ? zs->first : NULL; e && !z;
	    e = e->next)
		if (strcmp(e->sn->name, "security-zone") == 0 &&
		    !cnode_is_inactive(e) && strcmp(e->val, zone) == 0)
			z = e;
	for (const struct cnode *f = z ? z->first : NULL; f; f = f->next) {
		if (strcmp(f->sn->name, "interfaces") != 0 ||
		    cnode_is_inactive(f) ||
		    iface_linux_name(f->val, dev, sizeof(dev)) == -1)
			continue;
		sb_printf(out, "%s\"%s\"", n ? ", " : "", dev);
		n++;
	}
	return n;
}

/* Global policies: from-zone / to-zone lists become interface matches. */
static bool
policy_global_pre(struct conf *c, const struct cnode *p, struct sb *pre)
{
	static const char *const dirs[2][2] = { { "from-zone", "iifname" },
		{ "to-zone", "oifname" } };
	const struct cnode *match = cnode_child(p, "match");
	struct sb ifs;
	bool ok = true;

	sb_init(&ifs);
	for (int d = 0; d < 2 && ok; d++) {
		bool named = false;
		sb_reset(&ifs);
		for (const struct cnode *z = match ? match->first : NULL; z;
		    z = z->next) {
			if (strcmp(z->sn->name, dirs[d][0]) != 0 ||
			    cnode_is_inactive(z))
				continue;
			if (strcmp(z->val, "any") == 0) {
				named = false;
				break;
			}
			named = true;
			struct sb one;
			sb_init(&one);
			if (policy_zone_ifs(c, z->val, &one) > 0)
				sb_printf(&ifs, "%s%s", ifs.len ? ", " : "",
				    sb_str(&one));
			sb_free(&one);
		}
		if (named && ifs.len == 0)
			ok = false;
		else if (named)
			sb_printf(pre, "%s { %s } ", dirs[d][1], sb_str(&ifs));
	}
	sb_free(&ifs);
	return ok;
}

void
policy_rules(struct conf *c, struct sb *decl, struct sb *chains,
    struct verrs *errs)
{
	const struct cnode *pol = host_path(conf_root(c), "security policies");
	const struct cnode *dp = cnode_child(pol, "default-policy");
	struct sb fw, all, from, to, pre;
	int index = POLICY_INDEX_FIRST, ctx = 0;

	sb_init(&fw);
	sb_init(&all);
	sb_init(&from);
	sb_init(&to);
	sb_init(&pre);
	/* every zone interface */
	const struct cnode *zs = host_path(conf_root(c), "security zones");
	for (const struct cnode *z = zs ? zs->first : NULL; z; z = z->next)
		if (strcmp(z->sn->name, "security-zone") == 0 &&
		    !cnode_is_inactive(z)) {
			sb_reset(&from);
			if (policy_zone_ifs(c, z->val, &from) > 0)
				sb_printf(&all, "%s%s", all.len ? ", " : "",
				    sb_str(&from));
		}
	if (all.len == 0)
		sb_puts(&fw, "\t\tdrop\n");
	else
		sb_printf(&fw, "\t\tiifname != { %s } drop\n"
		    "\t\toifname != { %s } drop\n", all.buf, all.buf);
	for (const struct cnode *p = pol ? pol->first : NULL; p; p = p->next) {
		if (strcmp(p->sn->name, "policy") != 0 || cnode_is_inactive(p))
			continue;
		char zf[64], zt[64];
		const char *sep = strchr(p->val, CONF_KEY_SEP);
		snprintf(zf, sizeof(zf), "%.*s", (int)(sep ? sep - p->val : 0),
		    p->val);
		snprintf(zt, sizeof(zt), "%s", sep ? sep + 1 : "");
		sb_reset(&from);
		sb_reset(&to);
		bool live = policy_zone_ifs(c, zf, &from) > 0 &&
		    policy_zone_ifs(c, zt, &to) > 0;
		if (live)
			sb_printf(&fw, "\t\tiifname { %s } oifname { %s } jump"
			    " ctx_%d\n", from.buf, to.buf, ctx);
		sb_printf(chains, "\tchain ctx_%d {\n", ctx++);
		for (const struct cnode *q = p->first; q; q = q->next)
			if (strcmp(q->sn->name, "policy") == 0 &&
			    !cnode_is_inactive(q))
				policy_one(c, q, "", index++, decl, chains, errs);
		sb_puts(chains, "\t}\n");
	}
	const struct cnode *g = cnode_child(pol, "global");
	sb_puts(chains, "\tchain global {\n");
	for (const struct cnode *q = g ? g->first : NULL; q; q = q->next) {
		if (strcmp(q->sn->name, "policy") != 0 || cnode_is_inactive(q))
			continue;
		sb_reset(&pre);
		if (policy_global_pre(c, q, &pre))
			policy_one(c, q, sb_str(&pre), index, decl, chains, errs);
		else
			sb_printf(decl, "\tcounter pol_%d { }\n", index);
		index++;
	}
	sb_puts(chains, "\t}\n");
	sb_puts(decl, "\tcounter default_policy { }\n");
	sb_puts(chains, "\tchain forward {\n"
	    "\t\ttype filter hook forward priority filter; policy drop;\n"
	    "\t\tct state established,related accept\n"
	    "\t\tct state invalid drop\n");
	sb_puts(chains, sb_str(&fw));
	sb_printf(chains, "\t\tjump global\n"
	    "\t\tcounter name \"default_policy\" %s\n\t}\n",
	    cnode_child(dp, "permit-all") ? "accept" : "drop");
	sb_free(&fw);
	sb_free(&all);
	sb_free(&from);
	sb_free(&to);
	sb_free(&pre);
}

/* ---- nftables ---------------------------------------------------- */

/*
 * text with the declarations "\tcounter NAME { }" of the counters in carry
 * (name -> [packets, bytes]) given those values, to out.
 */
static void
policy_fill(const char *text, const json_t *carry, struct sb *out)
{
	const char *p = text, *nl;
	char name[128];
	int n = 0;

	for (; *p; p = nl + 1) {
		json_t *v = NULL;
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		if (carry != NULL && sscanf(p, "\tcounter %127s { }%n", name,
		    &n) == 1 && p + n == nl)
			v = json_object_get(carry, name);
		if (v != NULL)
			sb_printf(out, "\tcounter %s { packets %" JSON_INTEGER_FORMAT
			    " bytes %" JSON_INTEGER_FORMAT " }\n", name,
			    json_integer_value(json_array_get(v, 0)),
			    json_integer_value(json_array_get(v, 1)));
		else
			sb_printf(out, "%.*s\n", (int)(nl - p), p);
		if (*nl == '\0')
			break;
	}
}

/*
 * Loads text as the one transaction "make sure the table exists, drop it,
 * define it": an atomic replace.  Check runs the very same transaction as
 * a dry run (the kernel validates it and throws it away), so a ruleset
 * that passed check is the one apply loads.  carry: counter values to
 * start from (policy_carry), or NULL.
 */
int
policy_load(struct hostd *h, const char *text, const json_t *carry,
    bool dry_run, struct sb *err)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	struct sb all;
	int rc = -1;

	if (nft == NULL) {
		sb_puts(err, "cannot use libnftables");
		return -1;
	}
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	nft_ctx_set_dry_run(nft, dry_run);
	sb_init(&all);
	/* whether the table exists or not: add, then delete it */
	sb_printf(&all, "add table inet %s\ndelete table inet %s\n", h->table,
	    h->table);
	policy_fill(text, carry, &all);
	if (nft_run_cmd_from_buffer(nft, sb_str(&all)) == 0)
		rc = 0;
	else
		sb_printf(err, "nftables refused the ruleset: %s",
		    nft_ctx_get_error_buffer(nft));
	nft_ctx_free(nft);
	sb_free(&all);
	return rc;
}

/* name -> [packets, bytes] of every counter of the appliance's table. */
static json_t *
policy_counters(struct hostd *h)
{
	struct nft_ctx *nft;
	json_t *out = json_object(), *doc, *arr, *e;
	struct sb cmd;
	size_t i;

	if (!h->active || (nft = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL)
		return out;
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_JSON);
	sb_init(&cmd);
	sb_printf(&cmd, "list counters table inet %s", h->table);
	if (nft_run_cmd_from_buffer(nft, sb_str(&cmd)) == 0 &&
	    (doc = json_loads(nft_ctx_get_output_buffer(nft), 0, NULL)) != NULL) {
		arr = json_object_get(doc, "nftables");
		json_array_foreach(arr, i, e) {
			json_t *cn = json_object_get(e, "counter");
			if (cn != NULL)
				json_object_set_new(out, json_string_value(
				    json_object_get(cn, "name")), json_pack(
				    "[O, O]", json_object_get(cn, "packets"),
				    json_object_get(cn, "bytes")));
		}
		json_decref(doc);
	}
	nft_ctx_free(nft);
	sb_free(&cmd);
	return out;
}

static json_int_t
policy_hits(const json_t *counters, const char *name)
{
	return json_integer_value(json_array_get(json_object_get(counters,
	    name), 0));
}

/*
 * "pol_<index>" -> "from<US>to<US>name" (global policies: "<US>name") for
 * every policy of c, numbered as policy_rules() numbers them.
 */
static json_t *
policy_keys(struct conf *c)
{
	const struct cnode *pol = host_path(conf_root(c), "security policies");
	const struct cnode *g = cnode_child(pol, "global");
	json_t *out = json_object();
	int index = POLICY_INDEX_FIRST;
	char cn[32];

	for (const struct cnode *p = pol ? pol->first : NULL; p; p = p->next) {
		if (strcmp(p->sn->name, "policy") != 0 || cnode_is_inactive(p))
			continue;
		for (const struct cnode *q = p->first; q; q = q->next)
			if (strcmp(q->sn->name, "policy") == 0 &&
			    !cnode_is_inactive(q)) {
				snprintf(cn, sizeof(cn), "pol_%d", index++);
				json_object_set_new(out, cn, json_sprintf(
				    "%s\x1f%s", p->val, q->val));
			}
	}
	for (const struct cnode *q = g ? g->first : NULL; q; q = q->next)
		if (strcmp(q->sn->name, "policy") == 0 && !cnode_is_inactive(q)) {
			snprintf(cn, sizeof(cn), "pol_%d", index++);
			json_object_set_new(out, cn, json_sprintf("\x1f%s",
			    q->val));
		}
	return out;
}

/*
 * The counters of the ruleset in force, named as the ruleset of next names
 * them, so that a replacement keeps the hit counts as Junos does: a policy
 * that is still there keeps its count whatever its new index, the default
 * policy and deny_<device> keep theirs.  The names of the ruleset in force
 * are h->policy_keys: after a restart of hostd, the previous hostd's.
 */
json_t *
policy_carry(struct hostd *h, struct conf *next)
{
	json_t *live = policy_counters(h), *pk = h->policy_keys;
	json_t *nk = policy_keys(next), *byk = json_object(), *out = json_object();
	const char *name;
	json_t *v;

	json_object_foreach(nk, name, v)
		json_object_set_new(byk, json_string_value(v), json_string(name));
	json_object_foreach(live, name, v) {
		const char *to = name;
		if (strncmp(name, "pol_", 4) == 0)
			to = json_string_value(json_object_get(byk,
			    json_string_value(json_object_get(pk, name))));
		if (to != NULL)
			json_object_set(out, to, v);
	}
	json_decref(live);
	json_decref(nk);
	json_decref(byk);
	return out;
}

static void
policy_keys_path(struct hostd *h, struct sb *p)
{
	sb_printf(p, "%s/hostd-policies.json", h->state_dir);
}

void
policy_loaded(struct hostd *h, struct conf *next)
{
	struct sb p, err;
	char *text;

	json_decref(h->policy_keys);
	h->policy_keys = policy_keys(next);
	sb_init(&p);
	sb_init(&err);
	policy_keys_path(h, &p);
	text = json_dumps(h->policy_keys, JSON_COMPACT);
	/* a restart reads the old map or the new one, never a part */
	if (text == NULL || file_write_atomic(sb_str(&p), text, strlen(text),
	    0600, &err) == -1)
		log_warn("%s; hit counts restart from 0 if hostd restarts",
		    text ? sb_str(&err) : "policy keys not written");
	free(text);
	sb_free(&p);
	sb_free(&err);
}

void
policy_forget(struct hostd *h)
{
	struct sb p;

	json_decref(h->policy_keys);
	h->policy_keys = json_object();
	sb_init(&p);
	policy_keys_path(h, &p);
	unlink(sb_str(&p));
	sb_free(&p);
}

void
policy_restore(struct hostd *h)
{
	struct sb p;
	json_error_t jerr;

	sb_init(&p);
	policy_keys_path(h, &p);
	h->policy_keys = json_load_file(sb_str(&p), 0, &jerr);
	if (h->policy_keys != NULL && !json_is_object(h->policy_keys)) {
		json_decref(h->policy_keys);
		h->policy_keys = NULL;
	}
	if (h->policy_keys == NULL)
		h->policy_keys = json_object();
	sb_free(&p);
}

/* ---- show security policies -------------------------------------- */

static json_t *
policy_list(const struct cnode *p, const char *leaf)
{
	json_t *a = json_array();

	for (const struct cnode *x = p ? p->first : NULL; x; x = x->next)
		if (strcmp(x->sn->name, leaf) == 0 && !cnode_is_inactive(x))
			json_array_append_new(a, json_string(x->val));
	if (json_array_size(a) == 0 && strstr(leaf, "zone") == NULL)
		json_array_append_new(a, json_string("any"));
	return a;
}

static json_t *
policy_data(struct conf *c, const struct cnode *q, int index, int seq,
    json_t *counters)
{
	const struct cnode *m = cnode_child(q, "match");
	char cn[32];

	snprintf(cn, sizeof(cn), "pol_%d", index);
	json_t *d = json_pack("{s:s, s:i, s:i, s:o, s:o, s:o, s:s, s:I}",
	    "name", q->val, "index", index, "sequence", seq,
	    "source-addresses", policy_list(m, "source-address"),
	    "destination-addresses", policy_list(m, "destination-address"),
	    "applications", policy_list(m, "application"),
	    "action", policy_action(q), "hits", policy_hits(counters, cn));
	const struct cnode *log = host_path(q, "then log");
	if (log != NULL) {
		json_object_set_new(d, "log", json_true());
		json_object_set_new(d, "session-init", json_boolean(cnode_child(
		    log, "session-init")));
		json_object_set_new(d, "session-close", json_boolean(
		    cnode_child(log, "session-close")));
	}
	/* resolved address-book entries, for detail */
	json_t *res = json_object();
	for (const struct cnode *a = m ? m->first : NULL; a; a = a->next) {
		struct sb v4, v6, why;
		if ((strcmp(a->sn->name, "source-address") != 0 &&
		    strcmp(a->sn->name, "destination-address") != 0) ||
		    strncmp(a->val, "any", 3) == 0)
			continue;
		sb_init(&v4);
		sb_init(&v6);
		sb_init(&why);
		if (policy_addr(c, a->val, 0, &v4, &v6, &why) == 0)
			json_object_set_new(res, a->val, json_sprintf("%s%s%s",
			    sb_str(&v4), v4.len && v6.len ? ", " : "",
			    sb_str(&v6)));
		sb_free(&v4);
		sb_free(&v6);
		sb_free(&why);
	}
	json_object_set_new(d, "resolved", res);
	return d;
}

json_t *
policy_show(struct hostd *h, const json_t *input, struct sb *err)
{
	struct conf *c = link_running(h->link);
	const struct cnode *pol = host_path(conf_root(c), "security policies");
	const char *wf = json_string_value(json_object_get(input, "from-zone"));
	const char *wt = json_string_value(json_object_get(input, "to-zone"));
	json_t *counters = policy_counters(h), *ctxs = json_array();
	json_t *glob = json_array();
	int index = POLICY_INDEX_FIRST;

	for (const struct cnode *p = pol ? pol->first : NULL; p; p = p->next) {
		if (strcmp(p->sn->name, "policy") != 0 || cnode_is_inactive(p))
			continue;
		const char *sep = strchr(p->val, CONF_KEY_SEP);
		json_t *ctx = json_pack("{s:s%, s:s, s:[]}", "from-zone", p->val,
		    (size_t)(sep ? sep - p->val : 0), "to-zone", sep ? sep + 1 :
		    "", "policies");
		int seq = 1;
		for (const struct cnode *q = p->first; q; q = q->next)
			if (strcmp(q->sn->name, "policy") == 0 &&
			    !cnode_is_inactive(q))
				json_array_append_new(json_object_get(ctx,
				    "policies"), policy_data(c, q, index++, seq++,
				    counters));
		const char *f = json_string_value(json_object_get(ctx,
		    "from-zone"));
		if ((wf && strcmp(wf, f) != 0) || (wt && strcmp(wt,
		    json_string_value(json_object_get(ctx, "to-zone"))) != 0))
			json_decref(ctx);
		else
			json_array_append_new(ctxs, ctx);
	}
	const struct cnode *g = cnode_child(pol, "global");
	int seq = 1;
	for (const struct cnode *q = g ? g->first : NULL; q; q = q->next) {
		if (strcmp(q->sn->name, "policy") != 0 || cnode_is_inactive(q))
			continue;
		json_t *d = policy_data(c, q, index++, seq++, counters);
		const struct cnode *m = cnode_child(q, "match");
		json_object_set_new(d, "from-zones", policy_list(m, "from-zone"));
		json_object_set_new(d, "to-zones", policy_list(m, "to-zone"));
		json_array_append_new(glob, d);
	}
	const struct cnode *dp = cnode_child(pol, "default-policy");
	json_t *out = json_pack("{s:s, s:I, s:o, s:b, s:b}", "default-policy",
	    cnode_child(dp, "permit-all") ? "permit-all" : "deny-all",
	    "default-hits", policy_hits(counters, "default_policy"),
	    "contexts", ctxs, "detail",
	    json_is_true(json_object_get(input, "detail")), "hit-count",
	    json_is_true(json_object_get(input, "hit-count")));
	if (wf == NULL && wt == NULL)
		json_object_set_new(out, "global", glob);
	else
		json_decref(glob);
	json_decref(counters);
	(void)err;
	return out;
}
