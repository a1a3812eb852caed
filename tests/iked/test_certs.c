/*
 * test_certs: certificate authentication and IKE fragmentation, two
 * engines in one process over a fake wire (as test_engine.c), each with a
 * pki store of its own in a temporary directory, filled with keys and
 * certificates the test makes with EVP (a root CA, intermediates, end
 * entities).  Signatures come from the in-process signer, or from the
 * real ca process (ca_spawn) in the tests that say so.  Every wait polls
 * the loop with a deadline.
 *
 * A = 10.0.0.1 (initiator), B = 10.0.0.2 (responder); their certificates
 * are CN=gw-a / CN=gw-b, OU=vpn, O=qsafe, C=US with the address as SAN.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "iked/auth_sig.h"
#include "iked/ca.h"
#include "iked/engine.h"
#include "iked/ikev2.h"
#include "iked/pld.h"
#include "lib/msg.h"
#include "lib/sb.h"
#include "pki/pki.h"

#define WIRE_LOG_MAX 128

/* The mock dataplane: counts the SAs installed. */
struct dp {
	int n;
};

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
	.name = "mock", .sa_add = mock_sa_add, .sa_del = mock_sa_del,
};

struct pkt {
	struct pkt *next;
	int to;
	struct sockaddr_in from, dst;
	size_t len;
	uint8_t p[];
};

struct wire;
struct end {
	struct wire *w;
	int side;
};

struct wire {
	struct event_base *base;
	struct event *ev;
	struct pkt *head, **tail;
	struct ike_engine *eng[2];
	struct dp dp[2];
	struct end end[2];
	struct sockaddr_in addr[2];
	struct pki_store *st[2];
	char dir[2][64];
	struct signer_local *sig[2];
	int sent, drop_at;
	size_t nlog;
	struct pkt *log[WIRE_LOG_MAX];
};

static struct pkt *
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

static void
wire_queue(struct wire *w, struct pkt *k)
{
	*w->tail = k;
	w->tail = &k->next;
	event_active(w->ev, 0, 0);
}

static int
wire_send(void *ctx, const uint8_t *p, size_t len,
    const struct sockaddr *local, const struct sockaddr *remote)
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

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool
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

static struct eng_peer_stats
pst(struct wire *w, int side)
{
	struct eng_peer_stats s;

	ck_assert_int_eq(eng_peer_stats_get(w->eng[side], "gw", &s), 0);
	return s;
}

static struct eng_stats
est(struct wire *w, int side)
{
	struct eng_stats s;

	eng_stats_get(w->eng[side], &s);
	return s;
}

static bool
both_up(struct wire *w)
{
	return pst(w, 0).ike_up == 1 && pst(w, 1).ike_up == 1 &&
	    w->dp[0].n == 2 && w->dp[1].n == 2;
}

static bool
auth_failed(struct wire *w)
{
	return pst(w, 0).auth_failed >= 1 && pst(w, 0).ike_sas == 0 &&
	    w->head == NULL;
}

static bool
quiet(struct wire *w)
{
	return w->head == NULL;
}

/* Certificates made here. */
enum kt { KT_RSA, KT_EC256, KT_EC384, KT_EC521 };

