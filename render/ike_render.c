/*
 * ike_render: Junos text for iked's operational replies (show | clear
 * security ike ... / security ipsec ..., schema/qsafe-rpc-ike.yang),
 * exported as iked_renderers[] (render/render.h).  Pure: data in, text out;
 * a library of its own (jansson only) so the cli links it without the
 * engine.  Layouts: Junos's own output, by section: 1 `show security
 * ike security-associations`, 2 its `detail` (2a, and 2c reconstructed for
 * a PPK) here; 3 `show security ipsec security-associations`, 4 its
 * `detail` of a quantum-secured SA, 5 `show security ipsec statistics` in
 * ipsec_render.c; the template helpers both use in ike_render_tpl.c.
 *
 * THE CONTRACT: what eng_rpc() (iked/engine.h) and dp_show (iked/dp_show.c)
 * return.  As pki's replies do, the data is Junos's reply element itself,
 * named as in `| display xml` (raw/toby-*.xml), so `| display xml|json`
 * print what Junos prints:
 *
 *   { "<reply-element>": { "@": { "xmlns": IKE_XMLNS,
 *                                 "junos:style": "brief"|"detail" },
 *                          <members in Junos's order> } }
 *
 * with IKE_XMLNS "http://xml.juniper.net/junos/qsafe/junos-kmd".  Member
 * order is the order of the XML (jansson keeps insertion order: build the
 * objects in the order listed).  Scalars are JSON strings or integers
 * (counters, indexes, ports: integers; the renderer prints either); the
 * text a value shows is the value itself, separators included where Junos
 * puts them in the element ("ESP:", "aes-cbc-256/", "4743/").  A list is
 * an array even with one entry; an empty list renders as Junos does (see
 * each command).  A member marked [opt] may be left out and its line (or
 * part of a line) goes with it; every other member is required, and data
 * missing one is refused (the cli then prints the JSON as it is).  Members
 * marked (qsafe) have no known Junos element name: ours.
 *
 * Input (from mgd, strings): {"peer-address": "192.0.2.1", "index": "5",
 * "brief": true, "detail": true, "vpn-name": "V"}; each member only when
 * typed.  The engine filters by them; `index N` alone shows the detail
 * form, as Junos does; `brief` wins over both.
 *
 * show-security-ike-security-associations (section 1 / 2c):
 *   "ike-security-associations-information", style "brief":
 *     "ike-security-associations": [ {
 *        "ike-sa-remote-address": "192.168.3.2",
 *        "ike-sa-index": 5,                       (Junos: 1..99999999)
 *        "ike-sa-state": "UP",                    ("UP" | "DOWN")
 *        "ike-sa-initiator-cookie": "2c5f7e9b1d0a4e36",  (our SPIi, 16 hex)
 *        "ike-sa-responder-cookie": "8a13e2d4c6b7f901",  (SPIr; 16 zeros
 *                                                  before the reply)
 *        "ike-sa-exchange-type": "IKEv2" } ]
 *     No SA: [] and nothing is printed (Junos prints nothing at all).
 *   style "detail":
 *     "ike-security-associations-block": [ {
 *        "ike-sa-remote-address": "192.168.3.2",
 *        "ike-sa-index": 5,
 *        "ike-gw-name": "IKE_GW",
 *        "ike-security-associations": {
 *          "ike-sa-role": "initiator",           ("initiator"|"responder",
 *                                                  printed capitalised)
 *          "ike-sa-state": "UP",
 *          "ike-sa-initiator-cookie": "...", "ike-sa-responder-cookie": "...",
 *          "ike-sa-exchange-type": "IKEv2",
 *          "ike-sa-authentication-method": "Pre-shared-keys",
 *                (or "RSA-signatures", "ECDSA-signatures-256",
 *                 "ECDSA-signatures-384")
 *          "ike-sa-remote-address": "192.168.3.2",
 *          "ike-sa-remote-port": 500,
 *          "ike-sa-local-address": "192.168.3.1",
 *          "ike-sa-local-port": 500,
 *          "ike-sa-lifetime": "Expires in 28495 seconds",
 *          "ike-sa-reauthlifetime": "Disabled",
 *                                        (or "Expires in N seconds")
 *          "ike-sa-ike-frag": "Enabled",          ("Enabled" | "Disabled")
 *          "ike-sa-frag-size": 576,
 *          "ike-sa-remote-client-info": "Unknown Client",
 *          "ike-xauth-user-info": {
 *            "ike-ike-id": "192.168.3.2",         (the peer's ID as text)
 *            "ike-xauth-username": true,          (empty element: no user)
 *            "ike-xauth-user-assigned-ip": "0.0.0.0" },
 *          "ike-sa-ppk-profile": "km_profile_1",  [opt] (qsafe) RFC 8784:
 *          "ike-sa-ppk-optional": "No",           [opt] (qsafe) both or none
 *          "ike-sa-algorithms": {
 *            "ike-sa-authentication-algorithm": "hmac-sha256-128",
 *            "ike-sa-encryption-algorithm": "aes256-cbc",
 *            "ike-sa-prf-algorithm": "hmac-sha256",
 *            "ike-sa-dhgroup": "DH-group-14" },
 *          "ike-sa-traffic-statistics": {
 *            "ike-sa-input-bytes": 3884, "ike-sa-output-bytes": 4240,
 *            "ike-sa-input-packets": 12, "ike-sa-output-packets": 12,
 *            "ike-sa-input-frag-packets": 0, "ike-sa-output-frag-packets": 0 },
 *          "ike-sa-misc": {
 *            "ike-sa-num-ipsec-sas-created": 4,
 *            "ike-sa-num-ipsec-sas-deleted": 0,
 *            "ike-sa-num-phase2-negotiations": 1 },
 *          "ike-sa-phase2-information": {          [opt]
 *            "ike-sa-num-phase2-negotiations": [ {
 *              "ike-sa-phase2-type": "Quick mode",  (Junos says so for IKEv2)
 *              "ike-sa-role": "initiator", "ike-sa-msg-id": 0,
 *              "ike-sa-local-address": "...", "ike-sa-local-port": 500,
 *              "ike-sa-remote-address": "...", "ike-sa-remote-port": 500,
 *              "ike-sa-local-id": "192.168.3.1",
 *              "ike-sa-remote-id": "192.168.3.2",
 *              "ike-sa-flags": "IKE SA is created" } ] } } } ]
 *     No SA: [] and nothing is printed.
 *
 * show-security-ike-active-peer (RECONSTRUCTED layout, qsafe columns):
 *   "ike-active-peers-information" (no style):
 *     "ike-active-peers": [ { "ike-sa-remote-address": "192.168.3.2",
 *        "ike-sa-remote-port": 500, "ike-ike-id": "192.168.3.2",
 *        "ike-xauth-username": "not available",
 *        "ike-xauth-user-assigned-ip": "0.0.0.0" } ]
 *
 * show-security-ike-stats (qsafe layout and names; Junos's command):
 *   "ike-stats-information" (no style): integers, in this order:
 *     "ike-input-packets", "ike-output-packets", "ike-retransmits",
 *     "ike-malformed", "ike-unknown-spi", "ike-bad-message-id",
 *     "ike-integrity-failures", "ike-duplicates-answered",
 *     "ike-cookies-sent", "ike-half-open", "ike-half-open-dropped",
 *     "ike-half-open-peer-dropped" (over one address's share),
 *     "ike-half-open-expired", "ike-fragments-received",
 *     "ike-fragments-refused", "ike-fragments-reassembled" (RFC 7383
 *     messages put together), "ike-fragments-sent", "ike-sas",
 *     "ike-sas-established",
 *     "ipsec-sas-installed", "ipsec-sas-deleted",
 *   then "ike-gateway-failures" [opt]: [ { (each gateway that failed)
 *        "ike-gateway-name": "gw", "ike-sas-established": 0,
 *        "ike-no-proposal-chosen": 0, "ike-authentication-failed": 1,
 *        "ike-ts-unacceptable": 0, "ike-peer-unreachable": 0,
 *        "ike-peer-dead-dpd": 0, "ike-invalid-ke": 0,
 *        "ike-last-failure": "IKE_AUTH refused: ..." } ]
 *     ("" when only an invalid KE was counted); [] prints nothing.
 *
 * clear-security-ike-security-associations,
 * clear-security-ipsec-security-associations,
 * clear-security-ipsec-statistics: {} on success (Junos prints nothing);
 * an unknown index or peer is an error line from eng_rpc, as Junos has
 * none for it either.
 */
