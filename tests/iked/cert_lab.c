/*
 * cert_lab: the certificate tests' harness (cert_lab.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "iked/ikev2.h"
#include "lib/sb.h"
#include "tests/iked/cert_lab.h"
/* The mock dataplane: counts the SAs installed. */

static int
mock_sa_add(struct dp *dp, const struct dp_sa *sa)
{
	dp->n++;
	return 0;
}

static int
mock_sa_del(struct dp *dp, uint32_t spi, bool inbound)
{
	dp->n--;
	return 0;
}

static const struct dp_ops mock_ops = {
	.name = "mock",
	.sa_add = mock_sa_add,
	.sa_del = mock_sa_del,
};

struct pkt *
pkt_new(int to, const uint8_t *p, size_t len, const struct sockaddr_in *from,
    const struct sockaddr_in *dst)
{
	struct pkt *k = calloc(1, sizeof(*k) + len);

	k->to = to;
	k->len = len;
	k->from = *from;
	k->dst = *dst;
	memcpy(k->p, p, len);
	return k;
}

void
wire_queue(struct wire *w, struct pkt *k)
{
	*w->tail = k;
	w->tail = &k->next;
	event_active(w->ev, 0, 0);
}

static int
wire_send(void *ctx, const uint8_t *p, size_t len, const struct sockaddr *local,
    const struct sockaddr *remote)
{
	struct end *me = ctx;
	struct wire *w = me->w;
	struct sockaddr_in from = w->addr[me->side];
	const struct sockaddr_in *dst = (const struct sockaddr_in *)remote;
	int to = 1 - me->side;

	ck_assert_int_eq(dst->sin_addr.s_addr, w->addr[to].sin_addr.s_addr);
	w->sent++;
	if (w->nlog < WIRE_LOG_MAX)
		w->log[w->nlog++] = pkt_new(to, p, len, &from, dst);
	if (w->sent == w->drop_at)
		return 0;
	if (w->drop_b_frag && me->side == 1 && len > 28 && p[16] == PLD_SKF) {
		w->drop_b_frag = false;
		return 0;
	}
	wire_queue(w, pkt_new(to, p, len, &from, dst));
	return 0;
}

static void
wire_deliver(evutil_socket_t fd, short what, void *arg)
{
	struct wire *w = arg;
	struct pkt *k = w->head;

	if (k == NULL)
		return;
	w->head = k->next;
	if (w->head == NULL)
		w->tail = &w->head;
	else
		event_active(w->ev, 0, 0);
	eng_input(w->eng[k->to], k->p, k->len, (struct sockaddr *)&k->from,
	    (struct sockaddr *)&k->dst);
	free(k);
}

static const struct eng_io wire_io = { .send = wire_send };

double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