static EVP_PKEY *
key_make(enum kt t)
{
	EVP_PKEY *k = NULL;

	switch (t) {
	case KT_RSA:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		break;
	case KT_EC256:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case KT_EC384:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	case KT_EC521:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
		break;
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
static X509 *
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
	X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC,
	    (const unsigned char *)"US", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
	    (const unsigned char *)"qsafe", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_ASC,
	    (const unsigned char *)ou, -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_NAME_free(n);
	X509_set_pubkey(x, key);
	cert_ext(x, issuer, NID_basic_constraints, ca ? "critical,CA:TRUE" :
	    "CA:FALSE");
	cert_ext(x, issuer, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" :
	    "critical,digitalSignature");
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
		ck_assert_int_eq(PEM_write_PrivateKey(f, k, NULL, NULL, 0,
		    NULL, NULL), 1);
	fclose(f);
}

/* The profiles every store knows (revocation-check disable). */
static const struct pki_ca_profile profiles[] = {
	{ .name = "lab-ca" }, { .name = "other-ca" },
	{ .name = "inter1" }, { .name = "inter2" },
};

static void
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

static void
store_local(struct wire *w, int side, X509 *x, EVP_PKEY *k)
{
	char cpath[128], kpath[128];
	struct sb err;

	snprintf(cpath, sizeof(cpath), "%s/me.crt", w->dir[side]);
	snprintf(kpath, sizeof(kpath), "%s/me.key", w->dir[side]);
	pem_write(cpath, x, NULL);
	pem_write(kpath, NULL, k);
	sb_init(&err);
	ck_assert_msg(pki_local_load(w->st[side], "me", cpath, kpath,
	    &err) == 0, "%s", sb_str(&err));
	sb_free(&err);
}

/* A lab: one root ("lab-ca" on both sides) and a certificate per side. */
struct lab {
	EVP_PKEY *root_key;
	X509 *root;
};

static void
lab_side(struct wire *w, struct lab *l, int side, enum kt t)
{
	EVP_PKEY *k = key_make(t);
	X509 *x = cert_make(side ? "gw-b" : "gw-a", "vpn", k, l->root,
	    l->root_key, false, side ? "IP:10.0.0.2" : "IP:10.0.0.1");

	store_local(w, side, x, k);
	X509_free(x);
	EVP_PKEY_free(k);
}

static void
lab_free(struct lab *l)
{
	X509_free(l->root);
	EVP_PKEY_free(l->root_key);
}

static struct wire *
wire_new(struct lab *l)
{
	struct wire *w = calloc(1, sizeof(*w));
	struct sb err;

	w->base = event_base_new();
	w->ev = event_new(w->base, -1, 0, wire_deliver, w);
	w->tail = &w->head;
	l->root_key = key_make(KT_EC256);
	l->root = cert_make("Lab Root", "pki", l->root_key, NULL, NULL, true,
	    NULL);
	for (int i = 0; i < 2; i++) {
		w->addr[i].sin_family = AF_INET;
		w->addr[i].sin_port = htons(500);
		inet_pton(AF_INET, i ? "10.0.0.2" : "10.0.0.1",
		    &w->addr[i].sin_addr);
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
		pki_store_set_ca_profiles(w->st[i], profiles,
		    sizeof(profiles) / sizeof(profiles[0]));
		store_ca(w, i, "lab-ca", l->root);
		w->eng[i] = eng_new(w->base, &wire_io, &w->end[i], NULL, NULL,
		    &mock_ops, &w->dp[i]);
		ck_assert_ptr_nonnull(w->eng[i]);
		w->sig[i] = signer_local_new(w->base, w->st[i]);
		eng_set_certs(w->eng[i], w->st[i], signer_local_ops(),
		    w->sig[i]);
	}
	return w;
}

static void
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
	.encr = ENCR_AES_CBC, .encr_bits = 256,
	.integ = AUTH_HMAC_SHA2_256_128, .prf = PRF_HMAC_SHA2_256,
	.dh = CURVE25519, .auth_method = AUTH_DIGITAL_SIGNATURE,
};

static void
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

static void
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
static struct wire *
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

static void
assert_up(struct wire *w)
{
	ck_assert_msg(wire_run(w, both_up, 10), "not up: A auth_failed %lu, "
	    "B auth_failed %lu", (unsigned long)pst(w, 0).auth_failed,
	    (unsigned long)pst(w, 1).auth_failed);
	ck_assert_uint_eq(pst(w, 0).auth_failed, 0);
	ck_assert_uint_eq(pst(w, 1).auth_failed, 0);
	/* Each side's AUTH came from its signer. */
	ck_assert_uint_ge(signer_local_count(w->sig[0]), 1);
	ck_assert_uint_ge(signer_local_count(w->sig[1]), 1);
}

/*
 * What IKE_SA_INIT said, in the clear: both announce fragmentation and
 * their RFC 7427 hashes; the responder's CERTREQ names the root of its
 * ca-profile by the SHA-1 of its SubjectPublicKeyInfo (RFC 7296 3.7).
 */
