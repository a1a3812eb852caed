/*
 * conf: the running `security ike` / `security ipsec` tree as an iconf
 * (the gateways by conf_gw.c, the VPNs by conf_vpn.c), its lookups, and
 * the difference between two configurations as engine calls (conf.h).
 *
 * Refused, each at its statement (conf_gw.c, conf_prop.c): IKEv1 (`version`
 * v1-only, Junos's default: iked speaks IKEv2 only so far), a gateway without
 * `address` or `dynamic`, an address given as a host name, a policy without
 * pre-shared-key or local certificate (or without the one its proposals'
 * authentication method needs), a certificate without `trusted-ca
 * ca-profile` or naming a ca-profile not under `security pki`, a seeded
 * pre-shared key, a trusted CA group, aaa / advpn / tcp-encap-profile, and
 * (conf_prop.c) algorithms crypto.h does not do.  RFC 8784 2: a PPK profile
 * needs IKEv2. iconf_check_pki: a local certificate or CA certificate not
 * loaded.
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "iked/conf.h"
#include "iked/ikev2.h"
#include "pki/pki.h"

size_t
iconf_list(
    const struct cnode *n, const char *name, const char **out, size_t max)
{
	size_t k = 0;

	for (const struct cnode *c = n ? n->first : NULL; c; c = c->next) {
		if (strcmp(c->sn->name, name) != 0 || (c->flags & CN_INACTIVE))
			continue;
		if (k < max)
			out[k] = c->val;
		k++;
	}
	return k;
}

void *
iconf_array(size_t n, size_t *cap, size_t size)
{
	void *p;

	/* room for the VPNs a commit adds later (conf_delta_apply.c): the
	 * first one added would otherwise copy the whole array */
	*cap = n ? n + n / 8 + 16 : 0;
	p = n ? xcalloc(*cap, size) : NULL;
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE), a = (uintptr_t)p;
	uintptr_t start = (a + pg - 1) & ~(pg - 1),
		  end = (a + n * size) & ~(pg - 1);

	/* best effort: before Linux 5.14 the pages fault in one by one */
	if (p != NULL && end > start + ICONF_POPULATE_MIN * pg)
		(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
	return p;
}

void
iconf_name_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

