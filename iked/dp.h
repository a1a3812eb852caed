/*
 * dp: the ESP dataplane behind one narrow interface (strongSwan's
 * kernel_ipsec idea).  iked's engine (or a manual SA from the
 * configuration) installs and deletes Child SAs here; the backend moves
 * the packets and reports back.  Two real backends: dp_userspace (a TUN
 * device per st0.N, ESP in OpenSSL EVP on threads of its own) and dp_xfrm
 * (Linux XFRM through libnl-xfrm), and a mock for the engine's tests.
 *
 * Threads: every call below is made from iked's event loop thread.  A
 * backend that runs packet threads keeps them off that loop and reports
 * through the callbacks in struct dp_events, which it invokes on the
 * loop's thread (event_base given at open).
 */
#ifndef QSAFE_DP_H
#define QSAFE_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "iked/crypto.h"

struct event_base;

struct dp_addr {
	sa_family_t family; /* AF_INET / AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
};

/* One traffic selector: an address range, a protocol, a port range. */
struct dp_sel {
	struct dp_addr start, end;
	uint8_t ipproto;       /* 0: any */
	uint16_t sport, eport; /* 0..65535: any */
};

enum dp_df { DP_DF_COPY, DP_DF_CLEAR, DP_DF_SET };

/* One direction of a Child SA, as installed. */
struct dp_sa {
	uint32_t spi; /* host order; inbound: ours */
	bool inbound;
	uint32_t tunnel_id; /* Junos's tunnel index (500001..) */
	char ifname[16];    /* bind-interface "st0.N"; "" policy-based */
	struct dp_addr local, remote; /* outer addresses */
	/* RFC 3948: ESP in UDP between these ports; 0: raw ESP (proto 50) */
	uint16_t encap_sport, encap_dport;
	const struct encr_alg *encr;	 /* keys as crypto.h sizes them */
	const struct integ_alg *integ;	 /* NULL with an AEAD */
	uint8_t enc_key[CRYPTO_KEY_MAX]; /* salt included for AEADs */
	uint8_t auth_key[CRYPTO_KEY_MAX];
	bool esn;
	uint32_t replay_window; /* packets; 0: no anti-replay */
	size_t nsel_local, nsel_remote;
	struct dp_sel sel_local[4], sel_remote[4];
	uint64_t soft_bytes, hard_bytes; /* 0: unlimited */
	uint64_t soft_packets, hard_packets;
	enum dp_df df;
	bool copy_dscp;
	/*
	 * Outbound, bound to st0.N: a route for each remote selector via
	 * the device while the SA is in (dp_ari.h; the VPN has traffic
	 * selectors).
	 */
	bool ari;
	uint32_t ari_metric; /* the routes' metric; 0: QSAFE_ARI_METRIC */
};

/* Counters of one SA, or of all (show security ipsec statistics). */
struct dp_stats {
	uint64_t enc_bytes, enc_packets; /* outbound, after ESP */
	uint64_t dec_bytes, dec_packets; /* inbound, after ESP */
	uint64_t err_auth;		 /* ESP authentication failures */
	uint64_t err_decrypt;		 /* ESP decryption failures */
	uint64_t err_replay;
	uint64_t err_bad_header;
	uint64_t err_bad_trailer;
	uint64_t err_invalid_spi;
	uint64_t err_ts;    /* TS check fail */
	uint64_t err_mtu;   /* exceeds tunnel MTU */
	uint64_t discarded; /* every other drop */
};

/*
 * A policy-based VPN's selectors before it has an SA (RFC 4301 4.4.1: an
 * SPD entry whose action is PROTECT): traffic they match goes to the
 * tunnel, and with no outbound SA raises acquire(tunnel_id).  The SA's
 * own (negotiated, maybe narrower) selectors choose among installed SAs.
 */
struct dp_trap {
	uint32_t tunnel_id;
	struct dp_addr local, remote; /* outer; family 0: not known yet */
	size_t nsel_local, nsel_remote;
	struct dp_sel sel_local[4], sel_remote[4];
};

struct dp_events {
	/* A lifetime of the SA ran out: soft (rekey now) or hard (gone). */
	void (*expire)(void *ctx, uint32_t spi, bool inbound, bool hard);
	/* Traffic for tunnel_id that has no outbound SA (on-traffic). */
	void (*acquire)(void *ctx, uint32_t tunnel_id);
	/*
	 * An IKE message that arrived on the UDP 4500 socket that the
	 * backend reads (non-ESP marker removed); borrowed for the call.
	 */
	void (*ike_packet)(void *ctx, const uint8_t *p, size_t len,
	    const struct sockaddr *from, const struct sockaddr *to);
	/*
	 * A descriptor of /dev/net/tun for a new TUN device (iked's tun
	 * broker: the network process cannot open the node itself), or -1
	 * with errno.  NULL: the backend opens the node.
	 */
	int (*tun_open)(void *ctx);
};

struct dp;

struct dp_ops {
	const char *name; /* "userspace", "xfrm", "mock" */
	/* NULL with a logged reason when the backend cannot run here. */
	struct dp *(*open)(
	    struct event_base *base, const struct dp_events *ev, void *ctx);
	void (*close)(struct dp *dp);
	/* 0, or -1 (logged). Install is atomic: a failed add leaves nothing. */
	int (*sa_add)(struct dp *dp, const struct dp_sa *sa);
	int (*sa_del)(struct dp *dp, uint32_t spi, bool inbound);
	/*
	 * The outbound SA spi now sends to remote, ESP in UDP to port
	 * encap_dport (RFC 7296 2.23: the peer's NAT mapping changed and
	 * an authenticated IKE message came from the new one).  Keys,
	 * counters and sequence numbers stay.  NULL in a backend that
	 * cannot move an SA.  0, or -1 (logged).
	 */
	int (*sa_peer)(struct dp *dp, uint32_t spi,
	    const struct dp_addr *remote, uint16_t encap_dport);
	int (*sa_stats)(
	    struct dp *dp, uint32_t spi, bool inbound, struct dp_stats *out);
	/* tunnel_id 0: the sum over every SA, removed ones included. */
	int (*stats)(struct dp *dp, uint32_t tunnel_id, struct dp_stats *out);
	void (*stats_clear)(struct dp *dp);
	/*
	 * The UDP 4500 socket that carries ESP-in-UDP and IKE (RFC 3948):
	 * iked binds it and hands it over; the backend is then its only
	 * reader (IKE arrives through ev->ike_packet).  -1: none.
	 */
	int (*set_encap_socket)(struct dp *dp, int fd);
	/*
	 * Policy-based VPNs (sa->ifname ""): sets (replacing one of the
	 * same tunnel_id) or deletes the selectors of one.  NULL in a
	 * backend without them.  0, or -1 (logged).
	 */
	int (*trap_set)(struct dp *dp, const struct dp_trap *t);
	void (*trap_del)(struct dp *dp, uint32_t tunnel_id);
};

extern const struct dp_ops dp_userspace_ops;
extern const struct dp_ops dp_xfrm_ops;

#endif
