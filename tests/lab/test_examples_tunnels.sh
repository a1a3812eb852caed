#!/bin/bash
# The four worked examples of the Junos quantum-safe documentation as
# tunnels: example N (examples/README.md) built by examples.sh on
# appliances in namespaces of this test's own (tag qnt), then
#
# 1. every gateway shows its IKE SAs UP (the hub one per spoke) and an
#    inbound and an outbound IPsec SA;
# 2. every gateway's details say the tunnel is quantum-safe: `PPK-profile:
#    km_profile_1 Optional: No` in `show security ike security-associations
#    detail`, `Quantum Secured: Yes` (and never No) in `show security ipsec
#    security-associations detail`;
# 3. the hosts ping each other through every tunnel (site to site; hub to
#    each spoke and back), which only ESP through st0.0 can carry: nothing
#    routes the LANs over the WAN.  In the AutoVPN examples 3 and 4 no
#    static route exists either: each gateway's route to the other LANs is
#    the one iked inserts for the negotiated remote traffic selector
#    (`show route` shows it [ARI-TS/5] via st0.0: the hub one per spoke,
#    narrowed to the spoke's /26), and the hub's one st0.0 carries both
#    spokes' Child SAs, each chosen by destination; the spokes' selectors
#    do not cover each other's LANs, so spoke to spoke is not tried;
# 4. each gateway's key-manager profile answered the negotiations:
#    Success moved (>= one per tunnel) with no failure, in `show security
#    key-manager profiles detail`.
#
# 5. `show interfaces st0.0 detail` on the first gateway: Junos's st0
#    layout (Point-To-Point, Secure-Tunnel) and its Traffic statistics
#    moving with a ping of 3 through it: input and output packets by at
#    least 3, bytes by at least 3 x 84.
# 6. AutoVPN: a spoke whose VPN is deleted takes its route off the hub
#    (it goes with the SA); the other spoke still pings through st0.0.
#
# usage: test_examples_tunnels.sh N   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/examples.sh"

. "$(dirname "$0")/tap.sh"
pings() {	# NS ADDR
	ip netns exec "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1
}
host_addr() {	# G: the address of the host behind G
	set -- $(ex_var EX_HOST "$1")
	echo "${2%/*}"
}
show() {	# G CMD
	qs_cli "$LAB_DIR/$1" "$2" 2>&1
}

