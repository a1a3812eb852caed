/*
 * esp: ESP tunnel mode on one packet buffer (RFC 4303), with AES-GCM-16
 * (RFC 4106), ChaCha20-Poly1305 (RFC 7634) and AES-CBC (RFC 3602) with
 * HMAC-SHA1-96 (RFC 2404) or HMAC-SHA-2 (RFC 4868), through OpenSSL 3 EVP.
 * The contexts are keyed once, at install; a packet only resets the IV.
 * Sequence numbers are 64 bits inside; on the wire the low 32, with the
 * high 32 in the AAD (RFC 4106 5) or after the payload in the ICV
 * (RFC 4303 2.2.1) when extended sequence numbers are on.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "iked/crypto_int.h"
#include "iked/esp.h"
#include "iked/ikev2.h"
#include "lib/log.h"

enum esp_mode { ESP_MODE_AEAD, ESP_MODE_CBC };

/* Counters: one writer (the SA's packet thread), any reader. */
struct esp_ctr {
	_Atomic uint64_t bytes, packets;
	_Atomic uint64_t auth, decrypt, replay, header, trailer, discarded;
	_Atomic uint64_t mtu, ts;
};

struct esp_sa {
	struct dp_sa conf; /* keys wiped */
	enum esp_mode mode;
	size_t iv_len, block, icv_len, salt_len;
	uint8_t salt[4];
	EVP_CIPHER_CTX *cipher;
	EVP_MAC_CTX *mac; /* CBC only */
	uint64_t seq;	  /* out: last sent; in: highest seen */
	uint32_t window;  /* in: packets; 0 = no anti-replay */
	uint32_t nbits;	  /* bitmap size, a power of two >= 64 */
	uint64_t *bitmap; /* bit (s mod nbits) for seq s */
	struct esp_ctr ctr;
};

/* Single writer: a plain load and store, no locked instruction. */
static inline void
ctr_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c,
	    atomic_load_explicit(c, memory_order_relaxed) + n,
	    memory_order_relaxed);
}

