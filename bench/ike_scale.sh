#!/bin/bash
# ike_scale.sh: iked at N tunnels — two qsafe appliances in namespaces of
# this run (tests/lab/lib.sh), configured through the cli as an operator
# would: N route-based VPNs with `establish-tunnels immediately` on the
# initiator, the same N gateways on the responder.
#
#   bench/ike_scale.sh BUILD_DIR [N]        (root; default N=1000)
#
# Each tunnel has a gateway of its own on both sides, the Junos way: the
# initiator holds N addresses (100.65.x.y/32 on its ge-0/0/0, one
# `local-address` per gateway), the responder a gateway per initiator
# address (100.65.0.0/16 routed to the initiator, so its neighbour table
# holds one entry).  All VPNs bind st0.0.  PSK, IKE AES-CBC-256 /
# HMAC-SHA2-256 / Curve25519 (group31; ISC_DH=group19 for ECP-256, the
# group of the figures before 2026-12-05's third round), Child SA
# AES-GCM-128 without PFS: the proposals of bench/ike_setup.sh and of
# issue 10's figures.  The responder's half-open
# thresholds are raised to N so that the initiator's burst (N IKE_SA_INIT
# at commit) is measured, not cookies.
#
# Figures (each printed only after its step succeeded):
#   setups/s           N / (all N UP on the responder - commit on the
#                      initiator), wall clock, through the cli
#   resp CPU ms/setup  responder iked utime+stime over that time / N
#   resp KiB/tunnel    responder iked VmRSS with N up - before / N (its
#                      configuration loaded before)
#   init KiB/tunnel    initiator iked VmRSS with N up - iked's at start / N
#                      (includes the N gateways' and VPNs' configuration)
#   show s             `show security ike security-associations` through
#                      the cli at N (responder), end to end
#   show|count s       the same with `| count`
#   commit ms          initiator: a commit adding one gateway and VPN, end
#                      to end through the cli; "others unchanged" compares
#                      every IKE SA's index and SPIs before and after
#
# Stops at the first failing step (bench/lib.sh) and says which.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"	# bench/check.sh runs sh
set -u
[ "$(id -u)" = 0 ] || { echo "ike_scale: needs root (network namespaces)" >&2; exit 1; }
top=$(cd "$(dirname "$0")/.." && pwd)
export QSAFE_BUILD_DIR=${1:?usage: ike_scale.sh BUILD_DIR [N]}
N=${2:-1000}
[ "$N" -ge 1 ] && [ "$N" -le 16000 ] || { echo "ike_scale: 1 <= N <= 16000" >&2; exit 2; }
. "$top/tests/lab/lib.sh"
. "$top/bench/lib.sh"
bench_name=ike_scale
lab_init "${ISC_TAG:-isc}"	# ISC_TAG: the namespaces' prefix
bench_tmp=$LAB_DIR
I=$LAB_DIR/ini R=$LAB_DIR/rsp
UPTIME=$((60 + N / 20))		# seconds allowed for N tunnels

# common NAME ADDR: what both appliances share.
common() {
	cat <<EOF
set system host-name $1
set interfaces ge-0/0/0 unit 0 family inet address $2/24
set interfaces st0 unit 0 family inet address 10.99.0.${2##*.}/24
set security zones security-zone untrust interfaces ge-0/0/0.0 host-inbound-traffic system-services ike
set security zones security-zone vpn interfaces st0.0
set security ike proposal P authentication-method pre-shared-keys
set security ike proposal P dh-group ${ISC_DH:-group31}
set security ike proposal P authentication-algorithm sha-256
set security ike proposal P encryption-algorithm aes-256-cbc
set security ike policy POL proposals P
set security ike policy POL pre-shared-key ascii-text "isc-bench-psk-0123456789"
set security ipsec proposal EP protocol esp
set security ipsec proposal EP encryption-algorithm aes-128-gcm
set security ipsec policy EPOL proposals EP
EOF
}

# tunnels SIDE FIRST LAST: gateway gI and VPN vI of one side for each I
# (awk: bash takes minutes for 10,000); tunnel I's initiator address is
# 100.65.(I/250).(I%250+1).
tunnels() {
	awk -v side="$1" -v first="$2" -v last="$3" 'BEGIN {
	for (i = first; i <= last; i++) {
		a = sprintf("100.65.%d.%d", int(i / 250), i % 250 + 1)
		g = "set security ike gateway g" i
		v = "set security ipsec vpn v" i
		print g " address " (side == "ini" ? "100.64.0.1" : a)
		print g " local-address " (side == "ini" ? a : "100.64.0.1")
		print g " ike-policy POL"
		print g " external-interface ge-0/0/0.0"
		print g " version v2-only"
		print v " bind-interface st0.0"
		print v " ike gateway g" i
		print v " ike ipsec-policy EPOL"
		print v " establish-tunnels " (side == "ini" ? "immediately" : "responder-only")
	}
	if (side == "addrs")
		for (i = first; i <= last; i++)
			printf "addr add 100.65.%d.%d/32 dev ge-0-0-0\n", int(i / 250), i % 250 + 1
	}'
}

