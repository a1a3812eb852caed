/*
 * ike_render: Junos text for iked's operational replies (show | clear
 * security ike ... / security ipsec ..., schema/qsafe-rpc-ike.yang),
 * exported as iked_renderers[] (render/render.h).  Pure: data in, text out;
 * a library of its own (jansson only) so the cli links it without the
 * engine.  Layouts: Junos's own output, by section below: 1 `show security
 * ike security-associations`, 2 its `detail` (2a, and 2c reconstructed for
 * a PPK), 3 `show security ipsec security-associations`, 4 its `detail` of
 * a quantum-secured SA, 5 `show security ipsec statistics`.
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
 *                                   (or "RSA-signatures",
 * "ECDSA-signatures-256", "ECDSA-signatures-384") "ike-sa-remote-address":
 * "192.168.3.2", "ike-sa-remote-port": 500, "ike-sa-local-address":
 * "192.168.3.1", "ike-sa-local-port": 500, "ike-sa-lifetime": "Expires in 28495
 * seconds", "ike-sa-reauthlifetime": "Disabled",   (or "Expires in N seconds")
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
 * show-security-ipsec-inactive-tunnels (RECONSTRUCTED layout: Junos's
 * totals and column titles, without its Flag column):
 *   "ipsec-unestablished-tunnel-information" (no style):
 *     "total-inactive-tunnels": 1,
 *     "total-inactive-tunnels-immediately": 1,
 *     "ipsec-unestablished-tunnels": [ { "sa-tunnel-index": 500001,
 *        "sa-port": 500, "sa-nego-num": 0, "sa-nego-fail": 2,
 *        "sa-remote-gateway": "198.51.100.2",   ("dynamic": AutoVPN hub)
 *        "sa-tunnel-down-reason": "no PPK: connect" } ]
 *
 * show-security-ike-stats (qsafe layout and names; Junos's command):
 *   "ike-stats-information" (no style): integers, in this order:
 *     "ike-input-packets", "ike-output-packets", "ike-retransmits",
 *     "ike-malformed", "ike-unknown-spi", "ike-bad-message-id",
 *     "ike-integrity-failures", "ike-duplicates-answered",
 *     "ike-cookies-sent", "ike-half-open", "ike-half-open-dropped",
 *     "ike-half-open-expired", "ike-fragments-received",
 *     "ike-fragments-refused", "ike-fragments-reassembled" (RFC 7383
 *     messages put together), "ike-fragments-sent", "ike-sas",
 *     "ike-sas-established",
 *     "ipsec-sas-installed", "ipsec-sas-deleted"
 *
 * show-security-ipsec-security-associations (section 3 / 4):
 *   "ipsec-security-associations-information", style "brief":
 *     "total-active-tunnels": 1,
 *     "total-ipsec-sas": 2,                       [opt] (qsafe) default:
 *                                                  the SAs listed
 *     "ipsec-security-associations-block": [ {     (one per tunnel)
 *        "sa-block-state": "up",
 *        "ipsec-security-associations": [ {        (inbound, then outbound)
 *          "sa-direction": "<",                    ("<" in, ">" out)
 *          "sa-tunnel-index": 500003,
 *          "sa-spi": "0x93be8146",
 *          "sa-aux-spi": 0,
 *          "sa-remote-gateway": "171.1.1.2",
 *          "sa-port": 500,                         (4500 behind NAT)
 *          "sa-vpn-monitoring-state": "-",
 *          "sa-protocol": "ESP:",
 *          "sa-esp-encryption-algorithm": "aes-cbc-256/",  ("aes-gcm-256/")
 *          "sa-hmac-algorithm": "sha256",          ("None" with GCM)
 *          "sa-hard-lifetime": "4743/",            (seconds left, "/")
 *          "sa-lifesize-remaining": " unlim",      (or kilobytes left,
 *                                                   "150000"; no space)
 *          "sa-virtual-system": "root" } ] } ]
 *     No SA: [] and only the totals line is printed.
 *   style "detail" (also `index N`):
 *     "ipsec-security-associations-block": [ {
 *        "sa-block-state": "up",
 *        "sa-tunnel-index": 500002,
 *        "sa-virtual-system": "root",
 *        "sa-vpn-name": "4700",
 *        "sa-local-gateway": "192.168.3.1", "sa-remote-gateway": "192.168.3.2",
 *        "sa-local-identity": "ipv4(0.0.0.0-255.255.255.255)",
 *        "sa-remote-identity": "ipv4(0.0.0.0-255.255.255.255)",
 *                              (or "ipv4_subnet(any:0,[0..7]=10.0.0.0/20)")
 *        "sa-ts-type": "proxy-id",                [opt] ("traffic-selector")
 *        "sa-ike-version": "IKEv2",
 *        "sa-is-quantum-secured": "Yes",          ("Yes" with a PPK, else "No")
 *        "sa-hardware-offloaded": "No",           [opt] (qsafe) SRX4700 only:
 *                                                  leave it out
 *        "sa-pfs-group": "DH-group-20",           [opt] with the next two:
 *        "sa-packet-encapsulation-protocol": "None",        ("UDP" NAT-T)
 *        "sa-packet-encapsulation-destination-port": 0,     (4500 NAT-T)
 *        "sa-passive-mode-tunneling": "Disabled", [opt]
 *        "sa-df-bit-policy-name": {
 *          "sa-df-bit": "clear",                  ("clear"|"set"|"copy")
 *          "sa-copy-outer-dscp": "Disabled",
 *          "sa-bind-interface": "st0.0",          ("" policy-based)
 *          "sa-policy-name": "ipsec-1" },         [opt]
 *        "sa-dev-info": {
 *          "sa-port": 500, "sa-nego-num": 0, "sa-nego-fail": 0,
 *          "sa-del-num": 0, "sa-flag": "0" },
 *        "sa-ipsec-tunnel-events": [ {             [opt] newest first
 *          "sa-tunnel-event-time": "Sun Sep 14 2025 09:34:29",
 *          "sa-tunnel-event": "IPsec SA negotiation succeeds",
 *          "sa-tunnel-event-num-times": 1 } ],
 *        "sa-fpc": 0, "sa-pic": 0,                [opt] SRX4700: leave out
 *        "sa-anchor-thread": 4,                   [opt] SRX4700: leave out
 *        "sa-distribution-profile": "default-profile",  [opt] (qsafe) idem
 *        "ipsec-security-associations": [ {         (inbound, then outbound)
 *          "sa-direction": "inbound",             ("inbound"|"outbound")
 *          "sa-spi": "0x6304b842", "sa-aux-spi": 0,
 *          "sa-vpn-monitoring-state": "-",
 *          "sa-hard-lifetime": "Expires in 3179 seconds",
 *          "sa-lifesize-remaining": " Unlimited",   (or " N kilobytes")
 *          "sa-soft-lifetime": "Expires in 2559 seconds",
 *          "sa-mode": "Tunnel(0 0)", "sa-type": "dynamic",
 *          "sa-state": "installed",
 *          "sa-protocol": "ESP",
 *          "sa-authentication-algorithm": "aes256-gcm",   ("hmac-sha256-128")
 *          "sa-encryption-algorithm": "aes-gcm (256 bits)",
 *          "sa-anti-replay-service": "counter-based enabled",  ("disabled")
 *          "sa-replay-window-size": 4096,         [opt] (out when disabled)
 *          "sa-extended-seq-number": "Enabled",   [opt]
 *          "sa-tunnel-establishment": "establish-tunnels-immediately", [opt]
 *                                      ("establish-tunnels-on-traffic")
 *          "sa-ike-index": 5 } ] } ]              [opt]
 *     No SA: [] and nothing is printed.
 *
 * show-security-ipsec-statistics (section 5; dp_show.c from struct
 * dp_stats, the sum of all SAs or one tunnel's with `index N`):
 *   "usp-ipsec-total-statistics-information" (no style):
 *     "esp-statistics": { "esp-encrypted-bytes": enc_bytes,
 *        "esp-decrypted-bytes": dec_bytes, "esp-encrypted-packets":
 *        enc_packets, "esp-decrypted-packets": dec_packets },
 *     "ah-statistics": { "ah-input-bytes": 0, "ah-output-bytes": 0,
 *        "ah-input-packets": 0, "ah-output-packets": 0 },  (no AH: zeros)
 *     "error-statistics": { "ah-authentication-failures": 0,
 *        "replay-errors": err_replay,
 *        "esp-authentication-failures": err_auth,
 *        "esp-decryption-failures": err_decrypt,
 *        "bad-headers": err_bad_header, "bad-trailers": err_bad_trailer,
 *        "invalid-spi": err_invalid_spi,      [opt] (qsafe) with the next
 *        "ts-check-fail": err_ts,             [opt] (qsafe)
 *        "exceeds-tunnel-mtu": err_mtu,       [opt] (qsafe)
 *        "discarded": discarded }             [opt] (qsafe)
 *   All counters integers (uint64 values up to 2^63 - 1).
 *
 * clear-security-ike-security-associations,
 * clear-security-ipsec-security-associations,
 * clear-security-ipsec-statistics: {} on success (Junos prints nothing);
 * an unknown index or peer is an error line from eng_rpc, as Junos has
 * none for it either.
 */