n=${1:?usage: test_examples_tunnels.sh N}
lab_init qnt
t0=$(lab_now_us)
ex_build "$n" || { bad "ex$n: built and committed (see above)"; exit 1; }
set -- $EX_GWS
if [ $# -eq 3 ]; then	# AutoVPN: the hub has one tunnel per spoke
	hub=$1
	pairs="$1:$2 $1:$3"
else
	hub=
	pairs="$1:$2"
fi

for g in $EX_GWS; do
	want=1
	[ "$g" = "$hub" ] && want=2
	if lab_poll 40 ex_ike_up "$g" "$want" && lab_poll 10 ex_ipsec_up "$g"; then
		ok "ex$n $g: $want IKE SA(s) UP and its IPsec SAs ($((($(lab_now_us) - t0) / 1000)) ms after the build began)"
	else
		show "$g" "show security ike security-associations; show security ipsec security-associations"
		tail -20 "$LAB_DIR/$g/iked.log"
		bad "ex$n $g: IKE/IPsec SAs not UP"
	fi
done

for g in $EX_GWS; do
	ike=$(show "$g" "show security ike security-associations detail")
	ipsec=$(show "$g" "show security ipsec security-associations detail")
	if printf '%s\n' "$ike" | grep -q 'PPK-profile: km_profile_1 Optional: No' &&
	    ! printf '%s\n' "$ike" | grep -q 'PPK-profile: .* Optional: Yes'; then
		ok "ex$n $g: PPK-profile: km_profile_1 Optional: No"
	else
		printf '%s\n' "$ike"
		bad "ex$n $g: no 'PPK-profile: km_profile_1 Optional: No'"
	fi
	if printf '%s\n' "$ipsec" | grep -q 'Quantum Secured: Yes' &&
	    ! printf '%s\n' "$ipsec" | grep -q 'Quantum Secured: No'; then
		ok "ex$n $g: Quantum Secured: Yes"
	else
		printf '%s\n' "$ipsec"
		bad "ex$n $g: not Quantum Secured: Yes"
	fi
done

for p in $pairs; do
	a=${p%:*} b=${p#*:}
	for dir in "$a $b" "$b $a"; do
		set -- $dir
		from=$(ex_var EX_HOSTNS "$1")
		to=$(host_addr "$2")
		if lab_poll 10 pings "$from" "$to"; then
			ok "ex$n the host behind $1 pings the host behind $2 ($to) through the tunnel"
		else
			bad "ex$n the host behind $1 does not reach $to"
		fi
	done
done

# st0 G FIELD: the counter "Input  bytes", "Output packets"... of G's st0.0
st0() {
	show "$1" "show interfaces st0.0 detail" |
	    sed -n "s/^ *$2 *: *\([0-9][0-9]*\)\$/\1/p"
}
set -- $EX_GWS
g1=$1
if show "$g1" "show interfaces st0.0 detail" |
    grep -q 'Flags: Up Point-To-Point SNMP-Traps Encapsulation: Secure-Tunnel'; then
	ok "ex$n $g1: st0.0 is shown as Junos shows a secure tunnel"
else
	show "$g1" "show interfaces st0.0 detail"
	bad "ex$n $g1: st0.0 flags not Junos's"
fi
c0="$(st0 "$g1" "Input  packets") $(st0 "$g1" "Output packets") $(st0 "$g1" "Input  bytes") $(st0 "$g1" "Output bytes")"
ip netns exec "$(ex_var EX_HOSTNS "$g1")" ping -c 3 -i 0.2 -W 1 "$(host_addr "$2")" >/dev/null 2>&1
c1="$(st0 "$g1" "Input  packets") $(st0 "$g1" "Output packets") $(st0 "$g1" "Input  bytes") $(st0 "$g1" "Output bytes")"
set -- $c0 $c1
if [ $# -eq 8 ] && [ $(($5 - $1)) -ge 3 ] && [ $(($6 - $2)) -ge 3 ] &&
    [ $(($7 - $3)) -ge 252 ] && [ $(($8 - $4)) -ge 252 ]; then
	ok "ex$n $g1: st0.0 traffic statistics moved with the ping (in/out packets $1/$2 -> $5/$6, bytes $3/$4 -> $7/$8)"
else
	show "$g1" "show interfaces st0.0 detail"
	bad "ex$n $g1: st0.0 counters did not move by the ping: '$c0' -> '$c1'"
fi

# ari G ADDR: G's route to ADDR is iked's, for a traffic selector, via st0.0
ari() {
	show "$1" "show route $2" | grep -A1 'ARI-TS/5' | grep -q '>  via st0.0'
}
if [ -n "$hub" ]; then
	set -- $EX_GWS
	for s in "$2" "$3"; do
		a=$(host_addr "$s")
		if ari "$hub" "$a" && ari "$s" "$(host_addr "$hub")"; then
			ok "ex$n $hub routes $a and $s routes the hub's LAN via st0.0 [ARI-TS/5]"
		else
			show "$hub" "show route"
			show "$s" "show route"
			bad "ex$n no ARI-TS route between $hub and $s"
		fi
	done
fi

for g in $EX_GWS; do
	want=1
	[ "$g" = "$hub" ] && want=2
	s=$(ex_km_stat "$g" Success) f=$(ex_km_stat "$g" Failed)
	if [ "${s:-0}" -ge "$want" ] && [ "${f:-1}" -eq 0 ]; then
		ok "ex$n $g: key-manager km_profile_1 Success $s, Failed $f"
	else
		show "$g" "show security key-manager profiles detail"
		bad "ex$n $g: key-manager statistics Success ${s:-?} (want >= $want), Failed ${f:-?}"
	fi
done

if [ -n "$hub" ]; then
	set -- $EX_GWS
	s1=$2 s2=$3 a2=$(host_addr "$3")
	qs_cli "$LAB_DIR/$s2" "configure; delete security ipsec vpn HUB_VPN; commit" >/dev/null 2>&1
	gone() { ! ari "$hub" "$a2"; }
	if lab_poll 15 gone; then
		ok "ex$n $s2's VPN deleted: the hub's route to $a2 went with its SA"
	else
		show "$hub" "show route"
		bad "ex$n the hub still routes $a2 after $s2's VPN went"
	fi
	if lab_poll 10 pings "$(ex_var EX_HOSTNS "$hub")" "$(host_addr "$s1")"; then
		ok "ex$n the hub's host still pings $s1's host"
	else
		bad "ex$n the hub's host no longer reaches $s1's host"
	fi
fi

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
