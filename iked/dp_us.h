/*
 * dp_us: what dp_userspace.c (devices, sockets, install, statistics) and
 * dp_us_path.c (the packet threads) share.
 *
 * The userspace ESP dataplane runs in iked, for kernels without
 * ESP states.  A TUN device per st0.N (route-based VPNs: what the kernel
 * routes into st0.N leaves through that tunnel's outbound SA), raw ESP
 * sockets (IP protocol 50, IPv4 and IPv6) and, once iked hands it over,
 * the UDP 4500 socket for ESP in UDP (RFC 3948).
 *
 * Threads.  Two packet threads of their own, one per core here:
 *   tx  reads the TUN devices (epoll), encapsulates, sendmmsg()s;
 *   rx  recvmmsg()s the ESP sockets, decapsulates, writes to the TUN.
 * While traffic is light rx does tx's work too and tx sleeps (one wakeup
 * per packet crossing, as the smallest forwarder; dp_us_wait.c).
 * The tx side (its queue, the outbound SAs) is under txlock, the rx side
 * (its batch, the merge, the inbound SAs) under rxlock; each thread holds
 * its side's lock while it works.  After writing to a device, rx sends
 * what came back into it meanwhile if it gets txlock without waiting
 * (one thread wakeup less per round trip), and a thread that lingers
 * after moving packets (dp_us_wait.c) takes the other side's the same
 * way.  So an SA direction is used by one thread at a time, and its
 * cipher context, sequence counter and replay window need no lock of
 * their own.  The SA table (a hash on the SPI with a random seed, O(1))
 * and the devices are
 * guarded by one read-mostly rwlock: a packet thread takes it for reading once
 * per batch (at most DP_BATCH packets), the event loop for writing to link or
 * unlink an SA.  Readers never wait for each other; a writer waits at most one
 * batch, and the lock prefers writers so that traffic cannot starve an install.
 * Counters are per SA with one writer each (esp.c); clear keeps a baseline
 * instead of writing to them.  The packet threads never log and never call
 * back: acquire and IKE packets reach the loop through an eventfd; lifetimes
 * are checked by a timer on the loop.
 */
#ifndef QSAFE_DP_US_H
#define QSAFE_DP_US_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <net/if.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "iked/dp.h"
#include "iked/dp_ari.h"
#include "iked/dp_gso.h"
#include "iked/dp_lpm.h"
#include "iked/esp.h"

#define DP_NBUCKET 4096 /* power of two */
#define DP_BATCH 32
#define DP_BUF_LEN (65536 + ESP_HEADROOM + ESP_TAILROOM)
/* tx: the MTU-sized packets of up to DP_NSEG super-packet segments */
#define DP_NSEG 256
#define DP_SEG_LEN 4096
#define DP_SEG_ROOM (DP_SEG_LEN - ESP_HEADROOM - ESP_TAILROOM)
/* tx: inner fragments (df-bit set, dp_us_out.c), messages in all */
#define DP_NFRAG 64
#define DP_NMSG (DP_NSEG + DP_NFRAG)
#define DP_TUN_MTU 1420 /* 1500 less the largest overhead */
#define DP_IKE_QUEUE 64

struct dp_tun {
	char name[IFNAMSIZ];
	int fd;
	bool vnet;     /* IFF_VNET_HDR: dp_gso.h */
	bool policy;   /* PVPN_IFNAME: the SA by selectors (dp_us_pol.c) */
	unsigned refs; /* SAs bound to it; kept at 0 */
	uint32_t tunnel_id;
	/*
	 * Point-to-multipoint (dp_lpm.h): the table that picks one of the
	 * outbound SAs bound here by a packet's destination, each SA's
	 * prefixes inserted when it comes and deleted when it goes; changed
	 * under the write lock, read by tx under the read lock.  Made with
	 * the device; empty (dp_lpm_count 0): no SA.
	 */
	struct dp_lpm *out;
	_Atomic bool want_acquire; /* tx: traffic with no SA */
	struct dp_tun *next;
};

struct dp_usa {
	struct esp_sa *esp;
	uint32_t spi;
	bool inbound, soft_sent, hard_sent;
	struct dp_tun *tun;
	struct sockaddr_storage peer; /* outbound: where ESP goes */
	socklen_t peerlen;
	int sock;	       /* outbound: raw4, raw6, encap4 or encap6 */
	size_t outer;	       /* outbound: IP (+ UDP) header octets */
	_Atomic uint32_t pmtu; /* outbound: route MTU; 0 unknown */
	_Atomic bool sent;     /* outbound: sent since the last MTU query */
	/* byte or packet lifetimes (RFC 4301 4.4.2.1): the only SAs whose
	 * counters the loop reads each second */
	bool limits;
	struct dp_stats base; /* at the last clear */
	struct dp_usa *hnext;
};

/* dp_us_pol.c: one policy-based tunnel, its selectors and its SA. */
struct dp_pol {
	uint32_t tunnel_id;
	bool trap;		   /* configured (dp_ops.trap_set) */
	struct dp_trap conf;	   /* its selectors while it has no SA */
	struct dp_usa *out;	   /* the newest outbound SA, or NULL */
	_Atomic bool want_acquire; /* tx: traffic with no SA */
	struct dp_pol *next;
};

