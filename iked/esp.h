/*
 * esp: ESP tunnel mode (RFC 4303) on one packet buffer, for the userspace
 * dataplane.  One struct esp_sa per installed direction of a Child SA
 * holds its OpenSSL contexts (created once at install, reused for every
 * packet), its sequence counter or anti-replay window, and its counters.
 *
 * Threads: an esp_sa is used by one packet thread at a time (the backend
 * gives the outbound SAs to its tx thread and the inbound SAs to its rx
 * thread); its counters may be read from any thread (esp_sa_stats).
 *
 * Buffers: the packet lies in b->base[b->off .. b->off + b->len).  encap
 * needs ESP_HEADROOM octets before it and ESP_TAILROOM after it, and turns
 * the inner packet into the ESP packet (SPI .. ICV) in place; decap turns
 * the ESP packet back into the inner packet in place.  Nothing is
 * allocated per packet.
 */
#ifndef QSAFE_ESP_H
#define QSAFE_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iked/dp.h"

#define ESP_HDR_LEN 8 /* SPI, sequence number */
#define ESP_IV_MAX 16
#define ESP_ICV_MAX 32 /* HMAC-SHA-512-256 */
#define ESP_HEADROOM (ESP_HDR_LEN + ESP_IV_MAX)
/* padding (block - 1), pad length, next header, ICV */
#define ESP_TAILROOM (15 + 2 + ESP_ICV_MAX)
#define ESP_REPLAY_MAX 8192 /* anti-replay-window-size 64..8192 */
#define ESP_NH_IPV4 4
#define ESP_NH_IPV6 41
#define ESP_NH_NONE 59 /* RFC 4303 2.6: a dummy packet */

struct esp_buf {
	uint8_t *base;
	size_t cap;
	size_t off, len;
};

/* What became of a packet; every value but ESP_OK is a drop reason. */
enum esp_result {
	ESP_OK,
	ESP_BAD_HEADER,	   /* too short, or not IPv4/IPv6 inside */
	ESP_BAD_TRAILER,   /* padding, pad length or next header */
	ESP_AUTH,	   /* ICV mismatch (AEAD tag or HMAC) */
	ESP_DECRYPT,	   /* the cipher failed, or a CBC length */
	ESP_REPLAY,	   /* RFC 4303 3.4.3 */
	ESP_SEQ_EXHAUSTED, /* RFC 4303 3.3.3: the counter would cycle */
	ESP_DUMMY,	   /* next header 59: discarded silently */
	ESP_NO_ROOM,	   /* the buffer lacks head- or tailroom */
	ESP_EXPIRED,	   /* hard lifetime reached */
	ESP_TOO_BIG,	   /* with the outer DF, over the path MTU */
	ESP_TS,		   /* inner addresses outside the SA's selectors */
};
const char *esp_result_name(enum esp_result r);

struct esp_sa;

/*
 * A new ESP state for sa (its keys copied into OpenSSL contexts; the
 * caller may wipe sa afterwards).  NULL, logged, when the algorithms are
 * not ones ESP here knows or the keys do not fit them.
 */
struct esp_sa *esp_sa_new(const struct dp_sa *sa);
/*
 * The same with ca's fetched ciphers and HMAC contexts (crypto.h
 * crypto_algs_new; borrowed, used only during the call; NULL: fetched
 * here).  The caller's thread must be the only one using ca.
 */
struct crypto_algs;
struct esp_sa *esp_sa_new_with(
    const struct dp_sa *sa, const struct crypto_algs *ca);
void esp_sa_free(struct esp_sa *e); /* wipes; NULL is a no-op */
const struct dp_sa *esp_sa_conf(const struct esp_sa *e); /* keys wiped */

/* RFC 4303 2: the SPI of an ESP packet; -1 when it is shorter than 8. */
int esp_peek_spi(const uint8_t *p, size_t len, uint32_t *spi);

/*
 * Outbound (RFC 4303 3.1.1 tunnel mode, 3.3): the inner IPv4/IPv6
 * packet in b becomes an ESP packet.  Counts it.
 */
enum esp_result esp_encap(struct esp_sa *e, struct esp_buf *b);
/*
 * Inbound (RFC 4303 3.4): checks the sequence number against the window
 * before the ICV, the ICV before anything else, then the padding; the
 * inner packet is left in b.  Counts the packet or its drop reason.
 */
enum esp_result esp_decap(struct esp_sa *e, struct esp_buf *b);

/*
 * Counts a drop the backend decided on (ESP_TOO_BIG: err_mtu; ESP_TS:
 * err_ts, RFC 4301 5.2's inbound selector check).
 */
void esp_sa_drop(struct esp_sa *e, enum esp_result r);
/*
 * RFC 4303 2: the octets ESP adds to an inner packet of len octets (SPI,
 * sequence number, IV, padding, pad length, next header, ICV), and the
 * largest inner packet that fits in room octets of ESP.
 */
size_t esp_sa_overhead(const struct esp_sa *e, size_t len);
size_t esp_sa_max_inner(const struct esp_sa *e, size_t room);

/* Adds this SA's counters to out. */
void esp_sa_stats(const struct esp_sa *e, struct dp_stats *out);
/* Bytes and packets carried so far (for lifetimes). */
void esp_sa_usage(const struct esp_sa *e, uint64_t *bytes, uint64_t *packets);
/* The next outbound sequence number / the highest seen inbound. */
uint64_t esp_sa_seq(const struct esp_sa *e);
/* For tests and ESN: starts the counter (outbound) or window top at seq. */
void esp_sa_set_seq(struct esp_sa *e, uint64_t seq);

#endif