static void
assert_sa_init(struct wire *w, const struct lab *l)
{
	uint8_t want[SIG_SHA1_LEN];
	const struct ike_notify *nt;
	struct ike_msg m;
	uint16_t notify;

	ck_assert_int_eq(sig_spki_sha1(l->root, want), 0);
	for (int i = 0; i < 2; i++) {
		ck_assert_uint_eq(w->log[i]->p[18], IKE_SA_INIT);
		ck_assert_int_eq(pld_decode(w->log[i]->p, w->log[i]->len, &m,
		    &notify), 0);
		ck_assert_ptr_nonnull(pld_notify_find(&m,
		    N_IKEV2_FRAGMENTATION_SUPPORTED));
		nt = pld_notify_find(&m, N_SIGNATURE_HASH_ALGORITHMS);
		ck_assert_ptr_nonnull(nt);
		ck_assert_uint_eq(sig_hashes_parse(nt->data.p, nt->data.len),
		    sig_hashes_ours());
		ck_assert_uint_eq(m.ncertreq, i);	/* the responder's */
	}
	ck_assert_uint_eq(m.certreq[0].enc, CERT_X509_SIGNATURE);
	ck_assert_uint_eq(m.certreq[0].data.len, SIG_SHA1_LEN);
	ck_assert_mem_eq(m.certreq[0].data.p, want, SIG_SHA1_LEN);
}

START_TEST(rsa_fragmented)
{
	struct eng_peer pa, pb;
	struct lab l;
	struct wire *w = wire_lab(&l, KT_RSA, KT_RSA, &pa, &pb);

	wire_conf(w, &pa, &pb);
	assert_up(w);
	/* RSA certificate + signature pass 576 octets: SKF both ways. */
	ck_assert_uint_ge(est(w, 0).out_frags, 2);
	ck_assert_uint_ge(est(w, 1).out_frags, 2);
	ck_assert_uint_eq(est(w, 0).in_reassembled, 1);
	ck_assert_uint_eq(est(w, 1).in_reassembled, 1);
	ck_assert_uint_eq(est(w, 1).in_frag_dropped, 0);
	assert_sa_init(w, &l);
	wire_free(w);
	lab_free(&l);
}
END_TEST

START_TEST(ecdsa256_unfragmented)
{
	struct eng_peer pa, pb;
	struct lab l;
	struct wire *w = wire_lab(&l, KT_EC256, KT_EC256, &pa, &pb);

	pa.fragment_size = pb.fragment_size = 1400;
	wire_conf(w, &pa, &pb);
	assert_up(w);
	ck_assert_uint_eq(est(w, 0).out_frags, 0);
	ck_assert_uint_eq(est(w, 1).out_frags, 0);
	ck_assert_int_eq(w->sent, 4);
	wire_free(w);
	lab_free(&l);
}
END_TEST

/* A signs RSASSA-PSS, B PKCS#1 v1.5; each verifies the other's. */
START_TEST(rsa_pss)
{
	struct eng_peer pa, pb;
	struct lab l;
	struct wire *w = wire_lab(&l, KT_RSA, KT_RSA, &pa, &pb);

	pa.rsa_pss = true;
	wire_conf(w, &pa, &pb);
	assert_up(w);
	wire_free(w);
	lab_free(&l);
}
END_TEST

/* Mixed key types: A ECDSA P-256, B RSA-PSS. */
START_TEST(ecdsa_and_pss)
{
	struct eng_peer pa, pb;
	struct lab l;
	struct wire *w = wire_lab(&l, KT_EC256, KT_RSA, &pa, &pb);

	pb.rsa_pss = true;
	wire_conf(w, &pa, &pb);
	assert_up(w);
	wire_free(w);
	lab_free(&l);
}
END_TEST

/* B trusts another CA: A's chain does not verify there. */
START_TEST(wrong_ca)
{
	struct eng_peer pa, pb;
	struct lab l;
	struct wire *w = wire_lab(&l, KT_EC256, KT_EC256, &pa, &pb);
	EVP_PKEY *k = key_make(KT_EC256);
	X509 *other = cert_make("Other Root", "pki", k, NULL, NULL, true,
	    NULL);

	store_ca(w, 1, "other-ca", other);
	snprintf(pb.ca_profile, sizeof(pb.ca_profile), "other-ca");
	wire_conf(w, &pa, &pb);
	ck_assert(wire_run(w, auth_failed, 10));
	ck_assert_uint_eq(pst(w, 1).auth_failed, 1);
	ck_assert_uint_eq(pst(w, 1).ike_up, 0);
	ck_assert_int_eq(w->dp[0].n + w->dp[1].n, 0);
	X509_free(other);
	EVP_PKEY_free(k);
	wire_free(w);
	lab_free(&l);
}
END_TEST