size_t
iconf_name_pos(
    const void *base, size_t n, size_t size, const char *name, bool *found)
{
	size_t lo = 0, hi = n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp((const char *)base + mid * size, name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct cnode *
iconf_entry(const struct iconf_ctx *x, const struct cnode *parent,
    const char *kind, const char *name)
{
	const struct snode *sn;
	const struct cnode *n = NULL;

	if (parent == NULL || name == NULL)
		return NULL;
	/* the tree's hash: a walk per gateway among 10,000 siblings made
	 * every rebuild quadratic.  By schema name: an interface entry has
	 * no keyword, so snode_child would not find it */
	if ((sn = snode_child_named(parent->sn, kind)) != NULL)
		n = conf_find(x->c, parent, sn, name);
	return n != NULL && !cnode_is_inactive(n) ? n : NULL;
}

const struct cnode *
iconf_child(
    const struct iconf_ctx *x, const struct cnode *parent, const char *name)
{
	const struct snode *sn;
	const struct cnode *n;

	/* the slot of its kind (schema/conf.h), not a walk of the 30,000
	 * gateways, policies and proposals before it */
	if (parent == NULL ||
	    (sn = snode_child_named(parent->sn, name)) == NULL ||
	    sn->kind == SN_LIST || sn->kind == SN_LEAFLIST)
		return NULL;
	n = conf_find(x->c, parent, sn, NULL);
	return n != NULL && !(n->flags & CN_INACTIVE) ? n : NULL;
}

/* The schema node of parent's child name, from x->kids or put there. */
static const struct snode *
conf_kid_sn(struct iconf_ctx *x, const struct snode *parent, const char *name)
{
	size_t h = (((uintptr_t)parent >> 4) ^ ((uintptr_t)name >> 3) ^
		       (uintptr_t)(unsigned char)name[0]) *
	    0x9e3779b1u;

	for (size_t i = 0; i < ICONF_KIDS; i++) {
		struct iconf_kid *k = &x->kids[(h + i) & (ICONF_KIDS - 1)];
		if (k->parent == NULL) {
			k->parent = parent;
			k->name = name;
			k->sn = snode_child_named(parent, name);
			return k->sn;
		}
		if (k->parent == parent &&
		    (k->name == name || strcmp(k->name, name) == 0))
			return k->sn;
	}
	return snode_child_named(parent, name); /* full: not kept */
}

const struct cnode *
iconf_kid(struct iconf_ctx *x, const struct cnode *n, const char *name)
{
	const struct snode *sn;
	const struct cnode *c;

	if (n == NULL)
		return NULL;
	if ((sn = conf_kid_sn(x, n->sn, name)) == NULL)
		return NULL;
	if (sn->kind == SN_LIST || sn->kind == SN_LEAFLIST)
		return cnode_child(n, name); /* the first active entry */
	c = cnode_last_idx(n, sn->idx);
	return c != NULL && !(c->flags & CN_INACTIVE) ? c : NULL;
}

const char *
iconf_kid_val(struct iconf_ctx *x, const struct cnode *n, const char *name)
{
	const struct cnode *c = iconf_kid(x, n, name);

	return c ? c->val : NULL;
}

/* `security ike session half-open` (RFC 7296 2.6 cookies, the bounds). */
static void
conf_half_open(struct iconf_ctx *x, struct eng_limits *l)
{
	const struct cnode *h =
	    cnode_child(iconf_child(x, x->ike, "session"), "half-open");
	const struct cnode *t = cnode_child(h, "thresholds");
	const struct cnode *r = cnode_child(t, "reduce-timeout");
	const char *v;

	memset(l, 0, sizeof(*l)); /* 0: the engine's defaults */
	if ((v = cnode_child_val(h, "max-count")) != NULL)
		l->half_open_max = (uint32_t)strtoul(v, NULL, 10);
	if ((v = cnode_child_val(h, "timeout")) != NULL)
		l->half_open_timeout = (uint32_t)strtoul(v, NULL, 10);
	if ((v = cnode_child_val(
		 cnode_child(t, "send-cookie"), "session-count")) != NULL)
		l->cookie_threshold = (uint32_t)strtoul(v, NULL, 10);
	if ((v = cnode_child_val(r, "session-count")) != NULL)
		l->reduce_threshold = (uint32_t)strtoul(v, NULL, 10);
	if ((v = cnode_child_val(r, "timeout")) != NULL)
		l->reduce_timeout = (uint32_t)strtoul(v, NULL, 10);
}

void
iconf_ctx_init(struct iconf_ctx *x, struct conf *c, struct verrs *errs)
{
	const struct cnode *sec = cnode_child(conf_root(c), "security");
	const struct cnode *rw;

	memset(x, 0, sizeof(*x));
	x->c = c;
	x->ike = cnode_child(sec, "ike");
	x->ipsec = cnode_child(sec, "ipsec");
	x->interfaces = cnode_child(conf_root(c), "interfaces");
	rw = iconf_child(x, x->ipsec, "anti-replay-window-size");
	x->replay_window = rw ? rw->val : NULL;
	x->errs = errs;
}

struct iconf *
iconf_new(struct conf *c, struct iconf_ids *ids, struct verrs *errs)
{
	struct iconf *ic = xcalloc(1, sizeof(*ic));
	struct iconf_ctx x;
	const struct snode *gsn;

	iconf_ctx_init(&x, c, errs);
	/* sized once: doubling 1.5 kB peers to 10,000 copied and faulted
	 * in twice the memory the array ends with */
	gsn = x.ike ? snode_child_named(x.ike->sn, "gateway") : NULL;
	ic->peer = iconf_array(gsn ? conf_count_kind(c, x.ike, gsn) : 0,
	    &ic->cappeer, sizeof(*ic->peer));
	for (const struct cnode *g = x.ike ? x.ike->first : NULL; g;
	     g = g->next) {
		if (g->sn != gsn || cnode_is_inactive(g))
			continue;
		if (ic->npeer == ic->cappeer) { /* not if the count is right */
			ic->cappeer = ic->cappeer * 2 + 16;
			ic->peer =
			    xrealloc(ic->peer, ic->cappeer * sizeof(*ic->peer));
		}
		struct eng_peer *p = &ic->peer[ic->npeer];
		if (iconf_gateway(&x, g, p) == -1) {
			/* not run: apply only sees checked configurations */
			iconf_peer_clear(p);
			ic->ndropped++;
			continue;
		}
		ic->npeer++;
	}
	conf_half_open(&x, &ic->lim);
	iconf_vpns(&x, ic, ids);
	if (ic->npeer > 1)
		qsort(ic->peer, ic->npeer, sizeof(*ic->peer), iconf_name_cmp);
	if (ic->nvpn > 1)
		qsort(ic->vpn, ic->nvpn, sizeof(*ic->vpn), iconf_name_cmp);
	/* A VPN whose gateway does not run (deactivated) does not run. */
	size_t k = 0;
	for (size_t i = 0; i < ic->nvpn; i++)
		if (iconf_peer_find(ic, ic->vpn[i].gateway) != NULL)
			ic->vpn[k++] = ic->vpn[i];
	ic->ndropped += ic->nvpn - k;
	ic->nvpn = k;
	return ic;
}

void
iconf_peer_clear(struct eng_peer *p)
{
	free(p->remote_id.dn_container);
	free(p->remote_id.dn_wildcard);
	free(p->local_id.dn_container);
	free(p->local_id.dn_wildcard);
	OPENSSL_cleanse(p, sizeof(*p));
}

void
iconf_free(struct iconf *ic)
{
	if (ic == NULL)
		return;
	for (size_t i = 0; i < ic->npeer; i++)
		iconf_peer_clear(&ic->peer[i]);
	free(ic->peer);
	free(ic->vpn);
	free(ic);
}

static bool
conf_str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Both built by iconf_gateway from zeroed structs: compare the bytes. */
bool
iconf_peer_eq(const struct eng_peer *a, const struct eng_peer *b)
{
	struct eng_peer x = *a, y = *b;
	bool eq;

	if (!conf_str_eq(a->local_id.dn_container, b->local_id.dn_container) ||
	    !conf_str_eq(a->local_id.dn_wildcard, b->local_id.dn_wildcard) ||
	    !conf_str_eq(
		a->remote_id.dn_container, b->remote_id.dn_container) ||
	    !conf_str_eq(a->remote_id.dn_wildcard, b->remote_id.dn_wildcard))
		return false;
	x.local_id.dn_container = x.local_id.dn_wildcard = NULL;
	x.remote_id.dn_container = x.remote_id.dn_wildcard = NULL;
	y.local_id.dn_container = y.local_id.dn_wildcard = NULL;
	y.remote_id.dn_container = y.remote_id.dn_wildcard = NULL;
	eq = memcmp(&x, &y, sizeof(x)) == 0;
	OPENSSL_cleanse(&x, sizeof(x));
	OPENSSL_cleanse(&y, sizeof(y));
	return eq;
}

/*
 * Peers and VPNs are sorted by name (iconf_new): a commit at 10,000
 * tunnels finds each in O(log n), not by a walk of all of them.  The name
 * is the first member of both structs.
 */
int
iconf_name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

const struct eng_peer *
iconf_peer_find(const struct iconf *ic, const char *name)
{
	if (ic == NULL || ic->npeer == 0)
		return NULL;
	return bsearch(
	    name, ic->peer, ic->npeer, sizeof(*ic->peer), iconf_name_cmp);
}

const struct eng_vpn *
iconf_vpn_find(const struct iconf *ic, const char *name)
{
	if (ic == NULL || ic->nvpn == 0)
		return NULL;
	return bsearch(
	    name, ic->vpn, ic->nvpn, sizeof(*ic->vpn), iconf_name_cmp);
}

size_t
iconf_diff(const struct iconf *old, const struct iconf *new,
    const struct iconf_diff_ops *ops, void *ctx)
{
	size_t calls = 0;

	/* gateways before their VPNs: the IKE SA's Delete takes its Child
	 * SAs with it (RFC 7296 1.4.1), where a VPN deleted first would put
	 * a Child SA Delete in flight and leave the IKE SA to go unannounced
	 * (one exchange at a time, 2.3); the engine finds a VPN's gateway by
	 * name and tolerates its absence meanwhile */
	for (size_t i = 0; old != NULL && i < old->npeer; i++)
		if (iconf_peer_find(new, old->peer[i].name) == NULL) {
			ops->peer_del(ctx, old->peer[i].name);
			calls++;
		}
	for (size_t i = 0; old != NULL && i < old->nvpn; i++)
		if (iconf_vpn_find(new, old->vpn[i].name) == NULL) {
			ops->vpn_del(ctx, old->vpn[i].name);
			calls++;
		}
	for (size_t i = 0; i < new->npeer; i++) {
		const struct eng_peer *o =
		    iconf_peer_find(old, new->peer[i].name);
		if (o == NULL || !iconf_peer_eq(o, &new->peer[i])) {
			ops->peer_set(ctx, &new->peer[i]);
			calls++;
		}
	}
	for (size_t i = 0; i < new->nvpn; i++) {
		const struct eng_vpn *o = iconf_vpn_find(old, new->vpn[i].name);
		if (o == NULL || memcmp(o, &new->vpn[i], sizeof(*o)) != 0) {
			ops->vpn_set(ctx, &new->vpn[i]);
			calls++;
		}
	}
	return calls;
}

void
iconf_check_pki(struct conf *c, struct pki_store *st, struct verrs *errs)
{
	const struct cnode *ike =
	    cnode_child(cnode_child(conf_root(c), "security"), "ike");
	struct iconf_ctx x = { .c = c, .ike = ike, .errs = errs };
	const struct snode *psn;

	/* every commit: the policies by their kind, the other 20,000
	 * entries of ike skipped a kind at a time (they are contiguous) */
	if (ike == NULL || cnode_is_inactive(ike) ||
	    (psn = snode_child_named(ike->sn, "policy")) == NULL)
		return;
	for (const struct cnode *pol = ike->first; pol; pol = pol->next) {
		if (pol->sn != psn) {
			if (cnode_last_idx(ike, pol->sn->idx))
				pol = cnode_last_idx(ike, pol->sn->idx);
			continue;
		}
		if (pol->flags & CN_INACTIVE)
			continue;
		const struct cnode *cert = cnode_child(pol, "certificate");
		const char *lc = cnode_child_val(cert, "local-certificate");
		const char *ca = cnode_child_val(
		    cnode_child(cert, "trusted-ca"), "ca-profile");
		if (ca == NULL && lc != NULL)
			ca = iconf_only_ca_profile(&x);
		if (lc != NULL &&
		    (!pki_name_is_valid(lc) || !pki_has_local_cert(st, lc)))
			iconf_err(&x, cert, "local-certificate",
			    "Local"
			    " certificate '%s' is not loaded",
			    lc);
		if (ca != NULL &&
		    (!pki_name_is_valid(ca) || !pki_has_ca_cert(st, ca)))
			iconf_err(&x, cert, "trusted-ca",
			    "CA profile '%s'"
			    " has no CA certificate loaded",
			    ca);
	}
}
