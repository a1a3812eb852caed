/*
 * test_engine: two IKEv2 engines negotiating with each other inside one
 * process (strongSwan's exchange_test_helper idea).  The network is a
 * fake wire: eng_io.send queues the datagram and the event loop delivers
 * it to the other engine, which lets a test drop, duplicate or replay
 * datagrams.  The dataplane is a mock that records the SAs installed, and
 * the key source a table of PPKs.  No root, no sockets.
 *
 * A = 10.0.0.1 (initiator, establish immediately), B = 10.0.0.2
 * (responder only).  Every wait polls the loop with a deadline.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <string.h>

#include <check.h>
#include <event2/event.h>

#include "lib/log.h"
#include "lib/sb.h"
#include "render/render.h"
#include "tests/iked/eng_wire.h"
#include "tests/lib/check_main.h"

START_TEST(establish)
{
	struct wire *w = wire_up(0, 0);

	assert_mirror(w);
	/* SA_INIT and AUTH, each way: four datagrams, nothing resent. */
	ck_assert_int_eq(w->sent, 4);
	ck_assert_uint_eq(est(w, 0).out_retransmits, 0);
	ck_assert_uint_eq(pst(w, 0).established, 1);
	ck_assert_uint_eq(pst(w, 1).established, 1);
	/* The route-based default: 0.0.0.0/0 both ways. */
	const struct dp_sa *in = mock_find(&w->dp[1], true);
	ck_assert_uint_eq(in->sel_local[0].start.u.v4.s_addr, 0);
	ck_assert_uint_eq(in->sel_local[0].end.u.v4.s_addr, 0xffffffff);
	wire_free(w);
}
END_TEST

static void
ts4(struct eng_ts *t, const char *lo, const char *hi)
{
	memset(t, 0, sizeof(*t));
	t->start.family = t->end.family = AF_INET;
	inet_pton(AF_INET, lo, &t->start.u.v4);
	inet_pton(AF_INET, hi, &t->end.u.v4);
	t->eport = 65535;
}

/*
 * A policy-based VPN (no bind_if, the policy's addresses as selectors,
 * on-traffic): its selectors reach the dataplane as a trap (with the
 * peer's address once the gateway is set), nothing is negotiated until
 * the dataplane's acquire, then the SA carries the selectors and no
 * device; deleting the VPN removes the trap.
 */
START_TEST(policy_based_on_traffic)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	va.bind_if[0] = vb.bind_if[0] = '\0';
	va.establish = ENG_ON_TRAFFIC;
	va.nts_local = va.nts_remote = vb.nts_local = vb.nts_remote = 1;
	ts4(&va.ts_local[0], "10.1.0.0", "10.1.0.255");
	ts4(&va.ts_remote[0], "10.2.0.0", "10.2.0.255");
	vb.ts_local[0] = va.ts_remote[0];
	vb.ts_remote[0] = va.ts_local[0];
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert_uint_eq(w->dp[0].ntrap, 1);
	const struct dp_trap *t = &w->dp[0].trap[0];
	ck_assert_uint_eq(t->tunnel_id, 500001);
	ck_assert_uint_eq(t->nsel_local, 1);
	ck_assert_mem_eq(&t->sel_local[0].start, &va.ts_local[0].start,
	    sizeof(struct dp_addr));
	ck_assert_mem_eq(&t->sel_remote[0].end, &va.ts_remote[0].end,
	    sizeof(struct dp_addr));
	ck_assert_int_eq(t->remote.family, AF_INET); /* the peer's, set late */
	ck_assert(!wire_run(w, both_up, 0.3)); /* on-traffic: nothing yet */
	ck_assert_int_eq(w->sent, 0);
	eng_acquire(w->eng[0], 500001);
	ck_assert(wire_run(w, both_up, 5));
	const struct dp_sa *out = mock_find(&w->dp[0], false);
	ck_assert_str_eq(out->ifname, "");
	ck_assert_mem_eq(&out->sel_local[0].start, &va.ts_local[0].start,
	    sizeof(struct dp_addr));
	ck_assert_mem_eq(&out->sel_remote[0].end, &va.ts_remote[0].end,
	    sizeof(struct dp_addr));
	eng_vpn_del(w->eng[0], "vpn1");
	ck_assert_uint_eq(w->dp[0].ntrap, 0);
	wire_free(w);
}
END_TEST

/*
 * show security ike stats' "ike-gateway-failures" of side: its one entry
 * (a gateway with a failure), the reply kept in *keep; NULL when the list
 * is empty.
 */
static json_t *
gw_failure(struct wire *w, int side, json_t **keep)
{
	char err[128];
	json_t *q = json_object();
	json_t *r = eng_rpc(
	    w->eng[side], "show-security-ike-stats", q, err, sizeof(err));
	json_t *l;

	json_decref(q);
	ck_assert_ptr_nonnull(r);
	l = json_object_get(json_object_get(r, "ike-stats-information"),
	    "ike-gateway-failures");
	ck_assert(json_is_array(l));
	ck_assert_int_le(json_array_size(l), 1);
	*keep = r;
	return json_array_get(l, 0);
}

/* data (taken) through the cli's renderer of rpc: its text (freed by
 * the caller). */
static char *
render_text(json_t *data, const char *rpc)
{
	const struct render_entry *r;
	struct sb out;

	ck_assert_ptr_nonnull(data);
	for (r = iked_renderers; r->name != NULL; r++)
		if (strcmp(r->name, rpc) == 0)
			break;
	ck_assert_ptr_nonnull(r->name);
	sb_init(&out);
	ck_assert_int_eq(r->fn(data, &out), 0);
	json_decref(data);
	return out.buf;
}

/* side's show of rpc as the cli prints it (freed by the caller). */
static char *
show_text(struct wire *w, int side, const char *rpc)
{
	char err[128];
	json_t *q = json_object();
	json_t *r = eng_rpc(w->eng[side], rpc, q, err, sizeof(err));

	json_decref(q);
	return render_text(r, rpc);
}

#define ck_has(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) != NULL, "no \"%s\" in:\n%s", \
	    (needle), (hay))

