/*
 * engine: the IKEv2 engine (RFC 7296) as iked.c and the tests drive it.
 * It knows peers and VPNs as plain structs (iked/conf.c turns the Junos
 * configuration into them), speaks through an io struct (the daemon's UDP
 * sockets, or a fake transport in tests), installs Child SAs through a
 * dataplane (dp.h), and asks a key source for PPKs (RFC 8784).  It never
 * reads the configuration tree, a socket or a file itself, so two engines
 * can negotiate with each other inside one test process.
 *
 * Threads: everything runs on the event_base given to eng_new.
 */
#ifndef QSAFE_IKE_ENGINE_H
#define QSAFE_IKE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include <jansson.h>

#include "iked/dp.h"

struct event_base;

#define ENG_NAME_MAX 33	    /* Junos names: 1..32 characters */
#define ENG_PROPOSALS_MAX 8 /* proposals named by one policy */
#define ENG_TS_MAX 4
#define ENG_PSK_MAX 255
#define ENG_ID_MAX 255

/* One IKE or ESP proposal, IANA numbers (ikev2.h). */
struct eng_proposal {
	uint16_t encr, encr_bits; /* ENCR_*, key bits (0: fixed) */
	uint16_t integ;		  /* AUTH_*; AUTH_NONE with AEAD */
	uint16_t prf;		  /* PRF_*; IKE only */
	uint16_t dh;		  /* IKE: the group; ESP: PFS group or 0 */
	uint8_t auth_method;	  /* IKE: AUTH_SHARED_KEY_MIC, ... */
	uint32_t lifetime_s;	  /* 0: default */
	uint32_t lifetime_kb;	  /* ESP only; 0: unlimited */
};

struct eng_id {
	uint8_t type; /* ID_*; 0: default (our address) */
	size_t len;
	uint8_t data[ENG_ID_MAX];
	/* distinguished-name container/wildcard matching (pki) */
	char *dn_container, *dn_wildcard;
};

enum eng_dpd {
	ENG_DPD_OFF,
	ENG_DPD_OPTIMIZED,
	ENG_DPD_PROBE_IDLE,
	ENG_DPD_ALWAYS
};

/* One `security ike gateway` with its policy and proposals. */
struct eng_peer {
	char name[ENG_NAME_MAX];
	char policy[ENG_NAME_MAX];
	struct sockaddr_storage remote; /* port 0 = 500; AF_UNSPEC: dynamic */
	struct sockaddr_storage local;	/* local-address; AF_UNSPEC: any */
	char external_if[24];		/* external-interface, for show */
	size_t nprop;
	struct eng_proposal prop[ENG_PROPOSALS_MAX];
	size_t psk_len;		       /* 0: certificates */
	uint8_t psk[ENG_PSK_MAX];      /* wiped when the peer goes */
	char local_cert[ENG_NAME_MAX]; /* pki local certificate id */
	char ca_profile[ENG_NAME_MAX];
	struct eng_id local_id, remote_id;
	uint32_t reauth_frequency; /* rekeys between reauths; 0: never */
	enum eng_dpd dpd;
	uint32_t dpd_interval, dpd_threshold;
	uint32_t nat_keepalive; /* seconds; 0: default 20 */
	bool no_nat_traversal;
	bool fragmentation;	/* RFC 7383; default on */
	uint16_t fragment_size; /* IP datagram; 0: 576 (IPv4), 1280 (IPv6) */
	bool rsa_pss;		/* certificates: RSA signs RSASSA-PSS */
	char ppk_profile[ENG_NAME_MAX]; /* "": no RFC 8784 */
	bool ppk_optional;
};

enum eng_establish { ENG_ON_TRAFFIC, ENG_IMMEDIATELY, ENG_RESPONDER_ONLY };

/* One traffic selector range. */
struct eng_ts {
	struct dp_addr start, end;
	uint8_t ipproto;
	uint16_t sport, eport;
};

