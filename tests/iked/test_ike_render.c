/*
 * test_ike_render: iked's renderers (render/ike_render.c, ipsec_render.c)
 * against golden files: each tests/iked/show/NAME.json (reply data in the
 * contract's shape) rendered by the renderer of its rpc must equal NAME.txt
 * byte for byte.  The layouts Junos devices printed (sections 1, 3, 4, 5 of
 * render/ike_render.c and ipsec_render.c) and the reconstructed 2c are copied
 * unchanged; the toby-* cases render the real Junos XML data of raw/toby-*.xml.
 * Then malformed data, which must be refused, and the schema's rpcs, each of
 * which must have a renderer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "render/render.h"
#include "tests/lib/check_main.h"

static const struct {
	const char *rpc;
	const char *name;
} golden[] = {
	/* 1: 8-digit indexes push State right; the cookie stays at 15 */
	{ "show-security-ike-security-associations", "ike-brief-vsrx" },
	{ "show-security-ike-security-associations", "ike-brief-short" },
	{ "show-security-ike-security-associations", "ike-brief-toby" },
	/* no SA: Junos prints nothing */
	{ "show-security-ike-security-associations", "ike-empty" },
	/* 2c: PPK-profile line, integers for counters */
	{ "show-security-ike-security-associations", "ike-detail-ppk" },
	/* 2: two SAs of the Toby XML, with ADVPN members we do not show */
	{ "show-security-ike-security-associations", "ike-detail-toby" },
	{ "show-security-ike-active-peer", "active-peer" },
	/* RECONSTRUCTED: the reason a tunnel is down, a hub's gateway */
	{ "show-security-ipsec-inactive-tunnels", "ipsec-inactive" },
	{ "show-security-ike-stats", "ike-stats" },
	/* the failures of three gateways; the last has no reason (a KE) */
	{ "show-security-ike-stats", "ike-stats-failures" },
	/* 3: cSRX form */
	{ "show-security-ipsec-security-associations", "ipsec-brief-csrx" },
	/* 3 with the Toby data: no 0x, no total-ipsec-sas, Life sec/kb */
	{ "show-security-ipsec-security-associations", "ipsec-brief-toby" },
	{ "show-security-ipsec-security-associations", "ipsec-empty" },
	/* 4: Quantum Secured: Yes, every optional line */
	{ "show-security-ipsec-security-associations", "ipsec-detail-quantum" },
	/* 4: Quantum Secured: No, CBC, anti-replay off, then a second tunnel */
	{ "show-security-ipsec-security-associations", "ipsec-detail-two" },
	/* 5: right edge at 35 with a 12-digit counter */
	{ "show-security-ipsec-statistics", "ipsec-stats" },
	/* 5, the older form: the Errors block ends after Bad trailers */
	{ "show-security-ipsec-statistics", "ipsec-stats-toby" },
};

