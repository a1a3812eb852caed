#!/bin/bash
# qsafe against strongSwan across a restart of either daemon (issue 10:
# "iked restarts lose SAs, not configuration: after a restart it
# renegotiates `immediately` tunnels and answers the peer's
# INITIAL_CONTACT"; RFC 7296 2.4), in the lab of iop_lab.sh.
#
# 1. qsafe initiates (establish-tunnels immediately) to strongSwan; iked is
#    killed (SIGKILL: no Delete goes out) and mgd starts it again.  The new
#    iked renegotiates on its own, its IKE_AUTH says INITIAL_CONTACT, and
#    strongSwan (its connection `unique = no`, swanctl's default: only an
#    INITIAL_CONTACT replaces an SA there) holds one IKE SA with qsafe, the
#    new one, and not the one of the killed iked; a ping passes.
# 2. strongSwan initiates to qsafe (responder only); charon is killed
#    (SIGKILL: no Delete either) and started again, and initiates: its IKE_AUTH says
#    INITIAL_CONTACT and qsafe deletes the stale IKE SA ("INITIAL_CONTACT:
#    IKE SA ... is stale" in its log): one IKE SA with strongSwan in
#    qsafe's show, with strongSwan's new SPI; a ping passes.
# Last, the PSK is in none of the appliance's logs.
#
# usage: test_swan_interop_restart.sh   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/iop_lab.sh"
lab_init iop

. "$(dirname "$0")/tap.sh"

iop_up || { echo "Bail out! the lab did not come up"; exit 1; }
B=$IOP_B
LOG=$(iop_iked_log)

# iked's PID: the last one mgd started
iked_pid() {
	sed -n 's/.*started iked (pid \([0-9]*\)).*/\1/p' "$IOP_A/mgd.log" |
	    tail -n 1
}
# a new iked (PID not $1) runs
iked_new() {
	local p
	p=$(iked_pid)
	[ -n "$p" ] && [ "$p" != "$1" ] && kill -0 "$p" 2>/dev/null
}
# swan_spi NAME: strongSwan's IKE SA NAME as "ISPI RSPI" (one line per SA)
swan_spis() {
	swan_ctl "$B" --list-sas --ike "$1" 2>/dev/null |
	    sed -n "s/^ *$1: #[0-9]*, .*, \([0-9a-f]\{16\}\)_i\*\{0,1\} \([0-9a-f]\{16\}\)_r\*\{0,1\}\$/\1 \2/p"
}
# swan_one_other NAME OLD: strongSwan holds exactly one IKE SA NAME,
# ESTABLISHED, and its SPIs are not OLD
swan_one_other() {
	local now
	now=$(swan_spis "$1")
	[ -n "$now" ] && [ "$(printf '%s\n' "$now" | wc -l)" = 1 ] &&
	    [ "$now" != "$2" ] && swan_sa_state "$B" "$1" ESTABLISHED
}
# qs_cookies: qsafe's IKE SAs with strongSwan, "ICOOKIE RCOOKIE" a line
qs_cookies() {
	iop_show "show security ike security-associations" |
	    awk '$NF == "192.0.2.2" && $2 == "UP" {print $3, $4}'
}
# qs_one_other OLD: one IKE SA UP with strongSwan on qsafe, not OLD
qs_one_other() {
	local now
	now=$(qs_cookies)
	[ -n "$now" ] && [ "$(printf '%s\n' "$now" | wc -l)" = 1 ] &&
	    [ "$now" != "$1" ]
}
ping_ok() { lab_poll 10 iop_ping_hb && lab_poll 5 iop_ping_ha; }

# 1. iked restarts; qsafe initiates again with INITIAL_CONTACT
iop_swan_load r || bad "strongSwan: connection loads"
iop_qs_load || bad "qsafe: VPN commits"
check "qsafe→swan: the tunnel is up on qsafe" lab_poll 20 iop_qs_up
check "qsafe→swan: strongSwan IKE_SA ESTABLISHED" swan_wait_sa "$B" r ESTABLISHED 5
old=$(swan_spis r)
check "qsafe→swan: strongSwan lists one IKE SA ($old)" \
    test "$(printf '%s\n' "$old" | grep -c .)" = 1
pid=$(iked_pid)
if [ -n "$pid" ] && kill -KILL "$pid"; then
	ok "iked (pid $pid) killed"
else
	bad "no iked to kill"
fi
check "mgd starts iked again" lab_poll 15 iked_new "$pid"
check "the new iked brings the tunnel up again" lab_poll 30 iop_qs_up
check "strongSwan: one IKE SA with qsafe, not the killed iked's" \
    lab_poll 15 swan_one_other r "$old"
check "strongSwan: qsafe's IKE_AUTH said INITIAL_CONTACT" \
    grep -q "INIT_CONTACT\|INITIAL_CONTACT" "$B/charon.log"
check "after iked's restart: hosts ping through the tunnel" ping_ok

# 2. charon restarts; qsafe answers its INITIAL_CONTACT
iop_qs_load start=responder || bad "qsafe: responder VPN commits"
iop_show "clear security ike security-associations" >/dev/null
check "qsafe's clear removes strongSwan's SA" lab_poll 10 swan_sa_state "$B" r gone
swan_initiate "$B" r
check "swan→qsafe: strongSwan CHILD_SA INSTALLED" swan_wait_sa "$B" r INSTALLED 10
check "swan→qsafe: the tunnel is up on qsafe" lab_poll 10 iop_qs_up
qold=$(qs_cookies)
check "swan→qsafe: qsafe lists one IKE SA ($qold)" \
    test "$(printf '%s\n' "$qold" | grep -c .)" = 1
# SIGKILL: stopped with TERM, charon deletes its SAs first
spid=$(swan_pid "$B")
if kill -KILL "$spid"; then
	wait "$spid" 2>/dev/null # lab_spawn's child: reaped, then forgotten
	lab_kill "$spid"
else
	bad "charon killed"
fi
swan_start "$IOP_NB" "$B" || { echo "Bail out! charon did not start again"; exit 1; }
swan_load "$B" "$B/r.conf" || bad "strongSwan: connection loads again"
swan_initiate "$B" r
check "restarted strongSwan: CHILD_SA INSTALLED" swan_wait_sa "$B" r INSTALLED 10
check "qsafe: one IKE SA with strongSwan, the new one" lab_poll 10 qs_one_other "$qold"
check "qsafe: the stale IKE SA deleted on INITIAL_CONTACT" \
    grep -q "ike G: INITIAL_CONTACT: IKE SA [0-9a-f]* is stale, deleted" "$LOG"
check "after charon's restart: hosts ping through the tunnel" ping_ok

# Secrets never reach a log (issue 10): the PSK, over two negotiations,
# a restart and a kill, in no log of the appliance's daemons
logs=$(ls "$IOP_A"/*.log 2>/dev/null)
check "the PSK is in none of the appliance's logs ($(echo $logs | wc -w) files)" \
    eval '[ -n "$logs" ] && ! grep -qF -- "$IOP_PSK" $logs'

[ "$fails" -eq 0 ] || iop_dump
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
