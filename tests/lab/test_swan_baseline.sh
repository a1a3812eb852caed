#!/bin/bash
# strongSwan <-> strongSwan in namespaces of this test's own: the proof that
# the lab (lib.sh) works, and the shape the qsafe interop tests will take.
#
#   ha 10.1.0.2 -- 10.1.0.1 [gwa] 192.0.2.1 ==== 192.0.2.2 [gwb] 10.2.0.1 -- 10.2.0.2 hb
#
# 1. No tunnel: ha cannot reach hb (the gateways have no route for the far
#    subnet, so nothing can go around the tunnel).
# 2. PSK, IKE AES-CBC-256/HMAC-SHA2-256/Curve25519, child AES-GCM-128: the
#    SAs are ESTABLISHED/INSTALLED on both gateways with those algorithms,
#    ESP in UDP 4500 (kernel-libipsec), and ha pings hb through it (gwb's
#    child SA counts the packets in).
# 3. RFC 8784: ppk_id + ppk_required = yes on both: the IKE SA ends its
#    proposal with /PPK, both logs say `using PPK for PPK_ID`, ping passes.
# 4. The same with different PPKs: no SA on either side, the initiator is
#    told AUTHENTICATION_FAILED.
#
# usage: test_swan_baseline.sh   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
lab_init lab

. "$(dirname "$0")/tap.sh"

lab_topo || { echo "Bail out! namespaces and links"; exit 1; }
HA=$LAB_HA GA=$LAB_GA GB=$LAB_GB

A=$LAB_DIR/gwa B=$LAB_DIR/gwb
swan_start "$GA" "$A" && swan_start "$GB" "$B" ||
    { echo "Bail out! charon did not start"; exit 1; }

ping_hb() { ip netns exec "$HA" ping -c 1 -W 1 10.2.0.2 >/dev/null 2>&1; }
# the packets gwb's child SA NAME took in (swanctl --list-sas: "in  SPI...,
# N bytes, M packets")
packets_in() {
	swan_ctl "$B" --list-sas --ike "$1" 2>/dev/null |
	    sed -n 's/^ *in  .* \([0-9][0-9]*\) packets.*/\1/p' | head -1
}
conf() { # conf NAME DIR-A-OR-B [options]: that gateway's side of NAME
	local name=$1 side=$2
	shift 2
	if [ "$side" = "$A" ]; then
		swan_conf_psk name="$name" local=192.0.2.1 remote=192.0.2.2 \
		    lts=10.1.0.0/24 rts=10.2.0.0/24 psk=lab-psk-0123456789 "$@"
	else
		swan_conf_psk name="$name" local=192.0.2.2 remote=192.0.2.1 \
		    lts=10.2.0.0/24 rts=10.1.0.0/24 psk=lab-psk-0123456789 "$@"
	fi >"$side/$name.conf"
	swan_load "$side" "$side/$name.conf"
}

# 1. nothing goes around the tunnel
check "no tunnel: ha cannot reach hb" eval '! ping_hb'

# 2. the baseline tunnel
conf base "$A" && conf base "$B" || bad "base: configuration loads"
swan_initiate "$A" base
check "base: CHILD_SA INSTALLED on the initiator" swan_wait_sa "$A" base INSTALLED 10
check "base: CHILD_SA INSTALLED on the responder" swan_wait_sa "$B" base INSTALLED 5
check "base: IKE_SA ESTABLISHED on both" eval \
    'swan_sa_state "$A" base ESTABLISHED && swan_sa_state "$B" base ESTABLISHED'
sas=$(swan_ctl "$B" --list-sas --ike base 2>/dev/null)
check "base: IKE AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519, no PPK" \
    eval 'printf "%s\n" "$sas" | grep -qx " *AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519"'
check "base: child ESP AES_GCM_16-128 in UDP (TUNNEL-in-UDP)" eval \
    'printf "%s\n" "$sas" | grep -q "INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128"'
check "base: ha pings hb through the tunnel" lab_poll 5 ping_hb
n=$(packets_in base)
check "base: gwb's child SA counted the pings in ($n)" test "${n:-0}" -gt 0
swan_terminate "$A" base
check "base: terminated, gone on both" eval \
    'lab_poll 5 swan_sa_state "$A" base gone && lab_poll 5 swan_sa_state "$B" base gone'

# 3. RFC 8784 PPK, mandatory on both
PPK=0x$(printf '%064x' 0 | sed 's/^0\{8\}/5afe1ab5/')
conf ppk "$A" ppk_id=ppk-lab-1 ppk="$PPK" ppk_required=yes &&
conf ppk "$B" ppk_id=ppk-lab-1 ppk="$PPK" ppk_required=yes || bad "ppk: configuration loads"
swan_initiate "$A" ppk
check "ppk: CHILD_SA INSTALLED on the initiator" swan_wait_sa "$A" ppk INSTALLED 10
check "ppk: CHILD_SA INSTALLED on the responder" swan_wait_sa "$B" ppk INSTALLED 5
check "ppk: IKE SA proposal ends with /PPK on both" eval \
    'swan_ctl "$A" --list-sas --ike ppk | grep -q "/CURVE_25519/PPK\$" &&
     swan_ctl "$B" --list-sas --ike ppk | grep -q "/CURVE_25519/PPK\$"'
check "ppk: both logs say using PPK" eval \
    'grep -q "using PPK for PPK_ID '\''ppk-lab-1'\''" "$A/charon.log" &&
     grep -q "using PPK for PPK_ID '\''ppk-lab-1'\''" "$B/charon.log"'
check "ppk: ha pings hb through the tunnel" lab_poll 5 ping_hb
n=$(packets_in ppk)
check "ppk: gwb's child SA counted the pings in ($n)" test "${n:-0}" -gt 0
swan_terminate "$A" ppk
lab_poll 5 swan_sa_state "$B" ppk gone || bad "ppk: terminated"

# 4. different PPKs: authentication fails, no SA anywhere
conf bad "$A" ppk_id=ppk-lab-1 ppk="${PPK%?}1" ppk_required=yes &&
conf bad "$B" ppk_id=ppk-lab-1 ppk="$PPK" ppk_required=yes || bad "bad: configuration loads"
swan_initiate "$A" bad 5
check "bad PPK: the initiator is told AUTHENTICATION_FAILED" lab_poll 10 \
    grep -q "received AUTHENTICATION_FAILED notify error" "$A/charon.log"
check "bad PPK: no SA on either side" eval \
    'lab_poll 5 swan_sa_state "$A" bad gone && swan_sa_state "$B" bad gone'
check "bad PPK: ha cannot reach hb" eval '! ping_hb'

if [ "$fails" -ne 0 ]; then
	echo "--- gwa's log"; tail -30 "$A/charon.log"
	echo "--- gwb's log"; tail -30 "$B/charon.log"
fi
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