START_TEST(wrong_psk)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;
	FILE *lf = log_take();
	char *log, *txt;

	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "other-psk");
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, a_auth_failed, 5));
	/* issue 10: each side's line names the peer, address and port, and
	 * the reason; no key in it */
	log = log_taken(lf);
	ck_has(log, "ike gw: IKE_AUTH refused: ");
	ck_has(log, " (peer 10.0.0.1:500)\n");
	ck_has(log,
	    "ike gw: authentication failed: peer answered "
	    "AUTHENTICATION_FAILED (peer 10.0.0.2:500)\n");
	ck_assert_ptr_null(strstr(log, "s3cret"));
	ck_assert_ptr_null(strstr(log, "other-psk"));
	free(log);
	/* show security ike stats as the operator reads it */
	for (int i = 0; i < 2; i++) {
		txt = show_text(w, i, "show-security-ike-stats");
		ck_has(txt, "IKE gateway failures:\n  Gateway: gw\n");
		ck_has(txt, "    Authentication failed:        1\n");
		ck_has(txt, "    No proposal chosen:           0\n");
		ck_has(txt, "    Last failure: ");
		free(txt);
	}
	ck_assert_uint_eq(pst(w, 1).auth_failed, 1);
	ck_assert_uint_eq(pst(w, 0).ike_sas, 0);
	ck_assert_uint_eq(pst(w, 1).ike_sas, 0);
	ck_assert_int_eq(w->dp[0].adds, 0);
	ck_assert_int_eq(w->dp[1].adds, 0);
	/* show security ike stats | display json: the failure per gateway,
	 * with the reason, on the side that refused and the side refused */
	for (int i = 0; i < 2; i++) {
		json_t *r, *g = gw_failure(w, i, &r);
		ck_assert_str_eq(
		    json_string_value(json_object_get(g, "ike-gateway-name")),
		    "gw");
		ck_assert_int_eq(json_integer_value(json_object_get(
				     g, "ike-authentication-failed")),
		    1);
		ck_assert_int_eq(json_integer_value(json_object_get(
				     g, "ike-no-proposal-chosen")),
		    0);
		ck_assert_ptr_nonnull(strstr(
		    json_string_value(json_object_get(g, "ike-last-failure")),
		    "authentication failed"));
		json_decref(r);
	}
	wire_free(w);
}
END_TEST

START_TEST(no_common_ike_proposal)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	pb.prop[0].encr_bits = 128; /* aes128-cbc against aes256-cbc */
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, a_no_proposal, 5));
	ck_assert_uint_eq(pst(w, 1).no_proposal, 1);
	ck_assert_uint_eq(pst(w, 0).ike_sas, 0);
	ck_assert_uint_eq(pst(w, 1).ike_sas, 0);
	/* the reason of an IKE_SA_INIT failure is kept too, on each side */
	const char *want[2] = {
		"IKE_SA_INIT refused by peer: NO_PROPOSAL_CHOSEN",
		"IKE_SA_INIT: no proposal chosen"
	};
	for (int i = 0; i < 2; i++) {
		json_t *r, *g = gw_failure(w, i, &r);
		ck_assert_int_eq(json_integer_value(json_object_get(
				     g, "ike-no-proposal-chosen")),
		    1);
		ck_assert_str_eq(
		    json_string_value(json_object_get(g, "ike-last-failure")),
		    want[i]);
		json_decref(r);
	}
	wire_free(w);
}
END_TEST

START_TEST(no_common_esp_proposal)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	vb.prop[0].encr_bits = 256;
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, a_no_proposal, 5));
	/* RFC 7296 2.21.3: the IKE SA stands, without a Child SA. */
	ck_assert_uint_eq(pst(w, 0).ike_up, 1);
	ck_assert_uint_eq(pst(w, 1).ike_up, 1);
	ck_assert_uint_eq(pst(w, 1).no_proposal, 1);
	ck_assert_int_eq(w->dp[0].adds, 0);
	ck_assert_int_eq(w->dp[1].adds, 0);
	wire_free(w);
}
END_TEST

/* 10.1.0.0/16 <-> 10.2.0.0/16 proposed, 10.2.0.0/24 <-> 10.1.0.0/24 held */
static void
ts_pair(struct eng_vpn *va, struct eng_vpn *vb, const char *b_local)
{
	char hi[INET_ADDRSTRLEN];

	snprintf(hi, sizeof(hi), "%.*s255", (int)strlen(b_local) - 1, b_local);
	va->nts_local = va->nts_remote = vb->nts_local = vb->nts_remote = 1;
	ts4(&va->ts_local[0], "10.1.0.0", "10.1.255.255");
	ts4(&va->ts_remote[0], "10.2.0.0", "10.2.255.255");
	ts4(&vb->ts_local[0], b_local, hi);
	ts4(&vb->ts_remote[0], "10.1.0.0", "10.1.0.255");
}

static void
assert_sel(const struct dp_sel *s, const char *lo, const char *hi)
{
	struct in_addr a, b;

	inet_pton(AF_INET, lo, &a);
	inet_pton(AF_INET, hi, &b);
	ck_assert_int_eq(s->start.family, AF_INET);
	ck_assert_mem_eq(&s->start.u.v4, &a, sizeof(a));
	ck_assert_mem_eq(&s->end.u.v4, &b, sizeof(b));
}

/*
 * RFC 7296 2.9: the responder narrows the initiator's wider selectors to
 * its own, and both install the narrowed pair.
 */
START_TEST(ts_narrowed)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	ts_pair(&va, &vb, "10.2.0.0");
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, both_up, 5));
	const struct dp_sa *a = mock_find(&w->dp[0], false);
	const struct dp_sa *b = mock_find(&w->dp[1], false);
	ck_assert_uint_eq(a->nsel_local, 1);
	ck_assert_uint_eq(a->nsel_remote, 1);
	assert_sel(&a->sel_local[0], "10.1.0.0", "10.1.0.255");
	assert_sel(&a->sel_remote[0], "10.2.0.0", "10.2.0.255");
	assert_sel(&b->sel_local[0], "10.2.0.0", "10.2.0.255");
	assert_sel(&b->sel_remote[0], "10.1.0.0", "10.1.0.255");
	ck_assert_uint_eq(pst(w, 0).ts_unacceptable, 0);
	wire_free(w);
}
END_TEST

