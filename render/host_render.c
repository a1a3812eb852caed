/*
 * host_render: Junos text for hostd's replies (show interfaces, show route,
 * ping, traceroute, show security zones|policies), exported as
 * host_renderers[] (render/render.h).  Pure functions of the data, jansson
 * only, so the cli links them as the static library qsafe_host_render.
 * Layouts follow a captured vSRX 24.4's output (`show interfaces terse`,
 * `show route`, `show security zones|policies`); ping and
 * traceroute follow the Junos (FreeBSD) programs' text.  Fields Junos shows
 * and qsafe does not have (VRF groups, identity feeds) print their
 * "any"/default value.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "render/render.h"

static const char *
hr_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static long long
hr_int(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static void
hr_warning(const json_t *d, struct sb *out)
{
	if (json_object_get(d, "warning") != NULL)
		sb_printf(out, "warning: %s\n", hr_str(d, "warning"));
}

/* Ends the line: drops trailing blanks, adds '\n'. */
static void
hr_eol(struct sb *out)
{
	while (out->len > 0 && out->buf[out->len - 1] == ' ')
		out->buf[--out->len] = '\0';
	sb_putc(out, '\n');
}

/* ---- show interfaces --------------------------------------------- */

static void
hr_terse_unit(const json_t *u, struct sb *out)
{
	static const char *const fams[] = { "inet", "inet6" };
	bool first = true;

	sb_printf(out, "%-24s%-6s%-5s", hr_str(u, "name"), hr_str(u, "admin"),
	    hr_str(u, "link"));
	for (size_t f = 0; f < 2; f++) {
		json_t *a, *list = json_object_get(u, fams[f]);
		size_t i;
		json_array_foreach(list, i, a)
		{
			if (!first && i == 0)
				sb_printf(out, "%35s", "");
			else if (!first)
				sb_printf(out, "%44s", "");
			if (i == 0)
				sb_printf(out, "%-9s", fams[f]);
			sb_printf(out, "%s/%lld", hr_str(a, "local"),
			    hr_int(a, "prefix-length"));
			hr_eol(out);
			first = false;
		}
	}
	if (first)
		hr_eol(out);
}

/* "198.51.100/24": the octets the prefix covers, as Junos prints it. */
static void
hr_destination(const char *local, long long plen, struct sb *out)
{
	unsigned b[4];

	if (strchr(local, ':') != NULL ||
	    sscanf(local, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]) != 4) {
		sb_printf(out, "%s/%lld", local, plen);
		return;
	}
	unsigned v = b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
	v &= plen == 0 ? 0 : 0xffffffffu << (32 - plen);
	int n = plen <= 8 ? 1 : (int)((plen + 7) / 8);
	for (int i = 0; i < n; i++)
		sb_printf(
		    out, "%s%u", i ? "." : "", (v >> (24 - 8 * i)) & 0xff);
	sb_printf(out, "/%lld", plen);
}

/*
 * A unit's counters: Junos prints packets only, and with `detail` its
 * "Traffic statistics" block with bytes.  For st0.N they are the TUN
 * device's (docs/architecture.md, "The ESP dataplane"): Input what the
 * dataplane decrypted into it, Output what was routed into it to be
 * encrypted.
 */
static void
hr_unit_counters(const json_t *u, bool detail, struct sb *out)
{
	if (!detail) {
		sb_printf(out, "    Input packets : %lld\n",
		    hr_int(u, "input-packets"));
		sb_printf(out, "    Output packets: %lld\n",
		    hr_int(u, "output-packets"));
		return;
	}
	sb_puts(out, "    Traffic statistics:\n");
	sb_printf(
	    out, "     Input  bytes  :%21lld\n", hr_int(u, "input-bytes"));
	sb_printf(
	    out, "     Output bytes  :%21lld\n", hr_int(u, "output-bytes"));
	sb_printf(
	    out, "     Input  packets:%21lld\n", hr_int(u, "input-packets"));
	sb_printf(
	    out, "     Output packets:%21lld\n", hr_int(u, "output-packets"));
}