#include <stdbool.h>
#include <string.h>

#include "render/render.h"

#define IR_KEY_MAX 64

/* Appends the text of a scalar; false when v is not one. */
static bool
ir_scalar(struct sb *out, const json_t *v, bool caps)
{
	size_t mark = out->len;

	if (json_is_string(v))
		sb_puts(out, json_string_value(v));
	else if (json_is_integer(v))
		sb_printf(out, "%lld", (long long)json_integer_value(v));
	else if (!json_is_true(v)) /* true: an empty element */
		return false;
	if (caps && out->len > mark && out->buf[mark] >= 'a' &&
	    out->buf[mark] <= 'z')
		out->buf[mark] = (char)(out->buf[mark] - 'a' + 'A');
	return true;
}

static void
ir_truncate(struct sb *out, size_t mark)
{
	out->len = mark;
	if (out->buf != NULL)
		out->buf[mark] = '\0';
}

/*
 * Appends the template [p, end) with each {key} replaced by the text of o's
 * member ({^key}: its first letter capitalised).  A [group] is left out
 * when one of its keys is missing.  False when a key outside any group is
 * missing (the rest is still appended).
 */
static bool
ir_span(struct sb *out, const json_t *o, const char *p, const char *end)
{
	bool ok = true;
	char key[IR_KEY_MAX];

	while (p < end) {
		const char *q;
		size_t mark = out->len;

		if (*p == '[' && (q = memchr(p, ']', (size_t)(end - p)))) {
			if (!ir_span(out, o, p + 1, q))
				ir_truncate(out, mark);
			p = q + 1;
		} else if (*p == '{' &&
		    (q = memchr(p, '}', (size_t)(end - p))) &&
		    q - p - 1 < IR_KEY_MAX) {
			bool caps = p[1] == '^';
			size_t n = (size_t)(q - p - 1) - caps;

			memcpy(key, p + 1 + caps, n);
			key[n] = '\0';
			if (!ir_scalar(out, json_object_get(o, key), caps))
				ok = false;
			p = q + 1;
		} else {
			sb_putc(out, *p++);
		}
	}
	return ok;
}

