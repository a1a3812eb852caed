#!/bin/bash
# ike_setup.sh: IKE SA + CHILD SA setups per second, responder CPU per setup
# and memory per tunnel, initiator and responder in two namespaces of the
# lab (tests/lab/lib.sh), both daemons on this machine's cores.
#
#   bench/ike_setup.sh [-n N] [-j INFLIGHT] [--ppk] [--timeout S]
#                                           (root; default N=1000, 16)
#
# Every tunnel: PSK, IKE AES-CBC-256/HMAC-SHA2-256/Curve25519, one CHILD SA
# AES-GCM-128 (ESP in UDP: kernel-libipsec), its own initiator identity
# (tN@lab) and its own initiator-side traffic selector, 10.200.x.y/32 (an
# address on the initiator's "lan0", one end of a veth as this kernel has no
# dummy: kernel-libipsec refuses a CHILD SA without a local address inside
# its local selector) to 10.100.0.0/16
# (10.100.0.1 on the responder's lan0) — N gateways' worth of configuration
# on the initiator, one connection with `remote id = %any` on the responder.
#
# Figures, per pair of sides (initiator -> responder):
#   setups/s        N / (last CHILD SA up - first initiate), wall clock; the
#                   count is checked with the responder's `swanctl
#                   --list-sas` afterwards (the source of truth)
#   resp CPU/setup  responder utime+stime (/proc/PID/stat) over the run / N
#   resp KiB/tun    responder VmRSS after - before / N
#   init KiB/tun    the same on the initiator
#   init / driver CPU/setup   the initiating charon's utime+stime, and the
#                   vici driver's from its first initiate on (its own
#                   getrusage: not its interpreter's start), over the run / N
#   cores used      setups/s × the three's CPU a setup / cores: how much of
#                   the machine the run turned into setups
#   cores: 3 / others / idle   /proc/stat over the run: the three's share,
#                   everything else's (other work on the machine), idle
#   datagrams/setup UDP datagrams each side sent / N (2 and 2: no
#                   retransmit, cookie or fragment); the responder's
#                   receive-buffer drops
# and the bound of the swan→qsafe / swan⇄swan ratio from this run alone.
# A rate is (cores used) × cores / (CPU a setup), so at equal use of the
# cores the ratio is the ratio of the CPU a setup of the three (Amdahl):
# (Is + Rs + Ds) / (Iq + Rq + Dq), and with a responder that cost nothing
# (Is + Rs + Ds) / (Iq + Dq); the ratio passes these only when swan→qsafe
# uses the cores better than swan⇄swan did.  "ratio if swan→qsafe had all
# cores" is the old ceiling (2 cores / (Iq + Dq) over swan⇄swan's rate): it
# credits qsafe with every core swan⇄swan left unused.  The driver is the
# same in both runs; VICI_LAZY=0 makes it write each initiate alone and
# decode every event whole, as before (to compare its cost).
# IKS_PERF_INIT=PREFIX records the initiating charon in each run (perf,
# PREFIX.swan and PREFIX.qs): what each responder's answers cost it.
# A side is a set of functions SIDE_resp_start, SIDE_init_start,
# SIDE_init_fire and SIDE_pid (responders: SIDE_resp_start, SIDE_resp_count,
# SIDE_pid): `swan` (strongSwan) both ways, `qs` (qsafe) as responder.
# The qsafe⇄qsafe column is bench/ike_scale.sh run at the same N, in the
# same run of this script: N gateways on each side, one per initiator
# address, told apart by address at the responder (one peer address cannot
# carry N qsafe gateways: iked finds a gateway by the peer's address).  Its
# setups/s counts from the initiator's commit; its IKE DH group is ECP-256,
# not Curve25519 (see ike_scale.sh).  QS_SCALE=0 leaves it out.
#
# charon here: routes off (install_routes = no: setups, not forwarding, are
# measured) and dos_protection = no: with its defaults 16 initiations in
# flight from one address pass cookie_threshold_ip (3) and block_threshold
# (5 half-open SAs per peer address), the responder answers COOKIE or drops,
# and some initiators wait 4 s for a retransmit.  A qsafe responder is to be
# measured with its cookie threshold above the flight size too.
#
# Stops at the first failing step and says which; prints figures only for
# runs that completed.
set -u
[ "$(id -u)" = 0 ] || { echo "ike_setup: needs root (network namespaces)" >&2; exit 1; }
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lab/lib.sh"

