/*
 * test_pld_strongswan: the codec on the messages of a real strongSwan
 * 5.9.8 exchange with PPK (RFC 8784) between two namespaces; the
 * vectors are the capture's UDP payloads, and the IKE_AUTH plaintexts
 * decrypted with the keys of the initiator's log, by extract_vectors.py).
 * IKE_SA_INIT decodes to what the log says was proposed and builds back
 * byte for byte; IKE_AUTH's SK decrypted decodes to IDi first and passes
 * the rules; every truncation and every bit flip fails cleanly.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/iked/pld_test.h"
#include "tests/lib/check_main.h"

static uint8_t raw[4096], plain[4096];
static struct ike_msg msg;

static const char *const all_vectors[] = {
	"00-sa_init-req.bin",
	"01-sa_init-resp.bin",
	"02-auth-req.bin",
	"03-auth-resp.bin",
	"04-sa_init-req.bin",
	"05-sa_init-resp.bin",
	"06-auth-req.bin",
	"07-auth-resp.bin",
	"08-sa_init-req.bin",
	"09-sa_init-resp.bin",
	"10-auth-req.bin",
	"11-auth-resp.bin",
	"12-info-req.bin",
	"13-info-resp.bin",
	"14-info-req.bin",
	"15-info-resp.bin",
	"16-info-req.bin",
	"17-info-req.bin",
	"18-info-resp.bin",
	"19-info-resp.bin",
};
#define NVECTORS (sizeof(all_vectors) / sizeof(all_vectors[0]))

static size_t
load(const char *name)
{
	uint16_t notify = 0xffff;
	size_t len = pt_vector(name, raw, sizeof(raw));

	ck_assert_msg(pld_decode(raw, len, &msg, &notify) == 0, "%s: notify %u",
	    name, notify);
	return len;
}

/* Decrypted SK of the vector name (NN-x.bin -> NN-x.inner.bin). */
static void
load_inner(const char *name)
{
	char iname[64];
	uint16_t notify;
	size_t plen;

	ck_assert(msg.has_sk);
	snprintf(iname, sizeof(iname), "%.*s.inner.bin",
	    (int)(strlen(name) - 4), name);
	plen = pt_vector(iname, plain, sizeof(plain));
	ck_assert_msg(
	    pld_decode_inner(&msg, msg.sk.first, plain, plen, &notify) == 0,
	    "%s: notify %u", iname, notify);
}

static bool
has_notify(uint16_t type)
{
	return pld_notify_find(&msg, type) != NULL;
}

/*
 * The log: "generating IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP)
 * N(NATD_D_IP) N(FRAG_SUP) N(HASH_ALG) N(REDIR_SUP) N(USE_PPK) ]",
 * proposals = IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/
 * CURVE_25519.
 */
