/*
 * dp_gso: TCP segmentation (tx) and coalescing (rx) around the vnet TUN
 * devices of the userspace dataplane; dp_gso.h has the why.  The header
 * rules follow what the kernel's own GSO and GRO do for TCP: a segment
 * keeps the super-packet's headers with its own length, IPv4 ID (first +
 * i), sequence number and checksums, CWR only on the first and FIN/PSH
 * only on the last; segments merge only when everything but the sequence
 * number (consecutive) and PSH is equal, and each but the last is full.
 */
#include <endian.h>
#include <string.h>

#include "iked/dp_gso.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80
#define IPPROTO_TCP_ 6

static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = (uint8_t)v;
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * RFC 1071 4.1, on native-order words: the folded sum is the byte swap
 * of the network-order one, and it is stored back in native order too,
 * so the bytes come out right.  Only the last piece may have odd length.
 */
/* One's complement addition of 64-bit words: the carry goes around. */
static inline uint64_t
dp_add1c(uint64_t a, uint64_t b)
{
	uint64_t r = a + b;

	return r + (r < b);
}

uint32_t
dp_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t s = sum, w[4], t0 = 0, t1 = 0, t2 = 0, t3 = 0;
	uint32_t x;
	uint16_t h;

	/* four sums side by side: no carry chain from one word to the next */
	for (; len >= 32; p += 32, len -= 32) {
		memcpy(w, p, 32);
		t0 = dp_add1c(t0, w[0]);
		t1 = dp_add1c(t1, w[1]);
		t2 = dp_add1c(t2, w[2]);
		t3 = dp_add1c(t3, w[3]);
	}
	s = dp_add1c(dp_add1c(s, t0), dp_add1c(dp_add1c(t1, t2), t3));
	for (; len >= 8; p += 8, len -= 8) {
		memcpy(w, p, 8);
		s = dp_add1c(s, w[0]);
	}
	if (len >= 4) {
		memcpy(&x, p, 4);
		s = dp_add1c(s, x);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		s = dp_add1c(s, h);
		p += 2;
		len -= 2;
	}
	if (len) {
		uint8_t last[2] = { p[0], 0 };
		memcpy(&h, last, 2);
		s = dp_add1c(s, h);
	}
	s = (s & 0xffffffff) + (s >> 32); /* 64 -> 33 -> 32 bits */
	s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t
dp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* RFC 793 3.1 / RFC 8200 8.1: the pseudo-header of a TCP segment. */
static uint32_t
dp_pseudo(const uint8_t *ip, size_t tcplen)
{
	uint8_t ph[8] = { 0 };

	if ((ip[0] >> 4) == 4) {
		ph[1] = IPPROTO_TCP_;
		put16(ph + 2, (uint16_t)tcplen);
		return dp_csum_add(dp_csum_add(0, ip + 12, 8), ph, 4);
	}
	put32(ph, (uint32_t)tcplen);
	ph[7] = IPPROTO_TCP_;
	return dp_csum_add(dp_csum_add(0, ip + 8, 32), ph, 8);
}

static void
dp_ip4_csum(uint8_t *ip, size_t iphl)
{
	uint16_t c;

	ip[10] = ip[11] = 0;
	c = (uint16_t)~dp_csum_fold(dp_csum_add(0, ip, iphl));
	memcpy(ip + 10, &c, 2);
}

/* The full TCP checksum of the segment that ends the packet. */
static void
dp_tcp_csum(uint8_t *ip, size_t iphl, size_t len)
{
	uint8_t *t = ip + iphl;
	uint16_t c;

	t[16] = t[17] = 0;
	c = (uint16_t)~dp_csum_fold(
	    dp_csum_add(dp_pseudo(ip, len - iphl), t, len - iphl));
	memcpy(t + 16, &c, 2);
}

/*
 * The headers of a TCP packet: IPv4 without fragmentation or IPv6 with
 * TCP as its first next header.  -1 for anything else.
 */
static int
dp_tcp_layout(const uint8_t *p, size_t len, size_t *iphl, size_t *hlen)
{
	size_t ih, th;

	if (len < 20)
		return -1;
	if ((p[0] >> 4) == 4) {
		ih = (size_t)(p[0] & 0x0f) * 4;
		if (ih < 20 || p[9] != IPPROTO_TCP_ ||
		    (get16(p + 6) & 0x3fff) != 0) /* MF, offset */
			return -1;
	} else if ((p[0] >> 4) == 6) {
		ih = 40;
		if (p[6] != IPPROTO_TCP_)
			return -1;
	} else
		return -1;
	if (len < ih + 20)
		return -1;
	th = (size_t)(p[ih + 12] >> 4) * 4;
	if (th < 20 || len < ih + th)
		return -1;
	*iphl = ih;
	*hlen = ih + th;
	return 0;
}

