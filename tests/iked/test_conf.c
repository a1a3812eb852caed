/*
 * test_conf: iked's configuration side (iked/conf.h) on trees built from
 * set lines: what the engine is handed for a PSK site-to-site VPN, the
 * check's Junos-style refusals (one table, a loop test), the proposal
 * sets, the difference between two commits as engine calls, tunnel
 * IDs that survive other VPNs coming and going and a restart, and the
 * delta path (conf_delta.c) giving what the full rebuild gives.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "iked/conf.h"
#include "iked/ikev2.h"
#include "lib/log.h"
#include "schema/edit.h"
#include "tests/iked/conf_fixture.h"
#include "schema/schema.h"
#include "tests/lib/check_main.h"

static struct schema *S;

/* A PSK gateway and a route-based VPN, as the ppk-static sample has them. */
static const char *const base_lines[] = {
	"set interfaces ge-0/0/0 unit 0 family inet address 198.51.100.1/24",
	"set interfaces st0 unit 0 family inet",
	"set security ike proposal PROP authentication-method pre-shared-keys",
	"set security ike proposal PROP dh-group group14",
	"set security ike proposal PROP authentication-algorithm sha-256",
	"set security ike proposal PROP encryption-algorithm aes-256-cbc",
	"set security ike proposal PROP lifetime-seconds 28800",
	"set security ike policy POL proposals PROP",
	"set security ike policy POL pre-shared-key ascii-text juniper123",
	"set security ike gateway GW ike-policy POL",
	"set security ike gateway GW address 198.51.100.2",
	"set security ike gateway GW external-interface ge-0/0/0.0",
	"set security ike gateway GW version v2-only",
	"set security ipsec proposal EP protocol esp",
	"set security ipsec proposal EP encryption-algorithm aes-256-gcm",
	"set security ipsec proposal EP lifetime-seconds 3600",
	"set security ipsec policy EPOL perfect-forward-secrecy keys group14",
	"set security ipsec policy EPOL proposals EP",
	"set security ipsec vpn V1 bind-interface st0.0",
	"set security ipsec vpn V1 ike gateway GW",
	"set security ipsec vpn V1 ike ipsec-policy EPOL",
	"set security ipsec vpn V1 establish-tunnels immediately",
	NULL,
};

static struct conf *
base_conf(void)
{
	return conf_of(S, base_lines);
}

/* The base configuration builds cleanly into what the engine runs. */
START_TEST(test_site_to_site)
{
	struct conf *c = base_conf();
	struct verrs errs = { 0 };
	struct iconf_ids ids = { 0 };
	struct iconf *ic = iconf_new(c, &ids, &errs);
	const struct sockaddr_in *sin;

	ck_assert_uint_eq(errs.n, 0);
	ck_assert_uint_eq(ic->npeer, 1);
	const struct eng_peer *p = &ic->peer[0];
	ck_assert_str_eq(p->name, "GW");
	ck_assert_str_eq(p->policy, "POL");
	/* the $9$ form in the tree, the plain key for the engine */
	ck_assert_uint_eq(p->psk_len, 10);
	ck_assert_mem_eq(p->psk, "juniper123", 10);
	sin = (const struct sockaddr_in *)&p->remote;
	ck_assert_int_eq(sin->sin_family, AF_INET);
	ck_assert_uint_eq(ntohl(sin->sin_addr.s_addr), 0xc6336402);
	/* no local-address: the external interface's address */
	sin = (const struct sockaddr_in *)&p->local;
	ck_assert_int_eq(sin->sin_family, AF_INET);
	ck_assert_uint_eq(ntohl(sin->sin_addr.s_addr), 0xc6336401);
	ck_assert_str_eq(p->external_if, "ge-0/0/0.0");
	ck_assert_uint_eq(p->nprop, 1);
	ck_assert_uint_eq(p->prop[0].encr, ENCR_AES_CBC);
	ck_assert_uint_eq(p->prop[0].encr_bits, 256);
	ck_assert_uint_eq(p->prop[0].integ, AUTH_HMAC_SHA2_256_128);
	ck_assert_uint_eq(p->prop[0].prf, PRF_HMAC_SHA2_256);
	ck_assert_uint_eq(p->prop[0].dh, MODP_2048);
	ck_assert_uint_eq(p->prop[0].auth_method, AUTH_SHARED_KEY_MIC);
	ck_assert_uint_eq(p->prop[0].lifetime_s, 28800);
	ck_assert(p->fragmentation);
	ck_assert_int_eq(p->dpd, ENG_DPD_OFF);

	ck_assert_uint_eq(ic->nvpn, 1);
	const struct eng_vpn *v = &ic->vpn[0];
	ck_assert_str_eq(v->name, "V1");
	ck_assert_str_eq(v->gateway, "GW");
	ck_assert_str_eq(v->policy, "EPOL");
	ck_assert_str_eq(v->bind_if, "st0.0");
	ck_assert_uint_eq(v->tunnel_id, 500001);
	ck_assert_uint_eq(v->nprop, 1);
	ck_assert_uint_eq(v->prop[0].encr, ENCR_AES_GCM_16);
	ck_assert_uint_eq(v->prop[0].encr_bits, 256);
	ck_assert_uint_eq(v->prop[0].integ, AUTH_NONE);
	ck_assert_uint_eq(v->prop[0].dh, MODP_2048);
	ck_assert_uint_eq(v->prop[0].lifetime_s, 3600);
	ck_assert_int_eq(v->establish, ENG_IMMEDIATELY);
	ck_assert_int_eq(v->df, DP_DF_CLEAR);
	ck_assert_uint_eq(v->replay_window, 64);
	ck_assert_uint_eq(v->nts_local, 0);

	iconf_free(ic);
	iconf_ids_free(&ids);
	verrs_free(&errs);
	conf_free(c);
}
END_TEST

