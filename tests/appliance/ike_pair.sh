#!/bin/sh
# Two appliances negotiate IKEv2 with each other: each runs in a network
# namespace of this test's (ikd-a-PID, ikd-b-PID) on one end of a veth pair
# named ge-0-0-0 on both sides, is started as an operator starts one
# (./qsafe start --netns) and configured through the cli from a set file —
# a PSK gateway and a route-based VPN on st0.0 with establish-tunnels
# immediately.  The IKE SA must come up on both within the deadline, as
# `show security ike security-associations` shows it, and a ping crosses
# the negotiated Child SA (userspace ESP on st0.0); iked keeps only the
# capabilities it needs; an unrelated commit changes nothing in the engine;
# a static PPK from keymgr is used by both ends once configured; the check
# refuses an IKEv1 gateway with iked's message.
#
#   ike_pair.sh   (QSAFE_TOP: the checkout; QSAFE_BUILD_DIR: the build)
set -u
: "${QSAFE_TOP:?}" "${QSAFE_BUILD_DIR:?}"
export QSAFE_BUILD_DIR
. "$QSAFE_TOP/tests/appliance/pair.sh"
pair_init ikd ikd-pair
pair_keep_logs='[ -z "${IKD_KEEP_LOGS:-}" ] || { cp "$T"/a/iked.log "$IKD_KEEP_LOGS.a"; cp "$T"/b/iked.log "$IKD_KEEP_LOGS.b"; }'

# wait_for SECONDS FILE PATTERN: polls until PATTERN is in FILE.
wait_for() {
	end=$(($(date +%s) + $1))
	while [ "$(date +%s)" -lt "$end" ]; do
		grep -q "$3" "$2" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

pair_netns

# A PSK gateway; perfect forward secrecy on the Child SA.
IKE="set security ike proposal IKE_P authentication-method pre-shared-keys
set security ike proposal IKE_P dh-group group14
set security ike proposal IKE_P authentication-algorithm sha-256
set security ike proposal IKE_P encryption-algorithm aes-256-cbc
set security ike proposal IKE_P lifetime-seconds 28800
set security ike policy IKE_POL proposals IKE_P
set security ike policy IKE_POL pre-shared-key ascii-text \"ikd-lab-pre-shared-key-0123\""
ESP="set security ipsec policy ESP_POL perfect-forward-secrecy keys group14"

for s in a b; do
	d=$T/$s
	ns=$NA; me=192.0.2.1; peer=192.0.2.2; tun=10.99.0.1
	[ $s = b ] && { ns=$NB; me=192.0.2.2; peer=192.0.2.1; tun=10.99.0.2; }
	pair_start $s "$d" "$ns" || continue
	pair_side "ikd-$s" $me $peer $tun "$IKE" "$ESP" > "$T/$s.set"
	cli "$d" "configure; load set $T/$s.set; commit" > "$T/$s.out" 2>&1
	if grep -q "commit complete" "$T/$s.out"; then
		ok "$s: the VPN configuration commits"
	else
		cat "$T/$s.out"
		fail "$s: load set + commit"
	fi
done

# Both ends: the IKE SA UP with the other, the Child SA on tunnel 500001,
# as the operator sees them.
for s in a b; do
	peer=192.0.2.2
	[ $s = b ] && peer=192.0.2.1
	if wait_show 30 "$T/$s" "show security ike security-associations" \
	    "UP .*IKEv2 .*$peer"; then
		ok "$s: show security ike security-associations: UP with $peer"
	else
		cat "$T/$s.show"
		tail -20 "$T/$s/iked.log"
		fail "$s: no IKE SA UP within 30 s"
	fi
	if wait_show 10 "$T/$s" "show security ipsec security-associations" \
	    "<500001 ESP:aes-gcm-256"; then
		ok "$s: show security ipsec security-associations: tunnel 500001"
	else
		cat "$T/$s.show"
		fail "$s: no IPsec SA on tunnel 500001"
	fi
done
grep -q "vpn VPN: set (tunnel 500001, gateway GW)" "$T/a/iked.log" ||
    fail "a: VPN not given to the engine as tunnel 500001"

# ESP through the negotiated Child SA: a ping from A's st0.0 address to B's.
pinged() { ip netns exec "$NA" ping -c 1 -W 1 -q 10.99.0.2 >/dev/null 2>&1; }
end=$(($(date +%s) + 20))
until pinged || [ "$(date +%s)" -ge "$end" ]; do sleep 0.3; done
if pinged; then
	ok "a pings b's st0.0 address through the negotiated tunnel"
else
	ip -n "$NB" addr show st0.0; ip -n "$NB" route; cli "$T/b" "show security ipsec statistics"
	cli "$T/a" "show security ipsec statistics"
	fail "no ping through the negotiated tunnel"
fi

# iked after binding its ports: CAP_NET_ADMIN and CAP_NET_RAW only (bits
# 12 and 13), and no new privileges.
pid=$(sed -n 's/.* iked\[\([0-9]*\)\] .*/\1/p' "$T/a/iked.log" | tail -1)
if [ -n "$pid" ] && grep -q "^CapEff:[[:space:]]*0000000000003000$" \
    "/proc/$pid/status" && grep -q "^NoNewPrivs:[[:space:]]*1$" \
    "/proc/$pid/status"; then
	ok "a: iked runs with CAP_NET_ADMIN and CAP_NET_RAW only, no new privileges"
else
	grep -E "^(CapEff|CapBnd|NoNewPrivs)" "/proc/$pid/status" 2>&1
	fail "a: iked's capabilities"
fi

# A commit that does not touch IKE reaches the engine as nothing.
cli "$T/a" "configure; set system domain-name ikd.example; commit" \
    > "$T/dn.out" 2>&1
n=$(grep -c "gateway GW: set" "$T/a/iked.log")
[ "$n" -eq 1 ] && ok "a: an unrelated commit changes nothing in the engine" ||
    fail "a: gateway GW set $n times"

# RFC 8784 through keymgr: the same static PPK on both sides; the changed
# gateway renegotiates and its new IKE SA uses the PPK that iked got from
# keymgr's socket.
KM="set security key-manager profiles KP static"
for s in a b; do
	cli "$T/$s" "configure; $KM key-id ascii-text ikd-ppk-1; $KM key ascii-text ikd-post-quantum-preshared-key-0123456789; set security ike gateway GW ppk-profile KP; commit" \
	    > "$T/$s.ppk" 2>&1
	grep -q "commit complete" "$T/$s.ppk" || { cat "$T/$s.ppk"; fail "$s: PPK commit"; }
done
for s in a b; do
	if wait_for 30 "$T/$s/iked.log" "IKE SA .* established .*(PPK used)"; then
		ok "$s: IKE SA up with the PPK from keymgr"
	else
		tail -20 "$T/$s/iked.log"
		fail "$s: no IKE SA with PPK within 30 s"
	fi
done

# The check refuses IKEv1 with iked's message; nothing changes.
cli "$T/a" "configure; delete security ike gateway GW version; commit" \
    > "$T/v1.out" 2>&1
if grep -q "IKEv1 is not supported yet" "$T/v1.out" &&
    ! grep -q "commit complete" "$T/v1.out"; then
	ok "a: an IKEv1 gateway is refused at commit"
else
	cat "$T/v1.out"
	fail "a: IKEv1 not refused"
fi

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
