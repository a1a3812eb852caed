#!/bin/bash
# qsafe's `reauth-frequency 1` against strongSwan, with a ping running
# (iop_lab.sh): at each soft expiry of the IKE SA qsafe makes a new IKE SA
# with IKE_SA_INIT and IKE_AUTH instead of rekeying it, then deletes the
# old one (make before break).  iked runs under QSAFE_LIFETIME_DIVISOR=20:
# Junos's shortest IKE lifetime, 180 s, lasts 9 s.
#
# strongSwan sees a new IKE_SA_INIT and IKE_AUTH from qsafe (no
# CREATE_CHILD_SA) and then qsafe's Delete of the previous IKE SA; each
# side ends with one IKE SA and one Child SA with the same SPIs, new ones;
# the ping loses at most one packet.
#
# usage: test_swan_interop_reauth.sh   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/iop_lab.sh"
lab_init io2ra

. "$(dirname "$0")/tap.sh"

export QSAFE_LIFETIME_DIVISOR=20
iop_up groups="enc=1" || { echo "Bail out! the lab did not come up"; exit 1; }
unset QSAFE_LIFETIME_DIVISOR
B=$IOP_B LOG=$(iop_iked_log) SLOG=$IOP_B/charon.log

slog_n() { grep -Ec "$1" "$SLOG"; }
qs_ike() {
	iop_show "show security ike security-associations" |
	    awk '$2 == "UP" && $NF == "192.0.2.2" { print $3 "_i " $4 "_r" }'
}

iop_swan_load t || bad "strongSwan: connection loads"
iop_qs_load ikelife=180 reauth=1 || bad "qsafe: VPN with reauth-frequency 1 commits"
check "tunnel up" eval 'lab_poll 15 iop_qs_up && swan_wait_sa "$B" t INSTALLED 5'
ike0=$(qs_ike) spi0=$(iop_qs_spis)
ninit=$(slog_n "parsed IKE_SA_INIT request 0")
nccs=$(slog_n "parsed CREATE_CHILD_SA request")
lab_spawn "$LAB_DIR/ping.out" ip netns exec "$IOP_HA" ping -i 0.2 -W 1 -c 60 10.2.0.2
pp=$LAB_PID
check "qsafe logs the reauthentication" \
    lab_poll 12 grep -q "ike G: reauthenticating IKE SA [0-9a-f]* (reauth-frequency 1)" "$LOG"
check "strongSwan received qsafe's Delete of the old IKE SA" \
    lab_poll 5 grep -q "received DELETE for IKE_SA t\[1\]" "$SLOG"
check "strongSwan saw a new IKE_SA_INIT and IKE_AUTH, no CREATE_CHILD_SA" eval \
    '[ "$(slog_n "parsed IKE_SA_INIT request 0")" -gt "$ninit" ] &&
    grep -q "IKE_SA t\[2\] established" "$SLOG" &&
    [ "$(slog_n "parsed CREATE_CHILD_SA request")" = "$nccs" ]'
ike1=$(qs_ike)
check "one IKE SA each side, new SPIs, the same on both ($ike0 -> $ike1)" eval \
    '[ "$(printf "%s\n" "$ike1" | grep -c _i)" = 1 ] && [ "$ike1" != "$ike0" ] &&
    [ "$(swan_count "$B" ESTABLISHED)" = 1 ] &&
    swan_ctl "$B" --list-sas | sed "s/\*//g" | grep -q "ESTABLISHED, IKEv2, $ike1\$"'
check "one Child SA each side, new SPIs, the same on both" eval \
    '[ "$(iop_qs_spis)" != "$spi0" ] && [ "$(iop_qs_spis)" = "$(iop_swan_spis)" ] &&
    [ "$(swan_count "$B" INSTALLED)" = 1 ]'
wait "$pp" 2>/dev/null
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$LAB_DIR/ping.out")
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$LAB_DIR/ping.out")
echo "# ping: ${got:-?} of ${sent:-?} answered"
check "the ping lost at most one packet" \
    eval '[ "${sent:-0}" -gt 0 ] && [ $((sent - got)) -le 1 ]'

[ "$fails" -eq 0 ] || iop_dump
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