/* What the check refuses: a change to the base, and the error it names. */
static const struct conf_refusal refusals[] = {
	{ { "delete security ike gateway GW version" },
	    "[edit security ike gateway GW]", "version",
	    "IKEv1 is not supported yet" },
	{ { "set security ike gateway GW version v1-only" },
	    "[edit security ike gateway GW]", "version v1-only",
	    "IKEv1 is not supported yet" },
	{ { "delete security ike gateway GW address" },
	    "[edit security ike gateway GW]", "address",
	    "Missing mandatory statement: 'address' or 'dynamic'" },
	{ { "set security ike gateway GW address vpn.example.net",
	      "delete security ike gateway GW address 198.51.100.2" },
	    "[edit security ike gateway GW]", "address vpn.example.net",
	    "host name is not supported yet" },
	{ { "delete security ike policy POL pre-shared-key" },
	    "[edit security ike policy POL]", "pre-shared-key",
	    "Missing mandatory statement: 'pre-shared-key' or 'certificate"
	    " local-certificate'" },
	{ { "set security ike proposal PROP dh-group group2" },
	    "[edit security ike proposal PROP]", "dh-group group2",
	    "not supported by iked" },
	{ { "set security ike proposal PROP encryption-algorithm des-cbc" },
	    "[edit security ike proposal PROP]", "encryption-algorithm des-cbc",
	    "not supported by iked" },
	{ { "set security ike proposal PROP authentication-method"
	    " rsa-signatures" },
	    "[edit security ike policy POL]", "certificate",
	    "'certificate local-certificate' (the proposals use signatures)" },
	{ { "delete security ike policy POL proposals",
	      "set security ike policy POL proposal-set standard" },
	    "[edit security ike policy POL]", "proposal-set standard",
	    "No proposal of the set can run here" },
	{ { "set security ike policy POL proposal-set prime-128" },
	    "[edit security ike policy POL]", "proposal-set",
	    "cannot both be configured" },
	{ { "set security ike policy POL seeded-pre-shared-key ascii-text x" },
	    "[edit security ike policy POL]", "seeded-pre-shared-key",
	    "not supported" },
	{ { "set security key-manager profiles KP static key-id ascii-text k",
	      "set security ike gateway GW ppk-profile KP",
	      "delete security ike gateway GW version" },
	    "[edit security ike gateway GW]", "ppk-profile",
	    "PPK profile is supported only with IKEv2 (version v2-only)" },
	{ { "set security ipsec proposal EP protocol ah" },
	    "[edit security ipsec proposal EP]", "protocol ah",
	    "Only ESP is supported by iked" },
	{ { "set security ipsec proposal EP encryption-algorithm aes-128-cbc",
	      "set security ipsec proposal EP authentication-algorithm"
	      " hmac-sha-256-96" },
	    "[edit security ipsec proposal EP]",
	    "authentication-algorithm hmac-sha-256-96",
	    "not supported by iked" },
	{ { "set security ipsec policy EPOL perfect-forward-secrecy keys"
	    " group1" },
	    "[edit security ipsec policy EPOL perfect-forward-secrecy]",
	    "keys group1", "not supported by iked" },
	{ { "delete security ipsec vpn V1 ike ipsec-policy" },
	    "[edit security ipsec vpn V1 ike]", "ipsec-policy",
	    "Missing mandatory statement: 'ipsec-policy'" },
	{ { "set security ipsec vpn V1 bind-interface st1.0" },
	    "[edit security ipsec vpn V1]", "bind-interface st1.0",
	    "binds an st0 unit" },
	{ { "set security ipsec vpn V1 ike proxy-identity service junos-http" },
	    "[edit security ipsec vpn V1 ike proxy-identity]",
	    "service junos-http", "Only service any" },
	{ { "set security ipsec vpn V1 traffic-selector T local-ip"
	    " 10.1.0.0/24",
	      "set security ipsec vpn V1 ike proxy-identity local "
	      "10.1.0.0/24" },
	    "[edit security ipsec vpn V1]", "traffic-selector",
	    "cannot both be configured" },
};

