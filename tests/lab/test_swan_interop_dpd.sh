#!/bin/bash
# Dead peer detection between qsafe and strongSwan, seen from both sides
# (iop_lab.sh; RFC 7296 2.4: an INFORMATIONAL request with no payloads).
#
# 1. qsafe `dead-peer-detection always-send interval 2 threshold 2`,
#    `establish-tunnels immediately`: strongSwan answers qsafe's empty
#    INFORMATIONAL requests; strongSwan's namespace dropping what qsafe
#    sends (nft), qsafe declares it dead, deletes its SAs and traffic
#    stops; the drop removed, qsafe brings the tunnel back (its
#    INITIAL_CONTACT clears strongSwan's stale IKE SA) and the hosts ping
#    again.  (Not SIGSTOP: charon resumed answers a backlog of
#    retransmitted IKE_SA_INITs partly with COOKIEs, partly not, and
#    qsafe's first IKE_AUTH after it fails; see the interop2 report.)
# 2. strongSwan `dpd_delay = 2s` against qsafe (no DPD of its own): qsafe
#    answers each liveness check; with qsafe's namespace dropping what
#    strongSwan sends (nft), strongSwan declares qsafe dead (short
#    retransmits) and clears its SAs.
#
# usage: test_swan_interop_dpd.sh   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/iop_lab.sh"
lab_init io2dp

. "$(dirname "$0")/tap.sh"

# charon gives up on a request after about 1 + 1.4 + 2 s (section 2)
iop_up groups="enc=1" conf="retransmit_timeout = 1
		retransmit_base = 1.4
		retransmit_tries = 2" ||
    { echo "Bail out! the lab did not come up"; exit 1; }
B=$IOP_B LOG=$(iop_iked_log) SLOG=$IOP_B/charon.log

slog_n() { grep -Ec "$1" "$SLOG"; }
iop_qs_no_sa() {
	! iop_show "show security ike security-associations" | grep -q "UP .*192.0.2.2" &&
	    ! iop_show "show security ipsec security-associations" | grep -q 500001
}
# drop_in NS TABLE FROM: NS drops IKE and ESP-in-UDP from FROM (nft)
drop_in() {
	ip netns exec "$1" nft -f - <<-END
	table inet $2 {
		chain in {
			type filter hook input priority 0; policy accept;
			ip saddr $3 udp dport { 500, 4500 } drop
		}
	}
	END
}

# 1. qsafe's DPD
iop_swan_load t || bad "strongSwan: connection loads"
iop_qs_load dpd=2/2 || bad "qsafe: VPN with DPD commits"
check "qsafe DPD: tunnel up" eval \
    'lab_poll 15 iop_qs_up && swan_wait_sa "$B" t INSTALLED 5'
n=$(slog_n "parsed INFORMATIONAL request [0-9]+ \[ \]")
check "qsafe DPD: strongSwan answered two of qsafe's liveness checks" \
    lab_poll 6 eval '[ "$(slog_n "parsed INFORMATIONAL request [0-9]+ \[ \]")" -ge $((n + 2)) ] &&
    [ "$(slog_n "generating INFORMATIONAL response [0-9]+ \[ \]")" -ge $((n + 2)) ]'
check "qsafe DPD: no peer declared dead while strongSwan answers" \
    eval '! grep -q "dead: .* liveness checks unanswered" "$LOG"'
drop_in "$IOP_NB" io2dpd 192.0.2.1 || bad "nft: strongSwan's drop loads"
t0=$(lab_now_us)
check "qsafe DPD: strongSwan silent, qsafe declares 192.0.2.2 dead" \
    lab_poll 12 grep -q "ike G: peer 192.0.2.2:4500 dead: 2 liveness checks unanswered (DPD)" "$LOG"
echo "# declared dead after $((($(lab_now_us) - t0) / 1000)) ms (interval 2 s, threshold 2)"
check "qsafe DPD: qsafe deleted its IKE and Child SAs" lab_poll 3 iop_qs_no_sa
check "qsafe DPD: ha cannot reach hb" eval '! iop_ping_hb'
ip netns exec "$IOP_NB" nft delete table inet io2dpd
check "qsafe DPD: strongSwan answers again, qsafe brings the tunnel back" \
    lab_poll 30 iop_qs_up
check "qsafe DPD: ha pings hb again" lab_poll 5 iop_ping_hb
check "qsafe DPD: strongSwan keeps one IKE SA (INITIAL_CONTACT)" \
    lab_poll 5 eval '[ "$(swan_count "$B" ESTABLISHED)" = 1 ]'

# 2. strongSwan's DPD: qsafe without one
swan_terminate "$B" t
iop_qs_load start=responder || bad "qsafe: responder VPN commits"
lab_poll 10 iop_qs_none || bad "swan DPD: the previous SA went"
iop_swan_load t extra="dpd_delay = 2s
    dpd_timeout = 5s" || bad "strongSwan: connection with dpd_delay loads"
swan_initiate "$B" t
check "swan DPD: tunnel up" eval \
    'swan_wait_sa "$B" t INSTALLED 10 && lab_poll 5 iop_qs_up'
n=$(slog_n "parsed INFORMATIONAL response [0-9]+ \[ \]")
check "swan DPD: qsafe answered two of strongSwan's liveness checks" \
    lab_poll 8 eval '[ "$(slog_n "parsed INFORMATIONAL response [0-9]+ \[ \]")" -ge $((n + 2)) ]'
check "swan DPD: strongSwan logs its DPD requests" grep -q "sending DPD request" "$SLOG"
drop_in "$IOP_NA" io2dpd 192.0.2.2 || bad "nft: qsafe's drop loads"
check "swan DPD: qsafe silent, strongSwan gives up on it" \
    lab_poll 20 grep -Eq "giving up after 2 retransmits|retransmit 2 of request" "$SLOG"
check "swan DPD: strongSwan cleared its IKE SA" lab_poll 5 swan_sa_state "$B" t gone
ip netns exec "$IOP_NA" nft delete table inet io2dpd

[ "$fails" -eq 0 ] || iop_dump
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
