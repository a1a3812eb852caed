/*
 * hostd: the host side of the appliance.  It applies `interfaces`,
 * `routing-options static`, `system host-name` and the security zones and
 * policies (as an nftables ruleset) to the network namespace it runs in,
 * and answers the operational network commands (show interfaces, show
 * route, ping, traceroute, show security zones/policies).
 *
 * The modules share this header: iface.c (naming rule, addresses),
 * route.c (static routes), pending.c (what waits for a device, and the
 * kernel's link notifications that end the wait), zones.c (zones, host-inbound
 * traffic, the ruleset skeleton), policy.c (policies, counters), nftm.c (the
 * ruleset as a model, loaded whole or as the difference), ruleset.c (that
 * model through a commit: check, dormant load, apply, hostd.nft, stop),
 * laps.c (where a check's or an apply's time goes), diag.c (ping,
 * traceroute).  docs/host.md describes the rules.
 */
#ifndef QSAFE_HOSTD_H
#define QSAFE_HOSTD_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "hostd/nftm.h"
#include "lib/sb.h"
#include "schema/conf.h"
#include "schema/validate.h"

struct event;
struct event_base;
struct link;
struct nl_sock;

/* Linux IFNAMSIZ - 1: the longest device name. */
#define HOST_IFNAME_MAX 15
/* One address or route hostd put in place (or waits to put in place). */
struct host_item {
	char *dev;    /* Linux device */
	char *prefix; /* address/len or route destination */
	char *via;    /* route: next hops "a b" or device, or NULL */
	int kind;     /* HOST_ADDR, HOST_ROUTE, HOST_REJECT, HOST_DISCARD */
	uint32_t metric;
};

enum { HOST_ADDR, HOST_ROUTE, HOST_REJECT, HOST_DISCARD };

struct host_items {
	struct host_item *v;
	size_t n;
	size_t cap; /* of v: items_add doubles it */
};

struct hostd {
	struct event_base *base;
	struct link *link;
	struct nl_sock *nl;
	bool active;		   /* may change this network namespace */
	const char *inert_why;	   /* why not, when !active */
	bool own_uts;		   /* may set the host name */
	char *start_name;	   /* host name at start: no system host-name */
	struct host_items pending; /* waiting for a device or a route */
	struct nl_sock *nlev;	   /* link and address notifications */
	struct event *nlev_ev;	   /* its socket in the loop */
	struct event *sync;	   /* one pass after a burst of notifications */
	json_t *appeared;	   /* devices new or changed since that pass */
	json_t *up;		   /* devices seen up: a `down` is a change */
	json_t *downed;		   /* set down by someone: their items wait */
	bool reachable;		   /* an address or a device came up */
	bool resync;		   /* something went: check what is in place */
	/* the model of the table in force (NULL: no table); what check
	 * built for the commit in progress, and its transaction */
	struct nftm *model;
	struct nftm *next_model;
	struct nftm *next_patch; /* or a patch of model (nftm.h) */
	struct conf *next_conf;	 /* the tree next_model was built from */
	/* what changed from next_prev to next_conf (scope.c), found at
	 * check and used again by the apply: a second diff of 40,000
	 * policies costs as much as the first */
	struct host_scope *next_scope;
	struct conf *next_prev;
	char *next_txn;
	bool next_full; /* next_txn loads the whole table */
	/* next_model goes whole under the other name, dormant, and one
	 * transaction puts it in force in place of the table in force: a
	 * large difference (ruleset.c: ruleset_swap) */
	bool next_swap;
	json_t *next_carry; /* its counts from the table in force */
	/* the first large table, or a swap's next one, loaded dormant after
	 * the reply to check (ruleset_preload, bulk.c): the apply wakes it */
	enum { HOST_BULK_NONE, HOST_BULK_DUE, HOST_BULK_DORMANT } bulk;
	struct event *preload;
	json_t *since;	       /* route key -> when hostd installed it */
	const char *state_dir; /* hostd.nft: a copy of it, to read */
	/* the nftables tables of this appliance: qsafe_<hash of state_dir>
	 * and the same with _b, the name a large change's table is loaded
	 * under beside the one in force (ruleset_swap); table is the one in
	 * force, or where the first goes; names[0]_ct tracks connections */
	char names[2][32];
	const char *table;
	bool other_left;  /* a table of the other name may be in the kernel */
	bool table_known; /* whether h->model is what the kernel has */
	bool tracking;	  /* table names[0]_ct is loaded (host_track) */
	bool stopping;	  /* SIGTERM: the appliance stops */
	struct nftm *old_model; /* out of force, freed when idle */
	struct event *tidy;	/* ruleset_tidy: after the reply */
	bool save_due;		/* hostd.nft to rewrite when idle */
	bool verify;		/* QSAFE_HOSTD_VERIFY: check each patch */
	int64_t laps_ms;	/* steps' times logged above (host_laps_end) */
	bool applied; /* a configuration was applied: changes are diffs */
};