/* The signer of side _i has no key: that side cannot authenticate. */
START_TEST(signer_without_key)
{
	struct eng_peer pa, pb;
	struct lab l;
	struct wire *w = wire_lab(&l, KT_EC256, KT_EC256, &pa, &pb);
	struct sb err;

	sb_init(&err);
	ck_assert_int_eq(pki_key_clear(w->st[_i], "me", &err), 0);
	sb_free(&err);
	wire_conf(w, &pa, &pb);
	ck_assert(wire_run(w, auth_failed, 10));
	ck_assert_uint_eq(pst(w, 1).ike_up, 0);
	ck_assert_uint_eq(signer_local_count(w->sig[_i]), 1);
	ck_assert_int_eq(w->dp[0].n + w->dp[1].n, 0);
	wire_free(w);
	lab_free(&l);
}
END_TEST

/* A claims an FQDN its certificate does not carry. */
START_TEST(identity_not_in_cert)
{
	struct eng_peer pa, pb;
	struct lab l;
	struct wire *w = wire_lab(&l, KT_EC256, KT_EC256, &pa, &pb);

	pa.local_id.type = ID_FQDN;
	pa.local_id.len = strlen("vpn.example.net");
	memcpy(pa.local_id.data, "vpn.example.net", pa.local_id.len);
	wire_conf(w, &pa, &pb);
	ck_assert(wire_run(w, auth_failed, 10));
	ck_assert_uint_eq(pst(w, 1).auth_failed, 1);
	wire_free(w);
	lab_free(&l);
}
END_TEST

/* The same with the address its certificate does carry (SAN IP). */
START_TEST(identity_ip_in_cert)
{
	struct eng_peer pa, pb;
	struct lab l;
	struct wire *w = wire_lab(&l, KT_EC256, KT_EC256, &pa, &pb);
	uint8_t ip[4] = { 10, 0, 0, 1 };

	pa.local_id.type = ID_IPV4_ADDR;
	pa.local_id.len = 4;
	memcpy(pa.local_id.data, ip, 4);
	pb.remote_id = pa.local_id;	/* and B wants exactly that */
	wire_conf(w, &pa, &pb);
	assert_up(w);
	wire_free(w);
	lab_free(&l);
}
END_TEST

/* remote-identity distinguished-name container / wildcard (pki DN rules). */
static const struct {
	const char *container, *wildcard;
	bool up;
} dn_cases[] = {
	{ "O=qsafe,OU=vpn", NULL, true },
	{ NULL, "CN=gw-a,C=US", true },
	{ "O=qsafe,OU=vpn", "CN=gw-a", true },
	{ "O=other", NULL, false },
	{ NULL, "CN=gw-z", false },
};

START_TEST(dn_match)
{
	struct eng_peer pa, pb;
	struct lab l;
	struct wire *w = wire_lab(&l, KT_EC256, KT_EC256, &pa, &pb);

	pb.remote_id.type = ID_DER_ASN1_DN;
	pb.remote_id.dn_container = (char *)dn_cases[_i].container;
	pb.remote_id.dn_wildcard = (char *)dn_cases[_i].wildcard;
	wire_conf(w, &pa, &pb);
	if (dn_cases[_i].up) {
		assert_up(w);
	} else {
		ck_assert(wire_run(w, auth_failed, 10));
		ck_assert_uint_eq(pst(w, 1).auth_failed, 1);
	}
	wire_free(w);
	lab_free(&l);
}
END_TEST

/*
 * root -> inter1 -> inter2 -> gw-a: A has the intermediates as
 * ca-profiles and sends them; B trusts only the root.
 */
