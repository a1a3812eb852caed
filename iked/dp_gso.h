/*
 * dp_gso: TCP segmentation and coalescing for the TUN devices of the
 * userspace dataplane (the wireguard-go technique).  The st0.N devices
 * are opened with IFF_VNET_HDR and TUNSETOFFLOAD (TSO4, TSO6, CSUM): the
 * kernel then hands the tx thread TCP super-packets of up to 64 KB (one
 * read instead of forty), which dp_gso_split cuts into MTU-sized packets
 * before encryption; the rx thread merges the consecutive decrypted
 * segments of one TCP flow with dp_gro_* into one super-packet again, and
 * writes it with a virtio_net_hdr that lets the kernel forward it as one.
 *
 * Every packet through a vnet TUN carries a struct virtio_net_hdr
 * (DP_VNET_LEN octets, little endian) before it.  Only TCP is split or
 * merged (VIRTIO_NET_HDR_GSO_TCPV4/TCPV6); other packets pass whole, their
 * partial checksum (VIRTIO_NET_HDR_F_NEEDS_CSUM) completed on tx.
 * Nothing here allocates; the packets are untrusted only as far as the
 * kernel's own stack made them, and every length is checked anyway.
 */
#ifndef QSAFE_DP_GSO_H
#define QSAFE_DP_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_net.h>

#define DP_VNET_LEN sizeof(struct virtio_net_hdr)
#define DP_GRO_MAX 65535 /* IPv4 total length; IPv6 payload */

/* The number of packets dp_gso_split makes of p (0: malformed). */
size_t dp_gso_count(
    const struct virtio_net_hdr *vh, const uint8_t *p, size_t len);

/*
 * tx: the packet p[0..len) read after vh becomes nseg packets, written at
 * seg[i] (room: cap octets each), their lengths in seglen[i]; every
 * checksum completed (RFC 793 3.1, RFC 791 3.1).  Returns the number of
 * packets, or 0 when the packet is malformed or does not fit.
 */
size_t dp_gso_split(const struct virtio_net_hdr *vh, uint8_t *p, size_t len,
    uint8_t *const *seg, size_t cap, size_t *seglen, size_t nseg);

/* A whole packet's partial checksum completed in place: 0, or -1. */
int dp_gso_csum(const struct virtio_net_hdr *vh, uint8_t *p, size_t len);

/* rx: the TCP segments merged so far (a buffer of DP_GRO_MAX + room). */
struct dp_gro {
	uint8_t *buf;	   /* DP_VNET_LEN room, then the packet */
	size_t len;	   /* of the packet */
	size_t iphl, hlen; /* IP header; IP + TCP headers */
	size_t mss;	   /* payload of every segment but the last */
	size_t n;	   /* segments in; 0: empty */
	bool closed;	   /* a short or PSH segment ended it */
};

/* Adds p to g if it continues g's flow (true); false: flush g first. */
bool dp_gro_add(struct dp_gro *g, const uint8_t *p, size_t len);
/* Whether p is a TCP segment with payload that dp_gro_add can start on. */
bool dp_gro_eligible(const uint8_t *p, size_t len);
/*
 * Fixes up g's headers and writes its virtio_net_hdr; returns the octets
 * to write to the TUN, from g->buf (the header included).  Empties g.
 */
size_t dp_gro_finish(struct dp_gro *g);

/*
 * RFC 791 3.2: the IPv4 packet p (DF clear) cut into fragments of at most
 * max octets each, written at out[i] (room: cap each), lengths in
 * outlen[i].  The number of fragments, or 0: DF set, malformed, or more
 * than nout would be needed.
 */
size_t dp_ip4_fragment(const uint8_t *p, size_t len, size_t max,
    uint8_t *const *out, size_t cap, size_t *outlen, size_t nout);

/* RFC 1071: the folded one's complement sum of p, added to sum. */
uint32_t dp_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t dp_csum_fold(uint32_t sum);

#endif