#include <stdbool.h>
#include <string.h>

#include "render/ike_render_int.h"

/* Section 1: columns start at 0, 8, 15, 33, 51, 66, one space at least. */
static int
ir_ike_brief(const json_t *root, struct sb *out)
{
	static const struct {
		const char *key;
		size_t col;
	} cols[] = {
		{ "ike-sa-index", 0 },
		{ "ike-sa-state", 8 },
		{ "ike-sa-initiator-cookie", 15 },
		{ "ike-sa-responder-cookie", 33 },
		{ "ike-sa-exchange-type", 51 },
		{ "ike-sa-remote-address", 66 },
	};
	const json_t *l = json_object_get(root, "ike-security-associations");
	bool bad = false;
	size_t i, c;

	if (!json_is_array(l))
		return -1;
	if (json_array_size(l) == 0)
		return 0;
	sb_puts(out,
	    "Index   State  Initiator cookie  Responder cookie  Mode"
	    "           Remote Address\n");
	for (i = 0; i < json_array_size(l); i++) {
		const json_t *sa = json_array_get(l, i);
		size_t start = out->len;

		for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
			if (c > 0)
				ir_pad(out, start, cols[c].col);
			if (!ir_scalar(
				out, json_object_get(sa, cols[c].key), false))
				bad = true;
		}
		sb_putc(out, '\n');
	}
	return bad ? -1 : 0;
}