/* A unit of `show interfaces` (not terse); blank: a blank line first. */
static void
hr_unit_detail(
    const json_t *u, bool lo, bool blank, bool detail, struct sb *out)
{
	json_t *a;
	size_t i;
	bool up = strcmp(hr_str(u, "admin"), "up") == 0;

	sb_printf(out,
	    "%s  Logical interface %s (Index %lld) (SNMP ifIndex"
	    " %lld)\n",
	    blank ? "\n" : "", hr_str(u, "name"), hr_int(u, "index"),
	    hr_int(u, "index"));
	if (lo)
		sb_puts(
		    out, "    Flags: SNMP-Traps Encapsulation: Unspecified\n");
	else if (strncmp(hr_str(u, "name"), "st0.", 4) == 0)
		sb_printf(out,
		    "    Flags: %sPoint-To-Point SNMP-Traps Encapsulation:"
		    " Secure-Tunnel\n",
		    up ? "Up " : "Down ");
	else
		sb_printf(out,
		    "    Flags: %sSNMP-Traps 0x4000 Encapsulation:"
		    " ENET2\n",
		    up ? "Up " : "Down ");
	hr_unit_counters(u, detail, out);
	if (json_object_get(u, "zone") != NULL) {
		sb_printf(out, "    Security: Zone: %s\n", hr_str(u, "zone"));
		sb_puts(out, "    Allowed host-inbound traffic :");
		json_array_foreach(json_object_get(u, "host-inbound"), i, a)
		    sb_printf(out, " %s", json_string_value(a));
		hr_eol(out);
	}
	if (json_array_size(json_object_get(u, "inet")) > 0) {
		if (lo)
			sb_puts(out, "    Protocol inet, MTU: Unlimited\n");
		else
			sb_printf(out, "    Protocol inet, MTU: %lld\n",
			    hr_int(u, "mtu"));
		json_array_foreach(json_object_get(u, "inet"), i, a)
		{
			sb_printf(out, "      Addresses, Flags: %s\n",
			    i == 0 ? "Is-Preferred Is-Primary"
				   : "Is-Preferred");
			sb_puts(out, "        ");
			if (!lo) {
				sb_puts(out, "Destination: ");
				hr_destination(hr_str(a, "local"),
				    hr_int(a, "prefix-length"), out);
				sb_puts(out, ", ");
			}
			sb_printf(out, "Local: %s", hr_str(a, "local"));
			if (json_object_get(a, "broadcast") != NULL)
				sb_printf(out, ", Broadcast: %s",
				    hr_str(a, "broadcast"));
			sb_putc(out, '\n');
		}
	}
	if (json_array_size(json_object_get(u, "inet6")) > 0) {
		sb_printf(
		    out, "    Protocol inet6, MTU: %lld\n", hr_int(u, "mtu"));
		json_array_foreach(json_object_get(u, "inet6"), i, a)
		{
			sb_puts(out,
			    "      Addresses, Flags: Is-Preferred\n"
			    "        Destination: ");
			hr_destination(hr_str(a, "local"),
			    hr_int(a, "prefix-length"), out);
			sb_printf(out, ", Local: %s\n", hr_str(a, "local"));
		}
	}
}

/*
 * The physical part of `show interfaces` (not terse): Junos shows traffic
 * rates here, which qsafe does not sample, and packet counts only for lo0.
 */
