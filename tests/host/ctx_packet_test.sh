#!/bin/bash
# A policy context added to the running table by a patch (hostd/
# policy_patch.c) forwards packets, and its removal by a patch stops them:
# patch_test.sh proves a patched model equals the model built whole, this
# proves the kernel's table after the patch acts on packets.
#
#   L (198.51.100.2) --- ge-0-0-0 [ A: the appliance ] ge-0-0-1 --- R (203.0.113.2)
#     zone untrust     198.51.100.1/24         203.0.113.1/24     zone trust
#
# trust -> untrust permits: R pings L (forwarding works), L's ping to R
# is dropped.  A one-line commit adds the context untrust -> trust with a
# permit: hostd takes the patch path (under QSAFE_HOSTD_VERIFY=1 the
# patch path logs how its model compares with the model built whole, the
# whole path "built whole"), and L's ping passes (the context's chains,
# the jump from fwd_from to f_untrust and to_untrust's element for
# ge-0-0-1 are there); the context deleted by one commit, a patch again,
# L's ping is dropped.  The patched model equal to the whole one is
# patch_test.sh's to prove; here its log line only fails the test too.
#
# Namespaces $NS-{a,l,r} are the test's own, removed at exit; mgd is the
# only process it starts, stopped by its PID.  No packet leaves them.
#
# usage: ctx_packet_test.sh MGD CLI        (root; else exit 77: skipped)
set -u
MGD=$1
CLI=$2

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (network namespaces)"
	exit 77
fi
for p in ip nft ping unshare; do
	command -v $p >/dev/null || { echo "SKIP: $p is not installed"; exit 77; }
done

NS=qsafe-ctx-$$
A=$NS-a L=$NS-l R=$NS-r
D=$(mktemp -d /tmp/qsafe-ctx-XXXXXX)
. "$(dirname "$0")/../lab/tap.sh"	# ok, bad, $fails
. "$(dirname "$0")/../lib/poll.sh"	# t_poll SECONDS CMD...
mgd_pid=

cleanup() {
	if [ -n "$mgd_pid" ]; then
		# mgd gone (and its daemons with it) before its namespace goes
		kill "$mgd_pid" 2>/dev/null &&
			t_poll 10 sh -c "! kill -0 $mgd_pid 2>/dev/null"
	fi
	for n in $A $L $R; do ip netns del $n 2>/dev/null; done
	rm -rf "$D"
}
trap cleanup EXIT

for n in $A $L $R; do
	ip netns add $n || { echo "SKIP: cannot create network namespaces"; exit 77; }
	ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec $n sysctl -qw net.ipv6.conf.default.disable_ipv6=1
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

ip netns exec $A env QSAFE_HOSTD_VERIFY=1 unshare --uts "$MGD" \
	--state-dir "$D" --log "$D/mgd.log" </dev/null >/dev/null 2>&1 &
mgd_pid=$!
hostd_up() {
	[ -S "$D/mgd.sock" ] && grep -qE "nftables ruleset|no zone or policy" \
		"$D/hostd.log" 2>/dev/null
}
t_poll 10 hostd_up || { echo "Bail out! mgd or hostd did not start"; exit 1; }

cli() { "$CLI" --state-dir "$D" --keep-going; }
# one ping, one second for its answer (each new: its own ICMP id, so no
# connection of an earlier ping lets it through)
ping_lr() { ip netns exec $L ping -n -c 1 -W 1 203.0.113.2 >/dev/null 2>&1; }
ping_rl() { ip netns exec $R ping -n -c 1 -W 1 198.51.100.2 >/dev/null 2>&1; }
# the patch path logs how its model compares with the whole one, the
# whole path that it built whole (hostd.c host_verify)
patched() { grep -cE "VERIFY: (the )?patched ruleset model" "$D/hostd.log"; }
whole() { grep -c "VERIFY: ruleset model built whole" "$D/hostd.log"; }
# commit_one LINE: one line in one commit; then hostd's log has one
# patch more than before and no model built whole since
commit_one() {
	local p0 w0
	p0=$(patched) w0=$(whole)
	printf 'configure\n%s\ncommit\n' "$1" | cli >"$D/out" 2>&1
	grep -q "commit complete" "$D/out" || { cat "$D/out"; return 1; }
	t_poll 10 test "$(patched)" -gt "$p0" && [ "$(whole)" = "$w0" ]
}

cli <<'SET' >"$D/out1" 2>&1
configure
set interfaces ge-0/0/0 unit 0 family inet address 198.51.100.1/24
set interfaces ge-0/0/1 unit 0 family inet address 203.0.113.1/24
set security zones security-zone untrust interfaces ge-0/0/0.0
set security zones security-zone trust interfaces ge-0/0/1.0
set security policies from-zone trust to-zone untrust policy t2u match source-address any
set security policies from-zone trust to-zone untrust policy t2u match destination-address any
set security policies from-zone trust to-zone untrust policy t2u match application any
set security policies from-zone trust to-zone untrust policy t2u then permit
commit
SET
grep -q "commit complete" "$D/out1" && ok "zones trust, untrust and trust -> untrust committed" ||
	{ bad "the first commit"; cat "$D/out1"; exit 1; }
t_poll 10 ping_rl && ok "R -> L passes (trust -> untrust permit)" ||
	bad "R -> L does not pass: A does not forward"
ping_lr && bad "L -> R passes without a context untrust -> trust" ||
	ok "L -> R dropped without a context untrust -> trust"

commit_one "set security policies from-zone untrust to-zone trust policy u2t then permit" &&
	ok "the context untrust -> trust added by one line: hostd patched its table" ||
	bad "the context untrust -> trust: not a patch ($(patched) patched, $(whole) whole)"
t_poll 10 ping_lr && ok "L -> R passes through the context added by the patch" ||
	bad "L -> R dropped after the patch added untrust -> trust"
ping_rl && ok "R -> L still passes" || bad "R -> L dropped after the patch"

commit_one "delete security policies from-zone untrust to-zone trust" &&
	ok "the context untrust -> trust deleted by one line: hostd patched its table" ||
	bad "the context's deletion: not a patch ($(patched) patched, $(whole) whole)"
ping_lr && bad "L -> R passes after the patch deleted untrust -> trust" ||
	ok "L -> R dropped again after the patch deleted the context"
t_poll 10 ping_rl && ok "R -> L still passes after the deletion" ||
	bad "R -> L dropped after the deletion"

grep -q "differs from the model built whole" "$D/hostd.log" &&
	bad "a patched model differed from the whole model"
grep -q "NOT ENFORCED" "$D/hostd.log" &&
	bad "a patch's transaction failed in the kernel"
if [ "$fails" -gt 0 ]; then
	echo "--- hostd.log"
	tail -30 "$D/hostd.log"
	exit 1
fi
exit 0
