#!/bin/bash
# qkd_load.sh: a responder handling a burst of QKD negotiations keeps its
# other SAs' DPD and rekeys on time (issue 12's second figure; the first,
# what one QKD key costs a setup, is qkd_overhead.sh's, printed beside it).
#
#   bench/qkd_load.sh [BUILD_DIR] [N] [K]     (root; default N=100, K=20)
#
# Three appliances in namespaces of this run (tests/lab/lib.sh, prefix
# q1h), on example 2's WAN and KME networks (tests/lab/examples.sh: its
# core namespace, kme-sim with KME-A and KME-B, SRX-A's and SRX-B's
# certificates and key-manager profiles):
#
#   SRX-C  198.51.100.3 + 100.66.0.1..K   K background gateways, PSK,
#          responder-only, `dead-peer-detection always-send interval 2
#          threshold 3`: it checks SRX-B's liveness every 2 s
#   SRX-B  198.51.100.2   the responder under test: the K background
#          tunnels (it initiates them, `establish-tunnels immediately`,
#          DPD the same; IPsec lifetime-seconds 180, the schema's least,
#          run 20 times faster by QSAFE_LIFETIME_DIVISOR=20 in its iked's
#          environment, the test knob of docs/architecture.md: a Child SA
#          lives 9 s and SRX-B rekeys it at 80-84 % of that, every ~7 s),
#          and N QKD gateways (ppk-profile km_profile_1 at KME-B),
#          responder-only
#   SRX-A  198.51.100.1 + 100.65.0.1..N   the burst: N gateways with
#          ppk-profile km_profile_1 (KME-A), `establish-tunnels
#          immediately`, committed at once
#
# First a window without the burst (until SRX-B has rekeyed each
# background Child SA once), then one burst per KME-B latency in
# QL_LATENCY (default "0 200": kme-sim's latency fault on every reply of
# KME-B, the responder's KME; kme-sim restarted with it), each until SRX-B
# has logged N IKE SAs established with a PPK, then until each background
# Child SA was rekeyed once more; SRX-A's commit is rolled back between
# bursts.  tcpdump in SRX-C's namespace captures the background tunnels,
# in SRX-A's the burst; bench/qkd_load.py reads them:
#
#   all QKD UP s     SRX-A's commit -> the last IKE_AUTH response of the
#                    burst on the wire
#   DPD RTT ms       SRX-C's liveness checks sent in the window: request
#                    -> SRX-B's response; missed = never answered
#   rekeys           SRX-B's Child SA rekeys due in the window (install +
#                    84 % of 9 s, whole seconds as life.c computes it) and
#                    of those the ones whose CREATE_CHILD_SA left within
#                    1.25 s of that (life.c's once-a-second clock + 0.25 s)
#   tunnels lost     background IKE SAs not UP on SRX-B at the end, plus
#                    any SRX-C set up again (a tunnel that went down)
#
# QL_DIVISOR=D replaces the 20 (./qsafe test: 60, Child SAs of 3 s, so
# that the short run sees rekeys sooner).
# QL_OVERHEAD=M (default 10) then runs qkd_overhead.sh with M setups and
# prints both issue-12 figures side by side; QL_OVERHEAD=0 skips it.
# Stops at the first failing step (bench/lib.sh) and says which.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"	# bench/check.sh runs sh
set -u
[ "$(id -u)" = 0 ] || { echo "qkd_load: needs root (network namespaces)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
QSAFE_TOP=${QSAFE_TOP:-$(cd "$here/.." && pwd)}
QSAFE_BUILD_DIR=${1:-${QSAFE_BUILD_DIR:-$QSAFE_TOP/build}}
export QSAFE_TOP QSAFE_BUILD_DIR
N=${2:-100} K=${3:-20}
LATENCIES=${QL_LATENCY:-0 200}
OVERHEAD=${QL_OVERHEAD:-10}
[ "$N" -ge 1 ] && [ "$N" -le 250 ] && [ "$K" -ge 1 ] && [ "$K" -le 250 ] ||
    { echo "qkd_load: 1 <= N, K <= 250" >&2; exit 2; }
. "$QSAFE_TOP/tests/lab/lib.sh"
. "$QSAFE_TOP/tests/lab/examples.sh"
bench_name=qkd_load
. "$here/lib.sh"
command -v tcpdump >/dev/null || bench_fail "tcpdump" "not installed (apt-get install tcpdump)"
lab_init q1h
bench_tmp=$LAB_DIR
A=$LAB_DIR/srx-a B=$LAB_DIR/srx-b C=$LAB_DIR/srx-c
B_ADDR=198.51.100.2
DIV=${QL_DIVISOR:-20} LIFE=180	# QL_DIVISOR: 60 in ./qsafe test (3 s Child SAs)
SOFT=$((LIFE / DIV * 84 / 100))	# life.c: the initiator's latest soft expiry
GRACE=1.25

# base G: example 2's set file for G without its gateway, VPN and route.
base() {
	grep -v -e 'IKE_GW' -e 'IPSEC_VPN' -e 'routing-options' \
	    "$EX_DIR/ex2-qkd-$1.set"
}

# background SIDE: the K PSK tunnels between SRX-B and SRX-C.
background() {
	cat <<EOF
set security ike proposal BG_PROP authentication-method pre-shared-keys
set security ike proposal BG_PROP dh-group group19
set security ike proposal BG_PROP authentication-algorithm sha-256
set security ike proposal BG_PROP encryption-algorithm aes-256-cbc
set security ike proposal BG_PROP lifetime-seconds 86400
set security ike policy BG_POL proposals BG_PROP
set security ike policy BG_POL pre-shared-key ascii-text "q1h-background-psk-0123456789"
set security ipsec proposal BG_EP protocol esp
set security ipsec proposal BG_EP encryption-algorithm aes-128-gcm
set security ipsec proposal BG_EP lifetime-seconds $LIFE
set security ipsec policy BG_EPOL proposals BG_EP
EOF
	awk -v side="$1" -v k="$K" -v b="$B_ADDR" 'BEGIN {
	for (i = 1; i <= k; i++) {
		a = "100.66.0." i
		g = "set security ike gateway b" i
		v = "set security ipsec vpn bg" i
		print g " address " (side == "b" ? a : b)
		print g " local-address " (side == "b" ? b : a)
		print g " ike-policy BG_POL"
		print g " external-interface ge-0/0/0.0"
		print g " version v2-only"
		print g " dead-peer-detection always-send"
		print g " dead-peer-detection interval 2"
		print g " dead-peer-detection threshold 3"
		print v " bind-interface st0.0"
		print v " ike gateway b" i
		print v " ike ipsec-policy BG_EPOL"
		print v " establish-tunnels " (side == "b" ? "immediately" : "responder-only")
	}}'
}

