/*
 * eng_int: what the engine's own files share and nothing outside iked's
 * engine sees: the IKE SA and Child SA structs, the SA table, the message
 * ID / retransmission state, and the entry points of each exchange file.
 *
 *   sa.c             the SA table (keyed by our SPI, SipHash with a secret
 *                    seed), sa_state() (the one writer of IKE SA states)
 *   child.c          Child SAs: keys, dataplane install and removal
 *   xchg.c           message IDs, request in flight, retransmission, the
 *                    cached response, building/sealing/opening messages
 *   proposal.c       SA payloads from eng_proposal lists, choosing
 *   ts.c             traffic selectors and narrowing (RFC 7296 2.9)
 *   ike_sa_init.c    IKE_SA_INIT, both roles
 *   ike_auth.c       IKE_AUTH with PSK and RFC 8784 PPK, both roles
 *   cert_auth.c      certificates in IKE_AUTH: CERT/CERTREQ, the peer's
 *                    chain and identity, asking the signer (async)
 *   frag.c           IKE fragmentation (RFC 7383): SKF out and reassembly
 *   informational.c  Delete, liveness
 *   create_child.c   CREATE_CHILD_SA: new Child SA, Child SA and IKE SA
 *                    rekeys, collisions (RFC 7296 1.3, 2.8, 2.18, 2.25)
 *   life.c           the engine's clock and timers: lifetimes and soft
 *                    expiry, reauthentication, DPD, NAT keepalives,
 *                    INITIAL_CONTACT
 *   engine.c         eng_* (engine.h): configuration, the engine's clock
 *   input.c          eng_input: a datagram to its SA and exchange
 */
#ifndef QSAFE_IKE_ENG_INT_H
#define QSAFE_IKE_ENG_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/types.h>

#include "iked/crypto.h"
#include "iked/engine.h"
#include "iked/pld.h"

struct event;

/* RFC 7296 2.1: retransmission of a request with no answer. */
#define ENG_RETRANS_BASE_MS 500	   /* first timeout, doubled each try */
#define ENG_RETRANS_TRIES 5	   /* sends before the peer is unreachable */
#define ENG_NONCE_LEN 32	   /* RFC 7296 2.10: >= half the PRF key */
#define ENG_SA_BUCKETS_MIN 64	   /* the table doubles from there */
#define ENG_RETRY_S 10		   /* a failed "immediately" VPN retries */
#define ENG_COOKIE_THRESHOLD 256   /* half-open SAs before cookies, 2.6 */
#define ENG_HALF_OPEN_MAX 2048	   /* half-open SAs in all */
#define ENG_HALF_OPEN_TIMEOUT 60   /* s: Junos session half-open timeout */
#define ENG_HALF_OPEN_PEER_DIV 8   /* one address: max-count / this ... */
#define ENG_HALF_OPEN_PEER_MIN 16  /* ... but at least this (sa_peer_*) */
#define ENG_HOP_BUCKETS 1024	   /* the per-address half-open table */
#define ENG_IKE_LIFE_DEFAULT 28800 /* Junos ike proposal lifetime-seconds */
#define ENG_ESP_LIFE_DEFAULT 3600  /* Junos ipsec proposal lifetime-seconds */
#define ENG_NATKA_DEFAULT 20	   /* Junos nat-keepalive, RFC 3948 4 */
#define ENG_DEL_MAX 16		   /* Child SA SPIs in one Delete */
#define ENG_TEMPFAIL_MIN_S 2	   /* RFC 7296 2.25: retry after ... */
#define ENG_TEMPFAIL_MAX_S 6	   /* ... a random delay (2 s wide) */
#define ENG_KICK_BATCH 128	   /* VPN starts per turn of the loop */
#define ENG_INIT_FLIGHT 64	   /* our IKE_SA_INIT/IKE_AUTH in flight */
#define ENG_EVENTS_MAX 4	   /* tunnel events kept per VPN, for show */
#define ENG_FRAG_SIZE 576	   /* RFC 7383 2.5.1: IPv4 default */
#define ENG_FRAG_SIZE6 1280	   /* and IPv6's */
#define ENG_FRAG_MIN 256	   /* a configured size below is raised */
#define ENG_FRAG_MAX 128	   /* fragments of one message we accept */
#define ENG_FRAG_TIMEOUT_S 30	   /* a reassembly not finished is dropped */
/*
 * Octets of fragments held for reassembly by all IKE SAs together.  Each
 * SA holds at most IKE_MSG_MAX, but half-open SAs (keys derived, peer not
 * yet authenticated) reassemble too (IKE_AUTH), so without this the half-
 * open bound times 64 KiB could be held: 128 MiB at the default max-count.
 * 16 MiB is ~1,000 IKE_AUTHs with a 16 KiB certificate chain at once.
 */
