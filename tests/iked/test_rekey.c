/*
 * test_rekey: what happens to SAs after they are up, between two engines
 * over the fake wire (eng_wire.h): CREATE_CHILD_SA rekeys of Child SAs
 * (with and without PFS) and of the IKE SA, simultaneous rekeys from both
 * sides, TEMPORARY_FAILURE, lifetimes that run out on the engines' clock,
 * reauthentication, dead peer detection, NAT keepalives, INITIAL_CONTACT
 * after a restart, and the detail shows through the real renderers.
 * The clock is the test's (wire_advance); what the wire carries is waited
 * for with a deadline.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/log.h"
#include "render/render.h"
#include "tests/iked/eng_wire.h"
#include "tests/lib/check_main.h"

/* One direction's SA of side, copied (the mock's table moves). */
static struct dp_sa
sa_of(const struct wire *w, int side, bool inbound)
{
	const struct dp_sa *s = mock_find(&w->dp[side], inbound);

	ck_assert_ptr_nonnull(s);
	return *s;
}

static struct wire *
wire_with(const struct eng_peer *pa, const struct eng_peer *pb,
    const struct eng_vpn *va, const struct eng_vpn *vb)
{
	struct wire *w = wire_new();

	wire_conf(w, pa, pb, va, vb);
	ck_assert(wire_run(w, both_up, 5));
	return w;
}

static void
conf_pair(struct eng_peer *pa, struct eng_peer *pb, struct eng_vpn *va,
    struct eng_vpn *vb)
{
	peer_conf(pa, 0, "s3cret-psk");
	peer_conf(pb, 1, "s3cret-psk");
	vpn_conf(va, 0);
	vpn_conf(vb, 1);
}

/* Exactly one Child SA each side, quiet, and rekeyed at least once. */
static bool
child_rekeyed(struct wire *w)
{
	return w->head == NULL && w->dp[0].n == 2 && w->dp[1].n == 2 &&
	    pst(w, 0).child_rekeys >= 1 && pst(w, 1).child_rekeys >= 1 &&
	    w->dp[0].dels >= 2 && w->dp[1].dels >= 2;
}

static bool
child_gone_both(struct wire *w)
{
	return w->head == NULL && w->dp[0].n == 0 && w->dp[1].n == 0;
}

static void
assert_replaced(const struct wire *w, const struct dp_sa *old_out,
    const struct dp_sa *old_in)
{
	struct dp_sa out = sa_of(w, 0, false), in = sa_of(w, 0, true);

	ck_assert_uint_ne(out.spi, old_out->spi);
	ck_assert_uint_ne(in.spi, old_in->spi);
	ck_assert_mem_ne(out.enc_key, old_out->enc_key, out.encr->key_len);
	ck_assert_mem_ne(in.enc_key, old_in->enc_key, in.encr->key_len);
	assert_mirror(w);
	/* RFC 7296 2.8: the new outbound was in before the old one left. */
	ck_assert_int_eq(w->dp[0].out_gaps, 0);
	ck_assert_int_eq(w->dp[1].out_gaps, 0);
}

START_TEST(child_rekey_by_lifetime)
{
	struct wire *w = wire_up(0, 0);
	struct dp_sa out = sa_of(w, 0, false), in = sa_of(w, 0, true);

	/* 85% of the default 3600 s: A (the IKE initiator) rekeys at
	 * 80-84%, B would at 86-90%. */
	wire_advance(w, 3060);
	ck_assert(wire_run(w, child_rekeyed, 5));
	assert_replaced(w, &out, &in);
	ck_assert_int_eq(w->dp[0].adds, 4);
	ck_assert_int_eq(w->dp[1].adds, 4);
	ck_assert_uint_eq(pst(w, 0).ike_up, 1);
	/* B's own soft expiry comes later and finds the new SA young. */
	wire_advance(w, 200);
	ck_assert(wire_run(w, quiet, 2));
	ck_assert_int_eq(w->dp[0].adds, 4);
	wire_free(w);
}
END_TEST

