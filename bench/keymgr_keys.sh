#!/bin/sh
# keymgr_keys.sh: keys through keymgr's API (what iked sees), over loopback.
#
#   bench/keymgr_keys.sh [BUILD_DIR [COUNT]]      (default build, 10000)
#
# PAIRS (environment, default 200): master/slave pairs of the third run.
#
# Starts kme-sim (KMEs A and B, mutual TLS, certificates from mkcerts.sh)
# and mgd in a temporary state directory; mgd starts keymgr.  The cli loads
# the certificates and commits two quantum-key-manager profiles (SAE_A on
# KME A, SAE_B on KME B) and a static one.  km-client then asks keymgr's
# socket for COUNT 256-bit keys: one request at a time (the latency iked
# sees per key: unix socket + worker thread + one enc_keys round trip on the
# profile's reused TLS connection), then 8 requests outstanding, then the
# slave side by key ID (PAIRS pairs), then the static profile (keymgr's own cost).
# Prints median and p99 per request and keys/s.
# Targets (issue 4): median < 2 ms per key, >= 1000 keys/s.
# Every step stops the bench when it fails, saying which and why
# (bench/lib.sh); figures are printed only for requests that got a key.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
count=${2:-10000}
pairs=${PAIRS:-200}
case $build in /*) ;; *) build=$top/$build ;; esac
sim=$build/keymgr/kme_sim/kme-sim
kc=$build/keymgr/km-client
mgd=$build/mgd/mgd
cli=$build/cli/cli
for b in "$sim" "$kc" "$mgd" "$cli" "$build/keymgr/keymgr"; do
	[ -x "$b" ] || { echo "keymgr_keys.sh: build $build first" >&2; exit 2; }
done
. "$top/bench/lib.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/keymgr-bench.XXXXXX")
bench_name=keymgr_keys.sh bench_tmp=$dir
simpid= mgdpid=
cleanup() {
	[ -n "$mgdpid" ] && { kill -TERM "$mgdpid" 2>/dev/null; wait "$mgdpid" 2>/dev/null; }
	[ -n "$simpid" ] && { kill -TERM "$simpid" 2>/dev/null; wait "$simpid" 2>/dev/null; }
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

alive() { kill -0 "$1" 2>/dev/null; }
c=$dir/certs s=$dir/state
step "make the certificates" sh "$top/keymgr/kme_sim/mkcerts.sh" -s "SAE_A SAE_B" "$c"
"$sim" --cert-dir "$c" --kme A=127.0.0.1:0:SAE_A --kme B=127.0.0.1:0:SAE_B \
    --stored-keys 1000000 --max-key-count 1000000 --key-rate 1000000 \
    >"$dir/sim.out" 2>"$dir/sim.log" &
simpid=$!
sim_ready() { alive "$simpid" && grep -q '^ready' "$dir/sim.out"; }
wait_for "start kme-sim (see its log: $(cat "$dir/sim.log" 2>/dev/null))" 10 sim_ready
pa=$(awk '$1=="kme"&&$2=="A"{print $4}' "$dir/sim.out")
pb=$(awk '$1=="kme"&&$2=="B"{print $4}' "$dir/sim.out")

mkdir -p "$s"
USER=${USER:-root} "$mgd" --state-dir "$s" --log "$s/mgd.log" &
mgdpid=$!
mgd_ready() { alive "$mgdpid" && [ -S "$s/mgd.sock" ] && [ -S "$s/keymgr.sock" ]; }
wait_for "start mgd and keymgr" 20 mgd_ready
q() { "$cli" --state-dir "$s" "$@"; }
# A configuration on the cli's stdin, committed: the cli exits non-zero
# when the commit fails.
commit() { { echo configure; cat; echo commit; echo exit; } | q; }
printf '%s\n' 'set security pki ca-profile Root-CA ca-identity Root-CA' >"$dir/ca.set"
step "commit the CA profile" commit <"$dir/ca.set"
# The load asks "Do you want to load this CA certificate ?": yes.
step_has "load the CA certificate" "loaded successfully" \
    q -c "request security pki ca-certificate load ca-profile Root-CA filename $c/ca.pem; yes"
for x in SAE_A SAE_B; do
	step "load the local certificate $x" q -c \
	    "request security pki local-certificate load certificate-id $x filename $c/sae-$x.pem key $c/sae-$x.key"
done
P='set security key-manager profiles'
printf '%s\n' \
    "$P qa quantum-key-manager url https://127.0.0.1:$pa" \
    "$P qa quantum-key-manager local-sae-id SAE_A" \
    "$P qa quantum-key-manager local-certificate-id SAE_A" \
    "$P qa quantum-key-manager trusted-cas Root-CA" \
    "$P qa quantum-key-manager peer-sae-ids SAE_B" \
    "$P qb quantum-key-manager url https://127.0.0.1:$pb" \
    "$P qb quantum-key-manager local-sae-id SAE_B" \
    "$P qb quantum-key-manager local-certificate-id SAE_B" \
    "$P qb quantum-key-manager trusted-cas Root-CA" \
    "$P qb quantum-key-manager peer-sae-ids SAE_A" \
    "$P st static key-id ascii-text bench" \
    "$P st static key ascii-text 0123456789abcdef0123456789abcdef" \
    >"$dir/profiles.set"
step "commit the key-manager profiles" commit <"$dir/profiles.set"

# bench WHAT ARGS...: one km-client bench run; its figures once it succeeded.
bench() {
	what=$1
	shift
	step "$what" "$kc" "$sock" bench "$@"
	cat "$dir/step.out"
}
sock=$s/keymgr.sock
echo "== keymgr API on $sock, kme-sim on 127.0.0.1, $(nproc) CPUs, $count keys of 256 bits"
echo "-- master (enc_keys), one request at a time"
bench "enc_keys, one at a time" qa "$count" SAE_B 1
echo "-- master (enc_keys), 8 requests outstanding"
bench "enc_keys, 8 outstanding" qa "$count" SAE_B 8
echo "-- master then slave (dec_keys by key ID), $pairs pairs"
t0=$(date +%s%N)
i=0
while [ $i -lt "$pairs" ]; do
	step "enc_keys of pair $i" "$kc" "$sock" get qa
	kid=$(sed -n 's/.*"key_id":"\([^"]*\)".*/\1/p' "$dir/step.out")
	[ -n "$kid" ] || bench_fail "enc_keys of pair $i" "no key_id in $(cat "$dir/step.out")"
	step "dec_keys of pair $i (key ID $kid)" "$kc" "$sock" get-id qb "$kid"
	i=$((i + 1))
done
echo "pairs=$pairs ms_per_pair_with_process_start=$(( ($(date +%s%N) - t0) / ($pairs * 1000000) ))"
echo "-- static profile (no KME: keymgr's own cost)"
bench "static profile" st "$count" "" 1
step "show security key-manager profiles" q -c 'show security key-manager profiles'
cat "$dir/step.out"