START_TEST(test_refusals)
{
	struct conf *c = base_conf();

	assert_refused(c, &refusals[_i]);
	conf_free(c);
}
END_TEST

/* prime-256 and suiteb-gcm-128 with a PSK; a hexadecimal key; DPD. */
START_TEST(test_sets_and_knobs)
{
	struct conf *c = base_conf();
	struct verrs errs = { 0 };
	struct iconf *ic;

	ap(c, "delete security ike policy POL proposals");
	ap(c, "set security ike policy POL proposal-set prime-256");
	ap(c, "set security ike policy POL pre-shared-key hexadecimal 0a0B0c");
	ap(c, "delete security ipsec policy EPOL proposals");
	ap(c, "delete security ipsec policy EPOL perfect-forward-secrecy");
	ap(c, "set security ipsec policy EPOL proposal-set suiteb-gcm-128");
	ap(c,
	    "set security ike gateway GW dead-peer-detection "
	    "probe-idle-tunnel");
	ap(c, "set security ike gateway GW dead-peer-detection interval 20");
	ap(c, "set security ike gateway GW local-address 198.51.100.9");
	ap(c, "set security ike gateway GW fragmentation disable");
	ap(c, "set security ipsec vpn V1 ike no-anti-replay");
	ap(c, "set security ipsec vpn V1 df-bit copy");
	ap(c, "set security ipsec vpn V1 ike proxy-identity local 10.1.0.0/16");
	ic = iconf_new(c, NULL, &errs);
	ck_assert_msg(errs.n == 0, "%s %s %s", errs.n ? errs.v[0].edit : "",
	    errs.n ? errs.v[0].stmt : "", errs.n ? errs.v[0].msg : "");
	const struct eng_peer *p = &ic->peer[0];
	ck_assert_uint_eq(p->psk_len, 3);
	ck_assert_mem_eq(p->psk, "\x0a\x0b\x0c", 3);
	ck_assert_uint_eq(p->nprop, 1);
	ck_assert_uint_eq(p->prop[0].encr, ENCR_AES_GCM_16);
	ck_assert_uint_eq(p->prop[0].encr_bits, 256);
	ck_assert_uint_eq(p->prop[0].prf, PRF_HMAC_SHA2_384);
	ck_assert_uint_eq(p->prop[0].dh, ECP_384);
	ck_assert_uint_eq(p->prop[0].auth_method, AUTH_SHARED_KEY_MIC);
	ck_assert_int_eq(p->dpd, ENG_DPD_PROBE_IDLE);
	ck_assert_uint_eq(p->dpd_interval, 20);
	ck_assert_uint_eq(p->dpd_threshold, 5);
	ck_assert(!p->fragmentation);
	ck_assert_uint_eq(
	    ntohl(((const struct sockaddr_in *)&p->local)->sin_addr.s_addr),
	    0xc6336409);
	const struct eng_vpn *v = &ic->vpn[0];
	ck_assert_uint_eq(v->nprop, 1);
	ck_assert_uint_eq(v->prop[0].encr, ENCR_AES_GCM_16);
	ck_assert_uint_eq(v->prop[0].encr_bits, 128);
	ck_assert_uint_eq(v->prop[0].dh, ECP_256);
	ck_assert(v->no_anti_replay);
	ck_assert_uint_eq(v->replay_window, 0);
	ck_assert_int_eq(v->df, DP_DF_COPY);
	ck_assert_uint_eq(v->nts_local, 1);
	ck_assert_uint_eq(ntohl(v->ts_local[0].start.u.v4.s_addr), 0x0a010000);
	ck_assert_uint_eq(ntohl(v->ts_local[0].end.u.v4.s_addr), 0x0a01ffff);
	ck_assert_uint_eq(ntohl(v->ts_remote[0].end.u.v4.s_addr), 0xffffffff);
	ck_assert(!v->ari); /* Junos ARI: traffic selectors only */
	iconf_free(ic);
	/* traffic selectors ask for routes (ARI), with their metric */
	ap(c, "delete security ipsec vpn V1 ike proxy-identity");
	ap(c,
	    "set security ipsec vpn V1 traffic-selector T local-ip "
	    "10.1.0.0/16");
	ap(c,
	    "set security ipsec vpn V1 traffic-selector T remote-ip "
	    "10.2.0.0/16");
	ap(c, "set security ipsec vpn V1 traffic-selector T metric 20");
	ic = iconf_new(c, NULL, &errs);
	ck_assert_msg(errs.n == 0, "%s", errs.n ? errs.v[0].msg : "");
	ck_assert(ic->vpn[0].ari);
	ck_assert_uint_eq(ic->vpn[0].ari_metric, 20);
	iconf_free(ic);
	verrs_free(&errs);
	conf_free(c);
}
END_TEST

