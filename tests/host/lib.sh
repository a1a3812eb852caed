# tests/host/lib.sh: the lab of hostd's packet tests (sourced; bash).
#
#   L (198.51.100.2) --- ge-0-0-0 [ A: the appliance ] ge-0-0-1 --- R (203.0.113.2)
#                  198.51.100.1/24                 203.0.113.1/24
#
#   host_need TOOL...          root and each TOOL, else exit 77 (skipped)
#   host_lab NAME [v6]         namespaces $A $L $R (NAME-<pid>-a, -l, -r)
#                              wired as above, and the state directory $D;
#                              all removed at exit, mgd stopped first.
#                              Without v6, IPv6 is off in every namespace
#                              (outputs stay stable); with it, L and R also
#                              have 2001:db8:1::2/64 and 2001:db8:2::2/64
#                              (A: ::1 of each, the test's to commit)
#   host_mgd_start [VAR=V...]  mgd in A with VAR=V in its environment, in a
#                              UTS namespace of its own (as ./qsafe start
#                              gives it); returns once hostd has applied
#                              the factory configuration.  $mgd_pid: its PID
#   cli                        the cli on $D, commands on stdin
#
# Also sources tap.sh (ok, bad, check, $fails) and the lab library
# (lab_poll).  The caller sets MGD and CLI.  mgd is the only process this
# starts, stopped by its PID; no packet leaves the namespaces.
. "$(dirname "${BASH_SOURCE[0]}")/../lab/tap.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../lab/lib.sh"

host_need() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: needs root (network namespaces)"
		exit 77
	fi
	for p in "$@"; do
		command -v "$p" >/dev/null ||
			{ echo "SKIP: $p is not installed"; exit 77; }
	done
}

mgd_pid=
host_cleanup() {
	if [ -n "$mgd_pid" ]; then
		# mgd gone (and its daemons with it) before its namespace goes
		kill "$mgd_pid" 2>/dev/null &&
			lab_poll 10 eval "! kill -0 $mgd_pid 2>/dev/null"
	fi
	for n in $A $L $R; do ip netns del $n 2>/dev/null; done
	rm -rf "$D"
}

host_lab() {
	local ns=$1-$$ v6=${2:-} n
	A=$ns-a L=$ns-l R=$ns-r
	D=$(mktemp -d "/tmp/$1-XXXXXX")
	trap host_cleanup EXIT
	trap 'exit 130' INT TERM
	for n in $A $L $R; do
		ip netns add $n ||
			{ echo "SKIP: cannot create network namespaces"; exit 77; }
		if [ -z "$v6" ]; then
			ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1
			ip netns exec $n sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		fi
		ip -n $n link set lo up
	done
	ip link add ge-0-0-0 netns $A type veth peer name eth0 netns $L
	ip link add ge-0-0-1 netns $A type veth peer name eth0 netns $R
	ip netns exec $A sysctl -qw net.ipv4.ip_forward=1
	ip -n $L addr add 198.51.100.2/24 dev eth0
	ip -n $L link set eth0 up
	ip -n $L route add 203.0.113.0/24 via 198.51.100.1
	ip -n $R addr add 203.0.113.2/24 dev eth0
	ip -n $R link set eth0 up
	ip -n $R route add 198.51.100.0/24 via 203.0.113.1
	if [ -n "$v6" ]; then
		# no duplicate address detection: the addresses are usable at once
		for n in $L $R; do
			ip netns exec $n sysctl -qw net.ipv6.conf.eth0.accept_dad=0
		done
		ip netns exec $A sysctl -qw net.ipv6.conf.default.accept_dad=0
		ip netns exec $A sysctl -qw net.ipv6.conf.all.accept_dad=0
		ip -n $L addr add 2001:db8:1::2/64 dev eth0 nodad
		ip -n $L route add 2001:db8:2::/64 via 2001:db8:1::1
		ip -n $R addr add 2001:db8:2::2/64 dev eth0 nodad
		ip -n $R route add 2001:db8:1::/64 via 2001:db8:2::1
	fi
}

