/*
 * policy_show: the policies in the kernel: loading the ruleset (as one
 * transaction, or its dry run), reading back the counts, and `show
 * security policies` with each policy's hit count.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "hostd/hostd.h"
#include "proto/link.h"

#define POLICY_INDEX_FIRST 4 /* 1..3: the default policies, as on an SRX */

/*
 * Runs text (nftm_text or nftm_delta) as one transaction.  Check runs the
 * very same transaction as a dry run (the kernel validates it and throws
 * it away), so a ruleset that passed check is the one apply loads; a
 * patch (nftm_patch_delta) is not dry-run (host_check says why).
 */
int
policy_load(struct hostd *h, const char *text, bool dry_run, struct sb *err)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	int rc = -1;

	if (nft == NULL) {
		sb_puts(err, "cannot use libnftables");
		return -1;
	}
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	nft_ctx_set_dry_run(nft, dry_run);
	if (nft_run_cmd_from_buffer(nft, text) == 0)
		rc = 0;
	else
		sb_printf(err, "nftables refused the ruleset: %s",
		    nft_ctx_get_error_buffer(nft));
	nft_ctx_free(nft);
	return rc;
}

/* ---- counts ------------------------------------------------------ */

#define POLICY_NAME_MAX 64 /* hostd's object names: prefix and 16 hex */

/* Adds packets and bytes to out's entry name. */
static void
policy_count_add(json_t *out, const char *name, size_t len,
    unsigned long long pk, unsigned long long by)
{
	char key[POLICY_NAME_MAX * 2 + 4];
	json_t *e;

	if (len == 0 || len >= sizeof(key))
		return;
	memcpy(key, name, len);
	key[len] = '\0';
	if ((e = json_object_get(out, key)) != NULL) {
		pk += (unsigned long long)json_integer_value(
		    json_array_get(e, 0));
		by += (unsigned long long)json_integer_value(
		    json_array_get(e, 1));
	}
	json_object_set_new(
	    out, key, json_pack("[I, I]", (json_int_t)pk, (json_int_t)by));
}

/* "packets N bytes M" at p: 0, or -1 when p holds something else. */
static int
policy_count_pair(const char *p, unsigned long long *pk, unsigned long long *by)
{
	char *end;

	if (strncmp(p, "packets ", 8) != 0)
		return -1;
	*pk = strtoull(p + 8, &end, 10);
	if (end == p + 8 || strncmp(end, " bytes ", 7) != 0)
		return -1;
	p = end + 7;
	*by = strtoull(p, &end, 10);
	return end == p ? -1 : 0;
}

/*
 * Reads the counts out of nft's listing of the table (text, as nft 1.0.6
 * prints it): a named counter is "counter NAME {" then "packets N bytes
 * M"; in a chain, each rule's "counter packets N bytes M" adds to the
 * chain's entry, or to TAG's when the rule ends in `comment "TAG"` (a
 * policy's rule in a bucket chain, policy.c); sets are skipped (no set of
 * the table counts its elements).
 */
static void
policy_count_parse(const char *text, json_t *out)
{
	enum { NONE, CHAIN, COUNTER, SET } mode = NONE;
	const char *name = NULL, *l, *nl, *q;
	size_t nlen = 0;
	unsigned long long pk, by;

	for (l = text; *l; l = *nl ? nl + 1 : nl) {
		nl = strchr(l, '\n');
		nl = nl ? nl : l + strlen(l);
		while (l < nl && (*l == '\t' || *l == ' '))
			l++;
		size_t len = (size_t)(nl - l);
		if (len > 6 && strncmp(l, "chain ", 6) == 0) {
			mode = CHAIN;
			name = l + 6;
			nlen = strcspn(name, " {\n");
		} else if (len > 8 && strncmp(l, "counter ", 8) == 0 &&
		    nl[-1] == '{' && strncmp(l + 8, "packets ", 8) != 0) {
			mode = COUNTER;
			name = l + 8;
			nlen = strcspn(name, " {\n");
		} else if (len > 4 &&
		    (strncmp(l, "set ", 4) == 0 ||
			strncmp(l, "map ", 4) == 0)) {
			mode = SET;
			name = l + 4;
			nlen = strcspn(name, " {\n");
		} else if (mode == SET) {
			/* its elements: nothing counted */
		} else if (mode == COUNTER &&
		    policy_count_pair(l, &pk, &by) == 0) {
			policy_count_add(out, name, nlen, pk, by);
			mode = NONE;
		} else if (mode == CHAIN) {
			/* a policy's rule in a bucket counts for its tag */
			const char *to = name;
			size_t tlen = nlen;
			(void)nftm_tag_of(l, (size_t)(nl - l), &to, &tlen);
			for (q = l;
			     (q = strstr(q, "counter ")) != NULL && q < nl;
			     q += 8)
				if (policy_count_pair(q + 8, &pk, &by) == 0)
					policy_count_add(out, to, tlen, pk, by);
		}
	}
}

/*
 * The counts of the table in force (hostd.h).  A few chains are listed
 * one by one (nft 1.0.6 fetches only what a `list chain` names, and takes
 * one list command a run); more, or all, in one listing of the table.
 */
