#!/bin/bash
# esp_throughput_swan.sh: ESP throughput and round trip through a strongSwan
# tunnel against the bare veth, in the lab (tests/lab/lib.sh lab_topo):
#
#   ha -- [gwa] ==== [gwb] -- hb
#
#   bench/esp_throughput_swan.sh [-t SECONDS]     (root; default 5)
#
#   bare veth        iperf3 TCP gwa -> gwb over the outer link, no tunnel;
#                    ping round trip gwa -> gwb
#   strongSwan       iperf3 TCP ha -> hb through the tunnel (PSK,
#                    AES-CBC-256/HMAC-SHA2-256/Curve25519, CHILD AES-GCM-128,
#                    kernel-libipsec on both: ESP in UDP 4500); ping ha -> hb.
#                    The bytes gwb's CHILD SA took in are checked against
#                    what iperf3 moved, so the figure is the tunnel's.
#   qsafe            the same through a tunnel two qsafe appliances
#                    negotiate (same proposals; iked's userspace
#                    dataplane; no NAT between them, so plain ESP), after
#                    the charons are stopped, in the same namespaces; the
#                    bytes B decrypted (show security ipsec statistics)
#                    are checked against what iperf3 moved.
#
# iperf3's figure is the receiver's (end.sum_received).  Stops at the first
# failing step and says which; prints figures only for steps that passed.
set -u
[ "$(id -u)" = 0 ] || { echo "esp_throughput: needs root (network namespaces)" >&2; exit 1; }
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lab/lib.sh"

T=5
while [ $# -gt 0 ]; do
	case $1 in
	-t) T=$2; shift 2 ;;
	*) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
command -v iperf3 >/dev/null || { echo "esp_throughput: no iperf3" >&2; exit 1; }
die() { echo "esp_throughput: FAILED at: $*" >&2; exit 1; }

# iperf_run SERVER_NS SERVER_ADDR CLIENT_NS: Mbit/s received, TCP, T s.
iperf_run() {
	local log=$LAB_DIR/iperf-$1.log json
	lab_spawn "$log" ip netns exec "$1" iperf3 -s -1 -B "$2"
	lab_poll 5 eval "ip netns exec '$1' ss -ltn | grep -q '$2:5201'" ||
	    { cat "$log" >&2; return 1; }
	json=$(ip netns exec "$3" iperf3 -c "$2" -t "$T" -J) ||
	    { printf '%s\n' "$json" | tail -5 >&2; return 1; }
	printf '%s\n' "$json" | python3 -c '
import json, sys
e = json.load(sys.stdin)["end"]
print("%.0f %d" % (e["sum_received"]["bits_per_second"] / 1e6,
                   e["sum_received"]["bytes"]))'
}
# rtt NS ADDR: average ping round trip in µs (200 pings, 10 ms apart)
rtt() {
	ip netns exec "$1" ping -q -c 200 -i 0.01 "$2" |
	    awk -F/ '/^rtt/ {printf "%.0f", $5 * 1000}'
}

lab_init bench
lab_topo || die "namespaces and links"

# the bare veth
set -- $(iperf_run "$LAB_GB" 192.0.2.2 "$LAB_GA") || die "iperf3 over the bare veth"
V_MBIT=$1
V_RTT=$(rtt "$LAB_GA" 192.0.2.2)
[ -n "$V_RTT" ] || die "ping over the bare veth"

# strongSwan's tunnel
A=$LAB_DIR/gwa B=$LAB_DIR/gwb
swan_start "$LAB_GA" "$A" log=0 && swan_start "$LAB_GB" "$B" log=0 ||
    die "charon start"
swan_conf_psk name=t local=192.0.2.1 remote=192.0.2.2 psk=bench-psk-0123456789 \
    lts=10.1.0.0/24 rts=10.2.0.0/24 >"$A/swanctl.conf"
swan_conf_psk name=t local=192.0.2.2 remote=192.0.2.1 psk=bench-psk-0123456789 \
    lts=10.2.0.0/24 rts=10.1.0.0/24 >"$B/swanctl.conf"
swan_load "$A" "$A/swanctl.conf" && swan_load "$B" "$B/swanctl.conf" ||
    die "swanctl --load-all"
swan_initiate "$A" t
swan_wait_sa "$A" t INSTALLED 10 && swan_wait_sa "$B" t INSTALLED 5 ||
    die "the tunnel coming up"
lab_poll 5 ip netns exec "$LAB_HA" ping -c 1 -W 1 10.2.0.2 >/dev/null ||
    die "ping ha -> hb through the tunnel"
set -- $(iperf_run "$LAB_HB" 10.2.0.2 "$LAB_HA") || die "iperf3 through the tunnel"
S_MBIT=$1 S_BYTES=$2
in=$(swan_ctl "$B" --list-sas --ike t | sed -n 's/^ *in  [^,]*, *\([0-9]*\) bytes.*/\1/p')
[ "${in:-0}" -ge "$S_BYTES" ] ||
    die "gwb's CHILD SA took in ${in:-0} bytes, iperf3 moved $S_BYTES: not through the tunnel"
