#!/bin/bash
# Example 2 (site to site, quantum-key-manager profiles) with SRX-A's IKE
# policy at `reauth-frequency 1` and its IKE lifetime at Junos's minimum
# (180 s), iked under QSAFE_LIFETIME_DIVISOR=20 (it lasts 9 s); SRX-B's
# lifetime is 600 s, so SRX-A's soft expiry always comes first, whichever
# side initiated.  There SRX-A makes a new IKE SA with IKE_SA_INIT and
# IKE_AUTH instead of rekeying it (make before break), so
# 1. SRX-A logs the reauthentication (reauth-frequency 1);
# 2. the new IKE SA took a fresh QKD key: a PPK_ID neither side used
#    before, the same on both sides (RFC 8784: the initiator's enc_keys
#    key_ID, fetched by ID by the responder);
# 3. traffic keeps flowing: a ping through the tunnel during the
#    reauthentication loses at most two packets;
# 4. the reauthentication leaves no IKE SA behind: each side has no more
#    IKE SAs UP afterwards than before (`clear` sometimes leaves SRX-A
#    two IKE SAs with SRX-B, two initiations at once: a separate engine
#    matter; each is then reauthenticated on its own).
#
# 5. then both sides at reauth-frequency 1 and 180 s: the side whose soft
#    expiry comes second finds the peer already replacing the IKE SA and
#    waits for its Delete (iked/life.c, life_peer_replacing), so after two
#    rounds neither side has more IKE SAs than before and traffic passes.  (Before,
#    both reauthenticated the same IKE SA whenever the first's new one was
#    not up by the second's soft expiry — a QKD fetch under load at 20
#    times the speed — and every later round doubled the IKE SAs: nine
#    after 25 s.)
#
# usage: test_qkd_reauth.sh   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/examples.sh"

. "$(dirname "$0")/tap.sh"
pings() {	# NS ADDR
	ip netns exec "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1
}
tunnel() {
	pings "$HA" 192.0.2.138 && pings "$HB" 192.0.2.10
}
# new_id BEFORE G: the newest PPK_ID of G not in BEFORE (a list), or fail
new_id() {
	local id
	id=$(ex_ppk_ids "$2" | tail -1)
	[ -n "$id" ] && ! printf '%s\n' "$1" | grep -qxF -- "$id" &&
	    echo "$id"
}
has_id() {	# G ID
	ex_ppk_ids "$1" | grep -qxF -- "$2"
}
reauth_logged() {	# G FROM-LINE
	tail -n +"$2" "$LAB_DIR/$1/iked.log" |
	    grep -q "reauthenticating IKE SA [0-9a-f]* (reauth-frequency 1)"
}

lab_init qnr
export QSAFE_LIFETIME_DIVISOR=20
ex_build 2 || { bad "example 2 built and committed (see above)"; exit 1; }
unset QSAFE_LIFETIME_DIVISOR
HA=$(ex_var EX_HOSTNS srx-a) HB=$(ex_var EX_HOSTNS srx-b)
for g in "srx-a 180; set security ike policy IKE_POL reauth-frequency 1" "srx-b 600"; do
	set -- $g
	out=$(cli "$1" "configure; set security ike proposal IKE_PROP lifetime-seconds ${g#* }; commit")
	printf '%s\n' "$out" | grep -q "commit complete" ||
	    { printf '%s\n' "$out"; bad "$1: the lifetime (and reauth-frequency) does not commit"; }
done
# the IKE SA up now may predate the change: start from one of 180 s
cli srx-a "clear security ike security-associations" >/dev/null
if lab_poll 40 ex_ike_up srx-a 1 && lab_poll 20 tunnel; then
	ok "the tunnel is up and passes traffic"
else
	tail -20 "$LAB_DIR/srx-a/iked.log"
	bad "the tunnel did not come up"; exit 1
fi

