/*
 * sk: the Encrypted and Authenticated payload (RFC 7296 3.14).
 *
 *   | IKE header | SK generic header | IV | ciphertext | ICV |
 *                                         (plain | padding | pad length)
 *
 * AES-CBC + HMAC: the IV is random, the padding fills the last block, and
 * the ICV is the truncated HMAC of the message from the IKE header through
 * the ciphertext (3.14).  AEADs (AES-GCM RFC 5282, ChaCha20-Poly1305 RFC
 * 7634): the nonce is salt | IV with the salt the last 4 octets of SK_e,
 * the associated data is the message from the IKE header to the IV (5.1),
 * and the ICV is the tag.  sk_open checks the ICV before it looks at the
 * padding, and says only "no", so that it is nobody's oracle.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "iked/crypto.h"
#include "iked/crypto_int.h"
#include "iked/ikev2.h"

#define SK_NONCE_LEN 12 /* RFC 5282 4, RFC 7634 2 */
#define SK_ICV_MAX 32

/* Where one direction's keys are and how long its ICV is. */
struct sk_dir {
	const struct crypto_algs *ca;
	const struct encr_alg *encr;
	const struct integ_alg *integ;
	const uint8_t *ke, *ka;
	size_t icv;
};

static int
sk_dir_init(struct sk_dir *d, const struct ike_keys *k, bool from_initiator)
{
	d->ca = k->ca;
	d->encr = k->encr;
	d->integ = k->integ;
	if (d->encr == NULL || (!d->encr->aead && d->integ == NULL))
		return -1;
	d->ke = from_initiator ? k->sk_ei : k->sk_er;
	d->ka = from_initiator ? k->sk_ai : k->sk_ar;
	d->icv = d->encr->aead ? d->encr->icv_len : d->integ->out_len;
	if (d->icv > SK_ICV_MAX || d->encr->key_len != k->e_len)
		return -1;
	return 0;
}

