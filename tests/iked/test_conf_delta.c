/*
 * iconf_delta (iked/conf_delta.c) against the whole rebuild, for what a
 * commit reaches through references: a proposal reaches the gateways of
 * the policies naming it, an interface the gateways on it, zones,
 * address-book and security policies the policy-based VPNs only, a
 * gateway its policy-based VPNs.  Each commit goes both ways: the same
 * engine calls (only the entries reached are set: a changed proposal
 * renegotiates exactly those gateways), the same configuration, the same
 * errors, and the delta path taken where the table says.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iked/conf.h"
#include "lib/log.h"
#include "schema/conf.h"
#include "schema/edit.h"
#include "tests/iked/conf_fixture.h"
#include "schema/schema.h"
#include "tests/lib/check_main.h"

static struct schema *S;

/*
 * Five gateways on two IKE policies (G1 G2: PA/PX; G3 G4 G5: PB/PY),
 * three route-based VPNs on two IPsec policies (V1: EA/EP; V2 V3:
 * EB/EQ), zones but no policy-based VPN yet.
 */
static const char *const base_lines[] = {
	"set interfaces ge-0/0/0 unit 0 family inet address 198.51.100.1/24",
	"set interfaces ge-0/0/1 unit 0 family inet address 203.0.113.1/24",
	"set interfaces st0 unit 0 family inet",
	"set security ike proposal PX authentication-method pre-shared-keys",
	"set security ike proposal PX dh-group group14",
	"set security ike proposal PX encryption-algorithm aes-256-cbc",
	"set security ike proposal PX authentication-algorithm sha-256",
	"set security ike proposal PY authentication-method pre-shared-keys",
	"set security ike proposal PY dh-group group19",
	"set security ike proposal PY encryption-algorithm aes-128-gcm",
	"set security ike proposal PZ authentication-method pre-shared-keys",
	"set security ike proposal PZ dh-group group14",
	"set security ike policy PA proposals PX",
	"set security ike policy PA pre-shared-key ascii-text secret-a",
	"set security ike policy PB proposals PY",
	"set security ike policy PB pre-shared-key ascii-text secret-b",
	"set security ike gateway G1 ike-policy PA",
	"set security ike gateway G1 address 192.0.2.1",
	"set security ike gateway G1 external-interface ge-0/0/0.0",
	"set security ike gateway G1 version v2-only",
	"set security ike gateway G2 ike-policy PA",
	"set security ike gateway G2 address 192.0.2.2",
	"set security ike gateway G2 external-interface ge-0/0/0.0",
	"set security ike gateway G2 version v2-only",
	"set security ike gateway G3 ike-policy PB",
	"set security ike gateway G3 address 192.0.2.3",
	"set security ike gateway G3 external-interface ge-0/0/1.0",
	"set security ike gateway G3 version v2-only",
	"set security ike gateway G4 ike-policy PB",
	"set security ike gateway G4 address 192.0.2.4",
	"set security ike gateway G4 external-interface ge-0/0/0.0",
	"set security ike gateway G4 version v2-only",
	"set security ike gateway G5 ike-policy PB",
	"set security ike gateway G5 address 192.0.2.5",
	"set security ike gateway G5 external-interface ge-0/0/0.0",
	"set security ike gateway G5 version v2-only",
	"set security ipsec proposal EP encryption-algorithm aes-256-gcm",
	"set security ipsec proposal EQ encryption-algorithm aes-128-gcm",
	"set security ipsec policy EA proposals EP",
	"set security ipsec policy EB proposals EQ",
	"set security ipsec vpn V1 bind-interface st0.0",
	"set security ipsec vpn V1 ike gateway G1",
	"set security ipsec vpn V1 ike ipsec-policy EA",
	"set security ipsec vpn V2 bind-interface st0.1",
	"set security ipsec vpn V2 ike gateway G2",
	"set security ipsec vpn V2 ike ipsec-policy EB",
	"set security ipsec vpn V3 bind-interface st0.2",
	"set security ipsec vpn V3 ike gateway G3",
	"set security ipsec vpn V3 ike ipsec-policy EB",
	"set security zones security-zone trust interfaces ge-0/0/2.0",
	"set security zones security-zone untrust interfaces ge-0/0/0.0",
	"set security address-book global address NET-L 10.1.0.0/16",
	"set security address-book global address NET-R 10.2.0.0/16",
	NULL,
};