struct calls {
	char log[1024];
	uint8_t psk[ENG_PSK_MAX];
};

static void
c_peer_set(void *ctx, const struct eng_peer *p)
{
	struct calls *k = ctx;
	size_t n = strlen(k->log);

	snprintf(k->log + n, sizeof(k->log) - n, "peer_set %s;", p->name);
	memcpy(k->psk, p->psk, p->psk_len);
}

static void
c_peer_del(void *ctx, const char *name)
{
	struct calls *k = ctx;
	size_t n = strlen(k->log);

	snprintf(k->log + n, sizeof(k->log) - n, "peer_del %s;", name);
}

static void
c_vpn_set(void *ctx, const struct eng_vpn *v)
{
	struct calls *k = ctx;
	size_t n = strlen(k->log);

	snprintf(k->log + n, sizeof(k->log) - n, "vpn_set %s %u;", v->name,
	    v->tunnel_id);
}

static void
c_vpn_del(void *ctx, const char *name)
{
	struct calls *k = ctx;
	size_t n = strlen(k->log);

	snprintf(k->log + n, sizeof(k->log) - n, "vpn_del %s;", name);
}

static const struct iconf_diff_ops c_ops = {
	c_peer_set,
	c_peer_del,
	c_vpn_set,
	c_vpn_del,
};

/* One commit after another: only what changed reaches the engine. */
static struct iconf *
step(struct conf *c, struct iconf_ids *ids, struct iconf *old, const char *line,
    const char *want)
{
	struct calls k = { 0 };
	struct iconf *ic;

	if (line != NULL)
		ap(c, line);
	ic = iconf_new(c, ids, NULL);
	iconf_diff(old, ic, &c_ops, &k);
	iconf_ids_keep(ids, ic);
	ck_assert_msg(strcmp(k.log, want) == 0, "%s: got '%s', want '%s'",
	    line ? line : "first", k.log, want);
	iconf_free(old);
	return ic;
}

/*
 * Manual SAs and proposals read ESP algorithm names through one table:
 * the names Junos takes, the transform each becomes, and the refusals.
 */
