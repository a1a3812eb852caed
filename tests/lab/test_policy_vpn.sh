#!/bin/bash
# A policy-based VPN (no st0) between two appliances with IKEv2 and a PSK,
# a host namespace behind each, over IPv4 (inet, the default) or over
# IPv6 inner and outer (inet6: IPv6 addresses only on the link between
# the appliances, so the IKE SA and ESP can only be IPv6):
#
#   HA -- ge-0/0/1 [A] ge-0/0/0 ==== ge-0/0/0 [B] ge-0/0/1 -- HB
#   inet:  198.51.100.2/26  192.0.2.1/24   192.0.2.2/24   198.51.100.66/26
#   inet6: 2001:db8:a::2/64 2001:db8::1/64 2001:db8::2/64 2001:db8:b::2/64
#
# Each side has `from-zone trust to-zone untrust policy OUT ... then permit
# tunnel ipsec-vpn V pair-policy IN` and the reverse IN, the VPN has no
# bind-interface and establishes on traffic (the Junos default).  The
# first ping from host A asks iked to negotiate (on-traffic); then the
# hosts ping each other both ways through the tunnel, the SA shows the
# policy's addresses (prefixes) as its proxy IDs, its peer's address and
# no st0, and what the policy tunnels is counted as encrypted (RFC 4303
# over either family, RFC 4301 4.4.1).  inet also checks that a third
# address behind A that no policy tunnels reaches B in the clear without
# touching the SA's counters, that the policies count their hits, and
# that commit refuses a policy naming a route-based VPN (what does not
# depend on the family runs once).  Root only (77).
#
#   test_policy_vpn.sh [inet|inet6]   (QSAFE_TOP, QSAFE_BUILD_DIR)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tap.sh"
fail() { bad "$@"; }
export QSAFE_BUILD_DIR
FAMILY=${1:-inet}
case $FAMILY in
inet)
	lab_init pv
	AA=192.0.2.1 AB=192.0.2.2 PLEN=24	# the appliances' link
	HAA=198.51.100.2 HBA=198.51.100.66	# the hosts
	# A's interface, B's hosts, A's tunnelled net (a /28: .30 is out)
	A1=198.51.100.1/26 NETB=198.51.100.64/26 NETA=198.51.100.0/28
	B1=198.51.100.65/26 NETA_R=198.51.100.0/26
	GWA=198.51.100.1 GWB=198.51.100.65
	ID="ipv4_subnet(any:0,\[0..7\]"
	PING="ping -4" SRC="-I $HAA"	# from .2, not .30
	;;
inet6)
	export LAB_IPV6=1
	lab_init pv6
	AA=2001:db8::1 AB=2001:db8::2 PLEN=64
	HAA=2001:db8:a::2 HBA=2001:db8:b::2
	A1=2001:db8:a::1/64 NETB=2001:db8:b::/64 NETA=2001:db8:a::/64
	B1=2001:db8:b::1/64 NETA_R=2001:db8:a::/64
	GWA=2001:db8:a::1 GWB=2001:db8:b::1
	ID="ipv6_subnet(any:0,\[0..15\]"
	PING="ping -6" SRC=
	;;
*)	echo "usage: $0 [inet|inet6]" >&2; exit 2 ;;
esac

