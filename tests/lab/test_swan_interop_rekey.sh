#!/bin/bash
# qsafe against strongSwan: rekeys in both directions while a host pings
# through the tunnel (iop_lab.sh; RFC 7296 1.3.2, 1.3.3, 2.8).
#
# 1. strongSwan initiates (child rekey_time 6 s, IKE rekey_time 10 s) to a
#    qsafe responder, no PFS: qsafe answers two Child SA rekeys and an IKE
#    SA rekey; the ping loses at most one packet per rekey; qsafe's show
#    has the SPIs strongSwan now uses and none of the first ones; the IKE SA
#    index and both cookies changed and are strongSwan's; strongSwan logs
#    the rekeys completed and the old SAs closed.
# 2. The same with PFS (esp_proposals with x25519, qsafe
#    perfect-forward-secrecy keys group31): the rekeyed Child SA carries
#    CURVE_25519 on strongSwan's side; its CREATE_CHILD_SA had a KE.
# 3. qsafe initiates rekeys: iked runs under QSAFE_LIFETIME_DIVISOR=20, so
#    Junos lifetimes of 180 s (ESP) and 240 s (IKE) last 9 s and 12 s;
#    strongSwan (no rekey of its own within the test) receives qsafe's
#    CREATE_CHILD_SA for the Child SA and for the IKE SA, and traffic
#    keeps flowing.
# 4. qsafe initiates a Child SA rekey with PFS (group31): its request
#    carries a KE and strongSwan's new Child SA shows CURVE_25519.
#
# usage: test_swan_interop_rekey.sh   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/iop_lab.sh"
lab_init io2rk

. "$(dirname "$0")/tap.sh"

# iked (started by iop_up through mgd) inherits the knob
export QSAFE_LIFETIME_DIVISOR=20
iop_up groups="enc=1" || { echo "Bail out! the lab did not come up"; exit 1; }
unset QSAFE_LIFETIME_DIVISOR
B=$IOP_B LOG=$(iop_iked_log) SLOG=$IOP_B/charon.log

check "iked logged the lifetime divisor at start" \
    grep -q "QSAFE_LIFETIME_DIVISOR=20: lifetimes run 20 times faster" "$LOG"

# qsafe's IKE SA: "index icookie rcookie"
qs_ike() {
	iop_show "show security ike security-associations" |
	    awk '$2 == "UP" && $NF == "192.0.2.2" { print $1, $3, $4 }'
}
# strongSwan's ESTABLISHED IKE SA t: "icookie rcookie"
swan_ike() {
	swan_ctl "$B" --list-sas --ike t 2>/dev/null |
	    sed -n 's/^t: #[0-9]*, ESTABLISHED, IKEv2, \([0-9a-f]*\)_i\*\{0,1\} \([0-9a-f]*\)_r\*\{0,1\}$/\1 \2/p'
}
# one Child SA pair on each side, the same SPIs on both
spis_agree() {
	local q s
	q=$(iop_qs_spis) s=$(iop_swan_spis)
	[ "$q" = "$s" ] && [ "$(swan_count "$B" INSTALLED)" = 1 ] &&
	    [ "$(iop_show "show security ipsec security-associations" |
	    grep -c '^ *[<>]500001 ')" = 2 ]
}
ike_agrees() {
	[ "$(qs_ike | cut -d' ' -f2-)" = "$(swan_ike)" ]
}
# count of lines matching ERE in strongSwan's log
slog_n() {
	grep -Ec "$1" "$SLOG"
}
slog_at_least() { [ "$(slog_n "$1")" -ge "$2" ]; }

# ping_start SECONDS: ha pings hb every 0.2 s for SECONDS in the background
ping_start() {
	lab_spawn "$LAB_DIR/ping.out" ip netns exec "$IOP_HA" \
	    ping -i 0.2 -W 1 -c $(($1 * 5)) 10.2.0.2
	PING_PID=$LAB_PID
}
# ping_lost MAX: waits for the ping; true when it lost at most MAX
ping_lost() {
	local sent got
	wait "$PING_PID" 2>/dev/null
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$LAB_DIR/ping.out")
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$LAB_DIR/ping.out")
	echo "# ping: $got of $sent answered"
	[ "${sent:-0}" -gt 0 ] && [ $((sent - got)) -le "$1" ]
}

