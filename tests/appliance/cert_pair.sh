#!/bin/sh
# Two appliances authenticate IKEv2 with certificates (RFC 7296 2.15, RFC
# 7427): a CA made here with the openssl CLI issues A an RSA certificate
# and B an ECDSA P-256 one (each with its address as subjectAltName);
# both are loaded through the cli (`request security pki ca-certificate
# load`, `local-certificate load ... key`).  Each appliance runs in a
# namespace of this test's (cmg-a-PID, cmg-b-PID, veth ge-0-0-0).  The IKE
# SA comes up on both with the signature method of each side's key, and a
# ping crosses the Child SA.  The ca child of iked holds uid 0 with no
# capability; the network process is the qsafe-iked account with
# CAP_NET_ADMIN and CAP_NET_RAW only, its TUN devices opened by the tun
# broker (root, no capability).  The check refuses a certificate that is
# not loaded.
#
#   cert_pair.sh   (QSAFE_TOP: the checkout; QSAFE_BUILD_DIR: the build)
set -u
: "${QSAFE_TOP:?}" "${QSAFE_BUILD_DIR:?}"
export QSAFE_BUILD_DIR
. "$QSAFE_TOP/tests/appliance/pair.sh"
pair_init cmg cmg-pair

# The CA and the two gateways' certificates.
P=$T/pki
pair_certs "$P"

pair_netns

for s in a b; do
	d=$T/$s
	ns=$NA; me=192.0.2.1; peer=192.0.2.2; tun=10.98.0.1; m=rsa-signatures
	[ $s = b ] && { ns=$NB; me=192.0.2.2; peer=192.0.2.1; tun=10.98.0.2
	    m=ecdsa-signatures-256; }
	pair_start $s "$d" "$ns" || continue
	pair_side "cmg-$s" $me $peer $tun "$(pair_cert_ike $m)" "" > "$T/$s.set"
	pair_ca_load "$d" "$P" > "$T/$s.pki" 2>&1
	# the local certificate not loaded yet: the check refuses the policy
	cli "$d" "configure; load set $T/$s.set; commit" > "$T/$s.early" 2>&1
	if grep -q "Local certificate 'GW_CERT' is not loaded" "$T/$s.early" &&
	    ! grep -q "commit complete" "$T/$s.early"; then
		ok "$s: a policy naming a certificate not loaded is refused"
	else
		cat "$T/$s.early"
		fail "$s: certificate not loaded, not refused"
	fi
	pair_cert_load "$d" "$P" $s >> "$T/$s.pki" 2>&1
	cli "$d" "configure; commit" > "$T/$s.out" 2>&1
	if grep -q "commit complete" "$T/$s.out"; then
		ok "$s: certificates loaded, the VPN configuration commits"
	else
		cat "$T/$s.pki" "$T/$s.out"
		fail "$s: load set + commit"
	fi
done

for s in a b; do
	peer=192.0.2.2; meth=RSA-signatures
	[ $s = b ] && { peer=192.0.2.1; meth=ECDSA-signatures-256; }
	if wait_show 40 "$T/$s" "show security ike security-associations" \
	    "UP .*IKEv2 .*$peer"; then
		ok "$s: IKE SA UP with $peer, authenticated by certificates"
	else
		cat "$T/$s.show"
		tail -20 "$T/$s/iked.log"
		fail "$s: no IKE SA UP within 40 s"
	fi
	if wait_show 5 "$T/$s" "show security ike security-associations detail" \
	    "Authentication method: $meth"; then
		ok "$s: show ... detail: Authentication method: $meth"
	else
		cat "$T/$s.show"
		fail "$s: authentication method not $meth"
	fi
done

# Both establish immediately: their IKE_SA_INITs may cross; either way
# each ends with one IKE SA, the same on both (iked/collide.c).
ike_spis() {
	cli "$1" "show security ike security-associations" 2>/dev/null |
	    awk '$2 == "UP" { print $3 "/" $4 }'
}
one_same() {
	a=$(ike_spis "$T/a") b=$(ike_spis "$T/b")
	[ -n "$a" ] && [ "$a" = "$b" ] && [ "$(printf '%s\n' "$a" | wc -l)" = 1 ]
}
end=$(($(date +%s) + 15))
until one_same || [ "$(date +%s)" -ge "$end" ]; do sleep 0.3; done
if one_same; then
	ok "both initiated: one IKE SA on each side, the same ($a)"