static inline uint64_t
ctr_get(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

const char *
esp_result_name(enum esp_result r)
{
	static const char *const names[] = {
		[ESP_OK] = "ok",
		[ESP_BAD_HEADER] = "bad header",
		[ESP_BAD_TRAILER] = "bad trailer",
		[ESP_AUTH] = "authentication failure",
		[ESP_DECRYPT] = "decryption failure",
		[ESP_REPLAY] = "replay",
		[ESP_SEQ_EXHAUSTED] = "sequence number exhausted",
		[ESP_DUMMY] = "dummy packet",
		[ESP_NO_ROOM] = "no room",
		[ESP_EXPIRED] = "lifetime expired",
		[ESP_TOO_BIG] = "exceeds the path MTU",
		[ESP_TS] = "outside the traffic selectors",
	};
	return (size_t)r < sizeof(names) / sizeof(names[0]) && names[r]
	    ? names[r]
	    : "unknown";
}

static const EVP_CIPHER *
esp_cipher(const struct encr_alg *a, size_t klen)
{
	switch (a->id) {
	case ENCR_AES_GCM_16:
		return klen == 16 ? EVP_aes_128_gcm()
		    : klen == 24  ? EVP_aes_192_gcm()
		    : klen == 32  ? EVP_aes_256_gcm()
				  : NULL;
	case ENCR_CHACHA20_POLY1305:
		return klen == 32 ? EVP_chacha20_poly1305() : NULL;
	case ENCR_AES_CBC:
		return klen == 16 ? EVP_aes_128_cbc()
		    : klen == 24  ? EVP_aes_192_cbc()
		    : klen == 32  ? EVP_aes_256_cbc()
				  : NULL;
	default: return NULL;
	}
}

static const char *
esp_digest(const struct integ_alg *a)
{
	switch (a->id) {
	case AUTH_HMAC_SHA1_96: return "SHA1";
	case AUTH_HMAC_SHA2_256_128: return "SHA2-256";
	case AUTH_HMAC_SHA2_384_192: return "SHA2-384";
	case AUTH_HMAC_SHA2_512_256: return "SHA2-512";
	default: return NULL;
	}
}

static int
esp_sa_keys(
    struct esp_sa *e, const struct dp_sa *sa, const struct crypto_algs *ca)
{
	const struct encr_alg *a = sa->encr;
	size_t klen;
	const EVP_CIPHER *c, *fetched;

	e->mode = a->aead ? ESP_MODE_AEAD : ESP_MODE_CBC;
	e->salt_len = a->aead ? 4 : 0;
	if (a->key_len <= e->salt_len || a->key_len > CRYPTO_KEY_MAX)
		return -1;
	klen = a->key_len - e->salt_len;
	if ((c = esp_cipher(a, klen)) == NULL)
		return -1;
	/*
	 * ca's cipher when it holds one: EVP_aes_128_gcm() and the like are
	 * OpenSSL 3's legacy objects, and an init with one fetches the
	 * provider's implementation by name, under the library's lock, for
	 * every SA.  A fetched one is the same cipher (its key length
	 * checked: a is the table's entry, klen its key).
	 */
	fetched = crypto_algs_cipher(ca, a);
	if (fetched != NULL &&
	    (size_t)EVP_CIPHER_get_key_length(fetched) == klen)
		c = fetched;
	memcpy(e->salt, sa->enc_key + klen, e->salt_len);
	if (e->mode == ESP_MODE_AEAD) {
		e->iv_len = 8; /* RFC 4106 3.1, RFC 7634 2 */
		e->block = 4;  /* RFC 4106 3.2 */
		e->icv_len = 16;
	} else {
		if (sa->integ == NULL || esp_digest(sa->integ) == NULL ||
		    sa->integ->out_len > ESP_ICV_MAX ||
		    sa->integ->key_len > CRYPTO_KEY_MAX)
			return -1;
		e->iv_len = 16; /* RFC 3602 2.1 */
		e->block = 16;
		e->icv_len = sa->integ->out_len;
	}
	if ((e->cipher = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (sa->inbound) {
		if (EVP_DecryptInit_ex(e->cipher, c, NULL, sa->enc_key, NULL) !=
		    1)
			return -1;
	} else if (EVP_EncryptInit_ex(e->cipher, c, NULL, sa->enc_key, NULL) !=
	    1)
		return -1;
	if (e->mode == ESP_MODE_CBC) {
		EVP_CIPHER_CTX_set_padding(e->cipher, 0);
		/* ca's HMAC context for the digest, duplicated and keyed;
		 * without ca one fetched (crypto.c) */
		e->mac = crypto_hmac_new(ca, esp_digest(sa->integ),
		    sa->auth_key, sa->integ->key_len);
		if (e->mac == NULL)
			return -1;
	}
	return 0;
}

struct esp_sa *
esp_sa_new(const struct dp_sa *sa)
{
	return esp_sa_new_with(sa, NULL);
}

struct esp_sa *
esp_sa_new_with(const struct dp_sa *sa, const struct crypto_algs *ca)
{
	struct esp_sa *e;

	if (sa->encr == NULL || sa->replay_window > ESP_REPLAY_MAX) {
		log_err("ESP SA %08x: no cipher or window too large", sa->spi);
		return NULL;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->conf = *sa;
	OPENSSL_cleanse(e->conf.enc_key, sizeof(e->conf.enc_key));
	OPENSSL_cleanse(e->conf.auth_key, sizeof(e->conf.auth_key));
	if (esp_sa_keys(e, sa, ca) == -1) {
		log_err("ESP SA %08x: %s%s%s is not usable here", sa->spi,
		    sa->encr->name, sa->integ ? "/" : "",
		    sa->integ ? sa->integ->name : "");
		esp_sa_free(e);
		return NULL;
	}
	if (sa->inbound && sa->replay_window > 0) {
		e->window = sa->replay_window;
		e->nbits = 64;
		while (e->nbits < e->window)
			e->nbits <<= 1;
		e->bitmap = calloc(e->nbits / 64, sizeof(uint64_t));
		if (e->bitmap == NULL) {
			esp_sa_free(e);
			return NULL;
		}
	}
	return e;
}

void
esp_sa_free(struct esp_sa *e)
{
	if (e == NULL)
		return;
	EVP_CIPHER_CTX_free(e->cipher); /* wipes the key schedule */
	EVP_MAC_CTX_free(e->mac);
	free(e->bitmap);
	OPENSSL_cleanse(e, sizeof(*e));
	free(e);
}

const struct dp_sa *
esp_sa_conf(const struct esp_sa *e)
{
	return &e->conf;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

int
esp_peek_spi(const uint8_t *p, size_t len, uint32_t *spi)
{
	if (len < ESP_HDR_LEN)
		return -1;
	*spi = get32(p);
	return 0;
}

/* RFC 4106 5 / RFC 4303 2.2.1: SPI | [seq_hi |] seq_lo */
static size_t
esp_aad(const struct esp_sa *e, const uint8_t *hdr, uint64_t seq, uint8_t *aad)
{
	memcpy(aad, hdr, 4);
	if (!e->conf.esn) {
		memcpy(aad + 4, hdr + 4, 4);
		return 8;
	}
	put32(aad + 4, seq >> 32);
	memcpy(aad + 8, hdr + 4, 4);
	return 12;
}

/* AEAD over hdr..: the nonce is salt | IV (RFC 4106 4). */
static int
esp_aead(struct esp_sa *e, bool enc, uint8_t *hdr, uint64_t seq, uint8_t *data,
    size_t dlen, uint8_t *tag)
{
	uint8_t nonce[12], aad[12];
	size_t alen = esp_aad(e, hdr, seq, aad);
	int n, ok;

	memcpy(nonce, e->salt, 4);
	memcpy(nonce + 4, hdr + ESP_HDR_LEN, 8);
	if (enc) {
		ok = EVP_EncryptInit_ex(e->cipher, NULL, NULL, NULL, nonce) ==
			1 &&
		    EVP_EncryptUpdate(e->cipher, NULL, &n, aad, (int)alen) ==
			1 &&
		    EVP_EncryptUpdate(e->cipher, data, &n, data, (int)dlen) ==
			1 &&
		    EVP_EncryptFinal_ex(e->cipher, data + dlen, &n) == 1 &&
		    EVP_CIPHER_CTX_ctrl(e->cipher, EVP_CTRL_AEAD_GET_TAG,
			(int)e->icv_len, tag) == 1;
		return ok ? 0 : -1;
	}
	ok = EVP_DecryptInit_ex(e->cipher, NULL, NULL, NULL, nonce) == 1 &&
	    EVP_DecryptUpdate(e->cipher, NULL, &n, aad, (int)alen) == 1 &&
	    EVP_DecryptUpdate(e->cipher, data, &n, data, (int)dlen) == 1 &&
	    EVP_CIPHER_CTX_ctrl(
		e->cipher, EVP_CTRL_AEAD_SET_TAG, (int)e->icv_len, tag) == 1 &&
	    EVP_DecryptFinal_ex(e->cipher, data + dlen, &n) == 1;
	return ok ? 0 : -1;
}

/* RFC 4303 2.8 / 3.3.4: the ICV over SPI .. trailer, then seq_hi (ESN). */
static int
esp_hmac(
    struct esp_sa *e, const uint8_t *p, size_t len, uint64_t seq, uint8_t *icv)
{
	uint8_t full[EVP_MAX_MD_SIZE], hi[4];
	size_t n;

	if (EVP_MAC_init(e->mac, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(e->mac, p, len) != 1)
		return -1;
	if (e->conf.esn) {
		put32(hi, seq >> 32);
		if (EVP_MAC_update(e->mac, hi, 4) != 1)
			return -1;
	}
	if (EVP_MAC_final(e->mac, full, &n, sizeof(full)) != 1 ||
	    n < e->icv_len)
		return -1;
	memcpy(icv, full, e->icv_len);
	return 0;
}

static int
esp_cbc(
    struct esp_sa *e, bool enc, const uint8_t *iv, uint8_t *data, size_t dlen)
{
	int n;

	if (enc)
		return EVP_EncryptInit_ex(e->cipher, NULL, NULL, NULL, iv) ==
			    1 &&
			EVP_EncryptUpdate(
			    e->cipher, data, &n, data, (int)dlen) == 1
		    ? 0
		    : -1;
	return EVP_DecryptInit_ex(e->cipher, NULL, NULL, NULL, iv) == 1 &&
		EVP_DecryptUpdate(e->cipher, data, &n, data, (int)dlen) == 1
	    ? 0
	    : -1;
}

static enum esp_result esp_drop(struct esp_sa *e, enum esp_result r);

enum esp_result
esp_encap(struct esp_sa *e, struct esp_buf *b)
{
	uint8_t *inner = b->base + b->off, *hdr, *iv, *tr;
	size_t hlen = ESP_HDR_LEN + e->iv_len, plen, pad, clen;
	uint8_t nh;

	if (b->len == 0)
		return ESP_BAD_HEADER;
	nh = (inner[0] >> 4) == 6 ? ESP_NH_IPV6 : ESP_NH_IPV4;
	if ((inner[0] >> 4) != 4 && (inner[0] >> 4) != 6)
		return ESP_BAD_HEADER;
	/* RFC 4303 2.4: pad so that payload | pad | 2 fills blocks */
	pad = (e->block - (b->len + 2) % e->block) % e->block;
	plen = b->len + pad + 2;
	if (b->off < hlen || b->cap - b->off - b->len < pad + 2 + e->icv_len)
		return ESP_NO_ROOM;
	/* RFC 4303 3.3.3: a counter never cycles; with ESN at 2^64 */
	if ((!e->conf.esn && e->seq >= UINT32_MAX) || e->seq == UINT64_MAX)
		return esp_drop(e, ESP_SEQ_EXHAUSTED);
	if ((e->conf.hard_packets &&
		ctr_get(&e->ctr.packets) >= e->conf.hard_packets) ||
	    (e->conf.hard_bytes &&
		ctr_get(&e->ctr.bytes) >= e->conf.hard_bytes))
		return esp_drop(e, ESP_EXPIRED);
	e->seq++;
	hdr = inner - hlen;
	iv = hdr + ESP_HDR_LEN;
	put32(hdr, e->conf.spi);
	put32(hdr + 4, (uint32_t)e->seq);
	tr = inner + b->len;
	for (size_t i = 0; i < pad; i++) /* RFC 4303 2.4: 1, 2, 3, ... */
		tr[i] = (uint8_t)(i + 1);
	tr[pad] = (uint8_t)pad;
	tr[pad + 1] = nh;
	clen = plen;
	if (e->mode == ESP_MODE_AEAD) {
		/* RFC 4106 3.1: the IV is the counter, unique per key */
		uint64_t s = e->seq;
		for (int i = 7; i >= 0; i--, s >>= 8)
			iv[i] = (uint8_t)s;
		if (esp_aead(e, true, hdr, e->seq, inner, clen, inner + clen) ==
		    -1)
			return esp_drop(e, ESP_DECRYPT);
	} else {
		/* RFC 3602 2.1: an unpredictable IV */
		if (RAND_bytes(iv, (int)e->iv_len) != 1 ||
		    esp_cbc(e, true, iv, inner, clen) == -1 ||
		    esp_hmac(e, hdr, hlen + clen, e->seq, inner + clen) == -1)
			return esp_drop(e, ESP_DECRYPT);
	}
	ctr_add(&e->ctr.bytes, b->len);
	ctr_add(&e->ctr.packets, 1);
	b->off -= hlen;
	b->len = hlen + clen + e->icv_len;
	return ESP_OK;
}

/*
 * RFC 4303 Appendix A2.2: the full sequence number of seq_lo, guessed
 * from the window's top T (high half Th, low half Tl) and its size W.
 */
static uint64_t
esp_seq_infer(const struct esp_sa *e, uint32_t lo)
{
	uint32_t w = e->window ? e->window : 64;
	uint32_t tl = (uint32_t)e->seq, th = (uint32_t)(e->seq >> 32);

	if (!e->conf.esn)
		return lo;
	if (tl >= w - 1) {
		if (lo >= tl - w + 1)
			return (uint64_t)th << 32 | lo;
		return (uint64_t)(th + 1) << 32 | lo;
	}
	if (lo >= tl - w + 1 && th > 0) /* tl - w + 1 wrapped */
		return (uint64_t)(th - 1) << 32 | lo;
	return (uint64_t)th << 32 | lo;
}

/* RFC 4303 3.4.3: 0 if seq may be new, -1 if seen or left of window. */
static int
esp_replay_check(const struct esp_sa *e, uint64_t seq)
{
	if (e->window == 0)
		return 0;
	if (seq == 0 && !e->conf.esn)
		return -1; /* the first packet has sequence number 1 */
	if (seq > e->seq)
		return 0;
	if (e->seq - seq >= e->window)
		return -1;
	uint64_t bit = seq & (e->nbits - 1);
	return e->bitmap[bit / 64] & (1ULL << (bit % 64)) ? -1 : 0;
}

/* After the ICV checked: marks seq, moving the window right if needed. */
static void
esp_replay_update(struct esp_sa *e, uint64_t seq)
{
	uint64_t bit;

	if (seq > e->seq) {
		if (e->window) {
			uint64_t d = seq - e->seq;
			if (d >= e->nbits)
				memset(e->bitmap, 0, e->nbits / 8);
			else
				for (uint64_t s = e->seq + 1; s < seq; s++) {
					bit = s & (e->nbits - 1);
					e->bitmap[bit / 64] &=
					    ~(1ULL << (bit % 64));
				}
		}
		e->seq = seq;
	}
	if (e->window == 0)
		return;
	bit = seq & (e->nbits - 1);
	e->bitmap[bit / 64] |= 1ULL << (bit % 64);
}

static enum esp_result
esp_drop(struct esp_sa *e, enum esp_result r)
{
	switch (r) {
	case ESP_AUTH: ctr_add(&e->ctr.auth, 1); break;
	case ESP_DECRYPT: ctr_add(&e->ctr.decrypt, 1); break;
	case ESP_REPLAY: ctr_add(&e->ctr.replay, 1); break;
	case ESP_BAD_HEADER: ctr_add(&e->ctr.header, 1); break;
	case ESP_BAD_TRAILER: ctr_add(&e->ctr.trailer, 1); break;
	case ESP_TOO_BIG: ctr_add(&e->ctr.mtu, 1); break;
	case ESP_TS: ctr_add(&e->ctr.ts, 1); break;
	default: ctr_add(&e->ctr.discarded, 1); break;
	}
	return r;
}

/* RFC 4303 2.4-2.6: the trailer, then the inner header it announces. */
static enum esp_result
esp_trailer(const uint8_t *p, size_t plen, size_t *inner_len)
{
	uint8_t padlen, nh;
	size_t n;

	if (plen < 2)
		return ESP_BAD_TRAILER;
	padlen = p[plen - 2];
	nh = p[plen - 1];
	if ((size_t)padlen + 2 > plen)
		return ESP_BAD_TRAILER;
	n = plen - 2 - padlen;
	for (size_t i = 0; i < padlen; i++) /* RFC 4303 2.4 */
		if (p[n + i] != (uint8_t)(i + 1))
			return ESP_BAD_TRAILER;
	if (nh == ESP_NH_NONE)
		return ESP_DUMMY;
	if (nh == ESP_NH_IPV4) {
		if (n < 20 || (p[0] >> 4) != 4 || (p[0] & 0x0f) < 5 ||
		    ((size_t)p[2] << 8 | p[3]) > n)
			return ESP_BAD_HEADER;
		n = (size_t)p[2] << 8 | p[3]; /* drop TFC padding */
	} else if (nh == ESP_NH_IPV6) {
		if (n < 40 || (p[0] >> 4) != 6 ||
		    ((size_t)p[4] << 8 | p[5]) + 40 > n)
			return ESP_BAD_HEADER;
		n = ((size_t)p[4] << 8 | p[5]) + 40;
	} else
		return ESP_BAD_TRAILER;
	*inner_len = n;
	return ESP_OK;
}

enum esp_result
esp_decap(struct esp_sa *e, struct esp_buf *b)
{
	uint8_t *hdr = b->base + b->off, *data, icv[ESP_ICV_MAX];
	size_t hlen = ESP_HDR_LEN + e->iv_len, clen, inner;
	uint64_t seq;
	enum esp_result r;

	if (b->len < hlen + e->icv_len + e->block || b->off > b->cap ||
	    b->len > b->cap - b->off)
		return esp_drop(e, ESP_BAD_HEADER);
	clen = b->len - hlen - e->icv_len;
	if (clen % e->block != 0)
		return esp_drop(
		    e, e->mode == ESP_MODE_CBC ? ESP_DECRYPT : ESP_BAD_TRAILER);
	data = hdr + hlen;
	seq = esp_seq_infer(e, get32(hdr + 4));
	if (esp_replay_check(e, seq) == -1) /* RFC 4303 3.4.3 */
		return esp_drop(e, ESP_REPLAY);
	if (e->mode == ESP_MODE_AEAD) {
		if (esp_aead(e, false, hdr, seq, data, clen, data + clen) == -1)
			return esp_drop(e, ESP_AUTH);
	} else {
		/* RFC 4303 3.4.4: the ICV first, then decryption */
		if (esp_hmac(e, hdr, hlen + clen, seq, icv) == -1 ||
		    CRYPTO_memcmp(icv, data + clen, e->icv_len) != 0)
			return esp_drop(e, ESP_AUTH);
		if (esp_cbc(e, false, hdr + ESP_HDR_LEN, data, clen) == -1)
			return esp_drop(e, ESP_DECRYPT);
	}
	esp_replay_update(e, seq);
	if ((r = esp_trailer(data, clen, &inner)) != ESP_OK)
		return esp_drop(e, r);
	ctr_add(&e->ctr.bytes, inner);
	ctr_add(&e->ctr.packets, 1);
	b->off += hlen;
	b->len = inner;
	return ESP_OK;
}

void
esp_sa_drop(struct esp_sa *e, enum esp_result r)
{
	esp_drop(e, r);
}

size_t
esp_sa_overhead(const struct esp_sa *e, size_t len)
{
	size_t pad = (e->block - (len + 2) % e->block) % e->block;

	return ESP_HDR_LEN + e->iv_len + pad + 2 + e->icv_len;
}

size_t
esp_sa_max_inner(const struct esp_sa *e, size_t room)
{
	size_t fixed = ESP_HDR_LEN + e->iv_len + e->icv_len;

	if (room < fixed + e->block)
		return 0;
	/* payload, padding and the two trailer octets fill whole blocks */
	return (room - fixed) / e->block * e->block - 2;
}

void
esp_sa_stats(const struct esp_sa *e, struct dp_stats *out)
{
	uint64_t bytes = ctr_get(&e->ctr.bytes);
	uint64_t packets = ctr_get(&e->ctr.packets);

	if (e->conf.inbound) {
		out->dec_bytes += bytes;
		out->dec_packets += packets;
	} else {
		out->enc_bytes += bytes;
		out->enc_packets += packets;
	}
	out->err_auth += ctr_get(&e->ctr.auth);
	out->err_decrypt += ctr_get(&e->ctr.decrypt);
	out->err_replay += ctr_get(&e->ctr.replay);
	out->err_bad_header += ctr_get(&e->ctr.header);
	out->err_bad_trailer += ctr_get(&e->ctr.trailer);
	out->discarded += ctr_get(&e->ctr.discarded);
	out->err_mtu += ctr_get(&e->ctr.mtu);
	out->err_ts += ctr_get(&e->ctr.ts);
}

void
esp_sa_usage(const struct esp_sa *e, uint64_t *bytes, uint64_t *packets)
{
	*bytes = ctr_get(&e->ctr.bytes);
	*packets = ctr_get(&e->ctr.packets);
}

uint64_t
esp_sa_seq(const struct esp_sa *e)
{
	return e->seq;
}

void
esp_sa_set_seq(struct esp_sa *e, uint64_t seq)
{
	e->seq = seq;
	if (e->bitmap)
		memset(e->bitmap, 0, e->nbits / 8);
}
