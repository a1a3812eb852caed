#!/bin/bash
# Deletes while traffic runs, and simultaneous initiation, qsafe against
# strongSwan (iop_lab.sh; RFC 7296 1.4.1, 2.8.1, 2.25).
#
# 1. With a ping running and qsafe `establish-tunnels immediately`, each
#    of: qsafe deletes the Child SA (`clear security ipsec
#    security-associations`), qsafe deletes the IKE SA (`clear security
#    ike security-associations`), strongSwan deletes the Child SA
#    (`swanctl --terminate --child`), strongSwan deletes the IKE SA
#    (`--terminate --ike`): the other side receives the Delete, qsafe
#    brings the tunnel back, the SPIs agree on both sides, the ping gets
#    through again within 12 s; the time it took is printed.
# 2. Simultaneous initiation: both sides initiate while each drops the
#    other's IKE packets (nft); the drops go at once and both sides'
#    retransmitted IKE_SA_INITs cross.  Traffic flows both ways; every IKE
#    SA qsafe shows UP is ESTABLISHED on strongSwan with the same SPIs;
#    qsafe deletes the redundant IKE SA (iked/collide.c), so each side
#    keeps one IKE SA and one Child SA, the same one.
#
# usage: test_swan_interop_delete.sh   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/iop_lab.sh"
lab_init io2dl

. "$(dirname "$0")/tap.sh"

iop_up conf="retransmit_timeout = 1
		retransmit_base = 1.4" ||
    { echo "Bail out! the lab did not come up"; exit 1; }
B=$IOP_B LOG=$(iop_iked_log) SLOG=$IOP_B/charon.log

slog_n() { grep -Ec "$1" "$SLOG"; }
# one Child SA each side, the same SPIs, not the ones in $1
spis_new() {
	local q
	q=$(iop_qs_spis)
	[ "$q" != "$1" ] && [ "$q" = "$(iop_swan_spis)" ] &&
	    [ "$(swan_count "$B" INSTALLED)" = 1 ]
}
# deleted WHAT CMD...: run CMD with the ping going; the tunnel comes back
deleted() {
	local what=$1 spi0 t0 ms
	shift
	spi0=$(iop_qs_spis)
	lab_spawn "$LAB_DIR/ping.out" ip netns exec "$IOP_HA" \
	    ping -i 0.2 -W 1 -w 30 10.2.0.2
	local pp=$LAB_PID
	lab_poll 3 iop_ping_hb
	t0=$(lab_now_us)
	"$@" >/dev/null 2>&1
	check "$what: the tunnel comes back with new SPIs on both sides" \
	    lab_poll 12 spis_new "$spi0"
	check "$what: ha pings hb again" lab_poll 12 iop_ping_hb
	ms=$((($(lab_now_us) - t0) / 1000))
	kill -INT "$pp" 2>/dev/null	# ping prints its count on INT
	wait "$pp" 2>/dev/null
	lab_kill "$pp"
	echo "# $what: traffic back ${ms} ms after the Delete; ping: $(grep -o '[0-9]* packets transmitted, [0-9]* received' "$LAB_DIR/ping.out")"
}

# 1. Deletes from each side during a ping
iop_swan_load t || bad "strongSwan: connection loads"
iop_qs_load || bad "qsafe: VPN commits"
check "tunnel up" eval 'lab_poll 15 iop_qs_up && swan_wait_sa "$B" t INSTALLED 5'

n=$(slog_n "received DELETE for ESP CHILD_SA")
deleted "qsafe deletes the Child SA" \
    iop_show "clear security ipsec security-associations"
check "qsafe deletes the Child SA: strongSwan received the Delete" \
    eval '[ "$(slog_n "received DELETE for ESP CHILD_SA")" -gt "$n" ]'

n=$(slog_n "received DELETE for IKE_SA t")
deleted "qsafe deletes the IKE SA" \
    iop_show "clear security ike security-associations"
check "qsafe deletes the IKE SA: strongSwan received the Delete" \
    eval '[ "$(slog_n "received DELETE for IKE_SA t")" -gt "$n" ]'

n=$(grep -c "deleted by peer\|Child SA .* deleted" "$LOG")
deleted "strongSwan deletes the Child SA" swan_ctl "$B" --terminate --child t --timeout 5
check "strongSwan deletes the Child SA: qsafe logged it" \
    eval '[ "$(grep -c "deleted by peer\|Child SA .* deleted" "$LOG")" -gt "$n" ]'