const struct cnode *host_path(const struct cnode *n, const char *path);
void host_edit(const struct cnode *n, struct sb *out);

/* iface.c: the naming rule (docs/host.md). */
int iface_linux_name(const char *junos_unit, char *out, size_t len);
void iface_junos_name(const char *linux, struct sb *out);
bool iface_is_st0(const char *junos_unit);

void items_add(struct host_items *s, const char *dev, const char *prefix,
    const char *via, int kind, uint32_t metric);
void items_free(struct host_items *s);

/*
 * scope.c: what a change touches (from one diff over the nodes it marked):
 * the ruleset, which interface entries or units, which static routes.
 * Items and checks look only there.
 */
struct host_scope {
	bool fw;	 /* security zones, policies, address books */
	bool ifs_all;	 /* every interface entry */
	bool routes_all; /* every static route */
	json_t *ifs;	 /* name -> true (every unit) or {unit -> true} */
	json_t *routes;	 /* route prefix -> true */
	/* the ruleset: only these parts of zones changed (zones_patch), or
	 * more than that (zones_full: the model is built again) */
	bool zones_full;
	json_t *zhits;	/* zone name -> true: its host-inbound-traffic */
	json_t *zunits; /* unit -> true: its zone entries */
	/* policy context -> {policy name -> true}; "": the context's entry */
	json_t *pols;
	json_t *books; /* address-book address or set name -> true */
};

void scope_init(struct host_scope *s);
void scope_all(struct host_scope *s);
void scope_of(struct host_scope *s, struct conf *prev, struct conf *next);
void scope_free(struct host_scope *s);
void scope_units(struct conf *c, const struct host_scope *s,
    void (*fn)(const struct cnode *i, const struct cnode *u, void *arg),
    void *arg);
void scope_routes(struct conf *c, const struct host_scope *s,
    void (*fn)(const struct cnode *r, void *arg), void *arg);

/* Addresses of the units the scope names, as items. */
void iface_items(
    struct conf *c, const struct host_scope *s, struct host_items *out);
/* Refuses units whose Linux name cannot exist (absent devices wait). */
void iface_check(struct hostd *h, struct conf *next, const struct host_scope *s,
    struct verrs *errs);
/* Adds or removes one item; 0, 1 (waits for its device), or -1. */
int iface_addr_set(struct hostd *h, const struct host_item *it, bool add);
json_t *iface_show(struct hostd *h, const json_t *input, struct sb *err);

/* route.c */
void route_items(
    struct conf *c, const struct host_scope *s, struct host_items *out);
void route_check(struct hostd *h, struct conf *next, const struct host_scope *s,
    struct verrs *errs);
int route_set(struct hostd *h, const struct host_item *it, bool add);
json_t *route_show(struct hostd *h, const json_t *input, struct sb *err);
/* Records (add) or forgets when the routes of item it were put in place. */
void route_since(struct hostd *h, const struct host_item *it, bool add);
/*
 * The IPv4 prefixes through which the kernel could reach a gateway
 * (route_reach_new), for a pass that puts many routes in place: a route
 * whose IPv4 gateway none covers would be refused (ENETUNREACH), so it
 * waits without asking.  NULL when the kernel's routing rules are not the
 * default ones: each route asks then.
 */
struct route_reach;
struct route_reach *route_reach_new(struct hostd *h);
/* Item it was put in place: its prefix may now reach a gateway. */
void route_reach_add(struct route_reach *r, const struct host_item *it);
/* Whether route it has an IPv4 gateway r certainly cannot reach. */
bool route_reach_never(const struct route_reach *r, const struct host_item *it);
void route_reach_free(struct route_reach *r);

/*
 * pending.c: applies the addresses and routes of a change (what waits for
 * its device or next hop stays in h->pending), and from then on follows
 * the kernel's link and address notifications: a waiting item is put in
 * place when its device appears, and what was in place waits again when
 * its device goes.  0 or -1 (no notification socket).
 */