#define ENG_FRAG_BUDGET (16u << 20)
#define ENG_CHAIN_MAX 4 /* CA certificates sent after ours */
#define ENG_CROSS_S 10	/* collide.c: an IKE SA this young, crossed */

struct eng_gw {
	struct eng_gw *next;
	struct eng_gw **pprev; /* what points at it in e->gws; NULL: off */
	struct eng_gw *hnext;  /* eng_index.c: chain by name */
	struct eng_gw *anext;  /* ... by remote address (dynamic:
				  the list of dynamic ones) */
	uint32_t nsas;	       /* IKE SAs with it (sa_new/sa_free) */
	uint32_t nsas_init;    /* of them, those we initiated */
	struct eng_peer p;
	struct eng_peer_stats st; /* counters only; counts filled on get */
	char down_why[96];	  /* the last failed negotiation, for show
				   * security ipsec inactive-tunnels */
	time_t down_at;
};

/* One line of `sa-ipsec-tunnel-events` (show ... detail). */
struct eng_event {
	time_t when;	  /* the last time it happened */
	const char *what; /* static text */
	uint32_t times;
};

struct eng_vpnc {
	struct eng_vpnc *next;
	struct eng_vpnc **pprev; /* what points at it in e->vpns; NULL: off */
	struct eng_vpnc *hnext;	 /* eng_index.c: chain by name */
	struct eng_vpnc *gnext;	 /* ... by the gateway's name */
	struct eng_vpn v;
	time_t retry_at;	  /* ENG_IMMEDIATELY: next attempt */
	uint32_t nchild;	  /* Child SAs of it (child_new/free) */
	uint32_t nego, nego_fail; /* Child SA negotiations, failed ones */
	struct eng_event ev[ENG_EVENTS_MAX]; /* newest first */
};

/* RFC 7296 2.1, 2.2: one request out at a time (window 1). */
struct xchg {
	uint32_t next_id;   /* ID of our next request */
	uint32_t peer_next; /* ID of the peer's next request */
	uint8_t *req;	    /* our request in flight, as sent */
	size_t req_len;
	uint32_t req_id;
	uint8_t req_exch;
	bool busy;
	int tries;
	struct event *ev; /* retransmission timer */
	uint8_t *resp;	  /* our last answer */
	size_t resp_len;
	uint32_t resp_id; /* the request it answered */
	uint8_t what;	  /* XW_*: what the request in flight is */
	uint8_t pending;  /* XW_* bits waiting for the window */
};
#define XW_NONE 0
#define XW_SA_INIT 1
#define XW_AUTH 2
#define XW_DELETE_IKE 4
#define XW_DELETE_CHILD 8
#define XW_LIVENESS 16
#define XW_CREATE 32 /* CREATE_CHILD_SA (sa->rk) */

enum ike_state {
	IKE_ST_NEW,
	IKE_ST_INIT_SENT, /* I: IKE_SA_INIT request out */
	IKE_ST_INIT_DONE, /* R: IKE_SA_INIT answered (half-open) */
	IKE_ST_AUTH_WAIT, /* waiting for the key source (PPK) */
	IKE_ST_AUTH_SENT, /* I: IKE_AUTH request out */
	IKE_ST_ESTABLISHED,
	IKE_ST_DELETING, /* Delete sent, waiting for its answer */
	/* a NEW SA becomes ESTABLISHED directly by an IKE SA rekey (2.18) */
	IKE_ST_DEAD, /* being freed */
};

/* What IKE_SA_INIT and IKE_AUTH need, freed once the SA is up. */
struct ike_nego {
	struct dh *dh;
	uint8_t ni[CRYPTO_NONCE_MAX], nr[CRYPTO_NONCE_MAX];
	size_t nilen, nrlen;
	uint8_t *msg1, *msg2; /* the IKE_SA_INIT request / response */
	size_t msg1_len, msg2_len;
	uint8_t cookie[64]; /* RFC 7296 2.6: to echo */
	size_t cookie_len;
	int ke_retries;	      /* INVALID_KE_PAYLOAD answers taken */
	struct eng_vpnc *vpn; /* I: the VPN the first Child is for */
	uint32_t child_spi;   /* I: our inbound SPI in IKE_AUTH */
	/* RFC 8784 */
	bool use_ppk; /* both sent USE_PPK */
	bool have_ppk;
	uint8_t ppk[CRYPTO_KEY_MAX * 2];
	size_t ppk_len;
	char ppk_id[ENG_ID_MAX + 1];
	struct ike_keys noppk; /* SK_* before mixing */
	bool ppk_mixed;	       /* sa->keys have the PPK in them */
	char ppk_err[48];
	/* R: the IKE_AUTH request held (its decrypted payloads) */
	uint8_t *held;
	size_t held_len;
	struct ike_hdr held_hdr;
	uint8_t held_first;
	/* certificates (cert_auth.c) */
	uint32_t peer_hashes;		 /* RFC 7427 4: 1 << HASH_x */
	X509 *our_cert;			 /* our local certificate */
	bool peer_ok;			 /* R: the peer's AUTH verified */
	bool have_sig;			 /* the signer answered */
	uint8_t sig_auth[1 + 80 + 1024]; /* our AUTH data, when have_sig */
	size_t sig_auth_len;
	uint8_t sig_method;
	char sig_err[48];
	uint64_t reauth_of; /* I: our SPI of the IKE SA replaced */
};

