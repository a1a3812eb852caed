#!/bin/bash
# The four worked examples of the Junos quantum-safe documentation
# (tests/lab/examples/, one set file per gateway), each on appliances
# started as an operator starts them (./qsafe start --netns) in namespaces
# of this test's own, wired as examples.sh says:
#
# 1. every gateway's file loads through the cli and commits;
# 2. hostd applied it: each gateway pings the others over the WAN and its
#    host pings it over the LAN (the addresses and zones of the files);
# 3. QKD (examples 2 and 4): each gateway's profile km_profile_1 turns
#    Active (its KME answered its Status over ge-0/0/2, mutual TLS, its SAE
#    ID), and a key the initiator's side gets from its KME
#    (`request security key-manager profiles get profile-keys`, enc_keys)
#    is the key the responder's keymgr fetches by its ID from the other KME
#    (iked's get-key-by-id, dec_keys): what RFC 8784's PPK exchange will do.
#
# The IKE and IPsec SAs and pings host to host through the tunnels:
# test_examples_tunnels.sh.
#
# usage: test_examples_commit.sh [N...]   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/examples.sh"

. "$(dirname "$0")/tap.sh"
KM_CLIENT=$EX_BUILD/keymgr/km-client

wan_addr() {	# G: its WAN address, from its set file
	sed -n 's|^set interfaces ge-0/0/0 unit 0 family inet address \(.*\)/.*|\1|p' \
	    "$(ex_var EX_FILE "$1")"
}
lan_gw() {	# G: its LAN address
	sed -n 's|^set interfaces ge-0/0/1 unit 0 family inet address \(.*\)/.*|\1|p' \
	    "$(ex_var EX_FILE "$1")"
}
pings() {	# NS ADDR
	ip netns exec "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1
}

# key_pair N MASTER SLAVE: MASTER's operator gets a key for SLAVE's SAE;
# SLAVE's keymgr gets it by ID (for MASTER's SAE), the same key.
key_pair() {
	local m=$2 s=$3 out kid key got
	out=$(qs_cli "$LAB_DIR/$m" "request security key-manager profiles get profile-keys name km_profile_1 peer-sae-id $(ex_var EX_SAE "$s")" 2>&1)
	kid=$(printf '%s\n' "$out" | sed -n '/Key-ids:/{n;s/^    - //p}')
	key=$(printf '%s\n' "$out" | sed -n '/Keys:/{n;s/^    - 0x//p}')
	if [ -z "$kid" ] || [ ${#key} -ne 64 ]; then
		printf '%s\n' "$out"
		bad "ex$1 $m: get profile-keys for $s"
		return
	fi
	got=$("$KM_CLIENT" "$LAB_DIR/$s/keymgr.sock" get-id km_profile_1 "$kid" \
	    "$(ex_var EX_SAE "$m")" 2>&1)
	if printf '%s\n' "$got" | grep -q "\"key\":\"$key\""; then
		ok "ex$1: $m's key $kid (via $(ex_var EX_KME "$m")) is $s's by its ID (via $(ex_var EX_KME "$s"))"
	else
		printf '%s\n' "$got"
		bad "ex$1: $s did not get $m's key $kid by its ID"
	fi
}

run_example() {
	local n=$1 g h other
	lab_init qkd
	if ! ex_build "$n"; then
		bad "ex$n: built and committed (see above)"
		lab_cleanup
		return
	fi
	for g in $EX_GWS; do
		ok "ex$n $g: $(basename "$(ex_var EX_FILE "$g")") loads and commits"
	done
	for g in $EX_GWS; do
		for other in $EX_GWS; do
			[ "$g" = "$other" ] && continue
			if lab_poll 5 pings "$(ex_var EX_NS "$g")" "$(wan_addr "$other")"; then
				ok "ex$n $g pings $other over the WAN"
			else
				bad "ex$n $g does not reach $other ($(wan_addr "$other"))"
			fi
		done
		h=$(ex_var EX_HOSTNS "$g")
		if lab_poll 5 pings "$h" "$(lan_gw "$g")"; then
			ok "ex$n the host behind $g pings it"
		else
			bad "ex$n the host behind $g does not reach it"
		fi
	done
	if [ "$EX_QKD" = 1 ]; then
		for g in $EX_GWS; do
			if lab_poll 15 ex_km_active "$g"; then
				ok "ex$n $g: km_profile_1 Active ($(ex_var EX_KME "$g"), $(ex_var EX_SAE "$g"))"
			else
				qs_cli "$LAB_DIR/$g" "show security key-manager profiles name km_profile_1 detail"
				bad "ex$n $g: km_profile_1 not Active"
			fi
		done
		set -- $EX_GWS
		key_pair "$n" "$1" "$2"
		key_pair "$n" "$2" "$1"
		[ $# -eq 3 ] && key_pair "$n" "$3" "$1"
	fi
	lab_cleanup
}

examples=${*:-1 2 3 4}
for n in $examples; do
	run_example "$n"
done
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