# hostd has applied the factory configuration: mgd's socket is there and
# hostd logged its first ruleset (or that there is none to load)
host_hostd_up() {
	[ -S "$D/mgd.sock" ] && grep -qE "nftables ruleset|no zone or policy" \
		"$D/hostd.log" 2>/dev/null
}

host_mgd_start() {
	ip netns exec $A env "$@" unshare --uts "$MGD" --state-dir "$D" \
		--log "$D/mgd.log" </dev/null >/dev/null 2>&1 &
	mgd_pid=$!
	lab_poll 10 host_hostd_up ||
		{ echo "Bail out! mgd or hostd did not start"; exit 1; }
}

cli() { "$CLI" --state-dir "$D" --keep-going; }

# host_t2u_set: host_lab's two ports with their addresses in zones trust
# (ge-0/0/0) and untrust (ge-0/0/1), and policy t2u permitting all from
# trust to untrust, as set lines
host_t2u_set() {
	cat <<'SET'
set interfaces ge-0/0/0 unit 0 family inet address 198.51.100.1/24
set interfaces ge-0/0/1 unit 0 family inet address 203.0.113.1/24
set security zones security-zone trust interfaces ge-0/0/0.0
set security zones security-zone untrust interfaces ge-0/0/1.0
set security policies from-zone trust to-zone untrust policy t2u match source-address any
set security policies from-zone trust to-zone untrust policy t2u match destination-address any
set security policies from-zone trust to-zone untrust policy t2u match application any
set security policies from-zone trust to-zone untrust policy t2u then permit
SET
}

# ruleset TABLE [NS [counts]]: table inet TABLE of namespace NS (default
# $A) as sorted lines, the form two tables are compared in: objects without
# table name, handles or counts of their own, set elements sorted, rules
# numbered in their chain's order; the counts of rules' counters zeroed too
# unless the third argument is "counts".
ruleset() {
	ip netns exec "${2:-$A}" nft -j list table inet "$1" |
		KEEP_COUNTS="${3:-}" python3 -c '
import json, os, re, sys
keep = os.environ["KEEP_COUNTS"] == "counts"
out, pos = [], {}
for o in json.load(sys.stdin)["nftables"]:
    for k, v in o.items():
        if k in ("metainfo", "table"):
            continue
        v = dict(v)
        for x in ("handle", "packets", "bytes", "table"):
            v.pop(x, None)
        if "elem" in v:
            v["elem"] = sorted(json.dumps(e, sort_keys=True) for e in v["elem"])
        if k == "rule":
            pos[v["chain"]] = pos.get(v["chain"], 0) + 1
            v["pos"] = pos[v["chain"]]
        line = json.dumps([k, v], sort_keys=True)
        if not keep:
            line = re.sub(r"\"(packets|bytes)\": [0-9]+", r"\"\1\": 0", line)
        out.append(line)
print("\n".join(sorted(out)))'
}

# the table hostd loaded last: the first line of its hostd.nft
table() { awk '/^table inet / {print $3; exit}' "$D/hostd.nft" 2>/dev/null; }

# this appliance's filtering tables in $A (not the tracking one), one a line
tables() {
	ip netns exec $A nft list tables | awk '$3 ~ /^qsafe_/ && $3 !~ /_ct$/ {print $3}'
}

# nft_file_is_table NAME [counts]: whether hostd.nft, loaded in namespace
# $X, is table NAME in force in $A (the rules' counts compared too with
# "counts").
nft_file_is_table() {
	ip netns exec $X nft delete table inet "$1" 2>/dev/null
	ip netns exec $X nft -f "$D/hostd.nft" 2>/dev/null &&
		ruleset "$1" $A "${2:-}" >"$D/in_force.rules" &&
		ruleset "$1" $X "${2:-}" >"$D/file.rules" &&
		cmp -s "$D/in_force.rules" "$D/file.rules"
}
