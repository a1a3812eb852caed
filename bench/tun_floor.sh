#!/bin/bash
# tun_floor.sh: the ping round trip host to host through iked's userspace
# ESP tunnel beside the floor of any userspace TUN dataplane on this
# machine (bench/tun_floor.c: one thread, epoll, read and send, no crypto
# or AES-GCM with one keyed context), the bare veth between the gateways
# and the same hosts routed by the kernel alone (no tunnel).  Issue 11's
# target: the tunnel within 100 us of the bare veth; if the floor is not,
# no userspace dataplane meets it here.
#
# Two labs of the shape of tests/lab/dp_lab.sh (same addresses):
#   qsafe: HA -- [A] ==== [B] -- HB, the manual SA over st0.0 (dp_lab.sh)
#   floor: FHA -- [FA] ==== [FB] -- FHB, FA and FB route the other host's
#     /26 via the other gateway (metric 100: "routed"), and while a
#     forwarder runs, into its TUN device dpf0 (metric 10)
# Each round pings every path in turn (COUNT pings, each interval of
# BENCH_INTERVALS), so that the ratios compare like with like on a shared
# machine; a forwarder runs only while it is measured.  Per path and
# round: min, median and average in us, lost pings, and for the gateways'
# processes (both forwarders; both appliances' iked) the on-CPU time and
# minor page faults per ping.  Then per path and interval the minimum of
# the minima, the median of the medians and their distance to the bare
# veth.  Prints only figures of steps that succeeded; a failed step fails
# the run (exit 1).  Root.
#
#   bench/tun_floor.sh [COUNT [ROUNDS]]    (default 200 3)
#   BENCH_INTERVALS="0.2 0.01" (s between pings)
#   BENCH_FLOORS="plain gcm": the forwarder variants measured; a variant is
#     a name and tun_floor's options joined by ":" (two:-2 runs one thread
#     per direction as iked; pages64:-t:64 touches 64 more pages a packet)
#   BENCH_QSAFE="qsafe": the qsafe variants measured; NAME:VAR=VAL,... has
#     both appliances restarted with those variables before it is measured
#     (e.g. "old:QSAFE_DP_IDLE_MS=0 new:QSAFE_DP_IDLE_MS=100")
set -u
COUNT=${1:-200}
ROUNDS=${2:-3}
TOP=$(cd "$(dirname "$0")/.." && pwd)
export QSAFE_TOP=$TOP QSAFE_BUILD_DIR=${QSAFE_BUILD_DIR:-$TOP/build}
FLOOR=$QSAFE_BUILD_DIR/bench/tun_floor
[ "$(id -u)" = 0 ] || { echo "tun_floor: needs root" >&2; exit 1; }
[ -x "$FLOOR" ] || { echo "tun_floor: no $FLOOR (ninja -C build)" >&2; exit 1; }
. "$TOP/tests/lab/lib.sh"
. "$TOP/tests/lab/dp_lab.sh"
lab_init dpf
die() { echo "tun_floor: FAILED: $*" >&2; exit 1; }
INTERVALS=${BENCH_INTERVALS:-0.2 0.01}
FLOORS=${BENCH_FLOORS:-plain gcm:-g}
QSAFES=${BENCH_QSAFE:-qsafe}
HOSTB=198.51.100.66

dp_lab_up 000102030405060708090a0b0c0d0e0f10111213 || die "the qsafe lab"
through() { ip netns exec "$1" ping -c 1 -W 1 -q "$2" >/dev/null 2>&1; }
lab_poll 20 through "$HA" "$HOSTB" || die "no ping through the qsafe tunnel"

FA=$(lab_netns fa) && FB=$(lab_netns fb) && FHA=$(lab_netns fha) &&
    FHB=$(lab_netns fhb) || die "namespaces"
