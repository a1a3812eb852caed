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
#   qsafe            n/a until the dataplane carries traffic (a function
#                    per side, as in ike_setup.sh, goes here).
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
	*) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
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

echo "ESP throughput: iperf3 TCP $T s, one stream; CHILD AES-GCM-128 in UDP 4500 (kernel-libipsec)"
printf '%-18s %12s %14s %14s %8s\n' figure "bare veth" strongSwan qsafe ratio
printf '%-18s %12s %14s %14s %8s\n' "TCP Mbit/s" "$V_MBIT" "$S_MBIT" n/a n/a
printf '%-18s %12s %14s %14s %8s\n' "ping RTT µs" "$V_RTT" "$S_RTT" n/a n/a