/* A CREATE_CHILD_SA exchange we started (create_child.c). */
enum rk_kind { RK_CHILD_NEW = 1, RK_CHILD_REKEY, RK_IKE_REKEY };
struct rekey {
	enum rk_kind kind;
	struct eng_vpnc *vpn; /* Child SAs: the VPN */
	uint32_t old_spi;     /* RK_CHILD_REKEY: old inbound SPI */
	uint32_t spi_in;      /* Child SAs: the new inbound SPI */
	uint64_t new_ike;     /* RK_IKE_REKEY: our SPI of the new SA */
	uint16_t group;	      /* KE sent (PFS / IKE): group; 0 none */
	struct dh *dh;
	uint8_t ni[ENG_NONCE_LEN];
	int ke_retries;
	/* RFC 7296 2.8.1, 2.8.2: the peer rekeyed the same SA meanwhile */
	bool collided;
	uint8_t peer_min[CRYPTO_NONCE_MAX]; /* lowest nonce of its exchange */
	size_t peer_min_len;
	uint32_t coll_spi; /* the Child SA made answering it */
	uint64_t coll_ike; /* our SPI of the IKE SA made so */
};

struct child_sa {
	struct child_sa *next;
	struct eng_vpnc *vpn;
	uint32_t spi_in, spi_out; /* host order */
	struct eng_proposal prop;
	struct ike_suite suite;
	struct dp_sel sel_local, sel_remote;
	bool in_dp;    /* both directions installed */
	bool out_gone; /* outbound removed, inbound kept */
	bool deleting; /* our Delete of it is on its way */
	bool rekeyed;  /* replaced by a rekey (2.8) */
	bool pfs;      /* keyed with a fresh D-H (g^ir) */
	time_t created;
	time_t soft_at, hard_at; /* lifetime-seconds, soft with jitter */
	time_t retry_at;	 /* TEMPORARY_FAILURE: rekey again then */
};

struct ike_sa {
	struct ike_sa *hnext; /* chain by our SPI */
	struct ike_sa *pnext; /* R: chain by the peer's SPI */
	struct ike_sa *inext; /* chain by gateway and peer ID (sa_id_set) */
	bool id_linked;	      /* on that chain */
	struct sa_peer *hop;  /* R, half-open: its address's count */
	struct ike_engine *e;
	struct eng_gw *gw;
	uint64_t ispi, rspi;
	bool initiator;
	bool natt;		    /* floated to 4500 (RFC 7296 2.23) */
	bool nat_local, nat_remote; /* which side is behind a NAT */
	bool ppk_used;
	bool frag_ok;	 /* RFC 7383 2.3: both announced it */
	uint8_t crossed; /* collide.c: COLLIDE_NEGO, COLLIDE_LATE */
	uint8_t
	    auth_method; /* ours: AUTH_SHARED_KEY_MIC, AUTH_ECDSA_256, ... */
	struct frag_rx *frx; /* a fragmented message coming in */
	enum ike_state state;
	struct sockaddr_storage local, remote;
	struct eng_proposal prop; /* chosen */
	struct ike_suite suite;
	struct ike_keys keys;
	struct ike_nego *n; /* during negotiation only */
	struct xchg x;
	struct child_sa *child;
	time_t created;
	time_t last_in;			/* the peer last spoke */
	uint32_t del_spis[ENG_DEL_MAX]; /* XW_DELETE_CHILD: our inbound */
	size_t ndel;			/* SPIs waiting for the window */
	uint32_t del_sent[ENG_DEL_MAX]; /* those in the Delete in flight */
	size_t ndel_sent;
	uint32_t index; /* for show: 1.. */
	/* create_child.c */
	struct rekey *rk; /* our CREATE_CHILD_SA, if any */
	bool rekeyed;	  /* replaced by a new IKE SA (2.18) */
	uint32_t rekeys;  /* IKE SA rekeys since authentication */
	uint32_t child_created, child_deleted, child_negos; /* for show */
	/* life.c */
	time_t soft_at, hard_at;      /* IKE SA lifetime, soft with jitter */
	time_t retry_at;	      /* TEMPORARY_FAILURE: rekey again then */
	uint64_t in_bytes, out_bytes; /* IKE messages of this SA, for show */
	uint64_t in_pkts, out_pkts;
	/* of them, RFC 7383 fragments (show: Input/Output fragmentated) */
	uint32_t in_frags, out_frags;
	time_t ka_at;		  /* next NAT keepalive (RFC 3948 4) */
	time_t dpd_at;		  /* next DPD check */
	uint32_t dpd_sent;	  /* liveness checks unanswered */
	uint64_t dpd_in, dpd_out; /* ESP packets at the last check */
	time_t wake_at;		  /* life_wake.c: look at it then */
	size_t wake_i;		  /* its place in e->wake + 1; 0: not there */
	uint8_t peer_id_type;	  /* the authenticated peer ID */
	size_t peer_id_len;
	uint8_t peer_id[ENG_ID_MAX];
};