iked_pid() { # DIR: the iked mgd started last
	sed -n 's/.*started iked (pid \([0-9]*\)).*/\1/p' "$1/mgd.log" | tail -n 1
}
# established DIR: IKE SAs that came up (show security ike stats: cheap to
# poll at 10,000; the full show is checked once, below)
established() {
	cli "$1" "show security ike stats" |
	    sed -n 's/^  IKE SAs established: *\([0-9]*\)$/\1/p'
}
all_up() { [ "$(established "$1")" -ge "$2" ]; }
iked_ready() { [ -n "$(iked_pid "$1")" ] && grep -q "listening\|engine" "$1/iked.log" 2>/dev/null; }
# cli DIR CMDS: the cli itself, as an operator runs it (./qsafe cli adds
# a shell's start, ~0.2 s here, to every figure).
cli() { "$QSAFE_BUILD_DIR/cli/cli" --state-dir "$1" -c "$2"; }
ms_since() { echo $((($(lab_now_us) - $1) / 1000)); }
# sas DIR: index and both SPIs of every IKE SA, sorted.
sas() {
	qs_cli "$1" "show security ike security-associations" |
	    awk '$2 == "UP" {print $1, $3, $4}' | sort
}

A=$(lab_netns ini) && B=$(lab_netns rsp) || bench_fail namespaces "cannot create"
step link lab_link "$A" ge-0-0-0 - "$B" ge-0-0-0 -
tunnels addrs 1 "$((N + 1))" | grep '^addr' >"$LAB_DIR/addrs"
step "initiator addresses" ip -n "$A" -batch "$LAB_DIR/addrs"
step "route to the initiator" ip -n "$B" route add 100.65.0.0/16 via 100.64.0.2 onlink dev ge-0-0-0

{ common isc-rsp 100.64.0.1
  tunnels rsp 1 "$((N + 1))"
  echo "set security ike session half-open max-count 10000"
  echo "set security ike session half-open thresholds send-cookie session-count 10000"
} >"$LAB_DIR/rsp.set"
{ common isc-ini 100.64.0.2
  tunnels ini 1 "$N"
} >"$LAB_DIR/ini.set"
tunnels ini "$((N + 1))" "$((N + 1))" >"$LAB_DIR/one.set"

step "responder start" qs_start "$B" "$R"
step "initiator start" qs_start "$A" "$I"
wait_for "responder iked" 30 iked_ready "$R"
wait_for "initiator iked" 30 iked_ready "$I"
step "responder commit" qs_load "$R" "$LAB_DIR/rsp.set"
rpid=$(iked_pid "$R") ipid=$(iked_pid "$I")
rr0=$(lab_rss_kb "$rpid") ir0=$(lab_rss_kb "$ipid")
rt0=$(lab_cpu_ticks "$rpid")
# ISC_PERF=FILE: perf record the responder's iked over the setups
# (ISC_PERF_OPTS, default DWARF call graphs at 1 kHz) into FILE.
perfpid=
if [ -n "${ISC_PERF:-}" ]; then
	perf record ${ISC_PERF_OPTS:---call-graph dwarf -F 1000} \
	    -o "$ISC_PERF" -p "$rpid" >"$LAB_DIR/perf.log" 2>&1 &
	perfpid=$!
	lab_defer "kill -INT $perfpid 2>/dev/null"
fi
t0=$(lab_now_us)
step "initiator commit" qs_load "$I" "$LAB_DIR/ini.set"
wait_for "$N tunnels UP on the responder" "$UPTIME" all_up "$R" "$N"
ms=$(ms_since "$t0")
rt1=$(lab_cpu_ticks "$rpid")
if [ -n "$perfpid" ]; then
	kill -INT "$perfpid" && wait "$perfpid"
