/*
 * iconf: the running `security ike` / `security ipsec` configuration as
 * the engine takes it (engine.h): one eng_peer per `ike gateway` (its
 * policy and proposals folded in) and one eng_vpn per IKE-keyed `ipsec
 * vpn`.  The functions are named iconf_ because schema/conf.h owns conf_.
 *
 *   iconf_new      the tree -> structs; with errs, every statement iked
 *                  cannot run is named there in Junos's words (check)
 *   iconf_diff     what changed between two of them, as set/delete calls
 *                  (apply: the engine renegotiates only those)
 *   iconf_delta    the same from the tree's dirty marks (conf_delta.c):
 *                  a commit at 10,000 tunnels costs the entries it
 *                  reaches (a proposal: the gateways of its policies)
 *   iconf_ids      the tunnel IDs: 500001 + a number each VPN keeps for
 *                  its life, persisted in <state>/iked-tunnels
 *
 * Mapping decisions (Junos -> IKEv2 numbers, proposal sets, defaults) are
 * in conf_prop.c, where the tables are.
 */
#ifndef QSAFE_IKED_CONF_H
#define QSAFE_IKED_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iked/engine.h"
#include "schema/conf.h"
#include "schema/validate.h"

#define ICONF_TUNNEL_BASE 500001u /* Junos's first tunnel index */
#define ICONF_IDS_FILE "iked-tunnels"

/* The tunnel IDs of the VPNs: name -> ID, stable across commits. */
struct iconf_ids {
	char (*name)[ENG_NAME_MAX];
	uint32_t *id;
	size_t n;
	/* iconf_ids_get's map of the IDs held, offsets from the base below
	 * nused (NULL: built at the next new name; every other change
	 * drops it), and every offset below low is held: 10,000 new VPNs
	 * cost one pass over the IDs, not one each */
	uint8_t *used;
	size_t nused, low;
};

struct iconf {
	struct eng_peer *peer;
	size_t npeer;
	struct eng_vpn *vpn;
	size_t nvpn;
	/* the arrays' room (0: exactly n): the delta grows them by half */
	size_t cappeer, capvpn;
	struct eng_limits lim; /* security ike session half-open */
	size_t nmanual;	       /* manual VPNs (manual.c numbers them) */
	/* gateways and VPNs of the tree that do not run: refused, or a VPN
	 * of a deactivated gateway */
	size_t ndropped;
};

/*
 * The engine's view of the configuration c.  errs (may be NULL) gets an
 * error for each statement iked cannot run; ids (may be NULL: tunnel IDs
 * 0) gives each VPN its ID and learns new ones.  Never NULL; caller frees.
 */
struct iconf *iconf_new(
    struct conf *c, struct iconf_ids *ids, struct verrs *errs);
void iconf_free(struct iconf *ic); /* wipes the PSKs */
/*
 * The pki store has what the policies name: each `certificate
 * local-certificate C` loaded, and a CA certificate for each `trusted-ca
 * ca-profile X` (the check; the key pair is the ca process's to find).
 */
struct pki_store;
void iconf_check_pki(struct conf *c, struct pki_store *st, struct verrs *errs);

/* What iconf_diff reports; name borrowed for the call. */
struct iconf_diff_ops {
	void (*peer_set)(void *ctx, const struct eng_peer *p);
	void (*peer_del)(void *ctx, const char *name);
	void (*vpn_set)(void *ctx, const struct eng_vpn *v);
	void (*vpn_del)(void *ctx, const char *name);
};

/*
 * Calls ops for what differs from old (NULL: nothing ran) to new: VPNs
 * first deleted, then peers deleted, then peers set, then VPNs set, so
 * a VPN never names a missing peer.  Returns the number of calls.
 */
size_t iconf_diff(const struct iconf *old, const struct iconf *new,
    const struct iconf_diff_ops *ops, void *ctx);

/*
 * What one commit changes, found from the tree's dirty marks
 * (conf_delta.c): the gateways and VPNs it reaches, set (added or
 * changed) and deleted, each built from next alone.
 */
struct iconf_delta {
	struct conf *next; /* what it was built for (borrowed) */
	struct eng_peer *peer;
	size_t npeer;
	char (*peer_del)[ENG_NAME_MAX];
	size_t npeer_del;
	struct eng_vpn *vpn; /* tunnel IDs 0: given at apply */
	size_t nvpn;
	char (*vpn_del)[ENG_NAME_MAX];
	size_t nvpn_del;
};