START_TEST(test_esp_names)
{
	const struct encr_alg *e;
	const struct integ_alg *i;

	e = iconf_esp_encr("aes-256-gcm");
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->id, ENCR_AES_GCM_16);
	ck_assert_uint_eq(e->key_len, 32 + 4); /* RFC 4106: salt included */
	e = iconf_esp_encr("aes-128-cbc");
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->id, ENCR_AES_CBC);
	ck_assert_uint_eq(e->key_len, 16);
	ck_assert_ptr_nonnull(iconf_esp_encr("chacha20-poly1305"));
	ck_assert_ptr_null(iconf_esp_encr("des-cbc")); /* not run here */
	ck_assert_ptr_null(iconf_esp_encr("aes-128")); /* not a Junos name */
	i = iconf_esp_integ("hmac-sha-256-128");
	ck_assert_ptr_nonnull(i);
	ck_assert_uint_eq(i->id, AUTH_HMAC_SHA2_256_128);
	ck_assert_ptr_null(iconf_esp_integ("hmac-sha-256-96")); /* no IANA id */
	ck_assert_ptr_null(iconf_esp_integ("sha-256")); /* an IKE name */
}
END_TEST

START_TEST(test_diff_and_ids)
{
	struct conf *c = base_conf();
	struct iconf_ids ids = { 0 }, again = { 0 };
	struct iconf *ic = NULL;
	char dir[] = "/tmp/ikd-test-conf.XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ic = step(c, &ids, ic, NULL, "peer_set GW;vpn_set V1 500001;");
	ic = step(c, &ids, ic, "set system host-name x", "");
	ic = step(c, &ids, ic,
	    "set security ike policy POL pre-shared-key ascii-text other-key",
	    "peer_set GW;");
	ap(c, "set security ipsec vpn V2 bind-interface st0.1");
	ic = step(c, &ids, ic, "set security ipsec vpn V2 ike gateway GW",
	    ""); /* no ipsec-policy: refused in check, not run */
	ic =
	    step(c, &ids, ic, "set security ipsec vpn V2 ike ipsec-policy EPOL",
		"vpn_set V2 500002;");
	ic = step(c, &ids, ic, "set security ipsec vpn V1 df-bit set",
	    "vpn_set V1 500001;");
	ic = step(c, &ids, ic, "delete security ipsec vpn V1", "vpn_del V1;");
	/* V2 keeps its ID; the new one takes the lowest free */
	ap(c, "set security ipsec vpn V3 bind-interface st0.2");
	ap(c, "set security ipsec vpn V3 ike gateway GW");
	ic =
	    step(c, &ids, ic, "set security ipsec vpn V3 ike ipsec-policy EPOL",
		"vpn_set V3 500001;");
	ck_assert_int_eq(iconf_ids_save(&ids, dir), 0);
	ck_assert_int_eq(iconf_ids_load(&again, dir), 0);
	ck_assert_uint_eq(iconf_ids_get(&again, "V2"), 500002);
	ck_assert_uint_eq(iconf_ids_get(&again, "V3"), 500001);
	ck_assert_uint_eq(iconf_ids_get(&again, "V4"), 500003);
	ic = step(c, &ids, ic, "deactivate security ike gateway GW",
	    "peer_del GW;vpn_del V2;vpn_del V3;");
	iconf_free(ic);
	iconf_ids_free(&ids);
	iconf_ids_free(&again);
	conf_free(c);
	char path[64];
	snprintf(path, sizeof(path), "%s/%s", dir, ICONF_IDS_FILE);
	unlink(path);
	rmdir(dir);
}
END_TEST

/*
 * Thousands of new VPNs in one commit take the lowest free IDs in turn,
 * around an ID held past them (a file from before), and after a drop the
 * next new one takes the freed ID.
 */
START_TEST(test_ids_many)
{
	struct iconf_ids ids = { 0 };
	char dir[] = "/tmp/ikd-test-ids.XXXXXX", path[64], name[16];
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, ICONF_IDS_FILE);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "HELD 500020\n");
	fclose(f);
	ck_assert_int_eq(iconf_ids_load(&ids, dir), 0);
	for (uint32_t i = 1; i <= 3000; i++) {
		snprintf(name, sizeof(name), "V%u", i);
		ck_assert_uint_eq(
		    iconf_ids_get(&ids, name), 500000 + i + (i >= 20 ? 1 : 0));
	}
	ck_assert_uint_eq(iconf_ids_get(&ids, "HELD"), 500020);
	ck_assert_uint_eq(iconf_ids_get(&ids, "V7"), 500007);
	ck_assert(iconf_ids_drop(&ids, "V7"));
	ck_assert(iconf_ids_drop(&ids, "V2000"));
	ck_assert_uint_eq(iconf_ids_get(&ids, "NEW1"), 500007);
	ck_assert_uint_eq(iconf_ids_get(&ids, "NEW2"), 500001 + 2000);
	ck_assert_uint_eq(iconf_ids_get(&ids, "NEW3"), 500001 + 3001);
	ck_assert_uint_eq(ids.n, 3002);
	iconf_ids_free(&ids);
	unlink(path);
	rmdir(dir);
}
END_TEST

