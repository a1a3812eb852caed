/*
 * conf_prop: IKE and ESP proposals from the configuration, as IANA
 * numbers (ikev2.h) in eng_proposal.
 *
 * A policy names its proposals (`proposals [ P1 P2 ]`, in that order of
 * preference) or one of Junos's proposal sets (`proposal-set standard`),
 * expanded below into the proposals Junos names for them (pre-g2-aes128-
 * sha, g2-esp-3des-sha, ...).  "policy (Security IKE)" and "policy
 * (Security IPsec)" list the sets; the expansions were not in the stored
 * pages and are written from Junos's documentation as known, to be checked
 * on a device.  suiteb-gcm-* follow RFC 6379; prime-* are the same suites
 * with AES-GCM for IKE.  A proposal of a set that this build's
 * crypto (crypto.h) does not do is left out; a set left empty, or a named
 * proposal with an algorithm crypto.h does not do, is refused in check.
 *
 * What a proposal leaves out (qsafe's defaults, Junos has no YANG default
 * for them): dh-group group14; encryption aes-128-cbc; the authentication
 * algorithm sha-256 (with an AEAD cipher it gives only the PRF);
 * lifetime 28800 s for IKE and 3600 s for ESP, Junos's documented
 * lifetimes; the authentication method follows the policy's credentials
 * (pre-shared-key: PSK, certificate: RSA signatures).  An ESP proposal
 * without either algorithm is aes-128-gcm; with a CBC cipher and no
 * authentication algorithm, hmac-sha-256-128.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iked/conf.h"
#include "iked/crypto.h"
#include "iked/ikev2.h"
#include "schema/path.h"

#define ENCR_DES_IANA 2	      /* RFC 7296 3.3.2: ENCR_DES */
#define MODP_768_IANA 1	      /* RFC 7296 3.3.2: DH group 1 */
#define XF_UNSUPPORTED 0xffff /* no IANA number */
#define IKE_LIFETIME_DEFAULT 28800
#define ESP_LIFETIME_DEFAULT 3600

struct prop_encr {
	const char *name;
	uint16_t id, bits;
	bool aead;
};

static const struct prop_encr prop_encrs[] = {
	{ "des-cbc", ENCR_DES_IANA, 0, false },
	{ "3des-cbc", ENCR_3DES, 0, false },
	{ "aes-128-cbc", ENCR_AES_CBC, 128, false },
	{ "aes-192-cbc", ENCR_AES_CBC, 192, false },
	{ "aes-256-cbc", ENCR_AES_CBC, 256, false },
	/* RFC 5282 / 4106: Junos's GCM is the 16-octet ICV variant */
	{ "aes-128-gcm", ENCR_AES_GCM_16, 128, true },
	{ "aes-192-gcm", ENCR_AES_GCM_16, 192, true },
	{ "aes-256-gcm", ENCR_AES_GCM_16, 256, true },
	{ "chacha20-poly1305", ENCR_CHACHA20_POLY1305, 0, true }, /* RFC 7634 */
};

/* IKE `authentication-algorithm`: the PRF and the integrity transform. */
struct prop_hash {
	const char *name;
	uint16_t prf, integ;
};

static const struct prop_hash prop_ike_hashes[] = {
	{ "md5", PRF_HMAC_MD5, AUTH_HMAC_MD5_96 },
	{ "sha1", PRF_HMAC_SHA1, AUTH_HMAC_SHA1_96 },
	{ "sha-256", PRF_HMAC_SHA2_256, AUTH_HMAC_SHA2_256_128 }, /* RFC 4868 */
	{ "sha-384", PRF_HMAC_SHA2_384, AUTH_HMAC_SHA2_384_192 },
	{ "sha-512", PRF_HMAC_SHA2_512, AUTH_HMAC_SHA2_512_256 },
};

static const struct prop_hash prop_esp_hashes[] = {
	{ "hmac-md5-96", 0, AUTH_HMAC_MD5_96 },
	{ "hmac-sha1-96", 0, AUTH_HMAC_SHA1_96 },
	{ "hmac-sha-256-128", 0, AUTH_HMAC_SHA2_256_128 },
	/* pre-RFC 4868 truncation, no IANA number */
	{ "hmac-sha-256-96", 0, XF_UNSUPPORTED },
	{ "hmac-sha-384", 0, AUTH_HMAC_SHA2_384_192 },
	{ "hmac-sha-512", 0, AUTH_HMAC_SHA2_512_256 },
};