# qkd SIDE: the N QKD gateways of example 2's policies on SRX-A or SRX-B.
qkd() {
	awk -v side="$1" -v n="$N" -v b="$B_ADDR" 'BEGIN {
	for (i = 1; i <= n; i++) {
		a = "100.65.0." i
		g = "set security ike gateway q" i
		v = "set security ipsec vpn qv" i
		print g " address " (side == "b" ? a : b)
		print g " local-address " (side == "b" ? b : a)
		print g " ike-policy IKE_POL"
		print g " external-interface ge-0/0/0.0"
		print g " version v2-only"
		print g " ppk-profile km_profile_1"
		print v " bind-interface st0.0"
		print v " ike gateway q" i
		print v " ike ipsec-policy IPSEC_POL"
		print v " establish-tunnels " (side == "b" ? "responder-only" : "immediately")
	}}'
}

addrs() {	# PREFIX COUNT: ip -batch lines for SRX-A's or SRX-C's addresses
	seq "$2" | sed "s|.*|addr add $1.&/32 dev ge-0-0-0|"
}

# ups DIR PREFIX: IKE SAs UP in DIR whose peer address starts with PREFIX
ups() {
	qs_cli "$1" "show security ike security-associations" 2>/dev/null |
	    awk -v p="$2" '$2 == "UP" && index($NF, p) == 1 { n++ } END { print n + 0 }'
}
ups_are() { [ "$(ups "$1" "$2")" -eq "$3" ]; }
lines() { grep -c -- "$2" "$1/iked.log" 2>/dev/null; }	# DIR TEXT
# more DIR TEXT FROM WANT: DIR's iked logged TEXT WANT times since FROM
more() { [ $(($(lines "$1" "$2") - $3)) -ge "$4" ]; }
listening() { grep -q 'listening on' "$1"; }
secs() { echo "${EPOCHREALTIME}"; }

