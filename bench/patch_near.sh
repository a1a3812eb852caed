#!/bin/bash
# patch_near.sh: hostd's check of a firewall one-liner, two builds side by
# side (issue 13 section 1; docs/benchmarks.md, thirtieth round).
#
#   bench/patch_near.sh BASE_BUILD HEAD_BUILD [RUNS [KIND [LINES]]]
#            (default 20 runs, KIND match, 200000 lines)
#
# Root: each build's mgd runs in a namespace of its own (created and
# removed here) on a temporary state directory, both load the firewall
# shape of bench/gen_shapes (HEAD's), then RUNS one-liners are committed
# to each in turn (KIND match: a policy's application, a policy spread
# over the context; new: a policy added after the 39,997).  Prints per
# build the CPU ms of hostd's check of each one-liner, from its log line
# (hostd's laps, QSAFE_HOSTD_LAPS_MS=-1: logged for every check; a BASE
# from before that variable needs HOST_LAPS_LOG_MS lowered in its
# hostd.c), and their mean; the ms are whole (clock_cpu_ms), so the mean
# over the runs is the figure.  PERF=1: perf record -g of each hostd over
# the one-liners, into the state directory (kept, as with KEEP=1; its
# name is printed).
set -u
[ "$(id -u)" -eq 0 ] || { echo "patch_near.sh: needs root" >&2; exit 77; }
[ $# -ge 2 ] || { sed -n 4,5p "$0" >&2; exit 1; }
runs=${3:-20}
kind=${4:-match}
lines=${5:-200000}
W=$(mktemp -d /tmp/qsafe-near-XXXXXX)
pids=()
perfs=()
names=(base head)
builds=("$1" "$2")
cleanup() {
	for p in "${perfs[@]}" "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	done
	for b in "${names[@]}"; do ip netns del "near-$b-$$" 2>/dev/null; done
	if [ -n "${PERF:-}${KEEP:-}" ]; then
		echo "patch_near.sh: state in $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"${builds[1]}/bench/gen_shapes" firewall "$lines" >"$W/fw.set" || exit 1
for k in 0 1; do
	b=${names[$k]}
	ip netns add "near-$b-$$"
	mkdir -m 0700 "$W/$b"
	ip netns exec "near-$b-$$" env QSAFE_HOSTD_LAPS_MS=-1 \
	    "${builds[$k]}/mgd/mgd" --state-dir "$W/$b" --log "$W/$b/mgd.log" \
	    </dev/null >/dev/null 2>&1 &
	pids+=($!)
done
for k in 0 1; do
	b=${names[$k]}
	for _ in $(seq 200); do [ -S "$W/$b/mgd.sock" ] && break; sleep 0.05; done
	"${builds[$k]}/cli/cli" --state-dir "$W/$b" \
	    -c "configure; load set $W/fw.set; commit" | grep -q "commit complete" ||
	    { echo "patch_near.sh: $b: the load did not commit" >&2; exit 1; }
done
if [ -n "${PERF:-}" ]; then
	for k in 0 1; do
		h=$(pgrep -P "${pids[$k]}" -x hostd)
		perf record -g -o "$W/${names[$k]}.perf" -p "$h" >/dev/null 2>&1 &
		perfs+=($!)
	done
fi
ctx="set security policies from-zone trust to-zone untrust policy"
np=$(grep -c "^$ctx P-[0-9]* then" "$W/fw.set")
for i in $(seq "$runs"); do
	case $kind in
	match) c="$ctx P-$((i * 997 % np)) match application junos-ssh" ;;
	new) c="$ctx E-$i match source-address any; $ctx E-$i match destination-address any; $ctx E-$i match application any; $ctx E-$i then permit" ;;
	*) echo "patch_near.sh: KIND match or new" >&2; exit 1 ;;
	esac
	for k in 0 1; do
		"${builds[$k]}/cli/cli" --state-dir "$W/${names[$k]}" \
		    -c "configure; $c; commit" | grep -q "commit complete" ||
		    { echo "patch_near.sh: ${names[$k]}: run $i did not commit" >&2; exit 1; }
	done
done
for p in "${perfs[@]}"; do kill -INT "$p"; wait "$p"; done
perfs=()
echo "patch_near.sh: $kind, $runs one-liners, $(wc -l <"$W/fw.set") lines, $(uptime | sed 's/.*load average/load average/')"
for b in "${names[@]}"; do
	grep "hostd: check, ms of CPU" "$W/$b/hostd.log" | tail -n "$runs" |
	    awk -v b="$b" '{ for (i = 1; i <= NF; i++) if ($i == "all") {
		    v = $(i + 1); s += v; n++; a = a " " v } }
		END { printf "  %s: hostd check CPU ms, mean %.2f of %d:%s\n", b, n ? s / n : 0, n, a }'
done
