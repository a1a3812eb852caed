/*
 * keys: every key of an IKE SA and its Child SAs is derived here, from the
 * prf and prf+ of crypto.c:
 *
 *   SKEYSEED and SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr
 *                         RFC 7296 2.14; the rekeyed IKE SA's, 2.18
 *   PPK mixing            RFC 8784 3: SK_d, SK_pi, SK_pr := prf+(PPK, SK_x)
 *   Child SA KEYMAT       RFC 7296 2.17
 *   AUTH                  RFC 7296 2.15: the octets, and PSK authentication
 *
 * Every intermediate (SKEYSEED, the prf+ stream, the PSK pad) is wiped
 * before return, on success and failure alike.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "iked/crypto.h"

/* RFC 7296 2.15: the pad string, without a terminating NUL. */
static const char ike_key_pad[] = "Key Pad for IKEv2";

/* Both nonces within RFC 7296 2.10's bounds. */
static int
keys_nonces_ok(size_t nilen, size_t nrlen)
{
	return nilen >= CRYPTO_NONCE_MIN && nilen <= CRYPTO_NONCE_MAX &&
	    nrlen >= CRYPTO_NONCE_MIN && nrlen <= CRYPTO_NONCE_MAX;
}

static void
keys_put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* The next len octets of a prf+ stream into key. */
static void
keys_take(const uint8_t **p, uint8_t *key, size_t len)
{
	memcpy(key, *p, len);
	*p += len;
}

