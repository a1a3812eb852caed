#!/bin/sh
# host_netns.sh: an appliance started with `./qsafe start --host-netns`
# leaves the firewall of the namespace it runs in as it found it (issue 13
# §3): no filtering table until a zone or a policy is committed, its table
# gone when they are deleted and when the appliance stops, and two
# appliances in one namespace each with a table of their own.  From its
# start to its stop each appliance keeps one more table, <its table>_ct,
# which only turns connection tracking on (hostd/safety.c host_track) and
# filters nothing: one output chain, policy accept, no verdict.
#
# It never touches the machine's own namespace: ./qsafe start --host-netns
# runs under `ip netns exec` in a namespace this test creates (so mgd gets
# QSAFE_HOST_NETNS=1 exactly as on the host, and hostd applies), and every
# `nft list ruleset` is read in that namespace.  Removed on exit.
#
#   host_netns.sh      (QSAFE_TOP: the checkout; QSAFE_BUILD_DIR: the build;
#                       root, else exit 77: skipped)
set -u
: "${QSAFE_TOP:?}" "${QSAFE_BUILD_DIR:?}"
export QSAFE_BUILD_DIR USER=root
unset QSAFE_STATE_DIR QSAFE_NO_DAEMONS

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (network namespaces)"
	exit 77
fi
for p in ip nft; do
	command -v $p >/dev/null || { echo "SKIP: $p is not installed"; exit 77; }
done

NS=fnd-hostnetns-$$
T=$(mktemp -d "${TMPDIR:-/tmp}/qsafe-hostnetns.XXXXXX")
A=$T/a B=$T/b
. "$(dirname "$0")/../lab/tap.sh"	# ok, bad, $fails
cleanup() {
	for d in "$A" "$B"; do
		"$QSAFE_TOP/qsafe" stop --state-dir "$d" >/dev/null 2>&1
	done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$NS" || { echo "SKIP: cannot create a network namespace"; exit 77; }
ip -n "$NS" link set lo up
# a port as ./qsafe gives one: a TAP device nothing is attached to
ip netns exec "$NS" ip tuntap add mode tap name ge-0-0-0
ip -n "$NS" link set ge-0-0-0 up

ruleset() { ip netns exec "$NS" nft list ruleset; }
# the filtering tables: all but the tracking ones (<table>_ct)
tables() { ruleset | grep '^table ' | grep -vc '_ct {$'; }
tracking() { ruleset | grep -c '^table inet qsafe_[0-9a-f]*_ct {$'; }
# the table an appliance loaded: the first line of its hostd.nft
table_of() { awk '/^table inet / {print $3; exit}' "$1/hostd.nft" 2>/dev/null; }
has_table() { ruleset | grep -q "^table inet $1 {"; }
start() {
	ip netns exec "$NS" "$QSAFE_TOP/qsafe" start --host-netns --state-dir "$1"
}
stop() { "$QSAFE_TOP/qsafe" stop --state-dir "$1"; }
cli() { "$QSAFE_BUILD_DIR/cli/cli" --state-dir "$1"; }
commit() {	# DIR, set lines on stdin
	{ echo configure; cat; echo commit; } | cli "$1" >"$T/commit.out" 2>&1 &&
	    grep -q "commit complete" "$T/commit.out" ||
	    { bad "commit on $1"; cat "$T/commit.out"; }
}
# until SECONDS CMD...: polls CMD until it succeeds, at most SECONDS
until_ok() {
	n=$(($1 * 20))
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.05
	done
}
log_has() { grep -q "$2" "$1/hostd.log" 2>/dev/null; }
empty() { [ "$(tables)" -eq 0 ]; }

# 1. started with nothing configured: hostd applies (QSAFE_HOST_NETNS=1)
# and leaves the firewall alone
start "$A" || { bad "./qsafe start --host-netns"; exit 1; }
until_ok 10 log_has "$A" "no zone or policy configured" &&
	ok "hostd of A applied its first configuration" ||
	{ bad "hostd of A: no first apply"; cat "$A/hostd.log"; }
empty && ok "no table after start with nothing configured" ||
	{ bad "a table after start with nothing configured"; ruleset; }
[ "$(tracking)" -eq 1 ] && ! ruleset | grep -qE 'drop|reject|policy drop' &&
	ruleset | grep -q 'policy accept;' &&
	ok "A's tracking table only, which filters nothing" ||
	{ bad "A's tracking table"; ruleset; }

# 2. an interface is not a firewall
echo "set interfaces ge-0/0/0 unit 0 family inet address 192.0.2.1/24" |
	commit "$A"
ip -n "$NS" -4 addr show dev ge-0-0-0 | grep -q "192.0.2.1/24" &&
	ok "A's address applied" || bad "A's address not applied"
empty && ok "no table with interfaces only" ||
	{ bad "a table with interfaces only"; ruleset; }

# 3. a zone: A's own table, and only that
echo "set security zones security-zone trust interfaces ge-0/0/0.0 host-inbound-traffic system-services ping" |
	commit "$A"
ta=$(table_of "$A")
case $ta in qsafe_*) ok "A's table is $ta" ;; *) bad "A's table: '$ta'" ;; esac
has_table "$ta" && [ "$(tables)" -eq 1 ] && ok "a zone committed: one table, A's" ||
	{ bad "after A's zone"; ruleset; }

# 4. a second appliance in the same namespace: a table of its own
start "$B" || bad "./qsafe start --host-netns (B)"
until_ok 10 log_has "$B" "no zone or policy configured" ||
	bad "hostd of B: no first apply"
has_table "$ta" && [ "$(tables)" -eq 1 ] && ok "B's start leaves A's table alone" ||
	{ bad "B's start touched A's table"; ruleset; }
echo "set security policies default-policy permit-all" | commit "$B"
tb=$(table_of "$B")
[ -n "$tb" ] && [ "$tb" != "$ta" ] && has_table "$ta" && has_table "$tb" &&
	[ "$(tables)" -eq 2 ] && ok "B's policy: B's table $tb beside A's" ||
	{ bad "two appliances: A '$ta', B '$tb'"; ruleset; }

# 5. A's zone deleted: A's table goes, B's stays
echo "delete security zones" | commit "$A"
! has_table "$ta" && has_table "$tb" && ok "zones deleted: A's table removed, B's kept" ||
	{ bad "after deleting A's zones"; ruleset; }
[ ! -e "$A/hostd.nft" ] && ok "A's hostd.nft gone with its table" ||
	bad "A's hostd.nft left"

# 6. stop removes what start added, only that
echo "set security zones security-zone trust interfaces ge-0/0/0.0" | commit "$A"
has_table "$ta" || bad "A's table not back"
stop "$A"
! has_table "$ta" && has_table "$tb" && ok "A stopped: its table removed, B's kept" ||
	{ bad "after A's stop"; ruleset; }
[ "$(tracking)" -eq 1 ] && ok "A stopped: its tracking table removed, B's kept" ||
	{ bad "tracking tables after A's stop"; ruleset; }
stop "$B"
[ -z "$(ruleset)" ] && ok "both stopped: the namespace's ruleset is empty again" ||
	{ bad "after both stops"; ruleset; }

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
