#!/bin/bash
# strongSwan behind a NAT, qsafe the responder facing it (iop_up_nat_peer:
# N masquerades 172.16.9.2 to 192.0.2.254, UDP source ports into
# 20000-29999; RFC 7296 2.23, RFC 3948).
#
# strongSwan initiates through the NAT to qsafe (gateway address
# 192.0.2.254, remote-identity inet 172.16.9.2): strongSwan finds the
# NAT-D hash of its own address wrong (it is the one behind the NAT) and
# sends keepalives (after 1 s in which it sent nothing else) that cross
# N; both move to UDP 4500; qsafe's detail shows the peer at the NAT's
# address and a mapped port, and its Child SA sends ESP in UDP there; the
# hosts ping each other both ways.
#
# Then the NAT's mapping changes during the SA (N's port range moves to
# 30000-39999 and its mappings are dropped): strongSwan's next packets
# come from a new port.  qsafe must take the new port from an
# authenticated IKE message (strongSwan's DPD) and keep the SA: the same
# IKE SA on both sides, the detail and the Child SA at the new port, the
# pings both ways again, and qsafe's own DPD (2 s, threshold 5) answered
# long enough that the peer is not declared dead.
#
# usage: test_swan_interop_natpeer.sh   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/iop_lab.sh"
lab_init io2np

. "$(dirname "$0")/tap.sh"

iop_up_nat_peer conf="keep_alive = 1s" ||
    { echo "Bail out! the lab did not come up"; exit 1; }
B=$IOP_B LOG=$(iop_iked_log) SLOG=$IOP_B/charon.log

# keepalives (UDP length 8 + 1, 0xFF) from strongSwan, counted by N
ip netns exec "$IOP_NN" nft -f - <<-'END' || bad "nft: N's counters load"
	table ip io2cnt {
		counter ka { }
		chain seen {
			type filter hook forward priority 0; policy accept;
			iifname "in" udp dport 4500 udp length 9 @th,64,8 0xff counter name ka
		}
	}
END
nat_count() {
	ip netns exec "$IOP_NN" nft list counter ip io2cnt "$1" |
	    sed -n 's/.*packets \([0-9]*\) .*/\1/p'
}
# the peer's port in qsafe's detail ("Remote: 192.0.2.254:PORT")
qs_peer_port() {
	iop_show "show security ike security-associations detail" |
	    sed -n 's/.*Remote: 192\.0\.2\.254:\([0-9]*\).*/\1/p' | head -1
}
# the IKE SA's SPIs on qsafe (one line: initiator/responder)
qs_spis() {
	iop_show "show security ike security-associations" |
	    awk '$2 == "UP" { print $3 "/" $4 }'
}
swan_spis() {
	swan_ctl "$B" --list-sas --ike t 2>/dev/null | sed -n \
	    's/^ *t: \(#[0-9]*\), ESTABLISHED, IKEv2, \([^ ]*\) \([^ ]*\).*/\1 \2 \3/p'
}
in_range() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

iop_swan_load t local=172.16.9.2 start=start \
    extra="dpd_delay = 2s" ||
    bad "strongSwan: connection from behind the NAT loads"
iop_qs_load start=responder-only gw=192.0.2.254 rid="inet 172.16.9.2" \
    dpd=2/5 || bad "qsafe: responder VPN to the NAT's address commits"
check "natpeer: qsafe shows the IKE SA UP and the Child SA" lab_poll 30 iop_qs_up
check "natpeer: strongSwan CHILD_SA INSTALLED" swan_wait_sa "$B" t INSTALLED 5
check "natpeer: strongSwan found itself behind the NAT" \
    grep -q "local host is behind NAT" "$SLOG"
check "natpeer: qsafe found its peer behind a NAT" \
    grep -Eq "ike G: NAT detected \(remote[^)]*\), using UDP 4500" "$LOG"
p0=$(qs_peer_port)
check "natpeer: qsafe's detail: Remote 192.0.2.254 at a mapped port ($p0)" \
    in_range "$p0" 20000 29999
check "natpeer: qsafe's Child SA sends ESP in UDP to that port" eval \
    'iop_show "show security ipsec security-associations" |
    grep -Eq "^ *>500001 .* $p0 +192\.0\.2\.254"'
check "natpeer: ha pings hb" lab_poll 10 iop_ping_hb
check "natpeer: hb pings ha" lab_poll 5 iop_ping_ha
ka0=$(nat_count ka)
check "natpeer: strongSwan's keepalives cross the NAT (at least 2 in 10 s)" \
    lab_poll 10 eval '[ "$(nat_count ka)" -ge $((ka0 + 2)) ]'
echo "# keepalives counted at the NAT: $(nat_count ka)"

# The NAT's mapping changes during the SA.
qspi=$(qs_spis) sspi=$(swan_spis)
echo "# before: qsafe IKE SA $qspi, strongSwan $sspi, peer port $p0"
iop_nat_ports 30000-39999 && iop_nat_flush || bad "N: mappings renewed"
check "natpeer: qsafe follows the peer to its new port (30000-39999)" \
    lab_poll 20 eval 'in_range "$(qs_peer_port)" 30000 39999'
p1=$(qs_peer_port)
echo "# after: peer port $p1"
check "natpeer: qsafe logs the new mapping" \
    grep -q "ike G: peer's NAT mapping changed, now 192.0.2.254:$p1" "$LOG"
check "natpeer: qsafe's Child SA now sends to port $p1" lab_poll 5 eval \
    'iop_show "show security ipsec security-associations" |
    grep -Eq "^ *>500001 .* $p1 +192\.0\.2\.254"'
check "natpeer: ha pings hb after the change" lab_poll 10 iop_ping_hb
check "natpeer: hb pings ha after the change" lab_poll 5 iop_ping_ha
check "natpeer: qsafe keeps the same IKE SA ($qspi)" \
    eval '[ -n "$qspi" ] && [ "$(qs_spis)" = "$qspi" ]'
check "natpeer: strongSwan keeps the same IKE SA ($sspi)" \
    eval '[ -n "$sspi" ] && [ "$(swan_spis)" = "$sspi" ]'
# qsafe's DPD every 2 s, dead after 5 unanswered: 12 s of it answered
check "natpeer: the SA stays up 12 s under both sides' DPD" \
    lab_hold 12 eval 'iop_qs_up && [ "$(qs_spis)" = "$qspi" ]'
check "natpeer: qsafe never declared the peer dead" \
    eval '! grep -q "dead" "$LOG"'
check "natpeer: ha still pings hb" lab_poll 5 iop_ping_hb

[ "$fails" -eq 0 ] || iop_dump
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