fi
wait_for "$N tunnels UP on the initiator" 30 all_up "$I" "$N"
rr1=$(lab_rss_kb "$rpid") ir1=$(lab_rss_kb "$ipid")
[ "$(iked_pid "$R")" = "$rpid" ] && [ "$(iked_pid "$I")" = "$ipid" ] ||
    bench_fail "tunnels" "iked restarted during the run"
hz=$(getconf CLK_TCK)
echo "IKE at scale: $N tunnels, PSK AES-CBC-256/HMAC-SHA2-256/${ISC_DH:-group31} + CHILD AES-GCM-128, qsafe⇄qsafe"
awk -v n="$N" -v ms="$ms" 'BEGIN {printf "setups/s %.0f (%d up in %.2f s, commit included)\n", n / (ms / 1000), n, ms / 1000}'
awk -v t=$((rt1 - rt0)) -v hz="$hz" -v n="$N" 'BEGIN {printf "resp CPU ms/setup %.3f\n", t / hz * 1000 / n}'
awk -v d=$((rr1 - rr0)) -v n="$N" 'BEGIN {printf "resp KiB/tunnel %.1f\n", d / n}'
awk -v d=$((ir1 - ir0)) -v n="$N" 'BEGIN {printf "init KiB/tunnel %.1f (with its configuration)\n", d / n}'

# three of each, the median printed (this machine is shared: one run of
# a command can wait for a core for a second)
# timed3 WHAT TEXT CMD...: step_has three times (in this shell: a failed
# step stops the bench); T3 = the ms of each, sorted
timed3() {
	local what=$1 text=$2 t ms=""
	shift 2
	for _ in 1 2 3; do
		t=$(lab_now_us)
		step_has "$what" "$text" "$@"
		ms="$ms $(ms_since "$t")"
	done
	T3=$(printf '%s\n' $ms | sort -n | tr '\n' ' ')
}
secs() { awk -v ms="$1" 'BEGIN {printf "%.3f", ms / 1000}'; }
timed3 "show version" "Hostname" cli "$R" "show version"
set -- $T3
echo "cli floor s $(secs "$2") (show version, median of 3: the cli's start and mgd's answer here)"
timed3 "show" "UP" cli "$R" "show security ike security-associations"
set -- $T3
lines=$(grep -c ' UP ' "$bench_tmp/step.out")
[ "$lines" = "$N" ] || bench_fail show "$lines UP lines, not $N"
echo "show s $(secs "$2") (median of 3, $(secs "$1")..$(secs "$3"); $N SAs)"
timed3 "show | count" "Count:" cli "$R" "show security ike security-associations | count"
set -- $T3
echo "show|count s $(secs "$2") (median of 3, $(secs "$1")..$(secs "$3"))"

step "SAs before" sas "$I"
cp "$bench_tmp/step.out" "$LAB_DIR/before"
imgd=$(awk '{ print $4 }' "/proc/$ipid/stat")	# iked's parent: mgd
ci0=$(lab_cpu_ticks "$ipid") cm0=$(lab_cpu_ticks "$imgd")
t0=$(lab_now_us)
step_has "commit of one more VPN" "commit complete" cli "$I" \
    "configure; load set $LAB_DIR/one.set; commit"
ms=$(ms_since "$t0")
ci1=$(lab_cpu_ticks "$ipid") cm1=$(lab_cpu_ticks "$imgd")
wait_for "the new tunnel UP" 30 all_up "$I" "$((N + 1))"
step "SAs after" sas "$I"
missing=$(comm -23 "$LAB_DIR/before" "$bench_tmp/step.out" | wc -l)
[ "$missing" = 0 ] || bench_fail "commit of one more VPN" "$missing other IKE SAs changed"
echo "commit ms $ms (one VPN added to $N up; others unchanged: $N of $N)"
awk -v i=$((ci1 - ci0)) -v m=$((cm1 - cm0)) -v hz="$hz" 'BEGIN {
    printf "commit cpu ms: iked %.0f (its timers too), mgd %.0f\n",
	i * 1000 / hz, m * 1000 / hz }'
# ISC_HOLD=FILE: keep the lab up (for perf) until FILE is removed.
if [ -n "${ISC_HOLD:-}" ]; then
	echo "holding: ini=$I rsp=$R rpid=$rpid ipid=$ipid" >&2
	while [ -e "$ISC_HOLD" ]; do sleep 1; done
fi
