/*
 * test_keys_sk: the SK payload for every ENCR/INTEG pair iked supports,
 * and the key derivations not covered by the strongSwan vectors.
 *
 *   SK     seal -> open for plaintexts of 0..100 octets; the lengths in
 *          the IKE and SK headers; a fresh IV per message; any bit
 *          flipped, the message cut short (lengths made consistent),
 *          or the other direction's keys: open fails
 *   rekey  SKEYSEED = prf(SK_d (old), g^ir | Ni | Nr) (RFC 7296 2.18)
 *   Child  KEYMAT = prf+(SK_d, [g^ir |] Ni | Nr) split encr_i | integ_i |
 *          encr_r | integ_r (2.17), computed here with crypto_prfplus
 *   AUTH   octets and the PSK AUTH against prf by hand (2.15)
 *   GCM    an SK payload sealed by hand with EVP AES-GCM and no padding
 *          (ciphertext of any length, as strongSwan sends) opens
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/evp.h>

#include "iked/crypto.h"
#include "iked/ikev2.h"
#include "tests/lib/check_main.h"

static const struct {
	uint16_t encr, keybits, integ;
} pairs[] = {
	{ ENCR_AES_CBC, 128, AUTH_HMAC_SHA1_96 },
	{ ENCR_AES_CBC, 128, AUTH_HMAC_SHA2_256_128 },
	{ ENCR_AES_CBC, 128, AUTH_HMAC_SHA2_384_192 },
	{ ENCR_AES_CBC, 128, AUTH_HMAC_SHA2_512_256 },
	{ ENCR_AES_CBC, 192, AUTH_HMAC_SHA1_96 },
	{ ENCR_AES_CBC, 192, AUTH_HMAC_SHA2_256_128 },
	{ ENCR_AES_CBC, 192, AUTH_HMAC_SHA2_384_192 },
	{ ENCR_AES_CBC, 192, AUTH_HMAC_SHA2_512_256 },
	{ ENCR_AES_CBC, 256, AUTH_HMAC_SHA1_96 },
	{ ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128 },
	{ ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_384_192 },
	{ ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_512_256 },
	{ ENCR_AES_GCM_16, 128, AUTH_NONE },
	{ ENCR_AES_GCM_16, 192, AUTH_NONE },
	{ ENCR_AES_GCM_16, 256, AUTH_NONE },
	{ ENCR_CHACHA20_POLY1305, 0, AUTH_NONE },
};
#define NPAIRS (sizeof(pairs) / sizeof(pairs[0]))

static void
keys_for(int i, uint16_t prf, struct ike_keys *k)
{
	struct ike_suite s = { 0 };
	uint8_t shared[32], ni[32], nr[32];

	s.encr = crypto_encr(pairs[i].encr, pairs[i].keybits);
	s.integ = crypto_integ(pairs[i].integ);
	s.prf = crypto_prf(prf);
	ck_assert_ptr_nonnull(s.encr);
	ck_assert(s.encr->aead || s.integ != NULL);
	crypto_random(shared, sizeof(shared));
	crypto_random(ni, sizeof(ni));
	crypto_random(nr, sizeof(nr));
	ck_assert_int_eq(
	    ike_keys_derive(NULL, k, &s, shared, sizeof(shared), ni, sizeof(ni),
		nr, sizeof(nr), 0x0102030405060708ULL, 0x1112131415161718ULL,
		NULL, NULL, 0),
	    0);
}

/* An IKE header and an SK generic header, as the codec would lay them. */
static size_t
msg_init(uint8_t *msg)
{
	memset(msg, 0, IKE_HDR_LEN);
	memcpy(msg, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	memcpy(msg + 8, "\x11\x12\x13\x14\x15\x16\x17\x18", 8);
	msg[16] = PLD_SK;
	msg[17] = IKEV2_VERSION;
	msg[18] = IKE_AUTH;
	msg[19] = IKE_FLAG_INITIATOR;
	msg[23] = 1;		    /* message ID */
	msg[IKE_HDR_LEN] = PLD_IDI; /* first inner payload */
	msg[IKE_HDR_LEN + 1] = 0;
	return IKE_HDR_LEN;
}

static void
put_len(uint8_t *msg, size_t total)
{
	msg[24] = (uint8_t)(total >> 24);
	msg[25] = (uint8_t)(total >> 16);
	msg[26] = (uint8_t)(total >> 8);
	msg[27] = (uint8_t)total;
	msg[IKE_HDR_LEN + 2] = (uint8_t)((total - IKE_HDR_LEN) >> 8);
	msg[IKE_HDR_LEN + 3] = (uint8_t)(total - IKE_HDR_LEN);
}

static const size_t plens[] = { 0, 1, 15, 16, 17, 31, 100 };

START_TEST(sk_round_trip)
{
	const struct encr_alg *e;
	uint8_t msg[512], msg2[512], plain[128], out[512];
	size_t sk_off, mlen, mlen2, plen, i, icv;
	struct ike_keys k;

	keys_for(_i, PRF_HMAC_SHA2_256, &k);
	e = k.encr;
	icv = e->aead ? e->icv_len : k.integ->out_len;
	for (i = 0; i < sizeof(plens) / sizeof(plens[0]); i++) {
		crypto_random(plain, plens[i]);
		sk_off = msg_init(msg);
		ck_assert_int_eq(sk_seal(&k, true, msg, sizeof(msg), sk_off,
				     plain, plens[i], &mlen),
		    0);
		/* The lengths are set (and covered by the ICV). */
		ck_assert_uint_eq((size_t)msg[26] << 8 | msg[27], mlen);
		ck_assert_uint_eq(
		    (size_t)msg[sk_off + 2] << 8 | msg[sk_off + 3],
		    mlen - sk_off);
		ck_assert_uint_eq(
		    (mlen - sk_off - 4 - e->iv_len - icv) % e->block, 0);
		ck_assert_uint_le(
		    mlen - sk_off - 4 - e->iv_len - icv, plens[i] + e->block);
		ck_assert_int_eq(sk_open(&k, true, msg, mlen, sk_off, out,
				     sizeof(out), &plen),
		    0);
		ck_assert_uint_eq(plen, plens[i]);
		ck_assert_mem_eq(out, plain, plen);
		/* Not with the responder's keys. */
		ck_assert_int_eq(sk_open(&k, false, msg, mlen, sk_off, out,
				     sizeof(out), &plen),
		    -1);
		/* A second seal of the same plaintext: another IV. */
		msg_init(msg2);
		ck_assert_int_eq(sk_seal(&k, true, msg2, sizeof(msg2), sk_off,
				     plain, plens[i], &mlen2),
		    0);
		ck_assert_uint_eq(mlen2, mlen);
		ck_assert(memcmp(msg + sk_off + 4, msg2 + sk_off + 4,
			      e->iv_len) != 0);
		/* The responder's direction works the same. */
		msg_init(msg2);
		ck_assert_int_eq(sk_seal(&k, false, msg2, sizeof(msg2), sk_off,
				     plain, plens[i], &mlen2),
		    0);
		ck_assert_int_eq(sk_open(&k, false, msg2, mlen2, sk_off, out,
				     sizeof(out), &plen),
		    0);
		ck_assert_uint_eq(plen, plens[i]);
		ck_assert_int_eq(sk_open(&k, true, msg2, mlen2, sk_off, out,
				     sizeof(out), &plen),
		    -1);
		/* The output buffer must hold the whole ciphertext. */
		ck_assert_int_eq(
		    sk_open(&k, true, msg, mlen, sk_off, out, plens[i], &plen),
		    -1);
	}
	/* No room: refused, nothing written past cap. */
	msg_init(msg);
	ck_assert_int_eq(sk_seal(&k, true, msg, IKE_HDR_LEN + 4 + e->iv_len,
			     IKE_HDR_LEN, plain, 16, &mlen),
	    -1);
	ike_keys_wipe(&k);
}
END_TEST

START_TEST(sk_tamper)
{
	uint8_t msg[512], plain[40], out[512];
	size_t mlen, plen, bit, cut;
	struct ike_keys k;

	keys_for(_i, PRF_HMAC_SHA2_512, &k);
	crypto_random(plain, sizeof(plain));
	msg_init(msg);
	ck_assert_int_eq(sk_seal(&k, true, msg, sizeof(msg), IKE_HDR_LEN, plain,
			     sizeof(plain), &mlen),
	    0);
	for (bit = 0; bit < mlen * 8; bit++) {
		msg[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		ck_assert_msg(sk_open(&k, true, msg, mlen, IKE_HDR_LEN, out,
				  sizeof(out), &plen) == -1,
		    "bit %zu", bit);
		msg[bit / 8] ^= (uint8_t)(1 << (bit % 8));
	}
	/* Cut short, with lengths that agree so the ICV is what fails. */
	for (cut = 1; cut < mlen - IKE_HDR_LEN; cut++) {
		put_len(msg, mlen - cut);
		ck_assert_msg(sk_open(&k, true, msg, mlen - cut, IKE_HDR_LEN,
				  out, sizeof(out), &plen) == -1,
		    "cut %zu", cut);
	}
	put_len(msg, mlen);
	/* Lengths that do not agree with the bytes there. */
	ck_assert_int_eq(sk_open(&k, true, msg, mlen + 1, IKE_HDR_LEN, out,
			     sizeof(out), &plen),
	    -1);
	ck_assert_int_eq(sk_open(&k, true, msg, mlen, IKE_HDR_LEN + 1, out,
			     sizeof(out), &plen),
	    -1);
	ck_assert_int_eq(
	    sk_open(&k, true, msg, mlen, mlen, out, sizeof(out), &plen), -1);
	ck_assert_int_eq(
	    sk_open(&k, true, msg, mlen, IKE_HDR_LEN, out, sizeof(out), &plen),
	    0);
	ck_assert_mem_eq(out, plain, sizeof(plain));
	ike_keys_wipe(&k);
}
END_TEST

/* RFC 7296 2.18 with a different PRF for the new SA. */
START_TEST(rekey)
{
	const struct prf_alg *old = crypto_prf(PRF_HMAC_SHA2_256);
	const struct prf_alg *new = crypto_prf(PRF_HMAC_SHA2_384);
	struct ike_suite s = { 0 };
	uint8_t old_d[32], shared[64], ni[32], nr[40], buf[200], seed[48];
	uint8_t stream[48 + 2 * 36 + 2 * 48], spis[16];
	struct ike_keys k, fresh;

	s.encr = crypto_encr(ENCR_AES_GCM_16, 256);
	s.prf = new;
	crypto_random(old_d, sizeof(old_d));
	crypto_random(shared, sizeof(shared));
	crypto_random(ni, sizeof(ni));
	crypto_random(nr, sizeof(nr));
	ck_assert_int_eq(
	    ike_keys_derive(NULL, &k, &s, shared, sizeof(shared), ni,
		sizeof(ni), nr, sizeof(nr), 0xa1a2a3a4a5a6a7a8ULL, 42, old,
		old_d, sizeof(old_d)),
	    0);
	/* SKEYSEED = prf_old(SK_d (old), g^ir (new) | Ni | Nr) */
	memcpy(buf, shared, 64);
	memcpy(buf + 64, ni, 32);
	memcpy(buf + 96, nr, 40);
	ck_assert_int_eq(
	    crypto_prf_run(NULL, old, old_d, 32, buf, 136, seed), 0);
	/* SK_* = prf+_new(SKEYSEED, Ni | Nr | SPIi | SPIr) */
	memcpy(buf, ni, 32);
	memcpy(buf + 32, nr, 40);
	memcpy(spis, "\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8\0\0\0\0\0\0\0\x2a", 16);
	memcpy(buf + 72, spis, 16);
	ck_assert_int_eq(crypto_prfplus(NULL, new, seed, 32, buf, 88, stream,
			     sizeof(stream)),
	    0);
	ck_assert_uint_eq(k.d_len, 48);
	ck_assert_uint_eq(k.a_len, 0);
	ck_assert_uint_eq(k.e_len, 36);
	ck_assert_ptr_null(k.integ);
	ck_assert_mem_eq(k.sk_d, stream, 48);
	ck_assert_mem_eq(k.sk_ei, stream + 48, 36);
	ck_assert_mem_eq(k.sk_er, stream + 84, 36);
	ck_assert_mem_eq(k.sk_pi, stream + 120, 48);
	ck_assert_mem_eq(k.sk_pr, stream + 168, 48);
	/* The same inputs without the old SK_d give other keys. */
	ck_assert_int_eq(ike_keys_derive(NULL, &fresh, &s, shared,
			     sizeof(shared), ni, sizeof(ni), nr, sizeof(nr),
			     0xa1a2a3a4a5a6a7a8ULL, 42, NULL, NULL, 0),
	    0);
	ck_assert(memcmp(fresh.sk_d, k.sk_d, 48) != 0);
	/* Nonces shorter than RFC 7296 2.10's 16 octets are refused. */
	ck_assert_int_eq(
	    ike_keys_derive(NULL, &fresh, &s, shared, sizeof(shared), ni, 15,
		nr, sizeof(nr), 1, 2, NULL, NULL, 0),
	    -1);
	ike_keys_wipe(&k);
	ike_keys_wipe(&fresh);
}
END_TEST

START_TEST(child_keymat)
{
	struct ike_keys k;
	struct ike_suite child = { 0 };
	struct child_keys ck;
	uint8_t shared[32], ni[24], nr[32], seed[88], stream[2 * (32 + 32)];
	bool pfs = _i & 1;
	size_t sl = 0, e, a;

	keys_for(9, PRF_HMAC_SHA2_256, &k); /* AES-CBC-256/SHA-256 IKE SA */
	if (_i < 2) {
		child.encr = crypto_encr(ENCR_AES_GCM_16, 128);
	} else {
		child.encr = crypto_encr(ENCR_AES_CBC, 256);
		child.integ = crypto_integ(AUTH_HMAC_SHA2_256_128);
	}
	crypto_random(shared, sizeof(shared));
	crypto_random(ni, sizeof(ni));
	crypto_random(nr, sizeof(nr));
	ck_assert_int_eq(
	    child_keys_derive(&ck, &k, &child, pfs ? shared : NULL,
		pfs ? sizeof(shared) : 0, ni, sizeof(ni), nr, sizeof(nr)),
	    0);
	e = child.encr->key_len;
	a = child.integ ? child.integ->key_len : 0;
	ck_assert_uint_eq(ck.e_len, e);
	ck_assert_uint_eq(ck.a_len, a);
	if (pfs) {
		memcpy(seed, shared, sizeof(shared));
		sl = sizeof(shared);
	}
	memcpy(seed + sl, ni, sizeof(ni));
	memcpy(seed + sl + sizeof(ni), nr, sizeof(nr));
	sl += sizeof(ni) + sizeof(nr);
	ck_assert_int_eq(crypto_prfplus(NULL, k.prf, k.sk_d, k.d_len, seed, sl,
			     stream, 2 * (e + a)),
	    0);
	ck_assert_mem_eq(ck.ei, stream, e);
	ck_assert_mem_eq(ck.ai, stream + e, a);
	ck_assert_mem_eq(ck.er, stream + e + a, e);
	ck_assert_mem_eq(ck.ar, stream + 2 * e + a, a);
	child_keys_wipe(&ck);
	ike_keys_wipe(&k);
}
END_TEST

static const uint16_t prf_ids[] = { PRF_HMAC_SHA1, PRF_HMAC_SHA2_256,
	PRF_HMAC_SHA2_384, PRF_HMAC_SHA2_512 };

START_TEST(auth_psk)
{
	const struct prf_alg *prf = crypto_prf(prf_ids[_i]);
	uint8_t skp[64], m1[60], n[20], id[9], oct[200], pad[64], want[64];
	uint8_t out[64];
	size_t len;

	crypto_random(skp, sizeof(skp));
	crypto_random(m1, sizeof(m1));
	crypto_random(n, sizeof(n));
	memcpy(id, "\x02\0\0\0a.b.c", 9);
	ck_assert_int_eq(
	    ike_auth_octets(NULL, prf, skp, prf->out_len, m1, sizeof(m1), n,
		sizeof(n), id, sizeof(id), oct, sizeof(oct), &len),
	    0);
	ck_assert_uint_eq(len, sizeof(m1) + sizeof(n) + prf->out_len);
	ck_assert_mem_eq(oct, m1, sizeof(m1));
	ck_assert_mem_eq(oct + sizeof(m1), n, sizeof(n));
	ck_assert_int_eq(
	    crypto_prf_run(NULL, prf, skp, prf->out_len, id, sizeof(id), want),
	    0);
	ck_assert_mem_eq(oct + sizeof(m1) + sizeof(n), want, prf->out_len);
	/* AUTH = prf(prf(PSK, "Key Pad for IKEv2"), octets) */
	ck_assert_int_eq(crypto_prf_run(NULL, prf, (const uint8_t *)"secret", 6,
			     (const uint8_t *)"Key Pad for IKEv2", 17, pad),
	    0);
	ck_assert_int_eq(
	    crypto_prf_run(NULL, prf, pad, prf->out_len, oct, len, want), 0);
	ck_assert_int_eq(ike_auth_psk(NULL, prf, (const uint8_t *)"secret", 6,
			     oct, len, out),
	    0);
	ck_assert(ike_auth_equal(out, want, prf->out_len));
	ck_assert_int_eq(ike_auth_psk(NULL, prf, (const uint8_t *)"secreT", 6,
			     oct, len, out),
	    0);
	ck_assert(!ike_auth_equal(out, want, prf->out_len));
}
END_TEST

/*
 * RFC 5282 3 leaves an AEAD's padding to the sender: strongSwan pads none
 * (its GCM's block size is 1), so the ciphertext has any length.  Seal as
 * it does, with OpenSSL directly: nonce salt | IV, AAD the IKE header and
 * the SK generic header (5.1), plain | pad length 0.
 */
START_TEST(sk_gcm_unpadded)
{
	static const uint16_t bits[] = { 128, 192, 256 };
	uint8_t msg[256], plain[16], out[256], nonce[12];
	const struct encr_alg *e;
	struct ike_keys k;
	size_t n, ct, sk_off, mlen, plen, i;
	EVP_CIPHER_CTX *ctx;
	EVP_CIPHER *c;
	int len;

	for (i = 0; i < NPAIRS; i++)
		if (pairs[i].encr == ENCR_AES_GCM_16 &&
		    pairs[i].keybits == bits[_i])
			break;
	keys_for((int)i, PRF_HMAC_SHA2_256, &k);
	e = k.encr;
	c = EVP_CIPHER_fetch(NULL, e->evp, NULL);
	ck_assert_ptr_nonnull(c);
	for (n = 0; n < 8; n++) {
		crypto_random(plain, n);
		sk_off = msg_init(msg);
		ct = n + 1; /* plain | pad length (0): 1..8 octets */
		mlen = sk_off + 4 + e->iv_len + ct + e->icv_len;
		put_len(msg, mlen);
		crypto_random(msg + sk_off + 4, e->iv_len);
		memcpy(nonce, k.sk_ei + e->key_len - e->salt_len, e->salt_len);
		memcpy(nonce + e->salt_len, msg + sk_off + 4, e->iv_len);
		memcpy(out, plain, n);
		out[n] = 0;
		ctx = EVP_CIPHER_CTX_new();
		ck_assert_ptr_nonnull(ctx);
		ck_assert(EVP_EncryptInit_ex2(ctx, c, k.sk_ei, nonce, NULL));
		ck_assert(
		    EVP_EncryptUpdate(ctx, NULL, &len, msg, (int)sk_off + 4));
		ck_assert(EVP_EncryptUpdate(
		    ctx, msg + sk_off + 4 + e->iv_len, &len, out, (int)ct));
		ck_assert(EVP_EncryptFinal_ex(
		    ctx, msg + sk_off + 4 + e->iv_len + ct, &len));
		ck_assert(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
		    (int)e->icv_len, msg + sk_off + 4 + e->iv_len + ct));
		EVP_CIPHER_CTX_free(ctx);
		ck_assert_msg(sk_open(&k, true, msg, mlen, sk_off, out,
				  sizeof(out), &plen) == 0,
		    "AES-GCM-%u, %zu octets of ciphertext", bits[_i], ct);
		ck_assert_uint_eq(plen, n);
		ck_assert_mem_eq(out, plain, n);
	}
	EVP_CIPHER_free(c);
	ike_keys_wipe(&k);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("keys_sk");
	TCase *tc = tcase_create("keys_sk");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, sk_round_trip, 0, NPAIRS);
	tcase_add_loop_test(tc, sk_tamper, 0, NPAIRS);
	tcase_add_loop_test(tc, sk_gcm_unpadded, 0, 3);
	tcase_add_test(tc, rekey);
	tcase_add_loop_test(tc, child_keymat, 0, 4);
	tcase_add_loop_test(tc, auth_psk, 0, 4);
	suite_add_tcase(s, tc);
	return check_main(0, s, NULL);
}