/*
 * The change from run (what the engine runs, built from prev) to next,
 * found from next's dirty marks (schema/conf.h): a gateway or VPN entry,
 * a proposal or policy (the entries that use it), interfaces (the
 * gateways on them), security policies, zones and address-book (the
 * policy-based VPNs they reach), nothing for what iked does not read.
 * NULL when the commit needs the whole rebuild (pki, the anti-replay
 * window, the half-open limits, a deactivated container, manual VPNs, a
 * VPN that would lose its gateway, ...) or run holds dropped entries:
 * then iconf_new.  errs gets the errors of the entries built (nothing
 * when NULL is returned).  Caller frees.
 */
struct iconf_delta *iconf_delta_new(const struct iconf *run, struct conf *prev,
    struct conf *next, struct verrs *errs);
void iconf_delta_free(struct iconf_delta *d); /* wipes the PSKs */
/*
 * Makes ic what iconf_new(next) would give, calling ops in iconf_diff's
 * order for what changed; new VPNs get their tunnel IDs from ids.  The
 * delta's peers move into ic.  Returns the number of calls; *ids_changed
 * tells whether ids gained or lost a name.
 */
size_t iconf_delta_apply(struct iconf *ic, struct iconf_delta *d,
    struct iconf_ids *ids, const struct iconf_diff_ops *ops, void *ctx,
    bool *ids_changed);

/* Tunnel IDs: load from / save to dir/ICONF_IDS_FILE.  0 / -1 (logged). */
int iconf_ids_load(struct iconf_ids *ids, const char *dir);
int iconf_ids_save(const struct iconf_ids *ids, const char *dir);
/* name's ID, a new one (the lowest free) when it has none. */
uint32_t iconf_ids_get(struct iconf_ids *ids, const char *name);
/* Forgets every name not among the VPNs of ic. */
void iconf_ids_keep(struct iconf_ids *ids, const struct iconf *ic);
/* Forgets name; whether it was there. */
bool iconf_ids_drop(struct iconf_ids *ids, const char *name);
void iconf_ids_free(struct iconf_ids *ids);
/* A copy of ids (the check builds with it; the apply takes it). */
void iconf_ids_copy(struct iconf_ids *dst, const struct iconf_ids *src);

/* conf.c: a child's schema node by its parent's and its name, found once
 * per build (iconf_kid) */
#define ICONF_KIDS 128 /* a power of 2, above the names iked reads */
struct iconf_kid {
	const struct snode *parent; /* NULL: free */
	const char *name;
	const struct snode *sn; /* NULL: no such child */
};

