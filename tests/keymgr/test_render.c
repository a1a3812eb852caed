/*
 * test_render: keymgr's renderers against the layouts of
 * Junos's `show security key-manager`, to the character (its
 * samples, with the values they show), plus the lines qsafe appends for
 * quantum-key-manager profiles and the FAILED form of get profile-keys.
 * Input is the structured data keymgr's rpcs return (keymgr/rpc.c).
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "render/render.h"
#include "tests/lib/check_main.h"

static const struct render_entry *
r_find(const char *name)
{
	const struct render_entry *e;

	for (e = keymgr_renderers; e->name != NULL; e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

#define STATS(r, s, f, ts, tsf, fs, fsf) \
	"\"stats\":{\"received\":" #r ",\"to-server\":" #ts \
	",\"to-server-failed\":" #tsf ",\"from-server\":" #fs \
	",\"from-server-failed\":" #fsf ",\"success\":" #s ",\"failed\":" #f \
	"}"

static const struct {
	const char *rpc;
	const char *data;
	const char *want;
} golden[] = {
	/* Junos's `show security key-manager`, show security key-manager
	   profiles */
	{ "show-security-key-manager-profiles",
	    "{\"detail\":false,\"profiles\":["
	    "{\"name\":\"km_profile_1\",\"type\":\"Static\",\"status\":"
	    "\"Active\"," STATS(6, 6, 0, 0, 0, 0,
		0) "},"
		   "{\"name\":\"km_profile_2\",\"type\":\"Quantum-key-"
		   "manager\","
		   "\"status\":\"Active\"," STATS(4, 4, 0, 4, 0, 4, 0) "}]}",
	    "Name              Type                  Status    Received  "
	    "Success  Failed\n"
	    "km_profile_1      Static                Active    6         6     "
	    "   0\n"
	    "km_profile_2      Quantum-key-manager   Active    4         4     "
	    "   0\n" },
	/* Junos's `show security key-manager`, ... name km_profile_1 detail */
	{ "show-security-key-manager-profiles",
	    "{\"detail\":true,\"profiles\":[{\"name\":\"km_profile_1\","
	    "\"index\":1,\"type\":\"Static\",\"status\":\"Active\","
	    "\"configured-at\":\"11.09.25 "
	    "(02:36:33)\",\"time-elapsed\":563," STATS(
		6, 6, 0, 0, 0, 0, 0) ",\"failures\":{}}]}",
	    "Name: km_profile_1, Index: 1, Type: Static\n"
	    "  Configured-at: 11.09.25 (02:36:33)\n"
	    "  Time-elapsed: 0 hrs 9 mins 23 secs\n"
	    "  Request stats:\n"
	    "    Received: 6\n"
	    "    To-server: 0\n"
	    "    To-server-failed: 0\n"
	    "    From-server: 0\n"
	    "    From-server-failed: 0\n"
	    "    Success: 6\n"
	    "    Failed: 0\n" },
	/* the quantum variant (reference lines), then qsafe's lines */
	{ "show-security-key-manager-profiles",
	    "{\"detail\":true,\"profiles\":[{\"name\":\"km_profile_2\","
	    "\"index\":2,\"type\":\"Quantum-key-manager\",\"status\":\"Down\","
	    "\"configured-at\":\"11.09.25 (02:36:33)\",\"time-elapsed\":7384,"
	    "\"url\":\"https://"
	    "www.kme-a.example.net\",\"local-sae-id\":\"SAE_A\","
	    "\"local-certificate-id\":\"SAE_A_CERT\",\"trusted-cas\":[\"Root-"
	    "CA\"],"
	    "\"peer-sae-ids\":[\"SAE_B\",\"SAE_C\"],\"key-size\":256,"
	    "\"keys-delivered\":3," STATS(5, 3, 2, 5, 1, 4,
		1) ",\"failures\":{\"timeout\":1,"
		   "\"http-503\":1},\"last-error\":{\"reason\":\"http-503\","
		   "\"time\":"
		   "\"11.09.25 (04:39:10)\",\"message\":\"HTTP 503 from KME: "
		   "key data"
		   " access error\"}}]}",
	    "Name: km_profile_2, Index: 2, Type: Quantum-key-manager\n"
	    "  Configured-at: 11.09.25 (02:36:33)\n"
	    "  Time-elapsed: 2 hrs 3 mins 4 secs\n"
	    "  Url: https://www.kme-a.example.net\n"
	    "  Local-sae-id: SAE_A\n"
	    "  Local-certificate-id: SAE_A_CERT\n"
	    "  Trusted-cas: [ Root-CA ]\n"
	    "  Peer-sae-ids: [ SAE_B SAE_C ]\n"
	    "  Default-key-size: N/A\n"
	    "  Request stats:\n"
	    "    Received: 5\n"
	    "    To-server: 5\n"
	    "    To-server-failed: 1\n"
	    "    From-server: 4\n"
	    "    From-server-failed: 1\n"
	    "    Success: 3\n"
	    "    Failed: 2\n"
	    "  Status: Down\n"
	    "  Keys-delivered: 3\n"
	    "  Last-error: http-503 at 11.09.25 (04:39:10)\n"
	    "    HTTP 503 from KME: key data access error\n"
	    "  Failures:\n"
	    "    timeout: 1\n"
	    "    http-503: 1\n" },
	/* the KME's limits, a Status that makes it unusable, the probes */
	{ "show-security-key-manager-profiles",
	    "{\"detail\":true,\"profiles\":[{\"name\":\"q3\","
	    "\"index\":3,\"type\":\"Quantum-key-manager\",\"status\":\"Down\","
	    "\"configured-at\":\"11.09.25 (02:36:33)\",\"time-elapsed\":5,"
	    "\"url\":\"https://kme\",\"local-sae-id\":\"SAE_X\","
	    "\"local-certificate-id\":\"SAE_A\",\"trusted-cas\":[\"Root-CA\"],"
	    "\"peer-sae-ids\":[\"SAE_B\"],\"default-key-size\":256,"
	    "\"key-size\":256,\"stored-key-count\":25000,\"keys-delivered\":0,"
	    "\"kme-limits\":{\"min-key-size\":64,\"max-key-size\":1024,"
	    "\"max-key-per-request\":128},\"kme-problem\":\"the KME takes this"
	    " SAE for SAE_A (master_SAE_ID of its Status), not local-sae-id"
	    " SAE_X\"," STATS(1, 0, 1, 0, 0, 0,
		0) ",\"failures\":"
		   "{\"sae-mismatch\":1},\"probes\":{\"sent\":3,\"failed\":1},"
		   "\"last-probe-error\":{\"reason\":\"timeout\",\"time\":"
		   "\"11.09.25 (02:36:34)\",\"message\":\"KME did not answer in"
		   " time\"}}]}",
	    "Name: q3, Index: 3, Type: Quantum-key-manager\n"
	    "  Configured-at: 11.09.25 (02:36:33)\n"
	    "  Time-elapsed: 0 hrs 0 mins 5 secs\n"
	    "  Url: https://kme\n"
	    "  Local-sae-id: SAE_X\n"
	    "  Local-certificate-id: SAE_A\n"
	    "  Trusted-cas: [ Root-CA ]\n"
	    "  Peer-sae-ids: [ SAE_B ]\n"
	    "  Default-key-size: 256\n"
	    "  Request stats:\n"
	    "    Received: 1\n"
	    "    To-server: 0\n"
	    "    To-server-failed: 0\n"
	    "    From-server: 0\n"
	    "    From-server-failed: 0\n"
	    "    Success: 0\n"
	    "    Failed: 1\n"
	    "  Status: Down\n"
	    "  Keys-delivered: 0\n"
	    "  Stored-key-count: 25000\n"
	    "  KME-limits: key size 64..1024 bits, 128 keys per request\n"
	    "  Not usable: the KME takes this SAE for SAE_A (master_SAE_ID of"
	    " its Status), not local-sae-id SAE_X\n"
	    "  Failures:\n"
	    "    sae-mismatch: 1\n"
	    "  Status-probes: 3, failed 1\n"
	    "  Last-probe-error: timeout at 11.09.25 (02:36:34)\n"
	    "    KME did not answer in time\n" },
	/* Junos's `show security key-manager`, get profile-keys (the key
	   written out whole) */
	{ "request-security-key-manager-profiles-get-profile-keys",
	    "{\"name\":\"km_profile_1\",\"type\":\"Static\",\"status\":"
	    "\"SUCCESS\","
	    "\"key-size\":272,\"key-ids\":[\"test-key-id\"],\"keys\":["
	    "\"0x716a776264697031333975356d637938396d32387063676f77657265666e71"
	    "776572\"]}",
	    "- Response:\n"
	    "  - Status: SUCCESS\n"
	    "  - Name: km_profile_1\n"
	    "  - Type: Static\n"
	    "  - Key-size: 272 bits\n"
	    "  - Key-count: 1\n"
	    "  - Key-ids:\n"
	    "    - test-key-id\n"
	    "  - Keys:\n"
	    "    - "
	    "0x716a776264697031333975356d637938396d32387063676f77657265666e7177"
	    "6572\n" },
	{ "request-security-key-manager-profiles-get-profile-keys",
	    "{\"name\":\"km_profile_2\",\"type\":\"Quantum-key-manager\","
	    "\"status\":\"FAILED\",\"error\":\"timeout: KME did not answer in"
	    " time\"}",
	    "- Response:\n"
	    "  - Status: FAILED\n"
	    "  - Name: km_profile_2\n"
	    "  - Type: Quantum-key-manager\n"
	    "  - Error: timeout: KME did not answer in time\n" },
	{ "clear-security-key-manager-statistics", "{}", "" },
};