START_TEST(child_hard_lifetime)
{
	struct wire *w = wire_up(0, 0);

	/* A's clock jumps past the hard lifetime before any rekey could
	 * run: the Child SA is deleted on both sides, none replaces it,
	 * and the IKE SA stays. */
	w->now += 3601;
	eng_timers_run(w->eng[0]);
	/* the outbound at once; the inbound waits for B's answer */
	ck_assert_int_eq(w->dp[0].n, 1);
	ck_assert(mock_find(&w->dp[0], true) != NULL);
	ck_assert(wire_run(w, child_gone_both, 3));
	ck_assert_int_eq(w->dp[0].adds, 2);
	ck_assert_int_eq(w->dp[1].adds, 2);
	ck_assert_uint_eq(pst(w, 0).ike_up, 1);
	ck_assert_uint_eq(pst(w, 1).ike_up, 1);
	wire_free(w);
}
END_TEST

START_TEST(child_rekey_pfs)
{
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	conf_pair(&pa, &pb, &va, &vb);
	va.prop[0].dh = vb.prop[0].dh = ECP_256;
	struct wire *w = wire_with(&pa, &pb, &va, &vb);
	struct dp_sa out = sa_of(w, 0, false), in = sa_of(w, 0, true);

	/* A soft expiry from the dataplane (kilobytes) rekeys too. */
	eng_expire(w->eng[0], out.spi, false, false);
	ck_assert(wire_run(w, child_rekeyed, 5));
	assert_replaced(w, &out, &in);
	wire_free(w);
}
END_TEST

static bool
a_rekey_refused(struct wire *w)
{
	return w->head == NULL && pst(w, 0).no_proposal >= 1;
}

START_TEST(child_rekey_pfs_mismatch)
{
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	/* A wants PFS, B has none: the first Child SA (no KE in IKE_AUTH)
	 * comes up, its rekey is refused, and the old SA stays. */
	conf_pair(&pa, &pb, &va, &vb);
	va.prop[0].dh = ECP_256;
	struct wire *w = wire_with(&pa, &pb, &va, &vb);
	struct dp_sa out = sa_of(w, 0, false);

	eng_expire(w->eng[0], out.spi, false, false);
	ck_assert(wire_run(w, a_rekey_refused, 5));
	ck_assert_uint_eq(pst(w, 1).no_proposal, 1);
	ck_assert_uint_eq(sa_of(w, 0, false).spi, out.spi);
	ck_assert_int_eq(w->dp[0].n, 2);
	/* issue 10: a refused Child SA is each gateway's last failure */
	char *why = gw_last_failure(w, 0);
	ck_assert_str_eq(
	    why, "CREATE_CHILD_SA refused by peer: NO_PROPOSAL_CHOSEN");
	free(why);
	why = gw_last_failure(w, 1);
	ck_assert_str_eq(why, "Child SA refused: NO_PROPOSAL_CHOSEN");
	free(why);
	wire_free(w);
}
END_TEST

/* The one IKE SA of side: its SPIs through the brief show. */
static void
ike_spis(struct wire *w, int side, char *ci, char *cr)
{
	char err[128];
	json_t *in = json_object();
	json_t *t = eng_rpc(w->eng[side],
	    "show-security-ike-security-associations", in, err, sizeof(err));
	/* the brief show comes as its JSON text (engine.h) */
	json_t *r = json_loads(json_string_value(t), 0, NULL);
	json_t *l = json_object_get(
	    json_object_get(r, "ike-security-associations-information"),
	    "ike-security-associations");

	ck_assert_int_eq(json_array_size(l), 1);
	snprintf(ci, 17, "%s",
	    json_string_value(json_object_get(
		json_array_get(l, 0), "ike-sa-initiator-cookie")));
	snprintf(cr, 17, "%s",
	    json_string_value(json_object_get(
		json_array_get(l, 0), "ike-sa-responder-cookie")));
	json_decref(r);
	json_decref(t);
	json_decref(in);
}

static bool
ike_rekeyed(struct wire *w)
{
	return w->head == NULL && pst(w, 0).ike_sas == 1 &&
	    pst(w, 1).ike_sas == 1 && pst(w, 0).ike_up == 1 &&
	    pst(w, 1).ike_up == 1 && pst(w, 0).ike_rekeys >= 1 &&
	    pst(w, 1).ike_rekeys >= 1;
}

static struct wire *
wire_short_ike(uint32_t ike_life)
{
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	conf_pair(&pa, &pb, &va, &vb);
	pa.prop[0].lifetime_s = pb.prop[0].lifetime_s = ike_life;
	return wire_with(&pa, &pb, &va, &vb);
}