static void
hr_phys_detail(const json_t *p, struct sb *out)
{
	bool up = strcmp(hr_str(p, "admin"), "up") == 0;
	bool link = strcmp(hr_str(p, "link"), "up") == 0;
	bool lo = strcmp(hr_str(p, "type"), "loopback") == 0;

	sb_printf(out, "Physical interface: %s, %s, Physical link is %s\n",
	    hr_str(p, "name"), up ? "Enabled" : "Administratively down",
	    link ? "Up" : "Down");
	if (json_object_get(p, "index") == NULL)
		return;
	sb_printf(out, "  Interface index: %lld, SNMP ifIndex: %lld\n",
	    hr_int(p, "index"), hr_int(p, "index"));
	if (lo)
		sb_puts(out, "  Type: Loopback, MTU: Unlimited\n");
	else
		sb_printf(out, "  Link-level type: %s, MTU: %lld\n",
		    strcmp(hr_str(p, "type"), "ethernet") == 0 ? "Ethernet"
							       : "Unspecified",
		    hr_int(p, "mtu"));
	sb_printf(out, "  Device flags   : Present Running%s%s\n",
	    link ? "" : " Down", lo ? " Loopback" : "");
	sb_printf(out, "  Interface flags: %sSNMP-Traps%s\n", up ? "" : "Down ",
	    lo ? "" : " Internal: 0x4000");
	if (json_object_get(p, "mac") != NULL && !lo)
		sb_printf(out, "  Current address: %s, Hardware address: %s\n",
		    hr_str(p, "mac"), hr_str(p, "mac"));
	if (lo) {
		sb_printf(out, "    Input packets : %lld\n",
		    hr_int(p, "input-packets"));
		sb_printf(out, "    Output packets: %lld\n",
		    hr_int(p, "output-packets"));
	}
}

static int
hr_interfaces(const json_t *d, struct sb *out)
{
	json_t *list = json_object_get(d, "interfaces"), *p, *u;
	bool terse = json_is_true(json_object_get(d, "terse"));
	bool logical = json_is_true(json_object_get(d, "logical"));
	bool detail = json_is_true(json_object_get(d, "detail"));
	size_t i, k;

	if (!json_is_array(list))
		return -1;
	hr_warning(d, out);
	if (terse)
		sb_puts(out,
		    "Interface               Admin Link Proto    Local"
		    "                 Remote\n");
	json_array_foreach(list, i, p)
	{
		json_t *units = json_object_get(p, "units");
		if (terse) {
			if (!logical) {
				sb_printf(out, "%-24s%-6s%s", hr_str(p, "name"),
				    hr_str(p, "admin"), hr_str(p, "link"));
				hr_eol(out);
			}
			json_array_foreach(units, k, u) hr_terse_unit(u, out);
			continue;
		}
		bool lo = strcmp(hr_str(p, "type"), "loopback") == 0;
		if (i > 0)
			sb_putc(out, '\n');
		if (!logical)
			hr_phys_detail(p, out);
		json_array_foreach(units, k, u)
		    hr_unit_detail(u, lo, !logical || k > 0, detail, out);
	}
	return 0;
}

/* ---- show route -------------------------------------------------- */

/* Junos route age: MM:SS, HH:MM:SS, Nd HH:MM:SS, NwNd HH:MM:SS. */
static void
hr_age(long long t, struct sb *out)
{
	long long w = t / 604800, d = t / 86400 % 7, hh = t / 3600 % 24;
	long long mm = t / 60 % 60, ss = t % 60;

	if (w > 0)
		sb_printf(
		    out, " %lldw%lldd %02lld:%02lld:%02lld", w, d, hh, mm, ss);
	else if (d > 0)
		sb_printf(out, " %lldd %02lld:%02lld:%02lld", d, hh, mm, ss);
	else if (hh > 0)
		sb_printf(out, " %02lld:%02lld:%02lld", hh, mm, ss);
	else
		sb_printf(out, " %02lld:%02lld", mm, ss);
}