/* One template over o; a required member missing marks *bad. */
static void
ir_fmt(struct sb *out, const json_t *o, const char *tpl, bool *bad)
{
	if (!ir_span(out, o, tpl, tpl + strlen(tpl)))
		*bad = true;
}

/* Pads the line that starts at start to column col, one space at least. */
static void
ir_pad(struct sb *out, size_t start, size_t col)
{
	size_t at = out->len - start;

	sb_indent(out, at < col ? (int)(col - at) : 1);
}

/*
 * `label` then the counter right-aligned so that its last digit is in
 * column edge (one space at least): sections 2a/2c (edge 39) and 5 (35).
 */
static void
ir_count(struct sb *out, const char *label, const json_t *o, const char *key,
    size_t edge, bool *bad)
{
	struct sb t;
	size_t used;

	sb_init(&t);
	if (!ir_scalar(&t, json_object_get(o, key), false))
		*bad = true;
	used = strlen(label) + strlen(sb_str(&t));
	sb_puts(out, label);
	sb_indent(out, used < edge ? (int)(edge - used) : 1);
	sb_puts(out, sb_str(&t));
	sb_putc(out, '\n');
	sb_free(&t);
}

/* The reply element (an object) named name in data; NULL when missing. */
static const json_t *
ir_root(const json_t *data, const char *name)
{
	const json_t *r = json_object_get(data, name);

	return json_is_object(r) ? r : NULL;
}

