#!/bin/bash
# mgd_commit.sh: mgd's share of a commit (issues 13 section 1, 10), the
# steps timed apart.
#
#   bench/mgd_commit.sh [BUILD_DIR [LINES [VPNS]]]   (root; default ./build,
#                                                     200000, 5)
#
# A fresh mgd on a temporary state directory, in a network namespace of
# this run ($BENCH_NS, default qsafe-mgdc-PID; hostd applies there), with
# the vpn shape of bench/gen_shapes:
#
#   load               `configure; load set F` (LINES lines), alone
#   commit             `configure; commit` of that load
#   one VPN (k)        VPNS times: `configure; load set ONE; commit`, ONE
#                      the 22 lines of one more VPN as the shape writes
#                      them (its st0 unit, zone entry, route, proposals,
#                      policies, gateway, key-manager profile, VPN)
#   display set        `show configuration | display set | count`, 3 times
#
# Each line: the wall time around the cli, and the CPU time (user +
# system from /proc/PID/stat) of mgd and of each daemon it started, read
# 0.7 s after the cli ended so that what mgd does after a reply (the
# store's checkpoint, a snapshot) is counted.  Builds nothing: run
# `ninja -C BUILD_DIR` first.  Stops only the processes it started.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
lines=${2:-200000}
vpns=${3:-5}
case $build in /*) ;; *) build=$top/$build ;; esac
mgd=$build/mgd/mgd cli=$build/cli/cli gen=$build/bench/gen_shapes
. "$top/bench/lib.sh" # bench_cpu
for f in "$mgd" "$cli" "$gen"; do
	[ -x "$f" ] || { echo "mgd_commit.sh: no $f (ninja -C $build)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "mgd_commit.sh: needs root (a namespace)" >&2; exit 1; }
ns=${BENCH_NS:-qsafe-mgdc-$$}
st=$(mktemp -d "${TMPDIR:-/tmp}/qsafe-mgdc.XXXXXX")
pid=
cleanup() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
	ip netns del "$ns" 2>/dev/null
	rm -rf "$st"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
hz=$(getconf CLK_TCK)

"$gen" vpn "$lines" > "$st/shape.set" || exit 1
ip netns add "$ns" && ip -n "$ns" link set lo up || exit 1
ip netns exec "$ns" "$mgd" --state-dir "$st" --log "$st/mgd.log" 2>>"$st/err" &
pid=$!
deadline=$(($(date +%s) + 10))
until [ -S "$st/mgd.sock" ]; do
	[ "$(date +%s)" -lt "$deadline" ] || { echo "mgd did not start" >&2; exit 1; }
	sleep 0.05
done

run() {	# LABEL CLI-COMMANDS
	local c0 c1 t0 t1
	c0=$(bench_cpu)
	t0=$(date +%s%N)
	"$cli" --state-dir "$st" -c "$2" >"$st/out" 2>&1
	t1=$(date +%s%N)
	sleep 0.7
	c1=$(bench_cpu)
	case $2 in *commit*)
		grep -q "commit complete" "$st/out" ||
		    { echo "$1: did not commit" >&2; tail -5 "$st/out" >&2; exit 1; } ;;
	esac
	printf '%-14s wall %5d ms; cpu ms:' "$1" $(((t1 - t0) / 1000000))
	join <(echo "$c0") <(echo "$c1") |
	    awk -v hz="$hz" '{ printf " %s %.0f", $1, ($3 - $2) * 1000 / hz }'
	echo
}

echo "mgd_commit.sh: $(wc -l <"$st/shape.set") lines, $(nproc) cpus, load$(uptime | sed 's/.*average//')"
run load "configure; load set $st/shape.set"
run commit "configure; commit"
# where the commit's time went, as mgd and the daemons log it
grep -h -e 'commit: [0-9]* bytes' -e 'parsed in' -e 'applied in' \
    "$st"/mgd.log "$st"/iked.log "$st"/hostd.log "$st"/keymgr.log 2>/dev/null |
    sed 's/^[^ ]* /  /'
# the shape's VPN 17, renumbered (st0 units stop at 16385)
first=$(grep -n '^set interfaces st0 unit 17 ' "$st/shape.set" | cut -d: -f1)
for k in $(seq "$vpns"); do
	n=$((16000 + k))
	sed -n "${first},$((first + 21))p" "$st/shape.set" |
	    sed -e "s/10\.0\.0\.18/10.3.0.$k/" -e "s/172\.16\.17\.0/172.31.$k.0/" \
		-e "s/\b17\b/$n/g" -e "s/-17\b/-$n/g" >"$st/one.set"
	run "one VPN ($k)" "configure; load set $st/one.set; commit"
done
for k in 1 2 3; do
	run "display set" "show configuration | display set | count"
done
