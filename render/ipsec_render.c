/*
 * ipsec_render: Junos text for iked's IPsec SA replies (sections 3, 4 and
 * 5 of ike_render.c's list), part of iked_renderers[].  The contract is as
 * described at the top of ike_render.c: Junos's reply element, members in
 * the order of its XML, [opt] members may be left out.
 *
 * show-security-ipsec-security-associations (section 3 / 4):
 *   "ipsec-security-associations-information", style "brief":
 *     "total-active-tunnels": 1,
 *     "total-ipsec-sas": 1,                       [opt] (qsafe) default:
 *                                                  the SAs listed; iked
 *                                                  counts a pair as one
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
 */
#include <stdbool.h>
#include <string.h>

#include "render/ike_render_int.h"

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

int
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
int
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
int
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