static bool
ir_is_detail(const json_t *root)
{
	const char *s = json_string_value(
	    json_object_get(json_object_get(root, "@"), "junos:style"));

	return s != NULL && strcmp(s, "detail") == 0;
}

/* A list member: an array, or one object standing for a list of one. */
static size_t
ir_count_of(const json_t *l)
{
	return json_is_array(l) ? json_array_size(l) : json_is_object(l);
}

static const json_t *
ir_item(const json_t *l, size_t i)
{
	return json_is_array(l) ? json_array_get(l, i) : l;
}

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
 * Section 3, the cSRX form: `ID      ` header, the direction glued to the
 * index; the other values start at the header's columns (2, 10, 26, 35,
 * 48, 52, 57, 63), one space at least.
 */
static void
ir_ipsec_brief_row(const json_t *sa, struct sb *out, bool *bad)
{
	size_t start = out->len;

	ir_fmt(out, sa, "  {sa-direction}{sa-tunnel-index}", bad);
	ir_pad(out, start, 10);
	ir_fmt(out, sa,
	    "{sa-protocol}{sa-esp-encryption-algorithm}"
	    "{sa-hmac-algorithm}",
	    bad);
	ir_pad(out, start, 26);
	ir_fmt(out, sa, "{sa-spi}", bad);
	ir_pad(out, start, 35);
	ir_fmt(out, sa, "{sa-hard-lifetime}{sa-lifesize-remaining}", bad);
	ir_pad(out, start, 48);
	ir_fmt(out, sa, "{sa-vpn-monitoring-state}", bad);
	ir_pad(out, start, 52);
	ir_fmt(out, sa, "{sa-virtual-system}", bad);
	ir_pad(out, start, 57);
	ir_fmt(out, sa, "{sa-port}", bad);
	ir_pad(out, start, 63);
	ir_fmt(out, sa, "{sa-remote-gateway}\n", bad);
}

static int
ir_ipsec_brief(const json_t *root, struct sb *out)
{
	const json_t *bl =
	    json_object_get(root, "ipsec-security-associations-block");
	bool bad = false;
	size_t i, j, nsa = 0;

	if (!json_is_array(bl))
		return -1;
	for (i = 0; i < json_array_size(bl); i++)
		nsa += ir_count_of(json_object_get(
		    json_array_get(bl, i), "ipsec-security-associations"));
	ir_fmt(
	    out, root, "  Total active tunnels: {total-active-tunnels}", &bad);
	sb_puts(out, "     Total IPsec sas: ");
	if (!ir_scalar(out, json_object_get(root, "total-ipsec-sas"), false))
		sb_printf(out, "%zu", nsa);
	sb_putc(out, '\n');
	if (nsa == 0)
		return bad ? -1 : 0;
	sb_puts(out,
	    "  ID      Algorithm       SPI      Life:sec/kb  Mon lsys "
	    "Port  Gateway\n");
	for (i = 0; i < json_array_size(bl); i++) {
		const json_t *l = json_object_get(
		    json_array_get(bl, i), "ipsec-security-associations");

		for (j = 0; j < ir_count_of(l); j++)
			ir_ipsec_brief_row(ir_item(l, j), out, &bad);
	}
	return bad ? -1 : 0;
}