/*
 * Commits one after another as the link makes them (next: a copy of the
 * running tree with clean marks, then the change), each through
 * iconf_delta where it can and through iconf_new + iconf_diff beside it:
 * the same engine calls, the same configuration, and the delta path taken
 * exactly where only gateway and VPN entries changed.
 */
static const struct dstep {
	const char *lines; /* ';'-separated set lines */
	bool delta;	   /* the delta path is taken */
	const char *want;  /* engine calls */
} dsteps[] = {
	{ "set security ike gateway GW2 ike-policy POL;"
	  "set security ike gateway GW2 address 198.51.100.3;"
	  "set security ike gateway GW2 external-interface ge-0/0/0.0;"
	  "set security ike gateway GW2 version v2-only;"
	  "set security ipsec vpn V2 ike gateway GW2;"
	  "set security ipsec vpn V2 ike ipsec-policy EPOL;"
	  "set security ipsec vpn V2 bind-interface st0.0",
	    true, "peer_set GW2;vpn_set V2 500002;" },
	{ "set security ike gateway GW2 dead-peer-detection interval 20", true,
	    "peer_set GW2;" },
	{ "set security ike gateway GW2 dead-peer-detection interval 20", true,
	    "" },
	{ "set security ipsec vpn V1 df-bit set", true, "vpn_set V1 500001;" },
	{ "set security ike gateway GW2 address 198.51.100.3", true, "" },
	{ "set security ike policy POL pre-shared-key ascii-text other", true,
	    "peer_set GW;peer_set GW2;" },
	{ "delete security ipsec vpn V2", true, "vpn_del V2;" },
	{ "delete security ike gateway GW2", true, "peer_del GW2;" },
	{ "deactivate security ipsec vpn V1", true, "vpn_del V1;" },
	{ "activate security ipsec vpn V1", true, "vpn_set V1 500001;" },
	/* V1 names GW: the delta does not drop VPNs */
	{ "deactivate security ike gateway GW", false,
	    "peer_del GW;vpn_del V1;" },
	/* V1 did not run: it comes back without being dirty */
	{ "activate security ike gateway GW", false,
	    "peer_set GW;vpn_set V1 500001;" },
	{ "set security ipsec vpn V3 bind-interface st0.2;"
	  "set security ipsec vpn V3 ike gateway GW;"
	  "set security ipsec vpn V3 ike ipsec-policy EPOL;"
	  "set security ike gateway GW local-address 198.51.100.7",
	    true, "peer_set GW;vpn_set V3 500002;" },
	{ "rename security ipsec vpn V3 to vpn V4", true,
	    "vpn_del V3;vpn_set V4 500003;" },
	{ "set interfaces st0 unit 1 family inet", true, "" },
	/* GW's local address from its external-interface again */
	{ "delete security ike gateway GW local-address", true,
	    "peer_set GW;" },
	{ "delete interfaces ge-0/0/0 unit 0 family inet address "
	  "198.51.100.1/24;"
	  "set interfaces ge-0/0/0 unit 0 family inet address 198.51.100.5/24",
	    true, "peer_set GW;" },
	{ "set interfaces st0 unit 2 family inet", true, "" },
	{ "delete interfaces st0 unit 2", true, "" },
	{ "set security ipsec anti-replay-window-size 128", false,
	    "vpn_set V1 500001;vpn_set V4 500003;" },
	/* a removal under ipsec leaves only the container's shape mark */
	{ "delete security ipsec anti-replay-window-size", false,
	    "vpn_set V1 500001;vpn_set V4 500003;" },
	{ "set security ipsec vpn V5 manual spi 300;"
	  "set security ipsec vpn V5 manual gateway 198.51.100.2",
	    false, "vpn_set V4 500002;" }, /* V5 holds 500003, by position */
	{ "set security ipsec vpn V4 df-bit copy", false,
	    "vpn_set V4 500002;" },
};