static bool
a_ts_refused(struct wire *w)
{
	return pst(w, 0).ts_unacceptable >= 1 && w->head == NULL;
}

/*
 * Selectors with nothing in common: TS_UNACCEPTABLE (RFC 7296 2.9), the
 * IKE SA stands without a Child SA (2.21.3), and each side counts it on
 * its gateway.
 */
START_TEST(ts_unacceptable)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	ts_pair(&va, &vb, "10.3.0.0");
	FILE *lf = log_take();
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, a_ts_refused, 5));
	ck_assert_uint_eq(pst(w, 1).ts_unacceptable, 1);
	ck_assert_uint_eq(pst(w, 0).ike_up, 1);
	ck_assert_uint_eq(pst(w, 1).ike_up, 1);
	ck_assert_int_eq(w->dp[0].adds, 0);
	ck_assert_int_eq(w->dp[1].adds, 0);
	/* issue 10: logged with the peer, kept as the gateway's reason */
	char *log = log_taken(lf);
	ck_has(log,
	    "ipsec vpn vpn1: Child SA: traffic selectors unacceptable "
	    "(peer 10.0.0.1:500)\n");
	ck_has(log,
	    "ipsec vpn vpn1: Child SA refused by peer: "
	    "TS_UNACCEPTABLE (peer 10.0.0.2:500)\n");
	free(log);
	char *why = gw_last_failure(w, 0);
	ck_assert_str_eq(why, "Child SA refused by peer: TS_UNACCEPTABLE");
	free(why);
	why = gw_last_failure(w, 1);
	ck_assert_str_eq(why, "Child SA: traffic selectors unacceptable");
	free(why);
	/* and the tunnel that is not up says why */
	char *txt = show_text(w, 0, "show-security-ipsec-inactive-tunnels");
	ck_has(txt, "Child SA refused by peer: TS_UNACCEPTABLE\n");
	free(txt);
	txt = show_text(w, 0, "show-security-ike-stats");
	ck_has(txt,
	    "    TS unacceptable:              1\n"
	    "    Peer unreachable:             0\n");
	free(txt);
	wire_free(w);
}
END_TEST

START_TEST(invalid_ke_retry)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	/* A offers 25519 first, then ECP-256; B accepts only ECP-256. */
	pa.nprop = 2;
	pa.prop[1] = ike_prop;
	pa.prop[1].dh = ECP_256;
	pb.prop[0].dh = ECP_256;
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, both_up, 5));
	ck_assert_uint_eq(pst(w, 0).invalid_ke, 1);
	ck_assert_uint_eq(pst(w, 1).invalid_ke, 1);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

