/*
 * test_gso: the TCP segmentation and coalescing of the vnet TUN devices
 * (iked/dp_gso.c).  Checksums are checked with a second, plain RFC 1071
 * sum written here (big-endian words), so a wrong byte order or a wrong
 * pseudo-header in dp_gso.c fails; segments are checked against the
 * super-packet they came from, byte for byte.
 */
#include <check.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "iked/dp_gso.h"
#include "tests/lib/check_main.h"

#define MSS 1000
#define NSEG 8

/* RFC 1071, the way the RFC writes it. */
static uint16_t
ref_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Whether the TCP checksum of the packet p (IPv4 or IPv6) verifies. */
static bool
tcp_ok(const uint8_t *p, size_t len)
{
	size_t ih = (p[0] >> 4) == 4 ? (size_t)(p[0] & 15) * 4 : 40;
	size_t tl = len - ih;
	uint32_t s = 6 + (uint32_t)tl;

	if ((p[0] >> 4) == 4)
		s += ref_sum(p + 12, 8, 0);
	else
		s += ref_sum(p + 8, 32, 0);
	return ref_sum(p + ih, tl, s) == 0xffff;
}

/* Sets the TCP checksum of the IPv4 packet p. */
static void
tcp_fix4(uint8_t *p, size_t len)
{
	uint16_t c;

	p[20 + 16] = p[20 + 17] = 0;
	c = (uint16_t)~ref_sum(
	    p + 20, len - 20, 6 + (uint32_t)(len - 20) + ref_sum(p + 12, 8, 0));
	p[20 + 16] = (uint8_t)(c >> 8);
	p[20 + 17] = (uint8_t)c;
}

