/*
 * test_pld: the IKEv2 codec (iked/pld*.c) on messages made by hand, one
 * payload kind at a time: what each field decodes to, what the decoder
 * refuses and with which notify (RFC 7296 2.5, 3.x, 3.10.1), a round trip
 * of every payload kind through the builders, and the exchange rules.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/iked/pld_test.h"
#include "tests/lib/check_main.h"

static uint8_t buf[4096];
static struct ike_msg msg;
static uint16_t notify;

#define PLD1(t, f, body) \
	{ \
		(t), (f), (body), sizeof(body) \
	}

/* One payload in an IKE_SA_INIT request: decode's result and notify. */
static int
decode1(uint8_t type, uint8_t flags, const uint8_t *body, size_t len)
{
	struct pt_pld p = { type, flags, body, len };
	size_t n =
	    pt_msg(buf, sizeof(buf), IKE_SA_INIT, IKE_FLAG_INITIATOR, &p, 1);

	return pld_decode(buf, n, &msg, &notify);
}

START_TEST(test_header)
{
	static const uint8_t nonce[16] = { 1 };
	struct pt_pld p = { PLD_NONCE, 0, nonce, sizeof(nonce) };
	size_t n =
	    pt_msg(buf, sizeof(buf), IKE_SA_INIT, IKE_FLAG_INITIATOR, &p, 1);

	ck_assert_int_eq(pld_decode(buf, n, &msg, &notify), 0);
	ck_assert(msg.hdr.ispi == PT_ISPI);
	ck_assert(msg.hdr.rspi == 0);
	ck_assert_uint_eq(msg.hdr.exchange, IKE_SA_INIT);
	ck_assert_uint_eq(msg.hdr.flags, IKE_FLAG_INITIATOR);
	ck_assert_uint_eq(msg.hdr.msgid, 1);
	ck_assert_uint_eq(msg.hdr.length, n);
	ck_assert_ptr_eq(msg.raw.p, buf);
	ck_assert(msg.present == PLD_BIT(PLD_NONCE));

	/* RFC 7296 2.5: major version 3 -> INVALID_MAJOR_VERSION */
	buf[17] = 0x30;
	ck_assert_int_eq(pld_decode(buf, n, &msg, &notify), -1);
	ck_assert_uint_eq(notify, N_INVALID_MAJOR_VERSION);
	/* a minor version above ours is fine */
	buf[17] = 0x21;
	ck_assert_int_eq(pld_decode(buf, n, &msg, &notify), 0);
	buf[17] = IKEV2_VERSION;
	/* the header length must be the datagram's: dropped silently */
	ck_assert_int_eq(pld_decode(buf, n - 1, &msg, &notify), -1);
	ck_assert_uint_eq(notify, 0);
	buf[n] = 0;
	ck_assert_int_eq(pld_decode(buf, n + 1, &msg, &notify), -1);
	ck_assert_uint_eq(notify, 0);
	/* a zero initiator SPI is dropped */
	memset(buf, 0, 8);
	ck_assert_int_eq(pld_decode(buf, n, &msg, &notify), -1);
	ck_assert_uint_eq(notify, 0);
	/* shorter than a header */
	ck_assert_int_eq(pld_decode(buf, IKE_HDR_LEN - 1, &msg, &notify), -1);
	ck_assert_uint_eq(notify, 0);
}
END_TEST

