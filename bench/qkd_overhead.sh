#!/bin/bash
# qkd_overhead.sh: what a QKD key costs an IKE SA's setup — the time from
# the initiator's first IKE_SA_INIT to the IKE_AUTH response that carries
# its Child SA (installed as the response is processed, RFC 7296 1.2), with
# a quantum-key-manager profile (example 2: enc_keys at the initiator's
# KME, dec_keys at the responder's, kme-sim in the lab's core namespace)
# against a static one (example 1), the same two appliances otherwise.
#
#   bench/qkd_overhead.sh [BUILD_DIR] [N]     (root; default N=10 setups)
#
# Both labs come from tests/lab/examples.sh; SRX-B is made a responder
# only (no `establish-tunnels`), then `clear security ike
# security-associations` on SRX-A N times, each waited for until iked logs
# the new IKE SA; tcpdump in SRX-A's namespace times each exchange on the
# wire (bench/ike_times.py), so the cli and the polling are not in the
# figure.  Prints, side by side, the median and the 90th percentile of
# each and the median difference.  Stops at the first failing step
# (bench/lib.sh).
#
# A responder handling 100 QKD negotiations at once while its other SAs'
# DPD and rekeys keep time is bench/qkd_load.sh's figure (it runs this
# script and prints both side by side).
set -u
[ "$(id -u)" = 0 ] || { echo "qkd_overhead: needs root (network namespaces)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
QSAFE_TOP=${QSAFE_TOP:-$(cd "$here/.." && pwd)}
QSAFE_BUILD_DIR=${1:-${QSAFE_BUILD_DIR:-$QSAFE_TOP/build}}
export QSAFE_TOP QSAFE_BUILD_DIR
N=${2:-10}
. "$QSAFE_TOP/tests/lab/lib.sh"
. "$QSAFE_TOP/tests/lab/examples.sh"
bench_name=qkd_overhead
bench_tmp=$(mktemp -d "${TMPDIR:-/tmp}/qkd_overhead.XXXXXX")
. "$here/lib.sh"
# lab_init sets its own EXIT trap and lab_cleanup clears it: each is
# followed by this one again, or $bench_tmp was left behind at every run
overhead_exit() {
	lab_cleanup
	rm -rf "$bench_tmp"
}
trap overhead_exit EXIT
trap 'exit 130' INT TERM
command -v tcpdump >/dev/null || bench_fail "tcpdump" "not installed (apt-get install tcpdump)"

established() {	# how many IKE SAs SRX-A's iked logged
	grep -c ' established with ' "$LAB_DIR/srx-a/iked.log"
}
more_than() {	# N: SRX-A logged more than N
	[ "$(established)" -gt "$1" ] && ex_ike_up srx-a 1
}
listening() {
	grep -q 'listening on' "$LAB_DIR/tcpdump.log"
}

captured() {	# N: the capture holds N complete setups
	[ "$(python3 "$here/ike_times.py" "$LAB_DIR/ike.pcap" 198.51.100.1 \
	    2>/dev/null | wc -l)" -ge "$1" ]
}
# setup I EX: clear SRX-A's IKE SAs; the cleared `immediately` tunnel
# negotiates again at once (its IKE_SA_INIT right behind the Delete);
# waits for the new SA.
setup() {
	local n
	n=$(established)
	step "clear $1" qs_cli "$LAB_DIR/srx-a" "clear security ike security-associations"
	wait_for "setup $1 of example $2" 30 more_than "$n"
}

# measure EX OUT: example EX's N setup times (ms) into OUT
measure() {
	local ex=$1 out=$2 i n
	lab_init "${QNTB_TAG:-qntb}"	# QNTB_TAG: the namespaces' prefix
	trap overhead_exit EXIT
	step "example $ex built" ex_build "$ex"
	step_has "SRX-B made a responder only" "commit complete" qs_cli \
	    "$LAB_DIR/srx-b" "configure; delete security ipsec vpn IPSEC_VPN establish-tunnels; commit"
	wait_for "example $ex's first tunnel" 60 ex_ike_up srx-a 1
	setup "warm-up" "$ex"	# SRX-B's own IKE SA gone, one of SRX-A's
	lab_spawn "$LAB_DIR/tcpdump.log" ip netns exec "$(ex_var EX_NS srx-a)" \
	    tcpdump -i ge-0-0-0 -U -n -s 256 -w "$LAB_DIR/ike.pcap" udp port 500
	wait_for "tcpdump" 10 listening
	for i in $(seq "$N"); do
		setup "$i" "$ex"
	done
	# the setups take milliseconds now: tcpdump (-U) is to have written
	# the last one before it is stopped
	wait_for "the capture of $N setups" 10 captured "$N"
	lab_kill "$LAB_PID"
	step "the capture read" python3 "$here/ike_times.py" "$LAB_DIR/ike.pcap" 198.51.100.1
	awk '{ print $2 }' "$bench_tmp/step.out" >"$out"
	awk '{ print $3 }' "$bench_tmp/step.out" >"$out.init"
	awk '{ print $4 }' "$bench_tmp/step.out" >"$out.auth"
	[ "$(wc -l <"$out")" -ge "$N" ] ||
	    bench_fail "example $ex" "$(wc -l <"$out") setups on the wire, $N wanted"
	lab_cleanup
	trap overhead_exit EXIT
}

# pct FILE P: the P-th percentile (nearest rank) of FILE's numbers
pct() {
	sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END {
		r = int((p * NR + 99) / 100); if (r < 1) r = 1; print v[r] }'
}

measure 1 "$bench_tmp/static.ms"
measure 2 "$bench_tmp/qkd.ms"
sm=$(pct "$bench_tmp/static.ms" 50) s90=$(pct "$bench_tmp/static.ms" 90)
qm=$(pct "$bench_tmp/qkd.ms" 50) q90=$(pct "$bench_tmp/qkd.ms" 90)
printf '%-34s %12s %12s\n' "IKE_SA_INIT -> Child SA (ms)" "static PPK" "QKD PPK"
printf '%-34s %12s %12s\n' "median of $N" "$sm" "$qm"
printf '%-34s %12s %12s\n' "90th percentile" "$s90" "$q90"
printf '%-34s %12s %12s\n' "  initiator, INIT resp -> AUTH req" \
    "$(pct "$bench_tmp/static.ms.init" 50)" "$(pct "$bench_tmp/qkd.ms.init" 50)"
printf '%-34s %12s %12s\n' "  IKE_AUTH round trip (responder)" \
    "$(pct "$bench_tmp/static.ms.auth" 50)" "$(pct "$bench_tmp/qkd.ms.auth" 50)"
printf 'qkd_overhead_ms %s\n' "$(awk -v a="$qm" -v b="$sm" 'BEGIN { printf "%.3f", a - b }')"