/* One `security ipsec vpn` (IKE-keyed; manual SAs do not reach the engine). */
struct eng_vpn {
	char name[ENG_NAME_MAX];
	char gateway[ENG_NAME_MAX]; /* the eng_peer it uses */
	char policy[ENG_NAME_MAX];  /* ipsec policy, for show */
	uint32_t tunnel_id;	    /* Junos tunnel index, 500001.. */
	char bind_if[16];	    /* "st0.0"; "": policy-based */
	size_t nprop;
	struct eng_proposal prop[ENG_PROPOSALS_MAX];
	size_t nts_local, nts_remote; /* 0: 0.0.0.0/0 (route-based) */
	struct eng_ts ts_local[ENG_TS_MAX], ts_remote[ENG_TS_MAX];
	enum eng_establish establish;
	enum dp_df df;
	bool copy_dscp;
	uint32_t replay_window; /* 0 with no_anti_replay */
	bool no_anti_replay;
	/*
	 * Junos ARI: `traffic-selector` statements (not proxy-identity) on
	 * a route-based VPN put a route for the negotiated remote selector
	 * via bind_if (dp_ari.h), with the first selector's `metric`
	 * (0: the default, lib/rtproto.h).
	 */
	bool ari;
	uint32_t ari_metric;
};

/* The transport: the daemon's sockets or a test's fake wire. */
struct eng_io {
	/*
	 * Sends one IKE message from local to remote.  A remote port of
	 * 4500 means NAT-T: the io adds the non-ESP marker (RFC 3948 2.2).
	 */
	int (*send)(void *ctx, const uint8_t *p, size_t len,
	    const struct sockaddr *local, const struct sockaddr *remote);
	/*
	 * RFC 3948 4: one NAT-keepalive datagram, the single octet 0xFF
	 * WITHOUT a non-ESP marker, from local (port 4500) to remote (the
	 * peer's NAT-T port).  Sent every nat-keepalive seconds while we
	 * are behind a NAT.  NULL: keepalives are not sent.
	 */
	int (*send_keepalive)(void *ctx, const struct sockaddr *local,
	    const struct sockaddr *remote);
};

/*
 * Where PPKs come from (RFC 8784): keymgr's key API
 * (proto/proto_keymgr.h) in the daemon, a table in tests.  Answers may
 * come later: done(cb_ctx, ...) is called exactly once, on the loop, with
 * the key (borrowed for the call; the engine copies and later wipes it),
 * or with key NULL and a reason ("unknown-key-id", "timeout", ...).
 */
typedef void (*eng_ppk_done)(void *cb_ctx, const char *key_id,
    const uint8_t *key, size_t key_len, const char *error);
struct eng_keysrc {
	/* Initiator: a fresh key of the profile (and its ID). */
	void (*get_key)(
	    void *ctx, const char *profile, eng_ppk_done done, void *cb_ctx);
	/* Responder: the key the peer named. */
	void (*get_key_by_id)(void *ctx, const char *profile,
	    const char *key_id, eng_ppk_done done, void *cb_ctx);
};

/*
 * Certificate AUTH (RFC 7296 2.15, RFC 7427).  The engine reads only
 * public things from the pki store: the local certificate (and the CA
 * certificates of the loaded ca-profiles that issued it, sent as the
 * chain), the trust store of the peer's ca-profile.  It never holds a
 * private key: signatures come from a signer, the ca process over lib/msg
 * in the daemon (iked/ca.h), or in-process in tests (signer_local_*).
 * sign() is asked with the local certificate id, the scheme and hash and
 * the octets to sign (borrowed for the call); done(cb_ctx, ...) is called
 * exactly once, on the loop or later, with the signature (ECDSA in DER;
 * borrowed for the call) or with sig NULL and a reason.
 */