START_TEST(test_sa_init_request)
{
	const struct ike_prop *p;
	const struct ike_notify *n;
	uint16_t notify;

	load("00-sa_init-req.bin");
	ck_assert_uint_eq(msg.hdr.exchange, IKE_SA_INIT);
	ck_assert_uint_eq(msg.hdr.flags, IKE_FLAG_INITIATOR);
	ck_assert(msg.hdr.rspi == 0);
	ck_assert_uint_eq(msg.hdr.msgid, 0);
	ck_assert(!msg.has_sk);
	ck_assert_uint_eq(msg.sa.nprop, 1);
	p = &msg.sa.prop[0];
	ck_assert_uint_eq(p->num, 1);
	ck_assert_uint_eq(p->proto, PROTO_IKE);
	ck_assert_uint_eq(p->spi_len, 0);
	ck_assert_uint_eq(p->nxf, 4);
	ck_assert_uint_eq(p->xf[0].type, XF_ENCR);
	ck_assert_uint_eq(p->xf[0].id, ENCR_AES_CBC);
	ck_assert_uint_eq(p->xf[0].keylen, 256);
	ck_assert_uint_eq(p->xf[1].type, XF_INTEG);
	ck_assert_uint_eq(p->xf[1].id, AUTH_HMAC_SHA2_256_128);
	ck_assert_uint_eq(p->xf[2].type, XF_PRF);
	ck_assert_uint_eq(p->xf[2].id, PRF_HMAC_SHA2_256);
	ck_assert_uint_eq(p->xf[3].type, XF_DH);
	ck_assert_uint_eq(p->xf[3].id, CURVE25519);
	ck_assert_uint_eq(msg.ke.group, CURVE25519);
	ck_assert_uint_eq(msg.ke.data.len, 32); /* RFC 8031 2 */
	ck_assert_uint_eq(msg.nonce.len, 32);
	ck_assert_uint_eq(msg.nnotify, 6);
	ck_assert_uint_eq(msg.notify[0].type, N_NAT_DETECTION_SOURCE_IP);
	ck_assert_uint_eq(msg.notify[0].data.len, 20); /* SHA-1 */
	ck_assert_uint_eq(msg.notify[1].type, N_NAT_DETECTION_DESTINATION_IP);
	ck_assert_uint_eq(msg.notify[2].type, N_IKEV2_FRAGMENTATION_SUPPORTED);
	ck_assert_uint_eq(msg.notify[3].type, N_SIGNATURE_HASH_ALGORITHMS);
	ck_assert_uint_eq(msg.notify[4].type, N_REDIRECT_SUPPORTED);
	ck_assert_uint_eq(msg.notify[5].type, N_USE_PPK);
	ck_assert_uint_eq(msg.notify[5].data.len, 0);
	/* RFC 7427 4: SHA2-256, -384, -512 and Identity (5) */
	n = pld_notify_find(&msg, N_SIGNATURE_HASH_ALGORITHMS);
	ck_assert_uint_eq(n->data.len, 8);
	ck_assert_mem_eq(n->data.p, "\0\2\0\3\0\4\0\5", 8);
	ck_assert_int_eq(pld_check_rules(&msg, &notify), 0);
	ck_assert_str_eq(ikev2_xform_name(XF_ENCR, p->xf[0].id), "AES_CBC");
	ck_assert_str_eq(ikev2_notify_name(msg.notify[5].type), "USE_PPK");

	/* the run without a PPK does not offer USE_PPK */
	load("08-sa_init-req.bin");
	ck_assert(!has_notify(N_USE_PPK));
	ck_assert(has_notify(N_NAT_DETECTION_SOURCE_IP));
	ck_assert_uint_eq(msg.nnotify, 5);
}
END_TEST

/* "parsed IKE_SA_INIT response 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP)
 * N(FRAG_SUP) N(HASH_ALG) N(USE_PPK) N(CHDLESS_SUP) N(MULT_AUTH) ]" */
START_TEST(test_sa_init_response)
{
	uint16_t notify;

	load("01-sa_init-resp.bin");
	ck_assert_uint_eq(msg.hdr.flags, IKE_FLAG_RESPONSE);
	ck_assert(msg.hdr.rspi != 0);
	ck_assert_uint_eq(msg.sa.nprop, 1);
	ck_assert_uint_eq(msg.sa.prop[0].nxf, 4);
	ck_assert_uint_eq(msg.ke.group, CURVE25519);
	ck_assert_uint_eq(msg.nnotify, 7);
	ck_assert(has_notify(N_USE_PPK));
	ck_assert(has_notify(N_CHILDLESS_IKEV2_SUPPORTED));
	ck_assert(has_notify(N_MULTIPLE_AUTH_SUPPORTED));
	ck_assert(!has_notify(N_REDIRECT_SUPPORTED));
	ck_assert_int_eq(pld_check_rules(&msg, &notify), 0);
}
END_TEST