START_TEST(dropped_datagram)
{
	/* The third datagram is the IKE_AUTH request. */
	struct wire *w = wire_up(3, 0);

	ck_assert_uint_eq(est(w, 0).out_retransmits, 1);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

START_TEST(dropped_response)
{
	/* The fourth is B's IKE_AUTH response: A repeats, B answers again. */
	struct wire *w = wire_up(4, 0);

	ck_assert_uint_eq(est(w, 1).in_dup_answered, 1);
	ck_assert_int_eq(w->dp[1].adds, 2);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

START_TEST(duplicated_request)
{
	struct wire *w = wire_up(0, 3);

	ck_assert(wire_run(w, quiet, 2));
	ck_assert_uint_eq(est(w, 1).in_dup_answered, 1);
	/* One Child SA only, and A ignored the second answer. */
	ck_assert_int_eq(w->dp[1].adds, 2);
	ck_assert_int_eq(w->dp[0].adds, 2);
	ck_assert_uint_eq(est(w, 0).in_bad_msgid, 1);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

START_TEST(duplicated_sa_init)
{
	struct wire *w = wire_up(0, 1);

	ck_assert(wire_run(w, quiet, 2));
	ck_assert_uint_eq(pst(w, 1).ike_sas, 1);
	ck_assert_uint_eq(est(w, 1).in_dup_answered, 1);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

START_TEST(delete_from_initiator)
{
	struct wire *w = wire_up(0, 0);

	eng_peer_del(w->eng[0], "gw");
	ck_assert_int_eq(w->dp[0].n, 0);
	ck_assert(wire_run(w, none_left, 3));
	ck_assert_int_eq(w->dp[1].dels, 2);
	wire_free(w);
}
END_TEST

/*
 * A commit that removes a gateway and its VPN: iked deletes the gateway
 * first (iconf_diff), so the IKE SA's Delete reaches the peer and takes
 * the Child SA with it.  The other order would put a Child SA Delete in
 * flight first and free the IKE SA unannounced: the peer would keep it.
 */
START_TEST(delete_gateway_and_vpn)
{
	struct wire *w = wire_up(0, 0);

	eng_peer_del(w->eng[0], "gw");
	eng_vpn_del(w->eng[0], "vpn1");
	ck_assert(wire_run(w, none_left, 3));
	ck_assert_uint_eq(pst(w, 1).ike_sas, 0);
	ck_assert_int_eq(w->dp[1].dels, 2);
	wire_free(w);
}
END_TEST

static bool
a_down(struct wire *w)
{
	return w->head == NULL && w->dp[0].n == 0 && w->dp[1].n == 0 &&
	    pst(w, 0).ike_sas == 0;
}

START_TEST(delete_from_responder)
{
	struct wire *w = wire_up(0, 0);

	eng_peer_del(w->eng[1], "gw");
	ck_assert(wire_run(w, a_down, 3));
	ck_assert_int_eq(w->dp[0].dels, 2);
	wire_free(w);
}
END_TEST

static bool
child_gone(struct wire *w)
{
	return w->head == NULL && w->dp[0].n == 0 && w->dp[1].n == 0;
}

START_TEST(delete_child)
{
	struct wire *w = wire_up(0, 0);
	struct eng_vpn va;

	/* A changed VPN renegotiates its own SAs: the Child SA goes. */
	vpn_conf(&va, 0);
	va.establish = ENG_RESPONDER_ONLY;
	ck_assert_int_eq(eng_vpn_set(w->eng[0], &va), 0);
	ck_assert(wire_run(w, child_gone, 3));
	ck_assert_uint_eq(pst(w, 0).ike_up, 1);
	ck_assert_uint_eq(pst(w, 1).ike_up, 1);
	wire_free(w);
}
END_TEST

START_TEST(garbage_changes_nothing)
{
	struct wire *w = wire_up(0, 0);
	struct eng_stats before = est(w, 1);
	uint8_t junk[200];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	/* garbage, a truncated IKE_AUTH, every datagram replayed */
	wire_queue(w, pkt_new(1, junk, sizeof(junk), &w->addr[0], &w->addr[1]));
	for (size_t cut = 1; cut < w->log[2]->len; cut += 7)
		wire_queue(
		    w, pkt_new(1, w->log[2]->p, cut, &w->addr[0], &w->addr[1]));
	size_t n = w->nlog;
	for (size_t i = 0; i < n; i++)
		wire_queue(w,
		    pkt_new(w->log[i]->to, w->log[i]->p, w->log[i]->len,
			&w->log[i]->from, &w->log[i]->dst));
	/* A bit flipped in the sealed part of the IKE_AUTH request. */
	struct pkt *k =
	    pkt_new(1, w->log[2]->p, w->log[2]->len, &w->addr[0], &w->addr[1]);
	k->p[k->len - 3] ^= 1;
	wire_queue(w, k);
	ck_assert(wire_run(w, quiet, 3));

	struct eng_stats after = est(w, 1);
	ck_assert_uint_gt(after.in_malformed, before.in_malformed);
	ck_assert_uint_gt(after.in_integrity, before.in_integrity);
	ck_assert_uint_gt(after.in_bad_msgid + after.in_dup_answered,
	    before.in_bad_msgid + before.in_dup_answered);
	ck_assert_int_eq(w->dp[0].adds, 2);
	ck_assert_int_eq(w->dp[1].adds, 2);
	ck_assert_int_eq(w->dp[0].dels + w->dp[1].dels, 0);
	ck_assert_uint_eq(pst(w, 0).ike_up, 1);
	ck_assert_uint_eq(pst(w, 1).ike_sas, 1);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

START_TEST(nat_traversal)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	w->nat = true;
	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	pb.remote.ss_family = AF_UNSPEC; /* dynamic: behind a NAT */
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, both_up, 5));
	assert_mirror(w);
	/* RFC 7296 2.23: IKE_AUTH already on 4500 */
	ck_assert_uint_eq(ntohs(w->log[2]->dst.sin_port), 4500);
	ck_assert_uint_eq(ntohs(w->log[3]->dst.sin_port), 4500);
	/* RFC 3948: ESP in UDP, B towards the NAT's mapped port. */
	for (size_t i = 0; i < 2; i++) {
		ck_assert_uint_eq(w->dp[0].sa[i].encap_sport, 4500);
		ck_assert_uint_eq(w->dp[0].sa[i].encap_dport, 4500);
		ck_assert_uint_eq(w->dp[1].sa[i].encap_sport, 4500);
		ck_assert_uint_eq(w->dp[1].sa[i].encap_dport, 44500);
		ck_assert_uint_eq(w->dp[1].sa[i].remote.u.v4.s_addr,
		    w->nat_addr.sin_addr.s_addr);
	}
	wire_free(w);
}
END_TEST

/*
 * A behind a NAT (B learns its address from the SA), A's DPD always on
 * every dpd_interval seconds; both sides up.
 */
static struct wire *
wire_nat_dpd(uint32_t dpd_interval)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	w->nat = true;
	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	pb.remote.ss_family = AF_UNSPEC;
	pa.dpd = ENG_DPD_ALWAYS;
	pa.dpd_interval = dpd_interval;
	pa.dpd_threshold = 5;
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, both_up, 5));
	return w;
}

/*
 * RFC 7296 2.23: the NAT in front of A maps it to a new port during the
 * SA; A's next DPD (authenticated) comes from there, and B moves its IKE
 * SA and its outbound ESP to it, keeping both.
 */
START_TEST(nat_remap)
{
	struct wire *w = wire_nat_dpd(10);

	ck_assert_uint_eq(mock_find(&w->dp[1], false)->encap_dport, 44500);
	int adds = w->dp[1].adds;

	w->nat_off = 41000;
	wire_advance(w, 1); /* A's DPD clock starts */
	wire_advance(w, 11);
	ck_assert(wire_run(w, quiet, 2));
	ck_assert_uint_eq(mock_find(&w->dp[1], false)->encap_dport, 45500);
	ck_assert_uint_eq(mock_find(&w->dp[1], false)->remote.u.v4.s_addr,
	    w->nat_addr.sin_addr.s_addr);
	/* the same SAs: nothing installed again, one IKE SA each */
	ck_assert_int_eq(w->dp[1].adds, adds);
	ck_assert_int_eq(w->dp[1].n, 2);
	ck_assert_uint_eq(pst(w, 1).ike_sas, 1);
	ck_assert_uint_eq(pst(w, 0).ike_sas, 1);
	wire_free(w);
}
END_TEST

/* B's first datagram from now on is lost, and the NAT maps A anew. */
static bool
drop_b_remap(struct wire *w, int side, const uint8_t *p, size_t len)
{
	if (side != 1)
		return false;
	w->drop = NULL;
	w->nat_off = 41000;
	return true;
}

static bool
b_answered_again(struct wire *w)
{
	struct eng_stats st;

	eng_stats_get(w->eng[1], &st);
	return st.in_dup_answered >= 1 && w->head == NULL;
}

/*
 * RFC 7296 2.11: B's answer to A's DPD is lost and the NAT maps A anew;
 * A's retransmission (from the new port) gets the cached answer there.
 */
