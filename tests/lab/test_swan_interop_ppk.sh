#!/bin/bash
# qsafe against strongSwan with RFC 8784 post-quantum preshared keys, in
# the lab of iop_lab.sh.  qsafe: `security key-manager profiles KP static
# key-id ... key ...` and `ike gateway G ppk-profile KP [optional]`;
# strongSwan: ppk_id, the PPK secret and ppk_required.
#
# 1. Mandatory PPK on both, qsafe initiating, then strongSwan initiating:
#    strongSwan's IKE SA ends its proposal with /PPK and its log says
#    `using PPK for PPK_ID`, qsafe logs the IKE SA established with the PPK
#    used, and the hosts ping each other through the tunnel.
# 2. Different PPKs (same ID), each side initiating: no SA on either side,
#    AUTHENTICATION_FAILED on the initiator, qsafe's log says why.
# 3. Optional PPK on qsafe against a strongSwan without PPK, each side
#    initiating: the SA comes up without the PPK (no /PPK, qsafe's log does
#    not say PPK used) and carries traffic.
# 4. Mandatory PPK on qsafe, none on strongSwan: qsafe refuses (initiator:
#    the responder sent no USE_PPK; responder: AUTHENTICATION_FAILED).
# `show ... detail` (Quantum Secured: Yes|No) is checked when iked serves it.
#
# usage: test_swan_interop_ppk.sh   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/iop_lab.sh"
lab_init iop

. "$(dirname "$0")/tap.sh"

iop_up || { echo "Bail out! the lab did not come up"; exit 1; }
B=$IOP_B LOG=$(iop_iked_log) SLOG=$IOP_B/charon.log
PPKARGS="ppk_id=$IOP_PPK_ID ppk=$IOP_PPK"

# Log lines since a mark: mark; ...; since FILE PATTERN.
mark() { QMARK=$(wc -l <"$LOG"); SMARK=$(wc -l <"$SLOG"); }
since() {
	local n=$QMARK
	[ "$1" = "$SLOG" ] && n=$SMARK
	tail -n +$((n + 1)) "$1" | grep -Eq "$2"
}
swan_ppk() { # swan_ppk NAME yes|no: the IKE SA's proposal ends with /PPK or not
	local l
	swan_sa_state "$B" "$1" ESTABLISHED || return 1
	l=$(swan_ctl "$B" --list-sas --ike "$1" 2>/dev/null | grep -E '^ *AES_CBC-256/')
	if [ "$2" = yes ]; then
		[[ $l == */PPK ]]
	else
		[[ $l != */PPK ]]
	fi
}
qs_no_up() {
	! iop_show "show security ike security-associations" | grep -q "UP .*192.0.2.2"
}
# Quantum Secured: Yes|No in the detail show.
quantum() { # quantum WHAT Yes|No
	local out
	out=$(iop_show "show security ipsec security-associations detail")
	check "$1: Quantum Secured: $2" grep -q "Quantum Secured: $2" \
	    <<<"$out"
}
traffic() {
	check "$1: ha pings hb through the tunnel" lab_poll 10 iop_ping_hb
	check "$1: hb pings ha through the tunnel" lab_poll 5 iop_ping_ha
}

# 1. mandatory PPK, qsafe initiating
mark
iop_swan_load p1 $PPKARGS ppk_required=yes || bad "strongSwan: p1 loads"
iop_qs_load ppk=required || bad "qsafe: PPK VPN commits"
check "PPK qsafe→swan: strongSwan's IKE SA with /PPK" lab_poll 15 swan_ppk p1 yes
check "PPK qsafe→swan: strongSwan's log: using PPK for PPK_ID" \
    since "$SLOG" "using PPK for PPK_ID '$IOP_PPK_ID'"
check "PPK qsafe→swan: qsafe's IKE SA established with the PPK used" \
    lab_poll 5 since "$LOG" "ike G: IKE SA .* established .*\(PPK used\)"
check "PPK qsafe→swan: qsafe's Child SA" lab_poll 5 iop_qs_up
traffic "PPK qsafe→swan"
quantum "PPK qsafe→swan" Yes

# 1b. mandatory PPK, strongSwan initiating
iop_qs_load ppk=required start=responder || bad "qsafe: responder commits"
iop_show "clear security ike security-associations" >/dev/null
lab_poll 10 swan_sa_state "$B" p1 gone || bad "PPK: the first SA went"
mark
swan_initiate "$B" p1
check "PPK swan→qsafe: strongSwan's IKE SA with /PPK" lab_poll 10 swan_ppk p1 yes
check "PPK swan→qsafe: strongSwan's log: using PPK for PPK_ID" \
    since "$SLOG" "using PPK for PPK_ID '$IOP_PPK_ID'"