static void
sk_put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
sk_put32(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static size_t
sk_get16(const uint8_t *p)
{
	return (size_t)p[0] << 8 | p[1];
}

static size_t
sk_get32(const uint8_t *p)
{
	return (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 |
	    p[3];
}

/*
 * One pass of the cipher over len octets (in place allowed).  AEADs take
 * aad and write (enc) or check (!enc) tag; CBC runs without padding.
 */
static int
sk_cipher(const struct sk_dir *d, bool enc, const uint8_t *iv,
    const uint8_t *aad, size_t aadlen, const uint8_t *in, uint8_t *out,
    size_t len, uint8_t *tag)
{
	const struct encr_alg *e = d->encr;
	uint8_t nonce[SK_NONCE_LEN];
	EVP_CIPHER_CTX *ctx = NULL;
	const EVP_CIPHER *cipher;
	EVP_CIPHER *fetched = NULL;
	int n, rc = -1;

	if (len > INT32_MAX || aadlen > INT32_MAX)
		return -1;
	cipher = crypto_algs_cipher(d->ca, e);
	if (cipher == NULL)
		cipher = fetched = EVP_CIPHER_fetch(NULL, e->evp, NULL);
	if (cipher == NULL)
		return -1;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		goto done;
	if (e->aead) {
		if (e->salt_len + e->iv_len != SK_NONCE_LEN)
			goto done;
		memcpy(nonce, d->ke + e->key_len - e->salt_len, e->salt_len);
		memcpy(nonce + e->salt_len, iv, e->iv_len);
		iv = nonce;
	}
	if (!EVP_CipherInit_ex2(ctx, cipher, d->ke, iv, enc ? 1 : 0, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0))
		goto done;
	if (e->aead && aadlen &&
	    !EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen))
		goto done;
	if (len && !EVP_CipherUpdate(ctx, out, &n, in, (int)len))
		goto done;
	if (e->aead && !enc &&
	    !EVP_CIPHER_CTX_ctrl(
		ctx, EVP_CTRL_AEAD_SET_TAG, (int)e->icv_len, tag))
		goto done;
	/* For an AEAD being opened, this is where the tag is checked. */
	if (!EVP_CipherFinal_ex(ctx, out + len, &n) || n != 0)
		goto done;
	if (e->aead && enc &&
	    !EVP_CIPHER_CTX_ctrl(
		ctx, EVP_CTRL_AEAD_GET_TAG, (int)e->icv_len, tag))
		goto done;
	rc = 0;
done:
	OPENSSL_cleanse(nonce, sizeof(nonce));
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(fetched);
	return rc;
}

/* The truncated HMAC of data[0..len) into icv (d->icv octets). */
static int
sk_hmac(const struct sk_dir *d, const uint8_t *data, size_t len, uint8_t *icv)
{
	uint8_t full[EVP_MAX_MD_SIZE];
	EVP_MAC_CTX *ctx;
	size_t n = 0;
	int rc = -1;

	ctx = crypto_hmac_new(d->ca, d->integ->evp, d->ka, d->integ->key_len);
	if (ctx == NULL)
		return -1;
	if (EVP_MAC_update(ctx, data, len) &&
	    EVP_MAC_final(ctx, full, &n, sizeof(full)) && n >= d->icv) {
		memcpy(icv, full, d->icv);
		rc = 0;
	}
	OPENSSL_cleanse(full, sizeof(full));
	EVP_MAC_CTX_free(ctx);
	return rc;
}

/* hl: the SK header (4) or the SKF header with its numbers (8). */
static int
sk_seal_hl(const struct ike_keys *k, bool from_initiator, uint8_t *msg,
    size_t cap, size_t sk_off, size_t hl, const uint8_t *plain, size_t plen,
    size_t *msglen)
{
	struct sk_dir d;
	size_t block, pad, ct_len, sk_len, total;
	uint8_t *iv, *ct, *icv;

	if (sk_dir_init(&d, k, from_initiator) == -1)
		return -1;
	if (sk_off < IKE_HDR_LEN || sk_off > cap || cap - sk_off < hl ||
	    plen > cap || (plen && plain == NULL))
		return -1;
	block = d.encr->block;
	/* RFC 7296 3.14: plain | padding | pad length fills whole blocks. */
	pad = (block - (plen + 1) % block) % block;
	ct_len = plen + pad + 1;
	sk_len = hl + d.encr->iv_len + ct_len + d.icv;
	if (sk_len > 0xffff || sk_len > cap - sk_off)
		return -1;
	total = sk_off + sk_len;
	iv = msg + sk_off + hl;
	ct = iv + d.encr->iv_len;
	icv = ct + ct_len;
	if (plen)
		memmove(ct, plain, plen);
	memset(ct + plen, 0, pad);
	ct[plen + pad] = (uint8_t)pad;
	/*
	 * A random IV: unpredictable for CBC (3.14); for the AEADs unique
	 * per key (RFC 5282 3.1), which 64 random bits are for the few
	 * thousand messages an IKE SA carries before it is rekeyed.
	 */
	if (crypto_random(iv, d.encr->iv_len) == -1)
		goto fail;
	/* The lengths are covered by the ICV, so they go in first. */
	sk_put16(msg + sk_off + 2, sk_len);
	sk_put32(msg + 24, total);
	if (d.encr->aead) {
		if (sk_cipher(&d, true, iv, msg, sk_off + hl, ct, ct, ct_len,
			icv) == -1)
			goto fail;
	} else {
		if (sk_cipher(&d, true, iv, NULL, 0, ct, ct, ct_len, NULL) ==
			-1 ||
		    sk_hmac(&d, msg, total - d.icv, icv) == -1)
			goto fail;
	}
	*msglen = total;
	return 0;
fail:
	/* The plaintext was copied into msg: leave none of it behind. */
	OPENSSL_cleanse(ct, ct_len);
	return -1;
}

static int
sk_open_hl(const struct ike_keys *k, bool from_initiator, const uint8_t *raw,
    size_t rawlen, size_t sk_off, size_t hl, uint8_t *out, size_t cap,
    size_t *plen)
{
	uint8_t want[SK_ICV_MAX];
	const uint8_t *iv, *ct, *icv;
	size_t sk_len, ct_len, min, pad;
	struct sk_dir d;

	if (sk_dir_init(&d, k, from_initiator) == -1 || raw == NULL)
		return -1;
	/* RFC 7296 3.14: SK is the last payload, so it ends the message. */
	if (rawlen < IKE_HDR_LEN + hl || sk_off < IKE_HDR_LEN ||
	    sk_off > rawlen - hl || sk_get32(raw + 24) != rawlen)
		return -1;
	sk_len = sk_get16(raw + sk_off + 2);
	if (sk_len != rawlen - sk_off)
		return -1;
	min = hl + d.encr->iv_len + d.icv + 1;
	if (sk_len < min)
		return -1;
	ct_len = sk_len - hl - d.encr->iv_len - d.icv;
	/*
	 * CBC needs whole blocks (RFC 7296 3.14).  An AEAD here is a counter
	 * mode: any length decrypts, and RFC 5282 3 leaves the padding to the
	 * sender.  We pad to 4 octets; strongSwan pads none (its GCM's block
	 * size is 1), so an alignment check would drop all its messages.
	 */
	if ((!d.encr->aead && ct_len % d.encr->block != 0) || ct_len > cap ||
	    out == NULL)
		return -1;
	iv = raw + sk_off + hl;
	ct = iv + d.encr->iv_len;
	icv = ct + ct_len;
	if (d.encr->aead) {
		memcpy(want, icv, d.icv);
		if (sk_cipher(&d, false, iv, raw, sk_off + hl, ct, out, ct_len,
			want) == -1)
			goto fail;
	} else {
		if (sk_hmac(&d, raw, rawlen - d.icv, want) == -1 ||
		    CRYPTO_memcmp(want, icv, d.icv) != 0)
			goto fail;
		if (sk_cipher(&d, false, iv, NULL, 0, ct, out, ct_len, NULL) ==
		    -1)
			goto fail;
	}
	pad = out[ct_len - 1];
	if (pad + 1 > ct_len)
		goto fail;
	*plen = ct_len - pad - 1;
	OPENSSL_cleanse(want, sizeof(want));
	return 0;
fail:
	OPENSSL_cleanse(want, sizeof(want));
	OPENSSL_cleanse(out, ct_len);
	return -1;
}

int
sk_seal(const struct ike_keys *k, bool from_initiator, uint8_t *msg, size_t cap,
    size_t sk_off, const uint8_t *plain, size_t plen, size_t *msglen)
{
	return sk_seal_hl(k, from_initiator, msg, cap, sk_off, IKE_PLD_HDR_LEN,
	    plain, plen, msglen);
}

int
sk_open(const struct ike_keys *k, bool from_initiator, const uint8_t *raw,
    size_t rawlen, size_t sk_off, uint8_t *out, size_t cap, size_t *plen)
{
	return sk_open_hl(k, from_initiator, raw, rawlen, sk_off,
	    IKE_PLD_HDR_LEN, out, cap, plen);
}

/* RFC 7383 2.5: the IV follows Fragment Number and Total Fragments. */
int
skf_seal(const struct ike_keys *k, bool from_initiator, uint8_t *msg,
    size_t cap, size_t skf_off, const uint8_t *plain, size_t plen,
    size_t *msglen)
{
	return sk_seal_hl(k, from_initiator, msg, cap, skf_off,
	    IKE_PLD_HDR_LEN + 4, plain, plen, msglen);
}

int
skf_open(const struct ike_keys *k, bool from_initiator, const uint8_t *raw,
    size_t rawlen, size_t skf_off, uint8_t *out, size_t cap, size_t *plen)
{
	return sk_open_hl(k, from_initiator, raw, rawlen, skf_off,
	    IKE_PLD_HDR_LEN + 4, out, cap, plen);
}

size_t
sk_overhead(const struct ike_keys *k)
{
	struct sk_dir d;

	if (sk_dir_init(&d, k, true) == -1)
		return 0;
	return d.encr->iv_len + d.icv + d.encr->block;
}