void
ike_keys_wipe(struct ike_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

void
child_keys_wipe(struct child_keys *ck)
{
	OPENSSL_cleanse(ck, sizeof(*ck));
}

int
ike_keys_derive(const struct crypto_algs *ca, struct ike_keys *k,
    const struct ike_suite *s, const uint8_t *shared, size_t shlen,
    const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
    uint64_t spii, uint64_t spir, const struct prf_alg *old_prf,
    const uint8_t *old_sk_d, size_t old_len)
{
	uint8_t buf[CRYPTO_DH_MAX + 2 * CRYPTO_NONCE_MAX + 16];
	uint8_t skeyseed[CRYPTO_KEY_MAX];
	uint8_t stream[7 * CRYPTO_KEY_MAX];
	const struct prf_alg *prf;
	const uint8_t *p;
	size_t total;
	int rc = -1;

	ike_keys_wipe(k);
	k->ca = ca;
	if (s == NULL || s->prf == NULL || s->encr == NULL ||
	    (!s->encr->aead && s->integ == NULL) || shared == NULL ||
	    shlen == 0 || shlen > CRYPTO_DH_MAX ||
	    !keys_nonces_ok(nilen, nrlen))
		return -1;
	prf = s->prf;
	if (old_sk_d == NULL) {
		/* RFC 7296 2.14: SKEYSEED = prf(Ni | Nr, g^ir) */
		memcpy(buf, ni, nilen);
		memcpy(buf + nilen, nr, nrlen);
		if (crypto_prf_run(ca, prf, buf, nilen + nrlen, shared, shlen,
			skeyseed) == -1)
			goto done;
	} else {
		/*
		 * RFC 7296 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni |
		 * Nr), with the old IKE SA's PRF; SK_* then with the new one.
		 */
		if (old_prf == NULL || old_len > CRYPTO_KEY_MAX)
			goto done;
		memcpy(buf, shared, shlen);
		memcpy(buf + shlen, ni, nilen);
		memcpy(buf + shlen + nilen, nr, nrlen);
		if (crypto_prf_run(ca, old_prf, old_sk_d, old_len, buf,
			shlen + nilen + nrlen, skeyseed) == -1)
			goto done;
	}
	k->prf = prf;
	k->encr = s->encr;
	k->integ = s->encr->aead ? NULL : s->integ;
	k->d_len = k->p_len = prf->out_len;
	k->a_len = k->integ != NULL ? k->integ->key_len : 0;
	k->e_len = s->encr->key_len;
	total = k->d_len + 2 * k->a_len + 2 * k->e_len + 2 * k->p_len;
	if (total > sizeof(stream))
		goto done;
	/* SK_* = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) */
	memcpy(buf, ni, nilen);
	memcpy(buf + nilen, nr, nrlen);
	keys_put64(buf + nilen + nrlen, spii);
	keys_put64(buf + nilen + nrlen + 8, spir);
	if (crypto_prfplus(ca, prf, skeyseed,
		old_sk_d != NULL ? old_prf->out_len : prf->out_len, buf,
		nilen + nrlen + 16, stream, total) == -1)
		goto done;
	p = stream;
	keys_take(&p, k->sk_d, k->d_len);
	keys_take(&p, k->sk_ai, k->a_len);
	keys_take(&p, k->sk_ar, k->a_len);
	keys_take(&p, k->sk_ei, k->e_len);
	keys_take(&p, k->sk_er, k->e_len);
	keys_take(&p, k->sk_pi, k->p_len);
	keys_take(&p, k->sk_pr, k->p_len);
	rc = 0;
done:
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	OPENSSL_cleanse(stream, sizeof(stream));
	if (rc == -1)
		ike_keys_wipe(k);
	return rc;
}

/* RFC 8784 3: SK_x' = prf+(PPK, SK_x), as long as SK_x. */
static int
keys_ppk_one(const struct crypto_algs *ca, const struct prf_alg *prf,
    const uint8_t *ppk, size_t ppklen, uint8_t *key, size_t len)
{
	uint8_t tmp[CRYPTO_KEY_MAX];
	int rc;

	rc = crypto_prfplus(ca, prf, ppk, ppklen, key, len, tmp, len);
	if (rc == 0)
		memcpy(key, tmp, len);
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return rc;
}

int
ike_keys_ppk_mix(struct ike_keys *k, const uint8_t *ppk, size_t ppklen)
{
	if (k->prf == NULL || ppk == NULL || ppklen == 0)
		return -1;
	if (keys_ppk_one(k->ca, k->prf, ppk, ppklen, k->sk_d, k->d_len) == -1 ||
	    keys_ppk_one(k->ca, k->prf, ppk, ppklen, k->sk_pi, k->p_len) ==
		-1 ||
	    keys_ppk_one(k->ca, k->prf, ppk, ppklen, k->sk_pr, k->p_len) ==
		-1) {
		/* Half-mixed keys must not be used. */
		ike_keys_wipe(k);
		return -1;
	}
	return 0;
}

int
child_keys_derive(struct child_keys *ck, const struct ike_keys *k,
    const struct ike_suite *child, const uint8_t *shared, size_t shlen,
    const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen)
{
	uint8_t seed[CRYPTO_DH_MAX + 2 * CRYPTO_NONCE_MAX];
	uint8_t stream[4 * CRYPTO_KEY_MAX];
	const uint8_t *p;
	size_t slen = 0, total;
	int rc = -1;

	child_keys_wipe(ck);
	if (k == NULL || k->prf == NULL || child == NULL ||
	    child->encr == NULL ||
	    (!child->encr->aead && child->integ == NULL) ||
	    shlen > CRYPTO_DH_MAX || (shlen && shared == NULL) ||
	    !keys_nonces_ok(nilen, nrlen))
		return -1;
	ck->e_len = child->encr->key_len;
	ck->a_len = child->encr->aead ? 0 : child->integ->key_len;
	total = 2 * (ck->e_len + ck->a_len);
	if (ck->e_len > CRYPTO_KEY_MAX || ck->a_len > CRYPTO_KEY_MAX)
		goto done;
	/* RFC 7296 2.17: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) */
	if (shlen) {
		memcpy(seed, shared, shlen);
		slen = shlen;
	}
	memcpy(seed + slen, ni, nilen);
	memcpy(seed + slen + nilen, nr, nrlen);
	slen += nilen + nrlen;
	if (crypto_prfplus(k->ca, k->prf, k->sk_d, k->d_len, seed, slen, stream,
		total) == -1)
		goto done;
	/* encr_i | integ_i | encr_r | integ_r, salts with their keys */
	p = stream;
	keys_take(&p, ck->ei, ck->e_len);
	keys_take(&p, ck->ai, ck->a_len);
	keys_take(&p, ck->er, ck->e_len);
	keys_take(&p, ck->ar, ck->a_len);
	rc = 0;
done:
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(stream, sizeof(stream));
	if (rc == -1)
		child_keys_wipe(ck);
	return rc;
}

/*
 * RFC 7296 2.15: InitiatorSignedOctets = RealMessage1 | NonceRData |
 * MACedIDForI, MACedIDForI = prf(SK_pi, IDi'); the responder's likewise.
 */
int
ike_auth_octets(const struct crypto_algs *ca, const struct prf_alg *prf,
    const uint8_t *sk_p, size_t sk_p_len, const uint8_t *msg1, size_t msg1_len,
    const uint8_t *nonce, size_t nonce_len, const uint8_t *id_body,
    size_t id_len, uint8_t *out, size_t cap, size_t *len)
{
	size_t need;

	if (prf == NULL || msg1 == NULL || nonce == NULL || id_body == NULL)
		return -1;
	if (msg1_len > cap || nonce_len > cap - msg1_len ||
	    prf->out_len > cap - msg1_len - nonce_len)
		return -1;
	need = msg1_len + nonce_len + prf->out_len;
	memcpy(out, msg1, msg1_len);
	memcpy(out + msg1_len, nonce, nonce_len);
	if (crypto_prf_run(ca, prf, sk_p, sk_p_len, id_body, id_len,
		out + msg1_len + nonce_len) == -1)
		return -1;
	*len = need;
	return 0;
}

/* RFC 7296 2.15: AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <octets>)
 */
int
ike_auth_psk(const struct crypto_algs *ca, const struct prf_alg *prf,
    const uint8_t *psk, size_t psklen, const uint8_t *octets, size_t olen,
    uint8_t *out)
{
	uint8_t pad[CRYPTO_KEY_MAX];
	int rc = -1;

	if (prf == NULL || psk == NULL || psklen == 0 || octets == NULL)
		return -1;
	if (crypto_prf_run(ca, prf, psk, psklen, (const uint8_t *)ike_key_pad,
		sizeof(ike_key_pad) - 1, pad) == -1)
		goto done;
	rc = crypto_prf_run(ca, prf, pad, prf->out_len, octets, olen, out);
done:
	OPENSSL_cleanse(pad, sizeof(pad));
	return rc;
}

bool
ike_auth_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}