struct dp_ike {
	uint8_t *p;
	size_t len;
	struct sockaddr_storage from;
};

struct dp_batch {
	uint8_t *buf[DP_BATCH];
	struct esp_buf b[DP_BATCH];
	struct mmsghdr msg[DP_BATCH];
	struct iovec iov[DP_BATCH];
	struct sockaddr_storage addr[DP_BATCH];
	union { /* UDP_GRO: the segment size */
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(int))];
	} ctl[DP_BATCH];
};

/* UDP GSO (dp_us_out.c): at most this many ESP packets per send. */
#define DP_GSO_SEGS 64
#define DP_GSO_BYTES 65000

/* tx: one read buffer, the packets it is cut into, ready to send. */
struct dp_txq {
	uint8_t *in;		/* DP_BUF_LEN */
	uint8_t *seg[DP_NSEG];	/* DP_SEG_LEN each */
	uint8_t *data[DP_NSEG]; /* seg[i] + ESP_HEADROOM */
	size_t seglen[DP_NSEG];
	struct esp_buf b[DP_NSEG];
	uint8_t *frag[DP_NFRAG];  /* DP_SEG_LEN each */
	uint8_t *fdata[DP_NFRAG]; /* frag[i] + ESP_HEADROOM */
	size_t fraglen[DP_NFRAG];
	struct esp_buf fb[DP_NFRAG];
	size_t nfrag;
	struct mmsghdr msg[DP_NMSG];
	struct iovec iov[DP_NMSG];
	union { /* copy-outer-dscp: IP_TOS, IPV6_TCLASS */
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(int))];
	} ctl[DP_NMSG];
	size_t n;
	struct dp_pol *pol; /* the policy device: the tunnel of q's packets */
	/* ESP in UDP: runs of equal-sized packets as one UDP GSO send */
	struct mmsghdr gmsg[DP_NMSG];
	union {
		struct cmsghdr h;
		uint8_t
		    b[CMSG_SPACE(sizeof(uint16_t)) + CMSG_SPACE(sizeof(int))];
	} gctl[DP_NMSG];
	size_t gfirst[DP_NMSG];
};

/* tx: the messages of one flush, sent in runs of one outer DF value. */
struct dp_txrun {
	size_t k, run; /* messages; the run's first */
	bool df;
	int sock; /* the run's socket (SAs of one device may differ) */
};

struct dp {
	struct event_base *base;
	const struct dp_events *ev;
	void *ctx;
	pthread_rwlock_t lock;		      /* table, devices, gone */
	uint64_t seed_x, seed_m;	      /* the hash's random key */
	struct dp_usa *bucket[2][DP_NBUCKET]; /* [inbound] */
	struct dp_tun *tuns;
	struct dp_tun *pol_tun; /* PVPN_IFNAME, once a policy VPN is set */
	struct dp_pol *pols;	/* dp_us_pol.c, in the order set */
	/* dp_life_cb walks the SAs only when one has byte or packet
	 * lifetimes, or one sent since the last walk (the path MTU) */
	size_t nlimits; /* the loop's thread only */
	_Atomic bool sent;
	struct dp_stats gone, cleared; /* removed SAs; global at clear */
	_Atomic uint64_t rx_invalid_spi, rx_bad_header, rx_discarded;
	_Atomic uint64_t tx_discarded;
	int raw4, raw6, ctl;	  /* ctl: ioctl socket */
	int encap4, encap6;	  /* UDP 4500 (RFC 3948), per family */
	bool offload;		  /* vnet TUN devices (dp_gso.h) */
	int icmp4, icmp6;	  /* dp_us_out.c: too-big messages */
	int mtu4, mtu6;		  /* dp_pmtu_query's; -1 until first asked */
	struct crypto_algs *algs; /* esp_sa_new_with's; the loop's thread */
	int df_raw4, df_raw6;	  /* their DF mode: 0 clear, 1 set */
	int df_encap4, df_encap6; /* the same for the UDP 4500 sockets */
	bool udp_gso;		  /* tx: UDP_SEGMENT on encap works */
	bool udp_gro;		  /* rx: UDP_GRO on encap is on */
	uint64_t icmp_last;	  /* tx: ms of the last ICMP sent */
	int epoll_rx, epoll_tx, stop_fd, wake_fd;
	pthread_t rx, tx;
	bool rx_started, tx_started;
	pthread_mutex_t qlock; /* ike queue */
	struct dp_ike ike[DP_IKE_QUEUE];
	size_t nike;
	struct event *wake_ev, *life_ev;
	struct dp_batch rxb;
	struct dp_txq txq;
	struct dp_gro gro;	/* rx: dp_gso.h */
	struct dp_tun *gro_tun; /* rx: where gro goes; NULL: empty */
	struct dp_tun *rx_last; /* rx: written to in this batch */
	pthread_mutex_t txlock; /* the tx side: txq, outbound SAs */
	pthread_mutex_t rxlock; /* the rx side: rxb, gro, inbound SAs */
	unsigned linger_us;	/* dp_us_wait.c; 0: sleep at once */
	/*
	 * dp_us_wait.c: idle, the rx thread serves the devices too (epoll_tx
	 * nested in epoll_rx) and tx sleeps in epoll_park until kick_fd;
	 * tx_busy (under modelock) says which.  idle_ms: how long tx waits
	 * for a device's packets before it leaves them to rx; 0: never.
	 */
	int epoll_park, kick_fd;
	pthread_mutex_t modelock;
	bool tx_busy;
	unsigned idle_ms;
	struct dp_ari *ari; /* routes for traffic selectors; loop only */
};

