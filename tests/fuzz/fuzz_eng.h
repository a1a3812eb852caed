/*
 * fuzz_eng: the harness of the engine's fuzz entry points (fuzz_eng_sm.c:
 * the exchanges in every state; fuzz_eng_frag.c: RFC 7383 reassembly).
 * Two real engines (PSK, or RSA or ECDSA certificates) over the fake
 * wire of the engine tests
 * (tests/iked/eng_wire.h), brought to a chosen state, then fed records
 * parsed from the fuzzer's bytes: datagrams as they are, with the SPIs
 * of a live IKE SA patched in, or sealed in SK / SKF with that SA's real
 * keys (so they reach the exchange handlers past the integrity check),
 * and events (the clock, retransmission timers, holding or releasing
 * what the engines send each other).
 *
 * After each record the invariants hold (fz_check: the SA table, the
 * half-open and in-flight counts, the reassembly bounds, no dataplane SA
 * without its Child SA); after the input, every SA goes with its gateway
 * and a fresh IKE and Child SA must come up between the two engines
 * (fz_end).  A broken invariant aborts, so libFuzzer reports it.
 *
 * Record: op, then for a datagram a 16-bit length (little endian) and
 * that many octets (fewer at the end of the input).  op:
 *   bit 0     to A (0) or B (1); the other side is the sender
 *   bits 1-3  FZ_RAW, FZ_SPI, FZ_SK, FZ_SKF, FZ_HOLD, FZ_RELEASE,
 *             FZ_RETRANSMIT, FZ_CLOCK
 *   bit 4     port 4500 (else 500)
 *   bits 5-6  the clock moves first: 0, 1, 10 or 61 seconds
 *   bit 7     the sender's second IKE SA with keys (else its first)
 * FZ_SK body: exchange, flags (bit 0 response, bit 1 the I flag
 * flipped), message ID (int8, from what the receiver expects: its next
 * request's ID, or the ID of its request in flight), the first inner
 * payload, then the plaintext payload chain.  FZ_SKF: the same with
 * Fragment Number and Total Fragments (16 bits each, network order)
 * before the chain.
 */
#ifndef QSAFE_TEST_FUZZ_ENG_H
#define QSAFE_TEST_FUZZ_ENG_H

#include <stddef.h>
#include <stdint.h>

#include "tests/iked/eng_wire.h"

enum fz_mode {
	FZ_RAW,
	FZ_SPI,
	FZ_SK,
	FZ_SKF,
	FZ_HOLD,
	FZ_RELEASE,
	FZ_RETRANSMIT,
	FZ_CLOCK,
};

/* The state the engines start the input in (B answers, A initiates). */
enum fz_state {
	FZ_ST_NONE,	 /* configured, no SA */
	FZ_ST_HALF,	 /* B answered IKE_SA_INIT; A's IKE_AUTH held */
	FZ_ST_UP,	 /* IKE and Child SA up */
	FZ_ST_REKEY,	 /* up; A's Child SA rekey held */
	FZ_ST_REKEY_IKE, /* up; A's IKE SA rekey held */
	FZ_ST_DPD,	 /* up; A's liveness check held */
	FZ_ST_COUNT
};

/*
 * How both engines authenticate (fuzz_eng_cert.c): a PSK, or an RSA or an
 * ECDSA (P-256) certificate each under one root, fragmentation on (an RSA
 * IKE_AUTH goes in fragments).
 */
enum fz_auth { FZ_AUTH_PSK, FZ_AUTH_RSA, FZ_AUTH_ECDSA, FZ_AUTH_COUNT };

#define FZ_HELD_MAX 32	  /* datagrams held back */
#define FZ_RECORDS_MAX 64 /* records of one input */

/* Sees every datagram the engines send each other (the seed maker). */
extern void (*fz_tap)(struct wire *w, int side, const uint8_t *p, size_t len);

/* Makes the wire and brings the engines, authenticating with a, to st.
 * Aborts when it cannot. */
struct wire *fz_start(enum fz_state st, enum fz_auth a);
/* Certificates (a not FZ_AUTH_PSK) for both engines of w and their peers
 * pa / pb; the signers in sig (wire's fini frees them). */
struct signer_local;
void fz_cert_conf(struct wire *w, enum fz_auth a, struct eng_peer *pa,
    struct eng_peer *pb, struct signer_local *sig[2]);
/* Runs one record at *p (len left); the octets it took. */
size_t fz_record(struct wire *w, const uint8_t *p, size_t len);
/*
 * Seals plain as an SK (frag_total 0) or SKF message from sender side's
 * IKE SA pick to the other side.  The message length, or 0.
 */
size_t fz_seal(struct wire *w, int to, int pick, uint8_t exch, uint8_t fl,
    int8_t dmsgid, uint8_t first, uint16_t frag_num, uint16_t frag_total,
    const uint8_t *plain, size_t plen, uint8_t *out, size_t cap);
/* One datagram to side to, from the other side's address, on port. */
void fz_input(
    struct wire *w, int to, uint16_t port, const uint8_t *p, size_t len);
/* Delivers what the engines sent each other until the wire is quiet. */
void fz_pump(struct wire *w);
/* The invariants of both engines; aborts with a line on stderr. */
void fz_check(struct wire *w);
/* The SAs go, a fresh pair must come up; frees w. */
void fz_end(struct wire *w);
/* Whole input: the state (and the auth: first octet / FZ_ST_COUNT) from
 * the first octet, then the records. */
void fz_run(const uint8_t *data, size_t size);

#endif
