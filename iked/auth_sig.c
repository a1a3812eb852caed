/*
 * auth_sig: signatures for certificate AUTH through OpenSSL 3 EVP.
 *
 *   AUTH_RSA_SIG            RSASSA-PKCS1-v1_5 with SHA-1 (RFC 7296 3.8)
 *   AUTH_ECDSA_256/384/521  ECDSA with SHA-256/384/512 on the matching
 *                           curve, r | s of fixed length (RFC 4754 3, 7)
 *   AUTH_DIGITAL_SIGNATURE  RFC 7427 3: a length octet, the DER
 *                           AlgorithmIdentifier, the signature; here
 *                           sha{256,384,512}WithRSAEncryption,
 *                           ecdsa-with-SHA{256,384,512} (DER
 *                           Ecdsa-Sig-Value) and RSASSA-PSS with MGF1 of
 *                           the same hash (RFC 4055 3.1, RFC 7427 A.4)
 *
 * The AlgorithmIdentifiers we send are the byte strings of RFC 7427
 * Appendix A; the peer's are decoded by OpenSSL's DER decoder with the
 * length octet as their bound, and one that is not wholly consumed, names
 * a hash we did not announce, or names a key of another type is refused.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "iked/auth_sig.h"
#include "iked/ikev2.h"

struct sig_hash {
	uint16_t id;	/* HASH_* */
	const char *md; /* OpenSSL digest name */
	int nid;	/* the digest's NID */
	size_t len;
	uint8_t rsa_oid, ec_oid, h_oid; /* the last octet of each OID */
};

/* RFC 7427 4 / RFC 8017 A.2.4 / RFC 5758 3.2 / RFC 5754 2 */
static const struct sig_hash sig_hashes[] = {
	{ HASH_SHA1, "SHA1", NID_sha1, 20, 0x05, 0x01, 0 },
	{ HASH_SHA2_256, "SHA2-256", NID_sha256, 32, 0x0b, 0x02, 0x01 },
	{ HASH_SHA2_384, "SHA2-384", NID_sha384, 48, 0x0c, 0x03, 0x02 },
	{ HASH_SHA2_512, "SHA2-512", NID_sha512, 64, 0x0d, 0x04, 0x03 },
};

/* RFC 7427 A.1 and A.3: the last OID octet is the hash's (rsa_oid, ec_oid). */
static const uint8_t algid_rsa[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48,
	0x86, 0xf7, 0x0d, 0x01, 0x01, 0x00, 0x05, 0x00 };
static const uint8_t algid_ecdsa[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
	0xce, 0x3d, 0x04, 0x03, 0x00 };
/* RFC 7427 A.4.3 with the hash at 29 and 59 and the salt length at 66. */
static const uint8_t algid_pss[] = { 0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48,
	0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30, 0x34, 0xa0, 0x0f, 0x30, 0x0d,
	0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x00, 0x05,
	0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
	0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x00, 0x05, 0x00, 0xa2, 0x03, 0x02, 0x01,
	0x00 };

static const struct sig_hash *
sig_hash_find(uint16_t id)
{
	for (size_t i = 0; i < sizeof(sig_hashes) / sizeof(sig_hashes[0]); i++)
		if (sig_hashes[i].id == id)
			return &sig_hashes[i];
	return NULL;
}

static const struct sig_hash *
sig_hash_by_nid(int nid)
{
	for (size_t i = 0; i < sizeof(sig_hashes) / sizeof(sig_hashes[0]); i++)
		if (sig_hashes[i].nid == nid)
			return &sig_hashes[i];
	return NULL;
}

const char *
sig_scheme_name(enum eng_sig_scheme s)
{
	switch (s) {
	case ENG_SIG_RSA_PKCS1: return "rsa-pkcs1";
	case ENG_SIG_RSA_PSS: return "rsa-pss";
	case ENG_SIG_ECDSA: return "ecdsa";
	}
	return "?";
}

