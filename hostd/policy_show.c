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
 * patch (nftm_patch_delta) is not dry-run (ruleset_check says why).
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

/* What a view of `show security policies` shows of each policy. */
enum policy_view { VIEW_HITS, VIEW_PLAIN, VIEW_DETAIL };

/* Whether the log and VPN lines a view has. */
static void
policy_then(const struct cnode *q, enum policy_view view, json_t *d)
{
	const struct cnode *tun = host_path(q, "then permit tunnel");
	const struct cnode *log = host_path(q, "then log");

	if (policy_tunnel_vpn(q) != NULL) {
		json_object_set_new(
		    d, "tunnel", json_string(policy_tunnel_vpn(q)));
		if (view == VIEW_DETAIL &&
		    cnode_child_val(tun, "pair-policy") != NULL)
			json_object_set_new(d, "pair-policy",
			    json_string(cnode_child_val(tun, "pair-policy")));
	}
	if (log != NULL) {
		json_object_set_new(d, "log", json_true());
		if (view == VIEW_DETAIL) {
			json_object_set_new(d, "session-init",
			    json_boolean(cnode_child(log, "session-init")));
			json_object_set_new(d, "session-close",
			    json_boolean(cnode_child(log, "session-close")));
		}
	}
}

/* The address-book entries the policy's match names, resolved. */
static json_t *
policy_resolved(struct conf *c, const struct cnode *m)
{
	json_t *res = json_object();
	struct policy_res r;
	struct sb v4, v6, why;

	policy_res_init(&r, c);
	sb_init(&v4);
	sb_init(&v6);
	sb_init(&why);
	for (const struct cnode *a = m ? m->first : NULL; a; a = a->next) {
		if ((strcmp(a->sn->name, "source-address") != 0 &&
			strcmp(a->sn->name, "destination-address") != 0) ||
		    strncmp(a->val, "any", 3) == 0)
			continue;
		sb_reset(&v4);
		sb_reset(&v6);
		sb_reset(&why);
		if (policy_addr(&r, a->val, 0, &v4, &v6, &why) == 0)
			json_object_set_new(res, a->val,
			    json_sprintf("%s%s%s", sb_str(&v4),
				v4.len && v6.len ? ", " : "", sb_str(&v6)));
	}
	sb_free(&v4);
	sb_free(&v6);
	sb_free(&why);
	policy_res_fini(&r);
	return res;
}

/*
 * Policy q as the view shows it, no more: at 40,000 policies each member
 * is 40,000 values to build, send and parse (the cli's parse was most of
 * its time), and `| display xml|json` shows what the view shows.  Only
 * the hit counts read the counters.
 */
static json_t *
policy_data(struct conf *c, const char *ctx, const struct cnode *q, int index,
    int seq, enum policy_view view, const json_t *counters)
{
	const struct cnode *m = cnode_child(q, "match");
	json_t *d;

	if (view == VIEW_HITS)
		return json_pack("{s:s, s:i, s:I, s:s}", "name", q->val,
		    "index", index, "hits", policy_hits(counters, ctx, q->val),
		    "action", policy_action(q));
	d = json_pack("{s:s, s:i, s:s, s:i}", "name", q->val, "index", index,
	    "action", policy_action(q), "sequence", seq);
	json_object_set_new(
	    d, "source-addresses", policy_list(m, "source-address"));
	json_object_set_new(
	    d, "destination-addresses", policy_list(m, "destination-address"));
	json_object_set_new(d, "applications", policy_list(m, "application"));
	if (ctx[0] == '\0') {
		json_object_set_new(
		    d, "from-zones", policy_list(m, "from-zone"));
		json_object_set_new(d, "to-zones", policy_list(m, "to-zone"));
	}
	policy_then(q, view, d);
	if (view == VIEW_DETAIL)
		json_object_set_new(d, "resolved", policy_resolved(c, m));
	return d;
}