n=$(grep -c "ike G: IKE SA [0-9a-f]* deleted by peer" "$LOG")
deleted "strongSwan deletes the IKE SA" swan_ctl "$B" --terminate --ike t --timeout 5
check "strongSwan deletes the IKE SA: qsafe logged the peer's Delete" \
    eval '[ "$(grep -c "ike G: IKE SA [0-9a-f]* deleted by peer" "$LOG")" -gt "$n" ]'
check "after the Deletes: one IKE SA on each side" eval \
    '[ "$(iop_show "show security ike security-associations" | grep -c "UP .*192.0.2.2")" = 1 ] &&
    [ "$(swan_count "$B" ESTABLISHED)" = 1 ]'

# 2. Simultaneous initiation
iop_qs_load start=responder || bad "qsafe: responder VPN commits"
swan_terminate "$B" t
lab_poll 10 iop_qs_none || bad "simultaneous: the previous SAs went"
drop_in() { # NS TABLE FROM
	ip netns exec "$1" nft -f - <<-END
	table inet $2 {
		chain in {
			type filter hook input priority 0; policy accept;
			ip saddr $3 udp dport { 500, 4500 } drop
		}
	}
	END
}
drop_in "$IOP_NA" io2sim 192.0.2.2 && drop_in "$IOP_NB" io2sim 192.0.2.1 ||
    bad "nft: the drops load"
iop_qs_load || bad "qsafe: initiating VPN commits"
swan_ctl "$B" --initiate --child t --timeout 1 >/dev/null 2>&1
lab_poll 3 grep -q "initiating IKE_SA t" "$SLOG"
lab_poll 3 grep -q "ike G: initiating IKE SA" "$LOG"
ip netns exec "$IOP_NA" nft delete table inet io2sim
ip netns exec "$IOP_NB" nft delete table inet io2sim
check "simultaneous: both sides had initiated" eval \
    'grep -q "initiating IKE_SA t" "$SLOG" &&
    grep -q "ike G: initiating IKE SA" "$LOG"'
check "simultaneous: qsafe up" lab_poll 20 iop_qs_up
check "simultaneous: strongSwan INSTALLED" swan_wait_sa "$B" t INSTALLED 10
check "simultaneous: ha pings hb" lab_poll 10 iop_ping_hb
check "simultaneous: hb pings ha" lab_poll 5 iop_ping_ha
# settle: what each keeps once the exchanges are over
lab_poll 5 eval '! swan_ctl "$B" --list-sas | grep -q CONNECTING'
qs_ike=$(iop_show "show security ike security-associations" |
    awk '$2 == "UP" && $NF == "192.0.2.2" { print $3 "_i " $4 "_r" }')
sw=$(swan_ctl "$B" --list-sas 2>/dev/null)
echo "# simultaneous: qsafe keeps $(printf '%s\n' "$qs_ike" | grep -c _i) IKE SA(s)" \
    "and $(iop_show "show security ipsec security-associations" | grep -c '^ *<500001') Child SA(s);" \
    "strongSwan $(swan_count "$B" ESTABLISHED) IKE SA(s), $(swan_count "$B" INSTALLED) Child SA(s)"
agree() {
	local l
	[ -n "$qs_ike" ] || return 1
	while read -r l; do
		printf '%s\n' "$sw" | sed 's/\*//g' |
		    grep -q "ESTABLISHED, IKEv2, $l\$" || return 1
	done <<<"$qs_ike"
}
# one IKE SA and one Child SA pair, on both sides
one_each() {
	[ "$(iop_show "show security ike security-associations" | grep -c "UP .*192.0.2.2")" = 1 ] &&
	    [ "$(iop_show "show security ipsec security-associations" | grep -c '^ *<500001')" = 1 ] &&
	    [ "$(swan_count "$B" ESTABLISHED)" = 1 ] &&
	    [ "$(swan_count "$B" INSTALLED)" = 1 ]
}
check "simultaneous: one IKE SA and one Child SA left on each side" lab_poll 10 one_each
if grep -q "simultaneous initiation: IKE SAs" "$LOG"; then
	echo "# simultaneous: qsafe deleted the redundant IKE SA"
else
	echo "# simultaneous: the IKE_SA_INITs did not cross this time"
fi
qs_ike=$(iop_show "show security ike security-associations" |
    awk '$2 == "UP" && $NF == "192.0.2.2" { print $3 "_i " $4 "_r" }')
sw=$(swan_ctl "$B" --list-sas 2>/dev/null)
check "simultaneous: each IKE SA qsafe shows UP is ESTABLISHED on strongSwan" agree
check "simultaneous: traffic still flows both ways" eval \
    'lab_poll 3 iop_ping_hb && lab_poll 3 iop_ping_ha'

[ "$fails" -eq 0 ] || iop_dump
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