uint32_t
sig_hashes_ours(void)
{
	return 1u << HASH_SHA2_256 | 1u << HASH_SHA2_384 | 1u << HASH_SHA2_512;
}

size_t
sig_hashes_notify(uint8_t *out, size_t cap)
{
	static const uint16_t ours[] = {
		HASH_SHA2_256,
		HASH_SHA2_384,
		HASH_SHA2_512,
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]) && n + 2 <= cap;
	     i++) {
		out[n++] = (uint8_t)(ours[i] >> 8);
		out[n++] = (uint8_t)ours[i];
	}
	return n;
}

uint32_t
sig_hashes_parse(const uint8_t *p, size_t len)
{
	uint32_t set = 0;

	for (size_t i = 0; i + 2 <= len; i += 2) {
		uint16_t h = (uint16_t)(p[i] << 8 | p[i + 1]);
		if (h < 32)
			set |= 1u << h;
	}
	return set;
}

/* RFC 4754 3: the curve decides the hash and the r | s length. */
static int
sig_ecdsa_curve(EVP_PKEY *k, uint8_t *method, uint16_t *hash, size_t *half)
{
	switch (EVP_PKEY_get_bits(k)) {
	case 256:
		*method = AUTH_ECDSA_256, *hash = HASH_SHA2_256, *half = 32;
		return 0;
	case 384:
		*method = AUTH_ECDSA_384, *hash = HASH_SHA2_384, *half = 48;
		return 0;
	case 521:
		*method = AUTH_ECDSA_521, *hash = HASH_SHA2_512, *half = 66;
		return 0;
	}
	return -1;
}

int
sig_choose(X509 *ours, bool pss, uint32_t peer_hashes, struct sig_alg *out)
{
	EVP_PKEY *k = X509_get0_pubkey(ours);
	uint32_t common = peer_hashes & sig_hashes_ours();
	uint8_t m;
	uint16_t want = HASH_SHA2_256;
	size_t half;
	bool ec;

	if (k == NULL)
		return -1;
	ec = EVP_PKEY_is_a(k, "EC");
	if (!ec && !EVP_PKEY_is_a(k, "RSA") && !EVP_PKEY_is_a(k, "RSA-PSS"))
		return -1;
	if (ec && sig_ecdsa_curve(k, &m, &want, &half) == -1)
		return -1;
	if (common != 0) {
		/* RFC 7427 4: a hash the peer said it supports. */
		if ((common & 1u << want) == 0)
			for (want = HASH_SHA2_256; want <= HASH_SHA2_512;
			     want++)
				if (common & 1u << want)
					break;
		out->method = AUTH_DIGITAL_SIGNATURE;
		out->hash = want;
		out->scheme = ec			 ? ENG_SIG_ECDSA
		    : pss || EVP_PKEY_is_a(k, "RSA-PSS") ? ENG_SIG_RSA_PSS
							 : ENG_SIG_RSA_PKCS1;
		return 0;
	}
	if (ec) {
		out->method = m;
		out->hash = want;
		out->scheme = ENG_SIG_ECDSA;
		return 0;
	}
	if (pss || EVP_PKEY_is_a(k, "RSA-PSS"))
		return -1; /* PSS only exists through RFC 7427 */
	out->method = AUTH_RSA_SIG;
	out->hash = HASH_SHA1;
	out->scheme = ENG_SIG_RSA_PKCS1;
	return 0;
}

static size_t
sig_algid(const struct sig_alg *a, uint8_t *out)
{
	const struct sig_hash *h = sig_hash_find(a->hash);

	if (h == NULL || h->h_oid == 0)
		return 0;
	switch (a->scheme) {
	case ENG_SIG_RSA_PKCS1:
		memcpy(out, algid_rsa, sizeof(algid_rsa));
		out[12] = h->rsa_oid;
		return sizeof(algid_rsa);
	case ENG_SIG_ECDSA:
		memcpy(out, algid_ecdsa, sizeof(algid_ecdsa));
		out[11] = h->ec_oid;
		return sizeof(algid_ecdsa);
	case ENG_SIG_RSA_PSS:
		memcpy(out, algid_pss, sizeof(algid_pss));
		out[29] = out[59] = h->h_oid;
		out[66] = (uint8_t)h->len; /* salt: the digest's length */
		return sizeof(algid_pss);
	}
	return 0;
}