/* Section 2c: one IKE SA block. */
static void
ir_ike_detail_one(const json_t *b, struct sb *out, bool *bad)
{
	const json_t *sa = json_object_get(b, "ike-security-associations");
	const json_t *ts = json_object_get(sa, "ike-sa-traffic-statistics");
	const json_t *p2 =
	    json_object_get(json_object_get(sa, "ike-sa-phase2-information"),
		"ike-sa-num-phase2-negotiations");
	size_t i;

	if (!json_is_object(sa) || !json_is_object(ts)) {
		*bad = true;
		return;
	}
	ir_fmt(out, b,
	    "IKE peer {ike-sa-remote-address}, Index {ike-sa-index}, "
	    "Gateway Name: {ike-gw-name}\n",
	    bad);
	ir_fmt(out, sa,
	    "  Role: {^ike-sa-role}, State: {ike-sa-state}\n"
	    "  Initiator cookie: {ike-sa-initiator-cookie}, "
	    "Responder cookie: {ike-sa-responder-cookie}\n"
	    "  Exchange type: {ike-sa-exchange-type}, "
	    "Authentication method: {ike-sa-authentication-method}\n"
	    "  Local: {ike-sa-local-address}:{ike-sa-local-port}, "
	    "Remote: {ike-sa-remote-address}:{ike-sa-remote-port}\n"
	    "  Lifetime: {ike-sa-lifetime}\n"
	    "  Reauth Lifetime: {ike-sa-reauthlifetime}\n"
	    "  IKE Fragmentation: {ike-sa-ike-frag}, Size: {ike-sa-frag-size}\n"
	    "  Remote Access Client Info: {ike-sa-remote-client-info}\n",
	    bad);
	ir_fmt(out, json_object_get(sa, "ike-xauth-user-info"),
	    "  Peer ike-id: {ike-ike-id}\n"
	    "  AAA assigned IP: {ike-xauth-user-assigned-ip}\n",
	    bad);
	ir_fmt(out, sa,
	    "[  PPK-profile: {ike-sa-ppk-profile} "
	    "Optional: {ike-sa-ppk-optional}\n]",
	    bad);
	ir_fmt(out, json_object_get(sa, "ike-sa-algorithms"),
	    "  Algorithms:\n"
	    "   Authentication        : {ike-sa-authentication-algorithm}\n"
	    "   Encryption            : {ike-sa-encryption-algorithm}\n"
	    "   Pseudo random function: {ike-sa-prf-algorithm}\n"
	    "   Diffie-Hellman group  : {ike-sa-dhgroup}\n",
	    bad);
	sb_puts(out, "  Traffic statistics:\n");
	ir_count(out, "   Input  bytes  :", ts, "ike-sa-input-bytes", 39, bad);
	ir_count(out, "   Output bytes  :", ts, "ike-sa-output-bytes", 39, bad);
	ir_count(
	    out, "   Input  packets:", ts, "ike-sa-input-packets", 39, bad);
	ir_count(
	    out, "   Output packets:", ts, "ike-sa-output-packets", 39, bad);
	ir_count(out, "   Input  fragmentated packets:", ts,
	    "ike-sa-input-frag-packets", 39, bad);
	ir_count(out, "   Output fragmentated packets:", ts,
	    "ike-sa-output-frag-packets", 39, bad);
	ir_fmt(out, json_object_get(sa, "ike-sa-misc"),
	    "  IPSec security associations: {ike-sa-num-ipsec-sas-created} "
	    "created, {ike-sa-num-ipsec-sas-deleted} deleted\n"
	    "  Phase 2 negotiations in progress: "
	    "{ike-sa-num-phase2-negotiations}\n",
	    bad);
	for (i = 0; i < ir_count_of(p2); i++) {
		if (i == 0)
			sb_putc(out, '\n');
		ir_fmt(out, ir_item(p2, i),
		    "    Negotiation type: {ike-sa-phase2-type}, "
		    "Role: {^ike-sa-role}, Message ID: {ike-sa-msg-id}\n"
		    "    Local: {ike-sa-local-address}:{ike-sa-local-port}, "
		    "Remote: {ike-sa-remote-address}:{ike-sa-remote-port}\n"
		    "    Local identity: {ike-sa-local-id}\n"
		    "    Remote identity: {ike-sa-remote-id}\n"
		    "    Flags: {ike-sa-flags}\n",
		    bad);
	}
}