# 1. strongSwan initiates rekeys, no PFS
SWAN_REKEY=(extra="rekey_time = 10s
    rand_time = 0s" cextra="rekey_time = 6s
        life_time = 60s
        rand_time = 0s")
iop_swan_load t "${SWAN_REKEY[@]}" || bad "strongSwan: rekeying connection loads"
iop_qs_load start=responder || bad "qsafe: responder VPN commits"
swan_initiate "$B" t
check "swan rekeys: tunnel up on both sides" eval \
    'swan_wait_sa "$B" t INSTALLED 10 && lab_poll 5 iop_qs_up'
spi0=$(iop_qs_spis) ike0=$(qs_ike)
check "swan rekeys: both sides have the same first SPIs ($spi0)" spis_agree
check "swan rekeys: both sides have the same IKE SPIs" ike_agrees
ping_start 13
check "swan rekeys: strongSwan rekeyed the Child SA twice and the IKE SA once" \
    lab_poll 16 eval 'slog_at_least "closing CHILD_SA t\{2\} with SPIs" 1 &&
    slog_at_least "IKE_SA t\[2\] rekeyed between" 1'
check "swan rekeys: the ping lost at most one packet per rekey" ping_lost 3
check "swan rekeys: strongSwan closed each old Child SA after its rekey" eval \
    'slog_at_least "closing CHILD_SA t\{1\}" 1 &&
    slog_at_least "CHILD_SA t\{3\} established" 1'
check "swan rekeys: strongSwan deleted the old IKE SA" \
    grep -q "deleting IKE_SA t\[1\]" "$SLOG"
check "swan rekeys: qsafe logged the IKE SA rekeyed by the peer" \
    grep -q "ike G: IKE SA [0-9a-f]* rekeyed by peer: now" "$LOG"
spi1=$(iop_qs_spis) ike1=$(qs_ike)
check "swan rekeys: both sides have the same new SPIs ($spi1)" \
    lab_poll 3 spis_agree
check "swan rekeys: the first SPIs are gone from qsafe's show" eval \
    '! iop_show "show security ipsec security-associations" |
    grep -Eq "0x(${spi0% *}|${spi0#* })"'
check "swan rekeys: the IKE SA index and cookies changed ($ike0 -> $ike1)" \
    eval '[ -n "$ike1" ] && [ "${ike0%% *}" != "${ike1%% *}" ] &&
    [ "${ike0#* }" != "${ike1#* }" ]'
# polled: each side lists the rekeyed SA once its own bookkeeping is done
check "swan rekeys: the IKE SPIs agree after the rekey" lab_poll 3 ike_agrees
check "swan rekeys: one IKE SA on each side" lab_poll 3 eval \
    '[ "$(qs_ike | wc -l)" = 1 ] && [ "$(swan_count "$B" ESTABLISHED)" = 1 ]'
check "swan rekeys: hb pings ha after the rekeys" lab_poll 3 iop_ping_ha

# 2. with PFS: strongSwan's rekey carries a KE
swan_terminate "$B" t
lab_poll 10 iop_qs_none || bad "pfs: the previous SA went"
iop_swan_load t esp=aes128gcm16-x25519 cextra="rekey_time = 5s
        life_time = 60s
        rand_time = 0s" ||
    bad "strongSwan: PFS connection loads"
iop_qs_load start=responder pfs=group31 || bad "qsafe: PFS VPN commits"
# Child SA rekey answers with a KE (an IKE SA rekey's has no TSi)
child_ke() {
	grep -E "parsed CREATE_CHILD_SA response [0-9]+ \[" "$SLOG" |
	    grep -w KE | grep -cw TSi
}
n0=$(child_ke)
swan_initiate "$B" t
check "pfs: tunnel up on both sides" eval \
    'swan_wait_sa "$B" t INSTALLED 10 && lab_poll 5 iop_qs_up'
spi0=$(iop_qs_spis)
ping_start 7
check "pfs: strongSwan rekeyed the Child SA with a KE in qsafe's answer" \
    lab_poll 9 eval '[ "$(child_ke)" -gt "$n0" ]'
check "pfs: the rekeyed Child SA has CURVE_25519 on strongSwan's side" \
    lab_poll 3 eval 'swan_ctl "$B" --list-sas --ike t |
    grep -q "INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128/CURVE_25519"'
check "pfs: both sides have the same new SPIs" lab_poll 3 spis_agree
check "pfs: qsafe's SPIs changed ($spi0 -> $(iop_qs_spis))" \
    eval '[ "$(iop_qs_spis)" != "$spi0" ]'
check "pfs: the ping lost at most one packet per rekey" ping_lost 1

# 3. qsafe initiates rekeys: ESP lifetime 180 s and IKE 240 s over 20
swan_terminate "$B" t
lab_poll 10 iop_qs_none || bad "qsafe rekeys: the previous SA went"
iop_swan_load t || bad "strongSwan: plain responder loads"
iop_qs_load esplife=180 ikelife=240 || bad "qsafe: short-lived VPN commits"
check "qsafe rekeys: tunnel up on both sides" eval \
    'lab_poll 15 iop_qs_up && swan_wait_sa "$B" t INSTALLED 5'
spi0=$(iop_qs_spis) ike0=$(qs_ike)
check "qsafe rekeys: qsafe shows the ESP lifetime as 9 s or less" eval \
    '[ "$(iop_show "show security ipsec security-associations" |
    awk "\$1 == \"<500001\" { print \$4 + 0 }")" -le 9 ]'
