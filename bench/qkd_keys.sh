#!/bin/sh
# qkd_keys.sh: ETSI GS QKD 014 key throughput and latency over loopback.
#
#   bench/qkd_keys.sh [BUILD_DIR [COUNT]]      (default build, 10000)
#
# Starts kme-sim on 127.0.0.1 (one KME, mutual TLS, certificates from
# mkcerts.sh in a temporary directory) and fetches COUNT 256-bit keys
# through the qkd014 client library (qkd-bench) on one reused connection:
# one key per enc_keys request, GET and POST, then 16 keys per request.
# Prints median and p99 latency per key, sustained keys/s and connections.
# Targets: median < 2 ms per key, >= 1000 keys/s (one key per request).
# Every step stops the bench when it fails, saying which and why
# (bench/lib.sh); qkd-bench stops at its first failed request, so its
# figures are those of requests that all succeeded.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
count=${2:-10000}
case $build in /*) ;; *) build=$top/$build ;; esac
sim=$build/keymgr/kme_sim/kme-sim
bench=$build/bench/qkd-bench
[ -x "$sim" ] && [ -x "$bench" ] || {
	echo "qkd_keys.sh: build $build first (ninja -C $build)" >&2; exit 2; }

. "$top/bench/lib.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/qkd-bench.XXXXXX")
bench_name=qkd_keys.sh bench_tmp=$dir
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "make the certificates" sh "$top/keymgr/kme_sim/mkcerts.sh" -k A \
    -s "SAE_A SAE_B" "$dir/certs"
mkfifo "$dir/out"
"$sim" --cert-dir "$dir/certs" --kme A=127.0.0.1:0:SAE_A,SAE_B \
    --stored-keys 1000000 --max-key-count 1000000 --key-rate 1000000 \
    >"$dir/out" 2>"$dir/sim.log" &
pid=$!
port=
while read -r what name addr p; do
	[ "$what" = kme ] && port=$p
	[ "$what" = ready ] && break
done <"$dir/out"
[ -n "$port" ] || bench_fail "start kme-sim" "$(cat "$dir/sim.log")"

c=$dir/certs
# run WHAT ARGS...: one qkd-bench run; its figures once it succeeded.
run() {
	what=$1
	shift
	step "$what" "$bench" "https://127.0.0.1:$port" "$c/ca.pem" \
	    "$c/sae-SAE_A.pem" "$c/sae-SAE_A.key" SAE_B "$@"
	cat "$dir/step.out"
}
echo "== kme-sim on 127.0.0.1:$port, $(nproc) CPUs, $count keys of 256 bits"
for m in get post; do
	echo "-- one key per request ($m)"
	run "one key per request ($m)" "$count" 256 1 "$m"
done
# qkd-bench asks for whole batches: COUNT rounded down to a multiple of 16
batched=$(( count / 16 * 16 ))
[ "$batched" -gt 0 ] || batched=16
echo "-- 16 keys per request (post), $batched keys"
run "16 keys per request (post)" "$batched" 256 16 post
