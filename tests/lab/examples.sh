# tests/lab/examples.sh: the four worked examples of the Junos quantum-safe
# documentation as a namespace lab, sourced (after lib.sh) by
# test_examples_commit.sh and qkd_lab.sh (`./qsafe lab`).
#
#   ex_build N        namespaces, links, KMEs (N = 2, 4) and hosts of
#                     example N, then its appliances, each committed from
#                     its set file in examples/ through the cli
#
# The set files are the configuration an operator types; this file only
# wires what a real site has outside the gateway (see examples/README.md):
#
#   host-X --(ge-0/0/1)-- gateway --(ge-0/0/0)-- br-wan   198.51.100.0/24
#                            \----(ge-0/0/2)-- br-kme   203.0.113.0/24
#
# br-wan and br-kme are bridges in the namespace $LAB-core, where kme-sim
# runs KME-A (203.0.113.10:443) and KME-B (203.0.113.11:443): one process,
# one key pool, which stands in for the QKD link between them.  The LANs
# are 192.0.2.0/26 (SRX-A, the hub), 192.0.2.128/26 (SRX-B, spoke 1) and
# 192.0.2.192/26 (spoke 2), host .10 in each.
#
# After ex_build: EX_GWS (the gateways, e.g. "srx-a srx-b"), and for each
# gateway G: $LAB_DIR/G (its state dir), EX_NS_G (its namespace, with
# - for _), EX_FILE_G (its set file); EX_HOSTS; EX_SAE_G for QKD.
# Functions return 0 or 1 and say on stderr what failed.

EX_DIR=$LAB_TOP/tests/lab/examples
EX_BUILD=${QSAFE_BUILD_DIR:-$LAB_TOP/build}
EX_KME_A=203.0.113.10
EX_KME_B=203.0.113.11

# ex_var NAME G: the value of NAME_G (G with - as _).
ex_var() {
	local v="${1}_${2//-/_}"
	echo "${!v:-}"
}

# ex_set NAME G VALUE
ex_set() {
	printf -v "${1}_${2//-/_}" '%s' "$3"
}

# ex_topology N: the gateways of example N, their files, SAEs and LANs.
ex_topology() {
	local kind=static
	case $1 in 2|4) kind=qkd ;; esac
	case $1 in
	1|2)
		EX_GWS="srx-a srx-b"
		ex_set EX_FILE srx-a "$EX_DIR/ex$1-$kind-srx-a.set"
		ex_set EX_FILE srx-b "$EX_DIR/ex$1-$kind-srx-b.set"
		ex_set EX_SAE srx-a SAE_A
		ex_set EX_SAE srx-b SAE_B
		ex_set EX_KME srx-a KME-A
		ex_set EX_KME srx-b KME-B
		ex_set EX_HOST srx-a "host-a 192.0.2.10/26 192.0.2.1"
		ex_set EX_HOST srx-b "host-b 192.0.2.138/26 192.0.2.129"
		;;
	3|4)
		EX_GWS="hub spoke1 spoke2"
		ex_set EX_FILE hub "$EX_DIR/ex$1-autovpn-$kind-hub.set"
		ex_set EX_FILE spoke1 "$EX_DIR/ex$1-autovpn-$kind-spoke1.set"
		ex_set EX_FILE spoke2 "$EX_DIR/ex$1-autovpn-$kind-spoke2.set"
		ex_set EX_SAE hub SAE_HUB
		ex_set EX_SAE spoke1 SAE_SPOKE1
		ex_set EX_SAE spoke2 SAE_SPOKE2
		ex_set EX_KME hub KME-A
		ex_set EX_KME spoke1 KME-B
		ex_set EX_KME spoke2 KME-B
		ex_set EX_HOST hub "host-hub 192.0.2.10/26 192.0.2.1"
		ex_set EX_HOST spoke1 "host-s1 192.0.2.138/26 192.0.2.129"
		ex_set EX_HOST spoke2 "host-s2 192.0.2.202/26 192.0.2.193"
		;;
	*) lab_say "no example $1"; return 1 ;;
	esac
	EX_QKD=0
	[ "$kind" = qkd ] && EX_QKD=1
	return 0
}

# ex_core: the namespace of the networks between the sites, its bridges.
ex_core() {
	EX_CORE=$(lab_netns core) || return 1
	ip -n "$EX_CORE" link add br-wan type bridge &&
	    ip -n "$EX_CORE" link set br-wan up &&
	    ip -n "$EX_CORE" link add br-kme type bridge &&
	    ip -n "$EX_CORE" link set br-kme up &&
	    ip -n "$EX_CORE" addr add "$EX_KME_A/24" dev br-kme &&
	    ip -n "$EX_CORE" addr add "$EX_KME_B/24" dev br-kme
}

# ex_port NS IF BRIDGE PEERNAME: NS's IF on a bridge of the core.
ex_port() {
	lab_link "$1" "$2" - "$EX_CORE" "$4" - &&
	    ip -n "$EX_CORE" link set "$4" master "$3"
}

# ex_wire G: G's namespace with its ports, and the host behind it.
ex_wire() {
	local g=$1 ns h
	ns=$(lab_netns "$g") || return 1
	ex_set EX_NS "$g" "$ns"
	ex_port "$ns" ge-0-0-0 br-wan "w-$g" || return 1
	if [ "$EX_QKD" = 1 ]; then
		ex_port "$ns" ge-0-0-2 br-kme "k-$g" || return 1
	fi
	# shellcheck disable=SC2046
	set -- $(ex_var EX_HOST "$g")
	h=$(lab_netns "$1") || return 1
	EX_HOSTS="${EX_HOSTS:+$EX_HOSTS }$h"
	ex_set EX_HOSTNS "$g" "$h"
	lab_link "$h" eth0 "$2" "$ns" ge-0-0-1 - &&
	    ip -n "$h" route add default via "$3"
}