/* RFC 7296 3.3: two proposals, Key Length attribute, an unknown attribute */
START_TEST(test_sa)
{
	static const uint8_t sa[] = {
		/* proposal 1, more follow: IKE, no SPI, 3 transforms */
		0x02,
		0,
		0,
		40,
		1,
		PROTO_IKE,
		0,
		3,
		0x03,
		0,
		0,
		12,
		XF_ENCR,
		0,
		0,
		ENCR_AES_CBC,
		0x80,
		14,
		0x01,
		0x00,
		/* AES-CBC with an attribute this build does not know: left out
		 */
		0x03,
		0,
		0,
		12,
		XF_ENCR,
		0,
		0,
		ENCR_AES_CBC,
		0x80,
		99,
		0,
		1,
		0x00,
		0,
		0,
		8,
		XF_DH,
		0,
		0,
		CURVE25519,
		/* proposal 2, last: ESP with a 4-octet SPI, 1 transform */
		0x00,
		0,
		0,
		20,
		2,
		PROTO_ESP,
		4,
		1,
		0xde,
		0xad,
		0xbe,
		0xef,
		0x00,
		0,
		0,
		8,
		XF_ESN,
		0,
		0,
		ESN_NO,
	};

	ck_assert_int_eq(decode1(PLD_SA, 0, sa, sizeof(sa)), 0);
	ck_assert_uint_eq(msg.sa.nprop, 2);
	ck_assert_uint_eq(msg.sa.prop[0].num, 1);
	ck_assert_uint_eq(msg.sa.prop[0].proto, PROTO_IKE);
	ck_assert_uint_eq(msg.sa.prop[0].nxf, 2);
	ck_assert_uint_eq(msg.sa.prop[0].xf[0].type, XF_ENCR);
	ck_assert_uint_eq(msg.sa.prop[0].xf[0].id, ENCR_AES_CBC);
	ck_assert_uint_eq(msg.sa.prop[0].xf[0].keylen, 256);
	ck_assert_uint_eq(msg.sa.prop[0].xf[1].type, XF_DH);
	ck_assert_uint_eq(msg.sa.prop[0].xf[1].id, CURVE25519);
	ck_assert_uint_eq(msg.sa.prop[0].xf[1].keylen, 0);
	ck_assert_uint_eq(msg.sa.prop[1].proto, PROTO_ESP);
	ck_assert_uint_eq(msg.sa.prop[1].spi_len, 4);
	ck_assert_mem_eq(msg.sa.prop[1].spi, "\xde\xad\xbe\xef", 4);
	ck_assert_uint_eq(msg.sa.prop[1].xf[0].type, XF_ESN);
}
END_TEST

/* Each change makes the SA payload malformed: INVALID_SYNTAX. */
START_TEST(test_sa_malformed)
{
	static const uint8_t good[] = {
		0x00,
		0,
		0,
		16,
		1,
		PROTO_IKE,
		0,
		1,
		0x00,
		0,
		0,
		8,
		XF_DH,
		0,
		0,
		CURVE25519,
	};
	static const struct {
		size_t off;
		uint8_t val;
	} bad[] = {
		{ 0, 0x02 }, /* "more proposals" but none follow */
		{ 0, 0x01 }, /* neither 0 nor 2 */
		{ 3, 15 },   /* proposal longer than the payload */
		{ 3, 7 },    /* proposal shorter than its header */
		{ 7, 2 },    /* two transforms announced, one there */
		{ 7, 0 },    /* none announced, one there */
		{ 8, 0x03 }, /* "more transforms" but none follow */
		{ 11, 7 },   /* transform shorter than its header */
		{ 11, 12 },  /* transform longer than the proposal */
		{ 6, 4 },    /* IKE SPI of 4 octets */
	};
	uint8_t sa[sizeof(good)];
	size_t i;

	ck_assert_int_eq(decode1(PLD_SA, 0, good, sizeof(good)), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(sa, good, sizeof(sa));
		sa[bad[i].off] = bad[i].val;
		ck_assert_msg(decode1(PLD_SA, 0, sa, sizeof(sa)) == -1,
		    "bad SA %zu decoded", i);
		ck_assert_uint_eq(notify, N_INVALID_SYNTAX);
	}
	/* an empty SA payload */
	ck_assert_int_eq(decode1(PLD_SA, 0, good, 0), -1);
}
END_TEST

START_TEST(test_ke_nonce)
{
	static const uint8_t ke[] = { 0, CURVE25519, 0, 0, 0xaa, 0xbb, 0xcc };
	uint8_t nonce[IKE_NONCE_MAX + 1];

	ck_assert_int_eq(decode1(PLD_KE, 0, ke, sizeof(ke)), 0);
	ck_assert_uint_eq(msg.ke.group, CURVE25519);
	ck_assert_uint_eq(msg.ke.data.len, 3);
	ck_assert_mem_eq(msg.ke.data.p, "\xaa\xbb\xcc", 3);
	ck_assert_int_eq(decode1(PLD_KE, 0, ke, 3), -1);

	/* RFC 7296 3.9: 16..256 octets */
	memset(nonce, 0x5a, sizeof(nonce));
	ck_assert_int_eq(decode1(PLD_NONCE, 0, nonce, 16), 0);
	ck_assert_uint_eq(msg.nonce.len, 16);
	ck_assert_int_eq(decode1(PLD_NONCE, 0, nonce, 256), 0);
	ck_assert_int_eq(decode1(PLD_NONCE, 0, nonce, 15), -1);
	ck_assert_uint_eq(notify, N_INVALID_SYNTAX);
	ck_assert_int_eq(decode1(PLD_NONCE, 0, nonce, 257), -1);
}
END_TEST