START_TEST(test_delta)
{
	struct conf *prev = base_conf(), *next;
	struct iconf_ids ids = { 0 }, fids = { 0 };
	struct iconf *run = iconf_new(prev, &ids, NULL);
	struct iconf *frun = iconf_new(prev, &fids, NULL);
	size_t ndelta = 0;

	conf_clean(prev);
	for (size_t i = 0; i < sizeof(dsteps) / sizeof(dsteps[0]); i++) {
		const struct dstep *t = &dsteps[i];
		struct calls k = { 0 }, fk = { 0 };
		struct verrs errs = { 0 };
		struct iconf_delta *d;
		struct iconf *ic;
		bool changed;

		next = conf_dup(prev);
		conf_clean(next);
		ap_lines(next, t->lines);
		d = iconf_delta_new(run, prev, next, &errs);
		ck_assert_msg((d != NULL) == t->delta, "%s: delta %s", t->lines,
		    d ? "taken" : "not taken");
		ck_assert_msg(errs.n == 0, "%s: %s", t->lines,
		    errs.n ? errs.v[0].msg : "");
		if (d != NULL) {
			iconf_delta_apply(run, d, &ids, &c_ops, &k, &changed);
			iconf_delta_free(d);
			ndelta++;
		} else {
			ic = iconf_new(next, &ids, NULL);
			iconf_diff(run, ic, &c_ops, &k);
			iconf_ids_keep(&ids, ic);
			iconf_free(run);
			run = ic;
		}
		ic = iconf_new(next, &fids, NULL);
		iconf_diff(frun, ic, &c_ops, &fk);
		iconf_ids_keep(&fids, ic);
		iconf_free(frun);
		frun = ic;
		ck_assert_msg(strcmp(k.log, t->want) == 0,
		    "%s: got '%s', want '%s'", t->lines, k.log, t->want);
		ck_assert_str_eq(fk.log, t->want);
		same_iconf(run, frun, t->lines);
		conf_free(prev);
		prev = next;
		conf_clean(prev);
	}
	ck_assert_uint_gt(ndelta, 8);
	iconf_free(run);
	iconf_free(frun);
	iconf_ids_free(&ids);
	iconf_ids_free(&fids);
	conf_free(prev);
}
END_TEST

/* A new gateway the check refuses: its error, from the delta path. */
START_TEST(test_delta_refusal)
{
	struct conf *prev = base_conf(), *next;
	struct iconf *run = iconf_new(prev, NULL, NULL);
	struct verrs errs = { 0 };
	struct iconf_delta *d;

	conf_clean(prev);
	next = conf_dup(prev);
	ap(next, "set security ike gateway GW2 ike-policy POL");
	ap(next, "set security ike gateway GW2 version v2-only");
	d = iconf_delta_new(run, prev, next, &errs);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.v[0].edit, "[edit security ike gateway GW2]");
	ck_assert_str_eq(errs.v[0].msg,
	    "Missing mandatory statement: 'address' or 'dynamic'");
	ck_assert_uint_eq(d->npeer, 0);
	iconf_delta_free(d);
	verrs_free(&errs);
	iconf_free(run);
	conf_free(prev);
	conf_free(next);
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite *s = suite_create("iked-conf");
	TCase *tc = tcase_create("conf");

	tcase_add_test(tc, test_site_to_site);
	tcase_add_loop_test(
	    tc, test_refusals, 0, sizeof(refusals) / sizeof(refusals[0]));
	tcase_add_test(tc, test_sets_and_knobs);
	tcase_add_test(tc, test_diff_and_ids);
	tcase_add_test(tc, test_ids_many);
	tcase_add_test(tc, test_delta);
	tcase_add_test(tc, test_delta_refusal);
	tcase_add_test(tc, test_esp_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int status;

	log_init("test_conf", stderr);
	S = schema_new(NULL);
	if (S == NULL) {
		fprintf(stderr, "cannot load the schema\n");
		return 1;
	}
	status = check_main(0, conf_suite(), NULL);
	schema_free(S);
	return status;
}
