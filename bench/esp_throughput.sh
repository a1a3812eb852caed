#!/bin/bash
# esp_throughput.sh: the userspace ESP dataplane's speed in the manual-SA
# lab (tests/lab/dp_lab.sh, AES-GCM-128) against the bare veth between the
# two appliances and against strongSwan's kernel-libipsec (charon on
# gateways of a lab of the same shape: ESP in UDP 4500, AES-GCM-128, PSK),
# all up at once.  The machine is shared, so every throughput is taken
# ROUNDS times, interleaved (bare, qsafe, strongSwan, bare, ...), and
# printed as median (min-max) with the ratios of the medians; then the ping
# round trip (200 pings each, average and minimum); then the appliances
# restarted without TUN offloads and with them, alternately; then N SAs.
# Prints only figures of steps that succeeded; any failed step fails the
# run (exit 1).  Root.
#
#   bench/esp_throughput.sh [SECONDS [ROUNDS]]   (QSAFE_BUILD_DIR: the build)
#   BENCH_SWAN=0: no strongSwan
#   BENCH_PLAIN=0: no transfers without TUN offloads (QSAFE_DP_OFFLOAD=0:
#     one read and one write per packet, as before iked/dp_gso.c)
#   BENCH_SAS=N: N-1 more manual VPNs (st0.1 .., their own SPIs and keys)
#     committed on both appliances, the transfer through st0.0 again: N SAs
#     installed each way (default 1000; 1: skip)
#   BENCH_LINGERS="US ...": the appliances restarted with each
#     QSAFE_DP_LINGER_US (iked/dp_us_wait.c) and 200 pings through the
#     tunnel again, with the CPU both iked used for them (default "0":
#     packet threads that sleep at once; "": skip)
set -u
SECS=${1:-5}
ROUNDS=${2:-3}
TOP=$(cd "$(dirname "$0")/.." && pwd)
export QSAFE_TOP=$TOP QSAFE_BUILD_DIR=${QSAFE_BUILD_DIR:-$TOP/build}
[ "$(id -u)" = 0 ] || { echo "esp_throughput: needs root" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "esp_throughput: no iperf3" >&2; exit 1; }
. "$TOP/tests/lab/lib.sh"
. "$TOP/tests/lab/dp_lab.sh"
lab_init dp2b
die() { echo "esp_throughput: FAILED: $*" >&2; exit 1; }

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
# rtt NS ADDR: "AVG MIN" ping round trip in microseconds (200 pings).
rtt() {
	ip netns exec "$1" ping -c 200 -i 0.01 -q "$2" 2>/dev/null |
	    sed -n 's|.*= \([0-9.]*\)/\([0-9.]*\)/.*|\2 \1|p' |
	    awk '$1 > 0 { printf "%.0f %.0f\n", $1 * 1000, $2 * 1000 }' | grep .
}
# med V...: "median (min-max)"; medv V...: the median alone.
medv() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
med() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
	    END { printf "%6d (%d-%d)", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

dp_lab_up 000102030405060708090a0b0c0d0e0f10111213 || die "lab"
through() { ip netns exec "$HA" ping -c 1 -W 1 -q 198.51.100.66 >/dev/null 2>&1; }
lab_poll 20 through || die "no ping through the tunnel"

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
swan_through() { ip netns exec "$SHA" ping -c 1 -W 1 -q 198.51.100.66 >/dev/null 2>&1; }
SWAN=${BENCH_SWAN:-1}
if [ "$SWAN" != 0 ]; then
	swan_lab || die "the strongSwan lab"
	lab_poll 20 swan_through || die "no ping through strongSwan's tunnel"
fi

bare=() tun=() swan=()
for r in $(seq "$ROUNDS"); do
	bare+=("$(iperf "$B" "$A" 192.0.2.2)") || die "iperf3 over the bare veth"
	tun+=("$(iperf "$HB" "$HA" 198.51.100.66)") || die "iperf3 through the tunnel"
	[ "$SWAN" = 0 ] ||
	    swan+=("$(iperf "$SHB" "$SHA" 198.51.100.66)") || die "iperf3 through strongSwan"
done
read -r rb_avg rb_min <<<"$(rtt "$A" 192.0.2.2)"
[ -n "$rb_min" ] || die "ping over the bare veth"
read -r rt_avg rt_min <<<"$(rtt "$HA" 198.51.100.66)"
[ -n "$rt_min" ] || die "ping through the tunnel"
if [ "$SWAN" != 0 ]; then
	read -r rs_avg rs_min <<<"$(rtt "$SHA" 198.51.100.66)"
	[ -n "$rs_min" ] || die "ping through strongSwan"
fi
stats=$(qs_cli "$LAB_DIR/A" "show security ipsec statistics") || die "statistics"

# The appliances restarted without TUN offloads, then with them, in turn.
restart() {	# restart OFFLOAD [LINGER]: both appliances, their configuration
	qs_stop "$LAB_DIR/A" && qs_stop "$LAB_DIR/B" || return 1
	QSAFE_DP_OFFLOAD=$1 QSAFE_DP_LINGER_US=${2:-} qs_start "$A" "$LAB_DIR/A" &&
	    QSAFE_DP_OFFLOAD=$1 QSAFE_DP_LINGER_US=${2:-} qs_start "$B" "$LAB_DIR/B" ||
	    return 1
	lab_poll 30 through
}
# cpu_ns: on-CPU nanoseconds of both appliances' iked processes so far.
cpu_ns() {
	local p f t=0
	for p in $(pgrep -x iked); do
		tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" |
		    grep -q -- "--state-dir $LAB_DIR/[AB] " || continue
		for f in /proc/"$p"/task/*/schedstat; do
			t=$((t + $(cut -d' ' -f1 "$f" 2>/dev/null || echo 0)))
		done
	done
	echo "$t"
}
# The ping again per packet-thread linger, then the default restored.
lingers=()
if [ -n "${BENCH_LINGERS-0}" ]; then
	for l in ${BENCH_LINGERS-0} ""; do
		restart 1 "$l" || die "restart with QSAFE_DP_LINGER_US=$l"
		c0=$(cpu_ns)
		read -r la lm <<<"$(rtt "$HA" 198.51.100.66)"
		[ -n "$lm" ] || die "ping with QSAFE_DP_LINGER_US=$l"
		c1=$(cpu_ns)
		lingers+=("${l:-default} $la $lm $(((c1 - c0) / 200000))")
	done
fi
plain=() off=()
if [ "${BENCH_PLAIN:-1}" != 0 ]; then
	for r in $(seq "$ROUNDS"); do
		restart 0 || die "restart without offloads"
		plain+=("$(iperf "$HB" "$HA" 198.51.100.66)") || die "iperf3 without offloads"
		restart 1 || die "restart with offloads"
		off+=("$(iperf "$HB" "$HA" 198.51.100.66)") || die "iperf3 with offloads"
	done
fi

# N SAs: the per-packet lookup is a hash (O(1)); the transfer through one
# of them must not slow down.  Compared with transfers right before.
SAS=${BENCH_SAS:-1000}
many=() one=()
if [ "$SAS" -gt 1 ]; then
	for r in $(seq "$ROUNDS"); do
		one+=("$(iperf "$HB" "$HA" 198.51.100.66)") || die "iperf3, one SA"
	done
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
	for r in $(seq "$ROUNDS"); do
		many+=("$(iperf "$HB" "$HA" 198.51.100.66)") || die "iperf3 with $SAS SAs"
	done
	read -r rm_avg rm_min <<<"$(rtt "$HA" 198.51.100.66)"
	[ -n "$rm_min" ] || die "ping with $SAS SAs"
fi

echo "userspace ESP dataplane, manual SA aes-128-gcm, iperf3 TCP ${SECS}s," \
    "Mbit/s median (min-max) of $ROUNDS interleaved rounds"
printf '  bare veth:              %s\n' "$(med "${bare[@]}")"
printf '  qsafe tunnel:           %s\n' "$(med "${tun[@]}")"
printf '  qsafe / bare:           %s\n' "$(ratio "$(medv "${tun[@]}")" "$(medv "${bare[@]}")")"
if [ "$SWAN" != 0 ]; then
	printf '  strongSwan tunnel:      %s (kernel-libipsec, ESP in UDP)\n' "$(med "${swan[@]}")"
	printf '  qsafe / strongSwan:     %s\n' "$(ratio "$(medv "${tun[@]}")" "$(medv "${swan[@]}")")"
fi
printf '  ping RTT bare:          %6s us avg, %s min\n' "$rb_avg" "$rb_min"
printf '  ping RTT qsafe:         %6s us avg, %s min (+%d avg, +%d min)\n' \
    "$rt_avg" "$rt_min" $((rt_avg - rb_avg)) $((rt_min - rb_min))
[ "$SWAN" = 0 ] ||
    printf '  ping RTT strongSwan:    %6s us avg, %s min (+%d avg, +%d min)\n' \
	"$rs_avg" "$rs_min" $((rs_avg - rb_avg)) $((rs_min - rb_min))
for x in "${lingers[@]}"; do
	read -r l la lm lc <<<"$x"
	printf '  ping RTT qsafe, linger %s: %6s us avg, %s min; iked CPU %d us a ping\n' \
	    "$l" "$la" "$lm" "$lc"
done
if [ ${#plain[@]} -gt 0 ]; then
	printf '  restarted, no offloads: %s (QSAFE_DP_OFFLOAD=0)\n' "$(med "${plain[@]}")"
	printf '  restarted, offloads:    %s\n' "$(med "${off[@]}")"
	printf '  offloads / none:        %s\n' "$(ratio "$(medv "${off[@]}")" "$(medv "${plain[@]}")")"
fi
if [ ${#many[@]} -gt 0 ]; then
	printf '  1 SA each way:          %s\n' "$(med "${one[@]}")"
	printf '  %d SAs each way:      %s (committed, installed on both in %d ms)\n' \
	    "$SAS" "$(med "${many[@]}")" $(((t1 - t0) / 1000))
	printf '  %d SAs / 1 SA:        %s\n' "$SAS" "$(ratio "$(medv "${many[@]}")" "$(medv "${one[@]}")")"
	printf '  ping RTT, %d SAs:     %6s us avg, %s min\n' "$SAS" "$rm_avg" "$rm_min"
fi
printf '%s\n' "$stats" | grep -E "Encrypted|Decrypted|failures|Discarded"
