#!/bin/bash
# esp_throughput.sh: the userspace ESP dataplane's speed in the manual-SA
# lab (tests/lab/dp_lab.sh, AES-GCM-128): iperf3 TCP host to host through
# the tunnel against the bare veth between the two appliances, and the
# ping round trip of both; then, in the same run, the same shape of lab
# with strongSwan (charon, kernel-libipsec: ESP in UDP 4500, AES-GCM-128,
# PSK) on the gateways, printed side by side with the ratio
# qsafe/strongSwan.  Prints only figures of steps that succeeded; any
# failed step fails the run (exit 1).  Root.
#
#   bench/esp_throughput.sh [SECONDS]     (QSAFE_BUILD_DIR: the build)
#   QSAFE_DP_OFFLOAD=0: iked's TUN devices without offloads (dp_gso.h)
#   BENCH_SWAN=0: no strongSwan part
#   BENCH_SAS=N: after the first figures, N-1 more manual VPNs (st0.1 ..,
#     their own SPIs and keys) committed on both appliances, and the same
#     transfer through st0.0 again: N SAs installed each way (default 1000;
#     1: skip)
set -u
SECS=${1:-5}
TOP=$(cd "$(dirname "$0")/.." && pwd)
export QSAFE_TOP=$TOP QSAFE_BUILD_DIR=${QSAFE_BUILD_DIR:-$TOP/build}
[ "$(id -u)" = 0 ] || { echo "esp_throughput: needs root" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "esp_throughput: no iperf3" >&2; exit 1; }
. "$TOP/tests/lab/lib.sh"
. "$TOP/tests/lab/dp_lab.sh"
lab_init dp2b
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

# N SAs: the per-packet lookup is a hash (O(1)); the transfer through one
# of them must not slow down.
SAS=${BENCH_SAS:-1000}
many=
if [ "$SAS" -gt 1 ]; then
	for i in $(seq 1 $((SAS - 1))); do
		v=v$((i + 1))
		printf '%s\n' "set interfaces st0 unit $i family inet" \
		    "set security ipsec vpn $v bind-interface st0.$i" \
		    "set security ipsec vpn $v manual gateway GW" \
		    "set security ipsec vpn $v manual protocol esp" \
		    "set security ipsec vpn $v manual spi $((10000 + i))" \
		    "set security ipsec vpn $v manual encryption algorithm aes-128-gcm" \
		    "set security ipsec vpn $v manual encryption key hexadecimal $(printf %040x $i)"
	done >"$LAB_DIR/many.set"
	sed s/GW/192.0.2.2/ "$LAB_DIR/many.set" >"$LAB_DIR/many-a.set"
	sed s/GW/192.0.2.1/ "$LAB_DIR/many.set" >"$LAB_DIR/many-b.set"
	t0=$(lab_now_us)
	qs_load "$LAB_DIR/A" "$LAB_DIR/many-a.set" &&
	    qs_load "$LAB_DIR/B" "$LAB_DIR/many-b.set" || die "$SAS VPNs do not commit"
	devs() { [ "$(ip -n "$1" -o link show | grep -c ' st0\.')" -ge "$SAS" ]; }
	lab_poll 60 devs "$A" && lab_poll 60 devs "$B" || die "$SAS st0 devices"
	lab_poll 20 through || die "no ping through st0.0 with $SAS SAs"
	t1=$(lab_now_us)
	many=$(iperf "$HB" "$HA" 198.51.100.66) || die "iperf3 with $SAS SAs"
	rtt_many=$(rtt "$HA" 198.51.100.66) || die "ping with $SAS SAs"
fi
qs_stop "$LAB_DIR/A"; qs_stop "$LAB_DIR/B"	# their CPU back for the next part

