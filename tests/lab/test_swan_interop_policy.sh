#!/bin/bash
# A policy-based VPN on qsafe against strongSwan (kernel-libipsec, ESP in
# UDP 4500), PSK, in namespaces of this test's own (iop_lab.sh): the
# appliance has no st0 and routes 10.2.0.0/24 out of ge-0/0/0; its policy
# `from-zone trust to-zone untrust policy OUT ... then permit tunnel
# ipsec-vpn V pair-policy IN` (and IN, the reverse) sends the traffic of
# 10.1.0.0/24 with 10.2.0.0/24 into V, whose proxy IDs are the policy's
# addresses, as strongSwan's traffic selectors are.
#
# 1. on-traffic: host A's ping makes qsafe negotiate with strongSwan (a
#    responder here); the hosts ping each other both ways, strongSwan
#    shows the Child SA INSTALLED between 10.2.0.0/24 and 10.1.0.0/24.
# 2. strongSwan initiates after a Delete from qsafe: the same, the ping.
#
# usage: test_swan_interop_policy.sh   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/iop_lab.sh"
lab_init pvs

. "$(dirname "$0")/tap.sh"

iop_up || { echo "Bail out! the lab did not come up"; exit 1; }
B=$IOP_B

# The base's route-based pieces out, the policy-based VPN in.
I="set security ike" P="set security ipsec"
cat >"$LAB_DIR/pol.set" <<END
delete routing-options static route 10.2.0.0/24
delete interfaces st0
delete security zones security-zone vpn
delete security policies
set routing-options static route 10.2.0.0/24 next-hop 192.0.2.2
set security address-book global address NET_A 10.1.0.0/24
set security address-book global address NET_B 10.2.0.0/24
set security policies from-zone trust to-zone untrust policy OUT match source-address NET_A destination-address NET_B application any
set security policies from-zone trust to-zone untrust policy OUT then permit tunnel ipsec-vpn V pair-policy IN
set security policies from-zone untrust to-zone trust policy IN match source-address NET_B destination-address NET_A application any
set security policies from-zone untrust to-zone trust policy IN then permit tunnel ipsec-vpn V pair-policy OUT
$I proposal IKE_P authentication-method pre-shared-keys
$I proposal IKE_P dh-group group31
$I proposal IKE_P authentication-algorithm sha-256
$I proposal IKE_P encryption-algorithm aes-256-cbc
$I policy IKE_POL proposals IKE_P
$I policy IKE_POL pre-shared-key ascii-text "$IOP_PSK"
$I gateway G ike-policy IKE_POL
$I gateway G address 192.0.2.2
$I gateway G external-interface ge-0/0/0.0
$I gateway G version v2-only
$P proposal ESP_P protocol esp
$P proposal ESP_P encryption-algorithm aes-128-gcm
$P policy ESP_POL proposals ESP_P
$P vpn V ike gateway G
$P vpn V ike ipsec-policy ESP_POL
END
qs_load "$IOP_A" "$LAB_DIR/pol.set" || { echo "Bail out! no commit"; exit 1; }
iop_swan_load t || { echo "Bail out! strongSwan did not load"; exit 1; }

swan_child_ok() {
	local sas
	sas=$(swan_ctl "$B" --list-sas --ike t 2>/dev/null)
	printf '%s\n' "$sas" | grep -q "INSTALLED, TUNNEL-in-UDP" &&
	    printf '%s\n' "$sas" | grep -Eq "^ +local +10\.2\.0\.0/24$" &&
	    printf '%s\n' "$sas" | grep -Eq "^ +remote +10\.1\.0\.0/24$"
}

# 1. qsafe initiates on traffic
iop_ping_hb
check "on-traffic: host A's packet has qsafe negotiate" lab_poll 20 iop_qs_up
check "strongSwan installs local 10.2.0.0/24, remote 10.1.0.0/24" lab_poll 5 swan_child_ok
check "ha pings hb through the policy-based tunnel" lab_poll 10 iop_ping_hb
check "hb pings ha through the policy-based tunnel" lab_poll 5 iop_ping_ha
[ $fails -eq 0 ] || iop_dump

# 2. strongSwan initiates
iop_show "clear security ike security-associations" >/dev/null
check "a Delete from qsafe removes the SAs" lab_poll 10 iop_qs_none
swan_initiate "$B" t
check "strongSwan initiates: qsafe's responder takes the policy's SA" \
    lab_poll 20 iop_qs_up
check "ha pings hb (strongSwan initiated)" lab_poll 10 iop_ping_hb
check "hb pings ha (strongSwan initiated)" lab_poll 5 iop_ping_ha
[ $fails -eq 0 ] || iop_dump

[ $fails -eq 0 ] && echo "PASS" || echo "FAILED: $fails"
[ $fails -eq 0 ]