START_TEST(ike_rekey_then_child_rekey)
{
	struct wire *w = wire_short_ike(1000);
	char ci[17], cr[17], ci2[17], cr2[17], bi[17], br[17];
	struct dp_sa out = sa_of(w, 0, false), in = sa_of(w, 0, true);

	ike_spis(w, 0, ci, cr);
	wire_advance(w, 850);
	ck_assert(wire_run(w, ike_rekeyed, 5));
	/* RFC 7296 2.18: new SPIs both sides agree on; A initiated it. */
	ike_spis(w, 0, ci2, cr2);
	ike_spis(w, 1, bi, br);
	ck_assert_str_ne(ci, ci2);
	ck_assert_str_ne(cr, cr2);
	ck_assert_str_eq(ci2, bi);
	ck_assert_str_eq(cr2, br);
	/* The Child SA moved to the new IKE SA, untouched. */
	ck_assert_int_eq(w->dp[0].adds, 2);
	ck_assert_int_eq(w->dp[1].adds, 2);
	ck_assert_uint_eq(sa_of(w, 0, false).spi, out.spi);
	/* A Child SA rekey now takes its keys from the NEW SK_d; both
	 * sides must derive the same (assert_mirror) for it to work. */
	eng_expire(w->eng[1], sa_of(w, 1, true).spi, true, false);
	ck_assert(wire_run(w, child_rekeyed, 5));
	assert_replaced(w, &out, &in);
	wire_free(w);
}
END_TEST

START_TEST(simultaneous_child_rekey)
{
	struct wire *w = wire_up(0, 0);
	struct dp_sa out = sa_of(w, 0, false), in = sa_of(w, 0, true);

	/* Both soft expiries at once: both requests cross on the wire. */
	eng_expire(w->eng[0], out.spi, false, false);
	eng_expire(w->eng[1], sa_of(w, 1, false).spi, false, false);
	ck_assert(wire_run(w, child_rekeyed, 5));
	ck_assert(wire_run(w, quiet, 2));
	/* RFC 7296 2.8.1: two were made, the redundant one is gone:
	 * exactly one new pair each side, and they match. */
	ck_assert_int_eq(w->dp[0].adds, 6);
	ck_assert_int_eq(w->dp[1].adds, 6);
	ck_assert_int_eq(w->dp[0].n, 2);
	ck_assert_int_eq(w->dp[1].n, 2);
	assert_replaced(w, &out, &in);
	wire_free(w);
}
END_TEST

START_TEST(simultaneous_ike_rekey)
{
	struct wire *w = wire_short_ike(1000);
	char ci[17], cr[17], ci2[17], cr2[17], bi[17], br[17];

	ike_spis(w, 0, ci, cr);
	/* 95%: both sides' soft expiry is due in the same tick. */
	wire_advance(w, 950);
	ck_assert(wire_run(w, ike_rekeyed, 5));
	ck_assert(wire_run(w, quiet, 2));
	ck_assert_uint_eq(pst(w, 0).ike_sas, 1);
	ck_assert_uint_eq(pst(w, 1).ike_sas, 1);
	ike_spis(w, 0, ci2, cr2);
	ike_spis(w, 1, bi, br);
	ck_assert_str_ne(ci, ci2);
	ck_assert_str_eq(ci2, bi);
	ck_assert_str_eq(cr2, br);
	/* The Child SA survived on the one new IKE SA. */
	ck_assert_int_eq(w->dp[0].n, 2);
	ck_assert_int_eq(w->dp[1].n, 2);
	ck_assert_uint_eq(pst(w, 0).child_sas, 1);
	ck_assert_uint_eq(pst(w, 1).child_sas, 1);
	assert_mirror(w);
	/* and still works: a Child SA rekey over it */
	eng_expire(w->eng[0], sa_of(w, 0, false).spi, false, false);
	ck_assert(wire_run(w, child_rekeyed, 5));
	assert_mirror(w);
	wire_free(w);
}
END_TEST

static bool
both_rekeyed(struct wire *w)
{
	return ike_rekeyed(w) && child_rekeyed(w);
}