# strongSwan, kernel-libipsec, in four namespaces of the same shape.
swan_lab() {
	SA=$(lab_netns sa) && SB=$(lab_netns sb) && SHA=$(lab_netns sha) &&
	    SHB=$(lab_netns shb) || return 1
	lab_link "$SHA" eth0 198.51.100.2/26 "$SA" eth1 198.51.100.1/26 &&
	lab_link "$SA" eth0 192.0.2.1/24 "$SB" eth0 192.0.2.2/24 &&
	lab_link "$SB" eth1 198.51.100.65/26 "$SHB" eth0 198.51.100.66/26 &&
	lab_route "$SHA" default 198.51.100.1 &&
	lab_route "$SHB" default 198.51.100.65 &&
	lab_forward "$SA" && lab_forward "$SB" || return 1
	swan_start "$SA" "$LAB_DIR/sa" log=-1 &&
	    swan_start "$SB" "$LAB_DIR/sb" log=-1 || return 1
	swan_conf_psk name=b local=192.0.2.1 remote=192.0.2.2 \
	    lts=198.51.100.0/26 rts=198.51.100.64/26 psk=bench-psk-0123456789 \
	    >"$LAB_DIR/sa.conf" &&
	swan_conf_psk name=b local=192.0.2.2 remote=192.0.2.1 \
	    lts=198.51.100.64/26 rts=198.51.100.0/26 psk=bench-psk-0123456789 \
	    >"$LAB_DIR/sb.conf" &&
	swan_load "$LAB_DIR/sa" "$LAB_DIR/sa.conf" &&
	swan_load "$LAB_DIR/sb" "$LAB_DIR/sb.conf" || return 1
	swan_initiate "$LAB_DIR/sa" b
	swan_wait_sa "$LAB_DIR/sa" b INSTALLED 15
}
swan=
if [ "${BENCH_SWAN:-1}" != 0 ]; then
	swan_lab || die "the strongSwan lab"
	swan_through() { ip netns exec "$SHA" ping -c 1 -W 1 -q 198.51.100.66 >/dev/null 2>&1; }
	lab_poll 20 swan_through || die "no ping through strongSwan's tunnel"
	swan=$(iperf "$SHB" "$SHA" 198.51.100.66) || die "iperf3 through strongSwan"
	rtt_swan=$(rtt "$SHA" 198.51.100.66) || die "ping through strongSwan"
fi

echo "userspace ESP dataplane, manual SA aes-128-gcm, iperf3 TCP ${SECS}s," \
    "TUN offloads ${QSAFE_DP_OFFLOAD:-1}"
printf '  bare veth:            %8s Mbit/s\n' "$bare"
printf '  through the tunnel:   %8s Mbit/s\n' "$tun"
awk -v t="$tun" -v b="$bare" 'BEGIN { printf "  tunnel / bare:        %8.3f\n", t / b }'
printf '  ping RTT bare:        %8s us\n' "$rtt_bare"
printf '  ping RTT tunnel:      %8s us (+%d us)\n' "$rtt_tun" $((rtt_tun - rtt_bare))
if [ -n "$many" ]; then
	printf '  with %d SAs each way: %7s Mbit/s (installed on both in %d ms)\n' \
	    "$SAS" "$many" $(((t1 - t0) / 1000))
	awk -v m="$many" -v t="$tun" -v n="$SAS" \
	    'BEGIN { printf "  %d SAs / 1 SA:       %8.2f\n", n, m / t }'
	printf '  ping RTT, %d SAs:   %8s us\n' "$SAS" "$rtt_many"
fi
if [ -n "$swan" ]; then
	printf '  strongSwan tunnel:    %8s Mbit/s (kernel-libipsec, ESP in UDP)\n' "$swan"
	awk -v t="$tun" -v s="$swan" 'BEGIN { printf "  qsafe / strongSwan:   %8.2f\n", t / s }'
	printf '  ping RTT strongSwan:  %8s us (+%d us)\n' "$rtt_swan" $((rtt_swan - rtt_bare))
fi
printf '%s\n' "$stats" | grep -E "Encrypted|Decrypted|failures|Discarded"
