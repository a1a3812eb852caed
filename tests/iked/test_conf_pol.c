/*
 * test_conf_pol: policy-based VPNs in iked's configuration side
 * (iked/conf_pol.c): a VPN without bind-interface takes its proxy IDs
 * from the security policy that names it (address book entries and
 * sets resolved, `any` as 0.0.0.0/0; the outbound policy chosen by the
 * zone of the gateway's external interface, its pair-policy sharing the
 * SA), and the commit check refuses what Junos would.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "iked/conf.h"
#include "lib/log.h"
#include "schema/edit.h"
#include "tests/iked/conf_fixture.h"
#include "schema/schema.h"
#include "tests/lib/check_main.h"

static struct schema *S;

/* Two zones, a PSK gateway in untrust, V2 policy-based by a pair. */
static const char *const base_lines[] = {
	"set interfaces ge-0/0/0 unit 0 family inet address 198.51.100.1/24",
	"set interfaces ge-0/0/1 unit 0 family inet address 10.1.0.1/24",
	"set security ike proposal PROP authentication-method pre-shared-keys",
	"set security ike proposal PROP dh-group group14",
	"set security ike proposal PROP authentication-algorithm sha-256",
	"set security ike proposal PROP encryption-algorithm aes-256-cbc",
	"set security ike policy POL proposals PROP",
	"set security ike policy POL pre-shared-key ascii-text juniper123",
	"set security ike gateway GW ike-policy POL",
	"set security ike gateway GW address 198.51.100.2",
	"set security ike gateway GW external-interface ge-0/0/0.0",
	"set security ike gateway GW version v2-only",
	"set security ipsec proposal EP protocol esp",
	"set security ipsec proposal EP encryption-algorithm aes-256-gcm",
	"set security ipsec policy EPOL proposals EP",
	"set security ipsec vpn V2 ike gateway GW",
	"set security ipsec vpn V2 ike ipsec-policy EPOL",
	"set security zones security-zone trust interfaces ge-0/0/1.0",
	"set security zones security-zone untrust interfaces ge-0/0/0.0",
	"set security address-book global address LAN 10.1.0.0/24",
	"set security address-book global address R1 10.2.0.0/24",
	"set security address-book global address R2 10.3.0.0/25",
	"set security address-book global address-set REM address R1",
	"set security address-book global address-set REM address R2",
	"set security policies from-zone untrust to-zone trust policy IN"
	" match source-address REM destination-address LAN application any",
	"set security policies from-zone untrust to-zone trust policy IN"
	" then permit tunnel ipsec-vpn V2 pair-policy OUT",
	"set security policies from-zone trust to-zone untrust policy OUT"
	" match source-address LAN destination-address REM application any",
	"set security policies from-zone trust to-zone untrust policy OUT"
	" then permit tunnel ipsec-vpn V2 pair-policy IN",
	NULL,
};

static struct conf *
base_conf(void)
{
	return conf_of(S, base_lines);
}

/* Whether ts is the range lo..hi (IPv4, any port). */
static bool
ts_is(const struct eng_ts *ts, const char *lo, const char *hi)
{
	struct in_addr a, b;

	inet_pton(AF_INET, lo, &a);
	inet_pton(AF_INET, hi, &b);
	return ts->start.family == AF_INET &&
	    ts->start.u.v4.s_addr == a.s_addr &&
	    ts->end.u.v4.s_addr == b.s_addr && ts->sport == 0 &&
	    ts->eport == 65535 && ts->ipproto == 0;
}

static const struct eng_vpn *
vpn_of(const struct iconf *ic, const char *name)
{
	for (size_t i = 0; i < ic->nvpn; i++)
		if (strcmp(ic->vpn[i].name, name) == 0)
			return &ic->vpn[i];
	return NULL;
}

/* The outbound policy's addresses (OUT, though IN comes first). */
START_TEST(test_selectors_from_policy)
{
	struct conf *c = base_conf();
	struct verrs errs = { 0 };
	struct iconf *ic = iconf_new(c, NULL, &errs);
	const struct eng_vpn *v = vpn_of(ic, "V2");

	ck_assert_msg(errs.n == 0, "%s %s", errs.n ? errs.v[0].stmt : "",
	    errs.n ? errs.v[0].msg : "");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v->bind_if, "");
	ck_assert_int_eq(v->establish, ENG_ON_TRAFFIC); /* Junos default */
	ck_assert_uint_eq(v->nts_local, 1);
	ck_assert(ts_is(&v->ts_local[0], "10.1.0.0", "10.1.0.255"));
	ck_assert_uint_eq(v->nts_remote, 2); /* the set, flattened */
	ck_assert(ts_is(&v->ts_remote[0], "10.2.0.0", "10.2.0.255"));
	ck_assert(ts_is(&v->ts_remote[1], "10.3.0.0", "10.3.0.127"));
	iconf_free(ic);
	verrs_free(&errs);
	conf_free(c);
}
END_TEST