# conf ME PEER MYNET PEERNET LOCAL_NET PEER_NET: one appliance's set lines;
# the route to the peer's hosts leads out of ge-0/0/0 (no st0): what the
# tunnel policy takes is marked before that route is used.
conf() {
	cat <<END
set interfaces ge-0/0/0 unit 0 family $FAMILY address $1/$PLEN
set interfaces ge-0/0/1 unit 0 family $FAMILY address $3
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
lab_link "$A" ge-0-0-1 - "$HA" eth0 "$HAA/${A1#*/}" || exit 1
lab_link "$B" ge-0-0-1 - "$HB" eth0 "$HBA/${B1#*/}" || exit 1
if [ "$FAMILY" = inet ]; then
	# a second address behind A that no tunnel policy holds
	ip -n "$HA" addr add 198.51.100.30/26 dev eth0
	lab_route "$HA" default "$GWA" 2>/dev/null
	lab_route "$HB" default "$GWB" 2>/dev/null
	lab_forward "$A" && lab_forward "$B" || exit 1
else
	ip -n "$HA" -6 route add default via "$GWA" 2>/dev/null
	ip -n "$HB" -6 route add default via "$GWB" 2>/dev/null
	for ns in "$A" "$B"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1 ||
		    exit 1
	done
fi

conf "$AA" "$AB" "$A1" "$NETB" "$NETA" "$NETB" >"$LAB_DIR/a.set"
conf "$AB" "$AA" "$B1" "$NETA_R" "$NETB" "$NETA" >"$LAB_DIR/b.set"
qs_start "$A" "$LAB_DIR/A" && qs_start "$B" "$LAB_DIR/B" ||
    { fail "the appliances did not start"; exit 1; }
qs_load "$LAB_DIR/A" "$LAB_DIR/a.set" && qs_load "$LAB_DIR/B" "$LAB_DIR/b.set" ||
    { fail "the $FAMILY policy-based configurations do not commit"; exit 1; }

sa() { qs_cli "$1" "show security ipsec security-associations $2"; }
up() { sa "$LAB_DIR/$1" "" | grep -q "^  >"; }
ping_ab() { ip netns exec "$HA" $PING $SRC -c 1 -W 1 -q "$HBA" >/dev/null 2>&1; }
ping_ba() { ip netns exec "$HB" $PING -c 1 -W 1 -q "$HAA" >/dev/null 2>&1; }
# the addresses are usable once duplicate address detection is done
dad() { ! ip -n "$1" -6 addr show tentative | grep -q inet6; }
if [ "$FAMILY" = inet6 ]; then
	for ns in "$A" "$B" "$HA" "$HB"; do
		lab_poll 10 dad "$ns" || fail "$ns: IPv6 addresses stay tentative"
	done
fi

# on-traffic: nothing is negotiated until a packet matches the policy
if ! up A && ! up B; then
	ok "no SA before traffic (establish-tunnels on-traffic)"
else
	fail "an SA came up before any traffic"
fi
ping_ab
if lab_poll 20 up A; then
	ok "the first $FAMILY packet matching policy OUT had iked negotiate"
else
	fail "no SA after traffic"; tail -20 "$LAB_DIR/A/iked.log"
fi
if lab_poll 10 ping_ab; then
	ok "host A pings host B over $FAMILY through the policy-based tunnel"
else
	fail "no ping A -> B through the tunnel"
	ip -n "$A" -f "$FAMILY" rule
	ip -n "$A" -f "$FAMILY" route show table all | grep -v local
fi
if lab_poll 10 ping_ba; then
	ok "host B pings host A over $FAMILY through the policy-based tunnel"
else
	fail "no ping B -> A through the tunnel"
fi

out=$(sa "$LAB_DIR/A" detail)
if printf '%s\n' "$out" | grep -q "Local Identity: $ID=$NETA)" &&
    printf '%s\n' "$out" | grep -q "Remote Identity: $ID=$NETB)" &&
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
if sa "$LAB_DIR/A" "" | grep -q "$AB"; then
	ok "the SA's peer is B's $FAMILY address $AB (outer $FAMILY)"
else
	sa "$LAB_DIR/A" ""; fail "the SA does not show its peer $AB"
fi

enc() {	# the SA's encrypted packets on A
	qs_cli "$LAB_DIR/A" "show security ipsec statistics" |
	    sed -n 's/.*Encrypted packets: *\([0-9][0-9]*\).*/\1/p' | head -1
}
e0=$(enc)
ip netns exec "$HA" $PING $SRC -c 3 -i 0.2 -W 1 -q "$HBA" >/dev/null 2>&1
e1=$(enc)
if [ "${e1:-0}" -ge $((${e0:-0} + 3)) ]; then
	ok "the policy's $FAMILY traffic is encrypted ($e0 -> $e1 packets)"
else
	fail "the policy's $FAMILY traffic was not encrypted ($e0 -> $e1)"
fi
# the rest does not depend on the family: once, with inet
[ "$FAMILY" = inet ] || { [ "$fails" = 0 ] && echo PASS; [ "$fails" = 0 ]; exit; }
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
