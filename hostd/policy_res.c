/*
 * policy_res: what the rules of the security policies look up, found once
 * per model or patch rather than once per policy: the address books in
 * effect, and the schema nodes of the children a policy is read by (match,
 * then permit tunnel, an address's ip-prefix).  At 40,000 policies the
 * look-ups by name were most of zones_model's time (docs/benchmarks.md,
 * thirty-ninth round).  policy.c builds the model with one, policy_patch.c
 * each refill, so a patched rule is the rule the whole model has.
 */
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "hostd/hostd.h"
#include "lib/log.h"

void
policy_res_init(struct policy_res *r, struct conf *c)
{
	const struct cnode *sec = cnode_child(conf_root(c), "security");
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	r->c = c;
	for (const struct cnode *b = sec ? sec->first : NULL; b; b = b->next)
		n += strcmp(b->sn->name, "address-book") == 0;
	if (n == 0)
		return;
	r->books = xcalloc(n, sizeof(*r->books));
	/* security is in effect (cnode_child): a book is when its own flag
	 * says so, and an entry of it then by its own flag too */
	for (const struct cnode *b = sec->first; b; b = b->next) {
		if (strcmp(b->sn->name, "address-book") != 0 ||
		    (b->flags & CN_INACTIVE))
			continue;
		r->books[r->nbooks].book = b;
		r->books[r->nbooks].addr = snode_child(b->sn, "address");
		r->books[r->nbooks].set = snode_child(b->sn, "address-set");
		r->nbooks++;
	}
}

void
policy_res_fini(struct policy_res *r)
{
	free(r->books);
	r->books = NULL;
	r->nbooks = 0;
}

/*
 * n's first child in effect named name, its schema node remembered in
 * slot k for the next node of n's kind (policy and global policy are
 * kinds apart: a slot follows the last one asked).
 */
const struct cnode *
policy_res_child(struct policy_res *r, enum policy_slot k,
    const struct cnode *n, const char *name)
{
	struct policy_sn *s = &r->sn[k];

	if (n == NULL || !cnode_has_kids(n))
		return NULL;
	if (s->parent != n->sn) {
		s->parent = n->sn;
		s->child = snode_child_named(n->sn, name);
	}
	return s->child ? cnode_child_kind(n, s->child) : NULL;
}

const struct cnode *
policy_book_find(struct policy_res *r, bool set, const char *name)
{
	const struct cnode *a;

	for (size_t i = 0; i < r->nbooks; i++) {
		const struct policy_book *b = &r->books[i];
		const struct snode *sn = set ? b->set : b->addr;
		if (sn == NULL)
			continue;
		/* the tree's hash table: a policy costs O(1) per address */
		a = conf_find(r->c, b->book, sn, name);
		if (a != NULL && !(a->flags & CN_INACTIVE))
			return a;
	}
	return NULL;
}

/*
 * Appends the elements of address (or address-set) name to v4 / v6 as
 * nftables set elements.  0, or -1 with a message in why.
 */
int
policy_addr(struct policy_res *r, const char *name, int depth, struct sb *v4,
    struct sb *v6, struct sb *why)
{
	const struct cnode *a = policy_book_find(r, false, name), *x;

	if (a != NULL) {
		struct sb *to;
		if ((x = policy_res_child(r, PSLOT_PREFIX, a, "ip-prefix")) !=
		    NULL) {
			to = strchr(x->val, ':') ? v6 : v4;
			sb_printf(to, "%s%s", to->len ? ", " : "", x->val);
			return 0;
		}
		/* IPv4 only: the schema types both ends ipv4addr, as Junos */
		if ((x = policy_res_child(
			 r, PSLOT_RANGE, a, "range-address")) != NULL) {
			const struct cnode *hi = policy_res_child(r, PSLOT_HIGH,
			    policy_res_child(r, PSLOT_TO, x, "to"),
			    "range-high");
			struct in_addr lo4, hi4;
			/* nft refuses a range that ends before it starts */
			if (hi != NULL &&
			    inet_pton(AF_INET, x->val, &lo4) == 1 &&
			    inet_pton(AF_INET, hi->val, &hi4) == 1 &&
			    ntohl(hi4.s_addr) < ntohl(lo4.s_addr)) {
				sb_printf(why,
				    "address %s: range-address %s to"
				    " range-high %s ends before it starts",
				    name, x->val, hi->val);
				return -1;
			}
			sb_printf(v4, "%s%s-%s", v4->len ? ", " : "", x->val,
			    hi ? hi->val : x->val);
			return 0;
		}
		sb_printf(why,
		    "address %s: only ip-prefix and range-address"
		    " addresses can be applied",
		    name);
		return -1;
	}
	a = policy_book_find(r, true, name);
	if (a == NULL || depth >= POLICY_SET_DEPTH) {
		sb_printf(why,
		    a ? "address-set %s nests too deeply"
		      : "address %s is not defined in the address book",
		    name);
		return -1;
	}
	for (x = a->first; x; x = x->next)
		if ((strcmp(x->sn->name, "address") == 0 ||
			strcmp(x->sn->name, "address-set") == 0) &&
		    !(x->flags & CN_INACTIVE) &&
		    policy_addr(r, x->val, depth + 1, v4, v6, why) == -1)
			return -1;
	return 0;
}
