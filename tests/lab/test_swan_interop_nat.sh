#!/bin/bash
# qsafe behind a NAT against strongSwan (iop_up_nat: a middle namespace
# masquerading with nftables, UDP source ports moved into 20000-29999;
# RFC 7296 2.23, RFC 3948).
#
# qsafe initiates from 172.16.9.2 through the NAT to 192.0.2.2: both sides
# detect the NAT and move to UDP 4500; qsafe's `show security ike
# security-associations detail` has Local 172.16.9.2:4500 and Remote
# 192.0.2.2:4500; strongSwan sees qsafe at the NAT's address and a mapped
# port; qsafe, the side behind the NAT, sends one-octet 0xFF keepalives
# every nat-keepalive (2 s) that pass the NAT to strongSwan's port 4500
# (counted by nft in the NAT's namespace); the hosts ping each other both
# ways, before and after the keepalives; a Delete from qsafe reaches
# strongSwan through the NAT.  (Whether keepalives alone hold a mapping
# past conntrack's UDP timeout, 30 s here, is not tested: too slow.)
#
# usage: test_swan_interop_nat.sh   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/iop_lab.sh"
lab_init io2nt

. "$(dirname "$0")/tap.sh"

iop_up_nat || { echo "Bail out! the lab did not come up"; exit 1; }
B=$IOP_B LOG=$(iop_iked_log) SLOG=$IOP_B/charon.log

# what leaves the inside towards strongSwan, counted by N: keepalives
# (UDP length 8 + 1) and everything to 4500 / 500
ip netns exec "$IOP_NN" nft -f - <<-'END' || bad "nft: N's counters load"
	table ip io2cnt {
		counter ka { }
		counter to4500 { }
		counter to500 { }
		chain seen {
			type filter hook forward priority 0; policy accept;
			iifname "in" udp dport 4500 udp length 9 @th,64,8 0xff counter name ka
			iifname "in" udp dport 4500 counter name to4500
			iifname "in" udp dport 500 counter name to500
		}
	}
END
nat_count() {
	ip netns exec "$IOP_NN" nft list counter ip io2cnt "$1" |
	    sed -n 's/.*packets \([0-9]*\) .*/\1/p'
}

iop_swan_load t remote=%any rid=172.16.9.2 ||
    bad "strongSwan: connection for any address loads"
iop_qs_load natka=2 || bad "qsafe: VPN with nat-keepalive 2 commits"
check "nat: qsafe shows the IKE SA UP and the Child SA" lab_poll 20 iop_qs_up
check "nat: strongSwan CHILD_SA INSTALLED" swan_wait_sa "$B" t INSTALLED 5
check "nat: qsafe detected that it is behind a NAT" \
    grep -Eq "ike G: NAT detected \((local|both)[^)]*\), using UDP 4500" "$LOG"
check "nat: strongSwan detected the NAT in front of its peer" \
    grep -q "remote host is behind NAT" "$SLOG"
detail=$(iop_show "show security ike security-associations detail")
check "nat: qsafe's detail: Local 172.16.9.2:4500, Remote 192.0.2.2:4500" \
    eval 'printf "%s\n" "$detail" |
    grep -q "Local: 172.16.9.2:4500, Remote: 192.0.2.2:4500"'
check "nat: qsafe's Child SA on port 4500" eval \
    'iop_show "show security ipsec security-associations" |
    grep -Eq "^ *<500001 .* 4500 +192\.0\.2\.2"'
sas=$(swan_ctl "$B" --list-sas --ike t 2>/dev/null)
check "nat: strongSwan sees qsafe at the NAT's address and a mapped port" \
    eval 'printf "%s\n" "$sas" |
    grep -Eq "remote .172\.16\.9\.2. @ 192\.0\.2\.254\[2[0-9]{4}\]"'
check "nat: strongSwan's Child SA is ESP in UDP" eval \
    'printf "%s\n" "$sas" | grep -q "INSTALLED, TUNNEL-in-UDP"'
check "nat: nothing went to UDP 500 after IKE_SA_INIT (two messages at most)" \
    eval '[ "$(nat_count to500)" -le 2 ]'
check "nat: ha pings hb" lab_poll 10 iop_ping_hb
check "nat: hb pings ha" lab_poll 5 iop_ping_ha
ka0=$(nat_count ka)
check "nat: qsafe's keepalives cross the NAT (at least 3 in 7 s)" \
    lab_poll 7 eval '[ "$(nat_count ka)" -ge $((ka0 + 3)) ]'
echo "# keepalives counted at the NAT: $(nat_count ka)"
check "nat: hb still pings ha" lab_poll 5 iop_ping_ha
check "nat: ha still pings hb" lab_poll 5 iop_ping_hb

# a Delete from qsafe crosses the NAT too
iop_qs_load start=responder natka=2 || bad "qsafe: responder VPN commits"
iop_show "clear security ike security-associations" >/dev/null
check "nat: qsafe's Delete reached strongSwan" \
    lab_poll 10 swan_sa_state "$B" t gone

[ "$fails" -eq 0 ] || iop_dump
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