else
	echo "a: $(ike_spis "$T/a" | tr '\n' ' ') b: $(ike_spis "$T/b" | tr '\n' ' ')"
	fail "both initiated: not one and the same IKE SA on each side"
fi

pinged() { ip netns exec "$NA" ping -c 1 -W 1 -q 10.98.0.2 >/dev/null 2>&1; }
end=$(($(date +%s) + 20))
until pinged || [ "$(date +%s)" -ge "$end" ]; do sleep 0.3; done
if pinged; then
	ok "a pings b's st0.0 address through the certificate tunnel"
else
	fail "no ping through the certificate tunnel"
fi

pid=$(sed -n 's/.* iked\[\([0-9]*\)\] .*/\1/p' "$T/a/iked.log" | tail -1)
# its ca child: root, no capability
cpid=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null | tr ' ' '\n' |
    while read -r c; do
	[ -n "$c" ] && grep -q '^Uid:[[:space:]]*0[[:space:]]' "/proc/$c/status" && echo "$c"
    done | head -1)
if [ -n "$cpid" ] && grep -q "^CapEff:[[:space:]]*0000000000000000$" \
    "/proc/$cpid/status" && grep -q "^NoNewPrivs:[[:space:]]*1$" \
    "/proc/$cpid/status"; then
	ok "a: the ca process (pid $cpid) is root with no capability"
else
	fail "a: no confined ca process under iked"
fi

# the network process: the qsafe-iked account, CAP_NET_ADMIN and
# CAP_NET_RAW only (bits 12 and 13), no new privileges
iuid=$(id -u qsafe-iked 2>/dev/null)
if [ -n "$iuid" ] && grep -q "^Uid:[[:space:]]*$iuid[[:space:]]" "/proc/$pid/status" &&
    grep -q "^CapEff:[[:space:]]*0000000000003000$" "/proc/$pid/status" &&
    grep -q "^NoNewPrivs:[[:space:]]*1$" "/proc/$pid/status"; then
	ok "a: the network process (pid $pid) is qsafe-iked with NET_ADMIN and NET_RAW only"
else
	grep -E "^(Uid|CapEff|NoNewPrivs)" "/proc/$pid/status"
	fail "a: the network process is not confined to qsafe-iked"
fi
# what that confinement is for: a's private key (pki's keys/, the ca
# process signs with it) cannot be read by the network process's account
kf=$(find "$T/a" -path '*/keys/*.key' -type f 2>/dev/null | head -1)
if [ -n "$kf" ] && [ -s "$kf" ] && [ -n "$iuid" ] &&
    ! setpriv --reuid="$iuid" --regid="$(id -g qsafe-iked)" --clear-groups \
	cat "$kf" >/dev/null 2>&1; then
	ok "a: qsafe-iked cannot read the private key $(basename "$kf")"
else
	fail "a: the private key (${kf:-none found}) is readable by qsafe-iked"
fi
# its tun broker: root, no capability, named iked-tunbroker
bpid=$(for c in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do
	[ "$(cat "/proc/$c/comm" 2>/dev/null)" = iked-tunbroker ] && echo "$c"
done | head -1)
if [ -n "$bpid" ] && grep -q "^CapEff:[[:space:]]*0000000000000000$" "/proc/$bpid/status" &&
    grep -q '^Uid:[[:space:]]*0[[:space:]]' "/proc/$bpid/status"; then
	ok "a: the tun broker (pid $bpid) is root with no capability"
else
	fail "a: no confined tun broker under iked"
fi
# and st0.0 is there: the broker's descriptor made it
if ip -n "$NA" link show st0.0 >/dev/null 2>&1; then
	ok "a: st0.0 exists (TUN through the broker)"
else
	fail "a: no st0.0"
fi

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