/* RFC 7296 3.5: the body (type, reserved, data) is kept for AUTH */
START_TEST(test_id_auth_cert)
{
	static const uint8_t id[] = { ID_FQDN, 0, 0, 0, 'a', '.', 'e', 'x' };
	static const uint8_t v4[] = { ID_IPV4_ADDR, 0, 0, 0, 192, 0, 2, 1, 9 };
	static const uint8_t auth[] = { AUTH_SHARED_KEY_MIC, 0, 0, 0, 1, 2 };
	static const uint8_t cert[] = { CERT_X509_SIGNATURE, 0x30, 0x82 };

	ck_assert_int_eq(decode1(PLD_IDI, 0, id, sizeof(id)), 0);
	ck_assert_uint_eq(msg.idi.type, ID_FQDN);
	ck_assert_uint_eq(msg.idi.data.len, 4);
	ck_assert_mem_eq(msg.idi.data.p, "a.ex", 4);
	ck_assert_uint_eq(msg.idi.body.len, sizeof(id));
	ck_assert_mem_eq(msg.idi.body.p, id, sizeof(id));
	ck_assert_int_eq(decode1(PLD_IDR, 0, v4, 8), 0);
	ck_assert_uint_eq(msg.idr.type, ID_IPV4_ADDR);
	/* an IPv4 ID of 5 octets */
	ck_assert_int_eq(decode1(PLD_IDR, 0, v4, sizeof(v4)), -1);
	ck_assert_int_eq(decode1(PLD_IDI, 0, id, 3), -1);

	ck_assert_int_eq(decode1(PLD_AUTH, 0, auth, sizeof(auth)), 0);
	ck_assert_uint_eq(msg.auth.method, AUTH_SHARED_KEY_MIC);
	ck_assert_uint_eq(msg.auth.data.len, 2);

	ck_assert_int_eq(decode1(PLD_CERT, 0, cert, sizeof(cert)), 0);
	ck_assert_uint_eq(msg.ncert, 1);
	ck_assert_uint_eq(msg.cert[0].enc, CERT_X509_SIGNATURE);
	ck_assert_uint_eq(msg.cert[0].data.len, 2);
	ck_assert_int_eq(decode1(PLD_CERTREQ, 0, cert, 1), 0);
	ck_assert_uint_eq(msg.ncertreq, 1);
	ck_assert_uint_eq(msg.certreq[0].data.len, 0);
}
END_TEST

/* RFC 7296 3.10, 3.11, 3.12 */
START_TEST(test_notify_delete_vendor)
{
	static const uint8_t n[] = { PROTO_ESP, 4, 0x40, 0x09, 1, 2, 3, 4,
		0xaa };
	static const uint8_t d[] = { PROTO_ESP, 4, 0, 2, 1, 2, 3, 4, 5, 6, 7,
		8 };
	static const uint8_t dike[] = { PROTO_IKE, 0, 0, 0 };
	static const uint8_t vid[] = { 'q', 's' };
	uint8_t bad[sizeof(d)];

	ck_assert_int_eq(decode1(PLD_NOTIFY, 0, n, sizeof(n)), 0);
	ck_assert_uint_eq(msg.nnotify, 1);
	ck_assert_uint_eq(msg.notify[0].proto, PROTO_ESP);
	ck_assert_uint_eq(msg.notify[0].type, N_REKEY_SA);
	ck_assert_uint_eq(msg.notify[0].spi.len, 4);
	ck_assert_mem_eq(msg.notify[0].spi.p, "\x01\x02\x03\x04", 4);
	ck_assert_uint_eq(msg.notify[0].data.len, 1);
	ck_assert_ptr_eq(pld_notify_find(&msg, N_REKEY_SA), &msg.notify[0]);
	ck_assert_ptr_null(pld_notify_find(&msg, N_COOKIE));
	/* SPI size beyond the body, and beyond IKE_SPI_MAX */
	ck_assert_int_eq(decode1(PLD_NOTIFY, 0, n, 6), -1);
	memcpy(bad, n, sizeof(n));
	bad[1] = 9;
	ck_assert_int_eq(decode1(PLD_NOTIFY, 0, bad, sizeof(n)), -1);

	ck_assert_int_eq(decode1(PLD_DELETE, 0, d, sizeof(d)), 0);
	ck_assert_uint_eq(msg.ndelete, 1);
	ck_assert_uint_eq(msg.del[0].nspi, 2);
	ck_assert_uint_eq(msg.del[0].spis.len, 8);
	ck_assert_int_eq(decode1(PLD_DELETE, 0, dike, sizeof(dike)), 0);
	ck_assert_uint_eq(msg.del[0].proto, PROTO_IKE);
	/* three SPIs announced, two there; one octet too many */
	memcpy(bad, d, sizeof(d));
	bad[3] = 3;
	ck_assert_int_eq(decode1(PLD_DELETE, 0, bad, sizeof(d)), -1);
	ck_assert_int_eq(decode1(PLD_DELETE, 0, d, sizeof(d) - 1), -1);
	/* an IKE SA delete with an SPI size */
	memcpy(bad, dike, sizeof(dike));
	bad[1] = 8;
	ck_assert_int_eq(decode1(PLD_DELETE, 0, bad, sizeof(dike)), -1);

	ck_assert_int_eq(decode1(PLD_VENDOR, 0, vid, sizeof(vid)), 0);
	ck_assert_uint_eq(msg.nvendor, 1);
	ck_assert_mem_eq(msg.vendor[0].p, "qs", 2);
}
END_TEST