# the lab: example 2's core, SRX-A and SRX-B wired with their hosts and
# the KMEs; SRX-C on the WAN bridge only
step "example 2's topology" ex_topology 2
step "the core namespace" ex_core
for g in srx-a srx-b; do
	step "$g wired" ex_wire "$g"
done
NSC=$(lab_netns srx-c) || bench_fail "namespace srx-c" "cannot create"
ex_set EX_NS srx-c "$NSC"
step "srx-c wired" ex_port "$NSC" ge-0-0-0 br-wan w-srx-c
step "the KMEs" ex_kmes
KME_ARGS=$EX_KME_ARGS
NSA=$(ex_var EX_NS srx-a) NSB=$(ex_var EX_NS srx-b)
addrs 100.65.0 "$N" >"$LAB_DIR/a.addrs"
addrs 100.66.0 "$K" >"$LAB_DIR/c.addrs"
step "SRX-A's addresses" ip -n "$NSA" -batch "$LAB_DIR/a.addrs"
step "SRX-C's addresses" ip -n "$NSC" -batch "$LAB_DIR/c.addrs"
step "SRX-B's routes to SRX-A" ip -n "$NSB" route add 100.65.0.0/16 via 198.51.100.1 onlink dev ge-0-0-0
step "SRX-B's routes to SRX-C" ip -n "$NSB" route add 100.66.0.0/16 via 198.51.100.3 onlink dev ge-0-0-0

{ cat <<EOF
set system host-name SRX-C
set interfaces ge-0/0/0 unit 0 family inet address 198.51.100.3/24
set interfaces st0 unit 0 family inet
set security zones security-zone untrust interfaces ge-0/0/0.0 host-inbound-traffic system-services ike
set security zones security-zone vpn interfaces st0.0
EOF
  background c; } >"$LAB_DIR/c.set"
{ base srx-b; background b; qkd b
  echo "set security ike session half-open max-count 10000"
  echo "set security ike session half-open thresholds send-cookie session-count 10000"
} >"$LAB_DIR/b.set"
base srx-a >"$LAB_DIR/a.set"
qkd a >"$LAB_DIR/burst.set"

step "SRX-C started" qs_start "$NSC" "$C"
step "SRX-C committed" qs_load "$C" "$LAB_DIR/c.set"
export QSAFE_LIFETIME_DIVISOR=$DIV
step "SRX-B started" qs_start "$NSB" "$B"
unset QSAFE_LIFETIME_DIVISOR
step "SRX-B's pki" ex_pki srx-b
step "SRX-B committed" qs_load "$B" "$LAB_DIR/b.set"
step "SRX-A started" qs_start "$NSA" "$A"
step "SRX-A's pki" ex_pki srx-a
step "SRX-A committed (no gateway yet)" qs_load "$A" "$LAB_DIR/a.set"
wait_for "$K background tunnels UP on SRX-B" 60 ups_are "$B" 100.66. "$K"
wait_for "SRX-A's key-manager profile Active" 30 ex_km_active srx-a
wait_for "SRX-B's key-manager profile Active" 30 ex_km_active srx-b
rpid=$(sed -n 's/.*started iked (pid \([0-9]*\)).*/\1/p' "$B/mgd.log" | tail -n 1)
[ -n "$rpid" ] || bench_fail "SRX-B's iked" "no PID in $B/mgd.log"
hz=$(getconf CLK_TCK)

# tcpdump NS NAME: IKE on NS's ge-0-0-0 into $LAB_DIR/NAME.pcap
tcpdump_start() {
	lab_spawn "$LAB_DIR/$2.tcpdump" ip netns exec "$1" tcpdump -i ge-0-0-0 \
	    -U -n -s 256 -w "$LAB_DIR/$2.pcap" udp port 500
	eval "TCPDUMP_$2=\$LAB_PID"
	wait_for "tcpdump in $1" 10 listening "$LAB_DIR/$2.tcpdump"
}
tcpdump_start "$NSC" bg
tcpdump_start "$NSA" burst

REKEYING="rekeying Child SA"
r=$(lines "$B" "$REKEYING")
T_QUIET=$(secs)
# twice: the first rekeys replace Child SAs installed before the capture
wait_for "two rekeys of each background Child SA (no burst)" 40 more "$B" "$REKEYING" "$r" $((2 * K))
wait_for "the rekeys answered" 10 ups_are "$B" 100.66. "$K"
T_QUIET_END=$(secs)