S_RTT=$(rtt "$LAB_HA" 10.2.0.2)
[ -n "$S_RTT" ] || die "ping through the tunnel"

# qsafe's negotiated tunnel: the charons go, two appliances come
swan_stop "$A" && swan_stop "$B" || die "charon stop"
qs_side() { # NS DIR ME PEER MYNET PEERNET ST0 INITIATE
	local ns=$1 i
	for i in 0 1; do
		ip -n "$ns" link set eth$i down && ip -n "$ns" link set eth$i name ge-0-0-$i &&
		    ip -n "$ns" link set ge-0-0-$i up || return 1
	done
	qs_start "$ns" "$2" || return 1
	{
	cat <<-END
	set interfaces ge-0/0/0 unit 0 family inet address $3/24
	set interfaces ge-0/0/1 unit 0 family inet address $5
	set interfaces st0 unit 0 family inet address $7/30
	set routing-options static route $6 next-hop st0.0
	set security zones security-zone untrust interfaces ge-0/0/0.0 host-inbound-traffic system-services all
	set security zones security-zone trust interfaces ge-0/0/1.0 host-inbound-traffic system-services all
	set security zones security-zone vpn interfaces st0.0 host-inbound-traffic system-services all
	set security policies default-policy permit-all
	set security ike proposal P authentication-method pre-shared-keys
	set security ike proposal P dh-group group31
	set security ike proposal P authentication-algorithm sha-256
	set security ike proposal P encryption-algorithm aes-256-cbc
	set security ike policy POL proposals P
	set security ike policy POL pre-shared-key ascii-text bench-psk-0123456789
	set security ike gateway G ike-policy POL
	set security ike gateway G address $4
	set security ike gateway G external-interface ge-0/0/0.0
	set security ike gateway G version v2-only
	set security ipsec proposal E protocol esp
	set security ipsec proposal E encryption-algorithm aes-128-gcm
	set security ipsec policy EP proposals E
	set security ipsec vpn V bind-interface st0.0
	set security ipsec vpn V ike gateway G
	set security ipsec vpn V ike ipsec-policy EP
	END
	[ "$8" = yes ] && echo "set security ipsec vpn V establish-tunnels immediately"
	} >"$2.set"
	qs_load "$2" "$2.set"
}
QA=$LAB_DIR/qa QB=$LAB_DIR/qb
qs_side "$LAB_GB" "$QB" 192.0.2.2 192.0.2.1 10.2.0.1/24 10.1.0.0/24 169.254.99.2 no &&
qs_side "$LAB_GA" "$QA" 192.0.2.1 192.0.2.2 10.1.0.1/24 10.2.0.0/24 169.254.99.1 yes ||
    die "qsafe appliances"
lab_poll 20 eval "qs_cli '$QA' 'show security ipsec security-associations' | grep -q '>500001'" ||
    die "qsafe's tunnel coming up"
lab_poll 10 ip netns exec "$LAB_HA" ping -c 1 -W 1 10.2.0.2 >/dev/null ||
    die "ping ha -> hb through qsafe's tunnel"
qs_decrypted() {
	qs_cli "$QB" "show security ipsec statistics" |
	    sed -n 's/^ *Decrypted bytes: *\([0-9]*\)/\1/p' | head -1
}
d0=$(qs_decrypted)
set -- $(iperf_run "$LAB_HB" 10.2.0.2 "$LAB_HA") || die "iperf3 through qsafe's tunnel"
Q_MBIT=$1 Q_BYTES=$2
d1=$(qs_decrypted)
[ $((${d1:-0} - ${d0:-0})) -ge "$Q_BYTES" ] ||
    die "qsafe B decrypted $((${d1:-0} - ${d0:-0})) bytes, iperf3 moved $Q_BYTES: not through the tunnel"
Q_RTT=$(rtt "$LAB_HA" 10.2.0.2)
[ -n "$Q_RTT" ] || die "ping through qsafe's tunnel"

# ratio: qsafe / strongSwan for throughput, strongSwan / qsafe for the
# round trip (higher is better for qsafe in both rows)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}'; }
echo "ESP throughput: iperf3 TCP $T s, one stream; CHILD AES-GCM-128; strongSwan: in UDP 4500 (kernel-libipsec); qsafe: plain ESP (userspace dataplane)"
printf '%-18s %12s %14s %14s %8s\n' figure "bare veth" strongSwan qsafe ratio
printf '%-18s %12s %14s %14s %8s\n' "TCP Mbit/s" "$V_MBIT" "$S_MBIT" "$Q_MBIT" "$(ratio "$Q_MBIT" "$S_MBIT")"
printf '%-18s %12s %14s %14s %8s\n' "ping RTT µs" "$V_RTT" "$S_RTT" "$Q_RTT" "$(ratio "$S_RTT" "$Q_RTT")"
