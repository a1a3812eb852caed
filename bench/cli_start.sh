#!/bin/sh
# cli_start.sh: what a `cli -c` costs before mgd does anything (issue 13
# section 1: every one-line change of the config benches is a new cli).
#
#   bench/cli_start.sh [BUILD_DIR [RUNS]]   (default ./build, 50)
#
# Builds nothing.  Starts mgd on an empty state directory (as root in a
# network namespace of its own, $BENCH_NS or qsafe-clistart-PID) and runs
# `cli -c 'show version'` RUNS times under GNU time, printing the cli's
# mean CPU (user + system) and wall per run, and the dynamic loader's work at
# the cli's start (LD_DEBUG=statistics: relocations and cycles).  Run it
# for two builds side by side: on a loaded machine the CPU is the figure,
# the wall is the machine's.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
runs=${2:-50}
case $build in /*) ;; *) build=$top/$build ;; esac
mgd=$build/mgd/mgd
cli=$build/cli/cli
. "$top/bench/lib.sh"
bench_setup cli_start.sh qsafe-clistart "$mgd" "$cli"
[ -x /usr/bin/time ] || { echo "$bench_name: needs GNU time" >&2; exit 2; }
dir=$bench_tmp
bench_ns_setup qsafe-clistart
mgd_start
step_has "show version" "qsafe" "$cli" --state-dir "$dir/state" -c "show version"
# RUNS clis one after another under GNU time: their CPU (user + system,
# the loop's sh included: a fork a run) and the wall, over RUNS
step "$runs cli runs" /usr/bin/time -f "%U %S %e" -o "$dir/time" sh -c '
	i=0
	while [ $i -lt "$1" ]; do
		"$2" --state-dir "$3" -c "show version" >/dev/null || exit 1
		i=$((i + 1))
	done' sh "$runs" "$cli" "$dir/state"
read -r u sy e <"$dir/time" || bench_fail "time" "no figures in $dir/time"
cpu=$(awk -v u="$u" -v s="$sy" -v n="$runs" 'BEGIN { printf "%.2f", (u + s) * 1000 / n }')
wall=$(awk -v e="$e" -v n="$runs" 'BEGIN { printf "%.1f", e * 1000 / n }')
ld=$(LD_DEBUG=statistics "$cli" --state-dir "$dir/state" -c "show version" \
    2>&1 >/dev/null | awk '/total startup time/ { c = $(NF - 1) }
	/number of relative relocations/ { r = $NF }
	END { printf "%s cycles, %s relative relocations", c, r }')
echo "cli_start.sh: $build, $runs runs, load $(cut -d' ' -f1 /proc/loadavg)"
echo "  cli -c 'show version': $cpu ms of CPU a run, $wall ms wall"
echo "  dynamic loader at start: $ld"