/* Builds the decoded IKE_SA_INIT again: SA KE No N... in that order. */
static long
rebuild_sa_init(uint8_t *out, size_t cap)
{
	struct pld_build b;
	uint8_t i;

	pld_build_init(&b, out, cap, &msg.hdr);
	pld_add_sa(&b, &msg.sa);
	pld_add_ke(&b, msg.ke.group, msg.ke.data.p, msg.ke.data.len);
	pld_add_nonce(&b, msg.nonce.p, msg.nonce.len);
	for (i = 0; i < msg.nnotify; i++)
		pld_add_notify(&b, msg.notify[i].proto, msg.notify[i].spi.p,
		    msg.notify[i].spi.len, msg.notify[i].type,
		    msg.notify[i].data.p, msg.notify[i].data.len);
	for (i = 0; i < msg.ncertreq; i++)
		pld_add_cert(&b, PLD_CERTREQ, msg.certreq[i].enc,
		    msg.certreq[i].data.p, msg.certreq[i].data.len);
	return pld_build_end(&b);
}

static const char *const sa_inits[] = {
	"00-sa_init-req.bin",
	"01-sa_init-resp.bin",
	"04-sa_init-req.bin",
	"05-sa_init-resp.bin",
	"08-sa_init-req.bin",
	"09-sa_init-resp.bin",
};

START_TEST(test_sa_init_rebuild)
{
	uint8_t out[4096];
	size_t len = load(sa_inits[_i]);

	ck_assert_int_eq(rebuild_sa_init(out, sizeof(out)), (long)len);
	ck_assert_mem_eq(out, raw, len);
}
END_TEST

/*
 * "generating IKE_AUTH request 1 [ IDi N(INIT_CONTACT) IDr AUTH SA TSi TSr
 * N(MOBIKE_SUP) N(NO_ADD_ADDR) N(MULT_AUTH) N(EAP_ONLY) N(MSG_ID_SYN_SUP)
 * N(PPK_ID) ]"
 */
START_TEST(test_auth_request)
{
	const struct ike_notify *n;
	uint16_t notify;
	size_t len = load("02-auth-req.bin");

	ck_assert_uint_eq(msg.hdr.exchange, IKE_AUTH);
	ck_assert_uint_eq(msg.hdr.msgid, 1);
	ck_assert(msg.has_sk);
	ck_assert(!msg.sk.frag);
	ck_assert_uint_eq(msg.sk.first, PLD_IDI);
	ck_assert_uint_eq(msg.sk.off, IKE_HDR_LEN);
	ck_assert_uint_eq(msg.sk.body.len, len - IKE_HDR_LEN - 4);
	ck_assert(msg.present == PLD_BIT(PLD_SK));
	/* not decrypted yet: IDi and AUTH are missing */
	ck_assert_int_eq(pld_check_rules(&msg, &notify), -1);

	load_inner("02-auth-req.bin");
	ck_assert_uint_eq(msg.idi.type, ID_FQDN);
	ck_assert_uint_eq(msg.idi.data.len, 13);
	ck_assert_mem_eq(msg.idi.data.p, "a.lab.example", 13);
	ck_assert_uint_eq(msg.idi.body.len, 17);
	ck_assert_mem_eq(msg.idr.data.p, "b.lab.example", 13);
	ck_assert_uint_eq(msg.auth.method, AUTH_SHARED_KEY_MIC);
	ck_assert_uint_eq(msg.auth.data.len, 32);
	/* ESP:AES_GCM_16_128/NO_EXT_SEQ, ESP:AES_CBC_128/HMAC_SHA2_256_128/
	 * NO_EXT_SEQ, one SPI */
	ck_assert_uint_eq(msg.sa.nprop, 2);
	ck_assert_uint_eq(msg.sa.prop[0].proto, PROTO_ESP);
	ck_assert_uint_eq(msg.sa.prop[0].spi_len, 4);
	ck_assert_mem_eq(msg.sa.prop[0].spi, msg.sa.prop[1].spi, 4);
	ck_assert_uint_eq(msg.sa.prop[0].xf[0].id, ENCR_AES_GCM_16);
	ck_assert_uint_eq(msg.sa.prop[0].xf[0].keylen, 128);
	ck_assert_uint_eq(msg.sa.prop[0].xf[1].type, XF_ESN);
	ck_assert_uint_eq(msg.sa.prop[1].num, 2);
	ck_assert_uint_eq(msg.sa.prop[1].xf[1].id, AUTH_HMAC_SHA2_256_128);
	/* 198.51.100.65/32 === 198.51.100.129/32 */
	ck_assert_uint_eq(msg.tsi.nts, 1);
	ck_assert_mem_eq(msg.tsi.ts[0].start, "\xc6\x33\x64\x41", 4);
	ck_assert_mem_eq(msg.tsr.ts[0].end, "\xc6\x33\x64\x81", 4);
	ck_assert_uint_eq(msg.tsr.ts[0].eport, 65535);
	ck_assert(has_notify(N_INITIAL_CONTACT));
	ck_assert(has_notify(N_MOBIKE_SUPPORTED));
	/* RFC 8784 3: PPK_ID type FIXED, "ppk-lab-1" */
	n = pld_notify_find(&msg, N_PPK_IDENTITY);
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(n->data.len, 10);
	ck_assert_mem_eq(n->data.p, "\x02ppk-lab-1", 10);
	ck_assert_int_eq(pld_check_rules(&msg, &notify), 0);

	/* the optional-PPK run adds NO_PPK_AUTH (a 32-octet AUTH) */
	load("06-auth-req.bin");
	load_inner("06-auth-req.bin");
	n = pld_notify_find(&msg, N_NO_PPK_AUTH);
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(n->data.len, 32);
	ck_assert_int_eq(pld_check_rules(&msg, &notify), 0);
}
END_TEST