int pending_start(struct hostd *h);
void pending_stop(struct hostd *h);
/*
 * Removes what prev had and next has not, adds what next has new: prev
 * and next are the items of the same scope (what untouched parts have is
 * the same on both sides, and what of it waits keeps waiting).  The
 * items of next that wait are moved to h->pending: next is only to be
 * freed afterwards (items_free).
 */
void pending_apply(
    struct hostd *h, struct host_items *prev, struct host_items *next);

/*
 * bulk.c: loads text (nftm_text of m, whole, as table), when no table of
 * that name is in the kernel, with the elements of m's large interface
 * sets and the rules of its chains sent by libnftnl instead of parsed by
 * libnftables; the table is woken in the last transaction, or (!wake)
 * left dormant, filtering nothing, for bulk_wake.  carry (or NULL): the
 * counts text starts from (nftm_text): their chains go as text.  0 loaded; 1
 * nothing large (load text as it is); -1 failed (err says why; the table it
 * made is deleted again).
 */
int bulk_load(struct hostd *h, const char *table, const struct nftm *m,
    const char *text, const json_t *carry, bool wake, struct sb *err);
/* Wakes the dormant table bulk_load left and (drop not NULL) deletes table
 * drop: one transaction.  0 or -1 (nothing changed). */
int bulk_wake(
    struct hostd *h, const char *table, const char *drop, struct sb *err);

/*
 * bulk_rule.c: rule (len bytes of nftables text, one of the forms
 * policy.c writes into its bucket chains and the jumps to them) of chain
 * in table inet table as a libnftnl rule, its expressions as nft builds
 * them; NULL when it is not one of those forms.  Caller frees with
 * nftnl_rule_free.
 */
struct nftnl_rule;
struct nftnl_rule *bulk_rule_new(
    const char *table, const char *chain, const char *rule, size_t len);

/* zones.c: the model of the table for a configuration (nftm.h), or NULL
 * when c has no zone and no policy (zones_wanted): no table. */
bool zones_wanted(struct conf *c);
struct nftm *zones_model(struct conf *c, struct verrs *errs);
const char *zones_name(const struct cnode *zone);
/*
 * The patch (nftm.h) that brings the zones part of the model in force to
 * c, when only these changed: the host-inbound-traffic of the zones named
 * in hits, and the zone entries of the units named in units.
 */
struct nftm *zones_patch(
    struct conf *c, const json_t *hits, const json_t *units);
/* Whether patch p leaves zone_in's declared size as it is on m (else the
 * model is built whole: a new size is a transaction of its own). */
bool zones_patch_fits(const struct nftm *m, const struct nftm *p);
/* policy_patch.c: the policy maps' elements of the device of unit (key:
 * its nftables name), into patch p (zones_patch). */
void policy_patch_dev(
    struct conf *c, const char *unit, const char *key, struct nftm *p);
/*
 * Into patch p, what brings the policies of the model in force m to c
 * when only the policies named in pols (context -> {policy -> true, or a
 * deleted policy -> the name of its neighbour: scope_stand; a policy
 * moved and the one kept beside its old place: scope_moved}; a
 * context new or gone is patched, one otherwise changed as a whole not) and
 * the address-book entries named in books (name -> true; the sets holding
 * them are added) changed.  0, or -1 when the model must be built whole.
 */
/* Contexts policy_patch walked whole (all their policies), since start:
 * logged under QSAFE_HOSTD_VERIFY, so a test sees a one-liner's path. */
extern unsigned long policy_patch_walks;
int policy_patch(struct conf *c, const struct nftm *m, const json_t *pols,
    json_t *books, struct nftm *p, struct verrs *errs);
/* Whether q is one of the n policies of t. */
bool policy_patch_in(
    const struct cnode *const *t, size_t n, const struct cnode *q);
/* Bucket name (n policies in effect from first) of context ctx refilled in
 * p, with its chain for IPv6 made or deleted. */
void policy_patch_refill(struct conf *c, const char *ctx,
    const struct cnode *first, size_t n, const char *name, struct nftm *p,
    struct verrs *errs);
/* The next `jump X` line of a chain's body from *l (advanced past it): X
 * in name; false at the body's end. */
bool policy_body_jump(const char **l, struct sb *name);
/* policy_near.c: the buckets of context ctx around the n policies of t
 * (in effect; one gone or moved away named by its neighbour) into p, with
 * no walk of the context; false (nothing done): the whole walk decides. */
bool policy_patch_near(struct conf *c, const struct nftm *m,
    const struct cnode *ctx, const struct cnode *const *t, size_t nt,
    struct nftm *p, struct verrs *errs);