static struct wire *
wire_chain(struct lab *l, struct eng_peer *pa, struct eng_peer *pb,
    int drop_at)
{
	struct wire *w = wire_new(l);
	EVP_PKEY *k1 = key_make(KT_RSA), *k2 = key_make(KT_RSA);
	EVP_PKEY *ka = key_make(KT_RSA);
	X509 *i1 = cert_make("Inter One", "pki", k1, l->root, l->root_key,
	    true, NULL);
	X509 *i2 = cert_make("Inter Two", "pki", k2, i1, k1, true, NULL);
	X509 *a = cert_make("gw-a", "vpn", ka, i2, k2, false, "IP:10.0.0.1");

	store_ca(w, 0, "inter1", i1);
	store_ca(w, 0, "inter2", i2);
	store_local(w, 0, a, ka);
	lab_side(w, l, 1, KT_EC256);
	peer_conf(pa, 0);
	peer_conf(pb, 1);
	w->drop_at = drop_at;
	X509_free(i1);
	X509_free(i2);
	X509_free(a);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(ka);
	return w;
}

START_TEST(chain_fragmented)
{
	struct eng_peer pa, pb;
	struct lab l;
	struct wire *w = wire_chain(&l, &pa, &pb, 0);

	wire_conf(w, &pa, &pb);
	assert_up(w);
	/* three certificates of about 1 KB in 576-octet datagrams */
	ck_assert_uint_ge(est(w, 0).out_frags, 6);
	ck_assert_uint_eq(est(w, 1).in_reassembled, 1);
	ck_assert_uint_eq(est(w, 0).out_retransmits, 0);
	for (size_t i = 0; i < w->nlog; i++)
		ck_assert_uint_le(w->log[i]->len, 576 - 28);
	wire_free(w);
	lab_free(&l);
}
END_TEST

/* The second fragment of A's IKE_AUTH is lost: all are sent again. */
START_TEST(chain_lost_fragment)
{
	struct eng_peer pa, pb;
	struct lab l;
	struct wire *w = wire_chain(&l, &pa, &pb, 4);

	wire_conf(w, &pa, &pb);
	assert_up(w);
	ck_assert_uint_ge(est(w, 0).out_retransmits, 1);
	ck_assert_uint_eq(est(w, 1).in_reassembled, 1);
	wire_free(w);
	lab_free(&l);
}
END_TEST

/* A's IKE_AUTH fragment number n, as it was sent. */
static struct pkt *
a_fragment(struct wire *w, uint16_t n)
{
	for (size_t i = 0; i < w->nlog; i++) {
		struct pkt *k = w->log[i];
		if (k->to == 1 && k->len > 36 && k->p[16] == PLD_SKF &&
		    (k->p[32] << 8 | k->p[33]) == n)
			return k;
	}
	return NULL;
}

static void
inject(struct wire *w, const struct pkt *k, size_t at, uint8_t val)
{
	struct pkt *c = pkt_new(k->to, k->p, k->len, &k->from, &k->dst);

	if (at < c->len)
		c->p[at] = val;
	wire_queue(w, c);
	ck_assert(wire_run(w, quiet, 5));
}

START_TEST(malformed_fragments)
{
	struct eng_peer pa, pb;
	struct lab l;
	struct wire *w = wire_lab(&l, KT_RSA, KT_RSA, &pa, &pb);
	struct eng_stats b0, b1;
	struct pkt *f1, *f2;

	wire_conf(w, &pa, &pb);
	assert_up(w);
	f1 = a_fragment(w, 1);
	f2 = a_fragment(w, 2);
	ck_assert_ptr_nonnull(f1);
	ck_assert_ptr_nonnull(f2);
	b0 = est(w, 1);
	inject(w, f2, f2->len - 1, (uint8_t)~f2->p[f2->len - 1]); /* ICV */
	inject(w, f2, 40, (uint8_t)~f2->p[40]);		/* ciphertext */
	inject(w, f2, 34, 0x7f);		/* Total Fragments 32000+ */
	inject(w, f2, 33, 0);			/* Fragment Number 0 */
	b1 = est(w, 1);
	ck_assert_uint_eq(b1.in_frag_dropped - b0.in_frag_dropped, 3);
	ck_assert_uint_eq(b1.in_integrity - b0.in_integrity, 2);
	ck_assert_uint_eq(b1.in_malformed - b0.in_malformed, 1);
	ck_assert_uint_eq(b1.in_reassembled, b0.in_reassembled);
	/* A replayed first fragment gets the cached answer, nothing more. */
	inject(w, f1, 0, f1->p[0]);
	b1 = est(w, 1);
	ck_assert_uint_eq(b1.in_dup_answered - b0.in_dup_answered, 1);
	ck_assert(wire_run(w, quiet, 5));
	ck_assert_uint_eq(pst(w, 0).ike_up, 1);
	ck_assert_uint_eq(pst(w, 1).ike_up, 1);
	ck_assert_uint_eq(pst(w, 1).ike_sas, 1);
	ck_assert_int_eq(w->dp[1].n, 2);
	wire_free(w);
	lab_free(&l);
}
END_TEST