static int
hr_route(const json_t *d, struct sb *out)
{
	json_t *tables = json_object_get(d, "tables"), *t, *e, *nh;
	size_t i, k, j;

	if (!json_is_array(tables))
		return -1;
	hr_warning(d, out);
	json_array_foreach(tables, i, t)
	{
		if (i > 0)
			sb_putc(out, '\n');
		sb_printf(out,
		    "%s: %lld destinations, %lld routes (%lld active,"
		    " 0 holddown, 0 hidden)\n",
		    hr_str(t, "name"), hr_int(t, "destinations"),
		    hr_int(t, "routes"), hr_int(t, "active"));
		sb_puts(out, "+ = Active Route, - = Last Active, * = Both\n\n");
		json_array_foreach(json_object_get(t, "entries"), k, e)
		{
			sb_printf(out, "%-18s *[%s/%lld]", hr_str(e, "prefix"),
			    hr_str(e, "protocol"), hr_int(e, "preference"));
			if (json_object_get(e, "age") != NULL)
				hr_age(hr_int(e, "age"), out);
			sb_putc(out, '\n');
			if (json_is_true(json_object_get(e, "reject"))) {
				sb_printf(out, "%23sReject\n", "");
				continue;
			}
			if (json_is_true(json_object_get(e, "discard"))) {
				sb_printf(out, "%23sDiscard\n", "");
				continue;
			}
			bool local =
			    strcmp(hr_str(e, "protocol"), "Local") == 0;
			json_array_foreach(
			    json_object_get(e, "nexthops"), j, nh)
			{
				if (local)
					sb_printf(out, "%23sLocal via %s\n", "",
					    hr_str(nh, "via"));
				else if (json_object_get(nh, "to") != NULL)
					sb_printf(out, "%20s>  to %s via %s\n",
					    "", hr_str(nh, "to"),
					    hr_str(nh, "via"));
				else
					sb_printf(out, "%20s>  via %s\n", "",
					    hr_str(nh, "via"));
			}
		}
	}
	return 0;
}

/* ---- ping, traceroute -------------------------------------------- */

static const json_t *
hr_reply_of(const json_t *replies, long long seq)
{
	json_t *r;
	size_t i;

	json_array_foreach(
	    replies, i, r) if (hr_int(r, "sequence") == seq) return r;
	return NULL;
}

static int
hr_ping(const json_t *d, struct sb *out)
{
	json_t *replies = json_object_get(d, "replies"), *rtt;
	bool rapid = json_is_true(json_object_get(d, "rapid"));
	long long tx = hr_int(d, "transmitted"), rx = hr_int(d, "received");

	if (!json_is_array(replies))
		return -1;
	hr_warning(d, out);
	sb_printf(out, "PING %s (%s): %lld data bytes\n", hr_str(d, "host"),
	    hr_str(d, "address"), hr_int(d, "size"));
	for (long long s = 1; s <= tx; s++) {
		const json_t *r = hr_reply_of(replies, s);
		if (rapid)
			sb_putc(out, r ? '!' : '.');
		else if (r != NULL)
			sb_printf(out,
			    "%lld bytes from %s: icmp_seq=%lld ttl=%lld"
			    " time=%.3f ms\n",
			    hr_int(r, "bytes"), hr_str(r, "from"), s - 1,
			    hr_int(r, "ttl"),
			    json_real_value(json_object_get(r, "time")));
		else
			sb_printf(
			    out, "Request timeout for icmp_seq %lld\n", s - 1);
	}
	sb_puts(out, rapid ? "\n" : "\n");
	sb_printf(out, "--- %s ping statistics ---\n", hr_str(d, "host"));
	sb_printf(out,
	    "%lld packets transmitted, %lld packets received, "
	    "%lld%% packet loss\n",
	    tx, rx, tx ? (tx - rx) * 100 / tx : 0);
	if ((rtt = json_object_get(d, "rtt")) != NULL && rx > 0)
		sb_printf(out,
		    "round-trip min/avg/max/stddev = "
		    "%.3f/%.3f/%.3f/%.3f ms\n",
		    json_real_value(json_object_get(rtt, "min")),
		    json_real_value(json_object_get(rtt, "avg")),
		    json_real_value(json_object_get(rtt, "max")),
		    json_real_value(json_object_get(rtt, "stddev")));
	return 0;
}

