/*
 * policy_near: the patch of a context's buckets (policy_bucket.c) around
 * the policies a change names, without a walk of the whole context
 * (issue 13: a one-line add, delete, move or rename at 40,000 policies).
 *
 * Every bucket ends at an anchor (a policy whose hash ends a bucket) or
 * after POLICY_BUCKET_MAX policies counted from one, so only the buckets
 * between the anchor before a policy named and the next anchor can differ
 * from the model in force.  Anchors named are no anchors here: one may be
 * new, moved or gone.  A policy gone, or the old place of one moved, is
 * named by the policy kept beside it (scope.c), so its old bucket lies in
 * that policy's block.  Blocks that touch merge; each is refilled and its
 * span of m's `ctx_` jumps replaced, in one rewrite of the chain.
 */
#include <stdlib.h>
#include <string.h>

#include "hostd/hostd.h"

/* Whether q (in effect) is an anchor: it ends a bucket by its hash in the
 * model in force and in the configuration (a policy the change names is
 * none: it may be new or moved). */
static bool
policy_near_anchor(const char *ctx, const struct cnode *q,
    const struct cnode *const *t, size_t nt)
{
	return !policy_patch_in(t, nt, q) && policy_bucket_ends(ctx, q, NULL);
}

/* The anchor before q, or ctx itself when none (the context's start). */
static const struct cnode *
policy_near_start(const struct cnode *ctx, const struct cnode *q,
    const struct cnode *const *t, size_t nt)
{
	for (q = q->prev; q != NULL; q = q->prev)
		if (policy_in(q) && policy_near_anchor(ctx->val, q, t, nt))
			return q;
	return ctx;
}

/* The line `jump name` of a chain's body, from s on: where it starts
 * (ret) and ends (*end), or NULL. */
static const char *
policy_near_line(const char *s, const char *name, const char **end)
{
	size_t len = strlen(name);

	for (const char *l = s; (l = strstr(l, name)) != NULL; l += len)
		if (l - s >= 5 && strncmp(l - 5, "jump ", 5) == 0 &&
		    (l - s == 5 || l[-6] == '\n') && l[len] == '\n') {
			*end = l + len + 1;
			return l - 5;
		}
	return NULL;
}

/* A bucket to refill: n policies in effect from first. */
struct policy_redo {
	const struct cnode *first;
	size_t n;
	char *name;
};

/* A block: m's jumps [lo, hi) of the context's chain, and its jumps now. */
struct policy_block {
	const char *lo, *hi;
	char *jumps;
};

struct policy_near {
	struct conf *c;
	const struct nftm *m;
	const struct cnode *ctx;
	const struct cnode *const *t;
	size_t nt, seen;
	const char *old;	     /* m's ctx_ chain */
	const struct cnode **starts; /* each policy named's block start */
	struct policy_redo *redo;
	size_t nredo;
	struct policy_block *blk;
	size_t nblk;
	json_t *now; /* the buckets the blocks jump to now */
};

static bool
policy_near_started(const struct policy_near *w, const struct cnode *s)
{
	for (size_t i = 0; i < w->nt; i++)
		if (w->starts[i] == s)
			return true;
	return false;
}

/* Where in m's chain the block after anchor s starts: past the jump to
 * the bucket s ends.  NULL: not found. */
static const char *
policy_near_lo(struct policy_near *w, const struct cnode *s, struct sb *name)
{
	const struct cnode *a0 = NULL, *q, *first;
	const char *lo;
	size_t n;

	if (s == w->ctx)
		return w->old;
	for (q = s->prev; q != NULL && a0 == NULL; q = q->prev)
		if (policy_in(q) && policy_bucket_ends(w->ctx->val, q, NULL))
			a0 = q;
	q = a0 ? a0->next : w->ctx->first;
	do
		q = policy_bucket(w->ctx->val, q, &first, &n, name);
	while (first != NULL && q != s->next);
	if (first == NULL ||
	    policy_near_line(w->old, sb_str(name), &lo) == NULL)
		return NULL;
	return lo;
}

/*
 * The block from start s (an anchor, or the context) to the next anchor
 * that starts no other block: its buckets (those new or holding a policy
 * named to refill) and its span in m.  False: its ends are not in m.
 */