struct ike_engine {
	struct event_base *base;
	const struct eng_io *io;
	void *io_ctx;
	const struct eng_keysrc *keys;
	void *keys_ctx;
	const struct dp_ops *dp_ops;
	struct dp *dp;
	struct eng_gw *gws;
	struct eng_vpnc *vpns;
	/* their index by name (eng_index.c) */
	struct eng_gw **gw_tab, **gw_atab, *gw_dyn;
	struct eng_vpnc **vpn_tab, **vpn_gtab;
	size_t ix_nb, ngws, nvpns;
	/* the SA table (sa.c) */
	struct ike_sa **tab, **ptab, **itab;
	size_t nbuckets, nsa, half_open;
	/* half-open SAs by peer address (sa.c sa_peer_*), same seed */
	struct sa_peer **hop_tab;
	size_t hop_max;		   /* per address, from lim.half_open_max */
	size_t init_flight;	   /* I: SAs in init-sent .. auth-sent */
	uint8_t seed[16];	   /* SipHash key, random per engine */
	uint8_t cookie_secret[32]; /* RFC 7296 2.6 */
	struct dh_params *dhp;	   /* the curves, made once (dh.c) */
	struct crypto_algs *ca;	   /* fetched once (crypto.c) */
	struct crypto_pool rnd;	   /* nonces and SPIs (crypto.c) */
	struct eng_limits lim;	   /* eng_limits_set, defaults filled */
	struct ppk_wait *waits;	   /* outstanding key source requests */
	/* life.c: once a second, the timers and `immediately` retries */
	struct event *tick;
	struct event *kick_ev; /* engine.c: VPNs to start, batched */
	/* life_wake.c: SAs by when the timers next look at them */
	struct ike_sa **wake;
	size_t nwake, wake_cap;
	bool wake_all;	  /* every SA at the next tick */
	uint32_t *spiset; /* child.c: inbound SPIs handed out */
	size_t spiset_cap, spiset_n;
	time_t (*clock)(void *); /* eng_clock_set; NULL: time() */
	void *clock_ctx;
	struct pki_store *pki; /* certificates: public parts only */
	const struct eng_signer *signer;
	void *signer_ctx;
	struct sig_wait *sig_waits; /* outstanding signer requests */
	uint32_t life_div;	    /* eng_life_div_set; 1: real time */
	size_t frag_held;   /* octets in all SAs' reassemblies (frag.c) */
	size_t frag_budget; /* ENG_FRAG_BUDGET; tests set a smaller one */
	uint32_t retry_s;   /* eng_retry_set; ENG_RETRY_S */
	struct eng_stats st;
	uint32_t next_index; /* IKE SA index for show */
	/* scratch, one message at a time */
	uint8_t out[IKE_MSG_MAX];  /* a message being sent */
	uint8_t pout[IKE_MSG_MAX]; /* its plaintext SK chain */
	uint8_t in[IKE_MSG_MAX];   /* the decrypted chain of one arrival */
	size_t in_len;
};

/* sa.c */
int sa_table_init(struct ike_engine *e);
void sa_table_free(struct ike_engine *e);
struct ike_sa *sa_new(
    struct ike_engine *e, struct eng_gw *gw, bool initiator, uint64_t peer_spi);
struct ike_sa *sa_find(struct ike_engine *e, uint64_t our_spi);
struct ike_sa *sa_find_peer(
    struct ike_engine *e, uint64_t peer_spi, const struct sockaddr *remote);
