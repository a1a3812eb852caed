/*
 * policy_bucket: a context's policies in bucket chains (policy.c builds a
 * context's chains from them, policy_patch.c refills them), and each
 * bucket's rules split by family.
 */
#include <stdio.h>
#include <string.h>

#include "hostd/hostd.h"

/*
 * A context's policies are not a chain each but go, in order, into bucket
 * chains of about POLICY_BUCKET_MASK + 1 policies, each rule of a policy
 * tagged with its name p_<hash> (`comment "p_<hash>"`): its hit count is
 * the sum of its rules' counters (policy_show.c), carried by tag when a
 * bucket is refilled (nftm_carry).  So a table of 40,000 policies has
 * ~1,250 chains, not 40,000: libnftables fetches every chain of the table
 * before it adds a rule, and the kernel's chain dump is quadratic in the
 * number of chains (docs/benchmarks.md, tenth round).
 *
 * Where a bucket ends depends only on its own policies (content-defined
 * chunking): after a policy whose hash has its low bits clear, or after
 * POLICY_BUCKET_MAX policies.  A bucket is named after its first policy,
 * p_b<hash>.  So a policy added, changed or deleted refills its own bucket
 * (or splits it, or joins it to the next) whatever its place, and the
 * model patched is the model built whole (policy_patch.c).
 */
#define POLICY_BUCKET_MASK 31
#define POLICY_BUCKET_MAX 128

/* The hash of context ctx's key, to which policy_bucket adds a policy's. */
static uint64_t
policy_bucket_ctx(const char *ctx)
{
	return nftm_hash_more(nftm_hash_more(NFTM_HASH_INIT, ctx), "\x1f");
}

bool
policy_bucket_ends(const char *ctx, const struct cnode *q, struct sb *name)
{
	uint64_t h = nftm_hash_more(policy_bucket_ctx(ctx), q->val);

	if (name != NULL) {
		sb_reset(name);
		sb_printf(name, "p_b%016llx", (unsigned long long)h);
	}
	return (h & POLICY_BUCKET_MASK) == 0;
}

const struct cnode *
policy_bucket(const char *ctx, const struct cnode *q,
    const struct cnode **first, size_t *n, struct sb *name)
{
	/* the hash of the key of each policy (policy_counter_name) */
	uint64_t h, hctx = policy_bucket_ctx(ctx);

	*first = NULL;
	*n = 0;
	for (; q != NULL; q = q->next) {
		if (!policy_in(q))
			continue;
		h = nftm_hash_more(hctx, q->val);
		if (*first == NULL) {
			*first = q;
			sb_reset(name);
			sb_printf(name, "p_b%016llx", (unsigned long long)h);
		}
		if (++*n == POLICY_BUCKET_MAX || (h & POLICY_BUCKET_MASK) == 0)
			return q->next;
	}
	return NULL;
}

void
policy_bucket_of(const struct cnode *ctxn, const struct cnode *q,
    const struct cnode **first, size_t *n, struct sb *name)
{
	const struct cnode *a, *next, *k;
	size_t i;

	/* a bucket ends at an anchor whatever comes before it */
	for (a = q->prev; a != NULL; a = a->prev)
		if (policy_in(a) && policy_bucket_ends(ctxn->val, a, NULL))
			break;
	next = a ? a->next : ctxn->first;
	do {
		next = policy_bucket(ctxn->val, next, first, n, name);
		for (k = *first, i = 0; k != NULL && i < *n; k = k->next) {
			if (k == q)
				return;
			i += policy_in(k);
		}
	} while (*first != NULL);
}

/* Each line of rules ending in `comment "tag"`, into out. */
static void
policy_tag(const char *rules, const char *tag, struct sb *out)
{
	const char *l, *nl;

	for (l = rules; *l; l = *nl ? nl + 1 : nl) {
		nl = strchr(l, '\n');
		nl = nl ? nl : l + strlen(l);
		while (l < nl && (*l == '\t' || *l == ' '))
			l++;
		if (nl > l)
			sb_printf(out, "%.*s comment \"%s\"\n", (int)(nl - l),
			    l, tag);
	}
}

/*
 * A bucket's rules for IPv4 packets (v4) and for IPv6 (v6) as its chains'
 * bodies: body, the chain name; body6, the chain name_6 (false: none).
 * The chain name is reached for either family; its first rule sends the
 * other family on: an IPv6 packet to name_6 (goto: name_6's end returns
 * where name would), or back (return) when no rule is for it.  So each
 * rule matches one family's packets and names no family.
 */
static bool
policy_bucket_bodies(const char *name, const struct sb *v4, const struct sb *v6,
    struct sb *body, struct sb *body6)
{
	bool two = v4->len > 0 && v6->len > 0;

	if (strcmp(sb_str((struct sb *)v4), sb_str((struct sb *)v6)) == 0)
		sb_puts(body, sb_str((struct sb *)v4)); /* any address only */
	else if (two)
		sb_printf(body, "meta nfproto ipv6 goto %s_6\n%s", name,
		    sb_str((struct sb *)v4));
	else
		sb_printf(body, "meta nfproto %s return\n%s",
		    v4->len ? "ipv6" : "ipv4",
		    sb_str((struct sb *)(v4->len ? v4 : v6)));
	if (two && strcmp(v4->buf, v6->buf) != 0) {
		sb_puts(body6, sb_str((struct sb *)v6));
		return true;
	}
	return false;
}

bool
policy_bucket_rules(struct policy_res *r, struct nftm *m, const char *ctx,
    const struct cnode *first, size_t n, const char *name, struct sb *body,
    struct sb *body6, struct verrs *errs)
{
	struct sb tag, rules[2], tagged[2], counter;
	bool six;

	sb_init(&tag);
	sb_init(&counter);
	for (int f = 0; f < 2; f++) {
		sb_init(&rules[f]);
		sb_init(&tagged[f]);
	}
	for (const struct cnode *q = first; q != NULL && n > 0; q = q->next) {
		if (!policy_in(q))
			continue;
		n--;
		sb_reset(&rules[0]);
		sb_reset(&rules[1]);
		if (policy_chain_rules(
			r, ctx, q, &tag, &rules[0], &rules[1], errs)) {
			if (m != NULL) {
				sb_reset(&counter);
				sb_printf(&counter, "pol_%s", sb_str(&tag) + 2);
				nftm_counter(m, sb_str(&counter));
			}
		}
		policy_tag(sb_str(&rules[0]), sb_str(&tag), &tagged[0]);
		policy_tag(sb_str(&rules[1]), sb_str(&tag), &tagged[1]);
	}
	six = policy_bucket_bodies(name, &tagged[0], &tagged[1], body, body6);
	sb_free(&tag);
	sb_free(&counter);
	for (int f = 0; f < 2; f++) {
		sb_free(&rules[f]);
		sb_free(&tagged[f]);
	}
	return six;
}

void
policy_bucket_model(struct policy_res *r, struct nftm *m, const char *ctx,
    const struct cnode *first, size_t n, const char *name, struct verrs *errs)
{
	struct sb body, body6, six;

	sb_init(&body);
	sb_init(&body6);
	sb_init(&six);
	if (policy_bucket_rules(
		r, m, ctx, first, n, name, &body, &body6, errs)) {
		sb_printf(&six, "%s_6", name);
		nftm_chain(m, sb_str(&six), NULL);
		nftm_rules(m, sb_str(&six), sb_str(&body6));
	}
	nftm_chain(m, name, NULL);
	nftm_rules(m, name, sb_str(&body));
	sb_free(&body);
	sb_free(&body6);
	sb_free(&six);
}