/* conf_prop.c: proposals, for conf.c and conf_vpn.c. */
struct iconf_pol;
struct iconf_ctx {
	struct conf *c;
	const struct cnode *ike, *ipsec, *interfaces;
	/* `security ipsec anti-replay-window-size`, looked up once: the
	 * ipsec node has a child per VPN */
	const char *replay_window;
	struct verrs *errs;
	/* conf_pol.c: the tunnel policies by VPN name (iconf_pol_index) */
	struct iconf_pol *pols;
	size_t npols;
	struct iconf_kid kids[ICONF_KIDS];
};
void iconf_err(struct iconf_ctx *x, const struct cnode *at, const char *stmt,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The IKE proposals of a policy; *n of them.  0 / -1 (errors given). */
int iconf_ike_proposals(struct iconf_ctx *x, const struct cnode *policy,
    uint8_t auth_method, struct eng_proposal *out, size_t *n);
/* The ESP proposals of an ipsec policy, with its PFS group. */
int iconf_esp_proposals(struct iconf_ctx *x, const struct cnode *policy,
    struct eng_proposal *out, size_t *n);
/* A DH group name ("group14") as its IANA number; 0 when unknown. */
uint16_t iconf_dh_group(const char *name);
/*
 * An ESP `encryption-algorithm` / `authentication-algorithm` by its Junos
 * name, as the transform crypto.h runs; NULL when the name is unknown or
 * not runnable here.  One table for proposals and manual SAs.
 */
const struct encr_alg *iconf_esp_encr(const char *name);
const struct integ_alg *iconf_esp_integ(const char *name);

/* conf_pol.c: policy-based VPNs (`then permit tunnel ipsec-vpn V`). */
#define ICONF_POL_MAX 8 /* policies naming one VPN, looked at */
struct iconf_pol {
	const char *vpn;	    /* the VPN it names */
	size_t seq;		    /* its place among the policies */
	const struct cnode *ctx;    /* from-zone A to-zone B */
	const struct cnode *policy; /* policy P */
	const struct cnode *tunnel; /* its then permit tunnel */
};
/*
 * Walks `security policies` once: the tunnel policies sorted by the VPN
 * they name, so that each VPN finds its own in O(log n) (a commit at
 * 10,000 VPNs and policies is not their product).  Freed by _free.
 */
void iconf_pol_index(struct iconf_ctx *x);
void iconf_pol_index_free(struct iconf_ctx *x);
/* The policies naming vpn (the first max in *out); how many there are. */
size_t iconf_pol_find(
    struct iconf_ctx *x, const char *vpn, struct iconf_pol *out, size_t max);
/*
 * Route-based v (bind_if set): refuses each policy naming it.
 * Policy-based: v's selectors from the policy that names it, unless it
 * has its own (proxy-identity).  0 / -1 (errors given).
 */
int iconf_pol_vpn(
    struct iconf_ctx *x, const struct cnode *vn, struct eng_vpn *v);

/* conf.c: x for the tree c */
void iconf_ctx_init(struct iconf_ctx *x, struct conf *c, struct verrs *errs);
/* One gateway as an eng_peer (p need not be zeroed); 0 / -1 (errors in x). */
int iconf_gateway(
    struct iconf_ctx *x, const struct cnode *g, struct eng_peer *p);
/* Frees what p holds and wipes it (the PSK). */
void iconf_peer_clear(struct eng_peer *p);
bool iconf_peer_eq(const struct eng_peer *a, const struct eng_peer *b);
/* Peers and VPNs are sorted by name, their first member. */
int iconf_name_cmp(const void *a, const void *b);
const struct eng_peer *iconf_peer_find(
    const struct iconf *ic, const char *name);
const struct eng_vpn *iconf_vpn_find(const struct iconf *ic, const char *name);

/*
 * conf.c: a zeroed array for n elements and an eighth more (*cap of
 * them; NULL when n is 0), the pages of the n faulted in by one madvise
 * when they span more than ICONF_POPULATE_MIN pages: on this VM the
 * first write of 21 MB faulted page by page cost 65 ms of CPU, about
 * what building the 10,000 peers in them costs; populated, 40 ms.
 */
#define ICONF_POPULATE_MIN 16
void *iconf_array(size_t n, size_t *cap, size_t size);
/*
 * conf.c: src into dst[size] as snprintf "%s" would put it, cut to size -
 * 1 bytes (a name built 10,000 times a commit: no format parsed).  The
 * bytes after the NUL are left alone: the structs are compared whole.
 */
void iconf_name_copy(char *dst, size_t size, const char *src);
/* conf.c: where name is in an array of n name-first elements of size
 * bytes sorted by name (*found), or where it would go. */
size_t iconf_name_pos(
    const void *base, size_t n, size_t size, const char *name, bool *found);
/*
 * conf.c: cnode_child(n, name) without the walk: a container or leaf
 * from n's slot of its kind (the schema node looked up once per build
 * in x->kids, not a strcmp per child per statement read); lists and
 * leaf-lists by cnode_child.
 */
const struct cnode *iconf_kid(
    struct iconf_ctx *x, const struct cnode *n, const char *name);
const char *iconf_kid_val(
    struct iconf_ctx *x, const struct cnode *n, const char *name);
/*
 * conf.c: the active container or leaf name under parent, from the
 * parent's slot (cnode_child walks the children), or NULL.
 */
const struct cnode *iconf_child(
    const struct iconf_ctx *x, const struct cnode *parent, const char *name);
/* conf.c: the active list entry kind/name under parent (hashed), or NULL. */
const struct cnode *iconf_entry(const struct iconf_ctx *x,
    const struct cnode *parent, const char *kind, const char *name);

/* conf_gw.c: the one `security pki ca-profile` configured, or NULL (none,
 * several). */
const char *iconf_only_ca_profile(struct iconf_ctx *x);

/* conf_vpn.c */
void iconf_vpns(struct iconf_ctx *x, struct iconf *ic, struct iconf_ids *ids);
/* One IKE-keyed VPN (ids NULL: tunnel ID 0); 0 / -1 (errors in x). */
int iconf_vpn_one(struct iconf_ctx *x, const struct cnode *vn,
    struct eng_vpn *v, struct iconf_ids *ids);
/* conf.c: a leaf-list's values in order (borrowed); *n. */
size_t iconf_list(
    const struct cnode *n, const char *name, const char **out, size_t max);

#endif
