/*
 * cert_lab: the certificate tests' harness (cert_lab.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef ENG_WIRE_ABORT
#include "tests/fuzz/ck_abort.h" /* the engine fuzz harness links it */
#else
#include <check.h>
#endif
#include <event2/event.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "iked/ikev2.h"
#include "lib/sb.h"
#include "tests/iked/cert_lab.h"

struct certs *
certs_of(struct wire *w)
{
	return w->ctx;
}

bool
auth_failed(struct wire *w)
{
	return pst(w, 0).auth_failed >= 1 && pst(w, 0).ike_sas == 0 &&
	    w->head == NULL;
}

/* drop_b_frag: B's first SKF datagram (RFC 7383 2.5) is lost. */
static bool
certs_drop(struct wire *w, int side, const uint8_t *p, size_t len)
{
	struct certs *c = w->ctx;

	if (!c->drop_b_frag || side != 1 || len <= 28 || p[16] != PLD_SKF)
		return false;
	c->drop_b_frag = false;
	return true;
}

/* Certificates made here. */

EVP_PKEY *
key_make(enum kt t)
{
	EVP_PKEY *k = NULL;

	switch (t) {
	case KT_RSA:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		break;
	case KT_EC256: k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"); break;
	case KT_EC384: k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"); break;
	case KT_EC521: k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521"); break;
	}
	ck_assert_ptr_nonnull(k);
	return k;
}

static void
cert_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ex;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ck_assert_ptr_nonnull(ex);
	X509_add_ext(x, ex, -1);
	X509_EXTENSION_free(ex);
}