static bool
dp_is_tso(const struct virtio_net_hdr *vh)
{
	uint8_t t = vh->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;

	return t == VIRTIO_NET_HDR_GSO_TCPV4 || t == VIRTIO_NET_HDR_GSO_TCPV6;
}

size_t
dp_gso_count(const struct virtio_net_hdr *vh, const uint8_t *p, size_t len)
{
	size_t iphl, hlen, mss = le16toh(vh->gso_size);

	if (len == 0)
		return 0;
	if (vh->gso_type == VIRTIO_NET_HDR_GSO_NONE)
		return 1;
	if (!dp_is_tso(vh) || mss == 0 ||
	    dp_tcp_layout(p, len, &iphl, &hlen) == -1)
		return 0;
	return len == hlen ? 1 : (len - hlen + mss - 1) / mss;
}

/* A packet whose checksum the kernel left to us (NEEDS_CSUM). */
int
dp_gso_csum(const struct virtio_net_hdr *vh, uint8_t *p, size_t len)
{
	size_t start = le16toh(vh->csum_start), off = le16toh(vh->csum_offset);
	uint16_t c;

	if (!(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 0;
	if (start > len || off + 2 > len - start)
		return -1;
	/* the field holds the pseudo-header sum: sum over it, complement */
	c = (uint16_t)~dp_csum_fold(dp_csum_add(0, p + start, len - start));
	memcpy(p + start + off, &c, 2);
	return 0;
}

size_t
dp_gso_split(const struct virtio_net_hdr *vh, uint8_t *p, size_t len,
    uint8_t *const *seg, size_t cap, size_t *seglen, size_t nseg)
{
	size_t n = dp_gso_count(vh, p, len), iphl, hlen, mss, payload;

	if (n == 0 || n > nseg)
		return 0;
	if (vh->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		if (len > cap || dp_gso_csum(vh, p, len) == -1)
			return 0;
		memcpy(seg[0], p, len);
		seglen[0] = len;
		return 1;
	}
	dp_tcp_layout(p, len, &iphl, &hlen);
	mss = le16toh(vh->gso_size);
	payload = len - hlen;
	uint32_t seq = get32(p + iphl + 4);
	uint16_t id = get16(p + 4);
	uint8_t flags = p[iphl + 13];
	for (size_t i = 0; i < n; i++) {
		size_t plen = payload - i * mss < mss ? payload - i * mss : mss;
		uint8_t *q = seg[i], *t = seg[i] + iphl;
		if (hlen + plen > cap)
			return 0;
		memcpy(q, p, hlen);
		memcpy(q + hlen, p + hlen + i * mss, plen);
		if ((q[0] >> 4) == 4) {
			put16(q + 2, (uint16_t)(hlen + plen));
			put16(q + 4, (uint16_t)(id + i));
			dp_ip4_csum(q, iphl);
		} else
			put16(q + 4, (uint16_t)(hlen - iphl + plen));
		put32(t + 4, seq + (uint32_t)(i * mss));
		t[13] = flags;
		if (i > 0)
			t[13] &= (uint8_t)~TCP_CWR;
		if (i + 1 < n)
			t[13] &= (uint8_t) ~(TCP_FIN | TCP_PSH);
		dp_tcp_csum(q, iphl, hlen + plen);
		seglen[i] = hlen + plen;
	}
	return n;
}

bool
dp_gro_eligible(const uint8_t *p, size_t len)
{
	size_t iphl, hlen;

	if (len > DP_GRO_MAX || dp_tcp_layout(p, len, &iphl, &hlen) == -1 ||
	    len == hlen)
		return false;
	if ((p[0] >> 4) == 4 && (iphl != 20 || get16(p + 2) != len))
		return false;
	if ((p[0] >> 4) == 6 && (size_t)get16(p + 4) + 40 != len)
		return false;
	/* only ACK, PSH: SYN, FIN, RST, URG, ECE, CWR go alone */
	if ((p[iphl + 13] & (uint8_t)~TCP_PSH) != TCP_ACK)
		return false;
	/*
	 * The merged packet gets a new checksum: merge only segments whose
	 * own one verifies, as the kernel's GRO does, so that a segment the
	 * sender damaged is still dropped by the receiver.
	 */
	return dp_csum_fold(dp_csum_add(
		   dp_pseudo(p, len - iphl), p + iphl, len - iphl)) == 0xffff;
}

/* Whether q (the first segment) and p belong to one flow, one burst. */
static bool
dp_gro_same(const struct dp_gro *g, const uint8_t *q, const uint8_t *p)
{
	const uint8_t *tq = q + g->iphl, *tp = p + g->iphl;

	if ((q[0] >> 4) == 4) {
		if (memcmp(q, p, 2) != 0 || memcmp(q + 6, p + 6, 4) != 0 ||
		    memcmp(q + 12, p + 12, 8) != 0)
			return false;
	} else if (memcmp(q, p, 4) != 0 || memcmp(q + 6, p + 6, 34) != 0)
		return false;
	return memcmp(tq, tp, 4) == 0 && memcmp(tq + 8, tp + 8, 5) == 0 &&
	    (tq[13] & (uint8_t)~TCP_PSH) == (tp[13] & (uint8_t)~TCP_PSH) &&
	    memcmp(tq + 14, tp + 14, 2) == 0 &&
	    memcmp(tq + 20, tp + 20, g->hlen - g->iphl - 20) == 0;
}

bool
dp_gro_add(struct dp_gro *g, const uint8_t *p, size_t len)
{
	uint8_t *q = g->buf + DP_VNET_LEN;
	size_t iphl, hlen, plen;

	if (g->closed || !dp_gro_eligible(p, len))
		return false;
	dp_tcp_layout(p, len, &iphl, &hlen);
	plen = len - hlen;
	if (g->n == 0) {
		memcpy(q, p, len);
		g->len = len;
		g->iphl = iphl;
		g->hlen = hlen;
		g->mss = plen;
		g->n = 1;
		g->closed = (p[iphl + 13] & TCP_PSH) != 0;
		return true;
	}
	if ((q[0] >> 4) != (p[0] >> 4) || iphl != g->iphl || hlen != g->hlen ||
	    plen > g->mss || g->len + plen > DP_GRO_MAX ||
	    !dp_gro_same(g, q, p) ||
	    get32(p + iphl + 4) !=
		get32(q + iphl + 4) + (uint32_t)(g->len - g->hlen))
		return false;
	memcpy(q + g->len, p + hlen, plen);
	g->len += plen;
	g->n++;
	if (p[iphl + 13] & TCP_PSH) {
		q[iphl + 13] |= TCP_PSH;
		g->closed = true;
	}
	if (plen < g->mss)
		g->closed = true;
	return true;
}

size_t
dp_gro_finish(struct dp_gro *g)
{
	struct virtio_net_hdr vh = { 0 };
	uint8_t *q = g->buf + DP_VNET_LEN;
	size_t len = g->len;
	uint16_t c;

	if (g->n == 0)
		return 0;
	if (g->n > 1) {
		if ((q[0] >> 4) == 4) {
			put16(q + 2, (uint16_t)len);
			dp_ip4_csum(q, g->iphl);
			vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		} else {
			put16(q + 4, (uint16_t)(len - 40));
			vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
		}
		/* CHECKSUM_PARTIAL: the field holds the pseudo-header sum */
		c = dp_csum_fold(dp_pseudo(q, len - g->iphl));
		memcpy(q + g->iphl + 16, &c, 2);
		vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh.hdr_len = htole16((uint16_t)g->hlen);
		vh.gso_size = htole16((uint16_t)g->mss);
		vh.csum_start = htole16((uint16_t)g->iphl);
		vh.csum_offset = htole16(16);
	}
	memcpy(g->buf, &vh, sizeof(vh));
	g->n = 0;
	g->closed = false;
	return DP_VNET_LEN + len;
}

size_t
dp_ip4_fragment(const uint8_t *p, size_t len, size_t max, uint8_t *const *out,
    size_t cap, size_t *outlen, size_t nout)
{
	size_t ih, data, chunk, off, n = 0;
	uint16_t fo;

	if (len < 20 || (p[0] >> 4) != 4)
		return 0;
	ih = (size_t)(p[0] & 0x0f) * 4;
	fo = get16(p + 6);
	if (ih < 20 || ih > len || (fo & 0x4000) || max > cap)
		return 0; /* DF: not ours to cut */
	/* RFC 791 3.2: every piece but the last carries 8n octets of data */
	if (max < ih + 8)
		return 0;
	chunk = (max - ih) & ~(size_t)7;
	data = len - ih;
	for (off = 0; off < data; off += chunk, n++) {
		size_t dl = data - off < chunk ? data - off : chunk;
		uint8_t *q;
		if (n == nout)
			return 0;
		q = out[n];
		/* options are copied to every piece: fine for the options a
		 * tunnelled host sends (RFC 791 3.1, copied flag aside) */
		memcpy(q, p, ih);
		memcpy(q + ih, p + ih + off, dl);
		put16(q + 2, (uint16_t)(ih + dl));
		/* offsets add to the packet's own (it may be a fragment) */
		uint16_t f = (uint16_t)((fo & 0x1fff) + off / 8);
		if (off + dl < data || (fo & 0x2000))
			f |= 0x2000; /* MF */
		put16(q + 6, f);
		dp_ip4_csum(q, ih);
		outlen[n] = ih + dl;
	}
	return n;
}
