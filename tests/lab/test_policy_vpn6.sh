#!/bin/bash
# A policy-based VPN over IPv6, inner and outer: test_policy_vpn.sh's lab
# with IPv6 addresses only on the link between the appliances (the IKE SA
# and ESP can only be IPv6) and IPv6 hosts behind them:
#
#   HA -- ge-0/0/1 [A] ge-0/0/0 ==== ge-0/0/0 [B] ge-0/0/1 -- HB
#   2001:db8:a::2/64   2001:db8::1/64   2001:db8::2/64   2001:db8:b::2/64
#
# Each side tunnels its host's /64 to the other's (`then permit tunnel
# ipsec-vpn V pair-policy IN`, no st0); the first packet from host A has
# iked negotiate, then the hosts ping each other both ways, the SA's
# proxy IDs are the IPv6 prefixes, its peer is IPv6, and what the policy
# tunnels is counted as encrypted (RFC 4303 over IPv6, RFC 4301 4.4.1).
# Root only (77).
#
#   test_policy_vpn6.sh   (QSAFE_TOP, QSAFE_BUILD_DIR)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
export QSAFE_BUILD_DIR
export LAB_IPV6=1
lab_init pv6

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }

# conf ME PEER MYNET PEERNET LOCAL_NET PEER_NET: one appliance's set lines.
conf() {
	cat <<END
set interfaces ge-0/0/0 unit 0 family inet6 address $1/64
set interfaces ge-0/0/1 unit 0 family inet6 address $3
set routing-options static route $4 next-hop $2
set security zones security-zone untrust interfaces ge-0/0/0.0 host-inbound-traffic system-services ike
set security zones security-zone untrust interfaces ge-0/0/0.0 host-inbound-traffic system-services ping
set security zones security-zone trust interfaces ge-0/0/1.0 host-inbound-traffic system-services ping
set security address-book global address LOCAL_NET $5
set security address-book global address PEER_NET $6
set security policies from-zone trust to-zone untrust policy OUT match source-address LOCAL_NET destination-address PEER_NET application any
set security policies from-zone trust to-zone untrust policy OUT then permit tunnel ipsec-vpn V pair-policy IN
set security policies from-zone untrust to-zone trust policy IN match source-address PEER_NET destination-address LOCAL_NET application any
set security policies from-zone untrust to-zone trust policy IN then permit tunnel ipsec-vpn V pair-policy OUT
set security ike proposal IKE_P authentication-method pre-shared-keys
set security ike proposal IKE_P dh-group group14
set security ike proposal IKE_P authentication-algorithm sha-256
set security ike proposal IKE_P encryption-algorithm aes-256-cbc
set security ike policy IKE_POL proposals IKE_P
set security ike policy IKE_POL pre-shared-key ascii-text "pv6-lab-pre-shared-key-0123"
set security ike gateway GW ike-policy IKE_POL
set security ike gateway GW address $2
set security ike gateway GW external-interface ge-0/0/0.0
set security ike gateway GW version v2-only
set security ipsec proposal ESP_P protocol esp
set security ipsec proposal ESP_P encryption-algorithm aes-128-gcm
set security ipsec policy ESP_POL proposals ESP_P
set security ipsec vpn V ike gateway GW
set security ipsec vpn V ike ipsec-policy ESP_POL
END
}

A=$(lab_netns a) && B=$(lab_netns b) && HA=$(lab_netns ha) &&
    HB=$(lab_netns hb) || { fail "no namespaces"; exit 1; }
lab_link "$A" ge-0-0-0 - "$B" ge-0-0-0 - || exit 1
lab_link "$A" ge-0-0-1 - "$HA" eth0 2001:db8:a::2/64 || exit 1
lab_link "$B" ge-0-0-1 - "$HB" eth0 2001:db8:b::2/64 || exit 1
ip -n "$HA" -6 route add default via 2001:db8:a::1 2>/dev/null
ip -n "$HB" -6 route add default via 2001:db8:b::1 2>/dev/null
for ns in "$A" "$B"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1 ||
	    exit 1
done