static int
hr_traceroute(const json_t *d, struct sb *out)
{
	json_t *hops = json_object_get(d, "hops"), *h, *p;
	size_t i, k;

	if (!json_is_array(hops))
		return -1;
	hr_warning(d, out);
	sb_printf(out,
	    "traceroute to %s (%s), %lld hops max, %lld byte packets\n",
	    hr_str(d, "host"), hr_str(d, "address"), hr_int(d, "max-hops"),
	    hr_int(d, "size"));
	json_array_foreach(hops, i, h)
	{
		sb_printf(out, "%2lld ", hr_int(h, "hop"));
		json_array_foreach(json_object_get(h, "probes"), k, p)
		{
			if (json_is_true(json_object_get(p, "timeout"))) {
				sb_puts(out, " *");
				continue;
			}
			if (json_object_get(p, "address") != NULL)
				sb_printf(out, " %s (%s)", hr_str(p, "address"),
				    hr_str(p, "address"));
			sb_printf(out, "  %.3f ms",
			    json_real_value(json_object_get(p, "time")));
			if (json_object_get(p, "note") != NULL)
				sb_printf(out, " %s", hr_str(p, "note"));
		}
		hr_eol(out);
	}
	return 0;
}

/* ---- show security zones ----------------------------------------- */

static int
hr_zones(const json_t *d, struct sb *out)
{
	json_t *zones = json_object_get(d, "zones"), *z, *f;
	size_t i, k;

	if (!json_is_array(zones))
		return -1;
	hr_warning(d, out);
	json_array_foreach(zones, i, z)
	{
		json_t *ifs = json_object_get(z, "interfaces");
		if (i > 0)
			sb_putc(out, '\n');
		sb_printf(out, "Security zone: %s\n", hr_str(z, "name"));
		sb_printf(out, "  Zone ID: %lld\n", hr_int(z, "id"));
		sb_printf(out,
		    "  Send reset for non-SYN session TCP packets: %s\n",
		    json_is_true(json_object_get(z, "tcp-rst")) ? "On" : "Off");
		sb_puts(out, "  Policy configurable: Yes\n");
		if (json_object_get(z, "screen") != NULL)
			sb_printf(out, "  Screen: %s\n", hr_str(z, "screen"));
		sb_printf(
		    out, "  Interfaces bound: %zu\n", json_array_size(ifs));
		sb_puts(out, "  Interfaces:\n");
		json_array_foreach(ifs, k, f)
		    sb_printf(out, "    %s\n", hr_str(f, "name"));
		sb_puts(out,
		    "  Advanced-connection-tracking timeout: 1800\n"
		    "  Unidirectional-session-refreshing: No\n");
	}
	return 0;
}

/* ---- show security policies -------------------------------------- */

static void
hr_names(const json_t *arr, struct sb *out)
{
	json_t *s;
	size_t i;

	json_array_foreach(arr, i, s)
	    sb_printf(out, "%s%s", i ? ", " : "", json_string_value(s));
}

static void
hr_action(const json_t *p, struct sb *out)
{
	sb_printf(out, "%s%s%s\n", hr_str(p, "action"),
	    json_object_get(p, "tunnel") ? ", tunnel" : "",
	    json_is_true(json_object_get(p, "log")) ? ", log" : "");
}