json_t *zones_show(struct hostd *h, const json_t *input, struct sb *err);
/* The zone of a Junos unit (borrowed), or NULL. */
const char *zones_of_unit(struct conf *c, const char *unit);
/* Appends the host-inbound services of a zone interface to arr. */
void zones_services(
    const struct cnode *zone, const struct cnode *ifc, json_t *arr);

/* policy_res.c: what a policy's rules look up, resolved once per model or
 * patch (policy_res_init .. policy_res_fini around the calls below). */
enum policy_slot {
	PSLOT_MATCH,
	PSLOT_THEN,
	PSLOT_PERMIT,
	PSLOT_REJECT,
	PSLOT_TUNNEL,
	PSLOT_VPN,
	PSLOT_SRC_EXCL,
	PSLOT_DST_EXCL,
	PSLOT_PREFIX,
	PSLOT_RANGE,
	PSLOT_TO,
	PSLOT_HIGH,
	PSLOT_N
};
struct policy_book {
	const struct cnode *book;	/* an address-book in effect */
	const struct snode *addr, *set; /* its kinds address, address-set */
};
struct policy_sn {
	const struct snode *parent, *child;
};
struct policy_res {
	struct conf *c;
	struct policy_book *books; /* in the tree's order */
	size_t nbooks;
	struct policy_sn sn[PSLOT_N]; /* the last look-up of each slot */
};
void policy_res_init(struct policy_res *r, struct conf *c);
void policy_res_fini(struct policy_res *r);
/* The entry name of kind address (set false) or address-set in effect in
 * the first book that has it, or NULL. */
const struct cnode *policy_book_find(
    struct policy_res *r, bool set, const char *name);
/* cnode_child(n, name), name's schema node kept in slot k. */
const struct cnode *policy_res_child(struct policy_res *r, enum policy_slot k,
    const struct cnode *n, const char *name);

/* policy.c */
#define POLICY_SET_DEPTH 8 /* nesting of address sets */
/* The policies and the forward chain, into m (zones_model calls it). */
void policy_model(struct conf *c, struct nftm *m, struct verrs *errs);
/* The match rules of policy p ending in its verdict, or tail if not NULL. */
void policy_one(struct policy_res *r, const struct cnode *p,
    const char *counter, const char *tail, struct sb *out, struct verrs *errs);
/* The zone entry named zone (a security-zone, or "management"), or NULL. */
const struct cnode *policy_zone(struct conf *c, const char *zone);
#define POLICY_ZONE_MAX 64
/* A context's key (from-zone A, to-zone B as its list key) as A and B. */
void policy_ctx_zones(const char *key, char zf[static POLICY_ZONE_MAX],
    char zt[static POLICY_ZONE_MAX]);
/* The chain of policy q of context ctx ("" global) and its rules; true
 * when it counts on a named counter (policy.c). */
bool policy_chain_rules(struct policy_res *r, const char *ctx,
    const struct cnode *q, struct sb *chain, struct sb *rules,
    struct sb *rules6, struct verrs *errs);
/* Whether q is a policy in effect (an entry `policy`, active); policy_in:
 * the same for a child of a context in effect (its own flag only). */
bool policy_is(const struct cnode *q);
bool policy_in(const struct cnode *q);
/*
 * The next bucket of policies of context ctx (policy.c; in effect) from q
 * on: its
 * first policy into *first (NULL: no policy left), how many policies in
 * effect it holds into *n, its chain's name into name; returns where the
 * next bucket starts (NULL: at the end).
 */
const struct cnode *policy_bucket(const char *ctx, const struct cnode *q,
    const struct cnode **first, size_t *n, struct sb *name);
/* Whether policy q of context ctx ends a bucket whatever its place (by
 * its hash), and into name (not NULL) the bucket's name if q starts one. */
bool policy_bucket_ends(
    const char *ctx, const struct cnode *q, struct sb *name);
/* The bucket that holds q (a policy in effect of context ctx, its entry
 * ctxn): as policy_bucket, from the anchor before q (policy_bucket_ends)
 * on, not from the context's first policy. */
void policy_bucket_of(const struct cnode *ctxn, const struct cnode *q,
    const struct cnode **first, size_t *n, struct sb *name);
/*
 * The rules of the n policies in effect from first (the bucket name),
 * each tagged with its name: the body of chain name appended to body, and
 * of chain name_6 (IPv6 packets) to body6 when it has one (true); the
 * named counters of tunnel policies declared in m, if not NULL.
 */
