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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "iked/auth_sig.h"
#include "iked/ca.h"
#include "iked/ikev2.h"
#include "iked/pld.h"
#include "lib/msg.h"
#include "lib/sb.h"
#include "tests/iked/cert_lab.h"
#include "tests/lib/check_main.h"

static void
assert_up(struct wire *w)
{
	if (!wire_run(w, both_up, 10)) {
		for (int i = 0; i < 2; i++) {
			struct eng_stats e = est(w, i);
			fprintf(stderr,
			    "side %d: auth_failed %lu ike_sas %u "
			    "in %lu frags %lu dropped %lu reassembled %lu "
			    "integrity %lu bad_msgid %lu malformed %lu "
			    "out %lu frags %lu retransmits %lu\n",
			    i, (unsigned long)pst(w, i).auth_failed,
			    pst(w, i).ike_sas, (unsigned long)e.in_packets,
			    (unsigned long)e.in_frags,
			    (unsigned long)e.in_frag_dropped,
			    (unsigned long)e.in_reassembled,
			    (unsigned long)e.in_integrity,
			    (unsigned long)e.in_bad_msgid,
			    (unsigned long)e.in_malformed,
			    (unsigned long)e.out_packets,
			    (unsigned long)e.out_frags,
			    (unsigned long)e.out_retransmits);
		}
		ck_abort_msg("the IKE SA did not come up");
	}
	ck_assert_uint_eq(pst(w, 0).auth_failed, 0);
	ck_assert_uint_eq(pst(w, 1).auth_failed, 0);
	/* Each side's AUTH came from its signer. */
	ck_assert_uint_ge(signer_local_count(certs_of(w)->sig[0]), 1);
	ck_assert_uint_ge(signer_local_count(certs_of(w)->sig[1]), 1);
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
		ck_assert_int_eq(
		    pld_decode(w->log[i]->p, w->log[i]->len, &m, &notify), 0);
		ck_assert_ptr_nonnull(
		    pld_notify_find(&m, N_IKEV2_FRAGMENTATION_SUPPORTED));
		nt = pld_notify_find(&m, N_SIGNATURE_HASH_ALGORITHMS);
		ck_assert_ptr_nonnull(nt);
		ck_assert_uint_eq(sig_hashes_parse(nt->data.p, nt->data.len),
		    sig_hashes_ours());
		ck_assert_uint_eq(m.ncertreq, i); /* the responder's */
	}
	ck_assert_uint_eq(m.certreq[0].enc, CERT_X509_SIGNATURE);
	ck_assert_uint_eq(m.certreq[0].data.len, SIG_SHA1_LEN);
	ck_assert_mem_eq(m.certreq[0].data.p, want, SIG_SHA1_LEN);
}

/*
 * `show security ike security-associations detail` of side's one IKE SA:
 * its "Input/Output fragmentated packets" (Junos's spelling), the RFC 7383
 * fragments of this SA, in *in and *out.
 */
static void
detail_frags(struct wire *w, int side, json_int_t *in, json_int_t *out)
{
	char err[128];
	json_t *q = json_pack("{s:b}", "detail", 1);
	json_t *r = eng_rpc(w->eng[side],
	    "show-security-ike-security-associations", q, err, sizeof(err));
	json_t *blk, *st;

	ck_assert_ptr_nonnull(r);
	blk = json_object_get(
	    json_object_get(r, "ike-security-associations-information"),
	    "ike-security-associations-block");
	ck_assert_int_eq(json_array_size(blk), 1);
	st = json_object_get(json_object_get(json_array_get(blk, 0),
				 "ike-security-associations"),
	    "ike-sa-traffic-statistics");
	ck_assert_ptr_nonnull(st);
	*in = json_integer_value(
	    json_object_get(st, "ike-sa-input-frag-packets"));
	*out = json_integer_value(
	    json_object_get(st, "ike-sa-output-frag-packets"));
	json_decref(r);
	json_decref(q);
}