static void
hr_policy(const json_t *p, bool global, struct sb *out)
{
	sb_printf(out,
	    "  Policy: %s, State: enabled, Index: %lld, Scope Policy:"
	    " 0, Sequence number: %lld, Log Profile ID: 0\n",
	    hr_str(p, "name"), hr_int(p, "index"), hr_int(p, "sequence"));
	if (global) {
		sb_puts(out, "    From zones: ");
		hr_names(json_object_get(p, "from-zones"), out);
		sb_puts(out,
		    json_array_size(json_object_get(p, "from-zones"))
			? "\n    To zones: "
			: "any\n    To zones: ");
		hr_names(json_object_get(p, "to-zones"), out);
		sb_puts(out,
		    json_array_size(json_object_get(p, "to-zones")) ? "\n"
								    : "any\n");
	}
	sb_puts(out,
	    "    Source vrf group: any\n"
	    "    Destination vrf group: any\n    Source addresses: ");
	hr_names(json_object_get(p, "source-addresses"), out);
	sb_puts(out, "\n    Destination addresses: ");
	hr_names(json_object_get(p, "destination-addresses"), out);
	sb_puts(out, "\n    Applications: ");
	hr_names(json_object_get(p, "applications"), out);
	sb_puts(out,
	    "\n    Source identity feeds: any\n"
	    "    Destination identity feeds: any\n    Action: ");
	hr_action(p, out);
}

static void
hr_addresses(const json_t *p, const char *key, struct sb *out)
{
	const json_t *res = json_object_get(p, "resolved");
	json_t *s;
	size_t i;

	json_array_foreach(json_object_get(p, key), i, s)
	{
		const char *n = json_string_value(s);
		if (strcmp(n, "any") == 0 || strcmp(n, "any-ipv4") == 0)
			sb_puts(out, "    any-ipv4(global): 0.0.0.0/0 \n");
		if (strcmp(n, "any") == 0 || strcmp(n, "any-ipv6") == 0)
			sb_puts(out, "    any-ipv6(global): ::/0 \n");
		if (strncmp(n, "any", 3) != 0)
			sb_printf(
			    out, "    %s(global): %s \n", n, hr_str(res, n));
	}
}

static void
hr_policy_detail(
    const json_t *p, const char *from, const char *to, struct sb *out)
{
	json_t *a;
	size_t i;

	sb_printf(out,
	    "Policy: %s, action-type: %s, services-offload:"
	    "not-configured , State: enabled, Index: %lld, Scope Policy: 0\n",
	    hr_str(p, "name"), hr_str(p, "action"), hr_int(p, "index"));
	sb_printf(out, "  Policy Type: Configured\n  Sequence number: %lld\n",
	    hr_int(p, "sequence"));
	sb_printf(out, "  From zone: %s, To zone: %s\n", from, to);
	sb_puts(out,
	    "  Source vrf group:\n    any\n"
	    "  Destination vrf group:\n    any\n  Source addresses:\n");
	hr_addresses(p, "source-addresses", out);
	sb_puts(out, "  Destination addresses:\n");
	hr_addresses(p, "destination-addresses", out);
	json_array_foreach(json_object_get(p, "applications"), i, a)
	{
		sb_printf(out, "  Application: %s\n", json_string_value(a));
		if (strcmp(json_string_value(a), "any") == 0)
			sb_puts(out,
			    "    IP protocol: 0, ALG: 0, Inactivity"
			    " timeout: 0\n      Source port range: [0-0]\n"
			    "      Destination ports: [0-0]\n");
	}
	sb_puts(out,
	    "  Source identity feeds:\n    any\n"
	    "  Destination identity feeds:\n    any\n"
	    "  Per policy TCP Options: SYN check: No, SEQ check: No,"
	    " Window scale: No\n");
	/* policy-based VPN; Junos adds the tunnel's index, which is iked's */
	if (json_object_get(p, "tunnel") != NULL)
		sb_printf(
		    out, "  Tunnel: %s, Type: IPSec\n", hr_str(p, "tunnel"));
	if (json_object_get(p, "pair-policy") != NULL)
		sb_printf(out, "  Pair policy: %s\n", hr_str(p, "pair-policy"));
	if (json_is_true(json_object_get(p, "log"))) {
		bool ci = json_is_true(json_object_get(p, "session-init"));
		bool cc = json_is_true(json_object_get(p, "session-close"));
		sb_printf(out, "  Session log: %s%s%s\n", ci ? "at-create" : "",
		    ci && cc ? ", " : "", cc ? "at-close" : "");
	}
}

