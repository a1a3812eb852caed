#!/bin/sh
# keymgr_keys.sh: keys through keymgr's API (what iked sees), over loopback.
#
#   bench/keymgr_keys.sh [BUILD_DIR [COUNT]]      (default build, 10000)
#
# Starts kme-sim (KMEs A and B, mutual TLS, certificates from mkcerts.sh)
# and mgd in a temporary state directory; mgd starts keymgr.  The cli loads
# the certificates and commits two quantum-key-manager profiles (SAE_A on
# KME A, SAE_B on KME B) and a static one.  km-client then asks keymgr's
# socket for COUNT 256-bit keys: one request at a time (the latency iked
# sees per key: unix socket + worker thread + one enc_keys round trip on the
# profile's reused TLS connection), then 8 requests outstanding, then the
# slave side by key ID, then the static profile (keymgr's own cost).
# Prints median and p99 per request and keys/s.
# Targets (issue 4): median < 2 ms per key, >= 1000 keys/s.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
count=${2:-10000}
case $build in /*) ;; *) build=$top/$build ;; esac
sim=$build/keymgr/kme_sim/kme-sim
kc=$build/keymgr/km-client
mgd=$build/mgd/mgd
cli=$build/cli/cli
for b in "$sim" "$kc" "$mgd" "$cli" "$build/keymgr/keymgr"; do
	[ -x "$b" ] || { echo "keymgr_keys.sh: build $build first" >&2; exit 2; }
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/keymgr-bench.XXXXXX")
simpid= mgdpid=
cleanup() {
	[ -n "$mgdpid" ] && { kill -TERM "$mgdpid" 2>/dev/null; wait "$mgdpid" 2>/dev/null; }
	[ -n "$simpid" ] && { kill -TERM "$simpid" 2>/dev/null; wait "$simpid" 2>/dev/null; }
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

c=$dir/certs s=$dir/state
sh "$top/keymgr/kme_sim/mkcerts.sh" -s "SAE_A SAE_B" "$c" >/dev/null 2>&1
"$sim" --cert-dir "$c" --kme A=127.0.0.1:0:SAE_A --kme B=127.0.0.1:0:SAE_B \
    --stored-keys 1000000 --max-key-count 1000000 --key-rate 1000000 \
    >"$dir/sim.out" 2>"$dir/sim.log" &
simpid=$!
until grep -q '^ready' "$dir/sim.out"; do sleep 0.05; done
pa=$(awk '$1=="kme"&&$2=="A"{print $4}' "$dir/sim.out")
pb=$(awk '$1=="kme"&&$2=="B"{print $4}' "$dir/sim.out")

mkdir -p "$s"
USER=${USER:-root} "$mgd" --state-dir "$s" --log "$s/mgd.log" &
mgdpid=$!
until [ -S "$s/mgd.sock" ] && [ -S "$s/keymgr.sock" ]; do sleep 0.05; done
q() { "$cli" --state-dir "$s" "$@"; }
printf '%s\n' configure 'set security pki ca-profile Root-CA ca-identity Root-CA' \
    commit exit | q >/dev/null
q -c "request security pki ca-certificate load ca-profile Root-CA filename $c/ca.pem" >/dev/null </dev/null
for x in SAE_A SAE_B; do
	q -c "request security pki local-certificate load certificate-id $x filename $c/sae-$x.pem key $c/sae-$x.key" >/dev/null
done
P='set security key-manager profiles'
printf '%s\n' configure \
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
    commit exit | q >/dev/null

sock=$s/keymgr.sock
echo "== keymgr API on $sock, kme-sim on 127.0.0.1, $(nproc) CPUs, $count keys of 256 bits"
echo "-- master (enc_keys), one request at a time"
"$kc" "$sock" bench qa "$count" SAE_B 1
echo "-- master (enc_keys), 8 requests outstanding"
"$kc" "$sock" bench qa "$count" SAE_B 8
echo "-- master then slave (dec_keys by key ID), 200 pairs"
t0=$(date +%s%N)
i=0
while [ $i -lt 200 ]; do
	kid=$("$kc" "$sock" get qa | sed -n 's/.*"key_id":"\([^"]*\)".*/\1/p')
	"$kc" "$sock" get-id qb "$kid" >/dev/null || { echo "dec_keys failed" >&2; exit 1; }
	i=$((i + 1))
done
echo "pairs=200 ms_per_pair_with_process_start=$(( ($(date +%s%N) - t0) / 200000000 ))"
echo "-- static profile (no KME: keymgr's own cost)"
"$kc" "$sock" bench st "$count" "" 1
q -c 'show security key-manager profiles'