bool policy_bucket_rules(struct policy_res *r, struct nftm *m, const char *ctx,
    const struct cnode *first, size_t n, const char *name, struct sb *body,
    struct sb *body6, struct verrs *errs);
/* The chains of that bucket (name, and name_6 when it has one) and their
 * rules, into m (policy_bucket_rules). */
void policy_bucket_model(struct policy_res *r, struct nftm *m, const char *ctx,
    const struct cnode *first, size_t n, const char *name, struct verrs *errs);
/* A side's addresses of one family ("a, b/L, c-d") as a raw match of the
 * network header, appended to out with a space (policy_raw.c); false
 * when one is none of these forms. */
bool policy_raw(
    const char *el, bool v6, bool dst, bool excluded, struct sb *out);
/*
 * policy_vpn.c: policy-based VPNs (lib/pvpn.h).  The marking before
 * routing, into m; false when no policy names a VPN (nothing added).
 * Then the forward chain's rules for the tunnel device, dflt the
 * default policy's verdict.
 */
bool policy_vpn_model(struct policy_res *r, struct nftm *m);
void policy_vpn_forward(const char *dflt, struct sb *rules);
/* The counter of policy name in context ctx ("from<US>to", "" global):
 * pol_<hash>; its chain is p_<hash>. */
void policy_counter_name(const char *ctx, const char *name, struct sb *out);
/*
 * policy_uses.c: the policies and address-sets that name an address-book
 * entry, kept in the model (nftm_use).  policy_uses_model: all of c's,
 * into m built whole; policy_uses_policy, policy_uses_set: one policy's
 * (of context ctx, "" global) or set's, into a patch.
 */
void policy_uses_model(struct conf *c, struct nftm *m);
void policy_uses_policy(struct nftm *m, const char *ctx, const struct cnode *q);
void policy_uses_set(struct nftm *m, const struct cnode *x);
/* Adds to books every address-set that holds one of its entries at any
 * depth, by the uses of m and patch p (policy_patch_books). */
void policy_uses_sets(
    const struct nftm *m, const struct nftm *p, json_t *books);
/* The policies of c in effect whose match names an entry of books, by
 * the uses of m: a new object, context ("" global) -> {policy -> true}. */
json_t *policy_uses_users(
    struct conf *c, const struct nftm *m, const json_t *books);
/* Whether policy q's match names an entry of books (policy_patch.c). */
bool policy_patch_uses(const struct cnode *q, const json_t *books);
/* The addresses of address-book entry name, nftables elements appended
 * to v4 / v6 (", "-separated); 0, or -1 with why. */
int policy_addr(struct policy_res *r, const char *name, int depth,
    struct sb *v4, struct sb *v6, struct sb *why);
/* "permit", "reject" or "deny"; the VPN a policy tunnels to, or NULL. */
const char *policy_action(const struct cnode *p);
const char *policy_tunnel_vpn(const struct cnode *p);
/* The same VPN, read through r (policy_res.c). */
const char *policy_res_vpn(struct policy_res *r, const struct cnode *p);

/* policy_show.c */
/* Runs an nftables transaction (nftm_text, nftm_delta); 0 or -1. */
int policy_load(
    struct hostd *h, const char *text, bool dry_run, struct sb *err);
json_t *policy_show(struct hostd *h, const json_t *input, struct sb *err);

/* policy_count.c */
/*
 * The counts of the table in force, name -> [packets, bytes]: each named
 * counter, and each chain (the sum of its rules' own counters; a rule
 * tagged `comment "TAG"` counts for TAG instead).  chains: only these
 * chains (name -> anything), or NULL for the whole table.  NULL when no
 * count is known (the netfilter socket or a dump failed, or the ruleset
 * changed during every reading): logged, and why said in why (may be
 * NULL).
 */
json_t *policy_counters(struct hostd *h, const json_t *chains, struct sb *why);
/* The same of table (h->table, or the other name: ruleset.c). */
json_t *policy_counters_of(
    struct hostd *h, const char *table, const json_t *chains, struct sb *why);

/* safety.c */
/*
 * Decides whether hostd applies anything (h->active, h->inert_why): in a
 * network namespace of its own, or the machine's with QSAFE_HOST_NETNS=1;
 * there it turns forwarding and connection tracking on.  Keeps the UTS
 * namespace's first host name (h->start_name) when it is hostd's own.
 */
void host_safety(struct hostd *h);

/* diag.c */
json_t *diag_ping(struct hostd *h, const json_t *input, struct sb *err);
json_t *diag_traceroute(struct hostd *h, const json_t *input, struct sb *err);

#endif
