#!/bin/bash
# Example 2 (site to site, quantum-key-manager profiles) through the events
# of a tunnel's life, on appliances in namespaces of this test's own (tag
# qnt):
#
# 1. reauthentication takes a fresh QKD key: after `clear security ike
#    security-associations` on SRX-A the `immediately` tunnel comes back
#    with a new IKE SA whose PPK_ID (the KME's key_ID, in iked's log) is
#    one neither side used before, the same on both sides, and traffic
#    passes through it;
# 2. a KME stopped mid-run (kme-sim, KME-A and KME-B) fails only new
#    negotiations, cleanly: the tunnel that is up keeps passing traffic;
#    a negotiation started then fails, iked says why ("no PPK") in its
#    log and in `show security ipsec inactive-tunnels`, and the key-manager
#    statistics count the failure with its reason; iked still answers;
# 3. once the KME is back, a new negotiation succeeds with a fresh key and
#    traffic passes again.
#
# Not here: reauthentication by `reauth-frequency` (it comes at the IKE
# SA's soft lifetime, >= 144 s with the 180 s minimum lifetime-seconds;
# tests/iked/test_rekey covers it in the engine with a moved clock).
#
# usage: test_qkd_events.sh   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/examples.sh"

. "$(dirname "$0")/tap.sh"
pings() {	# NS ADDR
	ip netns exec "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1
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
tunnel() {	# both ways through the tunnel
	pings "$HA" 192.0.2.138 && pings "$HB" 192.0.2.10
}
lines() {	# G: lines in G's iked log
	wc -l <"$LAB_DIR/$1/iked.log"
}

lab_init qnt
ex_build 2 || { bad "example 2 built and committed (see above)"; exit 1; }
HA=$(ex_var EX_HOSTNS srx-a) HB=$(ex_var EX_HOSTNS srx-b)
if lab_poll 40 ex_ike_up srx-a 1 && lab_poll 20 tunnel; then
	ok "the tunnel is up and passes traffic"
else
	tail -20 "$LAB_DIR/srx-a/iked.log"
	bad "the tunnel did not come up"; exit 1
fi

# 1. clear: a new IKE SA, a new key ID on both sides
before=$(ex_ppk_ids srx-a; ex_ppk_ids srx-b)
if [ -z "$before" ]; then
	bad "no PPK_ID in iked's log"
fi
cli srx-a "clear security ike security-associations" >/dev/null
if lab_poll 40 new_id "$before" srx-a >/dev/null; then
	id=$(new_id "$before" srx-a)
	if lab_poll 10 has_id srx-b "$id"; then
		ok "after clear: a new IKE SA on both sides with a fresh QKD key ID $id"
	else
		bad "after clear: SRX-A used key ID $id, SRX-B did not"
	fi
else
	tail -20 "$LAB_DIR/srx-a/iked.log"
	bad "after clear: no new IKE SA with a fresh key ID on SRX-A"
fi
lab_poll 20 tunnel && ok "traffic passes through the reauthenticated tunnel" ||
    bad "no traffic after the reauthentication"

# 2. the KMEs stop: the tunnel stays, new negotiations fail cleanly
fa=$(ex_km_stat srx-a Failed) fb=$(ex_km_stat srx-b Failed)
ex_kme_stop
if tunnel && tunnel; then
	ok "KMEs stopped: the tunnel that is up still passes traffic"
else
	bad "KMEs stopped: the existing tunnel stopped passing traffic"
fi
la=$(lines srx-a)
cli srx-a "clear security ike security-associations" >/dev/null
km_failed() {	# SRX-A's own try counted (SRX-B may try first, or also)
	[ "$(ex_km_stat srx-a Failed)" -gt "$fa" ]
}
if lab_poll 30 km_failed; then
	ok "KMEs stopped: the new negotiation's key request failed (key-manager Failed: SRX-A $fa -> $(ex_km_stat srx-a Failed), SRX-B $fb -> $(ex_km_stat srx-b Failed))"
else
	bad "KMEs stopped: no key-manager failure counted"
fi
why=$(cli srx-a "show security key-manager profiles name km_profile_1 detail" |
    sed -n '/Last-error:/{p;n;p}')
if [ -n "$why" ]; then
	ok "the reason is shown: $(echo $why)"
else
	bad "no Last-error in show security key-manager profiles detail"
fi
said_why() {
	tail -n +"$la" "$LAB_DIR/srx-a/iked.log" | grep -q "no PPK: "
}
if lab_poll 10 said_why; then
	ok "iked's log says why: $(tail -n +"$la" "$LAB_DIR/srx-a/iked.log" | grep -m1 'no PPK: ' | sed 's/.*info: //')"
else
	tail -n +"$la" "$LAB_DIR/srx-a/iked.log"
	bad "iked's log does not say why the negotiation failed"
fi
down=$(cli srx-a "show security ipsec inactive-tunnels")
if printf '%s\n' "$down" | grep -q 'no PPK: '; then
	ok "show security ipsec inactive-tunnels says why: $(printf '%s\n' "$down" | grep -o 'no PPK: .*')"
else
	printf '%s\n' "$down"
	bad "show security ipsec inactive-tunnels does not say why"
fi
# (no SA at all prints nothing, as on Junos: iked answering is the cli's
# exit status)
if ! ex_ike_up srx-a 1 &&
    qs_cli "$LAB_DIR/srx-a" "show security ike security-associations" >/dev/null 2>&1; then
	ok "no IKE SA without a key, and iked still answers"
else
	bad "an IKE SA is UP without a KME, or iked does not answer"
fi

# 3. the KMEs are back: a new negotiation succeeds with a fresh key
before=$(ex_ppk_ids srx-a; ex_ppk_ids srx-b)
ex_kme_start || bad "kme-sim did not restart"
up_again() {
	ex_ike_up srx-a 1 && tunnel
}
if lab_poll 60 up_again; then
	id=$(new_id "$before" srx-a)
	if [ -n "$id" ] && has_id srx-b "$id"; then
		ok "KMEs back: the tunnel is up again with a fresh key ID $id and passes traffic"
	else
		bad "KMEs back: the tunnel is up but with no new key ID on both sides"
	fi
else
	tail -20 "$LAB_DIR/srx-a/iked.log"
	bad "KMEs back: no tunnel within 60 s"
fi

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
