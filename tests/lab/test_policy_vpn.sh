#!/bin/bash
# A policy-based VPN (no st0) between two appliances with IKEv2 and a PSK,
# a host namespace behind each:
#
#   HA -- ge-0/0/1 [A] ge-0/0/0 ==== ge-0/0/0 [B] ge-0/0/1 -- HB
#   198.51.100.2/26    192.0.2.1/24   192.0.2.2/24    198.51.100.66/26
#
# Each side has `from-zone trust to-zone untrust policy OUT ... then permit
# tunnel ipsec-vpn V pair-policy IN` and the reverse IN, the VPN has no
# bind-interface and establishes on traffic (the Junos default).  The
# first ping from host A asks iked to negotiate (on-traffic); then the
# hosts ping each other both ways through the tunnel, the SA shows the
# policy's addresses as its proxy IDs and no st0, the policies count
# their hits, a third address behind A that no policy tunnels reaches B
# in the clear without touching the SA's counters, and commit refuses a
# policy naming a route-based VPN.  Root only (77).
#
#   test_policy_vpn.sh   (QSAFE_TOP, QSAFE_BUILD_DIR)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
export QSAFE_BUILD_DIR
lab_init pv

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }

# conf ME PEER MYNET PEERNET LOCAL_NET PEER_NET: one appliance's set lines;
# the route to the peer's hosts leads out of ge-0/0/0 (no st0): what the
# tunnel policy takes is marked before that route is used.
conf() {
	cat <<END
set interfaces ge-0/0/0 unit 0 family inet address $1/24
set interfaces ge-0/0/1 unit 0 family inet address $3
set routing-options static route $4 next-hop $2
set security zones security-zone untrust interfaces ge-0/0/0.0 host-inbound-traffic system-services ike
set security zones security-zone untrust interfaces ge-0/0/0.0 host-inbound-traffic system-services ping
set security zones security-zone trust interfaces ge-0/0/1.0 host-inbound-traffic system-services ping
set security address-book global address LOCAL_NET $5
set security address-book global address PEER_NET $6
set security policies from-zone trust to-zone untrust policy OUT match source-address LOCAL_NET destination-address PEER_NET application any
set security policies from-zone trust to-zone untrust policy OUT then permit tunnel ipsec-vpn V pair-policy IN
set security policies from-zone trust to-zone untrust policy CLEAR match source-address any destination-address any application any
set security policies from-zone trust to-zone untrust policy CLEAR then permit
set security policies from-zone untrust to-zone trust policy IN match source-address PEER_NET destination-address LOCAL_NET application any
set security policies from-zone untrust to-zone trust policy IN then permit tunnel ipsec-vpn V pair-policy OUT
set security policies from-zone untrust to-zone trust policy CLEAR-IN match source-address any destination-address any application any
set security policies from-zone untrust to-zone trust policy CLEAR-IN then permit
set security ike proposal IKE_P authentication-method pre-shared-keys
set security ike proposal IKE_P dh-group group14
set security ike proposal IKE_P authentication-algorithm sha-256
set security ike proposal IKE_P encryption-algorithm aes-256-cbc
set security ike policy IKE_POL proposals IKE_P
set security ike policy IKE_POL pre-shared-key ascii-text "pv-lab-pre-shared-key-0123"
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
lab_link "$A" ge-0-0-1 - "$HA" eth0 198.51.100.2/26 || exit 1
lab_link "$B" ge-0-0-1 - "$HB" eth0 198.51.100.66/26 || exit 1
# a second address behind A that no tunnel policy holds
ip -n "$HA" addr add 198.51.100.30/26 dev eth0
lab_route "$HA" default 198.51.100.1 2>/dev/null
lab_route "$HB" default 198.51.100.65 2>/dev/null
lab_forward "$A" && lab_forward "$B" || exit 1

conf 192.0.2.1 192.0.2.2 198.51.100.1/26 198.51.100.64/26 \
    198.51.100.0/28 198.51.100.64/26 >"$LAB_DIR/a.set"
conf 192.0.2.2 192.0.2.1 198.51.100.65/26 198.51.100.0/26 \
    198.51.100.64/26 198.51.100.0/28 >"$LAB_DIR/b.set"
qs_start "$A" "$LAB_DIR/A" && qs_start "$B" "$LAB_DIR/B" ||
    { fail "the appliances did not start"; exit 1; }
qs_load "$LAB_DIR/A" "$LAB_DIR/a.set" && qs_load "$LAB_DIR/B" "$LAB_DIR/b.set" ||
    { fail "the policy-based configurations do not commit"; exit 1; }

sa() { qs_cli "$1" "show security ipsec security-associations $2"; }
up() { sa "$LAB_DIR/$1" "" | grep -q "^  >"; }
ping_ab() { ip netns exec "$HA" ping -c 1 -W 1 -q -I 198.51.100.2 198.51.100.66 >/dev/null 2>&1; }
ping_ba() { ip netns exec "$HB" ping -c 1 -W 1 -q 198.51.100.2 >/dev/null 2>&1; }

# on-traffic: nothing is negotiated until a packet matches the policy
if ! up A && ! up B; then
	ok "no SA before traffic (establish-tunnels on-traffic)"
else
	fail "an SA came up before any traffic"
fi
ping_ab
if lab_poll 20 up A; then
	ok "the first packet matching policy OUT had iked negotiate"
else
	fail "no SA after traffic"; tail -20 "$LAB_DIR/A/iked.log"
fi
if lab_poll 10 ping_ab; then
	ok "host A pings host B through the policy-based tunnel"
else
	fail "no ping A -> B through the tunnel"
	ip -n "$A" rule; ip -n "$A" route show table all | grep -v local
	nft -n list ruleset -a 2>/dev/null | head -0
fi
if lab_poll 10 ping_ba; then
	ok "host B pings host A through the policy-based tunnel"
else
	fail "no ping B -> A through the tunnel"
fi

out=$(sa "$LAB_DIR/A" detail)
if printf '%s\n' "$out" | grep -q "Local Identity: ipv4_subnet(any:0,\[0..7\]=198.51.100.0/28)" &&
    printf '%s\n' "$out" | grep -q "Remote Identity: ipv4_subnet(any:0,\[0..7\]=198.51.100.64/26)" &&
    ! printf '%s\n' "$out" | grep -q "Bind-interface: st0"; then
	ok "the SA's proxy IDs are the policy's addresses, no st0"
else
	printf '%s\n' "$out"; fail "the SA does not show the policy's proxy IDs"
fi
if ! ip -n "$A" link show | grep -q " st0"; then
	ok "no st0 device on either appliance"
else
	fail "an st0 device was created"
fi

enc() {	# the SA's encrypted packets on A
	qs_cli "$LAB_DIR/A" "show security ipsec statistics" |
	    sed -n 's/.*Encrypted packets: *\([0-9][0-9]*\).*/\1/p' | head -1
}
e0=$(enc)
ip netns exec "$HA" ping -c 3 -i 0.2 -W 1 -q -I 198.51.100.2 198.51.100.66 >/dev/null 2>&1
e1=$(enc)
if [ "${e1:-0}" -ge $((${e0:-0} + 3)) ]; then
	ok "the policy's traffic is encrypted ($e0 -> $e1 packets)"
else
	fail "the policy's traffic was not encrypted ($e0 -> $e1)"
fi
e0=$(enc)
# 198.51.100.30 is in no tunnel policy's source: policy CLEAR, in the clear
if ip netns exec "$HA" ping -c 3 -i 0.2 -W 1 -q -I 198.51.100.30 198.51.100.66 >/dev/null 2>&1; then
	e1=$(enc)
	if [ "${e0:-x}" = "${e1:-y}" ]; then
		ok "traffic outside the policy passes in the clear (encrypted stays $e1)"
	else
		fail "traffic outside the policy was encrypted ($e0 -> $e1)"
	fi
else
	fail "traffic outside the policy does not pass"
fi

out=$(qs_cli "$LAB_DIR/A" "show security policies hit-count")
printf '%s\n' "$out" | grep -E "OUT|CLEAR" | head -3 >"$LAB_DIR/hits"
if printf '%s\n' "$out" | awk '$4 == "OUT" && $5 + 0 > 0 {f=1} END {exit !f}'; then
	ok "show security policies counts policy OUT's hits"
else
	printf '%s\n' "$out"; fail "policy OUT shows no hits"
fi

out=$(qs_cli "$LAB_DIR/A" "show security policies from-zone trust to-zone untrust detail")
if printf '%s\n' "$out" | grep -q "Tunnel: V, Type: IPSec" &&
    printf '%s\n' "$out" | grep -q "Pair policy: IN" &&
    qs_cli "$LAB_DIR/A" "show security policies" | grep -q "Action: permit, tunnel"; then
	ok "show security policies names the tunnel and the pair-policy"
else
	printf '%s\n' "$out"; fail "show security policies does not show the tunnel"
fi

# commit check: a policy naming a route-based VPN is refused
out=$(qs_cli "$LAB_DIR/A" "configure; set interfaces st0 unit 0 family inet; set security ipsec vpn V bind-interface st0.0; commit" 2>&1)
if printf '%s\n' "$out" | grep -q "route-based"; then
	ok "commit refuses a tunnel policy naming a route-based VPN"
else
	printf '%s\n' "$out"; fail "a policy naming a route-based VPN was not refused"
fi
qs_cli "$LAB_DIR/A" "configure; rollback 0; commit" >/dev/null 2>&1
out=$(qs_cli "$LAB_DIR/A" "configure; set security policies global policy G match source-address any destination-address any application any; set security policies global policy G then permit tunnel ipsec-vpn V; commit" 2>&1)
if printf '%s\n' "$out" | grep -q "A global policy cannot tunnel"; then
	ok "commit refuses a global policy with a tunnel"
else
	printf '%s\n' "$out"; fail "a global tunnel policy was not refused"
fi
qs_cli "$LAB_DIR/A" "configure; rollback 0; commit" >/dev/null 2>&1

[ $fails -eq 0 ] && echo "PASS" || echo "FAILED: $fails"
[ $fails -eq 0 ]