START_TEST(nat_remap_retransmit)
{
	/* retransmitted after 1 s of real time */
	struct wire *w = wire_nat_dpd(1);

	w->drop = drop_b_remap;
	wire_advance(w, 1);
	wire_advance(w, 1); /* A's DPD: B's answer lost */
	ck_assert(wire_run(w, quiet, 2));
	ck_assert_ptr_null(w->drop);
	ck_assert(wire_run(w, b_answered_again, 4));
	/* B's last datagram: the cached answer, at A's new mapping (mapped
	 * back by the NAT to A's 4500; the old mapping gave 3500) */
	const struct pkt *k = NULL;
	for (size_t i = 0; i < w->nlog; i++)
		if (w->log[i]->to == 0)
			k = w->log[i];
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(ntohs(k->dst.sin_port), 4500);
	ck_assert_uint_eq(pst(w, 0).ike_sas, 1);
	wire_free(w);
}
END_TEST

START_TEST(no_nat_no_encap)
{
	struct wire *w = wire_up(0, 0);

	ck_assert_uint_eq(ntohs(w->log[2]->dst.sin_port), 500);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_uint_eq(w->dp[0].sa[i].encap_sport, 0);
		ck_assert_uint_eq(w->dp[1].sa[i].encap_dport, 0);
	}
	wire_free(w);
}
END_TEST

/* PPK configuration of both sides: "" none, "m" mandatory, "o" optional. */
static struct wire *
wire_ppk(const char *a, const char *b, bool b_has_key)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	if (a[0]) {
		snprintf(pa.ppk_profile, sizeof(pa.ppk_profile), "qkd");
		pa.ppk_optional = a[0] == 'o';
	}
	if (b[0]) {
		snprintf(pb.ppk_profile, sizeof(pb.ppk_profile), "qkd");
		pb.ppk_optional = b[0] == 'o';
	}
	w->keys[1].have = b_has_key;
	w->keys[1].defer = true;
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	wire_conf(w, &pa, &pb, &va, &vb);
	return w;
}

START_TEST(ppk_mandatory)
{
	struct wire *w = wire_ppk("m", "m", true);

	ck_assert(wire_run(w, both_up, 5));
	ck_assert_int_eq(w->keys[0].asked, 1);
	ck_assert_int_eq(w->keys[1].asked, 1); /* answered later */
	ck_assert_uint_eq(pst(w, 0).ppk_used, 1);
	ck_assert_uint_eq(pst(w, 1).ppk_used, 1);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

START_TEST(ppk_differs)
{
	/* The same PPK_ID but another key: SK_pi' differ, AUTH fails. */
	struct wire *w = wire_ppk("m", "m", true);

	w->keys[1].key[0] ^= 1;
	ck_assert(wire_run(w, a_auth_failed, 5));
	ck_assert_uint_eq(pst(w, 1).auth_failed, 1);
	ck_assert_int_eq(w->dp[0].adds + w->dp[1].adds, 0);
	wire_free(w);
}
END_TEST

START_TEST(ppk_unknown_id_optional)
{
	/* RFC 8784 3: the responder lacks the key; NO_PPK_AUTH carries it. */
	struct wire *w = wire_ppk("o", "o", false);

	ck_assert(wire_run(w, both_up, 5));
	ck_assert_int_eq(w->keys[1].asked, 1);
	ck_assert_uint_eq(pst(w, 0).ppk_used, 0);
	ck_assert_uint_eq(pst(w, 1).ppk_used, 0);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

START_TEST(ppk_unknown_id_mandatory)
{
	struct wire *w = wire_ppk("o", "m", false);

	ck_assert(wire_run(w, a_auth_failed, 5));
	ck_assert_uint_eq(pst(w, 1).auth_failed, 1);
	ck_assert_int_eq(w->dp[0].adds + w->dp[1].adds, 0);
	wire_free(w);
}
END_TEST

START_TEST(ppk_required_by_responder)
{
	struct wire *w = wire_ppk("", "m", true);

	ck_assert(wire_run(w, a_auth_failed, 5));
	ck_assert_uint_eq(pst(w, 1).auth_failed, 1);
	ck_assert_int_eq(w->keys[1].asked, 0);
	wire_free(w);
}
END_TEST

START_TEST(ppk_required_by_initiator)
{
	/* No USE_PPK back: the initiator gives up after IKE_SA_INIT. */
	struct wire *w = wire_ppk("m", "", true);

	ck_assert(wire_run(w, a_auth_failed, 5));
	ck_assert_int_eq(w->sent, 2);
	ck_assert_int_eq(w->keys[0].asked, 0);
	wire_free(w);
}
END_TEST

START_TEST(ppk_optional_peer_without)
{
	struct wire *w = wire_ppk("o", "", true);

	ck_assert(wire_run(w, both_up, 5));
	ck_assert_int_eq(w->keys[0].asked, 0);
	ck_assert_uint_eq(pst(w, 0).ppk_used, 0);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

/* The brief show comes as its JSON text (engine.h): parsed here. */
static json_t *
rpc_parsed(json_t *text)
{
	json_t *r;

	ck_assert(json_is_string(text));
	r = json_loads(json_string_value(text), 0, NULL);
	json_decref(text);
	return r;
}

/* After a clear: the first SAs gone, a second pair up, one IKE SA each. */
static bool
cleared_back(struct wire *w)
{
	return w->head == NULL && both_up(w) && pst(w, 0).ike_sas == 1 &&
	    pst(w, 1).ike_sas == 1 && pst(w, 0).established == 2 &&
	    w->dp[1].dels == 2;
}

START_TEST(rpc_show_and_clear)
{
	struct wire *w = wire_up(0, 0);
	char err[128];
	json_t *keep;

	/* no failure: no gateway in show security ike stats' failures */
	ck_assert_ptr_null(gw_failure(w, 0, &keep));
	json_decref(keep);
	json_t *in = json_object();
	json_t *a = rpc_parsed(eng_rpc(w->eng[0],
	    "show-security-ike-security-associations", in, err, sizeof(err)));
	json_t *b = rpc_parsed(eng_rpc(w->eng[1],
	    "show-security-ike-security-associations", in, err, sizeof(err)));

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	json_t *la = json_object_get(
	    json_object_get(a, "ike-security-associations-information"),
	    "ike-security-associations");
	json_t *lb = json_object_get(
	    json_object_get(b, "ike-security-associations-information"),
	    "ike-security-associations");
	ck_assert_int_eq(json_array_size(la), 1);
	ck_assert_int_eq(json_array_size(lb), 1);
	json_t *sa = json_array_get(la, 0), *sb = json_array_get(lb, 0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(sa, "ike-sa-state")), "UP");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(sa, "ike-sa-index")), 1);
	ck_assert_str_eq(
	    json_string_value(json_object_get(sa, "ike-sa-exchange-type")),
	    "IKEv2");
	ck_assert_str_eq(
	    json_string_value(json_object_get(sa, "ike-sa-remote-address")),
	    "10.0.0.2");
	/* Both sides name the IKE SA by the same SPI pair. */
	ck_assert_str_eq(
	    json_string_value(json_object_get(sa, "ike-sa-initiator-cookie")),
	    json_string_value(json_object_get(sb, "ike-sa-initiator-cookie")));
	ck_assert_str_eq(
	    json_string_value(json_object_get(sa, "ike-sa-responder-cookie")),
	    json_string_value(json_object_get(sb, "ike-sa-responder-cookie")));
	json_decref(a);
	json_decref(b);

	json_t *ip = eng_rpc(w->eng[1],
	    "show-security-ipsec-security-associations", in, err, sizeof(err));
	ck_assert_ptr_nonnull(ip);
	json_t *info =
	    json_object_get(ip, "ipsec-security-associations-information");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(info, "total-ipsec-sas")), 1);
	json_t *esp = json_array_get(
	    json_object_get(
		json_array_get(
		    json_object_get(info, "ipsec-security-associations-block"),
		    0),
		"ipsec-security-associations"),
	    0);
	char spi[12];
	snprintf(spi, sizeof(spi), "0x%08x", mock_find(&w->dp[1], true)->spi);
	ck_assert_str_eq(
	    json_string_value(json_object_get(esp, "sa-spi")), spi);
	ck_assert_str_eq(
	    json_string_value(json_object_get(esp, "sa-hmac-algorithm")),
	    "None");
	json_decref(ip);

	/* An unknown peer is an error; clearing all takes the SAs down on
	 * both sides, and the `immediately` VPN comes back at once with a
	 * new IKE SA, one on each side (not at its next retry). */
	json_t *bad = json_pack("{s:s}", "peer-address", "192.0.2.99");
	ck_assert_ptr_null(eng_rpc(w->eng[0],
	    "clear-security-ike-security-associations", bad, err, sizeof(err)));
	json_decref(bad);
	json_t *ok = eng_rpc(w->eng[0],
	    "clear-security-ike-security-associations", in, err, sizeof(err));
	ck_assert_ptr_nonnull(ok);
	json_decref(ok);
	ck_assert(wire_run(w, cleared_back, 3));
	ck_assert_uint_eq(pst(w, 1).established, 2);
	ck_assert_int_eq(w->dp[0].dels, 2);
	json_decref(in);
	wire_free(w);
}
END_TEST