/* Frees sa (its Child SAs leave the dataplane); no message is sent. */
void sa_free(struct ike_sa *sa);
void sa_state(struct ike_sa *sa, enum ike_state st);
const char *sa_state_name(enum ike_state st);
uint64_t sa_our_spi(const struct ike_sa *sa);
void sa_nego_free(struct ike_sa *sa);
/*
 * The peer's authenticated identity (IKE_AUTH, or inherited by an IKE SA
 * rekey): kept in sa->peer_id* and chained by gateway and ID, so that an
 * INITIAL_CONTACT (RFC 7296 2.4) finds the SAs it makes stale without a
 * walk of every SA (a responder's one gateway may carry thousands).
 */
void sa_id_set(struct ike_sa *sa, uint8_t type, const uint8_t *id, size_t len);
/* Another established SA with sa's gateway and peer ID, or NULL. */
struct ike_sa *sa_id_other(struct ike_engine *e, const struct ike_sa *sa);
/* engine.c: start the VPNs that should be up from the loop, soon. */
void eng_kick_soon(struct ike_engine *e);
/*
 * engine.c: gw's `immediately` VPNs start again at the next turn of the
 * loop rather than at their next retry (an operator's clear).
 */
void eng_gw_restart(struct ike_engine *e, const struct eng_gw *gw);
/* SipHash-2-4 of m under the engine's secret seed: for what a peer picks. */
uint64_t sa_hash(const struct ike_engine *e, uint64_t m);
/* Half-open SAs (as a responder) of remote's address, port aside. */
size_t sa_peer_half_open(
    const struct ike_engine *e, const struct sockaddr *remote);

/* child.c */
struct child_sa *child_new(struct ike_sa *sa, struct eng_vpnc *vpn);
/* Moves c from one IKE SA to another (IKE SA rekey, 2.18). */
void child_move(struct ike_sa *from, struct ike_sa *to, struct child_sa *c);
/* The outbound SA of c leaves the dataplane; its inbound stays. */
void child_out_remove(struct ike_sa *sa, struct child_sa *c);
/* The outbound SAs of sa send to its (changed) remote (RFC 7296 2.23). */
void child_peer_moved(struct ike_sa *sa);
struct child_sa *child_find_in(struct ike_sa *sa, uint32_t spi_in);
struct child_sa *child_find_out(struct ike_sa *sa, uint32_t spi_out);
uint32_t child_spi_alloc(struct ike_engine *e);
void child_spiset_free(struct ike_engine *e);
/* Derives KEYMAT (RFC 7296 2.17) and installs both directions. */
int child_install(struct ike_sa *sa, struct child_sa *c, const uint8_t *shared,
    size_t shlen, const uint8_t *ni, size_t nilen, const uint8_t *nr,
    size_t nrlen);
/* The same, for a CREATE_CHILD_SA whose initiator (2.17) we were or not. */
int child_install_role(struct ike_sa *sa, struct child_sa *c, bool initiator,
    const uint8_t *shared, size_t shlen, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen);
void child_free(struct ike_sa *sa, struct child_sa *c);
/*
 * Responder of CREATE_CHILD_SA: with *vpn set (a rekey), whether that VPN
 * takes the peer's SA and TS payloads; with *vpn NULL, the first VPN of
 * the gateway that does (RFC 7296 2.9).  0, or the notify to answer.
 */
uint16_t child_vpn_choose(struct ike_sa *sa, const struct ike_msg *msg,
    struct eng_vpnc **vpn, struct eng_proposal *chosen,
    const struct ike_prop **which, struct ike_ts_pld *tsi,
    struct ike_ts_pld *tsr);

/* xchg.c */
struct xmsg {
	struct pld_build b;
	uint8_t exch;
	bool response;
	uint32_t msgid;
};
void xchg_begin(struct ike_sa *sa, struct xmsg *m, uint8_t exch, bool response);
/* Seals (outside IKE_SA_INIT), sends, and keeps: a request for
 * retransmission, a response for a repeated request.  0 / -1. */
int xchg_finish(struct ike_sa *sa, struct xmsg *m, uint8_t what);
void xchg_stop(struct ike_sa *sa);
void xchg_free(struct ike_sa *sa);
/*
 * RFC 7296 2.2: whether an arriving (integrity-checked) message goes on to
 * dispatch: 1 yes, 0 no (a repeated request was answered from the cache,
 * or the ID is outside the window and it was counted).  from: where it
 * came from (NULL: the SA's remote), where a cached answer goes.
 */
int xchg_check_in(
    struct ike_sa *sa, const struct ike_hdr *h, const struct sockaddr *from);
/* Opens the SK payload of msg into e->in and decodes it. */
int xchg_open(struct ike_sa *sa, struct ike_msg *msg, uint16_t *notify);
/* The peer answered our request in flight. */
void xchg_answered(struct ike_sa *sa);
void xchg_kick(struct ike_sa *sa);
int eng_send(struct ike_engine *e, const uint8_t *p, size_t len,
    const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote);

