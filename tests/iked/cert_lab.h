/*
 * cert_lab: the harness of the certificate tests.  Two engines over a
 * fake wire in one process (as test_engine.c, smaller: a datagram can be
 * dropped, every one is logged for replays), each with a pki store of its
 * own in a temporary directory and the in-process signer, and the
 * certificates the tests need, made with EVP: a root CA ("lab-ca" on both
 * sides) and per side an end-entity certificate CN=gw-a / CN=gw-b, OU=vpn,
 * O=qsafe, C=US with its address as SAN.  A = 10.0.0.1 (initiator), B =
 * 10.0.0.2 (responder only).
 */
#ifndef QSAFE_TEST_CERT_LAB_H
#define QSAFE_TEST_CERT_LAB_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "iked/ca.h"
#include "iked/engine.h"
#include "pki/pki.h"

#define WIRE_LOG_MAX 128

/* The mock dataplane: counts the SAs installed. */
struct dp {
	int n;
};

struct pkt {
	struct pkt *next;
	int to;
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
	struct end end[2];
	struct sockaddr_in addr[2];
	struct pki_store *st[2];
	char dir[2][64];
	struct signer_local *sig[2];
	int sent, drop_at; /* drop_at: 1-based datagram; 0 none */
	bool drop_b_frag;  /* drop B's first SKF datagram once */
	size_t nlog;
	struct pkt *log[WIRE_LOG_MAX];
};

enum kt { KT_RSA, KT_EC256, KT_EC384, KT_EC521 };

/* The shared root of a test. */
struct lab {
	EVP_PKEY *root_key;
	X509 *root;
};

struct pkt *pkt_new(int to, const uint8_t *p, size_t len,
    const struct sockaddr_in *from, const struct sockaddr_in *dst);
/* Delivers k (taken) to its engine from the loop. */
void wire_queue(struct wire *w, struct pkt *k);
double now_s(void);
/* Runs the loop until cond(w) or secs pass; whether cond held. */
bool wire_run(struct wire *w, bool (*cond)(struct wire *), double secs);
struct eng_peer_stats pst(struct wire *w, int side);
struct eng_stats est(struct wire *w, int side);
bool both_up(struct wire *w);	  /* IKE SA and Child SA on both */
bool auth_failed(struct wire *w); /* A counted it, no SA left, quiet */
bool quiet(struct wire *w);

EVP_PKEY *key_make(enum kt t);
/* issuer NULL: self-signed; san: "IP:10.0.0.1" or NULL. */
X509 *cert_make(const char *cn, const char *ou, EVP_PKEY *key, X509 *issuer,
    EVP_PKEY *ikey, bool ca, const char *san);
/* Loads into side's store: a CA of a profile, or the local "me". */
void store_ca(struct wire *w, int side, const char *profile, X509 *ca);
void store_local(struct wire *w, int side, X509 *x, EVP_PKEY *k);
void lab_side(struct wire *w, struct lab *l, int side, enum kt t);
void lab_free(struct lab *l);

/* Makes l's root, the stores and the engines (no configuration yet). */
struct wire *wire_new(struct lab *l);
void wire_free(struct wire *w);
/* Certificates "me" / "lab-ca", fragmentation on. */
void peer_conf(struct eng_peer *p, int side);
void wire_conf(
    struct wire *w, const struct eng_peer *pa, const struct eng_peer *pb);
/* wire_new, a certificate of type ta / tb per side, peer_conf both. */
struct wire *wire_lab(struct lab *l, enum kt ta, enum kt tb,
    struct eng_peer *pa, struct eng_peer *pb);

#endif