N=1000 INFLIGHT=16 PPK=0 TIMEOUT=120
while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift 2 ;;
	-j) INFLIGHT=$2; shift 2 ;;
	--ppk) PPK=1; shift ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	*) sed -n '2,/^set -u$/{/^set -u$/d;p}' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
[ "$N" -ge 1 ] && [ "$N" -le 60000 ] || { echo "ike_setup: 1 <= N <= 60000" >&2; exit 2; }

die() { echo "ike_setup: FAILED at: $*" >&2; exit 1; }
PSK=bench-psk-0123456789abcdef
PPK_HEX=0x5afe1ab5000000000000000000000000000000000000000000000000000000ff
ppk_opts() {
	[ "$PPK" = 1 ] && echo "ppk_id=ppk-bench ppk=$PPK_HEX ppk_required=yes"
}
# tunnel I's initiator side: 10.200.x.y/32
ts_of() { echo "10.200.$(($1 / 250)).$(($1 % 250 + 1))"; }
lan() { # NS: lan0 (a veth; no dummy here), up, with the addresses read from stdin
	ip -n "$1" link add lan0 type veth peer name lan1 &&
	    ip -n "$1" link set lan0 up &&
	sed 's/^/addr add /; s/$/ dev lan0/' | ip -n "$1" -batch -
}

# ---- strongSwan ------------------------------------------------------------
SWAN_CONF="install_routes = no
	dos_protection = no"
swan_resp_start() { # NS DIR ADDR
	echo 10.100.0.1/16 | lan "$1" || return 1
	swan_start "$1" "$2" log=${BENCH_LOG:-0} groups="${BENCH_GROUPS:-}" conf="$SWAN_CONF" || return 1
	swan_conf_psk name=r local="$3" lid="$3" rid=%any psk="$PSK" \
	    lts=10.100.0.0/16 rts=10.200.0.0/16 $(ppk_opts) >"$2/swanctl.conf" &&
	swan_load "$2" "$2/swanctl.conf"
}
swan_init_start() { # NS DIR ADDR PEER N
	local i
	for i in $(seq "$5"); do echo "$(ts_of "$i")/32"; done | lan "$1" || return 1
	swan_start "$1" "$2" log=${BENCH_LOG:-0} groups="${BENCH_GROUPS:-}" conf="$SWAN_CONF" || return 1
	for i in $(seq "$5"); do
		swan_conf_psk name="t$i" local="$3" remote="$4" lid="t$i@lab" \
		    rid="$4" psk="$PSK" lts="$(ts_of "$i")/32" \
		    rts=10.100.0.0/16 $(ppk_opts)
	done >"$2/swanctl.conf"
	swan_load "$2" "$2/swanctl.conf"
}
# The driver's interpreter itself, not a wrapper that finds it: a pyenv
# shim (bash + pyenv, here /root/.pyenv/shims/python3) costs ~0.6 s of
# CPU before Python starts, which /usr/bin/time counted as the driver's
# (0.6 of its 0.8 ms a setup at N=1000).
PY=$(python3 -c 'import sys; print(sys.executable)') && [ -x "$PY" ] || PY=python3
swan_init_fire() { # DIR N INFLIGHT -> "up=.. failed=.. first_us=.. last_us=..";
	# the driver's own CPU (user system, s) in DIR/driver.cpu
	# IKS_DRIVER_PROF=FILE: the driver under cProfile (its stats in FILE)
	/usr/bin/time -f "%U %S" -o "$1/driver.cpu" \
	    "$PY" ${IKS_DRIVER_PROF:+-m cProfile -o "$IKS_DRIVER_PROF"} \
	    "$top/bench/vici_initiate.py" "$1/charon.vici" t "$2" "$3" "$TIMEOUT"
}
swan_resp_count() { # DIR -> CHILD SAs INSTALLED
	swan_count "$1" INSTALLED
}
swan_pid() { cat "$1/.pid"; }