START_TEST(rsa_fragmented)
{
	struct eng_peer pa, pb;
	struct lab l;
	struct wire *w = wire_lab(&l, KT_RSA, KT_RSA, &pa, &pb);

	cert_wire_conf(w, &pa, &pb);
	assert_up(w);
	/* RSA certificate + signature pass 576 octets: SKF both ways. */
	ck_assert_uint_ge(est(w, 0).out_frags, 2);
	ck_assert_uint_ge(est(w, 1).out_frags, 2);
	ck_assert_uint_eq(est(w, 0).in_reassembled, 1);
	ck_assert_uint_eq(est(w, 1).in_reassembled, 1);
	ck_assert_uint_eq(est(w, 1).in_frag_dropped, 0);
	/* and the IKE SA's detail counts them: what one side sent, the
	 * other received (no loss on the wire here) */
	json_int_t in[2], out[2];
	detail_frags(w, 0, &in[0], &out[0]);
	detail_frags(w, 1, &in[1], &out[1]);
	ck_assert_int_ge(out[0], 2);
	ck_assert_int_ge(out[1], 2);
	ck_assert_int_eq(in[1], out[0]);
	ck_assert_int_eq(in[0], out[1]);
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
	cert_wire_conf(w, &pa, &pb);
	assert_up(w);
	ck_assert_uint_eq(est(w, 0).out_frags, 0);
	ck_assert_uint_eq(est(w, 1).out_frags, 0);
	ck_assert_int_eq(w->sent, 4);
	json_int_t in, out;
	detail_frags(w, 0, &in, &out);
	ck_assert_int_eq(in + out, 0);
	wire_free(w);
	lab_free(&l);
}
END_TEST

/* B does not do RFC 7383: the same messages go whole. */
START_TEST(peer_without_fragmentation)
{
	struct eng_peer pa, pb;
	struct lab l;
	struct wire *w = wire_lab(&l, KT_RSA, KT_RSA, &pa, &pb);

	pb.fragmentation = false;
	cert_wire_conf(w, &pa, &pb);
	assert_up(w);
	ck_assert_uint_eq(est(w, 0).out_frags, 0);
	ck_assert_uint_eq(est(w, 1).out_frags, 0);
	ck_assert_int_eq(w->sent, 4);
	ck_assert_uint_gt(w->log[2]->len, 576);
	wire_free(w);
	lab_free(&l);
}
END_TEST

/*
 * The first fragment of B's IKE_AUTH answer is lost: A resends its
 * request, and B its whole cached answer (RFC 7383 2.6.3).
 */
START_TEST(lost_answer_fragment)
{
	struct eng_peer pa, pb;
	struct lab l;
	struct wire *w = wire_lab(&l, KT_RSA, KT_RSA, &pa, &pb);

	certs_of(w)->drop_b_frag = true;
	cert_wire_conf(w, &pa, &pb);
	assert_up(w);
	ck_assert(!certs_of(w)->drop_b_frag);
	ck_assert_uint_ge(est(w, 0).out_retransmits, 1);
	ck_assert_uint_ge(est(w, 1).in_dup_answered, 1);
	ck_assert_uint_eq(est(w, 0).in_reassembled, 1);
	ck_assert_uint_eq(est(w, 1).in_reassembled, 1);
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
	cert_wire_conf(w, &pa, &pb);
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
	cert_wire_conf(w, &pa, &pb);
	assert_up(w);
	wire_free(w);
	lab_free(&l);
}
END_TEST

/*
 * RFC 8784 with certificates: both mix the PPK, then sign (the responder
 * holds the request twice: for the key source, then for the signer).
 */