static bool
policy_near_block(struct policy_near *w, const struct cnode *s)
{
	const char *ctx = w->ctx->val, *lo, *hi, *e;
	const struct cnode *q, *first, *last;
	struct sb name, jumps;
	bool end = false, ok = false;
	size_t n;

	sb_init(&name);
	sb_init(&jumps);
	lo = policy_near_lo(w, s, &name);
	if (lo == NULL)
		goto out;
	for (q = s == w->ctx ? w->ctx->first : s->next; !end;) {
		q = policy_bucket(ctx, q, &first, &n, &name);
		if (first == NULL)
			break;
		sb_printf(&jumps, "jump %s\n", sb_str(&name));
		json_object_set_new(w->now, sb_str(&name), json_true());
		size_t k = n, was = w->seen;
		for (last = first; k > 0; last = last->next)
			if (policy_in(last)) {
				w->seen += policy_patch_in(w->t, w->nt, last);
				if (--k == 0)
					break;
			}
		if (w->seen != was || !nftm_has_chain(w->m, sb_str(&name))) {
			w->redo = xrealloc(
			    w->redo, (w->nredo + 1) * sizeof(*w->redo));
			w->redo[w->nredo++] = (struct policy_redo){ first, n,
				xstrdup(sb_str(&name)) };
		}
		end = policy_near_anchor(ctx, last, w->t, w->nt) &&
		    !policy_near_started(w, last);
	}
	/* the bucket after the block starts with an anchor's next */
	hi = w->old + strlen(w->old);
	while (q != NULL && !policy_in(q))
		q = q->next;
	if (q != NULL &&
	    (policy_bucket_ends(ctx, q, &name),
		hi = policy_near_line(lo, sb_str(&name), &e)) == NULL)
		goto out;
	w->blk = xrealloc(w->blk, (w->nblk + 1) * sizeof(*w->blk));
	w->blk[w->nblk++] =
	    (struct policy_block){ lo, hi, xstrdup(sb_str(&jumps)) };
	ok = true;
out:
	sb_free(&name);
	sb_free(&jumps);
	return ok;
}

static int
policy_near_cmp(const void *a, const void *b)
{
	const char *x = ((const struct policy_block *)a)->lo;
	const char *y = ((const struct policy_block *)b)->lo;

	return x < y ? -1 : x > y;
}

/* m's chain with each block's span replaced, into p with the buckets no
 * longer jumped to deleted. */
static void
policy_near_write(struct policy_near *w, const char *cname, struct nftm *p)
{
	struct sb body, name;
	const char *at = w->old, *l;

	sb_init(&body);
	sb_init(&name);
	for (size_t i = 0; i < w->nblk; i++) {
		sb_printf(&body, "%.*s%s", (int)(w->blk[i].lo - at), at,
		    w->blk[i].jumps);
		at = w->blk[i].hi;
	}
	sb_puts(&body, at);
	if (strcmp(sb_str(&body), w->old) != 0)
		nftm_patch_chain(p, cname, sb_str(&body));
	for (size_t i = 0; i < w->nblk; i++) {
		sb_reset(&body);
		sb_printf(&body, "%.*s", (int)(w->blk[i].hi - w->blk[i].lo),
		    w->blk[i].lo);
		for (l = sb_str(&body); policy_body_jump(&l, &name);)
			if (json_object_get(w->now, sb_str(&name)) == NULL) {
				nftm_patch_chain(p, sb_str(&name), NULL);
				sb_printf(&name, "_6");
				nftm_patch_chain(p, sb_str(&name), NULL);
			}
	}
	sb_free(&body);
	sb_free(&name);
}

bool
policy_patch_near(struct conf *c, const struct nftm *m, const struct cnode *ctx,
    const struct cnode *const *t, size_t nt, struct nftm *p, struct verrs *errs)
{
	struct policy_near w = { c, m, ctx, t, nt, 0, NULL, NULL, NULL, 0, NULL,
		0, NULL };
	struct sb cname;
	bool ok = false;
	size_t i;

	if (nt == 0)
		return false;
	sb_init(&cname);
	nftm_name("ctx_", ctx->val, &cname);
	w.old = nftm_chain_body(m, sb_str(&cname));
	if (w.old == NULL)
		goto out;
	w.now = json_object();
	w.starts = xcalloc(nt, sizeof(*w.starts));
	for (i = 0; i < nt; i++)
		w.starts[i] = policy_near_start(ctx, t[i], t, nt);
	/* a block from each start that no block before runs into */
	for (i = 0; i < nt; i++) {
		const struct cnode *s = w.starts[i];
		bool dup = false;
		for (size_t k = 0; k < i && !dup; k++)
			dup = w.starts[k] == s;
		if (dup ||
		    (s != ctx &&
			policy_near_started(
			    &w, policy_near_start(ctx, s, t, nt))))
			continue;
		if (!policy_near_block(&w, s))
			goto out;
	}
	if (w.seen != nt)
		goto out; /* a policy named is in no block */
	qsort(w.blk, w.nblk, sizeof(*w.blk), policy_near_cmp);
	for (i = 1; i < w.nblk; i++)
		if (w.blk[i].lo < w.blk[i - 1].hi)
			goto out; /* m's spans overlap: m is not what c says */
	ok = true;
	for (i = 0; i < w.nredo; i++)
		policy_patch_refill(c, ctx->val, w.redo[i].first, w.redo[i].n,
		    w.redo[i].name, p, errs);
	policy_near_write(&w, sb_str(&cname), p);
out:
	for (i = 0; i < w.nredo; i++)
		free(w.redo[i].name);
	for (i = 0; i < w.nblk; i++)
		free(w.blk[i].jumps);
	free(w.redo);
	free(w.blk);
	free(w.starts);
	json_decref(w.now);
	sb_free(&cname);
	return ok;
}