# ex_kmes: the certificates (mkcerts.sh, with the KMEs' lab addresses) and
# kme-sim with KME-A and KME-B in the core namespace.
ex_kmes() {
	local g saes="" a="" b="" k
	for g in $EX_GWS; do
		saes="$saes $(ex_var EX_SAE "$g")"
		k=$(ex_var EX_KME "$g")
		if [ "$k" = KME-A ]; then
			a="${a:+$a,}$(ex_var EX_SAE "$g")"
		else
			b="${b:+$b,}$(ex_var EX_SAE "$g")"
		fi
	done
	EX_CERTS=$LAB_DIR/certs
	sh "$LAB_TOP/keymgr/kme_sim/mkcerts.sh" -k "KME-A KME-B" -s "${saes# }" \
	    -a "$EX_KME_A $EX_KME_B" "$EX_CERTS" >/dev/null 2>&1 ||
	    { lab_say "mkcerts.sh failed"; return 1; }
	EX_KME_ARGS="--kme KME-A=$EX_KME_A:443:$a --kme KME-B=$EX_KME_B:443:$b"
	ex_kme_start
}

# ex_kme_start: kme-sim (KME-A and KME-B) in the core namespace, its PID in
# EX_KME_PID; again after ex_kme_stop, as a KME that comes back (a new key
# pool: keys handed out before are gone, as after a real KME's restart).
# Main shell only (lab_spawn).
ex_kme_start() {
	# shellcheck disable=SC2086
	lab_spawn "$LAB_DIR/kme-sim.log" setsid ip netns exec "$EX_CORE" \
	    "$EX_BUILD/keymgr/kme_sim/kme-sim" --cert-dir "$EX_CERTS" \
	    $EX_KME_ARGS
	EX_KME_PID=$LAB_PID
	lab_poll 10 grep -q '^ready' "$LAB_DIR/kme-sim.log" ||
	    { lab_say "kme-sim did not start"; cat "$LAB_DIR/kme-sim.log" >&2; return 1; }
}

# ex_kme_stop: both KMEs gone (kme-sim stopped by its PID).
ex_kme_stop() {
	lab_kill "$EX_KME_PID"
}

# ex_pki G: what the QKD set files need before their commit, as the
# reference sample's notes say: the CA profile, then the CA certificate and
# G's SAE certificate loaded (operational commands, not set lines).
ex_pki() {
	local d=$LAB_DIR/$1 sae out
	sae=$(ex_var EX_SAE "$1")
	out=$(qs_cli "$d" "configure; set security pki ca-profile Root-CA ca-identity Root-CA; set security pki ca-profile Root-CA revocation-check disable; commit; exit; request security pki ca-certificate load ca-profile Root-CA filename $EX_CERTS/ca.pem; yes; request security pki local-certificate load certificate-id ${sae}_CERT filename $EX_CERTS/sae-$sae.pem key $EX_CERTS/sae-$sae.key" 2>&1)
	printf '%s\n' "$out" | grep -q 'commit complete' ||
	    { printf '%s\n' "$out" >&2; lab_say "$1: pki setup failed"; return 1; }
}

# ex_gateway G: G's appliance started in its namespace, its file committed.
ex_gateway() {
	local d=$LAB_DIR/$1
	qs_start "$(ex_var EX_NS "$1")" "$d" || return 1
	if [ "$EX_QKD" = 1 ]; then
		ex_pki "$1" || return 1
	fi
	qs_load "$d" "$(ex_var EX_FILE "$1")"
}

# ex_build N: example N, wired and committed.
ex_build() {
	local g
	EX_HOSTS=
	ex_topology "$1" && ex_core || return 1
	for g in $EX_GWS; do
		ex_wire "$g" || return 1
	done
	if [ "$EX_QKD" = 1 ]; then
		ex_kmes || return 1
	fi
	for g in $EX_GWS; do
		ex_gateway "$g" || return 1
	done
}

# ex_ike_up G N: true when G shows N IKE SAs UP with distinct peers.
ex_ike_up() {
	[ "$(qs_cli "$LAB_DIR/$1" "show security ike security-associations" \
	    2>/dev/null | awk '$2 == "UP" { print $NF }' | sort -u | wc -l)" \
	    -ge "$2" ]
}

# ex_ipsec_up G: true when G has an inbound and an outbound IPsec SA.
ex_ipsec_up() {
	local out
	out=$(qs_cli "$LAB_DIR/$1" "show security ipsec security-associations" \
	    2>/dev/null)
	printf '%s\n' "$out" | grep -q '^ *<[0-9]' &&
	    printf '%s\n' "$out" | grep -q '^ *>[0-9]'
}

# ex_km_stat G FIELD: FIELD (Received, Success, Failed...) of G's
# km_profile_1 in `show security key-manager profiles detail`.
ex_km_stat() {
	qs_cli "$LAB_DIR/$1" "show security key-manager profiles name km_profile_1 detail" \
	    2>/dev/null | awk -v f="$2:" '$1 == f { print $2; exit }'
}

# ex_ppk_ids G: the PPK_IDs of the IKE SAs G established, oldest first
# (iked's log: "established with A (PPK used), PPK_ID K").
ex_ppk_ids() {
	sed -n 's/.* established with .* (PPK used), PPK_ID \(.*\)$/\1/p' \
	    "$LAB_DIR/$1/iked.log" 2>/dev/null
}

# ex_km_active G: true when G's km_profile_1 is Active (its KME answered).
ex_km_active() {
	qs_cli "$LAB_DIR/$1" "show security key-manager profiles" 2>/dev/null |
	    grep -q '^km_profile_1 .* Active '
}