/* proposal.c */
void prop_build(const struct eng_proposal *p, size_t n, uint8_t proto,
    const uint8_t *spi, size_t spi_len, bool with_dh, struct ike_sa_pld *out);
/* RFC 7296 2.7: the first peer proposal one of ours accepts.  -1: none. */
int prop_choose(const struct eng_proposal *ours, size_t n,
    const struct ike_sa_pld *peer, uint8_t proto, bool with_dh,
    struct eng_proposal *chosen, const struct ike_prop **which);
int prop_suite(const struct eng_proposal *p, bool ike, struct ike_suite *s);

/* ts.c */
void ts_ours(
    const struct eng_ts *ts, size_t n, int family, struct ike_ts_pld *out);
int ts_narrow(const struct ike_ts_pld *peer, const struct eng_ts *ours,
    size_t n, int family, struct ike_ts_pld *out);
bool ts_is_subset(const struct ike_ts_pld *got, const struct ike_ts_pld *asked);
void ts_to_sel(const struct ike_ts *t, struct dp_sel *sel);

/* ike_sa_init.c */
/* The new IKE SA (IKE_SA_INIT sent), or NULL. */
struct ike_sa *sa_init_start(
    struct ike_engine *e, struct eng_gw *gw, struct eng_vpnc *vpn);
void sa_init_request(struct ike_engine *e, const struct ike_msg *msg,
    const struct sockaddr *remote, const struct sockaddr *local);
void sa_init_response(struct ike_sa *sa, const struct ike_msg *msg);

/* natd.c: RFC 7296 2.23 NAT detection; RFC 7296 2.6 cookies */
void natd_add(struct ike_sa *sa, struct pld_build *b);
void natd_check(struct ike_sa *sa, const struct ike_msg *msg);
/*
 * 0: go on; 1: answered with a cookie or dropped.  busy: ask for a cookie
 * whatever the half-open count in all (the peer's own share is filling).
 */
int cookie_check(struct ike_engine *e, const struct ike_msg *msg,
    const struct sockaddr *remote, bool busy);

/* ppk.c: RFC 8784 keys from the key source, always resumed from the loop */
struct ppk_wait;
/* key_id NULL: the initiator's fresh key.  0, or -1 (no key source). */
int ppk_fetch(struct ike_sa *sa, const char *key_id);
void ppk_waits_free(struct ike_engine *e);

/* cert_auth.c: certificates (RFC 7296 2.15, 3.6, 3.7, RFC 7427) */
struct sig_wait;
bool cert_is_used(const struct ike_sa *sa); /* no PSK configured */
/* IKE_SA_INIT: N(SIGNATURE_HASH_ALGORITHMS), and the CERTREQ (R). */
void cert_sa_init_add(struct ike_sa *sa, struct pld_build *b, bool certreq);
void cert_sa_init_take(struct ike_sa *sa, const struct ike_msg *msg);
/* Loads our certificate into n->our_cert; 0 / -1 (logged). */
int cert_load_ours(struct ike_sa *sa);
/* Our ID from the certificate (its subject DN) when none is configured. */
bool cert_id_ours(
    const struct ike_sa *sa, uint8_t *type, uint8_t *data, size_t *len);
/* CERT payloads: ours and the chain; CERTREQ for the peer's CA (I). */
void cert_add(struct ike_sa *sa, struct pld_build *b, bool certreq);
/*
 * Asks the signer for our AUTH over octets: 0 (auth_sig_ready follows
 * from the loop, n->have_sig or n->sig_err set), or -1.
 */
int cert_sign(struct ike_sa *sa, const uint8_t *octets, size_t olen);
/*
 * The peer's CERT chain against its ca-profile, its ID against the
 * certificate and the configured remote identity, and its AUTH against
 * octets.  true when all hold; else *why.
 */
bool cert_verify_peer(struct ike_sa *sa, const struct ike_msg *msg,
    const struct ike_id *id, const uint8_t *octets, size_t olen,
    const char **why);
void cert_nego_free(struct ike_nego *n);
void cert_waits_free(struct ike_engine *e);

/* frag.c: RFC 7383 */
struct frag_rx;
/*
 * Seals the plaintext chain e->pout[0..plen) of m as SKF fragments when
 * the SA negotiated fragmentation and the message would be too long: 1
 * with *out a new buffer of the fragments back to back (caller frees),
 * 0 when one SK message fits, -1 on failure.
 */
int frag_seal(struct ike_sa *sa, const struct ike_hdr *h, uint8_t first,
    size_t plen, uint8_t **out, size_t *outlen);
/*
 * One SKF message of sa from the address from: checks its integrity, keeps
 * it, and when it was the last one missing decodes the whole message into
 * msg (1).  0: kept or dropped (counted).
 */