lab_link "$FA" ge-0-0-0 192.0.2.1/24 "$FB" ge-0-0-0 192.0.2.2/24 &&
    lab_link "$FA" ge-0-0-1 198.51.100.1/26 "$FHA" eth0 198.51.100.2/26 &&
    lab_link "$FB" ge-0-0-1 198.51.100.65/26 "$FHB" eth0 $HOSTB/26 &&
    lab_route "$FHA" default 198.51.100.1 &&
    lab_route "$FHB" default 198.51.100.65 &&
    ip -n "$FA" route add 198.51.100.64/26 via 192.0.2.2 metric 100 &&
    ip -n "$FB" route add 198.51.100.0/26 via 192.0.2.1 metric 100 &&
    lab_forward "$FA" && lab_forward "$FB" || die "the floor lab"

# warm NS: 20 quick pings from NS, not measured: a process just started
# faults its pages in with its first packets
warm() {
	ip netns exec "$1" ping -c 20 -i 0.01 -q "$HOSTB" >/dev/null 2>&1
}
NFLOOR=0
# floor_up OPTS...: a forwarder on each floor gateway, its route on;
# FPIDS holds their PIDs.
floor_up() {
	local ns me peer net p
	FPIDS=()
	for ns in "$FA" "$FB"; do
		if [ "$ns" = "$FA" ]; then
			me=192.0.2.1 peer=192.0.2.2 net=198.51.100.64/26
		else
			me=192.0.2.2 peer=192.0.2.1 net=198.51.100.0/26
		fi
		NFLOOR=$((NFLOOR + 1))
		lab_spawn "$LAB_DIR/floor-$NFLOOR.log" ip netns exec "$ns" \
		    "$FLOOR" "$@" dpf0 $me $peer 4789
		p=$LAB_PID
		FPIDS+=("$p")
		lab_poll 5 grep -q up "$LAB_DIR/floor-$NFLOOR.log" || return 1
		ip -n "$ns" link set dpf0 up &&
		    ip -n "$ns" route add $net dev dpf0 metric 10 || return 1
	done
	lab_poll 10 through "$FHA" "$HOSTB" && warm "$FHA"
}
# floor_down: both forwarders stopped; their counts stay in the logs.
floor_down() {
	local p
	for p in "${FPIDS[@]}"; do lab_kill "$p"; done
	FPIDS=()
}
# qsafe_env VAR=VAL,...: both appliances restarted with these variables.
qsafe_env() {
	local e
	qs_stop "$LAB_DIR/A" && qs_stop "$LAB_DIR/B" || return 1
	IFS=, read -r -a e <<<"$1"
	(export "${e[@]}" && qs_start "$A" "$LAB_DIR/A" &&
	    qs_start "$B" "$LAB_DIR/B") || return 1
	lab_poll 30 through "$HA" "$HOSTB" && warm "$HA"
}
# iked_pids: both appliances' iked processes.
iked_pids() {
	local p
	for p in $(pgrep -x iked); do
		tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" |
		    grep -q -- "--state-dir $LAB_DIR/[AB] " && echo "$p"
	done
}
# usage PID...: "on-CPU ns, minor faults" of the processes so far.
usage() {
	local p f t=0 m=0 stat
	for p in "$@"; do
		for f in /proc/"$p"/task/*/schedstat; do
			t=$((t + $(cut -d' ' -f1 "$f" 2>/dev/null || echo 0)))
		done
		stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		stat=${stat##*) }
		set -- $stat
		m=$((m + ${8}))
	done
	echo "$t $m"
}
# pingstat NS ADDR INTERVAL: "MIN MEDIAN AVG LOST" in us of COUNT pings.
pingstat() {
	ip netns exec "$1" ping -c "$COUNT" -i "$3" -W 1 "$2" 2>/dev/null |
	    sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | sort -n |
	    awk -v n="$COUNT" '{ v[++k] = $1 * 1000; s += $1 * 1000 }
	    END { if (k == 0) exit 1
		printf "%.0f %.0f %.0f %d\n", v[1], v[int((k + 1) / 2)], s / k, n - k }'
}

# measure PATH NS ADDR PID...: one line of figures (round $round, every
# $iv s), also kept in $LAB_DIR/res; with no PID, no CPU or faults.
measure() {
	local path=$1 ns=$2 addr=$3 u0 u1 st cpu=- flt=-
	shift 3
	u0=$(usage "$@")
	st=$(pingstat "$ns" "$addr" "$iv") || return 1
	u1=$(usage "$@")
	if [ $# -gt 0 ]; then
		set -- $u0 $u1
		cpu=$((($3 - $1) / 1000 / COUNT))
		flt=$(awk -v a="$2" -v b="$4" -v n="$COUNT" \
		    'BEGIN { printf "%.1f", (b - a) / n }')
	fi
	echo "$path $iv $round $st $cpu $flt" | tee -a "$LAB_DIR/res" |
	    awk '{ printf "  %-12s round %s: min %5d  median %5d  avg %6d us  lost %d",
		$1, $3, $4, $5, $6, $7
		if ($8 != "-") printf "  cpu %s us/ping  faults %s/ping", $8, $9
		printf "\n" }'
}

echo "ping round trip host to host, $COUNT pings, us"
: >"$LAB_DIR/res"
for round in $(seq "$ROUNDS"); do
	for iv in $INTERVALS; do
		echo " round $round, every $iv s, load $(cut -d' ' -f1-3 /proc/loadavg)"
		# bare: gateway to gateway over the one veth (esp_throughput.sh)
		measure bare "$A" 192.0.2.2 || die "ping over the bare veth"
		measure routed "$FHA" $HOSTB || die "ping routed"
		for v in $FLOORS; do
			name=${v%%:*} opts=
			[ "$name" = "$v" ] || opts=${v#*:}
			floor_up ${opts//:/ } || die "the floor forwarder $name"
			measure "floor-$name" "$FHA" $HOSTB "${FPIDS[@]}" ||
			    die "ping through the floor $name"
			floor_down
		done
		for v in $QSAFES; do
			name=${v%%:*}
			if [ "$name" != "$v" ]; then
				qsafe_env "${v#*:}" || die "restart for $name"
			fi
			measure "$name" "$HA" $HOSTB $(iked_pids) ||
			    die "ping through $name"
		done
	done
done
# every forwarder carried its pings both ways, none dropped (with -g: no
# RFC 4106 tag failed)
cat "$LAB_DIR"/floor-*.log | awk -v c="$COUNT" '/moved/ { n++; m += $2; d += $4
	if ($2 < 2 * c) short++ }
    END { printf "  %d forwarders moved %d packets, dropped %d\n", n, m, d
	exit (n == 0 || d > 0 || short > 0) }' || die "a forwarder lost packets"

echo "summary: min of the minima / median of the medians / mean of the averages, us;"
echo "  (+ over the bare veth's) lost; per ping: gateways' CPU us, minor faults"
for iv in $INTERVALS; do
	awk -v iv="$iv" '$2 == iv' "$LAB_DIR/res" | awk -v iv="$iv" '
	    { p = $1; if (!(p in n)) order[++np] = p
	      n[p]++; if (!(p in mn) || $4 < mn[p]) mn[p] = $4
	      med[p, n[p]] = $5; avg[p] += $6; lost[p] += $7
	      if ($8 != "-") { cpu[p] += $8; flt[p] += $9 } }
	    END {
	      for (i = 1; i <= np; i++) {
		p = order[i]; k = n[p]
		for (a = 1; a <= k; a++) m[a] = med[p, a]
		for (a = 1; a <= k; a++) for (b = a + 1; b <= k; b++)
		    if (m[b] < m[a]) { t = m[a]; m[a] = m[b]; m[b] = t }
		md[p] = m[int((k + 1) / 2)]; av[p] = avg[p] / k
	      }
	      for (i = 1; i <= np; i++) {
		p = order[i]
		printf "  every %s s  %-12s %5d / %5d / %6d  (+%d / +%d / +%d)  lost %d",
		    iv, p, mn[p], md[p], av[p], mn[p] - mn["bare"],
		    md[p] - md["bare"], av[p] - av["bare"], lost[p]
		if (p in cpu) printf "  cpu %d  faults %.1f", cpu[p] / n[p], flt[p] / n[p]
		printf "\n"
	      }
	    }'
done