# one burst per latency; bursts: "latency t0 t1 t2 cputicks" (t1: all
# N established, t2: the end of its window)
bursts=()
kme_ms=0
for lat in $LATENCIES; do
	if [ "$lat" != "$kme_ms" ]; then
		step "kme-sim stopped" ex_kme_stop
		EX_KME_ARGS="$KME_ARGS --fault KME-B:latency=$lat"
		step "kme-sim with KME-B's latency $lat ms" ex_kme_start
		kme_ms=$lat
		wait_for "SRX-B's key-manager profile Active again" 60 ex_km_active srx-b
		wait_for "SRX-A's key-manager profile Active again" 60 ex_km_active srx-a
	fi
	e=$(lines "$B" "(PPK used)")
	if [ -n "${QL_PERF:-}" ] && [ -z "${perf_pid:-}" ]; then
		# QL_PERF=FILE: perf record -g of SRX-B's iked in the first burst
		lab_spawn "$LAB_DIR/perf.log" perf record -g -o "$QL_PERF" -p "$rpid"
		perf_pid=$LAB_PID
	fi
	c0=$(lab_cpu_ticks "$rpid")
	t0=$(secs)
	step "the burst committed on SRX-A" qs_load "$A" "$LAB_DIR/burst.set"
	wait_for "$N QKD IKE SAs on SRX-B (KME $lat ms)" $((60 + N * lat / 250)) \
	    more "$B" "(PPK used)" "$e" "$N"
	t1=$(secs)
	c1=$(lab_cpu_ticks "$rpid")
	[ -z "${perf_pid:-}" ] || lab_kill "$perf_pid"
	r=$(lines "$B" "$REKEYING")
	wait_for "a rekey of each background Child SA after the burst" 30 \
	    more "$B" "$REKEYING" "$r" "$K"
	wait_for "$N QKD tunnels UP on SRX-B" 30 ups_are "$B" 100.65. "$N"
	bursts+=("$lat $t0 $t1 $(secs) $((c1 - c0))")
	# SRX-A deletes the gateways, and with them their IKE SAs: its
	# Deletes (RFC 7296 1.4.1) take SRX-B's QKD SAs away
	step_has "the burst rolled back on SRX-A" "commit complete" qs_cli "$A" \
	    "configure; rollback 1; commit"
	wait_for "SRX-B's QKD IKE SAs gone (SRX-A's Deletes)" 60 \
	    ups_are "$B" 100.65. 0
done
lost=$((K - $(ups "$B" 100.66.) + $(lines "$C" " established with ") - K))
lab_kill "$TCPDUMP_bg"
lab_kill "$TCPDUMP_burst"