static const struct {
	const char *name;
	uint8_t method;
} prop_auth_methods[] = {
	{ "pre-shared-keys", AUTH_SHARED_KEY_MIC },
	{ "rsa-signatures", AUTH_RSA_SIG },
	{ "dsa-signatures", AUTH_DSS_SIG },
	{ "ecdsa-signatures-256", AUTH_ECDSA_256 }, /* RFC 4754 */
	{ "ecdsa-signatures-384", AUTH_ECDSA_384 },
	{ "ecdsa-signatures-521", AUTH_ECDSA_521 },
	{ "certificates", AUTH_DIGITAL_SIGNATURE }, /* RFC 7427 */
	{ "digital-signature", AUTH_DIGITAL_SIGNATURE },
};

/*
 * One proposal of a set, by its Junos name: "pre-g2-aes128-sha" is
 * preshared keys, DH group 2, AES-128-CBC, SHA-1; "g2-esp-3des-sha" an
 * ESP proposal with PFS group 2; "nopfs-..." without PFS.
 */
struct prop_set_entry {
	const char *name;
	const char *encr, *hash; /* Junos names, IKE or ESP tables */
	uint16_t dh;
	uint8_t sig; /* the set's signature method; 0: policy's */
};

struct prop_set {
	const char *name;
	struct prop_set_entry ike[4], esp[4];
};

static const struct prop_set prop_sets[] = {
	{ "basic",
	    { { "pre-g1-des-sha", "des-cbc", "sha1", MODP_768_IANA, 0 },
		{ "pre-g1-des-md5", "des-cbc", "md5", MODP_768_IANA, 0 } },
	    { { "nopfs-esp-des-sha", "des-cbc", "hmac-sha1-96", 0, 0 },
		{ "nopfs-esp-des-md5", "des-cbc", "hmac-md5-96", 0, 0 } } },
	{ "compatible",
	    { { "pre-g2-3des-sha", "3des-cbc", "sha1", MODP_1024, 0 },
		{ "pre-g2-3des-md5", "3des-cbc", "md5", MODP_1024, 0 },
		{ "pre-g2-des-sha", "des-cbc", "sha1", MODP_1024, 0 },
		{ "pre-g2-des-md5", "des-cbc", "md5", MODP_1024, 0 } },
	    { { "nopfs-esp-3des-sha", "3des-cbc", "hmac-sha1-96", 0, 0 },
		{ "nopfs-esp-3des-md5", "3des-cbc", "hmac-md5-96", 0, 0 },
		{ "nopfs-esp-des-sha", "des-cbc", "hmac-sha1-96", 0, 0 },
		{ "nopfs-esp-des-md5", "des-cbc", "hmac-md5-96", 0, 0 } } },
	{ "standard",
	    { { "pre-g2-aes128-sha", "aes-128-cbc", "sha1", MODP_1024, 0 },
		{ "pre-g2-3des-sha", "3des-cbc", "sha1", MODP_1024, 0 } },
	    { { "g2-esp-3des-sha", "3des-cbc", "hmac-sha1-96", MODP_1024, 0 },
		{ "g2-esp-aes128-sha", "aes-128-cbc", "hmac-sha1-96", MODP_1024,
		    0 } } },
	/* RFC 6379 2 and 3: IKEv2 with AES-CBC, ESP with AES-GCM-16 */
	{ "suiteb-gcm-128",
	    { { "suiteb-gcm-128", "aes-128-cbc", "sha-256", ECP_256,
		AUTH_ECDSA_256 } },
	    { { "g19-esp-aes-gcm-128", "aes-128-gcm", NULL, ECP_256, 0 } } },
	{ "suiteb-gcm-256",
	    { { "suiteb-gcm-256", "aes-256-cbc", "sha-384", ECP_384,
		AUTH_ECDSA_384 } },
	    { { "g20-esp-aes-gcm-256", "aes-256-gcm", NULL, ECP_384, 0 } } },
	/* PRIME: AES-GCM for IKE too */
	{ "prime-128",
	    { { "prime-128", "aes-128-gcm", "sha-256", ECP_256,
		AUTH_ECDSA_256 } },
	    { { "g19-esp-aes-gcm-128", "aes-128-gcm", NULL, ECP_256, 0 } } },
	{ "prime-256",
	    { { "prime-256", "aes-256-gcm", "sha-384", ECP_384,
		AUTH_ECDSA_384 } },
	    { { "g20-esp-aes-gcm-256", "aes-256-gcm", NULL, ECP_384, 0 } } },
};