/* "parsed IKE_AUTH response 1 [ IDr AUTH SA TSi TSr N(MOBIKE_SUP)
 * N(NO_ADD_ADDR) N(PPK_ID) ]", and the third run's "[ N(AUTH_FAILED) ]" */
START_TEST(test_auth_response)
{
	const struct ike_notify *n;
	uint16_t notify;

	load("03-auth-resp.bin");
	ck_assert_uint_eq(msg.sk.first, PLD_IDR);
	load_inner("03-auth-resp.bin");
	ck_assert_uint_eq(msg.sa.nprop, 1);
	ck_assert_uint_eq(msg.sa.prop[0].xf[0].id, ENCR_AES_GCM_16);
	n = pld_notify_find(&msg, N_PPK_IDENTITY);
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(n->data.len, 0);
	ck_assert_int_eq(pld_check_rules(&msg, &notify), 0);

	load("11-auth-resp.bin");
	ck_assert_uint_eq(msg.sk.first, PLD_NOTIFY);
	load_inner("11-auth-resp.bin");
	ck_assert_uint_eq(msg.nnotify, 1);
	ck_assert_uint_eq(msg.notify[0].type, N_AUTHENTICATION_FAILED);
	ck_assert_int_eq(pld_check_rules(&msg, &notify), 0);
}
END_TEST

/* "INFORMATIONAL request 2 [ N(NO_ADD_ADDR) ]", "response 2 [ ]" */
START_TEST(test_informational)
{
	uint16_t notify;

	load("12-info-req.bin");
	load_inner("12-info-req.bin");
	ck_assert_uint_eq(msg.nnotify, 1);
	ck_assert_int_eq(pld_check_rules(&msg, &notify), 0);
	load("13-info-resp.bin");
	ck_assert_uint_eq(msg.sk.first, PLD_NONE);
	load_inner("13-info-resp.bin");
	ck_assert(msg.present == PLD_BIT(PLD_SK));
	ck_assert_int_eq(pld_check_rules(&msg, &notify), 0);
}
END_TEST

/*
 * Every prefix of every real message, its header length made to match so
 * the decoder walks into the payloads: it must fail, and with
 * INVALID_SYNTAX (a prefix always cuts a payload short).  Every prefix of
 * the decrypted chains fails too.
 */