conf 2001:db8::1 2001:db8::2 2001:db8:a::1/64 2001:db8:b::/64 \
    2001:db8:a::/64 2001:db8:b::/64 >"$LAB_DIR/a.set"
conf 2001:db8::2 2001:db8::1 2001:db8:b::1/64 2001:db8:a::/64 \
    2001:db8:b::/64 2001:db8:a::/64 >"$LAB_DIR/b.set"
qs_start "$A" "$LAB_DIR/A" && qs_start "$B" "$LAB_DIR/B" ||
    { fail "the appliances did not start"; exit 1; }
qs_load "$LAB_DIR/A" "$LAB_DIR/a.set" && qs_load "$LAB_DIR/B" "$LAB_DIR/b.set" ||
    { fail "the IPv6 policy-based configurations do not commit"; exit 1; }

sa() { qs_cli "$1" "show security ipsec security-associations $2"; }
up() { sa "$LAB_DIR/$1" "" | grep -q "^  >"; }
ping_ab() { ip netns exec "$HA" ping -6 -c 1 -W 1 -q 2001:db8:b::2 >/dev/null 2>&1; }
ping_ba() { ip netns exec "$HB" ping -6 -c 1 -W 1 -q 2001:db8:a::2 >/dev/null 2>&1; }
# the addresses are usable once duplicate address detection is done
dad() { ! ip -n "$1" -6 addr show tentative | grep -q inet6; }
for ns in "$A" "$B" "$HA" "$HB"; do
	lab_poll 10 dad "$ns" || fail "$ns: IPv6 addresses stay tentative"
done

if ! up A && ! up B; then
	ok "no SA before traffic (establish-tunnels on-traffic)"
else
	fail "an SA came up before any traffic"
fi
ping_ab
if lab_poll 20 up A; then
	ok "the first IPv6 packet matching policy OUT had iked negotiate"
else
	fail "no SA after traffic"; tail -20 "$LAB_DIR/A/iked.log"
fi
if lab_poll 10 ping_ab; then
	ok "host A pings host B over IPv6 through the policy-based tunnel"
else
	fail "no ping A -> B through the tunnel"
	ip -n "$A" -6 rule; ip -n "$A" -6 route show table all | grep -v local
fi
if lab_poll 10 ping_ba; then
	ok "host B pings host A over IPv6 through the policy-based tunnel"
else
	fail "no ping B -> A through the tunnel"
fi

out=$(sa "$LAB_DIR/A" detail)
if printf '%s\n' "$out" | grep -q "Local Identity: ipv6_subnet(any:0,\[0..15\]=2001:db8:a::/64)" &&
    printf '%s\n' "$out" | grep -q "Remote Identity: ipv6_subnet(any:0,\[0..15\]=2001:db8:b::/64)"; then
	ok "the SA's proxy IDs are the policy's IPv6 prefixes"
else
	printf '%s\n' "$out"; fail "the SA does not show the IPv6 proxy IDs"
fi
if sa "$LAB_DIR/A" "" | grep -q "2001:db8::2"; then
	ok "the SA's peer is the IPv6 gateway (outer IPv6)"
else
	sa "$LAB_DIR/A" ""; fail "the SA does not show its IPv6 peer"
fi

enc() {	# the SA's encrypted packets on A
	qs_cli "$LAB_DIR/A" "show security ipsec statistics" |
	    sed -n 's/.*Encrypted packets: *\([0-9][0-9]*\).*/\1/p' | head -1
}
e0=$(enc)
ip netns exec "$HA" ping -6 -c 3 -i 0.2 -W 1 -q 2001:db8:b::2 >/dev/null 2>&1
e1=$(enc)
if [ "${e1:-0}" -ge $((${e0:-0} + 3)) ]; then
	ok "the policy's IPv6 traffic is encrypted ($e0 -> $e1 packets)"
else
	fail "the policy's IPv6 traffic was not encrypted ($e0 -> $e1)"
fi

[ $fails -eq 0 ] && echo "PASS" || echo "FAILED: $fails"
[ $fails -eq 0 ]