int
sig_auth_data(X509 *ours, const struct sig_alg *a, const uint8_t *sig,
    size_t slen, uint8_t *out, size_t cap, size_t *olen)
{
	uint8_t algid[SIG_ALGID_MAX];
	size_t alen, half;
	uint16_t hash;
	uint8_t m;

	if (a->method == AUTH_DIGITAL_SIGNATURE) {
		if ((alen = sig_algid(a, algid)) == 0 || 1 + alen + slen > cap)
			return -1;
		out[0] = (uint8_t)alen;
		memcpy(out + 1, algid, alen);
		memcpy(out + 1 + alen, sig, slen);
		*olen = 1 + alen + slen;
		return 0;
	}
	if (a->method == AUTH_RSA_SIG) {
		if (slen > cap)
			return -1;
		memcpy(out, sig, slen);
		*olen = slen;
		return 0;
	}
	/* RFC 4754 7: r | s, each left-padded to the curve's length. */
	const unsigned char *p = sig;
	const BIGNUM *r, *s;
	ECDSA_SIG *es;
	int rc = -1;

	if (sig_ecdsa_curve(X509_get0_pubkey(ours), &m, &hash, &half) == -1 ||
	    m != a->method || 2 * half > cap)
		return -1;
	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)slen)) == NULL)
		return -1;
	ECDSA_SIG_get0(es, &r, &s);
	if (p == sig + slen && BN_bn2binpad(r, out, (int)half) == (int)half &&
	    BN_bn2binpad(s, out + half, (int)half) == (int)half) {
		*olen = 2 * half;
		rc = 0;
	}
	ECDSA_SIG_free(es);
	return rc;
}

/* One EVP signature check; salt >= 0 only for PSS. */
static bool
sig_evp_verify(EVP_PKEY *pub, enum eng_sig_scheme sch, const struct sig_hash *h,
    int salt, const uint8_t *sig, size_t slen, const uint8_t *oct, size_t olen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	bool ok = false;

	if (c != NULL &&
	    EVP_DigestVerifyInit_ex(c, &pc, h->md, NULL, NULL, pub, NULL) ==
		1 &&
	    (sch != ENG_SIG_RSA_PSS ||
		(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_rsa_mgf1_md_name(pc, h->md, NULL) == 1 &&
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, salt) == 1)) &&
	    EVP_DigestVerify(c, sig, slen, oct, olen) == 1)
		ok = true;
	EVP_MD_CTX_free(c);
	ERR_clear_error();
	return ok;
}

/* The hash an AlgorithmIdentifier's parameters name (RFC 4055 3.1). */
static const struct sig_hash *
sig_algor_hash(const X509_ALGOR *al)
{
	const ASN1_OBJECT *obj;

	if (al == NULL)
		return sig_hash_find(HASH_SHA1); /* the DEFAULT */
	X509_ALGOR_get0(&obj, NULL, NULL, al);
	return sig_hash_by_nid(OBJ_obj2nid(obj));
}

