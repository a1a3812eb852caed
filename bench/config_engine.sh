#!/bin/sh
# config_engine.sh: the config engine figures of issue 2 (and the completion
# figure of issue 3), measured through the cli as an operator types them.
#
#   bench/config_engine.sh [BUILD_DIR [GATEWAYS [RUNS]]]
#                                     (default ./build, 10000, 7)
#
# Builds nothing: run `ninja -C BUILD_DIR` first.  Starts its own mgd on a
# temporary state directory (killed by PID at the end), writes the
# configuration with bench/gen_config (20 lines per gateway), then prints one
# line per figure with its target:
#
#   load set + commit   one `cli -c 'configure; load set F; commit'`, once
#                       per fresh mgd (BIG_RUNS times, median; default 1)
#   set + commit        `cli -c 'configure; set ...; commit'`, a different
#                       leaf each run, median of RUNS
#   display set         `cli -c 'show configuration | display set'` to
#                       /dev/null, median of RUNS
#   show version        `cli -c 'show version'`, median of RUNS
#   completion, `?`     mgd_rtt: the "complete"/"help" request over the
#                       protocol
#   first prompt        bench/cli_prompt.py: the interactive cli on a pty,
#                       start to first prompt
#
# Times are wall clock from the cli's spawn to its exit (bench/run_timed):
# process start, connect, hello, the commands, exit.
# Environment: BIG_RUNS (default 1), KEEP=1 keeps the state directory,
# BENCH_GROUPS=1: every gateway inherits from one configuration group (issue 14),
# and one more figure: a one-line change of that group, which reaches every
# gateway, + commit (target < 0.5 s).
# Every step stops the bench when it fails, saying which and why
# (bench/lib.sh); a figure is printed only after its step succeeded.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
gateways=${2:-10000}
runs=${3:-7}
big_runs=${BIG_RUNS:-1}
case $build in /*) ;; *) build=$top/$build ;; esac
mgd=$build/mgd/mgd
cli=$build/cli/cli
gen=$build/bench/gen_config
rtt=$build/bench/mgd_rtt
. "$top/bench/lib.sh"

bench_setup config_engine.sh qsafe-bench "$mgd" "$cli" "$gen" "$rtt"
dir=$bench_tmp

conf=$dir/gen.set
step "generate $gateways gateways" "$gen" "$gateways"
mv "$dir/step.out" "$conf"
if [ "${BENCH_GROUPS:-0}" = 1 ]; then
	echo "set groups gw-common security ike gateway <GW-*> dead-peer-detection interval 10" >>"$conf"
	echo "set apply-groups gw-common" >>"$conf"
fi
lines=$(wc -l <"$conf" | tr -d ' ')
echo "config_engine.sh: $gateways gateways, $lines lines," \
    "$(nproc) cpus, $(uname -r)"

# 1. load set + commit on an empty appliance.
# an appliance that is up: mgd opens its socket once its daemons have
# started and read their (empty) configuration (backend_new)
load_fresh() {
	mgd_stop
	mgd_start
	bench_timed -c "configure; load set $conf; commit"
}
bench_repeat "$big_runs" "$dir/big" load_fresh
report "load set $lines lines + commit" "$(median "$dir/big")" s 2

# 2. one-line set + commit: a new leaf of a different proposal each run.
one_line() {
	g=$(( (bench_run * 7919) % gateways ))
	bench_timed -c "configure; set security ike proposal IKE-P-$g lifetime-seconds $((3600 + bench_run)); commit"
}
c0=$(bench_cpu)
bench_repeat "$runs" "$dir/small" one_line
report "one-line set + commit" "$(median "$dir/small")" ms 50
bench_cpu_line "$c0" "$(bench_cpu)" "$runs"

# 2a. With GROUPS=1: one line of the group, inherited by every gateway.
if [ "${BENCH_GROUPS:-0}" = 1 ]; then
	group_line() {
		bench_timed -c "configure; set groups gw-common security ike gateway <GW-*> dead-peer-detection interval $((11 + bench_run)); commit"
	}
	c0=$(bench_cpu)
	bench_repeat "$runs" "$dir/group" group_line
	report "one-line group change reaching $gateways gateways + commit" \
	    "$(median "$dir/group")" s 0.5
	bench_cpu_line "$c0" "$(bench_cpu)" "$runs"
fi

# 2b. Every 10th commit starts generation 0's snapshot (mgd/snapshot.c), just
# after its reply: the cost shows in the command that follows it.  Commits
# up to the next multiple of 10, then times the command after it.
g=$(( 1 + runs ))
while [ $((g % 10)) -ne 0 ]; do
	g=$((g + 1))
	bench_timed -c "configure; set security ike proposal IKE-P-$g lifetime-seconds $((3600 + g)); commit"
done
bench_timed -c "show version"
awk -v ns="$t" 'BEGIN { printf "the command after a snapshot commit (1 in 10):" \
    " %.1f ms (no target of its own)\n", ns / 1e6 }'

# 3. show configuration | display set.
bench_repeat "$runs" "$dir/show" bench_timed -c "show configuration | display set"
shown=$(wc -l <"$dir/out" | tr -d ' ')
report "show configuration | display set ($shown lines)" \
    "$(median "$dir/show")" s 0.3

# 4. cli start to exit.
bench_repeat "$runs" "$dir/ver" bench_timed -c "show version"
report "cli -c 'show version'" "$(median "$dir/ver")" ms 30

# 5. Completion and `?` (issue 3): mgd's "complete"/"help" answers over the
# protocol, median of 101 requests each (mgd_rtt prints the number of
# matches / bytes, so the output shows which case it measured).
step "completion over the protocol" "$rtt" "$dir/state/mgd.sock" \
    complete 101 "set security ike gateway GW-99"
read -r ns n <"$dir/step.out"
[ "$n" -gt 0 ] || bench_fail "completion over the protocol" \
    "no match for GW-99 (fewer than 100 gateways?)"
report "completion 'set security ike gateway GW-99<TAB>' ($n matches)" \
    "$ns" ms 5
step "help over the protocol" "$rtt" "$dir/state/mgd.sock" help 101 \
    "set security ike gateway "
read -r ns n <"$dir/step.out"
[ "$n" -gt 0 ] || bench_fail "help over the protocol" "an empty answer"
report "help 'set security ike gateway ?' ($n bytes)" "$ns" ms 5

# 6. The interactive cli's first prompt, on a pseudo-terminal (issue 3).
step "the interactive cli's first prompt" \
    python3 "$top/bench/cli_prompt.py" "$cli" "$dir/state" "$runs"
cat "$dir/step.out"
