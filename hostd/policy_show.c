/*
 * policy_show: the policies in the kernel: loading the ruleset (as one
 * transaction, or its dry run), and `show security policies` with each
 * policy's hit count (the counts: policy_count.c).
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

/* ---- counts (policy_count.c reads them) ------------------------ */

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