enum eng_sig_scheme {
	ENG_SIG_RSA_PKCS1, /* RSASSA-PKCS1-v1_5 */
	ENG_SIG_RSA_PSS,   /* RSASSA-PSS, MGF1 same hash, salt = hash length */
	ENG_SIG_ECDSA,
};
typedef void (*eng_sign_done)(
    void *cb_ctx, const uint8_t *sig, size_t len, const char *error);
struct eng_signer {
	void (*sign)(void *ctx, const char *cert_id, enum eng_sig_scheme scheme,
	    uint16_t hash, const uint8_t *octets, size_t len,
	    eng_sign_done done, void *cb_ctx);
};

struct ike_engine;
struct pki_store;

/* borrowed: io, keysrc and dp must outlive the engine. */
struct ike_engine *eng_new(struct event_base *base, const struct eng_io *io,
    void *io_ctx, const struct eng_keysrc *keys, void *keys_ctx,
    const struct dp_ops *dp_ops, struct dp *dp);
void eng_free(struct ike_engine *e); /* deletes every SA */
/* borrowed: st and signer outlive the engine (or are set again first). */
void eng_set_certs(struct ike_engine *e, struct pki_store *st,
    const struct eng_signer *signer, void *signer_ctx);

/*
 * Configuration.  Setting a peer or VPN that exists replaces it: an
 * unchanged one keeps its SAs; a changed one renegotiates only its own.
 * Deleting one deletes its SAs (with a Delete to the peer).
 */
int eng_peer_set(struct ike_engine *e, const struct eng_peer *p);
void eng_peer_del(struct ike_engine *e, const char *name);
int eng_vpn_set(struct ike_engine *e, const struct eng_vpn *v);
void eng_vpn_del(struct ike_engine *e, const char *name);

/*
 * RFC 7296 2.6, Junos `security ike session half-open`: the responder's IKE
 * SAs answered but not yet authenticated.  From cookie_threshold of them
 * on, IKE_SA_INIT needs a COOKIE; beyond max, new ones are dropped (and
 * counted); one goes after timeout seconds (reduce_timeout when there
 * are reduce_threshold or more).  One peer address may hold only a share
 * of max (an eighth, at least 16), and needs a COOKIE from half its share
 * on, whatever the count in all.  Zero members: the defaults
 * (ENG_COOKIE_THRESHOLD, ENG_HALF_OPEN_MAX, ENG_HALF_OPEN_TIMEOUT).
 */
struct eng_limits {
	uint32_t half_open_max;	    /* max-count */
	uint32_t cookie_threshold;  /* thresholds send-cookie session-count */
	uint32_t half_open_timeout; /* timeout, seconds */
	uint32_t reduce_threshold;  /* thresholds reduce-timeout: from */
	uint32_t reduce_timeout;    /* this many on, this timeout; 0 off */
};
void eng_limits_set(struct ike_engine *e, const struct eng_limits *l);

/* One UDP datagram (non-ESP marker removed) from remote to local. */
void eng_input(struct ike_engine *e, const uint8_t *p, size_t len,
    const struct sockaddr *remote, const struct sockaddr *local);
/* The dataplane saw traffic for a VPN without SA (dp_events.acquire). */
void eng_acquire(struct ike_engine *e, uint32_t tunnel_id);
/*
 * A Child SA's lifetime ran out in the dataplane (dp_events.expire):
 * soft rekeys it (CREATE_CHILD_SA), hard deletes it.
 */
void eng_expire(struct ike_engine *e, uint32_t spi, bool inbound, bool hard);

/*
 * Timers.  The engine looks at its clock once a second (lifetimes with
 * jittered soft expiry, reauthentication, dead peer detection, NAT
 * keepalives, retries of `immediately` VPNs).  The clock is time() unless
 * set here (tests advance their own); eng_timers_run runs what is due
 * now, without waiting for the next second.
 */
void eng_clock_set(struct ike_engine *e, time_t (*now)(void *ctx), void *ctx);
void eng_timers_run(struct ike_engine *e);