void
iconf_err(struct iconf_ctx *x, const struct cnode *at, const char *stmt,
    const char *fmt, ...)
{
	char msg[512];
	struct sb edit;
	va_list ap;

	if (x->errs == NULL)
		return;
	sb_init(&edit);
	sb_puts(&edit, "[edit ");
	cnode_path_text(at, &edit);
	sb_putc(&edit, ']');
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	verrs_add(x->errs, sb_str(&edit), stmt, msg, false);
	sb_free(&edit);
}

uint16_t
iconf_dh_group(const char *name)
{
	unsigned long g;
	char *end;

	if (name == NULL || strncmp(name, "group", 5) != 0)
		return 0;
	g = strtoul(name + 5, &end, 10);
	return *end == '\0' && g > 0 && g < 256 ? (uint16_t)g : 0;
}

static const struct prop_encr *
prop_encr_find(const char *name)
{
	for (size_t i = 0; i < sizeof(prop_encrs) / sizeof(prop_encrs[0]); i++)
		if (strcmp(prop_encrs[i].name, name) == 0)
			return &prop_encrs[i];
	return NULL;
}

static const struct prop_hash *
prop_hash_find(const struct prop_hash *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

#define PROP_IKE_HASH(name) \
	prop_hash_find(prop_ike_hashes, \
	    sizeof(prop_ike_hashes) / sizeof(prop_ike_hashes[0]), (name))
#define PROP_ESP_HASH(name) \
	prop_hash_find(prop_esp_hashes, \
	    sizeof(prop_esp_hashes) / sizeof(prop_esp_hashes[0]), (name))

const struct encr_alg *
iconf_esp_encr(const char *name)
{
	const struct prop_encr *e = prop_encr_find(name);

	return e != NULL ? crypto_encr(e->id, e->bits) : NULL;
}

const struct integ_alg *
iconf_esp_integ(const char *name)
{
	const struct prop_hash *h = PROP_ESP_HASH(name);

	return h != NULL && h->integ != XF_UNSUPPORTED ? crypto_integ(h->integ)
						       : NULL;
}

/*
 * Why p cannot run here (a static string), or NULL when crypto.h does
 * every transform of it.
 */
static const char *
prop_unsupported(const struct eng_proposal *p, bool ike)
{
	const struct encr_alg *e = crypto_encr(p->encr, p->encr_bits);

	if (e == NULL)
		return "encryption-algorithm";
	if (!e->aead && crypto_integ(p->integ) == NULL)
		return "authentication-algorithm";
	if (ike && crypto_prf(p->prf) == NULL)
		return "authentication-algorithm";
	if (p->dh != 0 && crypto_dh_len(p->dh) == 0)
		return ike ? "dh-group" : "perfect-forward-secrecy";
	return NULL;
}

/* Fills p from the names; false when a name is unknown. */
static bool
prop_fill(struct eng_proposal *p, const char *encr, const char *hash, bool ike)
{
	const struct prop_encr *e = prop_encr_find(encr);
	const struct prop_hash *h = NULL;

	if (e == NULL)
		return false;
	p->encr = e->id;
	p->encr_bits = e->bits;
	if (hash != NULL &&
	    (h = ike ? PROP_IKE_HASH(hash) : PROP_ESP_HASH(hash)) == NULL)
		return false;
	if (ike) {
		if (h == NULL)
			h = PROP_IKE_HASH("sha-256");
		p->prf = h->prf;
		p->integ = e->aead ? AUTH_NONE : h->integ;
	} else {
		if (h == NULL && !e->aead)
			h = PROP_ESP_HASH("hmac-sha-256-128");
		p->integ = e->aead ? AUTH_NONE : h->integ;
	}
	return true;
}

static const struct prop_set *
prop_set_find(const char *name)
{
	for (size_t i = 0; i < sizeof(prop_sets) / sizeof(prop_sets[0]); i++)
		if (strcmp(prop_sets[i].name, name) == 0)
			return &prop_sets[i];
	return NULL;
}

/* The supported proposals of a set; an error when none is. */
static int
prop_from_set(struct iconf_ctx *x, const struct cnode *policy, const char *set,
    bool ike, uint8_t auth_method, struct eng_proposal *out, size_t *n)
{
	const struct prop_set *s = prop_set_find(set);
	const char *first_why = NULL, *first_name = NULL;

	*n = 0;
	for (size_t i = 0; s != NULL && i < 4; i++) {
		const struct prop_set_entry *pe = ike ? &s->ike[i] : &s->esp[i];
		struct eng_proposal p = { 0 };
		const char *why;

		if (pe->name == NULL)
			break;
		if (!prop_fill(&p, pe->encr, pe->hash, ike))
			continue;
		p.dh = pe->dh;
		p.lifetime_s =
		    ike ? IKE_LIFETIME_DEFAULT : ESP_LIFETIME_DEFAULT;
		if (ike)
			p.auth_method =
			    auth_method == AUTH_SHARED_KEY_MIC || pe->sig == 0
			    ? auth_method
			    : pe->sig;
		if ((why = prop_unsupported(&p, ike)) != NULL) {
			if (first_why == NULL) {
				first_why = why;
				first_name = pe->name;
			}
			continue;
		}
		out[(*n)++] = p;
	}
	if (*n > 0)
		return 0;
	char st[64];

	snprintf(st, sizeof(st), "proposal-set %s", set);
	iconf_err(x, policy, st,
	    "No proposal of the set can run here (%s: its %s is not"
	    " supported)",
	    first_name ? first_name : set,
	    first_why ? first_why : "definition");
	return -1;
}

/* One `security ike proposal P`; 0 / -1. */
static int
prop_ike_one(struct iconf_ctx *x, const struct cnode *pn, uint8_t auth_method,
    struct eng_proposal *p)
{
	const char *am = iconf_kid_val(x, pn, "authentication-method");
	const char *enc = iconf_kid_val(x, pn, "encryption-algorithm");
	const char *hash = iconf_kid_val(x, pn, "authentication-algorithm");
	const char *dh = iconf_kid_val(x, pn, "dh-group");
	const char *lt = iconf_kid_val(x, pn, "lifetime-seconds");
	const char *why;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	if (!prop_fill(p, enc ? enc : "aes-128-cbc", hash, true))
		return -1;
	p->dh = dh ? iconf_dh_group(dh) : MODP_2048;
	p->lifetime_s =
	    lt ? (uint32_t)strtoul(lt, NULL, 10) : IKE_LIFETIME_DEFAULT;
	p->auth_method = auth_method;
	for (size_t i = 0; am != NULL &&
	     i < sizeof(prop_auth_methods) / sizeof(prop_auth_methods[0]);
	     i++)
		if (strcmp(prop_auth_methods[i].name, am) == 0)
			p->auth_method = prop_auth_methods[i].method;
	if ((why = prop_unsupported(p, true)) != NULL) {
		const char *v = strcmp(why, "dh-group") == 0   ? dh
		    : strcmp(why, "encryption-algorithm") == 0 ? enc
							       : hash;
		char st[96];
		snprintf(st, sizeof(st), "%s %s", why, v ? v : "(default)");
		iconf_err(x, pn, st, "This algorithm is not supported by iked");
		rc = -1;
	}
	return rc;
}

/* The proposals of an IKE or IPsec policy: named ones, or a set. */
static int
prop_policy(struct iconf_ctx *x, const struct cnode *policy, bool ike,
    uint8_t auth_method, struct eng_proposal *out, size_t *n)
{
	const struct cnode *root = ike ? x->ike : x->ipsec;
	const char *names[ENG_PROPOSALS_MAX + 1];
	const char *set = iconf_kid_val(x, policy, "proposal-set");
	size_t k =
	    iconf_list(policy, "proposals", names, ENG_PROPOSALS_MAX + 1);
	int rc = 0;

	*n = 0;
	if (k > 0 && set != NULL) {
		iconf_err(x, policy, "proposal-set",
		    "proposal-set and"
		    " proposals cannot both be configured");
		return -1;
	}
	if (set != NULL)
		return prop_from_set(x, policy, set, ike, auth_method, out, n);
	if (k == 0) {
		iconf_err(x, policy, "proposals",
		    "Missing mandatory statement:"
		    " 'proposals' (or 'proposal-set')");
		return -1;
	}
	if (k > ENG_PROPOSALS_MAX) {
		iconf_err(x, policy, "proposals",
		    "At most %d proposals are"
		    " supported",
		    ENG_PROPOSALS_MAX);
		return -1;
	}
	for (size_t i = 0; i < k; i++) {
		const struct cnode *pn =
		    iconf_entry(x, root, "proposal", names[i]);
		if (pn == NULL)
			return -1; /* validate.c names the dangling reference */
		if (ike) {
			if (prop_ike_one(x, pn, auth_method, &out[*n]) == 0)
				(*n)++;
			else
				rc = -1;
			continue;
		}
		const char *proto = iconf_kid_val(x, pn, "protocol");
		const char *enc = iconf_kid_val(x, pn, "encryption-algorithm");
		const char *hash =
		    iconf_kid_val(x, pn, "authentication-algorithm");
		const char *lt = iconf_kid_val(x, pn, "lifetime-seconds");
		const char *kb = iconf_kid_val(x, pn, "lifetime-kilobytes");
		struct eng_proposal *p = &out[*n];
		const char *why;
		memset(p, 0, sizeof(*p));
		char st[96];
		if (proto != NULL && strcmp(proto, "esp") != 0) {
			snprintf(st, sizeof(st), "protocol %s", proto);
			iconf_err(x, pn, st, "Only ESP is supported by iked");
			rc = -1;
			continue;
		}
		if (enc == NULL)
			enc = hash != NULL ? "aes-128-cbc" : "aes-128-gcm";
		prop_fill(p, enc, hash, false);
		p->lifetime_s =
		    lt ? (uint32_t)strtoul(lt, NULL, 10) : ESP_LIFETIME_DEFAULT;
		p->lifetime_kb = kb ? (uint32_t)strtoul(kb, NULL, 10) : 0;
		if (p->integ == XF_UNSUPPORTED ||
		    (why = prop_unsupported(p, false)) != NULL) {
			if (p->integ == XF_UNSUPPORTED ||
			    strcmp(why, "authentication-algorithm") == 0)
				snprintf(st, sizeof(st),
				    "authentication-algorithm %s", hash);
			else
				snprintf(st, sizeof(st),
				    "encryption-algorithm %s", enc);
			iconf_err(x, pn, st,
			    "This algorithm is not supported by iked");
			rc = -1;
			continue;
		}
		(*n)++;
	}
	return rc;
}

int
iconf_ike_proposals(struct iconf_ctx *x, const struct cnode *policy,
    uint8_t auth_method, struct eng_proposal *out, size_t *n)
{
	return prop_policy(x, policy, true, auth_method, out, n);
}

int
iconf_esp_proposals(struct iconf_ctx *x, const struct cnode *policy,
    struct eng_proposal *out, size_t *n)
{
	const char *pfs = iconf_kid_val(
	    x, iconf_kid(x, policy, "perfect-forward-secrecy"), "keys");
	uint16_t g = iconf_dh_group(pfs);

	if (prop_policy(x, policy, false, 0, out, n) == -1)
		return -1;
	if (pfs != NULL && crypto_dh_len(g) == 0) {
		char st[64];
		snprintf(st, sizeof(st), "keys %s", pfs);
		iconf_err(x, iconf_kid(x, policy, "perfect-forward-secrecy"),
		    st,
		    "This Diffie-Hellman group is not"
		    " supported by iked");
		return -1;
	}
	/* RFC 7296 1.3.1: the PFS group of the policy over the set's own */
	for (size_t i = 0; pfs != NULL && i < *n; i++)
		out[i].dh = g;
	return 0;
}