/* auth_sig over a table: what we sign with, and that it verifies. */
static const struct {
	enum kt kt;
	bool pss;
	uint32_t peer;			/* the peer's RFC 7427 hashes */
	int method;			/* -1: no way */
	enum eng_sig_scheme scheme;
	uint16_t hash;
} sig_cases[] = {
	{ KT_RSA, false, 1u << HASH_SHA2_256 | 1u << HASH_SHA2_512,
	    AUTH_DIGITAL_SIGNATURE, ENG_SIG_RSA_PKCS1, HASH_SHA2_256 },
	{ KT_RSA, true, 1u << HASH_SHA2_384, AUTH_DIGITAL_SIGNATURE,
	    ENG_SIG_RSA_PSS, HASH_SHA2_384 },
	{ KT_RSA, false, 0, AUTH_RSA_SIG, ENG_SIG_RSA_PKCS1, HASH_SHA1 },
	{ KT_RSA, true, 0, -1, 0, 0 },
	{ KT_RSA, false, 1u << HASH_SHA1, AUTH_RSA_SIG, ENG_SIG_RSA_PKCS1,
	    HASH_SHA1 },
	{ KT_EC256, false, 0, AUTH_ECDSA_256, ENG_SIG_ECDSA, HASH_SHA2_256 },
	{ KT_EC384, false, 0, AUTH_ECDSA_384, ENG_SIG_ECDSA, HASH_SHA2_384 },
	{ KT_EC521, false, 0, AUTH_ECDSA_521, ENG_SIG_ECDSA, HASH_SHA2_512 },
	{ KT_EC384, false, 0x1c, AUTH_DIGITAL_SIGNATURE, ENG_SIG_ECDSA,
	    HASH_SHA2_384 },
	{ KT_EC256, false, 1u << HASH_SHA2_512, AUTH_DIGITAL_SIGNATURE,
	    ENG_SIG_ECDSA, HASH_SHA2_512 },
};

START_TEST(sig_table)
{
	EVP_PKEY *k = key_make(sig_cases[_i].kt);
	X509 *x = cert_make("t", "t", k, NULL, NULL, false, NULL);
	uint8_t oct[300], sig[SIG_MAX], data[SIG_AUTH_MAX];
	size_t slen, dlen;
	struct sig_alg a;
	const char *why;

	for (size_t i = 0; i < sizeof(oct); i++)
		oct[i] = (uint8_t)(i * 7);
	if (sig_cases[_i].method == -1) {
		ck_assert_int_eq(sig_choose(x, sig_cases[_i].pss,
		    sig_cases[_i].peer, &a), -1);
		goto done;
	}
	ck_assert_int_eq(sig_choose(x, sig_cases[_i].pss, sig_cases[_i].peer,
	    &a), 0);
	ck_assert_int_eq(a.method, sig_cases[_i].method);
	ck_assert_int_eq(a.scheme, sig_cases[_i].scheme);
	ck_assert_int_eq(a.hash, sig_cases[_i].hash);
	ck_assert_int_eq(sig_sign(k, a.scheme, a.hash, oct, sizeof(oct), sig,
	    sizeof(sig), &slen), 0);
	ck_assert_int_eq(sig_auth_data(x, &a, sig, slen, data, sizeof(data),
	    &dlen), 0);
	ck_assert_msg(sig_verify(x, a.method, data, dlen, oct, sizeof(oct),
	    &why), "%s", why);
	oct[5] ^= 1;
	ck_assert(!sig_verify(x, a.method, data, dlen, oct, sizeof(oct),
	    &why));
	oct[5] ^= 1;
	data[dlen - 1] ^= 0x40;
	ck_assert(!sig_verify(x, a.method, data, dlen, oct, sizeof(oct),
	    &why));
	data[dlen - 1] ^= 0x40;
	/* A method for another key type, and truncation, never verify. */
	ck_assert(!sig_verify(x, a.method == AUTH_ECDSA_384 ? AUTH_ECDSA_256 :
	    AUTH_ECDSA_384, data, dlen, oct, sizeof(oct), &why));
	for (size_t n = 0; n < dlen; n += 13)
		ck_assert(!sig_verify(x, a.method, data, n, oct, sizeof(oct),
		    &why));
done:
	X509_free(x);
	EVP_PKEY_free(k);
}
END_TEST