static bool
ip4_ok(const uint8_t *p)
{
	return ref_sum(p, (size_t)(p[0] & 15) * 4, 0) == 0xffff;
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * A TCP super-packet of payload octets as the kernel hands it over with
 * TSO: lengths of the whole, the checksum field holding the pseudo-header
 * sum only (NEEDS_CSUM).  v: 4 or 6.  Returns its length.
 */
static size_t
mk_super(
    uint8_t *p, int v, size_t payload, uint8_t flags, struct virtio_net_hdr *vh)
{
	size_t ih = v == 4 ? 20 : 40, len = ih + 32 + payload;
	uint8_t *t = p + ih;
	uint32_t s;
	uint16_t c;

	memset(p, 0, ih + 32);
	if (v == 4) {
		p[0] = 0x45;
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
		p[4] = 0x12;
		p[5] = 0x34;
		p[6] = 0x40; /* DF */
		p[8] = 64;
		p[9] = 6;
		memcpy(p + 12, "\xc6\x33\x64\x02\xc6\x33\x64\x42", 8);
	} else {
		p[0] = 0x60;
		p[4] = (uint8_t)((len - 40) >> 8);
		p[5] = (uint8_t)(len - 40);
		p[6] = 6;
		p[7] = 64;
		p[8] = 0x20;
		p[9] = 0x01;
		p[23] = 2;
		p[24] = 0x20;
		p[25] = 0x01;
		p[39] = 3;
	}
	t[0] = 0x9c; /* 40000 -> 5201 */
	t[1] = 0x40;
	t[2] = 0x14;
	t[3] = 0x51;
	memcpy(t + 4, "\xff\xff\xfc\x00", 4); /* wraps past 2^32 */
	memcpy(t + 8, "\x00\x00\x10\x00", 4);
	t[12] = 8 << 4; /* 32 octets: 12 of options */
	t[13] = flags;
	t[14] = 0x01;
	memcpy(t + 20, "\x01\x01\x08\x0a\x00\x00\x00\x07\x00\x00\x00\x09", 12);
	for (size_t i = 0; i < payload; i++)
		t[32 + i] = (uint8_t)(i * 7 + 3);
	s = 6 + (uint32_t)(len - ih);
	s += v == 4 ? ref_sum(p + 12, 8, 0) : ref_sum(p + 8, 32, 0);
	c = ref_sum((const uint8_t *)"", 0, s);
	t[16] = (uint8_t)(c >> 8);
	t[17] = (uint8_t)c;
	memset(vh, 0, sizeof(*vh));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type =
	    v == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
	vh->hdr_len = htole16((uint16_t)(ih + 32));
	vh->gso_size = htole16(MSS);
	vh->csum_start = htole16((uint16_t)ih);
	vh->csum_offset = htole16(16);
	return len;
}

static uint8_t *seg[NSEG];
static size_t seglen[NSEG];
static uint8_t super[70000], orig[70000];

static void
setup(void)
{
	for (size_t i = 0; i < NSEG; i++)
		seg[i] = malloc(2048);
}

static void
teardown(void)
{
	for (size_t i = 0; i < NSEG; i++)
		free(seg[i]);
}

/* Split into MSS-sized segments, then merged back: the same stream. */
static void
roundtrip(int v)
{
	struct virtio_net_hdr vh, gvh;
	size_t ih = v == 4 ? 20 : 40, hl = ih + 32;
	size_t len = mk_super(super, v, 3 * MSS + 500, 0x18, &vh);
	struct dp_gro g = { .buf = malloc(DP_VNET_LEN + DP_GRO_MAX) };

	memcpy(orig, super, len);
	ck_assert_uint_eq(dp_gso_count(&vh, super, len), 4);
	ck_assert_uint_eq(
	    dp_gso_split(&vh, super, len, seg, 2048, seglen, NSEG), 4);
	for (size_t i = 0; i < 4; i++) {
		uint8_t *q = seg[i], *t = q + ih;
		size_t pl = i < 3 ? MSS : 500;
		ck_assert_uint_eq(seglen[i], hl + pl);
		ck_assert_msg(tcp_ok(q, seglen[i]), "TCP checksum of %zu", i);
		if (v == 4) {
			ck_assert(ip4_ok(q));
			ck_assert_uint_eq((q[2] << 8 | q[3]), hl + pl);
			ck_assert_uint_eq((q[4] << 8 | q[5]), 0x1234 + i);
		} else
			ck_assert_uint_eq((q[4] << 8 | q[5]), hl - 40 + pl);
		ck_assert_uint_eq(
		    rd32(t + 4), 0xfffffc00u + (uint32_t)(i * MSS));
		/* PSH only on the last; ACK on all */
		ck_assert_uint_eq(t[13], i < 3 ? 0x10 : 0x18);
		ck_assert(memcmp(q + hl, orig + hl + i * MSS, pl) == 0);
		ck_assert(memcmp(t + 20, orig + ih + 20, 12) == 0);
	}
	for (size_t i = 0; i < 4; i++)
		ck_assert_msg(dp_gro_add(&g, seg[i], seglen[i]), "add %zu", i);
	/* PSH closed it: nothing more joins */
	ck_assert(!dp_gro_add(&g, seg[0], seglen[0]));
	ck_assert_uint_eq(dp_gro_finish(&g), DP_VNET_LEN + len);
	memcpy(&gvh, g.buf, sizeof(gvh));
	ck_assert_uint_eq(gvh.gso_type, vh.gso_type);
	ck_assert_uint_eq(le16toh(gvh.gso_size), MSS);
	ck_assert_uint_eq(le16toh(gvh.hdr_len), hl);
	ck_assert_uint_eq(gvh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	/* what the kernel does with NEEDS_CSUM makes a valid checksum */
	ck_assert_int_eq(dp_gso_csum(&gvh, g.buf + DP_VNET_LEN, len), 0);
	ck_assert(tcp_ok(g.buf + DP_VNET_LEN, len));
	if (v == 4)
		ck_assert(ip4_ok(g.buf + DP_VNET_LEN));
	/* the merged packet is the original but for the checksum */
	g.buf[DP_VNET_LEN + ih + 16] = orig[ih + 16];
	g.buf[DP_VNET_LEN + ih + 17] = orig[ih + 17];
	if (v == 4) {
		g.buf[DP_VNET_LEN + 10] = orig[10];
		g.buf[DP_VNET_LEN + 11] = orig[11];
	}
	ck_assert(memcmp(g.buf + DP_VNET_LEN, orig, len) == 0);
	free(g.buf);
}

START_TEST(split_merge_v4)
{
	roundtrip(4);
}
END_TEST

START_TEST(split_merge_v6)
{
	roundtrip(6);
}
END_TEST

/* Segments that must not merge: another flow, a gap, SYN, a short one. */
START_TEST(merge_refuses)
{
	struct virtio_net_hdr vh;
	size_t len = mk_super(super, 4, 4 * MSS, 0x10, &vh);
	struct dp_gro g = { .buf = malloc(DP_VNET_LEN + DP_GRO_MAX) };
	uint8_t other[2048];

	ck_assert_uint_eq(
	    dp_gso_split(&vh, super, len, seg, 2048, seglen, NSEG), 4);
	ck_assert(dp_gro_add(&g, seg[0], seglen[0]));
	ck_assert(!dp_gro_add(&g, seg[2], seglen[2])); /* a gap */
	memcpy(other, seg[1], seglen[1]);
	other[20 + 1] ^= 1; /* another port */
	ck_assert(!dp_gro_add(&g, other, seglen[1]));
	memcpy(other, seg[1], seglen[1]);
	other[20 + 8] ^= 1; /* another ACK */
	ck_assert(!dp_gro_add(&g, other, seglen[1]));
	memcpy(other, seg[1], seglen[1]);
	other[20 + 13] |= 0x02; /* SYN */
	ck_assert(!dp_gro_add(&g, other, seglen[1]));
	ck_assert(!dp_gro_eligible(other, seglen[1]));
	memcpy(other, seg[1], seglen[1] - 100); /* a short one ends it */
	other[2] = (uint8_t)((seglen[1] - 100) >> 8);
	other[3] = (uint8_t)(seglen[1] - 100);
	tcp_fix4(other, seglen[1] - 100);
	other[20 + 30] ^= 1; /* damaged by its sender: alone */
	ck_assert(!dp_gro_add(&g, other, seglen[1] - 100));
	other[20 + 30] ^= 1;
	ck_assert(dp_gro_add(&g, other, seglen[1] - 100));
	ck_assert(!dp_gro_add(&g, seg[2], seglen[2]));
	/* one segment alone goes out as it came: no GSO, checksum intact */
	ck_assert_uint_eq(dp_gro_finish(&g),
	    DP_VNET_LEN + seglen[0] + seglen[1] - 100 - (20 + 32));
	ck_assert(dp_gro_add(&g, seg[3], seglen[3]));
	ck_assert_uint_eq(dp_gro_finish(&g), DP_VNET_LEN + seglen[3]);
	ck_assert_uint_eq(g.buf[1], VIRTIO_NET_HDR_GSO_NONE);
	ck_assert(memcmp(g.buf + DP_VNET_LEN, seg[3], seglen[3]) == 0);
	free(g.buf);
}
END_TEST

/* A whole packet with a partial checksum (a UDP datagram) completed. */
START_TEST(csum_partial)
{
	uint8_t p[28 + 9] = { 0x45, 0, 0, 37, 0, 0, 0x40, 0, 64, 17, 0, 0, 10,
		0, 0, 1, 10, 0, 0, 2, 0x30, 0x39, 0x00, 0x35, 0, 17, 0, 0, 'a',
		'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i' };
	struct virtio_net_hdr vh = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.csum_start = htole16(20),
		.csum_offset = htole16(6) };
	uint16_t ph = ref_sum(p + 12, 8, 17 + 17);
	uint32_t s;

	p[26] = (uint8_t)(ph >> 8);
	p[27] = (uint8_t)ph;
	ck_assert_uint_eq(
	    dp_gso_split(&vh, p, sizeof(p), seg, 2048, seglen, NSEG), 1);
	s = 17 + 17 + ref_sum(seg[0] + 12, 8, 0);
	ck_assert_uint_eq(ref_sum(seg[0] + 20, 17, s), 0xffff);
	/* csum_start past the end: refused, not read out of bounds */
	vh.csum_start = htole16(40);
	ck_assert_uint_eq(
	    dp_gso_split(&vh, p, sizeof(p), seg, 2048, seglen, NSEG), 0);
}
END_TEST

/* Malformed super-packets are refused, not cut. */
START_TEST(split_refuses)
{
	struct virtio_net_hdr vh;
	size_t len = mk_super(super, 4, 3 * MSS, 0x10, &vh);

	ck_assert_uint_eq(dp_gso_split(&vh, super, len, seg, 2048, seglen, 2),
	    0); /* more segments than room */
	ck_assert_uint_eq(dp_gso_split(&vh, super, len, seg, 500, seglen, NSEG),
	    0);	       /* a segment larger than its buffer */
	super[9] = 17; /* "TCP" GSO of a UDP packet */
	ck_assert_uint_eq(dp_gso_count(&vh, super, len), 0);
	super[9] = 6;
	super[20 + 12] = 15 << 4; /* TCP header past the end */
	ck_assert_uint_eq(dp_gso_count(&vh, super, 70), 0);
	vh.gso_size = 0;
	ck_assert_uint_eq(dp_gso_count(&vh, super, len), 0);
	vh.gso_type = 99;
	ck_assert_uint_eq(dp_gso_count(&vh, super, len), 0);
}
END_TEST

/* The fast sum (64-bit words, four side by side) is RFC 1071's. */
START_TEST(csum_reference)
{
	uint8_t p[300];
	uint32_t r = 12345;

	for (size_t i = 0; i < sizeof(p); i++) {
		r = r * 1103515245 + 12345;
		p[i] = (uint8_t)(r >> 16);
	}
	for (size_t off = 0; off < 3; off++)
		for (size_t len = 0; len + off <= sizeof(p); len++) {
			uint16_t c = dp_csum_fold(dp_csum_add(0, p + off, len));
			uint8_t b[2];
			memcpy(b, &c, 2);
			uint16_t got = (uint16_t)(b[0] << 8 | b[1]);
			uint16_t want = ref_sum(p + off, len, 0);
			/* one's complement: 0 and 0xffff are one number */
			if (got == 0xffff)
				got = 0;
			if (want == 0xffff)
				want = 0;
			ck_assert_msg(got == want, "len %zu off %zu: %04x %04x",
			    len, off, got, want);
		}
}
END_TEST

/* RFC 791 3.2: fragments that reassemble to the packet; DF refused. */
START_TEST(fragment4)
{
	uint8_t p[1400], re[1400];
	size_t n, got = 0;

	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = 1400 >> 8;
	p[3] = 1400 & 0xff;
	p[4] = 0x77;
	p[8] = 64;
	p[9] = 17;
	for (size_t i = 20; i < sizeof(p); i++)
		p[i] = (uint8_t)(i * 13);
	n = dp_ip4_fragment(p, sizeof(p), 600, seg, 2048, seglen, NSEG);
	ck_assert_uint_eq(n, 3); /* 576 + 576 + 228 octets of data */
	for (size_t i = 0; i < n; i++) {
		uint8_t *q = seg[i];
		size_t off = (size_t)((q[6] & 0x1f) << 8 | q[7]) * 8;
		ck_assert_uint_le(seglen[i], 600);
		ck_assert_uint_eq((size_t)(q[2] << 8 | q[3]), seglen[i]);
		ck_assert(ip4_ok(q));
		ck_assert_uint_eq(q[4], 0x77);			  /* one ID */
		ck_assert_uint_eq((q[6] & 0x20) != 0, i + 1 < n); /* MF */
		ck_assert_uint_eq(off, got);
		memcpy(re + 20 + off, q + 20, seglen[i] - 20);
		got += seglen[i] - 20;
	}
	ck_assert_uint_eq(got, sizeof(p) - 20);
	ck_assert(memcmp(re + 20, p + 20, got) == 0);
	/* a fragment's fragments keep its offset and MF */
	p[6] = 0x20;
	p[7] = 10;
	ck_assert_uint_eq(
	    dp_ip4_fragment(p, sizeof(p), 600, seg, 2048, seglen, NSEG), 3);
	ck_assert_uint_eq(seg[0][7], 10);
	ck_assert(seg[2][6] & 0x20);
	p[6] = 0x40; /* DF: not cut */
	p[7] = 0;
	ck_assert_uint_eq(
	    dp_ip4_fragment(p, sizeof(p), 600, seg, 2048, seglen, NSEG), 0);
	p[6] = 0; /* more pieces than room */
	ck_assert_uint_eq(
	    dp_ip4_fragment(p, sizeof(p), 100, seg, 2048, seglen, NSEG), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("gso");
	TCase *tc = tcase_create("gso");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, split_merge_v4);
	tcase_add_test(tc, split_merge_v6);
	tcase_add_test(tc, merge_refuses);
	tcase_add_test(tc, csum_partial);
	tcase_add_test(tc, split_refuses);
	tcase_add_test(tc, fragment4);
	tcase_add_test(tc, csum_reference);
	suite_add_tcase(s, tc);
	return check_main(0, s, NULL);
}