static const struct render_entry *
r_find(const char *name)
{
	const struct render_entry *e;

	for (e = iked_renderers; e->name != NULL; e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

static char *
r_slurp(const char *dir, const char *name, const char *ext)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	if (*name == '\0')
		snprintf(path, sizeof(path), "%s", dir);
	else
		snprintf(path, sizeof(path), "%s/%s%s", dir, name, ext);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_msg(buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n,
	    "cannot read %s", path);
	fclose(f);
	return buf;
}

static const char *
r_dir(void)
{
	const char *d = getenv("IKE_SHOW_DIR");

	return d ? d : "tests/iked/show";
}

START_TEST(test_golden)
{
	const struct render_entry *e = r_find(golden[_i].rpc);
	char *js = r_slurp(r_dir(), golden[_i].name, ".json");
	char *want = r_slurp(r_dir(), golden[_i].name, ".txt");
	json_error_t jerr;
	json_t *data = json_loads(js, 0, &jerr);
	struct sb out;

	ck_assert_msg(e != NULL, "no renderer for %s", golden[_i].rpc);
	ck_assert_msg(data != NULL, "%s.json: %s", golden[_i].name, jerr.text);
	sb_init(&out);
	ck_assert_int_eq(e->fn(data, &out), 0);
	if (strcmp(sb_str(&out), want) != 0) {
		fprintf(stderr, "--- %s: want\n%s--- got\n%s---\n",
		    golden[_i].name, want, sb_str(&out));
		ck_abort_msg("%s: output differs", golden[_i].name);
	}
	sb_free(&out);
	json_decref(data);
	free(js);
	free(want);
}
END_TEST

/*
 * Data the renderer must refuse (the cli then shows the JSON): a missing
 * reply element, a list that is not one, a required member gone.
 */
static const struct {
	const char *rpc;
	const char *name; /* a fixture to start from, or NULL */
	const char *path; /* members to follow, '/'-separated */
	const char *del;  /* the member removed there */
	const char *data; /* or the data itself */
} refused[] = {
	{ "show-security-ike-security-associations", NULL, NULL, NULL,
	    "{\"ike-security-associations\":[]}" },
	{ "show-security-ike-security-associations", NULL, NULL, NULL,
	    "{\"ike-security-associations-information\":{"
	    "\"ike-security-associations\":{}}}" },
	{ "show-security-ike-security-associations", "ike-brief-short",
	    "ike-security-associations-information/ike-security-associations/0",
	    "ike-sa-responder-cookie", NULL },
	{ "show-security-ike-security-associations", "ike-detail-ppk",
	    "ike-security-associations-information/"
	    "ike-security-associations-block/0/ike-security-associations/"
	    "ike-sa-algorithms",
	    "ike-sa-dhgroup", NULL },
	{ "show-security-ike-security-associations", "ike-detail-ppk",
	    "ike-security-associations-information/"
	    "ike-security-associations-block/0/ike-security-associations/"
	    "ike-sa-traffic-statistics",
	    "ike-sa-output-packets", NULL },
	{ "show-security-ipsec-security-associations", "ipsec-brief-csrx",
	    "ipsec-security-associations-information/"
	    "ipsec-security-associations-block/0/ipsec-security-associations/1",
	    "sa-spi", NULL },
	{ "show-security-ipsec-security-associations", "ipsec-detail-quantum",
	    "ipsec-security-associations-information/"
	    "ipsec-security-associations-block/0",
	    "sa-is-quantum-secured", NULL },
	{ "show-security-ipsec-security-associations", "ipsec-detail-quantum",
	    "ipsec-security-associations-information/"
	    "ipsec-security-associations-block/0",
	    "sa-dev-info", NULL },
	{ "show-security-ipsec-statistics", "ipsec-stats",
	    "usp-ipsec-total-statistics-information/esp-statistics",
	    "esp-decrypted-packets", NULL },
	{ "show-security-ipsec-statistics", NULL, NULL, NULL, "[]" },
	{ "show-security-ike-stats", "ike-stats", "ike-stats-information",
	    "ike-cookies-sent", NULL },
	{ "show-security-ike-stats", "ike-stats-failures",
	    "ike-stats-information/ike-gateway-failures/1",
	    "ike-ts-unacceptable", NULL },
	{ "show-security-ike-stats", "ike-stats-failures",
	    "ike-stats-information/ike-gateway-failures/0", "ike-last-failure",
	    NULL },
	{ "clear-security-ike-security-associations", NULL, NULL, NULL,
	    "\"cleared\"" },
};

static json_t *
r_walk(json_t *j, const char *path)
{
	char buf[512], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, "/", &save); tok && j;
	     tok = strtok_r(NULL, "/", &save))
		j = json_is_array(j) ? json_array_get(j, strtoul(tok, NULL, 10))
				     : json_object_get(j, tok);
	return j;
}

START_TEST(test_refused)
{
	const struct render_entry *e = r_find(refused[_i].rpc);
	json_t *data;
	struct sb out;

	ck_assert_ptr_nonnull(e);
	if (refused[_i].name != NULL) {
		char *js = r_slurp(r_dir(), refused[_i].name, ".json");
		data = json_loads(js, 0, NULL);
		free(js);
		ck_assert_ptr_nonnull(data);
		/* the fixture renders before the member goes */
		sb_init(&out);
		ck_assert_int_eq(e->fn(data, &out), 0);
		sb_free(&out);
		ck_assert_int_eq(json_object_del(r_walk(data, refused[_i].path),
				     refused[_i].del),
		    0);
	} else {
		data = json_loads(refused[_i].data, JSON_DECODE_ANY, NULL);
		ck_assert_ptr_nonnull(data);
	}
	sb_init(&out);
	ck_assert_int_eq(e->fn(data, &out), -1);
	sb_free(&out);
	json_decref(data);
}
END_TEST

/* Every rpc of schema/qsafe-rpc-ike.yang has a renderer, and no more. */
START_TEST(test_every_rpc)
{
	const char *yang = getenv("IKE_RPC_YANG");
	char *text, *p, name[128];
	size_t n = 0, k = 0;
	const struct render_entry *e;

	ck_assert_ptr_nonnull(yang);
	text = r_slurp(yang, "", "");
	for (p = text; (p = strstr(p, "\n  rpc ")) != NULL; p++) {
		ck_assert_int_eq(sscanf(p + 7, "%127s", name), 1);
		ck_assert_msg(r_find(name) != NULL, "no renderer for %s", name);
		n++;
	}
	for (e = iked_renderers; e->name != NULL; e++)
		k++;
	ck_assert_uint_eq(n, 9);
	ck_assert_uint_eq(k, n);
	free(text);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ike_render");
	TCase *tc = tcase_create("render");

	tcase_add_loop_test(
	    tc, test_golden, 0, sizeof(golden) / sizeof(golden[0]));
	tcase_add_loop_test(
	    tc, test_refused, 0, sizeof(refused) / sizeof(refused[0]));
	tcase_add_test(tc, test_every_rpc);
	suite_add_tcase(s, tc);
	return check_main(0, s, NULL);
}