START_TEST(t_golden)
{
	const struct render_entry *e = r_find(golden[_i].rpc);
	json_error_t jerr;
	json_t *data = json_loads(golden[_i].data, 0, &jerr);
	struct sb out;

	ck_assert_msg(data != NULL, "bad test data: %s", jerr.text);
	ck_assert_ptr_nonnull(e);
	sb_init(&out);
	ck_assert_int_eq(e->fn(data, &out), 0);
	ck_assert_str_eq(sb_str(&out), golden[_i].want);
	sb_free(&out);
	json_decref(data);
}
END_TEST

START_TEST(t_malformed)
{
	struct sb out;
	json_t *bad = json_string("x");

	sb_init(&out);
	ck_assert_int_eq(
	    r_find("show-security-key-manager-profiles")->fn(bad, &out), -1);
	ck_assert_int_eq(
	    r_find("clear-security-key-manager-statistics")->fn(bad, &out), -1);
	sb_free(&out);
	json_decref(bad);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("keymgr_render");
	TCase *tc = tcase_create("golden");

	tcase_add_loop_test(
	    tc, t_golden, 0, (int)(sizeof(golden) / sizeof(golden[0])));
	tcase_add_test(tc, t_malformed);
	suite_add_tcase(s, tc);
	return check_main(0, s, NULL);
}