static int
ir_show_ike_sa(const json_t *data, struct sb *out)
{
	const json_t *root =
	    ir_root(data, "ike-security-associations-information");
	const json_t *l;
	bool bad = false;
	size_t i;

	if (root == NULL)
		return -1;
	if (!ir_is_detail(root))
		return ir_ike_brief(root, out);
	l = json_object_get(root, "ike-security-associations-block");
	if (!json_is_array(l))
		return -1;
	for (i = 0; i < json_array_size(l); i++) {
		if (i > 0)
			sb_putc(out, '\n');
		ir_ike_detail_one(json_array_get(l, i), out, &bad);
	}
	return bad ? -1 : 0;
}

/* RECONSTRUCTED: no capture of it; Junos's column titles, our widths. */
static int
ir_show_active_peer(const json_t *data, struct sb *out)
{
	const json_t *root = ir_root(data, "ike-active-peers-information");
	const json_t *l = json_object_get(root, "ike-active-peers");
	bool bad = false;
	size_t i;

	if (!json_is_array(l))
		return -1;
	if (json_array_size(l) == 0)
		return 0;
	sb_puts(out,
	    "Remote Address                      Port     Peer IKE-ID"
	    "                          AAA username                         "
	    "Assigned IP\n");
	for (i = 0; i < json_array_size(l); i++) {
		const json_t *p = json_array_get(l, i);
		size_t start = out->len;

		ir_fmt(out, p, "{ike-sa-remote-address}", &bad);
		ir_pad(out, start, 36);
		ir_fmt(out, p, "{ike-sa-remote-port}", &bad);
		ir_pad(out, start, 45);
		ir_fmt(out, p, "{ike-ike-id}", &bad);
		ir_pad(out, start, 82);
		ir_fmt(out, p, "{ike-xauth-username}", &bad);
		ir_pad(out, start, 119);
		ir_fmt(out, p, "{ike-xauth-user-assigned-ip}\n", &bad);
	}
	return bad ? -1 : 0;
}

/*
 * The failed negotiations by gateway, after the counters: a block each,
 * its counters as the rows above (last digit in 35) and the last reason
 * as eng_gw_why() wrote it.  [opt]: no list, or an empty one, prints
 * nothing (no gateway has failed).
 */
