#!/bin/sh
# The show commands of two live appliances against golden layouts (issue
# 10): two appliances in namespaces of this test's (shg-a-PID, shg-b-PID,
# veth ge-0-0-0), started by ./qsafe start --netns and configured through
# the cli, bring a tunnel up; then each side's real cli answers
#   show security ike security-associations [brief|detail|index N detail]
#   show security ike active-peer
#   show security ipsec security-associations [detail]
#   show security ipsec statistics
#   show security ike security-associations | display xml
#   show security ipsec security-associations | display json
# and, in the PSK run, `show security ipsec inactive-tunnels` after the
# initiator's key changed (the tunnel down, refused by the peer).  Each
# whole output, through show_norm.py (which masks what must vary: cookies,
# SPIs, lifetimes, byte and packet counts, the allocated index, the
# negotiation counts; the layout is kept), must equal
# tests/appliance/golden/MODE-SIDE-NAME.txt.  UPDATE_GOLDEN=1 rewrites
# them.
#
#   psk   a PSK gateway; A initiates (establish-tunnels immediately), B
#         only responds: A's view is the initiator's, B's the responder's
#   cert  certificates from one CA, RSA on A and ECDSA P-256 on B; B
#         initiates, A only responds
#
#   show_golden.sh MODE   (QSAFE_TOP: the checkout; QSAFE_BUILD_DIR: the build)
set -u
: "${QSAFE_TOP:?}" "${QSAFE_BUILD_DIR:?}"
export QSAFE_BUILD_DIR
MODE=${1:?usage: show_golden.sh psk|cert}
. "$QSAFE_TOP/tests/appliance/pair.sh"
pair_init shg "shg-$MODE"
# SHG_KEEP=DIR: the raw outputs kept there
pair_keep_logs='[ -z "${SHG_KEEP:-}" ] || cp "$T"/*.raw "$SHG_KEEP"/'
GOLDEN=$QSAFE_TOP/tests/appliance/golden

# golden SIDE NAME COMMAND: COMMAND's output on SIDE, normalised, against
# $GOLDEN/MODE-SIDE-NAME.txt.
golden() {
	g=$GOLDEN/$MODE-$1-$2.txt out=$T/$1.$2
	cli "$T/$1" "$3" > "$out.raw" 2>&1
	python3 "$QSAFE_TOP/tests/appliance/show_norm.py" < "$out.raw" > "$out"
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		cp "$out" "$g" && ok "$1: $3: golden $(basename "$g") written"
	elif diff -u "$g" "$out"; then
		ok "$1: $3: as golden $(basename "$g")"
	else
		fail "$1: $3: not as golden $(basename "$g")"
	fi
}

pair_netns
if [ "$MODE" = cert ]; then
	P=$T/pki
	pair_certs "$P"
fi

# ike_lines SIDE: the IKE proposal and policy of SIDE
ike_lines() {
	if [ "$MODE" = psk ]; then
		cat <<-EOF
		set security ike proposal IKE_P authentication-method pre-shared-keys
		set security ike proposal IKE_P dh-group group14
		set security ike proposal IKE_P authentication-algorithm sha-256
		set security ike proposal IKE_P encryption-algorithm aes-256-cbc
		set security ike proposal IKE_P lifetime-seconds 28800
		set security ike policy IKE_POL proposals IKE_P
		set security ike policy IKE_POL pre-shared-key ascii-text "shg-lab-pre-shared-key-0123"
		EOF
		return
	fi
	m=rsa-signatures
	[ "$1" = b ] && m=ecdsa-signatures-256
	pair_cert_ike $m
}

# who initiates: A in the PSK run, B in the certificate run
init=a resp=b
[ "$MODE" = cert ] && { init=b resp=a; }

for s in a b; do
	d=$T/$s
	ns=$NA; me=192.0.2.1; peer=192.0.2.2; tun=10.97.0.1
	[ $s = b ] && { ns=$NB; me=192.0.2.2; peer=192.0.2.1; tun=10.97.0.2; }
	pair_start $s "$d" "$ns" || continue
	esp=
	[ "$MODE" = psk ] &&
	    esp="set security ipsec policy ESP_POL perfect-forward-secrecy keys group14"
	pair_side "shg-$s" $me $peer $tun "$(ike_lines $s)" "$esp" > "$T/$s.set"
	[ $s = "$resp" ] &&
	    sed -i 's/establish-tunnels immediately/establish-tunnels responder-only/' \
		"$T/$s.set"
	if [ "$MODE" = cert ]; then
		pair_ca_load "$d" "$P" > "$T/$s.pki" 2>&1
		pair_cert_load "$d" "$P" $s >> "$T/$s.pki" 2>&1
	fi
	cli "$d" "configure; load set $T/$s.set; commit" > "$T/$s.out" 2>&1
	if grep -q "commit complete" "$T/$s.out"; then
		ok "$s: the VPN configuration commits"
	else
		cat "$T/$s.out" "$T/$s.pki" 2>/dev/null
		fail "$s: load set + commit"
	fi
done

for s in a b; do
	peer=192.0.2.2
	[ $s = b ] && peer=192.0.2.1
	if wait_show 40 "$T/$s" "show security ipsec security-associations" \
	    ">500001 .*$peer"; then
		ok "$s: the IKE SA and the Child SA are up"
	else
		cat "$T/$s.show"
		tail -20 "$T/$s/iked.log"
		fail "$s: no Child SA within 40 s"
	fi
done
# traffic, so that the counters masked are counters that moved
pinged() { ip netns exec "$NA" ping -c 1 -W 1 -q 10.97.0.2 >/dev/null 2>&1; }
end=$(($(date +%s) + 20))
until pinged || [ "$(date +%s)" -ge "$end" ]; do sleep 0.3; done
pinged && ok "a pings b through the tunnel" || fail "no ping through the tunnel"

I="show security ike security-associations"
S="show security ipsec security-associations"
for s in a b; do
	golden $s ike "$I"
	golden $s ike-brief "$I brief"
	golden $s ike-detail "$I detail"
	idx=$(cli "$T/$s" "$I" 2>/dev/null | awk '$2 == "UP" { print $1; exit }')
	golden $s ike-index-detail "$I index ${idx:-0} detail"
	golden $s active-peer "show security ike active-peer"
	golden $s ipsec "$S"
	golden $s ipsec-detail "$S detail"
	golden $s ipsec-stats "show security ipsec statistics"
	golden $s ike-xml "$I | display xml"
	golden $s ipsec-json "$S | display json"
done

# The tunnel down: the initiator's key changes, so its new negotiation is
# refused by the peer and the VPN stays without an SA on both sides.
if [ "$MODE" = psk ]; then
	cli "$T/$init" "configure; set security ike policy IKE_POL pre-shared-key ascii-text \"shg-lab-wrong-key-0123\"; commit" \
	    > "$T/wrong.out" 2>&1
	grep -q "commit complete" "$T/wrong.out" || fail "$init: the key change commits"
	for s in a b; do
		if wait_show 30 "$T/$s" "show security ipsec inactive-tunnels" \
		    "uthentication failed"; then
			ok "$s: inactive-tunnels has the tunnel, refused"
		else
			cat "$T/$s.show"
			fail "$s: the tunnel not inactive, refused, within 30 s"
		fi
		golden $s inactive "show security ipsec inactive-tunnels"
	done
fi

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
