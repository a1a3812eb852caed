#!/bin/sh
# nft_rules.sh: the kernel's cost of a policy rule, by its shape and by the
# number of paths to it (docs/benchmarks.md, twenty-eighth round).
#
#   bench/nft_rules.sh [BUILD_DIR [RULES [ONELINERS [REPS]]]]
#                                 (default ./build, 40000, 20, 2)
#
# For each shape of bench/nft_rules.c (hostd's policy rule and the same
# without one part or another), REPS times, shapes alternating: a
# namespace of its own with table inet rcb whose forward chain reaches the
# rule chains through a verdict map of IFACES interfaces (1, then 8: a
# zone of several interfaces jumps to the same chains from each), RULES
# rules loaded, then ONELINERS transactions that refill a chain of 32
# rules (elements: RULES elements of a set, ONELINERS changes of one).  One
# line a run: the CPU of the load and of a refill (median, min, max).
# Root (a namespace) and nft, else exit 77.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
rules=${2:-40000}
oneliners=${3:-20}
reps=${4:-2}
case $build in /*) ;; *) build=$top/$build ;; esac
prog=$build/bench/nft_rules
. "$top/bench/lib.sh"
bench_name=nft_rules.sh
bench_need "$build" "$prog"
# exit 77: bench/check.sh (the test of this script) skips
[ "$(id -u)" = 0 ] || { echo "$bench_name: needs root (a namespace)" >&2; exit 77; }
command -v nft >/dev/null || { echo "$bench_name: needs nft" >&2; exit 77; }
bench_tmp=$(mktemp -d "${TMPDIR:-/tmp}/qsafe-nftrules.XXXXXX")
ns=
rules_cleanup() {
	[ -z "$ns" ] || ip netns del "$ns" 2>/dev/null || true
	rm -rf "$bench_tmp"
}
trap rules_cleanup EXIT
trap 'exit 130' INT TERM

# setup IFACES: the table, its chains empty, in $bench_tmp/setup.nft
setup() {
	chains=$(((rules + 31) / 32))
	{
		echo "table inet rcb {"
		printf '\tmap fwd_from { type ifname : verdict; elements = { '
		i=0
		while [ $i -lt "$1" ]; do
			[ $i = 0 ] || printf ', '
			printf '"if%d" : jump ctx' $i
			i=$((i + 1))
		done
		echo ' } }'
		printf '\tchain forward { type filter hook forward priority 0; policy accept; iifname vmap @fwd_from; }\n'
		i=0
		while [ $i -lt $chains ]; do
			printf '\tchain p_b%d { }\n' $i
			i=$((i + 1))
		done
		printf '\tchain ctx {\n'
		i=0
		while [ $i -lt $chains ]; do
			printf '\t\tjump p_b%d\n' $i
			i=$((i + 1))
		done
		printf '\t}\n}\n'
	} >"$bench_tmp/setup.nft"
}

cat >"$bench_tmp/elements.nft" <<'SET'
add set inet rcb s { type ipv4_addr; flags interval; counter; }
add rule inet rcb p_b0 meta nfproto ipv4 ip saddr @s tcp dport 443 counter accept
SET
echo "nft_rules.sh: $rules rules, $oneliners refills of 32, $(nproc) cpus, $(uname -r)"
for ifaces in 1 8; do
	setup $ifaces
	r=0
	while [ $r -lt "$reps" ]; do
		r=$((r + 1))
		for shape in hostd nocomment nofamily noproto verdict noverdict elements; do
			ns=qsafe-nftrules-$$
			step "create namespace $ns" ip netns add "$ns"
			step "table of $ifaces interfaces" \
			    ip netns exec "$ns" nft -f "$bench_tmp/setup.nft"
			[ $shape != elements ] ||
				step "set s and its rule" ip netns exec "$ns" \
				    nft -f "$bench_tmp/elements.nft"
			step "rules of shape $shape" \
			    ip netns exec "$ns" "$prog" "$shape" "$rules" "$oneliners"
			echo "ifaces $ifaces $(cat "$bench_tmp/step.out")"
			ip netns del "$ns"
			ns=
		done
	done
done