static void
ir_gw_failures(const json_t *l, struct sb *out, bool *bad)
{
	static const struct {
		const char *label, *key;
	} rows[] = {
		{ "    IKE SAs established:", "ike-sas-established" },
		{ "    No proposal chosen:", "ike-no-proposal-chosen" },
		{ "    Authentication failed:", "ike-authentication-failed" },
		{ "    TS unacceptable:", "ike-ts-unacceptable" },
		{ "    Peer unreachable:", "ike-peer-unreachable" },
		{ "    Peer is dead (DPD):", "ike-peer-dead-dpd" },
		{ "    Invalid KE:", "ike-invalid-ke" },
	};

	if (l == NULL)
		return;
	if (!json_is_array(l)) {
		*bad = true;
		return;
	}
	if (json_array_size(l) > 0)
		sb_puts(out, "IKE gateway failures:\n");
	for (size_t i = 0; i < json_array_size(l); i++) {
		const json_t *g = json_array_get(l, i);
		const char *why;

		ir_fmt(out, g, "  Gateway: {ike-gateway-name}\n", bad);
		for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++)
			ir_count(out, rows[r].label, g, rows[r].key, 35, bad);
		why = json_string_value(json_object_get(g, "ike-last-failure"));
		if (why == NULL)
			*bad = true;
		else if (why[0] != '\0') /* only an invalid KE: no reason */
			sb_printf(out, "    Last failure: %s\n", why);
	}
}

/* qsafe's layout (no capture): one counter a line, last digit in 35. */
static int
ir_show_ike_stats(const json_t *data, struct sb *out)
{
	static const struct {
		const char *label, *key;
	} rows[] = {
		{ "  Input packets:", "ike-input-packets" },
		{ "  Output packets:", "ike-output-packets" },
		{ "  Retransmissions:", "ike-retransmits" },
		{ "  Malformed:", "ike-malformed" },
		{ "  Unknown SPI:", "ike-unknown-spi" },
		{ "  Bad message ID:", "ike-bad-message-id" },
		{ "  Integrity failures:", "ike-integrity-failures" },
		{ "  Repeats answered:", "ike-duplicates-answered" },
		{ "  Cookies sent:", "ike-cookies-sent" },
		{ "  Half-open now:", "ike-half-open" },
		{ "  Half-open dropped:", "ike-half-open-dropped" },
		{ "  Half-open over a peer's share:",
		    "ike-half-open-peer-dropped" },
		{ "  Half-open timed out:", "ike-half-open-expired" },
		{ "  Fragments received:", "ike-fragments-received" },
		{ "  Fragments refused:", "ike-fragments-refused" },
		{ "  Messages reassembled:", "ike-fragments-reassembled" },
		{ "  Fragments sent:", "ike-fragments-sent" },
		{ "  IKE SAs now:", "ike-sas" },
		{ "  IKE SAs established:", "ike-sas-established" },
		{ "  IPsec SAs installed:", "ipsec-sas-installed" },
		{ "  IPsec SAs deleted:", "ipsec-sas-deleted" },
	};
	const json_t *root = ir_root(data, "ike-stats-information");
	bool bad = false;

	if (root == NULL)
		return -1;
	sb_puts(out, "IKE statistics:\n");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ir_count(out, rows[i].label, root, rows[i].key, 35, &bad);
	ir_gw_failures(
	    json_object_get(root, "ike-gateway-failures"), out, &bad);
	return bad ? -1 : 0;
}

/* Junos says nothing when a clear succeeds. */
static int
ir_clear(const json_t *data, struct sb *out)
{
	return json_is_object(data) ? 0 : -1;
}

const struct render_entry iked_renderers[] = {
	{ "show-security-ike-security-associations", ir_show_ike_sa },
	{ "show-security-ike-active-peer", ir_show_active_peer },
	{ "show-security-ike-stats", ir_show_ike_stats },
	{ "show-security-ipsec-security-associations", ir_show_ipsec_sa },
	{ "show-security-ipsec-inactive-tunnels", ir_show_inactive },
	{ "show-security-ipsec-statistics", ir_show_ipsec_stats },
	{ "clear-security-ike-security-associations", ir_clear },
	{ "clear-security-ipsec-security-associations", ir_clear },
	{ "clear-security-ipsec-statistics", ir_clear },
	{ NULL, NULL },
};