/* RFC 7427: an AlgorithmIdentifier naming SHA-1 is refused. */
START_TEST(sig_7427_sha1_refused)
{
	static const uint8_t sha1rsa[] = {
		0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
		0x01, 0x01, 0x05, 0x05, 0x00,
	};
	EVP_PKEY *k = key_make(KT_RSA);
	X509 *x = cert_make("t", "t", k, NULL, NULL, false, NULL);
	uint8_t oct[32] = { 1 }, sig[SIG_MAX], data[SIG_AUTH_MAX];
	size_t slen;
	const char *why;

	ck_assert_int_eq(sig_sign(k, ENG_SIG_RSA_PKCS1, HASH_SHA1, oct,
	    sizeof(oct), sig, sizeof(sig), &slen), 0);
	data[0] = sizeof(sha1rsa);
	memcpy(data + 1, sha1rsa, sizeof(sha1rsa));
	memcpy(data + 1 + sizeof(sha1rsa), sig, slen);
	ck_assert(!sig_verify(x, AUTH_DIGITAL_SIGNATURE, data,
	    1 + sizeof(sha1rsa) + slen, oct, sizeof(oct), &why));
	ck_assert_str_eq(why, "signature algorithm not accepted");
	/* but the same signature is a valid AUTH_RSA_SIG (RFC 7296) */
	ck_assert(sig_verify(x, AUTH_RSA_SIG, sig, slen, oct, sizeof(oct),
	    &why));
	X509_free(x);
	EVP_PKEY_free(k);
}
END_TEST

static bool
child_gone(pid_t pid, int *status)
{
	double end = now_s() + 10;

	while (now_s() < end) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return true;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return false;
}

static pid_t
spawn_ca(struct wire *w, int side, int *fd)
{
	char sdir[96];
	pid_t pid;

	snprintf(sdir, sizeof(sdir), "%s/store", w->dir[side]);
	pid = ca_spawn(sdir, fd);
	ck_assert_int_gt(pid, 0);
	return pid;
}

static json_t *
ca_ask(int fd, const char *op, const char *cert, const char *octets)
{
	json_t *m = json_pack("{si ss ss ss si ss}", "id", 7, "op", op,
	    "cert", cert, "scheme", "rsa-pss", "hash", HASH_SHA2_256,
	    "octets", octets);
	json_t *r;

	ck_assert_int_eq(msg_send(fd, m), 0);
	json_decref(m);
	r = msg_recv(fd, 10000);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(msg_int(r, "id", 0), 7);
	return r;
}