/* show security ike active-peer's one entry of side: member key. */
static const char *
active_peer(struct wire *w, int side, const char *key, json_t **keep)
{
	char err[128];
	json_t *q = json_object();
	json_t *r = eng_rpc(
	    w->eng[side], "show-security-ike-active-peer", q, err, sizeof(err));
	json_t *l;

	json_decref(q);
	ck_assert_ptr_nonnull(r);
	l = json_object_get(json_object_get(r, "ike-active-peers-information"),
	    "ike-active-peers");
	ck_assert_int_eq(json_array_size(l), 1);
	*keep = r;
	return json_string_value(json_object_get(json_array_get(l, 0), key));
}

/*
 * show security ike active-peer: the peer's address and the ID it
 * authenticated with ("Peer IKE-ID"), not its address again: A says it is
 * a.example.net (ID_FQDN).
 */
START_TEST(rpc_active_peer_id)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;
	json_t *r;

	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	pa.local_id.type = ID_FQDN;
	pa.local_id.len = strlen("a.example.net");
	memcpy(pa.local_id.data, "a.example.net", pa.local_id.len);
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, both_up, 5));
	ck_assert_str_eq(active_peer(w, 1, "ike-ike-id", &r), "a.example.net");
	json_decref(r);
	ck_assert_str_eq(
	    active_peer(w, 1, "ike-sa-remote-address", &r), "10.0.0.1");
	json_decref(r);
	ck_assert_str_eq(active_peer(w, 0, "ike-ike-id", &r), "10.0.0.2");
	json_decref(r);
	wire_free(w);
}
END_TEST

/* Something was sent (the clear commands that must not send). */
static bool
quiet_not(struct wire *w)
{
	return w->head != NULL;
}

/* B deleted both SAs of the Child SA pair, on A's Delete. */
static bool
b_child_deleted(struct wire *w)
{
	return w->head == NULL && w->dp[1].dels == 2;
}

/*
 * The clear commands' filters on the real engine: an index that names
 * nothing is an error and clears nothing; `clear security ike
 * security-associations index N` takes that IKE SA down (and the
 * `immediately` VPN back up); `clear security ipsec security-associations
 * index 500001` deletes that tunnel's Child SA pair on both sides.
 */
START_TEST(rpc_clear_by_index)
{
	struct wire *w = wire_up(0, 0);
	char err[128];
	json_t *q = json_pack("{s:I}", "index", (json_int_t)99);

	ck_assert_ptr_null(eng_rpc(w->eng[0],
	    "clear-security-ike-security-associations", q, err, sizeof(err)));
	ck_assert_ptr_null(eng_rpc(w->eng[0],
	    "clear-security-ipsec-security-associations", q, err, sizeof(err)));
	json_decref(q);
	ck_assert(!wire_run(w, quiet_not, 0.2));
	ck_assert_int_eq(w->dp[0].dels, 0);
	ck_assert_int_eq(w->dp[1].dels, 0);

	q = json_pack("{s:I}", "index", (json_int_t)1);
	json_t *ok = eng_rpc(w->eng[0],
	    "clear-security-ike-security-associations", q, err, sizeof(err));
	ck_assert_ptr_nonnull(ok);
	json_decref(ok);
	json_decref(q);
	ck_assert(wire_run(w, cleared_back, 3));
	wire_free(w);

	w = wire_up(0, 0);
	q = json_pack("{s:I}", "index", (json_int_t)500001);
	ok = eng_rpc(w->eng[0], "clear-security-ipsec-security-associations", q,
	    err, sizeof(err));
	ck_assert_ptr_nonnull(ok);
	json_decref(ok);
	json_decref(q);
	ck_assert(wire_run(w, b_child_deleted, 3));
	ck_assert_int_eq(w->dp[0].dels, 2);
	ck_assert_uint_eq(pst(w, 0).ike_up, 1); /* the IKE SA stays */
	wire_free(w);
}
END_TEST

