#!/bin/sh
# commit_waits.sh: where a one-line change of the firewall shape waits
# (issue 13 section 1: wall well above the CPU of mgd, hostd and the cli).
#
#   bench/commit_waits.sh [BUILD_DIR [RUNS [LINES]]]   (default ./build, 5,
#                                                      200000)
#
# Builds nothing.  Starts mgd (as root in a namespace of its own, so hostd
# applies) on the firewall shape of bench/gen_shapes, then commits RUNS
# one-line changes (`set security policies from-zone trust to-zone untrust
# policy P-i match application junos-ssh` and, every other run, the first
# policy of a new context untrust -> trust, deleted again the run after)
# with strace attached to mgd and the daemons it started, and prints for
# each:
#
#   wall         the cli's, under strace (which slows every system call)
#   store syncs  mgd's fdatasync/fsync before the commit's reply: count and
#                ms blocked in them
#   nft          hostd's netlink sendmsg calls: ms in the kernel (the
#                nftables transaction: its commit validates the table)
#   after        syncs after the reply (the checkpoint): count and ms
#
# The figures are system call durations, not CPU: a loaded machine
# inflates them less than the wall.  Needs strace.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
runs=${2:-5}
lines=${3:-200000}
case $build in /*) ;; *) build=$top/$build ;; esac
mgd=$build/mgd/mgd
cli=$build/cli/cli
gen=$build/bench/gen_shapes
. "$top/bench/lib.sh"
bench_name=commit_waits.sh
bench_need "$build" "$bench_timer" "$mgd" "$cli" "$gen"
command -v strace >/dev/null || { echo "$bench_name: needs strace" >&2; exit 2; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/qsafe-waits.XXXXXX")
bench_tmp=$dir
st=
waits_cleanup() {
	[ -z "$st" ] || kill "$st" 2>/dev/null || true
	bench_cleanup
}
trap waits_cleanup EXIT
trap 'exit 130' INT TERM
bench_ns_setup qsafe-waits
step "generate the firewall shape" "$gen" firewall "$lines"
mv "$dir/step.out" "$dir/fw.set"
mgd_start
step_has "load the firewall shape" "commit complete" \
    "$cli" --state-dir "$dir/state" -c "configure; load set $dir/fw.set; commit"

echo "commit_waits.sh: firewall shape, $(wc -l <"$dir/fw.set" | tr -d ' ') lines, $(nproc) cpus, $(uname -r)"
i=0
while [ $i -lt "$runs" ]; do
	i=$((i + 1))
	case $((i % 4)) in
	1) line="set security policies from-zone trust to-zone untrust policy P-$i match application junos-ssh" ;;
	2) line="set security policies from-zone untrust to-zone trust policy N-$i then permit" ;;
	3) line="set security address-book global address A-$i 10.200.$i.0/24" ;;
	0) line="delete security policies from-zone untrust to-zone trust" ;;
	esac
	procs="-p $pid"
	for c in $(pgrep -P "$pid"); do procs="$procs -p $c"; done
	# shellcheck disable=SC2086 # one -p per process
	strace -f -ttt -T -s 96 -e trace=fdatasync,fsync,sendmsg,writev \
	    -o "$dir/trace" $procs 2>/dev/null &
	st=$!
	# each process traced (its TracerPid) before the change is sent
	wait_for "strace attached" 10 sh -c "for p in $(echo "$procs" |
	    sed 's/-p //g'); do grep -q \"^TracerPid:[[:space:]]*$st\$\" \
	    /proc/\$p/status || exit 1; done"
	bench_timed -c "configure; $line; commit"
	kill "$st"
	wait "$st" 2>/dev/null || true
	st=
	hostd=$(pgrep -P "$pid" -x hostd || echo none)
	awk -v mgd="$pid" -v hostd="$hostd" -v wall="$t" -v line="$line" '
	function ms(s) { sub(/.*</, "", s); sub(/>.*/, "", s); return s * 1000 }
	$1 == mgd && /writev/ && /commit complete/ { replied = 1 }
	$1 == mgd && /(fdatasync|fsync)\(/ {
		if (replied) { an++; at += ms($0) } else { bn++; bt += ms($0) }
	}
	$1 == hostd && /sendmsg\(/ && /AF_NETLINK/ { nft += ms($0) }
	END {
		printf "%-62.62s wall %4.0f ms, store syncs %d (%.1f ms), nft %.1f ms, after %d (%.1f ms)\n",
		    line, wall / 1e6, bn, bt, nft, an, at
	}' "$dir/trace"
done
echo "load: $(uptime | sed 's/.*load average/load average/')"