/* Only the inbound policy: its source is the far side; any is 0/0. */
START_TEST(test_inbound_only_and_any)
{
	struct conf *c = base_conf();
	struct verrs errs = { 0 };

	ap(c, "delete security policies from-zone trust to-zone untrust");
	ap(c,
	    "delete security policies from-zone untrust to-zone trust policy"
	    " IN then permit tunnel pair-policy");
	ap(c,
	    "set security policies from-zone untrust to-zone trust policy"
	    " IN match destination-address any");
	ap(c,
	    "delete security policies from-zone untrust to-zone trust policy"
	    " IN match destination-address LAN");
	struct iconf *ic = iconf_new(c, NULL, &errs);
	const struct eng_vpn *v = vpn_of(ic, "V2");
	ck_assert_msg(errs.n == 0, "%s", errs.n ? errs.v[0].msg : "");
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(v->nts_local, 1);
	ck_assert(ts_is(&v->ts_local[0], "0.0.0.0", "255.255.255.255"));
	ck_assert_uint_eq(v->nts_remote, 2);
	ck_assert(ts_is(&v->ts_remote[0], "10.2.0.0", "10.2.0.255"));
	iconf_free(ic);
	verrs_free(&errs);
	conf_free(c);
}
END_TEST

static const struct conf_refusal refusals[] = {
	{ { "set interfaces st0 unit 0 family inet",
	      "set security ipsec vpn V2 bind-interface st0.0" },
	    "[edit security policies from-zone trust to-zone untrust policy"
	    " OUT then permit tunnel]",
	    "ipsec-vpn V2", "VPN V2 is route-based (bind-interface st0.0)" },
	{ { "set security ipsec vpn V3 ike gateway GW",
	      "set security ipsec vpn V3 ike ipsec-policy EPOL" },
	    "[edit security ipsec vpn V3]", "",
	    "VPN V3 has no bind-interface and no security policy names it" },
	{ { "set security policies from-zone trust to-zone untrust policy O2"
	    " match source-address any destination-address any",
	      "set security policies from-zone trust to-zone untrust policy O2"
	      " then permit tunnel ipsec-vpn V2" },
	    "[edit security policies from-zone trust to-zone untrust policy"
	    " O2 then permit tunnel]",
	    "ipsec-vpn", "named by more than one policy" },
	{ { "set security policies from-zone untrust to-zone trust policy IN"
	    " then permit tunnel pair-policy ELSE" },
	    "[edit security policies from-zone untrust to-zone trust policy"
	    " IN then permit tunnel]",
	    "pair-policy ELSE",
	    "No policy ELSE of the reverse direction tunnels to VPN V2" },
	{ { "set security policies from-zone trust to-zone untrust policy OUT"
	    " match source-address NOPE" },
	    "[edit security policies from-zone trust to-zone untrust policy"
	    " OUT match]",
	    "source-address NOPE", "not defined in the address book" },
};

START_TEST(test_refusals)
{
	struct conf *c = base_conf();

	assert_refused(c, &refusals[_i]);
	conf_free(c);
}
END_TEST

/*
 * A commit that only gives V2 a bind-interface goes the delta way
 * (conf_delta.c), which builds V2 alone: the policies naming it must
 * still refuse it, as the whole rebuild does.
 */
START_TEST(test_delta_sees_policies)
{
	struct conf *prev = base_conf(), *next;
	struct iconf *run = iconf_new(prev, NULL, NULL);
	struct verrs errs = { 0 };
	struct iconf_delta *d;
	bool refused = false;

	ck_assert_ptr_nonnull(vpn_of(run, "V2"));
	conf_clean(prev);
	next = conf_dup(prev);
	ap(next, "set interfaces st0 unit 0 family inet");
	ap(next, "set security ipsec vpn V2 bind-interface st0.0");
	d = iconf_delta_new(run, prev, next, &errs);
	ck_assert_ptr_nonnull(d); /* the delta way was taken */
	for (size_t i = 0; i < errs.n; i++)
		refused |= strstr(errs.v[i].msg, "route-based") != NULL;
	ck_assert_msg(refused,
	    "V2 named by IN and OUT and bound to st0.0 "
	    "was not refused (%zu errors)",
	    errs.n);
	iconf_delta_free(d);
	verrs_free(&errs);
	iconf_free(run);
	conf_free(prev);
	conf_free(next);
}
END_TEST

int
main(void)
{
	int status;

	log_init("test_conf_pol", stderr);
	if ((S = schema_new(NULL)) == NULL) {
		fprintf(stderr, "cannot load the schema\n");
		return 1;
	}
	Suite *s = suite_create("iked-conf-pol");
	TCase *tc = tcase_create("policy-based");
	tcase_add_test(tc, test_selectors_from_policy);
	tcase_add_test(tc, test_inbound_only_and_any);
	tcase_add_test(tc, test_delta_sees_policies);
	tcase_add_loop_test(
	    tc, test_refusals, 0, sizeof(refusals) / sizeof(refusals[0]));
	suite_add_tcase(s, tc);
	status = check_main(0, s, NULL);
	schema_free(S);
	return status;
}