# ---- qsafe -----------------------------------------------------------------
# An appliance as an operator runs one (./qsafe start --netns, a set file
# through the cli); the lab's eth0 becomes ge-0-0-0, the Junos name.  One
# gateway for the initiators' address and one route-based VPN whose
# proxy-identity covers every initiator's /32 (RFC 7296 2.9 narrowing).
qs_resp_start() { # NS DIR ADDR
	echo 10.100.0.1/16 | lan "$1" || return 1
	ip -n "$1" link set eth0 down && ip -n "$1" link set eth0 name ge-0-0-0 &&
	    ip -n "$1" link set ge-0-0-0 up || return 1
	qs_start "$1" "$2" || return 1
	cat >"$2.set" <<-END
	set interfaces ge-0/0/0 unit 0 family inet address $3/24
	set interfaces st0 unit 0 family inet address 169.254.88.1/30
	set security zones security-zone untrust interfaces ge-0/0/0.0 host-inbound-traffic system-services all
	set security zones security-zone vpn interfaces st0.0 host-inbound-traffic system-services all
	set security policies default-policy permit-all
	set security ike proposal P authentication-method pre-shared-keys
	set security ike proposal P dh-group group31
	set security ike proposal P authentication-algorithm sha-256
	set security ike proposal P encryption-algorithm aes-256-cbc
	set security ike policy POL proposals P
	set security ike policy POL pre-shared-key ascii-text "$PSK"
	set security ike gateway G ike-policy POL
	set security ike gateway G address 192.0.2.1
	set security ike gateway G external-interface ge-0/0/0.0
	set security ike gateway G version v2-only
	set security ipsec proposal E protocol esp
	set security ipsec proposal E encryption-algorithm aes-128-gcm
	set security ipsec policy EP proposals E
	set security ipsec vpn V bind-interface st0.0
	set security ipsec vpn V ike gateway G
	set security ipsec vpn V ike ipsec-policy EP
	set security ipsec vpn V ike proxy-identity local 10.100.0.0/16
	set security ipsec vpn V ike proxy-identity remote 10.200.0.0/16
	END
	qs_load "$2" "$2.set"
}
qs_resp_count() { # DIR -> inbound Child SAs shown
	qs_cli "$1" "show security ipsec security-associations" 2>/dev/null |
	    grep -c '^ *<'
}
qs_pid() { # DIR -> iked's PID (from its log)
	sed -n 's/.* iked\[\([0-9]*\)\] .*/\1/p' "$1/iked.log" | tail -1
}