# the figures, each after its step
P=$here/qkd_load.py
step "DPD without the burst" python3 "$P" dpd "$LAB_DIR/bg.pcap" "$B_ADDR" "$T_QUIET" "$T_QUIET_END"
read -r _ q_n _ q_med _ q_p99 _ q_max _ q_miss <"$bench_tmp/step.out"
step "rekeys without the burst" python3 "$P" rekey "$LAB_DIR/bg.pcap" "$B_ADDR" "$SOFT" "$GRACE" "$T_QUIET" "$T_QUIET_END"
read -r _ q_due _ q_ok _ q_late _ q_maxl <"$bench_tmp/step.out"
hdr=$(printf '%-34s %12s' "" "no burst")
f_n=$(printf '%-34s %12s' "burst size (QKD IKE SAs)" "-")
f_up=$(printf '%-34s %12s' "all QKD tunnels UP (s)" "-")
f_set=$(printf '%-34s %12s' "  median setup of one (ms)" "-")
f_cpu=$(printf '%-34s %12s' "  SRX-B iked CPU until all UP (s)" "-")
f_med=$(printf '%-34s %12s' "background DPD RTT median (ms)" "$q_med")
f_p99=$(printf '%-34s %12s' "background DPD RTT p99 (ms)" "$q_p99")
f_max=$(printf '%-34s %12s' "background DPD RTT max (ms)" "$q_max")
f_dpd=$(printf '%-34s %12s' "  DPD checks answered / missed" "$q_n/$q_miss")
f_rk=$(printf '%-34s %12s' "rekeys due / on time" "$q_due/$q_ok")
f_rkl=$(printf '%-34s %12s' "  latest rekey after due (ms)" "$q_maxl")
for b in "${bursts[@]}"; do
	set -- $b
	lat=$1 t0=$2 t1=$3 t2=$4 cpu=$5
	step "the burst with KME $lat ms" python3 "$P" burst "$LAB_DIR/burst.pcap" "$B_ADDR" "$t0" "$t2"
	read -r _ sas _ _ _ last _ setup <"$bench_tmp/step.out"
	step "DPD during the burst ($lat ms)" python3 "$P" dpd "$LAB_DIR/bg.pcap" "$B_ADDR" "$t0" "$t1"
	read -r _ n _ med _ p99 _ max _ miss <"$bench_tmp/step.out"
	step "rekeys during the burst ($lat ms)" python3 "$P" rekey "$LAB_DIR/bg.pcap" "$B_ADDR" "$SOFT" "$GRACE" "$t0" "$t1"
	read -r _ due _ ok _ late _ maxl <"$bench_tmp/step.out"
	hdr="$hdr$(printf ' %12s' "KME $lat ms")"
	f_n="$f_n$(printf ' %12s' "$N")"
	f_up="$f_up$(awk -v ms="$last" 'BEGIN { printf " %12.2f", ms / 1000 }')"
	f_set="$f_set$(printf ' %12s' "$setup")"
	f_cpu="$f_cpu$(awk -v t="$cpu" -v hz="$hz" 'BEGIN { printf " %12.2f", t / hz }')"
	f_med="$f_med$(printf ' %12s' "$med")"
	f_p99="$f_p99$(printf ' %12s' "$p99")"
	f_max="$f_max$(printf ' %12s' "$max")"
	f_dpd="$f_dpd$(printf ' %12s' "$n/$miss")"
	f_rk="$f_rk$(printf ' %12s' "$due/$ok")"
	f_rkl="$f_rkl$(printf ' %12s' "$maxl")"
	last_p99=$p99 last_lat=$lat last_up=$last last_rk="$due/$ok"
done
echo "QKD burst on a responder: $N QKD IKE SAs (example 2's policies, PPK from KME-B)"
echo "against $K background PSK tunnels (DPD always-send 2 s, Child SA $((LIFE / DIV)) s: $LIFE s / $DIV)"
echo "load: $(uptime | sed 's/.*load/load/')"
printf '%s\n' "$hdr" "$f_n" "$f_up" "$f_set" "$f_cpu" "$f_med" "$f_p99" "$f_max" "$f_dpd" "$f_rk" "$f_rkl"
printf '%-34s %12s\n' "background tunnels lost" "$lost"
echo "qkd_load_lost $lost"
[ "$lost" = 0 ] || bench_fail "background tunnels" "$lost lost during the run"
[ "$OVERHEAD" -gt 0 ] || exit 0

# issue 12's first figure (qkd_overhead.sh), then both side by side
lab_cleanup
bench_tmp=$(mktemp -d "${TMPDIR:-/tmp}/qkd_load.XXXXXX")
trap 'rm -rf "$bench_tmp"' EXIT
step "qkd_overhead.sh $OVERHEAD" env QNTB_TAG=q1hov bash "$here/qkd_overhead.sh" "$QSAFE_BUILD_DIR" "$OVERHEAD"
cp "$bench_tmp/step.out" "$bench_tmp/overhead.out"
grep -v '^lab:' "$bench_tmp/overhead.out"
ov=$(sed -n 's/^qkd_overhead_ms //p' "$bench_tmp/overhead.out")
med=$(sed -n 's/^median of [0-9]* *//p' "$bench_tmp/overhead.out")
echo
echo "issue 12, side by side (load: $(uptime | sed 's/.*load average: //'))"
printf '%-46s | %s\n' "(a) QKD setup vs static PPK (qkd_overhead)" "(b) $N QKD at once, KME $last_lat ms (qkd_load)"
printf '%-46s | %s\n' "static / QKD median ms: $(echo $med | tr ' ' /)" "all UP in $(awk -v ms="$last_up" 'BEGIN { printf "%.2f", ms / 1000 }') s"
printf '%-46s | %s\n' "QKD costs ${ov} ms (target < 5)" "background DPD p99 ${last_p99} ms (${q_p99} without)"
printf '%-46s | %s\n' "" "rekeys due/on time $last_rk, tunnels lost $lost"
