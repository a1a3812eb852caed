#!/bin/sh
# snapshot_wait.sh: what the every-10th commit's snapshot costs the command
# after it (issue 13 section 1, docs/benchmarks.md "twenty-ninth round").
#
#   bench/snapshot_wait.sh [BUILD_DIR [LINES [COMMITS]]]
#                  (default ./build, 200000, 40)
#
# Builds nothing.  Starts a fresh mgd ($MGD, default BUILD_DIR/mgd/mgd, so
# that two builds of mgd can be run side by side) on the firewall shape of
# bench/gen_shapes, then COMMITS times: a one-line change and commit through
# the cli (`configure; set ... policy P-i match application junos-ssh;
# commit`), and at once the next command, mgd_rtt (connect, hello,
# `configure`, one `show system host-name`): the wall of each, in ms, one
# line per commit, marked `snap` on the commits after which mgd stores a
# snapshot (every DB_SNAPSHOT_EVERY-th generation).  Then the medians of
# the commit after a snapshot commit and of the others, of the next command
# after the snapshot commits and after the others, mgd's CPU over the loop,
# the generations stored whole and mgd's log lines about them.  PAUSE=S
# waits S seconds after each commit's next command (an operator's pace:
# memory freed meanwhile is cold again when the next snapshot is made).  As root, in a namespace of its own (bench/lib.sh).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
lines=${2:-200000}
commits=${3:-40}
case $build in /*) ;; *) build=$top/$build ;; esac
mgd=${MGD:-$build/mgd/mgd}
cli=$build/cli/cli
gen=$build/bench/gen_shapes
rtt=$build/bench/mgd_rtt
. "$top/bench/lib.sh"
bench_setup snapshot_wait.sh qsafe-snapwait "$mgd" "$cli" "$gen" "$rtt"
dir=$bench_tmp
bench_ns_setup qsafe-snapwait

step "generate the firewall shape" "$gen" firewall "$lines"
mv "$dir/step.out" "$dir/fw.set"
mgd_start
bench_timed -c "configure; load set $dir/fw.set; commit"
grep -q "commit complete" "$dir/out" || bench_fail "load" "$(tail -n 5 "$dir/out")"
# Generation 1 is the factory default, the load generation 2: commit i is
# generation i + 2, and generations 10, 20, ... are stored whole.
c0=$(bench_cpu)
: >"$dir/snap"
: >"$dir/other"
: >"$dir/csnap"
: >"$dir/cother"
prev=
i=1
while [ $i -le "$commits" ]; do
	bench_timed -c "configure; set security policies from-zone trust to-zone untrust policy P-$i match application junos-ssh; commit"
	grep -q "commit complete" "$dir/out" || bench_fail "commit $i" "$(tail -n 5 "$dir/out")"
	tc=$t
	# the commit after a snapshot's, apart: it may wait for the snapshot
	if [ "$prev" = snap ]; then
		echo "$tc" >>"$dir/csnap"
	else
		echo "$tc" >>"$dir/cother"
	fi
	step "the command after commit $i" "$bench_timer" "$dir/rtt.timed" \
	    "$rtt" "$dir/state/mgd.sock" exec 1 "show system host-name"
	read -r tn _ <"$dir/rtt.timed"
	gen_no=$((i + 2))
	mark=
	if [ $((gen_no % 10)) = 0 ]; then
		mark=snap
		echo "$tn" >>"$dir/snap"
	else
		echo "$tn" >>"$dir/other"
	fi
	printf 'commit %2d (generation %2d): commit %6.1f ms, next command %6.1f ms %s\n' \
	    "$i" "$gen_no" "$(echo "$tc" | awk '{ print $1 / 1e6 }')" \
	    "$(echo "$tn" | awk '{ print $1 / 1e6 }')" "$mark"
	prev=$mark
	i=$((i + 1))
	[ "${PAUSE:-0}" = 0 ] || sleep "$PAUSE"
done
bench_cpu_line "$c0" "$(bench_cpu)" "$commits"
# (a snapshot in its row, or in a file its row names: snapfile)
echo "generations stored whole: $(python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cols = [r[1] for r in db.execute("PRAGMA table_info(generation)")]
has = "snapshot IS NOT NULL" + (" OR snapfile IS NOT NULL" if "snapfile" in cols else "")
print(" ".join(str(r[0]) for r in db.execute(
    "SELECT seq FROM generation WHERE " + has + " ORDER BY seq")))' \
    "$dir/state/config.db")"
[ ! -r "$dir/mgd.log" ] || grep "snapshot of generation" "$dir/mgd.log" | sed 's/^/    mgd: /'
ms() { median "$1" | awk '{ printf "%.1f", $1 / 1e6 }'; }
echo "commit after a snapshot commit: median $(ms "$dir/csnap") ms ($(wc -l <"$dir/csnap") commits); the others: median $(ms "$dir/cother") ms"
echo "next command after a snapshot commit: median $(median "$dir/snap" | awk '{ printf "%.1f", $1 / 1e6 }') ms ($(wc -l <"$dir/snap") commits); after the others: median $(median "$dir/other" | awk '{ printf "%.1f", $1 / 1e6 }') ms"
echo "load: $(uptime | sed 's/.*load average/load average/')"