/* The ca process signs over its socket, and refuses what is wrong. */
START_TEST(ca_process_signs)
{
	struct eng_peer pa, pb;
	struct lab l;
	struct wire *w = wire_lab(&l, KT_RSA, KT_RSA, &pa, &pb);
	static const uint8_t oct[4] = { 0x00, 0x11, 0x22, 0x33 };
	struct sig_alg a = { AUTH_DIGITAL_SIGNATURE, ENG_SIG_RSA_PSS,
	    HASH_SHA2_256 };
	uint8_t sig[SIG_MAX], data[SIG_AUTH_MAX];
	size_t slen = 0, dlen;
	const char *why, *hex;
	struct sb err;
	int fd, status;
	pid_t pid = spawn_ca(w, 0, &fd);
	json_t *r;
	X509 *x;

	r = ca_ask(fd, "sign", "me", "00112233");
	hex = msg_str(r, "sig");
	ck_assert_ptr_nonnull(hex);
	ck_assert_uint_eq(strlen(hex), 2 * 256);	/* RSA-2048 */
	for (size_t i = 0; i < strlen(hex) / 2; i++) {
		unsigned v;
		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		sig[slen++] = (uint8_t)v;
	}
	json_decref(r);
	sb_init(&err);
	x = pki_local_cert_get(w->st[0], "me", &err);
	ck_assert_ptr_nonnull(x);
	sb_free(&err);
	ck_assert_int_eq(sig_auth_data(x, &a, sig, slen, data, sizeof(data),
	    &dlen), 0);
	ck_assert_msg(sig_verify(x, a.method, data, dlen, oct, sizeof(oct),
	    &why), "%s", why);
	ck_assert(!sig_verify(x, a.method, data, dlen, oct, 3, &why));
	X509_free(x);

	r = ca_ask(fd, "sign", "nobody", "00");
	ck_assert_str_eq(msg_str(r, "error"), "no such key pair");
	json_decref(r);
	r = ca_ask(fd, "sign", "../keys/me", "00");
	ck_assert_str_eq(msg_str(r, "error"), "bad certificate-id");
	json_decref(r);
	r = ca_ask(fd, "sign", "me", "0g");
	ck_assert_str_eq(msg_str(r, "error"), "bad octets");
	json_decref(r);
	r = ca_ask(fd, "read-key", "me", "00");
	ck_assert_str_eq(msg_str(r, "error"), "unknown op");
	ck_assert_ptr_null(json_object_get(r, "sig"));
	json_decref(r);

	close(fd);
	ck_assert(child_gone(pid, &status));
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	wire_free(w);
	lab_free(&l);
}
END_TEST

/* Two engines whose signatures both come from ca processes. */
START_TEST(ca_process_engines)
{
	struct eng_peer pa, pb;
	struct lab l;
	struct wire *w = wire_lab(&l, KT_EC256, KT_RSA, &pa, &pb);
	struct ca_client *c[2];
	pid_t pid[2];
	int fd, status;

	for (int i = 0; i < 2; i++) {
		pid[i] = spawn_ca(w, i, &fd);
		c[i] = ca_client_new(w->base, fd);
		ck_assert_ptr_nonnull(c[i]);
		eng_set_certs(w->eng[i], w->st[i], ca_client_signer(), c[i]);
	}
	pb.rsa_pss = true;
	wire_conf(w, &pa, &pb);
	ck_assert(wire_run(w, both_up, 10));
	ck_assert_uint_eq(signer_local_count(w->sig[0]), 0);
	for (int i = 0; i < 2; i++) {
		eng_free(w->eng[i]);
		w->eng[i] = NULL;
		ca_client_free(c[i]);
		ck_assert(child_gone(pid[i], &status));
		ck_assert_int_eq(WEXITSTATUS(status), 0);
	}
	wire_free(w);
	lab_free(&l);
}
END_TEST

static Suite *
certs_suite(void)
{
	Suite *s = suite_create("certificates");
	TCase *tc = tcase_create("two engines");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, rsa_fragmented);
	tcase_add_test(tc, ecdsa256_unfragmented);
	tcase_add_test(tc, rsa_pss);
	tcase_add_test(tc, ecdsa_and_pss);
	tcase_add_test(tc, wrong_ca);
	tcase_add_loop_test(tc, signer_without_key, 0, 2);
	tcase_add_test(tc, identity_not_in_cert);
	tcase_add_test(tc, identity_ip_in_cert);
	tcase_add_loop_test(tc, dn_match, 0,
	    sizeof(dn_cases) / sizeof(dn_cases[0]));
	tcase_add_test(tc, chain_fragmented);
	tcase_add_test(tc, chain_lost_fragment);
	tcase_add_test(tc, malformed_fragments);
	tcase_add_test(tc, ca_process_signs);
	tcase_add_test(tc, ca_process_engines);
	suite_add_tcase(s, tc);
	tc = tcase_create("signatures");
	tcase_add_loop_test(tc, sig_table, 0,
	    sizeof(sig_cases) / sizeof(sig_cases[0]));
	tcase_add_test(tc, sig_7427_sha1_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(certs_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
