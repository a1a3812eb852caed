#!/bin/sh
# config_shapes.sh: commit cost by configuration shape (issue 13 section 1).
#
#   bench/config_shapes.sh [BUILD_DIR [LINES [RUNS [SHAPES]]]]
#                  (default ./build, 200000, 5, "vpn zones firewall")
#
# Builds nothing: run `ninja -C BUILD_DIR` first.  For each shape of
# bench/gen_shapes (route-based VPNs with their st0 units in a zone and a
# route each; thousands of VLAN units in zones with addresses and routes;
# an address book with a policy per address) it starts a fresh mgd on a
# temporary state directory and prints, each beside its target:
#
#   load set + commit     `cli -c 'configure; load set F; commit'`, once
#   load set + commit onto a running appliance
#                         the same, once, on a fresh mgd that has
#                         committed the shape's first 100 lines (gen_shapes
#                         SHAPE 100: zones, a policy and the first units of
#                         the shape) before: a large change onto a table in
#                         force (hostd/ruleset.c: ruleset_swap)
#   one-line changes      `cli -c 'configure; set ...; commit'`, median of
#                         RUNS, one figure per kind of change, named by the
#                         daemon that owns the line (hostd: zone services,
#                         zone membership, a route, a policy, an address;
#                         iked: a proposal)
#   display set           `cli -c 'show configuration | display set'`,
#                         median of RUNS
#   policy shows          (firewall) `show security policies` plain,
#                         hit-count, detail, from-zone/to-zone and
#                         policy-name: median of RUNS, no target
#
# As root, mgd runs in a network namespace the script creates and removes
# ($BENCH_NS, default qsafe-bench-PID), so hostd applies what it is given:
# the nftables ruleset, and its wait for the (absent) devices; otherwise
# hostd runs inert and the script says so.  Times are wall clock around
# each cli process (bench/run_timed, from its spawn to its exit); beside each figure, the CPU time (user +
# system, from /proc/PID/stat, per step: for the one-line changes the mean
# of the RUNS) of mgd and of each daemon it started, so a figure inflated
# by a loaded machine can be told from work.  KEEP=1 keeps the state
# directory.  BENCH_ONLY=RE runs only the one-line changes and shows whose
# label matches the extended regular expression RE (the load always runs).
# Every step stops the bench when it fails (bench/lib.sh).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
lines=${2:-200000}
runs=${3:-5}
shapes=${4:-vpn zones firewall}
case $build in /*) ;; *) build=$top/$build ;; esac
mgd=$build/mgd/mgd
cli=$build/cli/cli
gen=$build/bench/gen_shapes
. "$top/bench/lib.sh"

bench_setup config_shapes.sh qsafe-shapes "$mgd" "$cli" "$gen"
dir=$bench_tmp
bench_ns_setup qsafe-bench

# cpu: "name ticks" of mgd and each process it started, one a line.
cpu() { bench_cpu; }
hz=$(getconf CLK_TCK)
# cpu_add BEFORE AFTER: adds AFTER - BEFORE per name to $dir/cpu.
cpu_add() {
	printf '%s\n' "$1" >"$dir/cpu.a"
	printf '%s\n' "$2" >"$dir/cpu.b"
	join "$dir/cpu.a" "$dir/cpu.b" | awk '{ print $1, $3 - $2 }' \
	    >>"$dir/cpu"
}
# cpu_line N: "cpu per step: mgd 120 ms, hostd ..." of $dir/cpu over N.
cpu_line() {
	awk -v n="$1" -v hz="$hz" '{ t[$1] += $2 } END {
	    s = "";
	    for (k in t) {
		    if (s != "")
			    s = s ", ";
		    s = s sprintf("%s %.0f ms", k, t[k] * 1000 / hz / n);
	    }
	    print "    cpu per step: " s }' "$dir/cpu"
}

# timed CMD...: the cli with the arguments, output to $dir/out; $t is the
# elapsed nanoseconds.  A failed cli, or a commit that does not complete,
# stops the bench.
timed() {
	c0=$(cpu)
	bench_timed "$@"
	cpu_add "$c0" "$(cpu)"
	# the cli's own (run_timed's µs, in ticks as the others)
	echo "cli $t_cpu" | awk -v hz="$hz" '{ print $1, $2 * hz / 1e6 }' \
	    >>"$dir/cpu"
	case $* in
	*commit*) grep -q "commit complete" "$dir/out" || {
		echo "config_shapes.sh: step 'cli $*' did not commit:" >&2
		tail -n 20 "$dir/out" >&2
		exit 1
	} ;;
	esac
}

# only LABEL: whether BENCH_ONLY (unset: all) lets LABEL run.
only() {
	[ -z "${BENCH_ONLY:-}" ] || printf '%s\n' "$1" | grep -Eq "$BENCH_ONLY"
}

# shows COMMAND LABEL [TARGET [lines]]: COMMAND RUNS times through the cli,
# the median reported against TARGET (seconds; none: no target of its
# own), with the output's line count in the label when asked.
shows() {
	only "$2" || return 0
	: >"$dir/cpu"
	bench_repeat "$runs" "$dir/show" timed -c "$1"
	l=$2
	[ "${4:-}" = lines ] && l="$l ($(wc -l <"$dir/out" | tr -d ' ') lines)"
	report "$l" "$(median "$dir/show")" s "${3:-}"
	cpu_line "$runs"
}

# change_run TEMPLATE: one of change's commits (run $bench_run).
change_run() {
	i=$((bench_run + 1))
	svc=$(echo ping ssh http https ntp snmp tftp dns telnet ftp |
	    cut -d' ' -f$(( (i - 1) % 10 + 1 )))
	eval "cmds=\"$1\""
	timed -c "configure; $cmds; commit"
	# a delete of nothing would time an empty commit
	! grep -q "statement not found" "$dir/out" || {
		echo "config_shapes.sh: 'cli $cmds' found nothing" >&2
		exit 1
	}
}
# change LABEL TEMPLATE: RUNS small commits.  TEMPLATE is the commands,
# where $i is the run number (1, 2, ...) and $svc a system-service that
# differs each run, so that every run changes something.
change() {
	only "$1" || return 0
	: >"$dir/cpu"
	bench_repeat "$runs" "$dir/small" change_run "$2"
	report "  $1" "$(median "$dir/small")" ms 50
	cpu_line "$runs"
}

how="hostd inert (not root)"
[ -z "$ns" ] || how="hostd applies (namespace $ns)"
echo "config_shapes.sh: $lines lines a shape, $(nproc) cpus, $(uname -r), $how"
for shape in $shapes; do
	conf=$dir/$shape.set
	step "generate shape $shape" "$gen" "$shape" "$lines"
	mv "$dir/step.out" "$conf"
	n=$(wc -l <"$conf" | tr -d ' ')
	mgd_stop
	mgd_start
	echo "shape $shape ($n lines):"
	: >"$dir/cpu"
	timed -c "configure; load set $conf; commit"
	report "  load set + commit" "$t" s 1
	cpu_line 1
	case $shape in
	vpn)
		change "hostd: zone services" 'set security zones security-zone vpn host-inbound-traffic system-services $svc'
		change "hostd: st0 unit into a zone" 'set interfaces st0 unit 1600$i family inet; set security zones security-zone vpn interfaces st0.1600$i'
		change "hostd: static route" 'set routing-options static route 192.0.2.$i/32 next-hop st0.1'
		change "iked: ike proposal" 'set security ike proposal IKE-P-$i lifetime-seconds 360$i'
		# the deletions undo what the sets above added, run by run
		change "hostd: st0 unit out of a zone, deleted" 'delete security zones security-zone vpn interfaces st0.1600$i; delete interfaces st0 unit 1600$i'
		change "hostd: static route deleted" 'delete routing-options static route 192.0.2.$i/32'
		;;
	zones)
		change "hostd: interface into a zone" 'set interfaces ge-0/1/$i unit 0 family inet; set security zones security-zone z1 interfaces ge-0/1/$i.0'
		change "hostd: zone services" 'set security zones security-zone z$((i % 8)) host-inbound-traffic system-services $svc'
		change "hostd: address" 'set interfaces ge-0/0/2 unit $i family inet address 10.254.$i.1/24'
		# the deletions undo what the sets above added, run by run
		change "hostd: interface out of a zone" 'delete security zones security-zone z1 interfaces ge-0/1/$i.0'
		change "hostd: unit deleted" 'delete interfaces ge-0/1/$i unit 0'
		change "hostd: address deleted" 'delete interfaces ge-0/0/2 unit $i family inet address 10.254.$i.1/24'
		change "hostd: static route deleted" 'delete routing-options static route 100.64.0.$((4 * i))/30'
		;;
	firewall)
		change "hostd: policy match" 'set security policies from-zone trust to-zone untrust policy P-$i match application junos-ssh'
		change "hostd: address-book address" 'set security address-book global address A-$i 10.200.$i.0/24'
		change "hostd: new policy" 'set security policies from-zone untrust to-zone trust policy N-$i match source-address any; set security policies from-zone untrust to-zone trust policy N-$i match destination-address any; set security policies from-zone untrust to-zone trust policy N-$i match application any; set security policies from-zone untrust to-zone trust policy N-$i then permit'
		change "hostd: new policy after 39,997" 'set security policies from-zone trust to-zone untrust policy E-$i match source-address A-$i; set security policies from-zone trust to-zone untrust policy E-$i match destination-address any; set security policies from-zone trust to-zone untrust policy E-$i match application any; set security policies from-zone trust to-zone untrust policy E-$i then permit'
		# deletions and the like, each run on a policy of its own
		change "hostd: policy deleted" 'delete security policies from-zone trust to-zone untrust policy P-1$i'
		change "hostd: policy deactivated" 'deactivate security policies from-zone trust to-zone untrust policy P-2$i'
		change "hostd: policy activated" 'activate security policies from-zone trust to-zone untrust policy P-2$i'
		change "hostd: policy and its address deleted" 'delete security policies from-zone trust to-zone untrust policy P-3$i; delete security address-book global address A-3$i'
		change "hostd: policy moved (insert before P-1)" 'insert security policies from-zone trust to-zone untrust policy P-4$i before policy P-1'
		change "hostd: policy renamed" 'rename security policies from-zone trust to-zone untrust policy P-5$i to policy R-5$i'
		# the policy shows at 40,000 policies: no target of their own
		for v in hit-count "" detail "from-zone trust to-zone untrust" \
		    "policy-name P-1" "policy-name P-1 detail"; do
			shows "show security policies${v:+ $v}" \
			    "  show security policies${v:+ $v}" "" lines
		done
		;;
	esac
	shows "show configuration | display set" \
	    "  show configuration | display set" 0.25 lines
	# the same file onto an appliance that already filters: a fresh
	# mgd, the shape's first 100 lines committed, then the whole file
	step "generate 100 lines of shape $shape" "$gen" "$shape" 100
	mv "$dir/step.out" "$dir/small.set"
	mgd_stop
	mgd_start
	timed -c "configure; load set $dir/small.set; commit"
	: >"$dir/cpu"
	timed -c "configure; load set $conf; commit"
	report "  load set + commit onto a running appliance" "$t" s 1
	cpu_line 1
done
echo "load: $(uptime | sed 's/.*load average/load average/')"