ike_n() {	# G: its IKE SAs UP
	qs_cli "$LAB_DIR/$1" "show security ike security-associations" \
	    2>/dev/null | awk '$2 == "UP"' | wc -l
}
settled() {	# both sides show as many IKE SAs UP (none half done)
	[ "$(ike_n srx-a)" = "$(ike_n srx-b)" ]
}
no_more() {	# N: settled, at most N IKE SAs on each side
	settled && [ "$(ike_n srx-a)" -le "$1" ]
}
before=$(ex_ppk_ids srx-a; ex_ppk_ids srx-b)
lab_poll 10 settled
n0=$(ike_n srx-a)
la=$(wc -l <"$LAB_DIR/srx-a/iked.log")
lab_spawn "$LAB_DIR/ping.out" ip netns exec "$HA" ping -i 0.2 -W 1 -c 60 192.0.2.138
pp=$LAB_PID
if lab_poll 15 reauth_logged srx-a "$la"; then
	ok "SRX-A reauthenticates the IKE SA at its soft lifetime (reauth-frequency 1)"
else
	tail -20 "$LAB_DIR/srx-a/iked.log"
	bad "no reauthentication logged by SRX-A"
fi
if lab_poll 10 new_id "$before" srx-a >/dev/null; then
	id=$(new_id "$before" srx-a)
	if lab_poll 10 has_id srx-b "$id"; then
		ok "the new IKE SA took a fresh QKD key on both sides: key ID $id"
	else
		bad "SRX-A used key ID $id, SRX-B did not"
	fi
else
	bad "no IKE SA with a fresh key ID after the reauthentication"
fi
wait "$pp" 2>/dev/null
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$LAB_DIR/ping.out")
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$LAB_DIR/ping.out")
if [ "${sent:-0}" -gt 0 ] && [ $((sent - ${got:-0})) -le 2 ]; then
	ok "traffic kept flowing: the ping got $got of $sent answers"
else
	bad "the ping lost more than 2 packets (${got:-?} of ${sent:-?})"
fi
if lab_poll 10 no_more "$n0"; then
	ok "no IKE SA left behind: $n0 before on each side, $(ike_n srx-a) after"
else
	for g in srx-a srx-b; do
		cli "$g" "show security ike security-associations"
		grep -E "reauth|established|goes|Delete|delete" "$LAB_DIR/$g/iked.log" | tail -40
	done
	bad "IKE SAs left behind: $n0 before, SRX-A $(ike_n srx-a), SRX-B $(ike_n srx-b) after"
fi

# 5. both sides reauthenticate
out=$(cli srx-b "configure; set security ike proposal IKE_PROP lifetime-seconds 180; set security ike policy IKE_POL reauth-frequency 1; commit")
printf '%s\n' "$out" | grep -q "commit complete" ||
    { printf '%s\n' "$out"; bad "srx-b: reauth-frequency 1 does not commit"; }
cli srx-a "clear security ike security-associations" >/dev/null
lab_poll 40 ex_ike_up srx-a 1 && lab_poll 20 tunnel ||
    bad "both sides reauthenticating: the tunnel did not come back"
la=$(wc -l <"$LAB_DIR/srx-a/iked.log") lb=$(wc -l <"$LAB_DIR/srx-b/iked.log")
lab_poll 10 settled
n0=$(ike_n srx-a)
rounds() {	# at least 2 reauthentications done, by either side
	[ $(( $(tail -n +"$la" "$LAB_DIR/srx-a/iked.log" | grep -c "reauthenticated, IKE SA .* goes") +
	    $(tail -n +"$lb" "$LAB_DIR/srx-b/iked.log" | grep -c "reauthenticated, IKE SA .* goes") )) -ge 2 ]
}
if lab_poll 30 rounds && lab_poll 10 no_more "$n0" && lab_poll 10 tunnel; then
	ok "both sides reauthenticating: two rounds later no more IKE SAs ($n0 -> $(ike_n srx-a) on each side), traffic passes"
else
	for g in srx-a srx-b; do
		cli "$g" "show security ike security-associations"
	done
	bad "both sides reauthenticating: IKE SAs pile up or the tunnel is gone"
fi

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