int frag_input(
    struct ike_sa *sa, struct ike_msg *msg, const struct sockaddr *from);
void frag_rx_free(struct ike_sa *sa);
/* What sa's reassembly holds now: fragments and octets (the bounds the
 * engine's fuzz entry points check, tests/fuzz/fuzz_eng.h). */
void frag_rx_held(const struct ike_sa *sa, size_t *nfrags, size_t *bytes);
/* Sends one message, or fragments back to back (each its own length);
 * the fragments sent (0: the message went whole), for the SA's show. */
size_t frag_send_all(struct ike_engine *e, const uint8_t *p, size_t len,
    const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote);

/* collide.c: simultaneous initiation (two IKE SAs with one gateway) */
/* sa just started: notes whether one of the other role is on its way. */
void collide_mark(struct ike_sa *sa);
#define COLLIDE_NEGO 1 /* started while the other was negotiated */
#define COLLIDE_LATE 2 /* started while the other was up, young */
/*
 * sa just authenticated: deletes the redundant one of a crossed pair.
 * true when sa was crossed (the peer's INITIAL_CONTACT then says nothing
 * about the other SA); false for none, or for a peer's restart.
 */
bool collide_resolve(struct ike_sa *sa, bool initial_contact);

/* ike_auth.c */
void auth_start(struct ike_sa *sa);
void auth_request(struct ike_sa *sa, const struct ike_msg *msg);
void auth_response(struct ike_sa *sa, const struct ike_msg *msg);
/* The key source answered (n->have_ppk or n->ppk_err set). */
void auth_ppk_ready(struct ike_sa *sa);
/* The signer answered (n->have_sig or n->sig_err set). */
void auth_sig_ready(struct ike_sa *sa);
void auth_id_ours(
    const struct ike_sa *sa, uint8_t *type, uint8_t *data, size_t *len);

/* informational.c */
void info_request(struct ike_sa *sa, const struct ike_msg *msg);
void info_response(struct ike_sa *sa, const struct ike_msg *msg);
/* Sends a Delete of the IKE SA; the SA goes when it is answered. */
void info_delete_ike(struct ike_sa *sa);
void info_delete_child(struct ike_sa *sa, struct child_sa *c);
void info_send_pending(struct ike_sa *sa);
/* An empty INFORMATIONAL request (RFC 7296 1.4): DPD. */
void info_liveness(struct ike_sa *sa);

/* create_child.c */
/* Starts (or queues behind the request in flight) a CREATE_CHILD_SA. */
int rekey_child(struct ike_sa *sa, struct child_sa *c);
int rekey_new_child(struct ike_sa *sa, struct eng_vpnc *vpn);
int rekey_ike(struct ike_sa *sa);
/* Sends the queued CREATE_CHILD_SA request (XW_CREATE). */
void create_child_send(struct ike_sa *sa);
void create_child_request(struct ike_sa *sa, const struct ike_msg *msg);
void create_child_response(struct ike_sa *sa, const struct ike_msg *msg);
void rekey_free(struct rekey *rk);

/* life.c */
time_t eng_now(const struct ike_engine *e);
/* The soft and hard expiry of a new IKE or Child SA (lifetime seconds). */
void life_ike_start(struct ike_sa *sa);
/* A lifetime in seconds as the timers run it: life (dflt when 0) over
 * the engine's eng_life_div_set, at least 2 s. */
uint32_t life_secs(const struct ike_engine *e, uint32_t life, uint32_t dflt);
void life_child_start(struct ike_sa *sa, struct child_sa *c);
/* Runs every timer that is due (the tick, and eng_timers_run). */
void life_run(struct ike_engine *e);
/*
 * life_wake.c: the SAs the tick visits.  life_touch: sa at the next tick
 * (something of it changed); life_wake_all: every SA at the next tick;
 * life_unwake: sa out (freed); life_due: our SPIs of the SAs due by now,
 * taken out, in a new array the caller frees; life_resched: sa again at
 * its next deadline after a visit.
 */
void life_touch(struct ike_sa *sa);
void life_wake_all(struct ike_engine *e);
void life_unwake(struct ike_sa *sa);
size_t life_due(struct ike_engine *e, time_t now, uint64_t **spis);
void life_resched(struct ike_sa *sa, time_t now);
void life_wake_free(struct ike_engine *e);
/* ike_auth.c hooks: whether to send INITIAL_CONTACT (RFC 7296 2.4); an
 * IKE SA is authenticated (peer ID, INITIAL_CONTACT, reauth done). */