#define T2U "set security policies from-zone trust to-zone untrust "

static const struct dstep {
	const char *lines; /* ';'-separated edit lines */
	bool delta;	   /* the delta path is taken */
	bool refused;	   /* validate.c refuses it: not applied */
	const char *want;  /* engine calls */
} dsteps[] = {
	/* a proposal reaches the gateways of its policy, 2 of 5 */
	{ "set security ike proposal PX lifetime-seconds 7200", true, false,
	    "peer_set G1;peer_set G2;" },
	{ "set security ipsec proposal EQ lifetime-seconds 1800", true, false,
	    "vpn_set V2 500002;vpn_set V3 500003;" },
	/* no policy-based VPN: a zone change reaches nothing */
	{ "set security zones security-zone trust host-inbound-traffic "
	  "system-services ssh",
	    true, false, "" },
	{ "set security ike proposal PZ lifetime-seconds 600", true, false,
	    "" },
	{ "deactivate security ike proposal PZ", true, false, "" },
	{ "set routing-options static route 10.9.0.0/16 next-hop st0.0", true,
	    false, "" },
	/* G3's local address comes from ge-0/0/1.0 */
	{ "delete interfaces ge-0/0/1 unit 0 family inet address "
	  "203.0.113.1/24;"
	  "set interfaces ge-0/0/1 unit 0 family inet address 203.0.113.9/24",
	    true, false, "peer_set G3;" },
	{ T2U "policy T1 match source-address NET-L;" T2U
	      "policy T1 match destination-address NET-R;" T2U
	      "policy T1 match application any;" T2U
	      "policy T1 then permit tunnel ipsec-vpn V4;"
	      "set security ipsec vpn V4 ike gateway G4;"
	      "set security ipsec vpn V4 ike ipsec-policy EA",
	    true, false, "vpn_set V4 500004;" },
	/* V4 policy-based: zones and the address book reach it */
	{ "set security zones security-zone trust host-inbound-traffic "
	  "system-services ike",
	    true, false, "" },
	{ "set security address-book global address NET-R 10.3.0.0/16", true,
	    false, "vpn_set V4 500004;" },
	/* every gateway, as a group change does */
	{ "set security ike gateway G1 dead-peer-detection interval 30;"
	  "set security ike gateway G2 dead-peer-detection interval 30;"
	  "set security ike gateway G3 dead-peer-detection interval 30;"
	  "set security ike gateway G4 dead-peer-detection interval 30;"
	  "set security ike gateway G5 dead-peer-detection interval 30",
	    true, false,
	    "peer_set G1;peer_set G2;peer_set G3;peer_set G4;peer_set G5;" },
	{ "set security ike policy PB pre-shared-key ascii-text other", true,
	    false, "peer_set G3;peer_set G4;peer_set G5;" },
	{ "rename security policies from-zone trust to-zone untrust policy T1 "
	  "to policy T2",
	    true, false, "" },
	/* G4 leaves the untrust zone: V4's policy is now inbound only, its
	 * selectors swap */
	{ "set security ike gateway G4 external-interface ge-0/0/1.0", true,
	    false, "peer_set G4;vpn_set V4 500004;" },
	/* refused ones: the same errors either way */
	{ "delete security policies from-zone trust to-zone untrust policy T2",
	    true, true, "" },
	{ "deactivate security ike proposal PY", true, true, "" },
	{ "rename security ike policy PA to policy PC", true, true, "" },
	{ "delete security ipsec policy EB", true, true, "" },
	{ "set security ike gateway G1 version v1-only", true, true, "" },
	{ "delete security ike gateway G5", true, false, "peer_del G5;" },
	/* what still takes the whole rebuild */
	{ "set security pki ca-profile CA ca-identity CA", false, false, "" },
	{ "set security ipsec anti-replay-window-size 128", false, false,
	    "vpn_set V1 500001;vpn_set V2 500002;vpn_set V3 500003;"
	    "vpn_set V4 500004;" },
};

struct calls {
	struct sb log;
};

static void
c_peer_set(void *ctx, const struct eng_peer *p)
{
	sb_printf(&((struct calls *)ctx)->log, "peer_set %s;", p->name);
}

static void
c_peer_del(void *ctx, const char *name)
{
	sb_printf(&((struct calls *)ctx)->log, "peer_del %s;", name);
}