START_TEST(ppk_with_certs)
{
	struct eng_peer pa, pb;
	struct lab l;
	struct wire *w = wire_lab(&l, KT_EC256, KT_RSA, &pa, &pb);

	snprintf(pa.ppk_profile, sizeof(pa.ppk_profile), "ppk");
	snprintf(pb.ppk_profile, sizeof(pb.ppk_profile), "ppk");
	cert_wire_conf(w, &pa, &pb);
	assert_up(w);
	ck_assert_uint_eq(pst(w, 0).ppk_used, 1);
	ck_assert_uint_eq(pst(w, 1).ppk_used, 1);
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
	X509 *other = cert_make("Other Root", "pki", k, NULL, NULL, true, NULL);

	store_ca(w, 1, "other-ca", other);
	snprintf(pb.ca_profile, sizeof(pb.ca_profile), "other-ca");
	cert_wire_conf(w, &pa, &pb);
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
	ck_assert_int_eq(pki_key_clear(certs_of(w)->st[_i], "me", &err), 0);
	sb_free(&err);
	cert_wire_conf(w, &pa, &pb);
	ck_assert(wire_run(w, auth_failed, 10));
	ck_assert_uint_eq(pst(w, 1).ike_up, 0);
	ck_assert_uint_eq(signer_local_count(certs_of(w)->sig[_i]), 1);
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
	cert_wire_conf(w, &pa, &pb);
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
	pb.remote_id = pa.local_id; /* and B wants exactly that */
	cert_wire_conf(w, &pa, &pb);
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
	cert_wire_conf(w, &pa, &pb);
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
wire_chain(struct lab *l, struct eng_peer *pa, struct eng_peer *pb, int drop_at)
{
	struct wire *w = cert_wire_new(l);
	EVP_PKEY *k1 = key_make(KT_RSA), *k2 = key_make(KT_RSA);
	EVP_PKEY *ka = key_make(KT_RSA);
	X509 *i1 =
	    cert_make("Inter One", "pki", k1, l->root, l->root_key, true, NULL);
	X509 *i2 = cert_make("Inter Two", "pki", k2, i1, k1, true, NULL);
	X509 *a = cert_make("gw-a", "vpn", ka, i2, k2, false, "IP:10.0.0.1");

	store_ca(w, 0, "inter1", i1);
	store_ca(w, 0, "inter2", i2);
	store_local(w, 0, a, ka);
	lab_side(w, l, 1, KT_EC256);
	cert_peer_conf(pa, 0);
	cert_peer_conf(pb, 1);
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

	cert_wire_conf(w, &pa, &pb);
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

	cert_wire_conf(w, &pa, &pb);
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

	cert_wire_conf(w, &pa, &pb);
	assert_up(w);
	f1 = a_fragment(w, 1);
	f2 = a_fragment(w, 2);
	ck_assert_ptr_nonnull(f1);
	ck_assert_ptr_nonnull(f2);
	b0 = est(w, 1);
	inject(w, f2, f2->len - 1, (uint8_t)~f2->p[f2->len - 1]); /* ICV */
	inject(w, f2, 40, (uint8_t)~f2->p[40]); /* ciphertext */
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

	snprintf(sdir, sizeof(sdir), "%s/store", certs_of(w)->dir[side]);
	pid = ca_spawn(sdir, fd);
	ck_assert_int_gt(pid, 0);
	return pid;
}

static json_t *
ca_ask(int fd, const char *op, const char *cert, const char *octets)
{
	json_t *m = json_pack("{si ss ss ss si ss}", "id", 7, "op", op, "cert",
	    cert, "scheme", "rsa-pss", "hash", HASH_SHA2_256, "octets", octets);
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
	ck_assert_uint_eq(strlen(hex), 2 * 256); /* RSA-2048 */
	for (size_t i = 0; i < strlen(hex) / 2; i++) {
		unsigned v;
		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		sig[slen++] = (uint8_t)v;
	}
	json_decref(r);
	sb_init(&err);
	x = pki_local_cert_get(certs_of(w)->st[0], "me", &err);
	ck_assert_ptr_nonnull(x);
	sb_free(&err);
	ck_assert_int_eq(
	    sig_auth_data(x, &a, sig, slen, data, sizeof(data), &dlen), 0);
	ck_assert_msg(
	    sig_verify(x, a.method, data, dlen, oct, sizeof(oct), &why), "%s",
	    why);
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
		eng_set_certs(
		    w->eng[i], certs_of(w)->st[i], ca_client_signer(), c[i]);
	}
	pb.rsa_pss = true;
	cert_wire_conf(w, &pa, &pb);
	ck_assert(wire_run(w, both_up, 10));
	ck_assert_uint_eq(signer_local_count(certs_of(w)->sig[0]), 0);
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
	tcase_add_test(tc, peer_without_fragmentation);
	tcase_add_test(tc, lost_answer_fragment);
	tcase_add_test(tc, rsa_pss);
	tcase_add_test(tc, ecdsa_and_pss);
	tcase_add_test(tc, ppk_with_certs);
	tcase_add_test(tc, wrong_ca);
	tcase_add_loop_test(tc, signer_without_key, 0, 2);
	tcase_add_test(tc, identity_not_in_cert);
	tcase_add_test(tc, identity_ip_in_cert);
	tcase_add_loop_test(
	    tc, dn_match, 0, sizeof(dn_cases) / sizeof(dn_cases[0]));
	tcase_add_test(tc, chain_fragmented);
	tcase_add_test(tc, chain_lost_fragment);
	tcase_add_test(tc, malformed_fragments);
	tcase_add_test(tc, ca_process_signs);
	tcase_add_test(tc, ca_process_engines);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(0, certs_suite(), NULL);
}