bool life_first_contact(const struct ike_sa *sa);
void life_authenticated(struct ike_sa *sa, const struct ike_msg *msg);
/* A tunnel event for show ... detail. */
void eng_event_add(struct ike_engine *e, struct eng_vpnc *v, const char *what);
/* Why gw's last negotiation failed (show security ipsec inactive-tunnels,
 * show security ike stats' gateway failures): IKE_SA_INIT, IKE_AUTH or
 * no answer, whichever failed last. */
void eng_gw_why(struct ike_engine *e, struct eng_gw *gw, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same for a failed negotiation, logged with the peer's address and
 * port (vpn: a Child SA's, its line names the VPN); the caller counts. */
void eng_gw_fail(struct ike_engine *e, struct eng_gw *gw,
    const struct eng_vpnc *vpn, const struct sockaddr *peer, const char *fmt,
    ...) __attribute__((format(printf, 5, 6)));
/* eng_rpc.c */
struct rpc_filter {
	const char *peer; /* "peer-address" or NULL */
	const char *vpn;  /* "vpn-name" or NULL */
	long index;	  /* -1: any */
	bool detail, brief;
};
json_t *rpc_reply(const char *elem, const char *style, json_t *body);
const char *rpc_ip_str(
    const struct sockaddr_storage *ss, char *buf, size_t len);
bool rpc_sa_matches(const struct ike_sa *sa, const struct rpc_filter *f);
bool rpc_child_matches(const struct child_sa *c, const struct rpc_filter *f);
/* eng_rpc_detail.c: the `detail` forms (never NULL) */
json_t *rpc_ike_detail(struct ike_engine *e, const struct rpc_filter *f);
const char *rpc_peer_id_str(const struct ike_sa *sa, char *buf, size_t len);
json_t *rpc_ipsec_detail(struct ike_engine *e, const struct rpc_filter *f);
json_t *rpc_run(struct ike_engine *e, const char *name, const json_t *in,
    char *err, size_t errlen);

/* eng_index.c: gateways and VPNs by name; the lists e->gws, e->vpns
 * are changed only through ix_*_add / ix_*_del. */
void ix_gw_add(struct ike_engine *e, struct eng_gw *gw);
void ix_gw_del(struct ike_engine *e, struct eng_gw *gw);
void ix_vpn_add(struct ike_engine *e, struct eng_vpnc *v);
void ix_vpn_del(struct ike_engine *e, struct eng_vpnc *v);
void ix_free(struct ike_engine *e);
struct eng_gw *eng_gw_find(struct ike_engine *e, const char *name);
/* The first gateway (newest first) for an IKE_SA_INIT from remote to
 * local: by its address, else the first `dynamic` one.  NULL: none. */
struct eng_gw *eng_gw_match(struct ike_engine *e, const struct sockaddr *remote,
    const struct sockaddr *local);
struct eng_vpnc *eng_vpn_find(struct ike_engine *e, const char *name);
/* The VPNs that name gateway gw, newest first: first, then next. */
struct eng_vpnc *eng_vpn_first(struct ike_engine *e, const char *gw);
struct eng_vpnc *eng_vpn_next(const struct eng_vpnc *v);

/* engine.c */
/* Every IKE SA, in an order that survives freeing the current one. */
#define SA_EACH(e, sa, nx, i) \
	for (size_t i = 0; i < (e)->nbuckets; i++) \
		for (struct ike_sa *sa = (e)->tab[i], *nx; \
		     sa != NULL && ((nx = sa->hnext), 1); sa = nx)
struct eng_vpnc *eng_vpn_for_gw(struct ike_engine *e, const struct eng_gw *gw);
/* An unauthenticated answer with one notify, outside any SA (2.21.1). */
void eng_notify_clear(struct ike_engine *e, const struct ike_hdr *h,
    uint16_t type, const uint8_t *data, size_t len,
    const struct sockaddr *remote, const struct sockaddr *local);
/*
 * Keeps msg's decrypted payloads (e->in) in sa->n: a request held for
 * later.  Once per negotiation: a request already held stays as it is.
 */
void eng_hold(struct ike_sa *sa, const struct ike_msg *msg);
/* Decodes the held request again into msg.  0 / -1. */
int eng_decode_held(struct ike_sa *sa, struct ike_msg *msg);
bool eng_addr_equal(const struct sockaddr *a, const struct sockaddr *b);
uint16_t eng_port(const struct sockaddr *a);
/* ss = sa (an AF_INET or AF_INET6 address), the rest zero; NULL: all zero. */
void eng_ss_copy(struct sockaddr_storage *ss, const struct sockaddr *sa);
void eng_set_port(struct sockaddr_storage *a, uint16_t port);
void eng_addr_to_dp(const struct sockaddr_storage *ss, struct dp_addr *d);
const char *eng_addr_str(
    const struct sockaddr_storage *ss, char *buf, size_t len);

#endif