/* Section 4: one direction of a tunnel. */
static void
ir_ipsec_detail_sa(const json_t *sa, struct sb *out, bool *bad)
{
	ir_fmt(out, sa,
	    "  Direction: {sa-direction}, SPI: {sa-spi}, AUX-SPI: "
	    "{sa-aux-spi}\n"
	    "                              , VPN Monitoring: "
	    "{sa-vpn-monitoring-state}\n"
	    "    Hard lifetime: {sa-hard-lifetime}\n"
	    "    Lifesize Remaining: {sa-lifesize-remaining}\n"
	    "    Soft lifetime: {sa-soft-lifetime}\n"
	    "    Mode: {sa-mode}, Type: {sa-type}, State: {sa-state}\n"
	    "    Protocol: {sa-protocol}, "
	    "Authentication: {sa-authentication-algorithm}, "
	    "Encryption: {sa-encryption-algorithm}\n"
	    "    Anti-replay service: {sa-anti-replay-service}"
	    "[, Replay window size: {sa-replay-window-size}]\n"
	    "[    Extended-Sequence-Number: {sa-extended-seq-number}\n]"
	    "[    tunnel-establishment: {sa-tunnel-establishment}\n]"
	    "[    IKE SA Index: {sa-ike-index}\n]",
	    bad);
}

/* Section 4: one tunnel, after a blank line (25.2R1 prints one first). */
static void
ir_ipsec_detail_one(const json_t *b, struct sb *out, bool *bad)
{
	const json_t *ev = json_object_get(b, "sa-ipsec-tunnel-events");
	const json_t *l = json_object_get(b, "ipsec-security-associations");
	size_t i;

	ir_fmt(out, b,
	    "\nID: {sa-tunnel-index} Virtual-system: {sa-virtual-system}, "
	    "VPN Name: {sa-vpn-name}\n"
	    "  Local Gateway: {sa-local-gateway}, "
	    "Remote Gateway: {sa-remote-gateway}\n"
	    "  Local Identity: {sa-local-identity}\n"
	    "  Remote Identity: {sa-remote-identity}\n"
	    "[  TS Type: {sa-ts-type}\n]"
	    "  Version: {sa-ike-version}\n"
	    "  Quantum Secured: {sa-is-quantum-secured}\n"
	    "[  Hardware Offloaded: {sa-hardware-offloaded}\n]"
	    "[  PFS group: {sa-pfs-group}, "
	    "Packet Encapsulation: {sa-packet-encapsulation-protocol}, "
	    "Dest port: {sa-packet-encapsulation-destination-port}\n]"
	    "[  Passive mode tunneling: {sa-passive-mode-tunneling}\n]",
	    bad);
	ir_fmt(out, json_object_get(b, "sa-df-bit-policy-name"),
	    "  DF-bit: {sa-df-bit}, Copy-Outer-DSCP: {sa-copy-outer-dscp}, "
	    "Bind-interface: {sa-bind-interface}"
	    "[, Policy-name: {sa-policy-name}]\n",
	    bad);
	/* The space after the flag is Junos's (25.2R1). */
	ir_fmt(out, json_object_get(b, "sa-dev-info"),
	    "  Port: {sa-port}, Nego#: {sa-nego-num}, Fail#: {sa-nego-fail}, "
	    "Def-Del#: {sa-del-num} Flag: {sa-flag} \n",
	    bad);
	if (ev != NULL)
		sb_puts(out, "  Tunnel events:\n");
	for (i = 0; i < ir_count_of(ev); i++)
		ir_fmt(out, ir_item(ev, i),
		    "    {sa-tunnel-event-time}: "
		    "{sa-tunnel-event} ({sa-tunnel-event-num-times} times)\n",
		    bad);
	ir_fmt(out, b,
	    "[  Location: FPC {sa-fpc}, PIC {sa-pic}\n]"
	    "[  Anchorship: Thread {sa-anchor-thread}\n]"
	    "[  Distribution-Profile: {sa-distribution-profile}\n]",
	    bad);
	for (i = 0; i < ir_count_of(l); i++)
		ir_ipsec_detail_sa(ir_item(l, i), out, bad);
}

static int
ir_show_ipsec_sa(const json_t *data, struct sb *out)
{
	const json_t *root =
	    ir_root(data, "ipsec-security-associations-information");
	const json_t *bl;
	bool bad = false;
	size_t i;

	if (root == NULL)
		return -1;
	if (!ir_is_detail(root))
		return ir_ipsec_brief(root, out);
	bl = json_object_get(root, "ipsec-security-associations-block");
	if (!json_is_array(bl))
		return -1;
	for (i = 0; i < json_array_size(bl); i++)
		ir_ipsec_detail_one(json_array_get(bl, i), out, &bad);
	return bad ? -1 : 0;
}