/* The policies of context ctx (global: "") that the input asks for, into
 * a (NULL: none shown); *index counts them all, as a policy's index does
 * not depend on what is shown. */
static void
policy_rows(struct conf *c, const char *ctx, const struct cnode *p,
    const char *only, enum policy_view view, const json_t *counters, int *index,
    json_t *a)
{
	int seq = 1;

	for (const struct cnode *q = p ? p->first : NULL; q; q = q->next) {
		if (!policy_is(q))
			continue;
		if (a != NULL && (only == NULL || strcmp(only, q->val) == 0))
			json_array_append_new(a,
			    policy_data(
				c, ctx, q, *index, seq, view, counters));
		(*index)++;
		seq++;
	}
}

/*
 * `show security policies [from-zone F] [to-zone T] [policy-name P]
 * [detail | hit-count]`: the contexts that match F and T with their
 * policies (those named P), then the global ones (without F and T).
 */
json_t *
policy_show(struct hostd *h, const json_t *input, struct sb *err)
{
	struct conf *c = link_running(h->link);
	const struct cnode *pol = host_path(conf_root(c), "security policies");
	const char *wf = json_string_value(json_object_get(input, "from-zone"));
	const char *wt = json_string_value(json_object_get(input, "to-zone"));
	const char *only =
	    json_string_value(json_object_get(input, "policy-name"));
	bool hits = json_is_true(json_object_get(input, "hit-count"));
	bool detail = json_is_true(json_object_get(input, "detail"));
	enum policy_view view = hits ? VIEW_HITS
	    : detail		     ? VIEW_DETAIL
				     : VIEW_PLAIN;
	struct sb why;
	sb_init(&why);
	json_t *counters = hits ? policy_counters(h, NULL, &why) : NULL;
	if (hits && counters == NULL) {
		/* no count rather than a count read half, or none read */
		sb_printf(err, "error: hit counts not read: %s", sb_str(&why));
		sb_free(&why);
		return NULL;
	}
	sb_free(&why);
	json_t *ctxs = json_array(), *glob = json_array();
	int index = POLICY_INDEX_FIRST;

	for (const struct cnode *p = pol ? pol->first : NULL; p; p = p->next) {
		if (!policy_is(p))
			continue;
		const char *sep = strchr(p->val, CONF_KEY_SEP);
		size_t flen = sep ? (size_t)(sep - p->val) : 0;
		const char *to = sep ? sep + 1 : "";
		bool shown = (wf == NULL ||
				 (strlen(wf) == flen &&
				     strncmp(wf, p->val, flen) == 0)) &&
		    (wt == NULL || strcmp(wt, to) == 0);
		json_t *ctx = json_pack("{s:s%, s:s, s:[]}", "from-zone",
		    p->val, flen, "to-zone", to, "policies");
		policy_rows(c, p->val, p, only, view, counters, &index,
		    shown ? json_object_get(ctx, "policies") : NULL);
		if (shown &&
		    (only == NULL ||
			json_array_size(json_object_get(ctx, "policies")) > 0))
			json_array_append_new(ctxs, ctx);
		else
			json_decref(ctx);
	}
	policy_rows(c, "", cnode_child(pol, "global"), only, view, counters,
	    &index, wf == NULL && wt == NULL ? glob : NULL);
	const struct cnode *dp = cnode_child(pol, "default-policy");
	json_t *out = json_pack("{s:s}", "default-policy",
	    cnode_child(dp, "permit-all") ? "permit-all" : "deny-all");
	if (hits)
		json_object_set_new(out, "default-hits",
		    json_integer(policy_hits_of(counters, "default_policy")));
	json_object_set_new(out, "contexts", ctxs);
	json_object_set_new(out, "detail", json_boolean(detail));
	json_object_set_new(out, "hit-count", json_boolean(hits));
	if (wf == NULL && wt == NULL)
		json_object_set_new(out, "global", glob);
	else
		json_decref(glob);
	json_decref(counters);
	return out;
}