/* RFC 4055 3.1: RSASSA-PSS-params; MGF1 with the same hash, trailer 1. */
static const struct sig_hash *
sig_pss_params(const void *pval, int ptype, int *salt)
{
	const ASN1_STRING *seq = pval;
	const struct sig_hash *h = NULL, *mh = NULL;
	const unsigned char *p;
	const ASN1_OBJECT *mobj;
	const void *mval;
	RSA_PSS_PARAMS *pp;
	X509_ALGOR *mgfh = NULL;
	int mtype;

	if (ptype != V_ASN1_SEQUENCE || seq == NULL)
		return NULL;
	p = ASN1_STRING_get0_data(seq);
	pp = d2i_RSA_PSS_PARAMS(NULL, &p, ASN1_STRING_length(seq));
	if (pp == NULL)
		return NULL;
	h = sig_algor_hash(pp->hashAlgorithm);
	*salt = pp->saltLength ? (int)ASN1_INTEGER_get(pp->saltLength) : 20;
	if (pp->maskGenAlgorithm != NULL) {
		X509_ALGOR_get0(&mobj, &mtype, &mval, pp->maskGenAlgorithm);
		if (OBJ_obj2nid(mobj) == NID_mgf1 && mtype == V_ASN1_SEQUENCE) {
			p = ASN1_STRING_get0_data(mval);
			mgfh =
			    d2i_X509_ALGOR(NULL, &p, ASN1_STRING_length(mval));
			if (mgfh != NULL)
				mh = sig_algor_hash(mgfh);
		}
	} else {
		mh = sig_hash_find(HASH_SHA1);
	}
	if (h != mh || *salt < 0 || *salt > 512 ||
	    (pp->trailerField && ASN1_INTEGER_get(pp->trailerField) != 1))
		h = NULL;
	X509_ALGOR_free(mgfh);
	RSA_PSS_PARAMS_free(pp);
	return h;
}

/* RFC 7427 3: length octet, AlgorithmIdentifier, signature. */
static bool
sig_verify_7427(EVP_PKEY *pub, const uint8_t *data, size_t len,
    const uint8_t *oct, size_t olen, const char **why)
{
	const unsigned char *p = data + 1;
	const struct sig_hash *h = NULL;
	enum eng_sig_scheme sch;
	const ASN1_OBJECT *obj;
	const void *pval;
	X509_ALGOR *al;
	int ptype, nid, salt = -1;
	bool ok = false;

	*why = "malformed signature AlgorithmIdentifier";
	if (len < 2 || data[0] == 0 || (size_t)data[0] + 1 >= len)
		return false;
	al = d2i_X509_ALGOR(NULL, &p, data[0]);
	if (al == NULL || p != data + 1 + data[0])
		goto done;
	X509_ALGOR_get0(&obj, &ptype, &pval, al);
	nid = OBJ_obj2nid(obj);
	*why = "signature algorithm not accepted";
	if (nid == NID_rsassaPss) {
		sch = ENG_SIG_RSA_PSS;
		h = sig_pss_params(pval, ptype, &salt);
	} else {
		int hnid, pknid;
		if (OBJ_find_sigid_algs(nid, &hnid, &pknid) != 1)
			goto done;
		h = sig_hash_by_nid(hnid);
		if (pknid == NID_rsaEncryption)
			sch = ENG_SIG_RSA_PKCS1;
		else if (pknid == NID_X9_62_id_ecPublicKey)
			sch = ENG_SIG_ECDSA;
		else
			goto done;
	}
	if (h == NULL || (sig_hashes_ours() & 1u << h->id) == 0)
		goto done;
	*why = "signature key does not match the certificate's";
	if (sch == ENG_SIG_ECDSA ? !EVP_PKEY_is_a(pub, "EC")
				 : !EVP_PKEY_is_a(pub, "RSA") &&
		    !(sch == ENG_SIG_RSA_PSS && EVP_PKEY_is_a(pub, "RSA-PSS")))
		goto done;
	*why = "signature does not verify";
	p = data + 1 + data[0];
	ok = sig_evp_verify(pub, sch, h, salt, p, len - 1 - data[0], oct, olen);
done:
	X509_ALGOR_free(al);
	ERR_clear_error();
	return ok;
}