/*
 * Test only: every lifetime-seconds (IKE and ESP, configured or default)
 * runs div times faster, so a lab test sees Junos's shortest lifetime
 * (180 s) rekey in seconds.  iked sets it once at start from
 * QSAFE_LIFETIME_DIVISOR (docs/architecture.md); 1 (the default) is
 * real time.  Byte lifetimes are not touched.
 */
void eng_life_div_set(struct ike_engine *e, uint32_t div);

/*
 * Test only: an `establish-tunnels immediately` VPN that is not up is
 * started again every secs seconds instead of ENG_RETRY_S (10), so a lab
 * test need not sleep through the wait.  iked sets it once at start from
 * QSAFE_IKED_RETRY_S (docs/architecture.md); 0 keeps the default.
 */
void eng_retry_set(struct ike_engine *e, uint32_t secs);

/*
 * Operational commands: reply data in the shape iked's renderers read
 * (see render/ike_render.c), or NULL with an operator error in err.  Large
 * data (the brief show of the IKE SAs) comes as a JSON string holding the
 * data's JSON text (proto/link.h): parse it to read it.
 */
json_t *eng_rpc(struct ike_engine *e, const char *name, const json_t *input,
    char *err, size_t errlen);

/*
 * Counters, for show and tests (added by the engine; eng_rpc renders them
 * too).  Engine-wide: what arrived and what was refused before reaching an
 * exchange.
 */
struct eng_stats {
	uint64_t in_packets;
	uint64_t in_malformed;	  /* undecodable, bad rules */
	uint64_t in_unknown_spi;  /* no IKE SA of ours */
	uint64_t in_bad_msgid;	  /* outside the window, stale, replayed */
	uint64_t in_integrity;	  /* SK payload did not verify */
	uint64_t in_dup_answered; /* a repeated request got the cached answer */
	uint64_t in_frags;	  /* RFC 7383 fragments that verified */
	uint64_t in_frag_dropped; /* fragments refused: bounds, integrity */
	uint64_t in_reassembled;  /* messages put together */
	uint64_t in_half_open_full; /* IKE_SA_INIT dropped: max-count */
	uint64_t in_half_open_peer; /* dropped: one address's share full */
	uint64_t cookies_sent;	    /* RFC 7296 2.6 COOKIE asked for */
	uint64_t half_open_expired; /* half-open SAs gone at the timeout */
	uint64_t out_packets;
	uint64_t out_retransmits;
	uint64_t out_frags; /* fragments sent, retransmissions too */
	uint64_t ike_established, child_installed, child_deleted;
	uint64_t timer_visits; /* IKE SAs the timers looked at (life_wake.c) */
};
void eng_stats_get(const struct ike_engine *e, struct eng_stats *out);

/* Per gateway. */
struct eng_peer_stats {
	uint64_t established; /* IKE SAs that came up */
	uint64_t ppk_used;    /* of those, with an RFC 8784 PPK */
	uint64_t no_proposal; /* NO_PROPOSAL_CHOSEN, either side */
	uint64_t auth_failed; /* AUTHENTICATION_FAILED, either side */
	uint64_t ts_unacceptable;
	uint64_t unreachable; /* retransmissions ran out */
	uint64_t invalid_ke;  /* INVALID_KE_PAYLOAD sent or taken */
	uint64_t dpd_dead;    /* of unreachable: declared dead by DPD */
	uint64_t ike_rekeys, child_rekeys; /* CREATE_CHILD_SA rekeys done */
	uint64_t reauths;		   /* reauthentications started */
	uint64_t keepalives;	  /* NAT keepalives sent (RFC 3948 4) */
	uint32_t ike_sas, ike_up; /* IKE SAs now, established ones */
	uint32_t child_sas;	  /* Child SAs installed now */
};
/* 0, or -1 when there is no such gateway. */
int eng_peer_stats_get(
    const struct ike_engine *e, const char *gw, struct eng_peer_stats *out);

#endif