START_TEST(temporary_failure_then_retry)
{
	struct wire *w = wire_short_ike(1000);
	char ci[17], cr[17], ci2[17], cr2[17];

	ike_spis(w, 0, ci, cr);
	/* A rekeys the IKE SA while B rekeys the Child SA: each refuses
	 * the other's with TEMPORARY_FAILURE (2.25.2) ... */
	w->now += 850;
	eng_expire(w->eng[1], sa_of(w, 1, false).spi, false, false);
	eng_timers_run(w->eng[0]);
	ck_assert(wire_run(w, quiet, 2));
	ck_assert_uint_eq(pst(w, 0).ike_rekeys, 0);
	ck_assert_uint_eq(pst(w, 1).child_rekeys, 0);
	/* ... and both try again a few seconds later, one after the other. */
	for (int i = 0; i < 12 && !both_rekeyed(w); i++) {
		wire_advance(w, 1);
		wire_run(w, quiet, 2);
	}
	ck_assert(both_rekeyed(w));
	ike_spis(w, 0, ci2, cr2);
	ck_assert_str_ne(ci, ci2);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

static bool
a_redialed_after_dpd(struct wire *w)
{
	return pst(w, 0).dpd_dead == 1 && w->dp[0].n == 0 &&
	    pst(w, 0).ike_sas == 1 && pst(w, 0).ike_up == 0;
}

START_TEST(dpd_declares_silent_peer_dead)
{
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	conf_pair(&pa, &pb, &va, &vb);
	pa.dpd = ENG_DPD_PROBE_IDLE;
	pa.dpd_interval = 1; /* real seconds between sends */
	pa.dpd_threshold = 2;
	struct wire *w = wire_with(&pa, &pb, &va, &vb);

	/* A live peer answers: nothing happens. */
	wire_advance(w, 1);
	wire_advance(w, 1);
	ck_assert(wire_run(w, quiet, 2));
	ck_assert_uint_eq(pst(w, 0).dpd_dead, 0);
	ck_assert_uint_eq(pst(w, 0).ike_up, 1);
	/* B goes silent: two checks unanswered, the SAs go, and the
	 * `immediately` VPN is dialled again. */
	int sent = w->sent;
	w->mute[1] = true;
	wire_advance(w, 1);
	ck_assert_int_gt(w->sent, sent);
	ck_assert(wire_run(w, a_redialed_after_dpd, 8));
	ck_assert_int_eq(w->dp[0].dels, 2);
	wire_free(w);
}
END_TEST

START_TEST(nat_keepalive)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	w->nat = true;
	conf_pair(&pa, &pb, &va, &vb);
	pb.remote.ss_family = AF_UNSPEC;
	pa.nat_keepalive = 5;
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, both_up, 5));
	wire_advance(w, 4);
	ck_assert_int_eq(w->ka[0], 0);
	wire_advance(w, 1);
	/* RFC 3948 4: A, behind the NAT, to B's 4500; B, not behind one,
	 * sends none. */
	ck_assert_int_eq(w->ka[0], 1);
	ck_assert_int_eq(w->ka[1], 0);
	ck_assert_uint_eq(ntohs(w->ka_dst[0].sin_port), 4500);
	ck_assert_uint_eq(
	    w->ka_dst[0].sin_addr.s_addr, w->addr[1].sin_addr.s_addr);
	wire_advance(w, 5);
	ck_assert_int_eq(w->ka[0], 2);
	wire_free(w);
}
END_TEST

/*
 * An idle tunnel costs its engines nothing a second: the timers look at
 * an SA only when one of its deadlines comes (life_wake.c), here none
 * for 50 minutes; its soft lifetime still rekeys it.
 */
START_TEST(idle_sas_not_visited)
{
	struct wire *w = wire_up(0, 0);
	uint64_t va, vb;

	wire_advance(w, 1); /* the SAs just set up: looked at once */
	va = est(w, 0).timer_visits;
	vb = est(w, 1).timer_visits;
	for (int i = 0; i < 60; i++)
		wire_advance(w, 1);
	ck_assert(wire_run(w, quiet, 1));
	ck_assert_uint_eq(est(w, 0).timer_visits, va);
	ck_assert_uint_eq(est(w, 1).timer_visits, vb);
	/* the deadline still comes: A rekeys at 80-84% of 3600 s */
	wire_advance(w, 3060 - 61);
	ck_assert(wire_run(w, child_rekeyed, 5));
	ck_assert_uint_gt(est(w, 0).timer_visits, va);
	wire_free(w);
}
END_TEST

