#!/bin/bash
# esp_throughput.sh: the userspace ESP dataplane's speed in the manual-SA
# lab (tests/lab/dp_lab.sh, AES-GCM-128): iperf3 TCP host to host through
# the tunnel against the bare veth between the two appliances, and the
# ping round trip of both.  Prints only figures of steps that succeeded;
# any failed step fails the run (exit 1).  Root.
#
#   bench/esp_throughput.sh [SECONDS]     (QSAFE_BUILD_DIR: the build)
set -u
SECS=${1:-5}
TOP=$(cd "$(dirname "$0")/.." && pwd)
export QSAFE_TOP=$TOP QSAFE_BUILD_DIR=${QSAFE_BUILD_DIR:-$TOP/build}
[ "$(id -u)" = 0 ] || { echo "esp_throughput: needs root" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "esp_throughput: no iperf3" >&2; exit 1; }
. "$TOP/tests/lab/lib.sh"
. "$TOP/tests/lab/dp_lab.sh"
lab_init dpb
die() { echo "esp_throughput: FAILED: $*" >&2; exit 1; }

dp_lab_up 000102030405060708090a0b0c0d0e0f10111213 || die "lab"
through() { ip netns exec "$HA" ping -c 1 -W 1 -q 198.51.100.66 >/dev/null 2>&1; }
lab_poll 20 through || die "no ping through the tunnel"

# iperf NS_SERVER NS_CLIENT ADDR: Mbit/s received, TCP, SECS seconds.
iperf() {
	local out
	lab_spawn "$LAB_DIR/iperf-s.log" ip netns exec "$1" iperf3 -s -1 -B "$3"
	local pid=$LAB_PID
	up() { ip netns exec "$1" ss -ltn | grep -q ":5201 "; }
	lab_poll 5 up "$1" || { lab_kill "$pid"; return 1; }
	out=$(ip netns exec "$2" iperf3 -c "$3" -t "$SECS" -J 2>&1) ||
	    { lab_kill "$pid"; return 1; }
	lab_kill "$pid"
	printf '%s' "$out" | python3 -c 'import json,sys
print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))'
}
# rtt NS ADDR: the average ping round trip in microseconds (200 pings).
rtt() {
	ip netns exec "$1" ping -c 200 -i 0.01 -q "$2" 2>/dev/null |
	    sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p' |
	    awk '$1 > 0 { printf "%.0f\n", $1 * 1000 }' | grep .
}

bare=$(iperf "$B" "$A" 192.0.2.2) || die "iperf3 over the bare veth"
tun=$(iperf "$HB" "$HA" 198.51.100.66) || die "iperf3 through the tunnel"
rtt_bare=$(rtt "$A" 192.0.2.2) || die "ping over the bare veth"
rtt_tun=$(rtt "$HA" 198.51.100.66) || die "ping through the tunnel"
stats=$(qs_cli "$LAB_DIR/A" "show security ipsec statistics") || die "statistics"

echo "userspace ESP dataplane, manual SA aes-128-gcm, iperf3 TCP ${SECS}s"
printf '  bare veth:            %8s Mbit/s\n' "$bare"
printf '  through the tunnel:   %8s Mbit/s\n' "$tun"
awk -v t="$tun" -v b="$bare" 'BEGIN { printf "  tunnel / bare:        %8.3f\n", t / b }'
printf '  ping RTT bare:        %8s us\n' "$rtt_bare"
printf '  ping RTT tunnel:      %8s us (+%d us)\n' "$rtt_tun" $((rtt_tun - rtt_bare))
printf '%s\n' "$stats" | grep -E "Encrypted|Decrypted|failures|Discarded"
