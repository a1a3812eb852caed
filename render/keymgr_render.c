/*
 * keymgr_render: Junos text for keymgr's operational replies (rpc.c), in
 * the layouts of Junos's `show security key-manager`.  Pure: data in, text
 * out; a library of its own (jansson only) so the cli links it.
 *
 * The layouts there are reconstructed; what qsafe adds is appended after
 * Junos's lines so they stay as written: for quantum-key-manager
 * profiles in `detail`, the status, the keys delivered, the KME's stored
 * key count and limits, why the KME's Status makes the profile unusable,
 * the last error and the failures per reason, then keymgr's own Status
 * probes and their last error.
 */
#include <stdbool.h>
#include <string.h>

#include "render/render.h"

static const char *
kr_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static long long
kr_int(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* `[ A B ]`, the Junos way of showing several values. */
static void
kr_list(const json_t *a, struct sb *out)
{
	size_t i;
	const json_t *v;

	sb_puts(out, "[");
	json_array_foreach(a, i, v) sb_printf(
	    out, " %s", json_string_value(v) ? json_string_value(v) : "");
	sb_puts(out, " ]");
}

static void
kr_brief(const json_t *profiles, struct sb *out)
{
	size_t i;
	const json_t *p;

	sb_printf(out, "%-17s %-21s %-9s %-9s %-8s %s\n", "Name", "Type",
	    "Status", "Received", "Success", "Failed");
	json_array_foreach(profiles, i, p)
	{
		const json_t *st = json_object_get(p, "stats");
		sb_printf(out, "%-17s %-21s %-9s %-9lld %-8lld %lld\n",
		    kr_str(p, "name"), kr_str(p, "type"), kr_str(p, "status"),
		    kr_int(st, "received"), kr_int(st, "success"),
		    kr_int(st, "failed"));
	}
}

static void
kr_qkd_extra(const json_t *p, struct sb *out)
{
	const json_t *e = json_object_get(p, "last-error");
	const json_t *f = json_object_get(p, "failures");
	const json_t *lim, *pr;
	const char *k;
	const json_t *v;

	sb_printf(out, "  Status: %s\n", kr_str(p, "status"));
	sb_printf(out, "  Keys-delivered: %lld\n", kr_int(p, "keys-delivered"));
	if (json_object_get(p, "stored-key-count"))
		sb_printf(out, "  Stored-key-count: %lld\n",
		    kr_int(p, "stored-key-count"));
	if ((lim = json_object_get(p, "kme-limits")) != NULL)
		sb_printf(out,
		    "  KME-limits: key size %lld..%lld bits, %lld"
		    " keys per request\n",
		    kr_int(lim, "min-key-size"), kr_int(lim, "max-key-size"),
		    kr_int(lim, "max-key-per-request"));
	if (json_object_get(p, "setup-error"))
		sb_printf(out, "  Not running: %s\n", kr_str(p, "setup-error"));
	if (json_object_get(p, "kme-problem"))
		sb_printf(out, "  Not usable: %s\n", kr_str(p, "kme-problem"));
	if (e != NULL) {
		sb_printf(out, "  Last-error: %s at %s\n", kr_str(e, "reason"),
		    kr_str(e, "time"));
		sb_printf(out, "    %s\n", kr_str(e, "message"));
	}
	if (json_object_size(f) > 0) {
		sb_puts(out, "  Failures:\n");
		json_object_foreach((json_t *)f, k, v) sb_printf(
		    out, "    %s: %lld\n", k, (long long)json_integer_value(v));
	}
	/* keymgr's own Status probes, apart from the request stats. */
	if ((pr = json_object_get(p, "probes")) != NULL)
		sb_printf(out, "  Status-probes: %lld, failed %lld\n",
		    kr_int(pr, "sent"), kr_int(pr, "failed"));
	if ((e = json_object_get(p, "last-probe-error")) != NULL) {
		sb_printf(out, "  Last-probe-error: %s at %s\n",
		    kr_str(e, "reason"), kr_str(e, "time"));
		sb_printf(out, "    %s\n", kr_str(e, "message"));
	}
}

static void
kr_detail(const json_t *p, struct sb *out)
{
	const json_t *st = json_object_get(p, "stats");
	long long el = kr_int(p, "time-elapsed");
	bool qkd = strcmp(kr_str(p, "type"), "Quantum-key-manager") == 0;

	sb_printf(out, "Name: %s, Index: %lld, Type: %s\n", kr_str(p, "name"),
	    kr_int(p, "index"), kr_str(p, "type"));
	sb_printf(out, "  Configured-at: %s\n", kr_str(p, "configured-at"));
	sb_printf(out, "  Time-elapsed: %lld hrs %lld mins %lld secs\n",
	    el / 3600, el / 60 % 60, el % 60);
	if (qkd) {
		sb_printf(out, "  Url: %s\n", kr_str(p, "url"));
		sb_printf(
		    out, "  Local-sae-id: %s\n", kr_str(p, "local-sae-id"));
		sb_printf(out, "  Local-certificate-id: %s\n",
		    kr_str(p, "local-certificate-id"));
		sb_puts(out, "  Trusted-cas: ");
		kr_list(json_object_get(p, "trusted-cas"), out);
		sb_puts(out, "\n  Peer-sae-ids: ");
		kr_list(json_object_get(p, "peer-sae-ids"), out);
		sb_puts(out, "\n");
		if (json_object_get(p, "default-key-size"))
			sb_printf(out, "  Default-key-size: %lld\n",
			    kr_int(p, "default-key-size"));
		else
			sb_puts(out, "  Default-key-size: N/A\n");
	}
	sb_puts(out, "  Request stats:\n");
	sb_printf(out, "    Received: %lld\n", kr_int(st, "received"));
	sb_printf(out, "    To-server: %lld\n", kr_int(st, "to-server"));
	sb_printf(out, "    To-server-failed: %lld\n",
	    kr_int(st, "to-server-failed"));
	sb_printf(out, "    From-server: %lld\n", kr_int(st, "from-server"));
	sb_printf(out, "    From-server-failed: %lld\n",
	    kr_int(st, "from-server-failed"));
	sb_printf(out, "    Success: %lld\n", kr_int(st, "success"));
	sb_printf(out, "    Failed: %lld\n", kr_int(st, "failed"));
	if (qkd)
		kr_qkd_extra(p, out);
}

static int
kr_show(const json_t *data, struct sb *out)
{
	const json_t *profiles = json_object_get(data, "profiles");
	size_t i;
	const json_t *p;

	if (!json_is_array(profiles))
		return -1;
	if (!json_is_true(json_object_get(data, "detail"))) {
		kr_brief(profiles, out);
		return 0;
	}
	json_array_foreach(profiles, i, p)
	{
		if (i > 0)
			sb_putc(out, '\n');
		kr_detail(p, out);
	}
	return 0;
}

static int
kr_get_keys(const json_t *data, struct sb *out)
{
	const json_t *ids = json_object_get(data, "key-ids");
	const json_t *keys = json_object_get(data, "keys");
	size_t i;
	const json_t *v;

	if (!json_is_object(data))
		return -1;
	sb_puts(out, "- Response:\n");
	sb_printf(out, "  - Status: %s\n", kr_str(data, "status"));
	sb_printf(out, "  - Name: %s\n", kr_str(data, "name"));
	sb_printf(out, "  - Type: %s\n", kr_str(data, "type"));
	if (strcmp(kr_str(data, "status"), "SUCCESS") != 0) {
		sb_printf(out, "  - Error: %s\n", kr_str(data, "error"));
		return 0;
	}
	sb_printf(out, "  - Key-size: %lld bits\n", kr_int(data, "key-size"));
	sb_printf(out, "  - Key-count: %zu\n", json_array_size(keys));
	sb_puts(out, "  - Key-ids:\n");
	json_array_foreach(ids, i, v) sb_printf(out, "    - %s\n",
	    json_string_value(v) ? json_string_value(v) : "");
	sb_puts(out, "  - Keys:\n");
	json_array_foreach(keys, i, v) sb_printf(out, "    - %s\n",
	    json_string_value(v) ? json_string_value(v) : "");
	return 0;
}

static int
kr_clear(const json_t *data, struct sb *out)
{
	return json_is_object(data) ? 0 : -1;
}

const struct render_entry keymgr_renderers[] = {
	{ "show-security-key-manager-profiles", kr_show },
	{ "request-security-key-manager-profiles-get-profile-keys",
	    kr_get_keys },
	{ "clear-security-key-manager-statistics", kr_clear },
	{ NULL, NULL },
};