/* With DPD every 10 s, A's SA is looked at around each check, not each
 * second, and the checks still go out. */
START_TEST(dpd_sa_visited_per_interval)
{
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	conf_pair(&pa, &pb, &va, &vb);
	pa.dpd = ENG_DPD_ALWAYS;
	pa.dpd_interval = 10;
	struct wire *w = wire_with(&pa, &pb, &va, &vb);
	wire_advance(w, 1);
	ck_assert(wire_run(w, quiet, 2));
	uint64_t v0 = est(w, 0).timer_visits;
	int sent = w->sent;
	for (int i = 0; i < 60; i++) {
		wire_advance(w, 1);
		ck_assert(wire_run(w, quiet, 2));
	}
	/* six checks, each sent and answered */
	ck_assert_int_ge(w->sent - sent, 12);
	ck_assert_uint_le(est(w, 0).timer_visits - v0, 20);
	ck_assert_uint_eq(pst(w, 0).dpd_dead, 0);
	ck_assert_uint_eq(pst(w, 0).ike_up, 1);
	wire_free(w);
}
END_TEST

static bool
reauthed(struct wire *w)
{
	return w->head == NULL && pst(w, 0).established == 2 &&
	    pst(w, 1).established == 2 && pst(w, 0).ike_sas == 1 &&
	    pst(w, 1).ike_sas == 1 && w->dp[0].n == 2 && w->dp[1].n == 2;
}