check "PPK swan→qsafe: qsafe's IKE SA established with the PPK used" \
    lab_poll 5 since "$LOG" "ike G: IKE SA .* established .*\(PPK used\)"
traffic "PPK swan→qsafe"
swan_terminate "$B" p1
lab_poll 10 iop_qs_none || bad "PPK: terminated on qsafe"

# 2. PPK mismatch, qsafe initiating, then strongSwan initiating
mark
iop_swan_load p2 ppk_id=$IOP_PPK_ID ppk=not-the-same-ppk-as-qsafe-0123456789 \
    ppk_required=yes || bad "strongSwan: p2 loads"
iop_qs_load ppk=required || bad "qsafe: PPK VPN commits"
check "PPK mismatch qsafe→swan: qsafe is told AUTHENTICATION_FAILED" \
    lab_poll 15 since "$LOG" "ike G: authentication failed: peer answered AUTHENTICATION_FAILED"
check "PPK mismatch qsafe→swan: no SA on either side" eval \
    'qs_no_up && swan_sa_state "$B" p2 gone'
iop_qs_load ppk=required start=responder || bad "qsafe: responder commits"
mark
swan_initiate "$B" p2 5
check "PPK mismatch swan→qsafe: strongSwan is told AUTHENTICATION_FAILED" \
    lab_poll 10 since "$SLOG" "received AUTHENTICATION_FAILED notify error"
check "PPK mismatch swan→qsafe: qsafe's log says why" \
    since "$LOG" "ike G: IKE_AUTH refused: "
check "PPK mismatch swan→qsafe: no SA on either side" eval \
    'lab_poll 5 swan_sa_state "$B" p2 gone && qs_no_up'

# 3. optional PPK on qsafe, strongSwan without any PPK: fallback
swan_ctl "$B" --terminate --ike p2 --timeout 2 >/dev/null 2>&1
mark
iop_swan_load p3 || bad "strongSwan: p3 (no PPK) loads"
iop_qs_load ppk=optional || bad "qsafe: optional PPK commits"
check "optional PPK qsafe→swan: the SA comes up without the PPK" \
    lab_poll 15 swan_ppk p3 no
check "optional PPK qsafe→swan: qsafe's IKE SA established, PPK not used" eval \
    'lab_poll 5 since "$LOG" "ike G: IKE SA .* established" &&
     ! since "$LOG" "PPK used"'
traffic "optional PPK qsafe→swan"
quantum "optional PPK qsafe→swan" No
iop_qs_load ppk=optional start=responder || bad "qsafe: responder commits"
iop_show "clear security ike security-associations" >/dev/null
lab_poll 10 swan_sa_state "$B" p3 gone || bad "optional: the first SA went"
mark
swan_initiate "$B" p3
check "optional PPK swan→qsafe: the SA comes up without the PPK" \
    lab_poll 10 swan_ppk p3 no
check "optional PPK swan→qsafe: qsafe's IKE SA established, PPK not used" eval \
    'lab_poll 5 since "$LOG" "ike G: IKE SA .* established" &&
     ! since "$LOG" "PPK used"'
traffic "optional PPK swan→qsafe"

# 4. mandatory PPK on qsafe, none on strongSwan
swan_terminate "$B" p3
lab_poll 10 iop_qs_none || bad "optional: terminated on qsafe"
iop_qs_load ppk=required start=responder || bad "qsafe: responder commits"
mark
swan_initiate "$B" p3 5
check "PPK required on the qsafe responder: strongSwan is told AUTHENTICATION_FAILED" \
    lab_poll 10 since "$SLOG" "received AUTHENTICATION_FAILED notify error"
check "PPK required on the qsafe responder: qsafe's log says why" \
    since "$LOG" "ike G: IKE_AUTH refused: "
mark
iop_qs_load ppk=required || bad "qsafe: PPK VPN commits"
check "PPK required, qsafe→swan without PPK: qsafe refuses and says why" \
    lab_poll 15 since "$LOG" "ike G: PPK required but peer does not support PPK"
check "PPK required: no SA on either side" eval \
    'qs_no_up && swan_sa_state "$B" p3 gone'

[ "$fails" -eq 0 ] || iop_dump
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