static void
c_vpn_set(void *ctx, const struct eng_vpn *v)
{
	sb_printf(&((struct calls *)ctx)->log, "vpn_set %s %u;", v->name,
	    v->tunnel_id);
}

static void
c_vpn_del(void *ctx, const char *name)
{
	sb_printf(&((struct calls *)ctx)->log, "vpn_del %s;", name);
}

static const struct iconf_diff_ops c_ops = {
	c_peer_set,
	c_peer_del,
	c_vpn_set,
	c_vpn_del,
};

/* The two check results name the same statements with the same words. */
static void
same_errs(const struct verrs *a, const struct verrs *b, const char *at)
{
	ck_assert_msg(
	    a->n == b->n, "%s: %zu errors, whole rebuild %zu", at, a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		ck_assert_msg(strcmp(a->v[i].edit, b->v[i].edit) == 0 &&
			strcmp(a->v[i].stmt, b->v[i].stmt) == 0 &&
			strcmp(a->v[i].msg, b->v[i].msg) == 0,
		    "%s: '%s' vs '%s'", at, a->v[i].msg, b->v[i].msg);
}

/* Both ways from one running state. */
struct both {
	struct conf *prev;
	struct iconf_ids ids, fids;
	struct iconf *run, *frun;
};

static void
both_init(struct both *b, struct conf *c)
{
	memset(b, 0, sizeof(*b));
	b->prev = c;
	b->run = iconf_new(c, &b->ids, NULL);
	b->frun = iconf_new(c, &b->fids, NULL);
	conf_clean(c);
}

static void
both_free(struct both *b)
{
	iconf_free(b->run);
	iconf_free(b->frun);
	iconf_ids_free(&b->ids);
	iconf_ids_free(&b->fids);
	conf_free(b->prev);
}

/*
 * One commit of lines (or, with edit, what edit does) both ways; the
 * engine calls of the delta's apply into *got.  Whether the delta was
 * taken.
 */
static bool
both_commit(struct both *b, const char *lines, bool refused,
    void (*edit)(struct conf *), struct sb *got)
{
	struct conf *next = conf_dup(b->prev);
	struct calls k, fk;
	struct verrs errs = { 0 }, ferrs = { 0 };
	struct iconf_delta *d;
	struct iconf *ic;
	bool changed, taken;

	conf_clean(next);
	if (edit != NULL)
		edit(next);
	else
		ap_lines(next, lines);
	sb_init(&k.log);
	sb_init(&fk.log);
	d = iconf_delta_new(b->run, b->prev, next, &errs);
	taken = d != NULL;
	ic = iconf_new(next, NULL, &ferrs);
	iconf_free(ic);
	if (d != NULL)
		same_errs(&errs, &ferrs, lines);
	ck_assert_msg(refused || ferrs.n == 0, "%s: %s", lines,
	    ferrs.n ? ferrs.v[0].msg : "");
	if (refused) { /* the commit stops at the check */
		iconf_delta_free(d);
		conf_free(next);
		goto done;
	}
	if (d != NULL) {
		iconf_delta_apply(b->run, d, &b->ids, &c_ops, &k, &changed);
		iconf_delta_free(d);
	} else {
		ic = iconf_new(next, &b->ids, NULL);
		iconf_diff(b->run, ic, &c_ops, &k);
		iconf_ids_keep(&b->ids, ic);
		iconf_free(b->run);
		b->run = ic;
	}
	ic = iconf_new(next, &b->fids, NULL);
	iconf_diff(b->frun, ic, &c_ops, &fk);
	iconf_ids_keep(&b->fids, ic);
	iconf_free(b->frun);
	b->frun = ic;
	ck_assert_msg(strcmp(sb_str(&k.log), sb_str(&fk.log)) == 0,
	    "%s: delta '%s', whole '%s'", lines, sb_str(&k.log),
	    sb_str(&fk.log));
	same_iconf(b->run, b->frun, lines);
	conf_free(b->prev);
	b->prev = next;
	conf_clean(next);
	sb_puts(got, sb_str(&k.log));
done:
	verrs_free(&errs);
	verrs_free(&ferrs);
	sb_free(&k.log);
	sb_free(&fk.log);
	return taken;
}

static struct conf *
base_conf(void)
{
	return conf_of(S, base_lines);
}

START_TEST(test_delta_reach)
{
	const struct dstep *t = &dsteps[_i];
	struct both b;
	struct sb got;
	bool taken;

	both_init(&b, base_conf());
	sb_init(&got);
	/* the steps before this one, then this one */
	for (int i = 0; i <= _i; i++) {
		sb_reset(&got);
		taken = both_commit(
		    &b, dsteps[i].lines, dsteps[i].refused, NULL, &got);
	}
	ck_assert_msg(taken == t->delta, "%s: delta %s", t->lines,
	    taken ? "taken" : "not taken");
	ck_assert_msg(strcmp(sb_str(&got), t->want) == 0,
	    "%s: got '%s', want '%s'", t->lines, sb_str(&got), t->want);
	sb_free(&got);
	both_free(&b);
}
END_TEST

#define NGW 150 /* past the moves (DELTA_MOVES_MAX): the merge */

static void
many_lines(
    struct conf *c, size_t from, size_t to, const char *pre, const char *suf)
{
	char l[256];

	for (size_t i = from; i < to; i++) {
		snprintf(l, sizeof(l), "%s%03zu%s", pre, i, suf);
		ap(c, l);
	}
}

static void
many_add(struct conf *c, size_t from, size_t to)
{
	many_lines(c, from, to, "set security ike gateway M", " ike-policy PA");
	many_lines(
	    c, from, to, "set security ike gateway M", " version v2-only");
	many_lines(
	    c, from, to, "set security ike gateway M", " address 192.0.2.200");
	for (size_t i = from; i < to; i++) {
		char l[128];
		snprintf(l, sizeof(l),
		    "set security ipsec vpn W%03zu ike gateway M%03zu", i, i);
		ap(c, l);
		snprintf(l, sizeof(l),
		    "set security ipsec vpn W%03zu bind-interface st0.%zu", i,
		    i + 10);
		ap(c, l);
	}
	many_lines(
	    c, from, to, "set security ipsec vpn W", " ike ipsec-policy EA");
}

static void
edit_half(struct conf *c)
{
	many_add(c, NGW / 2, NGW);
}

static void
edit_all(struct conf *c)
{
	many_lines(c, 0, NGW, "set security ike gateway M",
	    " dead-peer-detection interval 40");
}

static void
edit_drop(struct conf *c)
{
	many_lines(c, 0, NGW, "delete security ipsec vpn W", "");
	many_lines(c, 0, NGW / 3, "delete security ike gateway M", "");
}

/*
 * A change that reaches many entries (a group's: every gateway) takes
 * the delta, merged into the running arrays in one pass: the same calls
 * and configuration as the whole rebuild, in name order.
 */
START_TEST(test_delta_many)
{
	struct conf *c = base_conf();
	struct both b;
	struct sb got;

	many_add(c, 0, NGW / 2);
	both_init(&b, c);
	sb_init(&got);
	ck_assert(both_commit(&b, "half", false, edit_half, &got));
	ck_assert_uint_eq(b.run->npeer, 5 + NGW);
	ck_assert_ptr_nonnull(strstr(sb_str(&got), "peer_set M149;"));
	sb_reset(&got);
	ck_assert(both_commit(&b, "all", false, edit_all, &got));
	ck_assert_ptr_nonnull(strstr(sb_str(&got), "peer_set M000;"));
	ck_assert_ptr_null(strstr(sb_str(&got), "peer_set G1;"));
	ck_assert_ptr_null(strstr(sb_str(&got), "vpn_set"));
	sb_reset(&got);
	ck_assert(both_commit(&b, "drop", false, edit_drop, &got));
	ck_assert_uint_eq(b.run->npeer, 5 + NGW - NGW / 3);
	ck_assert_uint_eq(b.run->nvpn, 3);
	sb_free(&got);
	both_free(&b);
}
END_TEST

int
main(void)
{
	int status;

	log_init("test_conf_delta", stderr);
	if ((S = schema_new(NULL)) == NULL) {
		fprintf(stderr, "cannot load the schema\n");
		return 1;
	}
	Suite *s = suite_create("iked-conf-delta");
	TCase *tc = tcase_create("delta");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(
	    tc, test_delta_reach, 0, sizeof(dsteps) / sizeof(dsteps[0]));
	tcase_add_test(tc, test_delta_many);
	suite_add_tcase(s, tc);
	status = check_main(0, s, NULL);
	schema_free(S);
	return status;
}