static bool
sent_one(struct wire *w)
{
	return w->nlog >= 1;
}

/* One IKE SA and one Child SA pair on each side. */
static bool
one_each(struct wire *w)
{
	return pst(w, 0).ike_sas == 1 && pst(w, 1).ike_sas == 1 &&
	    w->dp[0].n == 2 && w->dp[1].n == 2;
}

/* The one IKE SA's SPI (field f) in side's show. */
static const char *
ike_cookie(struct wire *w, int side, const char *f, char *buf, size_t len)
{
	char err[128];
	json_t *in = json_object();
	json_t *r = rpc_parsed(eng_rpc(w->eng[side],
	    "show-security-ike-security-associations", in, err, sizeof(err)));
	json_t *l;

	ck_assert_ptr_nonnull(r);
	l = json_object_get(
	    json_object_get(r, "ike-security-associations-information"),
	    "ike-security-associations");
	ck_assert_int_eq(json_array_size(l), 1);
	snprintf(buf, len, "%s",
	    json_string_value(json_object_get(json_array_get(l, 0), f)));
	json_decref(r);
	json_decref(in);
	return buf;
}

/*
 * RFC 7296 2.6: asked for a COOKIE, the initiator repeats IKE_SA_INIT with
 * N(COOKIE) first "and all other payloads unchanged": the same SA, KE (the
 * D-H public value of the first request) and nonce.  B asks for cookies
 * from one half-open SA on; a forged IKE_SA_INIT (A's first one under
 * another SPI, while A's own is lost) makes that one.
 */
START_TEST(cookie_retry_same_ke)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;
	struct eng_limits lim = { .cookie_threshold = 1 };
	const struct pkt *first = NULL, *again = NULL;
	size_t nlen;

	w->drop_at = 1; /* A's first IKE_SA_INIT never reaches B */
	eng_limits_set(w->eng[1], &lim);
	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, sent_one, 2));
	first = w->log[0];
	/* the forgery: another initiator SPI, from A's address */
	struct pkt *k =
	    pkt_new(1, first->p, first->len, &first->from, &first->dst);
	k->p[0] ^= 0xff;
	wire_queue(w, k);
	ck_assert(wire_run(w, both_up, 10));
	ck_assert_uint_eq(est(w, 1).cookies_sent, 1);
	/* A's IKE_SA_INITs that reached B: the retransmission of the lost
	 * one (refused with the COOKIE), then the one with the COOKIE. */
	for (size_t i = 1; i < w->nlog; i++) {
		const struct pkt *q = w->log[i];
		if (q->to == 1 && q->len > 28 && q->p[18] == IKE_SA_INIT &&
		    q->p[16] == PLD_NOTIFY && memcmp(q->p, first->p, 8) == 0)
			again = q;
	}
	ck_assert_ptr_nonnull(again);
	/* N(COOKIE) first: its length from its generic header (3.2) */
	nlen = (size_t)again->p[30] << 8 | again->p[31];
	ck_assert_uint_eq(nlen, 8 + 32);
	ck_assert_uint_eq(again->p[28 + 7], N_COOKIE & 0xff);
	/* then exactly the payloads of the first request, byte for byte
	 * (SAi1, KEi, Ni, NAT-D, ...), behind its first payload type */
	ck_assert_uint_eq(again->len, first->len + nlen);
	ck_assert_uint_eq(again->p[28], first->p[16]);
	ck_assert_mem_eq(again->p + 28 + nlen, first->p + 28, first->len - 28);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

/*
 * Both gateways `establish-tunnels immediately`: their IKE_SA_INITs cross
 * and each side answers the other's, so two IKE SAs (each with a Child
 * SA) come up.  The redundant one is deleted: both sides end with the
 * same single IKE SA and one Child SA pair.
 */
START_TEST(simultaneous_initiation)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;
	char c1[32], c2[32];

	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	vb.establish = ENG_IMMEDIATELY;
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, both_up, 5));
	ck_assert(wire_run(w, one_each, 5));
	ck_assert(wire_run(w, quiet, 2));
	ck_assert_uint_eq(pst(w, 0).ike_sas, 1);
	ck_assert_uint_eq(pst(w, 1).ike_sas, 1);
	ck_assert_uint_eq(pst(w, 0).child_sas, 1);
	ck_assert_uint_eq(pst(w, 1).child_sas, 1);
	ck_assert_int_eq(w->dp[0].n, 2);
	ck_assert_int_eq(w->dp[1].n, 2);
	/* two were made on each side */
	ck_assert_uint_eq(pst(w, 0).established, 2);
	ck_assert_uint_eq(pst(w, 1).established, 2);
	assert_mirror(w);
	/* the same IKE SA on both sides */
	ck_assert_str_eq(ike_cookie(w, 0, "ike-sa-initiator-cookie", c1, 32),
	    ike_cookie(w, 1, "ike-sa-initiator-cookie", c2, 32));
	ck_assert_str_eq(ike_cookie(w, 0, "ike-sa-responder-cookie", c1, 32),
	    ike_cookie(w, 1, "ike-sa-responder-cookie", c2, 32));
	/* nothing comes back later: the survivor stays alone */
	wire_advance(w, 30);
	ck_assert(wire_run(w, quiet, 2));
	ck_assert_uint_eq(pst(w, 0).ike_sas, 1);
	ck_assert_uint_eq(pst(w, 1).ike_sas, 1);
	ck_assert_uint_eq(pst(w, 0).established, 2);
	wire_free(w);
}
END_TEST