/* Section 5: a blank line first, counters' last digit in column 35. */
static int
ir_show_ipsec_stats(const json_t *data, struct sb *out)
{
	const json_t *root =
	    ir_root(data, "usp-ipsec-total-statistics-information");
	const json_t *esp = json_object_get(root, "esp-statistics");
	const json_t *ah = json_object_get(root, "ah-statistics");
	bool bad = false;

	if (root == NULL || !json_is_object(esp) || !json_is_object(ah))
		return -1;
	sb_puts(out, "\nESP Statistics:\n");
	ir_count(
	    out, "  Encrypted bytes:", esp, "esp-encrypted-bytes", 35, &bad);
	ir_count(
	    out, "  Decrypted bytes:", esp, "esp-decrypted-bytes", 35, &bad);
	ir_count(out, "  Encrypted packets:", esp, "esp-encrypted-packets", 35,
	    &bad);
	ir_count(out, "  Decrypted packets:", esp, "esp-decrypted-packets", 35,
	    &bad);
	sb_puts(out, "AH Statistics:\n");
	ir_count(out, "  Input bytes:", ah, "ah-input-bytes", 35, &bad);
	ir_count(out, "  Output bytes:", ah, "ah-output-bytes", 35, &bad);
	ir_count(out, "  Input packets:", ah, "ah-input-packets", 35, &bad);
	ir_count(out, "  Output packets:", ah, "ah-output-packets", 35, &bad);
	ir_fmt(out, json_object_get(root, "error-statistics"),
	    "Errors:\n"
	    "  AH authentication failures: {ah-authentication-failures}, "
	    "Replay errors: {replay-errors}\n"
	    "  ESP authentication failures: {esp-authentication-failures}, "
	    "ESP decryption failures: {esp-decryption-failures}\n"
	    "  Bad headers: {bad-headers}, Bad trailers: {bad-trailers}\n"
	    "[  Invalid SPI: {invalid-spi}, TS check fail: {ts-check-fail}\n]"
	    "[  Exceeds tunnel MTU: {exceeds-tunnel-mtu}\n]"
	    "[  Discarded: {discarded}\n]",
	    &bad);
	return bad ? -1 : 0;
}

/* RECONSTRUCTED: no capture of it; Junos's titles, our widths. */
static int
ir_show_inactive(const json_t *data, struct sb *out)
{
	const json_t *root =
	    ir_root(data, "ipsec-unestablished-tunnel-information");
	const json_t *l = json_object_get(root, "ipsec-unestablished-tunnels");
	bool bad = false;

	if (!json_is_array(l))
		return -1;
	ir_fmt(out, root,
	    "  Total inactive tunnels: {total-inactive-tunnels}\n"
	    "  Total inactive tunnels with establish immediately: "
	    "{total-inactive-tunnels-immediately}\n",
	    &bad);
	if (json_array_size(l) > 0)
		sb_puts(out,
		    "  ID      Port  Nego#  Fail#  Gateway          "
		    "Tunnel Down Reason\n");
	for (size_t i = 0; i < json_array_size(l); i++) {
		const json_t *t = json_array_get(l, i);
		size_t start = out->len;

		ir_fmt(out, t, "  {sa-tunnel-index}", &bad);
		ir_pad(out, start, 10);
		ir_fmt(out, t, "{sa-port}", &bad);
		ir_pad(out, start, 16);
		ir_fmt(out, t, "{sa-nego-num}", &bad);
		ir_pad(out, start, 23);
		ir_fmt(out, t, "{sa-nego-fail}", &bad);
		ir_pad(out, start, 30);
		ir_fmt(out, t, "{sa-remote-gateway}", &bad);
		ir_pad(out, start, 47);
		ir_fmt(out, t, "{sa-tunnel-down-reason}\n", &bad);
	}
	return bad ? -1 : 0;
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