START_TEST(test_truncation)
{
	uint8_t cut[4096];
	char iname[64];
	uint16_t notify;
	size_t len, plen, i;
	const char *name = all_vectors[_i];

	len = load(name);
	for (i = 0; i < len; i++) {
		memcpy(cut, raw, i);
		if (i >= IKE_HDR_LEN) {
			cut[24] = (uint8_t)(i >> 24);
			cut[25] = (uint8_t)(i >> 16);
			cut[26] = (uint8_t)(i >> 8);
			cut[27] = (uint8_t)i;
		}
		ck_assert_msg(pld_decode(cut, i, &msg, &notify) == -1,
		    "%s cut at %zu decoded", name, i);
		ck_assert_uint_eq(
		    notify, i < IKE_HDR_LEN ? 0 : N_INVALID_SYNTAX);
	}
	load(name);
	snprintf(iname, sizeof(iname), "%.*s.inner.bin",
	    (int)(strlen(name) - 4), name);
	plen = pt_vector_opt(iname, plain, sizeof(plain));
	for (i = 0; i < plen; i++) {
		struct ike_msg m;

		load(name);
		m = msg;
		ck_assert_msg(
		    pld_decode_inner(&m, m.sk.first, plain, i, &notify) == -1,
		    "%s cut at %zu decoded", iname, i);
		ck_assert_uint_eq(notify, N_INVALID_SYNTAX);
	}
}
END_TEST

/*
 * Every single-bit flip of every real message (clear part, and the
 * decrypted chain decoded inner): the decoder returns 0 or -1 and a
 * message it accepts points only into its own bytes.  A flip in the
 * header's length is always dropped.
 */
START_TEST(test_bit_flips)
{
	uint8_t m[4096];
	char iname[64];
	uint16_t notify;
	size_t len, plen, i;
	unsigned bit, accepted = 0, refused = 0;
	const char *name = all_vectors[_i];
	int rc;

	len = load(name);
	snprintf(iname, sizeof(iname), "%.*s.inner.bin",
	    (int)(strlen(name) - 4), name);
	plen = pt_vector_opt(iname, plain, sizeof(plain));
	for (i = 0; i < len + plen; i++) {
		for (bit = 0; bit < 8; bit++) {
			if (i < len) {
				memcpy(m, raw, len);
				m[i] ^= (uint8_t)(1u << bit);
				rc = pld_decode(m, len, &msg, &notify);
				if (i >= 24 && i < 28)
					ck_assert(rc == -1 && notify == 0);
				if (rc == 0)
					ck_assert(
					    pt_blobs_inside(&msg, m, len));
			} else {
				uint8_t p2[4096];

				ck_assert_int_eq(
				    pld_decode(raw, len, &msg, &notify), 0);
				memcpy(p2, plain, plen);
				p2[i - len] ^= (uint8_t)(1u << bit);
				rc = pld_decode_inner(
				    &msg, msg.sk.first, p2, plen, &notify);
				if (rc == 0) {
					struct ike_msg in = msg;

					/* the inner blobs are in p2 or raw */
					memset(&in.sk, 0, sizeof(in.sk));
					ck_assert(
					    pt_blobs_inside(&in, p2, plen));
				}
			}
			if (rc == 0)
				accepted++;
			else
				refused++;
			ck_assert(rc == 0 || rc == -1);
		}
	}
	/* the loop did reach the decoder's checks both ways */
	ck_assert_uint_gt(refused, 0);
	ck_assert_uint_gt(accepted, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("pld_strongswan");
	TCase *tc = tcase_create("strongswan");

	tcase_add_test(tc, test_sa_init_request);
	tcase_add_test(tc, test_sa_init_response);
	tcase_add_loop_test(tc, test_sa_init_rebuild, 0,
	    sizeof(sa_inits) / sizeof(sa_inits[0]));
	tcase_add_test(tc, test_auth_request);
	tcase_add_test(tc, test_auth_response);
	tcase_add_test(tc, test_informational);
	tcase_add_loop_test(tc, test_truncation, 0, NVECTORS);
	tcase_add_loop_test(tc, test_bit_flips, 0, NVECTORS);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return check_main(0, s, NULL);
}