struct dp_fire {
	uint32_t spi;
	bool in, hard;
};

void dp_ctr_inc(_Atomic uint64_t *c);
size_t dp_hash(const struct dp *dp, uint32_t spi);
/* The SA of spi in one direction, or NULL; caller holds dp->lock. */
struct dp_usa *dp_find(struct dp *dp, uint32_t spi, bool inbound);
/* Any thread: has the loop run dp_wake_cb. */
void dp_wake(struct dp *dp);
void dp_batch_init(struct dp_batch *x, size_t i, size_t off);
/* rx: the datagrams waiting on sock decapsulated; caller holds rxlock. */
size_t dp_rx_sock(struct dp *dp, int sock);
/* tx: t's packets sent, txlock waited for / taken only if free (else 0);
 * both return the packets cut from what they read (a super-packet counts
 * its segments). */
size_t dp_tx_tun(struct dp *dp, struct dp_tun *t);
size_t dp_tx_tun_try(struct dp *dp, struct dp_tun *t);
/* dp_us_wait.c: the packet threads. */
/* default of QSAFE_DP_LINGER_US: off.  On this machine, idle or loaded,
 * lingering did not shorten the ping and cost CPU per packet
 * (docs/benchmarks.md) */
#define DP_LINGER_US 0
#define DP_LINGER_MAX 10000
/* default of QSAFE_DP_IDLE_MS; and the tx call that hands the devices
 * to the tx thread: at least this many packets cut */
#define DP_IDLE_MS 100
#define DP_IDLE_MAX 60000
#define DP_BUSY_SEGS 8
/* dp_us_open, once the epolls and stop_fd exist: parking, the mode; -1 */
int dp_wait_init(struct dp *dp);
void dp_wait_close(struct dp *dp);
void *dp_rx_main(void *arg);
void *dp_tx_main(void *arg);
/* tx: the outbound SA of t for the inner packet p, or NULL; read lock. */
struct dp_usa *dp_tun_out(const struct dp_tun *t, const uint8_t *p);
void dp_wake_cb(evutil_socket_t fd, short what, void *arg);

/* dp_us_out.c: the outer header's DF and DSCP, path MTU, ICMP too big. */
uint32_t dp_pmtu_query(
    struct dp *dp, const struct sockaddr_storage *peer, socklen_t len);
bool dp_out_df(const struct dp_sa *c, const uint8_t *inner);
int dp_out_tos(const uint8_t *inner);
void dp_sock_df(struct dp *dp, int sock, bool df);
void dp_icmp_too_big(
    struct dp *dp, const uint8_t *inner, size_t len, size_t mtu);
int dp_out_check(struct dp *dp, struct dp_usa *u, const uint8_t *inner,
    size_t len, bool *df, int *tos, size_t *fit);
/* ESP in UDP: m[0..n) sent with UDP GSO where it applies (tx thread). */
void dp_udp_send(struct dp *dp, int sock, struct mmsghdr *m, size_t n);
/* Whether sock is one of the UDP 4500 sockets iked handed over. */
bool dp_is_encap(const struct dp *dp, int sock);
/* rx: the UDP_GRO segment size of a received message; 0: none. */
size_t dp_udp_gro_size(const struct msghdr *h);
void dp_life_cb(evutil_socket_t fd, short what, void *arg);

/* dp_userspace.c: the device name, created on first use (write lock). */
struct dp_tun *dp_tun_get(struct dp *dp, const char *name, uint32_t tunnel_id);

/*
 * dp_us_pol.c: policy-based VPNs.  Under the write lock: the device and
 * its policy routing (a reference, as dp_tun_get), the SAs' and the
 * traps' entries.  Under the read lock: the tunnel of an outbound
 * packet (NULL: no policy VPN holds it), the acquires due.
 */
struct dp_tun *dp_pol_dev(struct dp *dp);
void dp_pol_sa_add(struct dp *dp, struct dp_usa *u, const struct dp_sa *sa);
void dp_pol_sa_del(struct dp *dp, struct dp_usa *u);
struct dp_pol *dp_pol_lookup(struct dp *dp, const uint8_t *pkt, size_t len);
size_t dp_pol_acquires(struct dp *dp, uint32_t *out, size_t max);
/* Not locked: dp_ops.trap_set / trap_del, and at close. */
int dp_pol_trap_set(struct dp *dp, const struct dp_trap *t);
void dp_pol_trap_del(struct dp *dp, uint32_t tunnel_id);
void dp_pol_close(struct dp *dp);

#endif
