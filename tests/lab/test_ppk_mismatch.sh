#!/bin/bash
# RFC 8784's mismatch cases between two qsafe gateways: example 1 (static
# key profiles, examples/ex1-static-srx-{a,b}.set) with SRX-B changed after
# its file, on appliances in namespaces of this test's own (tag qnt):
#
# 1. SRX-A's PPK is mandatory and SRX-B has none (no ppk-profile): no IKE
#    SA on either side, SRX-A's iked says why (a responder refusing with
#    AUTHENTICATION_FAILED, "PPK required but peer does not support PPK"),
#    SRX-B's that the peer answered AUTHENTICATION_FAILED;
# 2. both mandatory, different keys under the same key-id: no IKE SA, both
#    sides log AUTHENTICATION_FAILED (RFC 8784 3: the AUTH computed with
#    SK_pi' does not verify);
# 3. SRX-A's PPK optional (`ppk-profile km_profile_1 optional`) against
#    SRX-B with none: the tunnel comes up without it (NO_PPK_AUTH), shown
#    `PPK-profile: km_profile_1 Optional: Yes` and `Quantum Secured: No`,
#    and passes traffic.
#
# In cases 1 and 2 `show security ipsec inactive-tunnels` says why the
# tunnel is down (the gateway's last failed IKE_AUTH).
#
# usage: test_ppk_mismatch.sh [1|2|3...]   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/examples.sh"

. "$(dirname "$0")/tap.sh"
# iked retries a VPN that is not up every 2 s, not every 10 (ENG_RETRY_S,
# test knob QSAFE_IKED_RETRY_S): the side that waits for its retry (case
# 2's SRX-B) does not take 10 s, and each "no SA" window spans retries
export QSAFE_IKED_RETRY_S=2
logs() {	# G RE: G's iked log has a line matching RE
	grep -qE "$2" "$LAB_DIR/$1/iked.log"
}
inactive_why() {	# G: the down reason of G's inactive tunnel
	cli "$1" "show security ipsec inactive-tunnels" |
	    awk '$1 ~ /^[0-9]+$/ { $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print; exit }'
}
inactive() {	# G RE: G's inactive tunnel is down for a reason matching RE
	inactive_why "$1" | grep -qE "$2"
}
no_sa() {	# G: no IKE SA UP
	! ex_ike_up "$1" 1
}

# run CASE SRXB-CHANGES SRXA-CHANGES: example 1, then the changes committed
run() {
	local c=$1
	lab_init qnt
	ex_build 1 || { bad "case $c: example 1 built (see above)"; return 1; }
	# both sides initiate (`immediately`): change SRX-B first, then SRX-A
	if [ -n "$2" ] && ! cli srx-b "configure; $2; commit" | grep -q 'commit complete'; then
		bad "case $c: SRX-B's change did not commit"; return 1
	fi
	if [ -n "$3" ] && ! cli srx-a "configure; $3; commit" | grep -q 'commit complete'; then
		bad "case $c: SRX-A's change did not commit"; return 1
	fi
	cli srx-a "clear security ike security-associations" >/dev/null
	cli srx-b "clear security ike security-associations" >/dev/null
}

case1() {
	run 1 "delete security ike gateway IKE_GW ppk-profile" "" || return
	if lab_poll 30 logs srx-a "PPK required but peer does not support PPK" &&
	    lab_poll 10 logs srx-b "peer answered AUTHENTICATION_FAILED"; then
		ok "mandatory PPK vs none: SRX-A refuses ($(grep -m1 'PPK required' "$LAB_DIR/srx-a/iked.log" | sed 's/.*info: //')), SRX-B hears AUTHENTICATION_FAILED"
	else
		tail -8 "$LAB_DIR/srx-a/iked.log" "$LAB_DIR/srx-b/iked.log"
		bad "mandatory PPK vs none: no refusal with its reason in the logs"
	fi
	if lab_poll 10 inactive srx-a "PPK"; then
		ok "mandatory PPK vs none: show security ipsec inactive-tunnels says why: $(inactive_why srx-a)"
	else
		cli srx-a "show security ipsec inactive-tunnels"
		bad "mandatory PPK vs none: no reason in show security ipsec inactive-tunnels"
	fi
	# a few more tries in both directions, then still nothing
	if no_sa srx-a && no_sa srx-b && ! lab_poll 5 ex_ike_up srx-a 1; then
		ok "mandatory PPK vs none: no IKE SA on either side"
	else
		bad "mandatory PPK vs none: an IKE SA came up"
	fi
	lab_cleanup
}