static bool
two_dropped(struct wire *w)
{
	return w->dropped >= 2;
}

/*
 * The same with A deaf at first: B's IKE_SA_INIT and its answer to A's
 * are lost, so each side's own SA is still on its way when the other's
 * retransmission arrives, or has just come up (COLLIDE_LATE).
 */
START_TEST(simultaneous_initiation_lossy)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;
	char c1[32], c2[32];

	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	vb.establish = ENG_IMMEDIATELY;
	w->mute[0] = true;
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, two_dropped, 3));
	w->mute[0] = false;
	ck_assert(wire_run(w, one_each, 10));
	ck_assert(wire_run(w, quiet, 3));
	ck_assert(one_each(w));
	ck_assert_str_eq(ike_cookie(w, 0, "ike-sa-initiator-cookie", c1, 32),
	    ike_cookie(w, 1, "ike-sa-initiator-cookie", c2, 32));
	assert_mirror(w);
	wire_advance(w, 30);
	ck_assert(wire_run(w, quiet, 2));
	ck_assert(one_each(w));
	wire_free(w);
}
END_TEST

/* The IKE header (RFC 7296 3.1): exchange type at 18, flags at 19. */
static bool
is_auth_request(const uint8_t *p, size_t len)
{
	return len >= 28 && p[18] == IKE_AUTH && (p[19] & 0x20) == 0;
}

/* w->ctx: a bool; while it is true A's IKE_AUTH requests are lost. */
static bool
drop_a_auth(struct wire *w, int side, const uint8_t *p, size_t len)
{
	bool *hold = w->ctx;

	return side == 0 && *hold && is_auth_request(p, len);
}

static bool
a_auth_sent(struct wire *w)
{
	for (size_t i = 0; i < w->nlog; i++)
		if (w->log[i]->to == 1 &&
		    is_auth_request(w->log[i]->p, w->log[i]->len))
			return true;
	return false;
}

/* IKE_SA_INIT requests B sent as the original initiator (flag I). */
static int
b_sa_inits(const struct wire *w)
{
	int n = 0;

	for (size_t i = 0; i < w->nlog; i++) {
		const struct pkt *q = w->log[i];
		if (q->to == 0 && q->len >= 28 && q->p[18] == IKE_SA_INIT &&
		    (q->p[19] & 0x08) != 0 && (q->p[19] & 0x20) == 0)
			n++;
	}
	return n;
}

static bool
b_started(struct wire *w)
{
	return b_sa_inits(w) > 0;
}

/*
 * B's VPN turns `immediately` while A's IKE_SA_INIT with B is half-open
 * (answered, its IKE_AUTH lost): B starts none of its own, which would
 * cross A's (the peer's may carry the VPN, engine.c vpn_start).  When
 * A's IKE_AUTH comes through, its SA carries the VPN: one IKE SA each
 * side, made once, and B never sent an IKE_SA_INIT of its own.
 */
START_TEST(no_start_while_peer_half_open)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;
	bool hold = true;

	w->ctx = &hold;
	w->drop = drop_a_auth;
	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, a_auth_sent, 3));
	ck_assert(wire_run(w, quiet, 2));
	ck_assert_uint_eq(pst(w, 1).ike_sas, 1); /* A's, half-open */
	vb.establish = ENG_IMMEDIATELY;
	ck_assert_int_eq(eng_vpn_set(w->eng[1], &vb), 0);
	/* the kick's turn of the loop, then B's next look a second later */
	ck_assert(!wire_run(w, b_started, 0.3));
	wire_advance(w, 1);
	ck_assert(!wire_run(w, b_started, 0.3));
	hold = false;
	for (int i = 0; i < 10 && !one_each(w); i++) {
		wire_advance(w, 1); /* A's IKE_AUTH retransmitted */
		wire_run(w, one_each, 0.5);
	}
	ck_assert(one_each(w));
	ck_assert_int_eq(b_sa_inits(w), 0);
	ck_assert_uint_eq(pst(w, 1).established, 1);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

static Suite *
engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("two engines");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, establish);
	tcase_add_test(tc, policy_based_on_traffic);
	tcase_add_test(tc, wrong_psk);
	tcase_add_test(tc, no_common_ike_proposal);
	tcase_add_test(tc, no_common_esp_proposal);
	tcase_add_test(tc, invalid_ke_retry);
	tcase_add_test(tc, dropped_datagram);
	tcase_add_test(tc, dropped_response);
	tcase_add_test(tc, duplicated_request);
	tcase_add_test(tc, duplicated_sa_init);
	tcase_add_test(tc, delete_from_initiator);
	tcase_add_test(tc, delete_gateway_and_vpn);
	tcase_add_test(tc, delete_from_responder);
	tcase_add_test(tc, delete_child);
	tcase_add_test(tc, garbage_changes_nothing);
	tcase_add_test(tc, nat_traversal);
	tcase_add_test(tc, nat_remap);
	tcase_add_test(tc, nat_remap_retransmit);
	tcase_add_test(tc, no_nat_no_encap);
	tcase_add_test(tc, ppk_mandatory);
	tcase_add_test(tc, ppk_differs);
	tcase_add_test(tc, ppk_unknown_id_optional);
	tcase_add_test(tc, ppk_unknown_id_mandatory);
	tcase_add_test(tc, ppk_required_by_responder);
	tcase_add_test(tc, ppk_required_by_initiator);
	tcase_add_test(tc, ppk_optional_peer_without);
	tcase_add_test(tc, rpc_show_and_clear);
	tcase_add_test(tc, rpc_clear_by_index);
	tcase_add_test(tc, rpc_active_peer_id);
	tcase_add_test(tc, ts_narrowed);
	tcase_add_test(tc, ts_unacceptable);
	tcase_add_test(tc, cookie_retry_same_ke);
	tcase_add_test(tc, simultaneous_initiation);
	tcase_add_test(tc, simultaneous_initiation_lossy);
	tcase_add_test(tc, no_start_while_peer_half_open);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("test_engine", stderr);
	return check_main(0, engine_suite(), NULL);
}