nreq=$(slog_n "parsed CREATE_CHILD_SA request [0-9]+ \[ .*N\(REKEY_SA\)")
nike=$(slog_n "IKE_SA t\[[0-9]+\] rekeyed between")
ping_start 12
check "qsafe rekeys: strongSwan received qsafe's Child SA rekey (REKEY_SA)" \
    lab_poll 10 eval '[ "$(slog_n "parsed CREATE_CHILD_SA request [0-9]+ \[ .*N\(REKEY_SA\)")" -gt "$nreq" ]'
check "qsafe rekeys: both sides have new, equal SPIs" \
    lab_poll 3 eval 'spis_agree && [ "$(iop_qs_spis)" != "$spi0" ]'
check "qsafe rekeys: strongSwan rekeyed the IKE SA at qsafe's request" \
    lab_poll 6 eval '[ "$(slog_n "IKE_SA t\[[0-9]+\] rekeyed between")" -gt "$nike" ]'
ike1=$(qs_ike)
check "qsafe rekeys: the IKE SA index and cookies changed ($ike0 -> $ike1)" \
    eval '[ -n "$ike1" ] && [ "${ike0%% *}" != "${ike1%% *}" ] &&
    [ "${ike0#* }" != "${ike1#* }" ]'
check "qsafe rekeys: the IKE SPIs agree" lab_poll 3 ike_agrees
check "qsafe rekeys: the ping lost at most one packet per rekey" ping_lost 2
check "qsafe rekeys: hb pings ha after the rekeys" lab_poll 3 iop_ping_ha

# 4. qsafe initiates a Child SA rekey with PFS (group31): its
# CREATE_CHILD_SA request carries a KE (RFC 7296 1.3.3) and strongSwan's
# rekeyed Child SA was made with Curve25519
swan_terminate "$B" t
lab_poll 10 iop_qs_none || bad "qsafe pfs rekey: the previous SA went"
iop_swan_load t esp=aes128gcm16-x25519 || bad "strongSwan: PFS responder loads"
iop_qs_load esplife=180 pfs=group31 || bad "qsafe: short-lived PFS VPN commits"
# Child SA rekey requests with a KE (an IKE SA rekey's has no TSi)
child_ke_req() {
	grep -E "parsed CREATE_CHILD_SA request [0-9]+ \[.*N\(REKEY_SA\)" "$SLOG" |
	    grep -w KE | grep -cw TSi
}
n0=$(child_ke_req)
check "qsafe pfs rekey: tunnel up on both sides" eval \
    'lab_poll 15 iop_qs_up && swan_wait_sa "$B" t INSTALLED 5'
spi0=$(iop_qs_spis)
check "qsafe pfs rekey: strongSwan received qsafe's Child SA rekey with a KE" \
    lab_poll 12 eval '[ "$(child_ke_req)" -gt "$n0" ]'
check "qsafe pfs rekey: the rekeyed Child SA has CURVE_25519 on strongSwan's side" \
    lab_poll 3 eval 'swan_ctl "$B" --list-sas --ike t |
    grep -q "INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128/CURVE_25519"'
check "qsafe pfs rekey: both sides have new, equal SPIs" \
    lab_poll 3 eval 'spis_agree && [ "$(iop_qs_spis)" != "$spi0" ]'
check "qsafe pfs rekey: ha pings hb after the rekey" lab_poll 3 iop_ping_hb

[ "$fails" -eq 0 ] || iop_dump
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
