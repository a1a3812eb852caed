#!/bin/sh
# load_step.sh: where a first `load set` + `commit` spends its CPU, per
# process, user and system apart (issue 13 section 1; docs/benchmarks.md,
# "Commit cost by shape, twenty-fifth round").
#
#   bench/load_step.sh [BUILD_DIR [LINES [SHAPE]]]
#                  (default ./build, 200000, firewall)
#
# Builds nothing.  Starts a fresh mgd as config_shapes.sh does (in a
# namespace of its own as root, so hostd applies), runs the one step
# `cli -c 'configure; load set F; commit'` and prints, for the step:
#
#   step: 0.72 s
#   mgd: user 330 ms, sys 140 ms, minflt 2228, majflt 0, huge pages +78
#   (one line per process mgd started, the same)
#   machine: thp_fault_alloc 141, compact_stall 0, pgmajfault 0, ...
#
# "huge pages" is the growth of the process's AnonHugePages (2 MB pages)
# over the step; each is a page of memory the step touched for the first
# time.  The machine line is /proc/vmstat's (every process's).  PERF=DIR
# also records `perf record -g` of mgd and hostd over the step into
# DIR/mgd.data and DIR/hostd.data.  PAGES=1 also counts, per process, the
# 2 MB pages the kernel hands it over the step (`perf stat` of
# kmem:mm_page_alloc at order 9): unlike "huge pages" it counts pages
# freed again within the step too (a buffer dropped after its parse), so
# it is every first touch of 2 MB the step pays for.  LOAD_ONLY=1 times
# the load alone (`configure; load set F`, no commit).  KEEP=1 keeps the
# state directory.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
lines=${2:-200000}
shape=${3:-firewall}
case $build in /*) ;; *) build=$top/$build ;; esac
mgd=$build/mgd/mgd
cli=$build/cli/cli
gen=$build/bench/gen_shapes
. "$top/bench/lib.sh"

bench_setup load_step.sh qsafe-step "$mgd" "$cli" "$gen"
dir=$bench_tmp
bench_ns_setup qsafe-step

# procs: "name minflt majflt utime stime hugekB" of mgd and its children
procs() { bench_procs '$10, $12, $14, $15' AnonHugePages; }
vm_keys='thp_fault_alloc|thp_fault_fallback|compact_stall|compact_migrate_scanned|pgmajfault|pgpgin|pgscan_direct'
vm() { grep -E "^($vm_keys) " /proc/vmstat || true; }

step "generate shape $shape" "$gen" "$shape" "$lines"
mv "$dir/step.out" "$dir/conf.set"
mgd_start
procs >"$dir/p0"
vm >"$dir/v0"
perfs=
if [ -n "${PERF:-}" ]; then
	mkdir -p "$PERF"
	for p in $pid $(pgrep -P "$pid" hostd); do
		perf record -q -g -o "$PERF/$(cat /proc/$p/comm).data" \
		    -p "$p" 2>/dev/null &
		perfs="$perfs $!"
	done
	# perf has attached when its output file has its header
	wait_for "perf start" 10 test -s "$PERF/hostd.data"
fi
stats=
if [ -n "${PAGES:-}" ]; then
	names=
	for p in $pid $(pgrep -P "$pid"); do
		n=$(cat /proc/$p/comm)
		perf stat -x, -e kmem:mm_page_alloc --filter 'order == 9' \
		    -p "$p" -o "$dir/pages.$n" 2>/dev/null &
		stats="$stats $!"
		names="$names $n"
	done
	# perf stat opens its output file once it counts
	for n in $names; do
		wait_for "perf stat $n" 10 test -e "$dir/pages.$n"
	done
fi
if [ -n "${LOAD_ONLY:-}" ]; then
	what="load" cmd="configure; load set $dir/conf.set" want="load complete"
else
	what="load + commit" want="commit complete"
	cmd="configure; load set $dir/conf.set; commit"
fi
bench_timed -c "$cmd"
procs >"$dir/p1"
vm >"$dir/v1"
[ -z "$perfs" ] || { kill -INT $perfs; wait $perfs || true; }
[ -z "$stats" ] || { kill -INT $stats; wait $stats || true; }
grep -q "$want" "$dir/out" || bench_fail "$what" "$(tail -n 5 "$dir/out")"
hz=$(getconf CLK_TCK)
echo "load_step.sh: $lines lines of $shape (${what}), $(nproc) cpus, $(uname -r)"
awk -v t="$t" 'BEGIN { printf "step: %.2f s\n", t / 1e9 }'
join "$dir/p0" "$dir/p1" | awk -v hz="$hz" '{
	printf "%s: user %d ms, sys %d ms, minflt %d, majflt %d, huge pages %+d\n",
	    $1, ($9 - $4) * 1000 / hz, ($10 - $5) * 1000 / hz, $7 - $2,
	    $8 - $3, ($11 - $6) / 2048 }'
join "$dir/v0" "$dir/v1" | awk '{ s = s sprintf("%s%s %d", s == "" ? "" : ", ",
	$1, $3 - $2) } END { print "machine: " s }'
if [ -n "$stats" ]; then
	for f in "$dir"/pages.*; do
		printf '%s %s\n' "${f##*/pages.}" \
		    "$(awk -F, '/mm_page_alloc/ { print ($1 ~ /^[0-9]+$/ ? $1 : 0) }' "$f")"
	done | awk '{ s = s sprintf("%s%s %s", s == "" ? "" : ", ", $1, $2) }
	    END { print "new 2 MB pages: " s }'
fi
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
