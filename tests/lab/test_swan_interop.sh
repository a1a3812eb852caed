#!/bin/bash
# qsafe against strongSwan: one appliance (A) and one charon (B) with a
# host behind each, in namespaces of this test's own (iop_lab.sh).
#
# 1. qsafe initiates (establish-tunnels immediately) to a strongSwan
#    responder, PSK, IKE AES-CBC-256/HMAC-SHA2-256/Curve25519, ESP
#    AES-GCM-128: the IKE SA UP and the Child SA on tunnel 500001 in qsafe's
#    show commands, ESTABLISHED/INSTALLED with those algorithms in
#    strongSwan's, ESP in UDP 4500 (strongSwan's kernel-libipsec forces
#    it); hosts ping each other through the tunnel both ways and `show
#    security ipsec statistics` counts the packets.
# 2. A Delete from qsafe (`clear security ike security-associations`)
#    removes the SAs on strongSwan.
# 3. strongSwan initiates to a qsafe responder: the same, and the ping;
#    a Delete from strongSwan (`swanctl --terminate`) removes them on qsafe.
# 4. A PSK mismatch, each side initiating: no SA on either side; the
#    initiator is told AUTHENTICATION_FAILED and qsafe's log says why.
#
# usage: test_swan_interop.sh   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/iop_lab.sh"
lab_init iop

. "$(dirname "$0")/tap.sh"

iop_up || { echo "Bail out! the lab did not come up"; exit 1; }
B=$IOP_B LOG=$(iop_iked_log)

# strongSwan's view of IKE/CHILD SA t: its algorithms and encapsulation.
swan_algs_ok() {
	local sas
	sas=$(swan_ctl "$B" --list-sas --ike t 2>/dev/null)
	printf '%s\n' "$sas" | grep -qx " *AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519" &&
	    printf '%s\n' "$sas" | grep -q "INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128"
}
qs_child_ok() {
	iop_show "show security ipsec security-associations" |
	    grep -Eq "^ *<500001 +ESP:aes-gcm-128/None .* 4500 +192\.0\.2\.2"
}
# packets qsafe decrypted (show security ipsec statistics)
qs_decrypted() {
	iop_show "show security ipsec statistics" |
	    sed -n 's/^ *Decrypted packets: *\([0-9]*\)/\1/p' | head -1
}
traffic() { # traffic ROLE: pings both ways, the statistics move
	local before after
	before=$(qs_decrypted)
	check "$1: ha pings hb through the tunnel" lab_poll 10 iop_ping_hb
	check "$1: hb pings ha through the tunnel" lab_poll 5 iop_ping_ha
	after=$(qs_decrypted)
	check "$1: qsafe's decrypted packets moved ($before -> $after)" \
	    test "${after:-0}" -gt "${before:-0}"
}
# no IKE SA UP and no Child SA on qsafe (a half-open one may come and go
# while it tries again)
iop_qs_no_up() {
	! iop_show "show security ike security-associations" | grep -q "UP .*192.0.2.2" &&
	    ! iop_show "show security ipsec security-associations" | grep -q 500001
}

# 1. qsafe initiates
iop_swan_load t || bad "strongSwan: connection loads"
iop_qs_load || bad "qsafe: VPN commits"
check "qsafe→swan: qsafe shows the IKE SA UP and the Child SA" lab_poll 20 iop_qs_up
check "qsafe→swan: strongSwan CHILD_SA INSTALLED" swan_wait_sa "$B" t INSTALLED 5
check "qsafe→swan: strongSwan IKE_SA ESTABLISHED" swan_sa_state "$B" t ESTABLISHED
check "qsafe→swan: AES_CBC-256/HMAC_SHA2_256_128/CURVE_25519, ESP AES_GCM_16-128 in UDP" swan_algs_ok
check "qsafe→swan: qsafe's Child SA aes-gcm-128 on port 4500" qs_child_ok
check "qsafe→swan: qsafe detected strongSwan's forced NAT" \
    grep -q "ike G: NAT detected.*using UDP 4500" "$LOG"
traffic "qsafe→swan"

# 2. qsafe's Delete.  First a responder-only qsafe (Junos's on-traffic),
# so that nothing initiates again behind the Delete.
iop_qs_load start=responder || bad "qsafe: responder VPN commits"
iop_show "clear security ike security-associations" >/dev/null
check "clear security ike security-associations: gone on strongSwan" \
    lab_poll 10 swan_sa_state "$B" t gone
check "clear security ike security-associations: gone on qsafe" lab_poll 5 iop_qs_none
check "clear: strongSwan received qsafe's Delete" \
    grep -q "received DELETE for IKE_SA t" "$B/charon.log"

# 3. strongSwan initiates
swan_initiate "$B" t
check "swan→qsafe: strongSwan CHILD_SA INSTALLED" swan_wait_sa "$B" t INSTALLED 10
check "swan→qsafe: qsafe shows the IKE SA UP and the Child SA" lab_poll 10 iop_qs_up
check "swan→qsafe: algorithms on strongSwan's side" swan_algs_ok
check "swan→qsafe: qsafe's Child SA aes-gcm-128 on port 4500" qs_child_ok
traffic "swan→qsafe"

# 3. strongSwan's Delete
swan_terminate "$B" t
check "swanctl --terminate: gone on qsafe" lab_poll 10 iop_qs_none
check "swanctl --terminate: qsafe logged the peer's Delete" \
    grep -q "ike G: IKE SA [0-9a-f]* deleted by peer" "$LOG"
check "swanctl --terminate: gone on strongSwan" swan_sa_state "$B" t gone

# 4. PSK mismatch, qsafe initiating
iop_swan_load t psk=iop-a-different-pre-shared-key || bad "strongSwan: wrong PSK loads"
iop_qs_load || bad "qsafe: VPN commits"
check "PSK mismatch, qsafe→swan: qsafe logs AUTHENTICATION_FAILED from the peer" \
    lab_poll 15 grep -q "ike G: authentication failed: peer answered AUTHENTICATION_FAILED" "$LOG"
check "PSK mismatch, qsafe→swan: strongSwan says the MAC mismatched" \
    grep -q "but MAC mismatched" "$B/charon.log"
check "PSK mismatch, qsafe→swan: no SA on either side" eval \
    'iop_qs_no_up && swan_sa_state "$B" t gone'
check "PSK mismatch: ha cannot reach hb" eval '! iop_ping_hb'

# 4. PSK mismatch, strongSwan initiating
iop_qs_load start=responder || bad "qsafe: responder VPN commits"
swan_initiate "$B" t 5
check "PSK mismatch, swan→qsafe: strongSwan is told AUTHENTICATION_FAILED" \
    lab_poll 10 grep -q "received AUTHENTICATION_FAILED notify error" "$B/charon.log"
check "PSK mismatch, swan→qsafe: qsafe logs the refusal and why" \
    grep -Eq "ike G: IKE_AUTH refused: .*(AUTH|auth)" "$LOG"
check "PSK mismatch, swan→qsafe: no SA on either side" eval \
    'lab_poll 5 swan_sa_state "$B" t gone && iop_qs_no_up'

[ "$fails" -eq 0 ] || iop_dump
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