/* subject "C=US/O=qsafe/OU=vpn/CN=x" style; issuer NULL: self-signed. */
X509 *
cert_make(const char *cn, const char *ou, EVP_PKEY *key, X509 *issuer,
    EVP_PKEY *ikey, bool ca, const char *san)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(
	    n, "C", MBSTRING_ASC, (const unsigned char *)"US", -1, -1, 0);
	X509_NAME_add_entry_by_txt(
	    n, "O", MBSTRING_ASC, (const unsigned char *)"qsafe", -1, -1, 0);
	X509_NAME_add_entry_by_txt(
	    n, "OU", MBSTRING_ASC, (const unsigned char *)ou, -1, -1, 0);
	X509_NAME_add_entry_by_txt(
	    n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_NAME_free(n);
	X509_set_pubkey(x, key);
	cert_ext(x, issuer, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "CA:FALSE");
	cert_ext(x, issuer, NID_key_usage,
	    ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
	cert_ext(x, issuer, NID_subject_key_identifier, "hash");
	if (issuer != NULL)
		cert_ext(x, issuer, NID_authority_key_identifier, "keyid");
	if (san != NULL)
		cert_ext(x, issuer, NID_subject_alt_name, san);
	ck_assert_int_gt(X509_sign(x, ikey ? ikey : key, EVP_sha256()), 0);
	return x;
}

static void
pem_write(const char *path, X509 *x, EVP_PKEY *k)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	if (x != NULL)
		ck_assert_int_eq(PEM_write_X509(f, x), 1);
	if (k != NULL)
		ck_assert_int_eq(
		    PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
}

/* The profiles every store knows (revocation-check disable). */
static const struct pki_ca_profile profiles[] = {
	{ .name = "lab-ca" },
	{ .name = "other-ca" },
	{ .name = "inter1" },
	{ .name = "inter2" },
};

void
store_ca(struct wire *w, int side, const char *profile, X509 *ca)
{
	char path[128];
	struct sb err;

	snprintf(
	    path, sizeof(path), "%s/%s.pem", certs_of(w)->dir[side], profile);
	pem_write(path, ca, NULL);
	sb_init(&err);
	ck_assert_msg(
	    pki_ca_load(certs_of(w)->st[side], profile, path, NULL, &err) == 0,
	    "%s", sb_str(&err));
	sb_free(&err);
}

void
store_local(struct wire *w, int side, X509 *x, EVP_PKEY *k)
{
	char cpath[128], kpath[128];
	struct sb err;

	snprintf(cpath, sizeof(cpath), "%s/me.crt", certs_of(w)->dir[side]);
	snprintf(kpath, sizeof(kpath), "%s/me.key", certs_of(w)->dir[side]);
	pem_write(cpath, x, NULL);
	pem_write(kpath, NULL, k);
	sb_init(&err);
	ck_assert_msg(pki_local_load(
			  certs_of(w)->st[side], "me", cpath, kpath, &err) == 0,
	    "%s", sb_str(&err));
	sb_free(&err);
}

/* A lab: one root ("lab-ca" on both sides) and a certificate per side. */

void
lab_side(struct wire *w, struct lab *l, int side, enum kt t)
{
	EVP_PKEY *k = key_make(t);
	X509 *x = cert_make(side ? "gw-b" : "gw-a", "vpn", k, l->root,
	    l->root_key, false, side ? "IP:10.0.0.2" : "IP:10.0.0.1");

	store_local(w, side, x, k);
	X509_free(x);
	EVP_PKEY_free(k);
}

void
lab_free(struct lab *l)
{
	X509_free(l->root);
	EVP_PKEY_free(l->root_key);
}

static void
certs_fini(struct wire *w)
{
	struct certs *c = w->ctx;
	char cmd[128];

	for (int i = 0; i < 2; i++) {
		signer_local_free(c->sig[i]);
		pki_store_free(c->st[i]);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", c->dir[i]);
		ck_assert_int_eq(system(cmd), 0);
	}
	free(c);
}

struct wire *
cert_wire_new(struct lab *l)
{
	struct wire *w = wire_new();
	struct certs *c = calloc(1, sizeof(*c));
	struct sb err;
	char sdir[96];

	ck_assert_ptr_nonnull(c);
	w->ctx = c;
	w->drop = certs_drop;
	w->fini = certs_fini;
	w->real_clock = true;
	l->root_key = key_make(KT_EC256);
	l->root =
	    cert_make("Lab Root", "pki", l->root_key, NULL, NULL, true, NULL);
	for (int i = 0; i < 2; i++) {
		eng_clock_set(w->eng[i], NULL, NULL);
		snprintf(c->dir[i], sizeof(c->dir[i]), "/tmp/crt-test-XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(c->dir[i]));
		sb_init(&err);
		snprintf(sdir, sizeof(sdir), "%s/store", c->dir[i]);
		c->st[i] = pki_store_new(sdir, &err);
		ck_assert_ptr_nonnull(c->st[i]);
		sb_free(&err);
		pki_store_set_ca_profiles(
		    c->st[i], profiles, sizeof(profiles) / sizeof(profiles[0]));
		store_ca(w, i, "lab-ca", l->root);
		c->sig[i] = signer_local_new(w->base, c->st[i]);
		eng_set_certs(
		    w->eng[i], c->st[i], signer_local_ops(), c->sig[i]);
	}
	return w;
}

/* eng_wire's peer, authenticated by certificate "me" from "lab-ca". */
void
cert_peer_conf(struct eng_peer *p, int side)
{
	peer_conf(p, side, "");
	p->prop[0].auth_method = AUTH_DIGITAL_SIGNATURE;
	snprintf(p->local_cert, sizeof(p->local_cert), "me");
	snprintf(p->ca_profile, sizeof(p->ca_profile), "lab-ca");
	p->fragmentation = true;
}

void
cert_wire_conf(
    struct wire *w, const struct eng_peer *pa, const struct eng_peer *pb)
{
	struct eng_vpn va, vb;

	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	wire_conf(w, pa, pb, &va, &vb);
}

/* Both sides of type t; the peers as cert_peer_conf makes them. */
struct wire *
wire_lab(struct lab *l, enum kt ta, enum kt tb, struct eng_peer *pa,
    struct eng_peer *pb)
{
	struct wire *w = cert_wire_new(l);

	lab_side(w, l, 0, ta);
	lab_side(w, l, 1, tb);
	cert_peer_conf(pa, 0);
	cert_peer_conf(pb, 1);
	return w;
}