json_t *
policy_counters(struct hostd *h, const json_t *chains)
{
	struct nft_ctx *nft;
	json_t *out = json_object(), *v;
	struct sb cmd;
	const char *name;

	if (!h->active || (nft = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL)
		return out;
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	sb_init(&cmd);
	if (chains != NULL && json_object_size(chains) <= 16) {
		json_object_foreach((json_t *)chains, name, v)
		{
			sb_reset(&cmd);
			sb_printf(
			    &cmd, "list chain inet %s %s", h->table, name);
			if (nft_run_cmd_from_buffer(nft, sb_str(&cmd)) == 0)
				policy_count_parse(
				    nft_ctx_get_output_buffer(nft), out);
		}
	} else {
		sb_printf(&cmd, "list table inet %s", h->table);
		if (nft_run_cmd_from_buffer(nft, sb_str(&cmd)) == 0)
			policy_count_parse(nft_ctx_get_output_buffer(nft), out);
	}
	nft_ctx_free(nft);
	sb_free(&cmd);
	return out;
}

static json_int_t
policy_hits_of(const json_t *counters, const char *name)
{
	return json_integer_value(
	    json_array_get(json_object_get(counters, name), 0));
}

/*
 * The hits of policy name in context ctx: on its rules' counters (tagged
 * p_<hash> in a bucket, or its chain p_<hash>: a global policy), or on
 * its named counter (a tunnel policy: policy_chain_rules).
 */
static json_int_t
policy_hits(const json_t *counters, const char *ctx, const char *name)
{
	struct sb cn, chain;
	json_int_t n;

	sb_init(&cn);
	sb_init(&chain);
	policy_counter_name(ctx, name, &cn);
	sb_printf(&chain, "p_%s", sb_str(&cn) + 4); /* pol_<hash> */
	n = policy_hits_of(counters, sb_str(&cn)) +
	    policy_hits_of(counters, sb_str(&chain));
	sb_free(&cn);
	sb_free(&chain);
	return n;
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
policy_data(struct conf *c, const char *ctx, const struct cnode *q, int index,
    int seq, json_t *counters)
{
	const struct cnode *m = cnode_child(q, "match");
	json_t *d = json_pack("{s:s, s:i, s:i, s:o, s:o, s:o, s:s, s:I}",
	    "name", q->val, "index", index, "sequence", seq, "source-addresses",
	    policy_list(m, "source-address"), "destination-addresses",
	    policy_list(m, "destination-address"), "applications",
	    policy_list(m, "application"), "action", policy_action(q), "hits",
	    policy_hits(counters, ctx, q->val));
	const struct cnode *tun = host_path(q, "then permit tunnel");
	if (policy_tunnel_vpn(q) != NULL) {
		json_object_set_new(
		    d, "tunnel", json_string(policy_tunnel_vpn(q)));
		if (cnode_child_val(tun, "pair-policy") != NULL)
			json_object_set_new(d, "pair-policy",
			    json_string(cnode_child_val(tun, "pair-policy")));
	}
	const struct cnode *log = host_path(q, "then log");
	if (log != NULL) {
		json_object_set_new(d, "log", json_true());
		json_object_set_new(d, "session-init",
		    json_boolean(cnode_child(log, "session-init")));
		json_object_set_new(d, "session-close",
		    json_boolean(cnode_child(log, "session-close")));
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
			json_object_set_new(res, a->val,
			    json_sprintf("%s%s%s", sb_str(&v4),
				v4.len && v6.len ? ", " : "", sb_str(&v6)));
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
	json_t *counters = policy_counters(h, NULL), *ctxs = json_array();
	json_t *glob = json_array();
	int index = POLICY_INDEX_FIRST;

	for (const struct cnode *p = pol ? pol->first : NULL; p; p = p->next) {
		if (strcmp(p->sn->name, "policy") != 0 || cnode_is_inactive(p))
			continue;
		const char *sep = strchr(p->val, CONF_KEY_SEP);
		json_t *ctx = json_pack("{s:s%, s:s, s:[]}", "from-zone",
		    p->val, (size_t)(sep ? sep - p->val : 0), "to-zone",
		    sep ? sep + 1 : "", "policies");
		int seq = 1;
		for (const struct cnode *q = p->first; q; q = q->next)
			if (strcmp(q->sn->name, "policy") == 0 &&
			    !cnode_is_inactive(q))
				json_array_append_new(
				    json_object_get(ctx, "policies"),
				    policy_data(c, p->val, q, index++, seq++,
					counters));
		const char *f =
		    json_string_value(json_object_get(ctx, "from-zone"));
		if ((wf && strcmp(wf, f) != 0) ||
		    (wt &&
			strcmp(wt,
			    json_string_value(
				json_object_get(ctx, "to-zone"))) != 0))
			json_decref(ctx);
		else
			json_array_append_new(ctxs, ctx);
	}
	const struct cnode *g = cnode_child(pol, "global");
	int seq = 1;
	for (const struct cnode *q = g ? g->first : NULL; q; q = q->next) {
		if (strcmp(q->sn->name, "policy") != 0 || cnode_is_inactive(q))
			continue;
		json_t *d = policy_data(c, "", q, index++, seq++, counters);
		const struct cnode *m = cnode_child(q, "match");
		json_object_set_new(
		    d, "from-zones", policy_list(m, "from-zone"));
		json_object_set_new(d, "to-zones", policy_list(m, "to-zone"));
		json_array_append_new(glob, d);
	}
	const struct cnode *dp = cnode_child(pol, "default-policy");
	json_t *out = json_pack("{s:s, s:I, s:o, s:b, s:b}", "default-policy",
	    cnode_child(dp, "permit-all") ? "permit-all" : "deny-all",
	    "default-hits", policy_hits_of(counters, "default_policy"),
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