case2() {
	run 2 "set security key-manager profiles km_profile_1 static key ascii-text another-key-of-32-characters-xyz" "" || return
	# each side logs it when its own IKE_AUTH is refused: SRX-A tries
	# at once after its clear, SRX-B at its VPN's next retry (every
	# QSAFE_IKED_RETRY_S, 2 s here, on the once-a-second tick)
	if lab_poll 30 logs srx-a "AUTHENTICATION_FAILED" &&
	    lab_poll 20 logs srx-b "AUTHENTICATION_FAILED"; then
		ok "different PPKs: both sides log AUTHENTICATION_FAILED"
	else
		tail -8 "$LAB_DIR/srx-a/iked.log" "$LAB_DIR/srx-b/iked.log"
		bad "different PPKs: no AUTHENTICATION_FAILED in the logs"
	fi
	# srx-b heard the peer's AUTHENTICATION_FAILED as initiator, or refused
	# the peer's AUTH itself as responder: both sides initiate, and which
	# exchange fails last depends on who wins the collision
	if lab_poll 10 inactive srx-b "AUTHENTICATION_FAILED|does not verify|authentication failed"; then
		ok "different PPKs: show security ipsec inactive-tunnels says why: $(inactive_why srx-b)"
	else
		cli srx-b "show security ipsec inactive-tunnels"
		bad "different PPKs: no reason in show security ipsec inactive-tunnels"
	fi
	if no_sa srx-a && no_sa srx-b && ! lab_poll 5 ex_ike_up srx-b 1; then
		ok "different PPKs: no IKE SA on either side"
	else
		bad "different PPKs: an IKE SA came up"
	fi
	lab_cleanup
}

case3() {
	local ike ipsec
	run 3 "delete security ike gateway IKE_GW ppk-profile" \
	    "set security ike gateway IKE_GW ppk-profile km_profile_1 optional" || return
	if lab_poll 40 ex_ike_up srx-a 1 && lab_poll 10 ex_ipsec_up srx-a; then
		ok "optional PPK vs none: the tunnel comes up"
	else
		tail -8 "$LAB_DIR/srx-a/iked.log"
		bad "optional PPK vs none: no tunnel"
	fi
	ike=$(cli srx-a "show security ike security-associations detail")
	ipsec=$(cli srx-a "show security ipsec security-associations detail")
	printf '%s\n' "$ike" | grep -q 'PPK-profile: km_profile_1 Optional: Yes' &&
	    ok "optional PPK vs none: PPK-profile: km_profile_1 Optional: Yes" ||
	    bad "optional PPK vs none: no 'Optional: Yes' in: $ike"
	if printf '%s\n' "$ipsec" | grep -q 'Quantum Secured: No' &&
	    ! printf '%s\n' "$ipsec" | grep -q 'Quantum Secured: Yes'; then
		ok "optional PPK vs none: Quantum Secured: No"
	else
		printf '%s\n' "$ipsec"
		bad "optional PPK vs none: not 'Quantum Secured: No'"
	fi
	if lab_poll 10 ip netns exec "$(ex_var EX_HOSTNS srx-a)" ping -c 1 -W 1 192.0.2.138 >/dev/null 2>&1; then
		ok "optional PPK vs none: traffic passes"
	else
		bad "optional PPK vs none: no traffic"
	fi
	lab_cleanup
}

for c in ${*:-1 2 3}; do
	"case$c"
done
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