START_TEST(reauth_frequency_fresh_ppk)
{
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	conf_pair(&pa, &pb, &va, &vb);
	snprintf(pa.ppk_profile, sizeof(pa.ppk_profile), "qkd");
	snprintf(pb.ppk_profile, sizeof(pb.ppk_profile), "qkd");
	pa.reauth_frequency = pb.reauth_frequency = 1;
	pa.prop[0].lifetime_s = pb.prop[0].lifetime_s = 1000;
	struct wire *w = wire_with(&pa, &pb, &va, &vb);
	char ci[17], cr[17], ci2[17], cr2[17];

	ike_spis(w, 0, ci, cr);
	wire_advance(w, 850);
	ck_assert(wire_run(w, reauthed, 5));
	/* A new IKE_SA_INIT + IKE_AUTH, each side asked for a fresh PPK. */
	ck_assert_uint_eq(pst(w, 0).reauths, 1);
	ck_assert_uint_eq(pst(w, 0).ike_rekeys, 0);
	ck_assert_int_eq(w->keys[0].asked, 2);
	ck_assert_int_eq(w->keys[1].asked, 2);
	ck_assert_uint_eq(pst(w, 0).ppk_used, 2);
	ike_spis(w, 0, ci2, cr2);
	ck_assert_str_ne(ci, ci2);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

static bool
both_have_new(struct wire *w)
{
	return pst(w, 0).established == 2 && pst(w, 1).established == 2;
}

/*
 * Both sides at reauth-frequency 1.  A reauthenticates first; its Delete
 * of the old IKE SA is lost, so when B's soft expiry of that old SA comes
 * B already has A's new IKE SA up: B waits for the Delete (retransmitted)
 * instead of reauthenticating too, which left two new IKE SAs that stayed
 * (and doubled at each round).
 */
START_TEST(reauth_both_sides_one_sa)
{
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	conf_pair(&pa, &pb, &va, &vb);
	pa.reauth_frequency = pb.reauth_frequency = 1;
	pa.prop[0].lifetime_s = pb.prop[0].lifetime_s = 1000;
	struct wire *w = wire_with(&pa, &pb, &va, &vb);

	/* IKE_SA_INIT, IKE_AUTH (request, answer each), then the Delete */
	w->drop_at = w->sent + 5;
	wire_advance(w, 850); /* A's soft expiry (800..840), not B's */
	ck_assert(wire_run(w, both_have_new, 5));
	ck_assert_uint_eq(pst(w, 0).reauths, 1);
	wire_advance(w, 55); /* B's soft expiry of the old IKE SA (860..900) */
	ck_assert(wire_run(w, reauthed, 10));
	ck_assert_uint_eq(pst(w, 1).reauths, 0);
	ck_assert_uint_eq(pst(w, 0).ike_sas, 1);
	ck_assert_uint_eq(pst(w, 1).ike_sas, 1);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

static bool
b_stale_gone(struct wire *w)
{
	return w->head == NULL && pst(w, 1).ike_sas == 1 &&
	    pst(w, 0).ike_up == 1 && w->dp[1].n == 2 && w->dp[0].n == 2;
}

START_TEST(restart_initial_contact)
{
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	conf_pair(&pa, &pb, &va, &vb);
	struct wire *w = wire_with(&pa, &pb, &va, &vb);

	/* A's iked restarts: B still holds the old SAs until A's new
	 * IKE_AUTH says INITIAL_CONTACT (RFC 7296 2.4). */
	wire_restart(w, 0, &pa, &va);
	ck_assert_uint_eq(pst(w, 1).ike_sas, 1);
	ck_assert(wire_run(w, b_stale_gone, 5));
	ck_assert_uint_eq(pst(w, 1).established, 2);
	ck_assert_int_eq(w->dp[1].dels, 2);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

START_TEST(restart_after_ike_rekey)
{
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	conf_pair(&pa, &pb, &va, &vb);
	pa.prop[0].lifetime_s = pb.prop[0].lifetime_s = 1000;
	struct wire *w = wire_with(&pa, &pb, &va, &vb);

	/* The IKE SA B holds now came from a rekey (2.18), which keeps the
	 * peer's identity: A's restart still finds it stale (2.4). */
	wire_advance(w, 850);
	ck_assert(wire_run(w, ike_rekeyed, 5));
	wire_restart(w, 0, &pa, &va);
	ck_assert_uint_eq(pst(w, 1).ike_sas, 1);
	ck_assert(wire_run(w, b_stale_gone, 5));
	assert_mirror(w);
	wire_free(w);
}
END_TEST

static bool
b_both_up(struct wire *w)
{
	return w->head == NULL && pst(w, 1).ike_up == 2 &&
	    pst(w, 0).ike_up == 1 && w->dp[1].n == 4;
}

START_TEST(initial_contact_other_identity)
{
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	conf_pair(&pa, &pb, &va, &vb);
	struct wire *w = wire_with(&pa, &pb, &va, &vb);

	/* A comes back as another identity on the same gateway (as many
	 * initiators behind one address do): its INITIAL_CONTACT makes
	 * stale only the SAs of that identity (2.4), none here. */
	pa.local_id.type = ID_FQDN;
	pa.local_id.len = strlen("other.lab");
	memcpy(pa.local_id.data, "other.lab", pa.local_id.len);
	wire_restart(w, 0, &pa, &va);
	ck_assert(wire_run(w, b_both_up, 5));
	ck_assert_uint_eq(pst(w, 1).established, 2);
	ck_assert_int_eq(w->dp[1].dels, 0);
	wire_free(w);
}
END_TEST

static bool
two_children(struct wire *w)
{
	return w->head == NULL && w->dp[0].n == 4 && w->dp[1].n == 4;
}

START_TEST(second_vpn_new_child)
{
	struct eng_peer pa, pb;
	struct eng_vpn va, vb, va2, vb2;

	/* B knows vpn2 (AES-GCM-256, st0.1) and vpn1; the IKE SA up with
	 * vpn1 carries vpn2's Child SA in a CREATE_CHILD_SA (1.3.1), and B
	 * picks vpn2 by what A proposes. */
	conf_pair(&pa, &pb, &va, &vb);
	vpn_conf(&va2, 0);
	vpn_conf(&vb2, 1);
	for (int i = 0; i < 2; i++) {
		struct eng_vpn *v = i ? &vb2 : &va2;
		snprintf(v->name, sizeof(v->name), "vpn2");
		snprintf(v->bind_if, sizeof(v->bind_if), "st0.1");
		v->tunnel_id = 500002;
		v->prop[0].encr_bits = 256;
	}
	struct wire *w = wire_new();
	ck_assert_int_eq(eng_vpn_set(w->eng[1], &vb2), 0);
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, both_up, 5));
	ck_assert_int_eq(eng_vpn_set(w->eng[0], &va2), 0);
	ck_assert(wire_run(w, two_children, 5));
	ck_assert_uint_eq(pst(w, 0).ike_sas, 1);
	ck_assert_uint_eq(pst(w, 1).ike_sas, 1);
	ck_assert_uint_eq(pst(w, 1).child_sas, 2);
	for (size_t i = 0; i < 4; i++) {
		const struct dp_sa *d = &w->dp[1].sa[i];
		ck_assert_str_eq(
		    d->ifname, d->tunnel_id == 500002 ? "st0.1" : "st0.0");
		ck_assert_uint_eq(
		    d->encr->keybits, d->tunnel_id == 500002 ? 256 : 128);
	}
	wire_free(w);
}
END_TEST

static void
render_ok(json_t *data, const char *rpc, const char **want)
{
	const struct render_entry *r;
	struct sb out = { 0 };

	ck_assert_ptr_nonnull(data);
	for (r = iked_renderers; r->name != NULL; r++)
		if (strcmp(r->name, rpc) == 0)
			break;
	ck_assert_ptr_nonnull(r->name);
	ck_assert_int_eq(r->fn(data, &out), 0);
	if (getenv("RKY_SHOW") != NULL)
		fputs(out.buf, stdout);
	for (; *want != NULL; want++)
		if (strstr(out.buf, *want) == NULL)
			ck_abort_msg("no \"%s\" in:\n%s", *want, out.buf);
	free(out.buf);
	json_decref(data);
}

START_TEST(detail_shows_render)
{
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;
	char err[128];

	conf_pair(&pa, &pb, &va, &vb);
	snprintf(pa.ppk_profile, sizeof(pa.ppk_profile), "qkd");
	snprintf(pb.ppk_profile, sizeof(pb.ppk_profile), "qkd");
	va.prop[0].dh = vb.prop[0].dh = ECP_256;
	struct wire *w = wire_with(&pa, &pb, &va, &vb);
	eng_expire(w->eng[0], sa_of(w, 0, false).spi, false, false);
	ck_assert(wire_run(w, child_rekeyed, 5));
	wire_advance(w, 100);

	json_t *in = json_pack("{s:b}", "detail", 1);
	render_ok(eng_rpc(w->eng[0], "show-security-ike-security-associations",
		      in, err, sizeof(err)),
	    "show-security-ike-security-associations",
	    (const char *[]){ "Role: Initiator, State: UP",
		"Lifetime: Expires in 28700 seconds", "Remote: 10.0.0.2:500",
		"Pre-shared-keys", "hmac-sha256", "aes256-cbc",
		"IPSec security associations: 2 created, 1 deleted", NULL });
	render_ok(
	    eng_rpc(w->eng[1], "show-security-ipsec-security-associations", in,
		err, sizeof(err)),
	    "show-security-ipsec-security-associations",
	    (const char *[]){ "VPN Name: vpn1", "Quantum Secured: Yes",
		"PFS group: DH-group-19", "Bind-interface: st0.0",
		"IPsec SA rekey succeeds (1 times)", "Direction: inbound",
		"Hard lifetime: Expires in 3500 seconds",
		"Encryption: aes-gcm (128 bits)", NULL });
	json_decref(in);
	wire_free(w);
}
END_TEST

static Suite *
rekey_suite(void)
{
	Suite *s = suite_create("rekey");
	TCase *tc = tcase_create("two engines");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, child_rekey_by_lifetime);
	tcase_add_test(tc, child_hard_lifetime);
	tcase_add_test(tc, child_rekey_pfs);
	tcase_add_test(tc, child_rekey_pfs_mismatch);
	tcase_add_test(tc, ike_rekey_then_child_rekey);
	tcase_add_test(tc, simultaneous_child_rekey);
	tcase_add_test(tc, simultaneous_ike_rekey);
	tcase_add_test(tc, temporary_failure_then_retry);
	tcase_add_test(tc, dpd_declares_silent_peer_dead);
	tcase_add_test(tc, nat_keepalive);
	tcase_add_test(tc, idle_sas_not_visited);
	tcase_add_test(tc, dpd_sa_visited_per_interval);
	tcase_add_test(tc, reauth_frequency_fresh_ppk);
	tcase_add_test(tc, reauth_both_sides_one_sa);
	tcase_add_test(tc, restart_initial_contact);
	tcase_add_test(tc, restart_after_ike_rekey);
	tcase_add_test(tc, initial_contact_other_identity);
	tcase_add_test(tc, second_vpn_new_child);
	tcase_add_test(tc, detail_shows_render);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("test_rekey", stderr);
	return check_main(0, rekey_suite(), NULL);
}