/* RFC 4754 7: r | s to the DER EVP verifies. */
static bool
sig_verify_4754(EVP_PKEY *pub, uint8_t method, const uint8_t *data, size_t len,
    const uint8_t *oct, size_t olen, const char **why)
{
	uint8_t m, der[2 * 66 + 16], *dp = der;
	uint16_t hash;
	size_t half;
	ECDSA_SIG *es = NULL;
	BIGNUM *r, *s;
	bool ok = false;
	int dl;

	*why = "signature key does not match the certificate's";
	if (!EVP_PKEY_is_a(pub, "EC") ||
	    sig_ecdsa_curve(pub, &m, &hash, &half) == -1 || m != method)
		return false;
	*why = "malformed ECDSA signature";
	if (len != 2 * half)
		return false;
	r = BN_bin2bn(data, (int)half, NULL);
	s = BN_bin2bn(data + half, (int)half, NULL);
	if (r == NULL || s == NULL || (es = ECDSA_SIG_new()) == NULL ||
	    ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		goto done;
	}
	if ((dl = i2d_ECDSA_SIG(es, NULL)) <= 0 || (size_t)dl > sizeof(der) ||
	    i2d_ECDSA_SIG(es, &dp) != dl)
		goto done;
	*why = "signature does not verify";
	ok = sig_evp_verify(pub, ENG_SIG_ECDSA, sig_hash_find(hash), -1, der,
	    (size_t)dl, oct, olen);
done:
	ECDSA_SIG_free(es);
	return ok;
}

bool
sig_verify(X509 *peer, uint8_t method, const uint8_t *data, size_t len,
    const uint8_t *octets, size_t olen, const char **why)
{
	EVP_PKEY *pub = X509_get0_pubkey(peer);

	*why = "no public key in the certificate";
	if (pub == NULL)
		return false;
	switch (method) {
	case AUTH_DIGITAL_SIGNATURE:
		return sig_verify_7427(pub, data, len, octets, olen, why);
	case AUTH_ECDSA_256:
	case AUTH_ECDSA_384:
	case AUTH_ECDSA_521:
		return sig_verify_4754(
		    pub, method, data, len, octets, olen, why);
	case AUTH_RSA_SIG:
		*why = "signature key does not match the certificate's";
		if (!EVP_PKEY_is_a(pub, "RSA"))
			return false;
		*why = "signature does not verify";
		/* RFC 7296 3.8: PKCS#1 v1.5, SHA-1 as the RFC's peers use it */
		return sig_evp_verify(pub, ENG_SIG_RSA_PKCS1,
		    sig_hash_find(HASH_SHA1), -1, data, len, octets, olen);
	}
	*why = "authentication method not accepted";
	return false;
}

int
sig_sign(EVP_PKEY *key, enum eng_sig_scheme scheme, uint16_t hash,
    const uint8_t *octets, size_t olen, uint8_t *sig, size_t cap, size_t *slen)
{
	const struct sig_hash *h = sig_hash_find(hash);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	size_t n = 0;
	int rc = -1;

	if (c == NULL || h == NULL ||
	    (scheme == ENG_SIG_ECDSA) != (EVP_PKEY_is_a(key, "EC") == 1))
		goto done;
	if (EVP_DigestSignInit_ex(c, &pc, h->md, NULL, NULL, key, NULL) != 1)
		goto done;
	if (scheme == ENG_SIG_RSA_PSS &&
	    (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) != 1 ||
		EVP_PKEY_CTX_set_rsa_mgf1_md_name(pc, h->md, NULL) != 1 ||
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, (int)h->len) != 1))
		goto done;
	if (EVP_DigestSign(c, NULL, &n, octets, olen) != 1 || n > cap)
		goto done;
	if (EVP_DigestSign(c, sig, &n, octets, olen) != 1)
		goto done;
	*slen = n;
	rc = 0;
done:
	EVP_MD_CTX_free(c);
	ERR_clear_error();
	return rc;
}

int
sig_spki_sha1(X509 *ca, uint8_t out[SIG_SHA1_LEN])
{
	unsigned char *der = NULL;
	unsigned int n = 0;
	int dl, rc = -1;

	dl = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(ca), &der);
	if (dl > 0 &&
	    EVP_Digest(der, (size_t)dl, out, &n, EVP_sha1(), NULL) == 1 &&
	    n == SIG_SHA1_LEN)
		rc = 0;
	OPENSSL_free(der);
	return rc;
}
