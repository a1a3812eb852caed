/*
 * eng_wire: the harness of the IKEv2 engine tests (test_engine.c,
 * test_rekey.c): two engines in one process over a fake wire, a mock
 * dataplane that records the SAs installed, a table of PPKs, and a clock
 * the test moves (the engines' timers read it).  strongSwan's
 * exchange_test_helper idea.  No root, no sockets.
 *
 * A = 10.0.0.1 (initiator, establish immediately), B = 10.0.0.2
 * (responder only).  Every wait polls the loop with a deadline.
 */
#ifndef QSAFE_TEST_ENG_WIRE_H
#define QSAFE_TEST_ENG_WIRE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include <event2/event.h>

#include "iked/engine.h"
#include "iked/ikev2.h"

#define WIRE_LOG_MAX 128
#define MOCK_SA_MAX 16

/* The mock dataplane: the SAs as installed. */
struct dp {
	struct dp_sa sa[MOCK_SA_MAX];
	size_t n;
	int adds, dels;
	/* an outbound SA removed while its tunnel had no other outbound */
	int out_gaps;
	/* policy-based VPNs' traps (dp_ops.trap_set), by tunnel */
	struct dp_trap trap[4];
	size_t ntrap;
};

/* The key source of one side (see keys_get_by_id). */
struct keys {
	struct event_base *base;
	bool have, defer;
	uint8_t key[32];
	int asked;
};

/* The fake wire between the two engines. */
struct pkt {
	struct pkt *next;
	int to; /* 0: A, 1: B */
	struct sockaddr_in from, dst;
	size_t len;
	uint8_t p[];
};

struct wire;
struct end {
	struct wire *w;
	int side;
};

struct wire {
	struct event_base *base;
	struct event *ev;
	struct pkt *head, **tail;
	struct ike_engine *eng[2];
	struct dp dp[2];
	struct keys keys[2];
	struct end end[2];
	/* A behind a NAT: its datagrams leave as nat_addr, ports + nat_off
	 * (0: 40000; changed: a new mapping) */
	bool nat;
	uint16_t nat_off;
	struct sockaddr_in nat_addr;
	struct sockaddr_in addr[2];
	int sent;	     /* datagrams sent so far */
	int drop_at, dup_at; /* 1-based; 0: none */
	size_t nlog;
	struct pkt *log[WIRE_LOG_MAX]; /* every datagram sent, for replays */
	bool mute[2];		       /* drop everything sent to this side */
	int dropped;		       /* datagrams mute dropped */
	int ka[2];		       /* NAT keepalives each side sent */
	struct sockaddr_in ka_dst[2];  /* where the last one went */
	time_t now;		       /* the engines' clock (eng_clock_set) */
	/* Hooks of a harness built on the wire (cert_lab.c): */
	bool real_clock; /* the engines read time(), not now */
	/* a datagram from side for which drop returns true is lost */
	bool (*drop)(struct wire *w, int side, const uint8_t *p, size_t len);
	/* a datagram to an address neither A nor B has (IPv6 too) goes
	 * here (NULL: the test fails), e.g. answers to a third peer the
	 * test plays */
	void (*stray)(struct wire *w, const uint8_t *p, size_t len,
	    const struct sockaddr *dst);
	/* in wire_free, after the engines and before the loop are freed */
	void (*fini)(struct wire *w);
	void *ctx; /* the harness's own state */
};

extern const struct eng_proposal ike_prop, esp_prop;

const struct dp_sa *mock_find(const struct dp *dp, bool inbound);
struct pkt *pkt_new(int to, const uint8_t *p, size_t len,
    const struct sockaddr_in *from, const struct sockaddr_in *dst);
void wire_queue(struct wire *w, struct pkt *k);
void addr4(struct sockaddr_in *s, const char *ip, uint16_t port);
void peer_conf(struct eng_peer *p, int side, const char *psk);
void vpn_conf(struct eng_vpn *v, int side);
struct wire *wire_new(void);
void wire_conf(struct wire *w, const struct eng_peer *pa,
    const struct eng_peer *pb, const struct eng_vpn *va,
    const struct eng_vpn *vb);
void wire_free(struct wire *w);
double now_s(void);
/* Runs the loop until cond(w) holds or secs pass; whether cond held. */
bool wire_run(struct wire *w, bool (*cond)(struct wire *), double secs);
struct eng_peer_stats pst(struct wire *w, int side);
struct eng_stats est(struct wire *w, int side);
bool both_up(struct wire *w);
bool a_auth_failed(struct wire *w);
bool a_no_proposal(struct wire *w);
bool quiet(struct wire *w);
bool none_left(struct wire *w);
void assert_mirror(const struct wire *w);
struct wire *wire_up(int drop_at, int dup_at);
/* The engines' log lines go to a file of the test's own from log_take()
 * until log_taken(), which returns them (the caller frees) and puts the
 * log back on stderr. */
FILE *log_take(void);
char *log_taken(FILE *f);
/* show security ike stats: side's one gateway with a failure, its
 * "ike-last-failure" (the caller frees); NULL when none failed. */
char *gw_last_failure(struct wire *w, int side);
/* Moves the engines' clock and runs their timers. */
void wire_advance(struct wire *w, time_t secs);
/* side's iked "restarts": its engine goes without a word to the peer and
 * a new one comes up with the same configuration. */
void wire_restart(struct wire *w, int side, const struct eng_peer *p,
    const struct eng_vpn *v);

#endif
