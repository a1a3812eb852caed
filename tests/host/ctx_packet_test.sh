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
# Namespaces $A, $L and $R (tests/host/lib.sh) are the test's own,
# removed at exit; mgd is the only process it starts, stopped by its PID.
# No packet leaves them.
#
# usage: ctx_packet_test.sh MGD CLI        (root; else exit 77: skipped)
set -u
MGD=$1
CLI=$2

. "$(dirname "$0")/lib.sh"	# host_need, host_lab, host_mgd_start, cli
host_need ip nft ping unshare
host_lab qsafe-ctx
host_mgd_start QSAFE_HOSTD_VERIFY=1
# one ping, one second for its answer (each new: its own ICMP id, so no
# connection of an earlier ping lets it through)
ping_lr() { ip netns exec $L ping -n -c 1 -W 1 203.0.113.2 >/dev/null 2>&1; }
ping_rl() { ip netns exec $R ping -n -c 1 -W 1 198.51.100.2 >/dev/null 2>&1; }
# the patch path logs how its model compares with the whole one, the
# whole path that it built whole (hostd/ruleset.c ruleset_verify)
patched() { grep -cE "VERIFY: (the )?patched ruleset model" "$D/hostd.log"; }
whole() { grep -c "VERIFY: ruleset model built whole" "$D/hostd.log"; }
# commit_one LINE: one line in one commit; then hostd's log has one
# patch more than before and no model built whole since
commit_one() {
	local p0 w0
	p0=$(patched) w0=$(whole)
	printf 'configure\n%s\ncommit\n' "$1" | cli >"$D/out" 2>&1
	grep -q "commit complete" "$D/out" || { cat "$D/out"; return 1; }
	lab_poll 10 test "$(patched)" -gt "$p0" && [ "$(whole)" = "$w0" ]
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
lab_poll 10 ping_rl && ok "R -> L passes (trust -> untrust permit)" ||
	bad "R -> L does not pass: A does not forward"
ping_lr && bad "L -> R passes without a context untrust -> trust" ||
	ok "L -> R dropped without a context untrust -> trust"

commit_one "set security policies from-zone untrust to-zone trust policy u2t then permit" &&
	ok "the context untrust -> trust added by one line: hostd patched its table" ||
	bad "the context untrust -> trust: not a patch ($(patched) patched, $(whole) whole)"
lab_poll 10 ping_lr && ok "L -> R passes through the context added by the patch" ||
	bad "L -> R dropped after the patch added untrust -> trust"
ping_rl && ok "R -> L still passes" || bad "R -> L dropped after the patch"

commit_one "delete security policies from-zone untrust to-zone trust" &&
	ok "the context untrust -> trust deleted by one line: hostd patched its table" ||
	bad "the context's deletion: not a patch ($(patched) patched, $(whole) whole)"
ping_lr && bad "L -> R passes after the patch deleted untrust -> trust" ||
	ok "L -> R dropped again after the patch deleted the context"
lab_poll 10 ping_rl && ok "R -> L still passes after the deletion" ||
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