bool
wire_run(struct wire *w, bool (*cond)(struct wire *), double secs)
{
	double end = now_s() + secs;

	while (!cond(w)) {
		if (now_s() > end)
			return false;
		if (w->head != NULL) {
			event_base_loop(w->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		} else {
			struct timeval tv = { 0, 20000 };
			event_base_loopexit(w->base, &tv);
			event_base_dispatch(w->base);
		}
	}
	return true;
}

struct eng_peer_stats
pst(struct wire *w, int side)
{
	struct eng_peer_stats s;

	ck_assert_int_eq(eng_peer_stats_get(w->eng[side], "gw", &s), 0);
	return s;
}

struct eng_stats
est(struct wire *w, int side)
{
	struct eng_stats s;

	eng_stats_get(w->eng[side], &s);
	return s;
}

bool
both_up(struct wire *w)
{
	return pst(w, 0).ike_up == 1 && pst(w, 1).ike_up == 1 &&
	    w->dp[0].n == 2 && w->dp[1].n == 2;
}

bool
auth_failed(struct wire *w)
{
	return pst(w, 0).auth_failed >= 1 && pst(w, 0).ike_sas == 0 &&
	    w->head == NULL;
}

bool
quiet(struct wire *w)
{
	return w->head == NULL;
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

	snprintf(path, sizeof(path), "%s/%s.pem", w->dir[side], profile);
	pem_write(path, ca, NULL);
	sb_init(&err);
	ck_assert_msg(pki_ca_load(w->st[side], profile, path, NULL, &err) == 0,
	    "%s", sb_str(&err));
	sb_free(&err);
}

void
store_local(struct wire *w, int side, X509 *x, EVP_PKEY *k)
{
	char cpath[128], kpath[128];
	struct sb err;

	snprintf(cpath, sizeof(cpath), "%s/me.crt", w->dir[side]);
	snprintf(kpath, sizeof(kpath), "%s/me.key", w->dir[side]);
	pem_write(cpath, x, NULL);
	pem_write(kpath, NULL, k);
	sb_init(&err);
	ck_assert_msg(
	    pki_local_load(w->st[side], "me", cpath, kpath, &err) == 0, "%s",
	    sb_str(&err));
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

/* The key source: one PPK, "ppk-lab-1", answered at once. */
static void
keys_get_by_id(void *ctx, const char *profile, const char *key_id,
    eng_ppk_done done, void *cb_ctx)
{
	uint8_t key[32];

	memset(key, 0x5a, sizeof(key));
	if (strcmp(key_id, "ppk-lab-1") == 0)
		done(cb_ctx, key_id, key, sizeof(key), NULL);
	else
		done(cb_ctx, key_id, NULL, 0, "unknown-key-id");
}

static void
keys_get(void *ctx, const char *profile, eng_ppk_done done, void *cb_ctx)
{
	keys_get_by_id(ctx, profile, "ppk-lab-1", done, cb_ctx);
}

static const struct eng_keysrc keysrc = {
	.get_key = keys_get,
	.get_key_by_id = keys_get_by_id,
};

struct wire *
wire_new(struct lab *l)
{
	struct wire *w = calloc(1, sizeof(*w));
	struct sb err;

	w->base = event_base_new();
	w->ev = event_new(w->base, -1, 0, wire_deliver, w);
	w->tail = &w->head;
	l->root_key = key_make(KT_EC256);
	l->root =
	    cert_make("Lab Root", "pki", l->root_key, NULL, NULL, true, NULL);
	for (int i = 0; i < 2; i++) {
		w->addr[i].sin_family = AF_INET;
		w->addr[i].sin_port = htons(500);
		inet_pton(
		    AF_INET, i ? "10.0.0.2" : "10.0.0.1", &w->addr[i].sin_addr);
		w->end[i].w = w;
		w->end[i].side = i;
		snprintf(w->dir[i], sizeof(w->dir[i]), "/tmp/crt-test-XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(w->dir[i]));
		sb_init(&err);
		char sdir[96];
		snprintf(sdir, sizeof(sdir), "%s/store", w->dir[i]);
		w->st[i] = pki_store_new(sdir, &err);
		ck_assert_ptr_nonnull(w->st[i]);
		sb_free(&err);
		pki_store_set_ca_profiles(
		    w->st[i], profiles, sizeof(profiles) / sizeof(profiles[0]));
		store_ca(w, i, "lab-ca", l->root);
		w->eng[i] = eng_new(w->base, &wire_io, &w->end[i], &keysrc,
		    NULL, &mock_ops, &w->dp[i]);
		ck_assert_ptr_nonnull(w->eng[i]);
		w->sig[i] = signer_local_new(w->base, w->st[i]);
		eng_set_certs(
		    w->eng[i], w->st[i], signer_local_ops(), w->sig[i]);
	}
	return w;
}

void
wire_free(struct wire *w)
{
	char cmd[128];

	for (int i = 0; i < 2; i++) {
		eng_free(w->eng[i]);
		signer_local_free(w->sig[i]);
		pki_store_free(w->st[i]);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", w->dir[i]);
		ck_assert_int_eq(system(cmd), 0);
	}
	while (w->head != NULL) {
		struct pkt *k = w->head;
		w->head = k->next;
		free(k);
	}
	for (size_t i = 0; i < w->nlog; i++)
		free(w->log[i]);
	event_free(w->ev);
	event_base_free(w->base);
	free(w);
}

static const struct eng_proposal ike_prop = {
	.encr = ENCR_AES_CBC,
	.encr_bits = 256,
	.integ = AUTH_HMAC_SHA2_256_128,
	.prf = PRF_HMAC_SHA2_256,
	.dh = CURVE25519,
	.auth_method = AUTH_DIGITAL_SIGNATURE,
};

void
peer_conf(struct eng_peer *p, int side)
{
	struct sockaddr_in *r = (struct sockaddr_in *)&p->remote;
	struct sockaddr_in *l = (struct sockaddr_in *)&p->local;

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "gw");
	r->sin_family = l->sin_family = AF_INET;
	inet_pton(AF_INET, side ? "10.0.0.1" : "10.0.0.2", &r->sin_addr);
	inet_pton(AF_INET, side ? "10.0.0.2" : "10.0.0.1", &l->sin_addr);
	p->nprop = 1;
	p->prop[0] = ike_prop;
	snprintf(p->local_cert, sizeof(p->local_cert), "me");
	snprintf(p->ca_profile, sizeof(p->ca_profile), "lab-ca");
	p->fragmentation = true;
}

static void
vpn_conf(struct eng_vpn *v, int side)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "vpn1");
	snprintf(v->gateway, sizeof(v->gateway), "gw");
	v->tunnel_id = 500001;
	v->nprop = 1;
	v->prop[0].encr = ENCR_AES_GCM_16;
	v->prop[0].encr_bits = 128;
	v->establish = side == 0 ? ENG_IMMEDIATELY : ENG_RESPONDER_ONLY;
}

void
wire_conf(struct wire *w, const struct eng_peer *pa, const struct eng_peer *pb)
{
	struct eng_vpn va, vb;

	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	ck_assert_int_eq(eng_peer_set(w->eng[1], pb), 0);
	ck_assert_int_eq(eng_vpn_set(w->eng[1], &vb), 0);
	ck_assert_int_eq(eng_vpn_set(w->eng[0], &va), 0);
	ck_assert_int_eq(eng_peer_set(w->eng[0], pa), 0);
}

/* Both sides of type t; the peers as peer_conf makes them. */
struct wire *
wire_lab(struct lab *l, enum kt ta, enum kt tb, struct eng_peer *pa,
    struct eng_peer *pb)
{
	struct wire *w = wire_new(l);

	lab_side(w, l, 0, ta);
	lab_side(w, l, 1, tb);
	peer_conf(pa, 0);
	peer_conf(pb, 1);
	return w;
}