/* A row of `show security policies hit-count`: the columns are as wide as
 * Junos prints them, and a longer value pushes the rest right. */
static void
hr_hit_row(long long index, const char *from, const char *to, const char *name,
    long long hits, const char *action, struct sb *out)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", hits);
	sb_printf(out, "%-8lld%-16s %-17s %-14s %-13s %c%s\n", index, from, to,
	    name, buf, action[0] - 32, action + 1);
}

/* hr_hit_row of policy p in context from -> to. */
static void
hr_hit_policy(const json_t *p, const char *from, const char *to, struct sb *out)
{
	const char *action = hr_str(p, "action");

	hr_hit_row(hr_int(p, "index"), from, to, hr_str(p, "name"),
	    hr_int(p, "hits"), *action ? action : "?", out);
}

static int
hr_policies(const json_t *d, struct sb *out)
{
	json_t *ctxs = json_object_get(d, "contexts"), *c, *p;
	json_t *glob = json_object_get(d, "global");
	bool detail = json_is_true(json_object_get(d, "detail"));
	size_t i, k, n = 0;

	if (!json_is_array(ctxs))
		return -1;
	hr_warning(d, out);
	if (json_is_true(json_object_get(d, "hit-count"))) {
		sb_puts(out,
		    "Logical system: root-logical-system\n"
		    "Index   From zone        To zone           Name         "
		    "  Policy count  Action\n");
		hr_hit_row(1, "all-zone", "all-zone", "default-policy",
		    hr_int(d, "default-hits"),
		    strcmp(hr_str(d, "default-policy"), "permit-all") == 0
			? "permit"
			: "deny",
		    out);
		json_array_foreach(ctxs, i, c)
		{
			const char *from = hr_str(c, "from-zone");
			const char *to = hr_str(c, "to-zone");
			json_array_foreach(json_object_get(c, "policies"), k, p)
			    hr_hit_policy(p, from, to, out);
		}
		json_array_foreach(glob, k, p)
		    hr_hit_policy(p, "junos-global", "junos-global", out);
		return 0;
	}
	if (detail) {
		json_array_foreach(ctxs, i, c)
		    json_array_foreach(json_object_get(c, "policies"), k, p)
		{
			if (n++ > 0)
				sb_putc(out, '\n');
			hr_policy_detail(p, hr_str(c, "from-zone"),
			    hr_str(c, "to-zone"), out);
		}
		json_array_foreach(glob, k, p)
		{
			if (n++ > 0)
				sb_putc(out, '\n');
			hr_policy_detail(p, "any", "any", out);
		}
		return 0;
	}
	sb_printf(out,
	    "Default policy: %s\nDefault policy log Profile ID: 0\n"
	    "Pre ID default policy: permit-all\n"
	    "Default HTTP Mux policy: permit-all\n",
	    hr_str(d, "default-policy"));
	json_array_foreach(ctxs, i, c)
	{
		sb_printf(out, "From zone: %s, To zone: %s\n",
		    hr_str(c, "from-zone"), hr_str(c, "to-zone"));
		json_array_foreach(json_object_get(c, "policies"), k, p)
		    hr_policy(p, false, out);
	}
	if (json_array_size(glob) > 0) {
		sb_puts(out, "Global policies:\n");
		json_array_foreach(glob, k, p) hr_policy(p, true, out);
	}
	return 0;
}

const struct render_entry host_renderers[] = {
	{ "show-interfaces", hr_interfaces },
	{ "show-route", hr_route },
	{ "ping", hr_ping },
	{ "traceroute", hr_traceroute },
	{ "show-security-zones", hr_zones },
	{ "show-security-policies", hr_policies },
	{ NULL, NULL },
};