/* RFC 7296 3.13: IPv4 and IPv6 selectors; an unknown type is skipped */
START_TEST(test_ts)
{
	static const uint8_t ts[] = { 3, 0, 0, 0, TS_IPV4_ADDR_RANGE, 17, 0, 16,
		0, 0, 0xff, 0xff, 198, 51, 100, 65, 198, 51, 100, 65, 10, 0, 0,
		8, 1, 2, 3, 4, /* type 10: not known here */
		TS_IPV6_ADDR_RANGE, 0, 0, 40, 1, 0xf4, 1, 0xf4, 0x20, 0x01,
		0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0x01,
		0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	uint8_t bad[sizeof(ts)];

	ck_assert_int_eq(decode1(PLD_TSI, 0, ts, sizeof(ts)), 0);
	ck_assert_uint_eq(msg.tsi.nts, 2);
	ck_assert_uint_eq(msg.tsi.ts[0].type, TS_IPV4_ADDR_RANGE);
	ck_assert_uint_eq(msg.tsi.ts[0].ipproto, 17);
	ck_assert_uint_eq(msg.tsi.ts[0].eport, 65535);
	ck_assert_mem_eq(msg.tsi.ts[0].start, "\xc6\x33\x64\x41", 4);
	ck_assert_uint_eq(msg.tsi.ts[1].type, TS_IPV6_ADDR_RANGE);
	ck_assert_uint_eq(msg.tsi.ts[1].sport, 500);
	ck_assert_uint_eq(msg.tsi.ts[1].end[15], 0xff);
	/* count disagreeing with the selectors; an IPv4 selector of 20 */
	memcpy(bad, ts, sizeof(ts));
	bad[0] = 4;
	ck_assert_int_eq(decode1(PLD_TSR, 0, bad, sizeof(ts)), -1);
	memcpy(bad, ts, sizeof(ts));
	bad[7] = 20;
	ck_assert_int_eq(decode1(PLD_TSR, 0, bad, sizeof(ts)), -1);
	ck_assert_uint_eq(notify, N_INVALID_SYNTAX);
}
END_TEST

/* RFC 7296 3.14, RFC 7383 2.5: where SK is; nothing is decrypted */
START_TEST(test_sk_skf)
{
	static const uint8_t n[] = { 0, 0, 0x40, 0x00 };
	static const uint8_t body[20] = { 0x11 };
	static const uint8_t frag[] = { 0, 2, 0, 3, 0xee, 0xee };
	struct pt_pld p[2] = { PLD1(PLD_NOTIFY, 0, n), PLD1(PLD_SK, 0, body) };
	size_t len =
	    pt_msg(buf, sizeof(buf), IKE_AUTH, IKE_FLAG_INITIATOR, p, 2);

	/* the SK's Next Payload is its first inner payload */
	buf[IKE_HDR_LEN + 8] = PLD_IDI;
	ck_assert_int_eq(pld_decode(buf, len, &msg, &notify), 0);
	ck_assert(msg.has_sk);
	ck_assert_uint_eq(msg.sk.first, PLD_IDI);
	ck_assert_uint_eq(msg.sk.off, IKE_HDR_LEN + 8);
	ck_assert_ptr_eq(msg.sk.body.p, buf + IKE_HDR_LEN + 12);
	ck_assert_uint_eq(msg.sk.body.len, sizeof(body));
	ck_assert(!msg.sk.frag);
	ck_assert_uint_eq(msg.nnotify, 1);

	/* SK must be the last payload */
	p[0] = (struct pt_pld)PLD1(PLD_SK, 0, body);
	p[1] = (struct pt_pld)PLD1(PLD_NOTIFY, 0, n);
	len = pt_msg(buf, sizeof(buf), IKE_AUTH, 0, p, 2);
	ck_assert_int_eq(pld_decode(buf, len, &msg, &notify), -1);
	ck_assert_uint_eq(notify, N_INVALID_SYNTAX);

	/* fragment 2 of 3: no first inner payload */
	ck_assert_int_eq(decode1(PLD_SKF, 0, frag, sizeof(frag)), 0);
	ck_assert(msg.sk.frag);
	ck_assert_uint_eq(msg.sk.frag_num, 2);
	ck_assert_uint_eq(msg.sk.frag_total, 3);
	ck_assert_uint_eq(msg.sk.body.len, 2);
	ck_assert_uint_eq(msg.sk.first, 0);
	/* fragment 4 of 3, fragment 0 */
	uint8_t bad[sizeof(frag)];
	memcpy(bad, frag, sizeof(frag));
	bad[1] = 4;
	ck_assert_int_eq(decode1(PLD_SKF, 0, bad, sizeof(bad)), -1);
	bad[1] = 0;
	ck_assert_int_eq(decode1(PLD_SKF, 0, bad, sizeof(bad)), -1);
}
END_TEST

/* RFC 7296 2.5, 3.2: generic header lengths and unknown payloads */
START_TEST(test_chain)
{
	static const uint8_t x[] = { 1, 2, 3 };
	static const uint8_t n[] = { 0, 0, 0x40, 0x04 };
	struct pt_pld p[3] = { PLD1(200, 0, x), PLD1(PLD_NOTIFY, 0, n),
		PLD1(201, IKE_PLD_CRITICAL, x) };
	size_t len = pt_msg(buf, sizeof(buf), IKE_SA_INIT, 0, p, 3);
	size_t i;

	/* unknown non-critical skipped; unknown critical recorded */
	ck_assert_int_eq(pld_decode(buf, len, &msg, &notify), 0);
	ck_assert_uint_eq(msg.nnotify, 1);
	ck_assert_uint_eq(msg.unknown_critical, 201);
	ck_assert_int_eq(pld_check_rules(&msg, &notify), -1);
	ck_assert_uint_eq(notify, N_UNSUPPORTED_CRITICAL_PAYLOAD);

	/* payload length below 4, and beyond the message */
	for (i = 0; i < 4; i++) {
		len = pt_msg(buf, sizeof(buf), IKE_SA_INIT, 0, p, 2);
		buf[IKE_HDR_LEN + 3] = (uint8_t)i;
		ck_assert_int_eq(pld_decode(buf, len, &msg, &notify), -1);
		ck_assert_uint_eq(notify, N_INVALID_SYNTAX);
	}
	len = pt_msg(buf, sizeof(buf), IKE_SA_INIT, 0, p, 2);
	buf[len - 1 - sizeof(n) - 4 + 3 + 1]++; /* the notify's length */
	ck_assert_int_eq(pld_decode(buf, len, &msg, &notify), -1);
	/* bytes after the last payload */
	len = pt_msg(buf, sizeof(buf), IKE_SA_INIT, 0, p, 2);
	buf[len] = 0;
	buf[27]++;
	ck_assert_int_eq(pld_decode(buf, len + 1, &msg, &notify), -1);
	ck_assert_uint_eq(notify, N_INVALID_SYNTAX);
}
END_TEST

/* Named limits: one notify more than IKE_NOTIFY_MAX; two SA payloads */
START_TEST(test_limits)
{
	static const uint8_t n[] = { 0, 0, 0x40, 0x04 };
	static const uint8_t nonce[16];
	struct pt_pld p[IKE_NOTIFY_MAX + 1];
	size_t i, len;

	for (i = 0; i < IKE_NOTIFY_MAX + 1; i++)
		p[i] = (struct pt_pld)PLD1(PLD_NOTIFY, 0, n);
	len = pt_msg(buf, sizeof(buf), INFORMATIONAL, 0, p, IKE_NOTIFY_MAX);
	ck_assert_int_eq(pld_decode(buf, len, &msg, &notify), 0);
	ck_assert_uint_eq(msg.nnotify, IKE_NOTIFY_MAX);
	len = pt_msg(buf, sizeof(buf), INFORMATIONAL, 0, p, IKE_NOTIFY_MAX + 1);
	ck_assert_int_eq(pld_decode(buf, len, &msg, &notify), -1);
	ck_assert_uint_eq(notify, N_INVALID_SYNTAX);

	p[0] = (struct pt_pld)PLD1(PLD_NONCE, 0, nonce);
	p[1] = p[0];
	len = pt_msg(buf, sizeof(buf), IKE_SA_INIT, 0, p, 2);
	ck_assert_int_eq(pld_decode(buf, len, &msg, &notify), -1);
}
END_TEST

/* Every payload kind through the builders, decoded, built again. */
START_TEST(test_round_trip)
{
	static const uint8_t ke[32] = { 9 }, nonce[32] = { 7 },
			     auth[32] = { 3 };
	static const uint8_t spis[8] = { 1, 2, 3, 4, 5, 6, 7, 8 },
			     cp[] = { 1, 0, 0, 0, 0, 1, 0, 0 };
	struct ike_hdr hdr = { PT_ISPI, PT_RSPI, 0, IKEV2_VERSION, IKE_AUTH,
		IKE_FLAG_INITIATOR, 1, 0 };
	struct ike_sa_pld sa = { 1,
		{ { 1, PROTO_ESP, 4, { 0xc0, 0, 0, 1 }, 2,
		    { { XF_ENCR, ENCR_AES_GCM_16, 128 },
			{ XF_ESN, ESN_NO, 0 } } } } };
	struct ike_ts_pld ts = { 1,
		{ { TS_IPV4_ADDR_RANGE, 0, 0, 65535, { 10, 0, 0, 0 },
		    { 10, 0, 0, 255 } } } };
	uint8_t out[2048], again[2048];
	struct pld_build b;
	long len, len2;

	pld_build_init(&b, out, sizeof(out), &hdr);
	pld_add_sa(&b, &sa);
	pld_add_ke(&b, CURVE25519, ke, sizeof(ke));
	pld_add_nonce(&b, nonce, sizeof(nonce));
	pld_add_id(&b, PLD_IDI, ID_FQDN, (const uint8_t *)"a.example", 9);
	pld_add_id(&b, PLD_IDR, ID_IPV4_ADDR, (const uint8_t *)"\xc0\0\2\1", 4);
	pld_add_cert(&b, PLD_CERT, CERT_X509_SIGNATURE, ke, 8);
	pld_add_cert(&b, PLD_CERTREQ, CERT_X509_SIGNATURE, nonce, 20);
	pld_add_auth(&b, AUTH_SHARED_KEY_MIC, auth, sizeof(auth));
	pld_add_notify(&b, PROTO_ESP, spis, 4, N_REKEY_SA, NULL, 0);
	pld_add_notify(
	    &b, 0, NULL, 0, N_PPK_IDENTITY, (const uint8_t *)"\x02ppk", 4);
	pld_add_delete(&b, PROTO_ESP, 4, spis, 2);
	pld_add_vendor(&b, (const uint8_t *)"qsafe", 5);
	pld_add_ts(&b, PLD_TSI, &ts);
	pld_add_ts(&b, PLD_TSR, &ts);
	pld_add_raw(&b, PLD_CP, cp, sizeof(cp));
	len = pld_build_end(&b);
	ck_assert_int_gt(len, 0);
	ck_assert_uint_eq(b.err, 0);

	ck_assert_int_eq(pld_decode(out, (size_t)len, &msg, &notify), 0);
	ck_assert_uint_eq(msg.hdr.length, len);
	ck_assert_uint_eq(msg.sa.prop[0].xf[0].keylen, 128);
	ck_assert_mem_eq(msg.sa.prop[0].spi, "\xc0\0\0\1", 4);
	ck_assert_uint_eq(msg.ke.group, CURVE25519);
	ck_assert_mem_eq(msg.ke.data.p, ke, sizeof(ke));
	ck_assert_mem_eq(msg.nonce.p, nonce, sizeof(nonce));
	ck_assert_mem_eq(msg.idi.data.p, "a.example", 9);
	ck_assert_uint_eq(msg.idr.type, ID_IPV4_ADDR);
	ck_assert_uint_eq(msg.ncert, 1);
	ck_assert_uint_eq(msg.certreq[0].data.len, 20);
	ck_assert_mem_eq(msg.auth.data.p, auth, sizeof(auth));
	ck_assert_uint_eq(msg.nnotify, 2);
	ck_assert_uint_eq(msg.notify[1].type, N_PPK_IDENTITY);
	ck_assert_mem_eq(msg.notify[1].data.p, "\x02ppk", 4);
	ck_assert_uint_eq(msg.del[0].nspi, 2);
	ck_assert_mem_eq(msg.vendor[0].p, "qsafe", 5);
	ck_assert_mem_eq(msg.tsr.ts[0].end, "\x0a\0\0\xff", 4);
	ck_assert_uint_eq(msg.cp.len, sizeof(cp));

	/* and from the decoded struct the same bytes again */
	pld_build_init(&b, again, sizeof(again), &msg.hdr);
	pld_add_sa(&b, &msg.sa);
	pld_add_ke(&b, msg.ke.group, msg.ke.data.p, msg.ke.data.len);
	pld_add_nonce(&b, msg.nonce.p, msg.nonce.len);
	pld_add_id(&b, PLD_IDI, msg.idi.type, msg.idi.data.p, msg.idi.data.len);
	pld_add_id(&b, PLD_IDR, msg.idr.type, msg.idr.data.p, msg.idr.data.len);
	pld_add_cert(&b, PLD_CERT, msg.cert[0].enc, msg.cert[0].data.p,
	    msg.cert[0].data.len);
	pld_add_cert(&b, PLD_CERTREQ, msg.certreq[0].enc, msg.certreq[0].data.p,
	    msg.certreq[0].data.len);
	pld_add_auth(&b, msg.auth.method, msg.auth.data.p, msg.auth.data.len);
	for (int i = 0; i < msg.nnotify; i++)
		pld_add_notify(&b, msg.notify[i].proto, msg.notify[i].spi.p,
		    msg.notify[i].spi.len, msg.notify[i].type,
		    msg.notify[i].data.p, msg.notify[i].data.len);
	pld_add_delete(&b, msg.del[0].proto, msg.del[0].spi_len,
	    msg.del[0].spis.p, msg.del[0].nspi);
	pld_add_vendor(&b, msg.vendor[0].p, msg.vendor[0].len);
	pld_add_ts(&b, PLD_TSI, &msg.tsi);
	pld_add_ts(&b, PLD_TSR, &msg.tsr);
	pld_add_raw(&b, PLD_CP, msg.cp.p, msg.cp.len);
	len2 = pld_build_end(&b);
	ck_assert_int_eq(len2, len);
	ck_assert_mem_eq(again, out, (size_t)len);
}
END_TEST

/* An SK message: clear header + SK header, plaintext chain decoded inner */
START_TEST(test_build_sk)
{
	struct ike_hdr hdr = { PT_ISPI, PT_RSPI, 0, IKEV2_VERSION,
		INFORMATIONAL, IKE_FLAG_INITIATOR, 2, 0 };
	uint8_t out[512], plain[128];
	struct pld_build b, in;
	size_t off, plen;
	long len;

	pld_build_init_inner(&in, plain, sizeof(plain));
	pld_add_delete(&in, PROTO_IKE, 0, NULL, 0);
	pld_add_notify(&in, 0, NULL, 0, N_INITIAL_CONTACT, NULL, 0);
	plen = (size_t)pld_build_end(&in);
	ck_assert_uint_eq(plen, 16);
	ck_assert_uint_eq(pld_build_first(&in), PLD_DELETE);

	pld_build_init(&b, out, sizeof(out), &hdr);
	off = pld_add_sk_header(&b, pld_build_first(&in));
	ck_assert_uint_eq(off, IKE_HDR_LEN);
	/* nothing after SK */
	ck_assert_int_eq(pld_build_end(&b), -1);
	pld_build_init(&b, out, sizeof(out), &hdr);
	off = pld_add_sk_header(&b, pld_build_first(&in));
	/* the engine seals: here the plaintext stands in for IV|ct|ICV */
	memcpy(out + b.len, plain, plen);
	b.len += plen;
	len = pld_build_end(&b);
	ck_assert_int_eq(len, IKE_HDR_LEN + 4 + 16);
	ck_assert_int_eq(pld_decode(out, (size_t)len, &msg, &notify), 0);
	ck_assert(msg.has_sk);
	ck_assert_uint_eq(msg.sk.first, PLD_DELETE);
	/* not decrypted yet: nothing to say, dropped */
	ck_assert_int_eq(pld_check_rules(&msg, &notify), -1);
	ck_assert_uint_eq(notify, 0);
	ck_assert_int_eq(pld_decode_inner(&msg, msg.sk.first, msg.sk.body.p,
			     msg.sk.body.len, &notify),
	    0);
	ck_assert_uint_eq(msg.ndelete, 1);
	ck_assert_uint_eq(msg.notify[0].type, N_INITIAL_CONTACT);
	ck_assert_int_eq(pld_check_rules(&msg, &notify), 0);
	/* once only */
	ck_assert_int_eq(
	    pld_decode_inner(&msg, msg.sk.first, plain, plen, &notify), -1);
	/* SK inside SK */
	ck_assert_int_eq(pld_decode(out, (size_t)len, &msg, &notify), 0);
	ck_assert_int_eq(
	    pld_decode_inner(&msg, PLD_SK, plain, plen, &notify), -1);

	/* the builder never writes past cap */
	memset(out, 0xee, sizeof(out));
	pld_build_init(&b, out, 40, &hdr);
	pld_add_nonce(&b, plain, 32);
	ck_assert_int_eq(pld_build_end(&b), -1);
	ck_assert_uint_eq(out[40], 0xee);
}
END_TEST

/* The names logs print, the same as strongSwan's where it has one. */
START_TEST(test_names)
{
	ck_assert_str_eq(ikev2_exchange_name(IKE_AUTH), "IKE_AUTH");
	ck_assert_str_eq(ikev2_exchange_name(99), "UNKNOWN");
	ck_assert_str_eq(ikev2_payload_name(PLD_SKF), "SKF");
	ck_assert_str_eq(ikev2_payload_name(PLD_IDI), "IDi");
	ck_assert_str_eq(ikev2_notify_name(N_NO_PPK_AUTH), "NO_PPK_AUTH");
	ck_assert_str_eq(ikev2_notify_name(N_INVALID_SYNTAX), "INVALID_SYNTAX");
	ck_assert_str_eq(ikev2_notify_name(1234), "UNKNOWN");
	ck_assert_str_eq(ikev2_xform_type_name(XF_DH), "DH");
	ck_assert_str_eq(ikev2_xform_name(XF_DH, CURVE25519), "CURVE_25519");
	ck_assert_str_eq(ikev2_xform_name(XF_INTEG, AUTH_HMAC_SHA2_256_128),
	    "HMAC_SHA2_256_128");
	ck_assert_str_eq(ikev2_xform_name(XF_ESN, ESN_NO), "NO_EXT_SEQ");
	ck_assert_str_eq(ikev2_xform_name(9, 1), "UNKNOWN");
	ck_assert_str_eq(ikev2_id_type_name(ID_FQDN), "ID_FQDN");
	ck_assert_str_eq(
	    ikev2_auth_method_name(AUTH_SHARED_KEY_MIC), "SHARED_KEY_MIC");
}
END_TEST

Suite *rules_suite(void);

int
main(void)
{
	Suite *s = suite_create("pld");
	TCase *tc = tcase_create("payloads");

	tcase_add_test(tc, test_header);
	tcase_add_test(tc, test_sa);
	tcase_add_test(tc, test_sa_malformed);
	tcase_add_test(tc, test_ke_nonce);
	tcase_add_test(tc, test_id_auth_cert);
	tcase_add_test(tc, test_notify_delete_vendor);
	tcase_add_test(tc, test_ts);
	tcase_add_test(tc, test_sk_skf);
	tcase_add_test(tc, test_chain);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_build_sk);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return check_main(0, s, rules_suite(), NULL);
}