# ---- one run ---------------------------------------------------------------
# run INIT RESP: sets R_RATE R_CPU R_RKB R_IKB, or fails saying where.
hz=$(getconf CLK_TCK)
cpu_jiffies() { # -> "BUSY IDLE" of all cores (/proc/stat: idle + iowait idle)
	awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6; exit}' /proc/stat
}
udp_per_setup() { # NS COUNTER -> COUNTER / N in NS
	ip netns exec "$1" nstat -az "$2" | awk -v n="$N" -v c="$2" '$1 == c {printf "%.2f", $2 / n}'
}
run() {
	local ini=$1 rsp=$2 I R ipid rpid rt0 rt1 it0 it1 rr0 rr1 ir0 ir1 out up first last n dcpu c0 c1
	lab_init "${IKS_TAG:-bench}" # IKS_TAG: the namespaces' prefix
	lab_topo || die "$ini->$rsp: namespaces"
	I=$LAB_DIR/init R=$LAB_DIR/resp
	${rsp}_resp_start "$LAB_GB" "$R" 192.0.2.2 || die "$ini->$rsp: responder start"
	${ini}_init_start "$LAB_GA" "$I" 192.0.2.1 192.0.2.2 "$N" ||
	    die "$ini->$rsp: initiator start with $N connections"
	rpid=$(${rsp}_pid "$R") ipid=$(${ini}_pid "$I")
	rt0=$(lab_cpu_ticks "$rpid") rr0=$(lab_rss_kb "$rpid") ir0=$(lab_rss_kb "$ipid")
	it0=$(lab_cpu_ticks "$ipid") c0=$(cpu_jiffies)
	# IKS_PERF=FILE: perf record a qsafe responder over the setups
	local perf=
	if [ -n "${IKS_PERF:-}" ] && [ "$rsp" = qs ]; then
		perf record -g -F 2000 -o "$IKS_PERF" -p "$rpid" \
		    >"$LAB_DIR/perf.log" 2>&1 &
		perf=$!
	fi
	# IKS_PERF_INIT=PREFIX: perf record the initiating charon over the
	# setups, into PREFIX.RESPONDER (both runs: what answering it costs it)
	local iperf=
	if [ -n "${IKS_PERF_INIT:-}" ]; then
		perf record -g -F 2000 -o "$IKS_PERF_INIT.$rsp" -p "$ipid" \
		    >"$LAB_DIR/perf-init.log" 2>&1 &
		iperf=$!
	fi
	# IKS_STRACE=FILE: count a qsafe responder's system calls (strace
	# -f, IKS_STRACE_OPTS, default -c: their counts)
	local st=
	if [ -n "${IKS_STRACE:-}" ] && [ "$rsp" = qs ]; then
		strace ${IKS_STRACE_OPTS:--c} -f -o "$IKS_STRACE" -p "$rpid" >"$LAB_DIR/strace.log" 2>&1 &
		st=$!
		lab_poll 10 grep -q attached "$LAB_DIR/strace.log" || true
	fi
	out=$(${ini}_init_fire "$I" "$N" "$INFLIGHT") ||
	    die "$ini->$rsp: initiating $N tunnels ($out)"
	rt1=$(lab_cpu_ticks "$rpid") rr1=$(lab_rss_kb "$rpid") ir1=$(lab_rss_kb "$ipid")
	it1=$(lab_cpu_ticks "$ipid") c1=$(cpu_jiffies)
	if [ -n "$perf" ]; then
		kill -INT "$perf" && wait "$perf"
	fi
	if [ -n "$st" ]; then
		kill -INT "$st" && wait "$st"
	fi
	if [ -n "$iperf" ]; then
		kill -INT "$iperf" && wait "$iperf"
	fi
	if [ -n "${BENCH_DEBUG:-}" ]; then
		ip netns exec "$LAB_GA" nstat -az 'Udp*Errors' 'Udp*Datagrams' >&2
		ip netns exec "$LAB_GB" nstat -az 'Udp*Errors' 'Udp*Datagrams' >&2
	fi
	n=$(${rsp}_resp_count "$R")
	[ "$n" -eq "$N" ] || die "$ini->$rsp: responder lists $n CHILD SAs INSTALLED, not $N"
	first=${out#*first_us=} first=${first%% *}
	last=${out#*last_us=}
	R_RATE=$(awk -v n="$N" -v us=$((last - first)) 'BEGIN {printf "%.0f", n / (us / 1e6)}')
	R_CPU=$(awk -v t=$((rt1 - rt0)) -v hz="$hz" -v n="$N" 'BEGIN {printf "%.3f", t / hz * 1000 / n}')
	R_ICPU=$(awk -v t=$((it1 - it0)) -v hz="$hz" -v n="$N" 'BEGIN {printf "%.3f", t / hz * 1000 / n}')
	# the driver's CPU from its first initiate on (its own getrusage);
	# driver.cpu (/usr/bin/time) has its start as well
	dcpu=${out#*cpu_us=} dcpu=${dcpu%% *}
	R_DCPU=$(awk -v us="$dcpu" -v n="$N" 'BEGIN {printf "%.3f", us / 1000 / n}')
	R_RKB=$(awk -v d=$((rr1 - rr0)) -v n="$N" 'BEGIN {printf "%.1f", d / n}')
	R_IKB=$(awk -v d=$((ir1 - ir0)) -v n="$N" 'BEGIN {printf "%.1f", d / n}')
	R_SECS=$(awk -v us=$((last - first)) 'BEGIN {printf "%.2f", us / 1e6}')
	# the whole machine over the same interval (/proc/stat; from before
	# the driver starts to its end): the cores' shares that the three
	# (responder, initiator, driver), everything else (other helpers, CI)
	# and nothing used, in %
	R_SHARE=$(echo "$c0 $c1" | awk -v own="$((rt1 - rt0 + it1 - it0))" -v d="$dcpu" -v hz="$hz" \
	    '{t = $3 + $4 - $1 - $2; o = own + d / 1e6 * hz
	      printf "%.0f/%.0f/%.0f", o * 100 / t, ($3 - $1 - o) * 100 / t, ($4 - $2) * 100 / t}')
	# datagrams a setup each way (the namespaces are this run's own): 2
	# requests and 2 answers unless there were retransmits, cookies or
	# fragments
	R_IDG=$(udp_per_setup "$LAB_GA" UdpOutDatagrams)
	R_RDG=$(udp_per_setup "$LAB_GB" UdpOutDatagrams)
	R_RBE=$(ip netns exec "$LAB_GB" nstat -az UdpRcvbufErrors | awk '$1 == "UdpRcvbufErrors" {print $2}')
	lab_cleanup
}

# IKS_SWAN=0: no swan⇄swan run (while working on the qsafe side; no ratio)
S_RATE=n/a S_CPU=n/a S_RKB=n/a S_IKB=n/a S_SECS=n/a S_ICPU=n/a S_DCPU=n/a
S_SHARE=n/a S_IDG=n/a S_RDG=n/a S_RBE=n/a
if [ "${IKS_SWAN:-1}" != 0 ]; then
	run swan swan
	S_RATE=$R_RATE S_CPU=$R_CPU S_RKB=$R_RKB S_IKB=$R_IKB S_SECS=$R_SECS
	S_ICPU=$R_ICPU S_DCPU=$R_DCPU S_SHARE=$R_SHARE
	S_IDG=$R_IDG S_RDG=$R_RDG S_RBE=$R_RBE
fi
run swan qs
Q_RATE=$R_RATE Q_CPU=$R_CPU Q_RKB=$R_RKB Q_IKB=$R_IKB Q_SECS=$R_SECS
Q_ICPU=$R_ICPU Q_DCPU=$R_DCPU Q_SHARE=$R_SHARE
Q_IDG=$R_IDG Q_RDG=$R_RDG Q_RBE=$R_RBE
# qsafe⇄qsafe: bench/ike_scale.sh at N, its figures picked from its output
QQ_RATE=n/a QQ_CPU=n/a QQ_RKB=n/a QQ_IKB=n/a
if [ "${QS_SCALE:-1}" != 0 ]; then
	qq=$(ISC_TAG=${ISC_TAG:-bqq} "$top/bench/ike_scale.sh" \
	    "${QSAFE_BUILD_DIR:-$top/build}" "$N" 2>&1) ||
	    die "qsafe⇄qsafe (bench/ike_scale.sh): $(printf '%s\n' "$qq" | tail -n 1)"
	pick() { printf '%s\n' "$qq" | sed -n "s/^$1 \([0-9.]*\).*/\1/p" | head -n 1; }
	QQ_RATE=$(pick "setups\/s") QQ_CPU=$(pick "resp CPU ms\/setup")
	QQ_RKB=$(pick "resp KiB\/tunnel") QQ_IKB=$(pick "init KiB\/tunnel")
fi

ppk=no
[ "$PPK" = 1 ] && ppk=yes
echo "IKE setup: $N tunnels, $INFLIGHT in flight, PSK AES-CBC-256/HMAC-SHA2-256/Curve25519 + CHILD AES-GCM-128, PPK $ppk"
echo "strongSwan⇄strongSwan: $N up in $S_SECS s; strongSwan→qsafe: $N up in $Q_SECS s"
echo
# ratio: swan→qsafe against swan⇄swan (the same initiator), qsafe /
# strongSwan for rates, strongSwan / qsafe for costs: higher is better for
# qsafe in every row; "ratio" is swan→qsafe, "q⇄q ratio" qsafe⇄qsafe.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a"}'; }
printf '%-22s %14s %14s %14s %8s %10s\n' figure "swan⇄swan" "qsafe⇄qsafe" "swan→qsafe" ratio "q⇄q ratio"
printf '%-22s %14s %14s %14s %8s %10s\n' "setups/s" "$S_RATE" "$QQ_RATE" "$Q_RATE" "$(ratio "$Q_RATE" "$S_RATE")" "$(ratio "$QQ_RATE" "$S_RATE")"
printf '%-22s %14s %14s %14s %8s %10s\n' "resp CPU ms/setup" "$S_CPU" "$QQ_CPU" "$Q_CPU" "$(ratio "$S_CPU" "$Q_CPU")" "$(ratio "$S_CPU" "$QQ_CPU")"
printf '%-22s %14s %14s %14s %8s %10s\n' "resp KiB/tunnel" "$S_RKB" "$QQ_RKB" "$Q_RKB" "$(ratio "$S_RKB" "$Q_RKB")" "$(ratio "$S_RKB" "$QQ_RKB")"
printf '%-22s %14s %14s %14s %8s %10s\n' "init KiB/tunnel" "$S_IKB" "$QQ_IKB" "$Q_IKB" "(same)" "$(ratio "$S_IKB" "$QQ_IKB")"
# The initiating charon, the vici driver and the responder share the
# cores: a run's rate is (the share of the cores the three used, "cores
# used") × cores / (their CPU a setup).  The ratio of the two runs is
# then (use q / use s) × (CPU a setup s / CPU a setup q): at equal use,
# the ratio of their CPU a setup, Amdahl's bound.  A responder that cost
# nothing leaves the initiator and the driver: (Is + Rs + Ds) / (Iq + Dq)
# is the most the ratio can be unless swan→qsafe used the cores better
# than swan⇄swan did ("cores used" says whether it did).
cores=$(nproc)
sum() { awk 'BEGIN {s = 0; for (i = 1; i < ARGC; i++) {if (ARGV[i] !~ /^[0-9.]+$/) {print "n/a"; exit}
	s += ARGV[i]}; printf "%.3f", s}' "$@"; }
bound() { awk -v c="$cores" -v s="$(sum "$@")" 'BEGIN {if (s ~ /^[0-9.]+$/ && s > 0) printf "%.0f", c * 1000 / s; else print "n/a"}'; }
used() { # RATE CPU-MS-A-SETUP -> % of the cores
	awk -v c="$cores" -v r="$1" -v s="$2" 'BEGIN {if (r + 0 > 0 && s + 0 > 0) printf "%.0f %%", r * s / 10 / c; else print "n/a"}'
}
S_ALL=$(sum "$S_ICPU" "$S_DCPU" "$S_CPU") Q_ALL=$(sum "$Q_ICPU" "$Q_DCPU" "$Q_CPU")
echo
printf '%-26s %14s %14s\n' "(charon initiating)" "swan⇄swan" "swan→qsafe"
printf '%-26s %14s %14s\n' "init CPU ms/setup" "$S_ICPU" "$Q_ICPU"
printf '%-26s %14s %14s\n' "driver CPU ms/setup" "$S_DCPU" "$Q_DCPU"
printf '%-26s %14s %14s\n' "resp CPU ms/setup" "$S_CPU" "$Q_CPU"
printf '%-26s %14s %14s\n' "the three, ms/setup" "$S_ALL" "$Q_ALL"
printf '%-26s %14s %14s\n' "cores used by the three" "$(used "$S_RATE" "$S_ALL")" "$(used "$Q_RATE" "$Q_ALL")"
printf '%-26s %14s %14s\n' "cores: 3 / others / idle %" "$S_SHARE" "$Q_SHARE"
printf '%-26s %14s %14s\n' "init datagrams/setup" "$S_IDG" "$Q_IDG"
printf '%-26s %14s %14s\n' "resp datagrams/setup" "$S_RDG" "$Q_RDG"
printf '%-26s %14s %14s\n' "resp rcvbuf drops" "$S_RBE" "$Q_RBE"
printf '%-26s %14s %14s\n' "CPU bound setups/s" "$(bound "$S_ALL")" "$(bound "$Q_ALL")"
printf '%-26s %14s %14s\n' "bound, free responder" "$(bound "$S_ICPU" "$S_DCPU")" "$(bound "$Q_ICPU" "$Q_DCPU")"
# The one unmet figure (swan→qsafe at 2× swan⇄swan) against its bound
# from this run alone.  A bound under 2 says no responder, however cheap,
# meets it with this initiator on this machine at swan⇄swan's use of the
# cores.
echo
printf '%-38s %s\n' "ratio bound, equal use of the cores" "$(ratio "$S_ALL" "$Q_ALL")"
printf '%-38s %s\n' "ratio bound, equal use, free resp." "$(ratio "$S_ALL" "$(sum "$Q_ICPU" "$Q_DCPU")")"
printf '%-38s %s\n' "achieved ratio" "$(ratio "$Q_RATE" "$S_RATE")"
printf '%-38s %s\n' "ratio if swan→qsafe had all cores" "$(ratio "$(bound "$Q_ICPU" "$Q_DCPU")" "$S_RATE")"
echo "($cores cores; load average $(cut -d' ' -f1-3 /proc/loadavg); driver VICI_LAZY=${VICI_LAZY:-1})"
