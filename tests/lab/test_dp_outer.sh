#!/bin/bash
# The outer header of the userspace ESP dataplane (iked/dp_us_out.c) in the
# manual-SA lab (dp_lab.sh), with the path between the appliances narrowed
# to MTU 1300 while st0.0 stays at 1420:
#   df-bit clear (default)  a 1388-octet DF ping passes, the outer packet
#                           fragmented by A (IpFragCreates grows);
#   df-bit set              the same ping is dropped, counted ("Exceeds
#                           tunnel MTU"), and the host is told by ICMP
#                           fragmentation-needed with the inner MTU that
#                           fits (1246 for AES-GCM over IPv4); a smaller
#                           ping passes, and so does the big one without
#                           DF (cut into inner fragments before ESP);
#   df-bit copy             DF from the inner header: the same size passes
#                           without DF, is refused with it;
#   copy-outer-dscp         B sees ESP with DSCP EF only once it is on;
#   show interfaces st0.0   prints the device's MTU.
# Root only (77).
#
#   test_dp_outer.sh   (QSAFE_TOP, QSAFE_BUILD_DIR)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
export QSAFE_BUILD_DIR
lab_init dp2o

. "$(dirname "$0")/tap.sh"
fail() { bad "$@"; }

KEY=000102030405060708090a0b0c0d0e0f10111213
. "$(dirname "$0")/dp_lab.sh"
dp_lab_up "$KEY" || { fail "the lab did not come up"; exit 1; }

pinged() { ip netns exec "$HA" ping -c 1 -W 1 -q 198.51.100.66 >/dev/null 2>&1; }
# big DFOPT: one ping of 1360 octets of data (1388 in all) with -M DFOPT
big() { ip netns exec "$HA" ping -c 1 -W 2 -M "$1" -s 1360 198.51.100.66 2>&1; }
setvpn() {	# setvpn 'set ... | delete ...': on A, then wait for the SA
	qs_cli "$LAB_DIR/A" "configure; $1; commit" >/dev/null 2>&1
	ip netns exec "$HA" ip route flush cache 2>/dev/null
	lab_poll 10 pinged
}
mtu_drops() {
	qs_cli "$LAB_DIR/A" "show security ipsec statistics" |
	    sed -n 's/.*Exceeds tunnel MTU: *\([0-9][0-9]*\).*/\1/p' | head -1
}
frags() { ip netns exec "$A" nstat -az IpFragCreates | awk '/IpFragCreates/ { print $2 }'; }

lab_poll 20 pinged || { fail "no ping through the tunnel"; exit 1; }
ip -n "$A" link set ge-0-0-0 mtu 1300 && ip -n "$B" link set ge-0-0-0 mtu 1300 ||
    { fail "cannot narrow the path"; exit 1; }
# (df-bit clear needs no path MTU; each change below reinstalls the SA,
# which reads the narrowed one)

# show interfaces st0.0 agrees with the device
dev=$(ip -n "$A" -o link show st0.0 | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
shown=$(qs_cli "$LAB_DIR/A" "show interfaces st0.0" | grep -o "MTU: [0-9]*" | head -1)
[ -n "$dev" ] && [ "$shown" = "MTU: $dev" ] &&
    ok "show interfaces st0.0 prints the device's MTU ($dev)" ||
    fail "st0.0: device mtu '$dev', shown '$shown'"

# 1. df-bit clear: the outer packet is fragmented on the way
f0=$(frags)
if big do | grep -q "1 received"; then
	ok "df-bit clear: a 1388-octet DF ping passes a 1300 path"
else
	fail "df-bit clear: the big ping did not pass"
fi
f1=$(frags)
[ "${f1:-0}" -gt "${f0:-0}" ] && ok "A fragmented the outer packet ($f0 -> $f1)" ||
    fail "no outer fragments ($f0 -> $f1)"

# 2. df-bit set: dropped, counted, the sender told the inner MTU
setvpn "set security ipsec vpn v1 df-bit set" || fail "df-bit set: no SA"
d0=$(mtu_drops)
out=$(big do)
if printf '%s\n' "$out" | grep -q "mtu = 1246"; then
	ok "df-bit set: ICMP fragmentation needed, mtu = 1246"
else
	printf '%s\n' "$out"; fail "df-bit set: no ICMP with mtu 1246"
fi
d1=$(mtu_drops)
[ "${d1:-0}" -gt "${d0:-0}" ] && ok "counted as Exceeds tunnel MTU ($d1)" ||
    fail "Exceeds tunnel MTU did not grow (${d0:-?} -> ${d1:-?})"
ip netns exec "$HA" ip route flush cache 2>/dev/null
ip netns exec "$HA" ping -c 1 -W 2 -M do -s 1200 -q 198.51.100.66 >/dev/null 2>&1 &&
    ok "df-bit set: a ping that fits passes" || fail "df-bit set: 1228 octets do not pass"
# without DF inside, A cuts the inner packet instead (RFC 791), each piece
# its own ESP packet with DF: it passes, nothing more is counted
d1=$(mtu_drops)
big dont | grep -q "1 received" && ok "df-bit set: a non-DF big ping passes, fragmented inside" ||
    fail "df-bit set: a non-DF big ping did not pass"
d2=$(mtu_drops)
[ "$d2" = "$d1" ] && ok "no drop counted for it" || fail "counted: $d1 -> $d2"

# 3. df-bit copy: the inner DF decides
setvpn "set security ipsec vpn v1 df-bit copy" || fail "df-bit copy: no SA"
big dont | grep -q "1 received" && ok "df-bit copy: without DF it passes" ||
    fail "df-bit copy: a non-DF big ping did not pass"
ip netns exec "$HA" ip route flush cache 2>/dev/null
big do | grep -q "mtu = 1246" && ok "df-bit copy: with DF it is refused, ICMP" ||
    fail "df-bit copy: a DF big ping was not refused"

# 4. copy-outer-dscp: count ESP with DSCP EF arriving at B
ip netns exec "$B" nft -f - <<'END' || fail "nft"
table ip dp2o {
	chain pre {
		type filter hook prerouting priority -300;
		ip protocol esp ip dscp ef counter
	}
}
END
ef() { ip netns exec "$B" nft list table ip dp2o | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'; }
ip netns exec "$HA" ping -c 3 -i 0.2 -Q 0xb8 -q 198.51.100.66 >/dev/null 2>&1
[ "$(ef)" = 0 ] && ok "without copy-outer-dscp the outer DSCP is 0" ||
    fail "EF seen without copy-outer-dscp ($(ef))"
setvpn "set security ipsec vpn v1 copy-outer-dscp" || fail "copy-outer-dscp: no SA"
ip netns exec "$HA" ping -c 3 -i 0.2 -Q 0xb8 -q 198.51.100.66 >/dev/null 2>&1
[ "$(ef)" -ge 3 ] && ok "copy-outer-dscp: the outer header carries EF ($(ef))" ||
    fail "copy-outer-dscp: $(ef) EF packets at B"

[ $fails -eq 0 ] || { echo "$fails failed"; tail -5 "$LAB_DIR/A/iked.log"; exit 1; }
echo "all passed"
