#!/bin/bash
# A bucket of policies for both families, with packets (hostd/policy.c:
# the bucket's rules name no family; its chain sends IPv6 packets to its
# chain p_b<hash>_6, or back when no rule is for them):
#
#   L 198.51.100.2 2001:db8:1::2 --- ge-0-0-0 [ A ] ge-0-0-1 --- R 203.0.113.2 2001:db8:2::2
#
# Policies trust -> untrust, in order: deny4 (source L's IPv4 address),
# allow6 (source L's IPv6 address), all (any, permit).  A policy of one
# family must not match the other's packets, and first match holds in
# each: IPv4 L -> R is denied by deny4 (counted there, not on all), IPv6
# passes by allow6; deny4 deleted, IPv4 passes by all; deny6 (source L's
# IPv6 address, deny) inserted first, IPv6 is denied and IPv4 still
# passes; all of it as patches equal to the model built whole
# (QSAFE_HOSTD_VERIFY=1).
#
# usage: fam_test.sh MGD CLI        (root; else exit 77: skipped)
set -u
MGD=$1
CLI=$2

. "$(dirname "$0")/lib.sh"	# host_need, host_lab, host_mgd_start, cli
host_need ip nft ping unshare
host_lab qsafe-fam v6
host_mgd_start QSAFE_HOSTD_VERIFY=1
commit() {
	printf 'configure\n%s\ncommit\n' "$1" | cli >"$D/out" 2>&1
	grep -q "commit complete" "$D/out" && return 0
	bad "commit of: $1"
	cat "$D/out"
	return 1
}
ping4() { ip netns exec $L ping -n -c 1 -W 1 203.0.113.2 >/dev/null 2>&1; }
ping6() { ip netns exec $L ping -6 -n -c 1 -W 1 2001:db8:2::2 >/dev/null 2>&1; }
# the hit count of policy $1 of trust -> untrust
hits() {
	"$CLI" --state-dir "$D" -c "show security policies hit-count" |
		awk -v n="$1" '$4 == n {print $5}'
}
# whether check: passes within 5 s (the packet path after a commit)
eventually() { lab_poll 5 "$@"; }
# whether check stays false over 3 tries (a drop is an absence)
never() { ! "$@" && ! "$@" && ! "$@"; }

cli <<'SET' >"$D/out0" 2>&1
configure
set interfaces ge-0/0/0 unit 0 family inet address 198.51.100.1/24
set interfaces ge-0/0/0 unit 0 family inet6 address 2001:db8:1::1/64
set interfaces ge-0/0/1 unit 0 family inet address 203.0.113.1/24
set interfaces ge-0/0/1 unit 0 family inet6 address 2001:db8:2::1/64
set security zones security-zone trust interfaces ge-0/0/0.0
set security zones security-zone untrust interfaces ge-0/0/1.0
set security address-book global address l4 198.51.100.2/32
set security address-book global address l6 2001:db8:1::2/128
set security policies from-zone trust to-zone untrust policy deny4 match source-address l4
set security policies from-zone trust to-zone untrust policy deny4 match destination-address any
set security policies from-zone trust to-zone untrust policy deny4 match application any
set security policies from-zone trust to-zone untrust policy deny4 then deny
set security policies from-zone trust to-zone untrust policy allow6 match source-address l6
set security policies from-zone trust to-zone untrust policy allow6 match destination-address any
set security policies from-zone trust to-zone untrust policy allow6 match application any
set security policies from-zone trust to-zone untrust policy allow6 then permit
set security policies from-zone trust to-zone untrust policy all match source-address any
set security policies from-zone trust to-zone untrust policy all match destination-address any
set security policies from-zone trust to-zone untrust policy all match application any
set security policies from-zone trust to-zone untrust policy all then permit
commit
SET
grep -q "commit complete" "$D/out0" && ok "policies of both families committed" ||
	{ bad "the first commit"; cat "$D/out0"; exit 1; }
t=$(awk '/^table inet / {print $3; exit}' "$D/hostd.nft")
ip netns exec $A nft list table inet "$t" | grep -q "goto p_b[0-9a-f]*_6" &&
	ok "the bucket sends IPv6 packets to its own chain" ||
	bad "no goto to a bucket's IPv6 chain"

eventually ping6 && ok "IPv6 L -> R permitted by allow6" || bad "IPv6 L -> R"
never ping4 && ok "IPv4 L -> R denied by deny4" || bad "IPv4 L -> R passed"
[ "$(hits deny4)" -gt 0 ] 2>/dev/null && [ "$(hits allow6)" -gt 0 ] 2>/dev/null &&
	[ "$(hits all)" = 0 ] &&
	ok "each family counted on its own policy (deny4 $(hits deny4), allow6 $(hits allow6), all 0)" ||
	bad "hit counts: deny4 '$(hits deny4)' allow6 '$(hits allow6)' all '$(hits all)'"

commit "delete security policies from-zone trust to-zone untrust policy deny4" &&
	eventually ping4 && ok "deny4 deleted: IPv4 L -> R permitted by all" ||
	bad "IPv4 L -> R after deny4 went"
[ "$(hits all)" -gt 0 ] 2>/dev/null && ok "counted on all ($(hits all))" ||
	bad "all counted '$(hits all)'"
a6=$(hits allow6)

cli <<'SET' >"$D/out1" 2>&1
configure
set security policies from-zone trust to-zone untrust policy deny6 match source-address l6
set security policies from-zone trust to-zone untrust policy deny6 match destination-address any
set security policies from-zone trust to-zone untrust policy deny6 match application any
set security policies from-zone trust to-zone untrust policy deny6 then deny
insert security policies from-zone trust to-zone untrust policy deny6 before policy allow6
commit
SET
grep -q "commit complete" "$D/out1" && ok "deny6 inserted before allow6" ||
	{ bad "deny6 inserted"; cat "$D/out1"; }
never ping6 && ok "IPv6 L -> R denied by deny6" || bad "IPv6 L -> R passed deny6"
eventually ping4 && ok "IPv4 L -> R still permitted" || bad "IPv4 L -> R after deny6"
[ "$(hits deny6)" -gt 0 ] 2>/dev/null && [ "$(hits allow6)" = "$a6" ] &&
	ok "deny6 counted ($(hits deny6)), allow6 kept its count ($a6)" ||
	bad "hit counts: deny6 '$(hits deny6)' allow6 '$(hits allow6)' (was $a6)"

# only IPv6 policies before all: the bucket's IPv4 packets go back
commit "delete security policies from-zone trust to-zone untrust policy all" &&
	never ping4 && ok "all deleted: IPv4 L -> R denied by default" ||
	bad "IPv4 L -> R passed with no IPv4 policy"
ip netns exec $A nft list table inet "$t" | grep -q "meta nfproto ipv4 return" &&
	ok "a bucket of IPv6 policies sends IPv4 packets back" ||
	bad "no return for IPv4 in a bucket of IPv6 policies"

grep -q "VERIFY: the patched ruleset model differs" "$D/hostd.log" &&
	bad "a patched model differs from the whole model" ||
	ok "every patch equals the model built whole ($(grep -c "VERIFY: patched ruleset model is the whole model" "$D/hostd.log"))"
[ "$fails" = 0 ] || exit 1
