#!/bin/bash
# hostd's incremental ruleset (issue 13 §1): a one-line change to a zone's
# services, to a zone's interfaces, to a policy of a context or to an
# address-book entry is a patch of the model in force, not a new model.
# The test commits a sequence of such changes (interfaces joining, leaving
# and moving between zones with policies between them, with and without
# host-inbound-traffic of their own, deactivated and activated; a policy
# added, changed, moved, deactivated and deleted; addresses and an
# address-set it uses changed, a policy using one of them elsewhere; then
# policies whose names end a bucket chain (hostd/policy.c: b17 and b48 in
# context trust -> untrust) and others, so that buckets split, join, are
# renamed when their first policy goes, and are refilled; an IPv6 address
# in a bucket's policies and out again: its chain for IPv6 comes and goes;
# a bucket's first policy deactivated and activated again: the bucket
# named after the second goes, by the patch of the policy's stretch alone,
# policy_patch_near); deletions, deactivations and activations among 400
# policies, a commit each, none of which walks the context whole
# with
# QSAFE_HOSTD_VERIFY=1, under which hostd compares each
# patched model with the model built whole and logs the outcome; then it
# stops the appliance and starts it again on the same configuration, and
# the kernel's table loaded whole by the fresh hostd must be the table the
# patches left (elements, chains and their rules in order, counters;
# handles and counts aside), and each zone interface is one element of one
# map (zone_in), with no named counter per interface.
#
# mgd runs in namespace pf-patch-<pid> (the test's own, removed at exit)
# with a temporary state directory; the units' devices do not exist (the
# ruleset matches names), so no packet is sent.
#
# usage: patch_test.sh MGD CLI        (root; else exit 77: skipped)
set -u
MGD=$1
CLI=$2

. "$(dirname "$0")/lib.sh"	# host_need, nft_file_is_table; tap.sh, lab_poll
host_need ip nft python3 unshare

A=pf-patch-$$
X=pf-patchx-$$ # hostd.nft loaded here, to compare with the table in force
D=$(mktemp -d /tmp/qsafe-patch-XXXXXX)
mgd_pid=

mgd_stop() {
	[ -n "$mgd_pid" ] || return 0
	kill "$mgd_pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$mgd_pid" 2>/dev/null || break
		sleep 0.1
	done
	mgd_pid=
}
cleanup() {
	mgd_stop
	ip netns del $A 2>/dev/null
	ip netns del $X 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cli() { "$CLI" --state-dir "$D" --keep-going; }

. "$(dirname "$0")/../lib/poll.sh"	# t_poll SECONDS CMD...

# bulk.c's transactions of rules at 16 KB, not 1 MB: the 400 policies'
# rules below go in several, and a bucket larger than one
mgd_start() {
	ip netns exec $A env QSAFE_HOSTD_VERIFY=1 QSAFE_HOSTD_BULK_CHUNK=16384 \
		unshare --uts "$MGD" \
		--state-dir "$D" --log "$D/mgd.log" </dev/null >/dev/null 2>&1 &
	mgd_pid=$!
	t_poll 10 test -S "$D/mgd.sock"
}

patched() { grep -c "VERIFY: patched ruleset model is the whole model" "$D/hostd.log"; }

# fresh_matches WHAT RULES: stops the appliance (its table must go with it),
# starts it again, and checks that the table the fresh hostd loads whole is
# RULES, the table the patches left (after WHAT).
fresh_matches() {
	mgd_stop
	t_poll 10 sh -c "! ip netns exec $A nft list table inet $t >/dev/null 2>&1" ||
		bad "the table outlived the appliance"
	: >"$D/hostd.log"
	mgd_start || { bad "mgd did not start again"; exit 1; }
	t_poll 60 grep -q "nftables ruleset loaded" "$D/hostd.log" ||
		bad "the fresh hostd loaded no table"
	t_poll 10 test -n "$(table)"
	ruleset "$t" "$A" counts >"$D/fresh.rules"
	[ -s "$D/fresh.rules" ] && cmp -s "$2" "$D/fresh.rules" &&
		ok "after $1 the table is the one a fresh hostd loads ($(wc -l <"$D/fresh.rules") objects)" ||
		{ bad "after $1 patched and fresh tables differ"; diff "$2" "$D/fresh.rules" | head -20; }
}

ip netns add $A || { echo "SKIP: cannot create network namespaces"; exit 77; }
ip netns add $X || { echo "SKIP: cannot create network namespaces"; exit 77; }
ip -n $A link set lo up
mgd_start || { bad "mgd did not start"; exit 1; }
t_poll 10 grep -q "configuration is applied" "$D/hostd.log" ||
	{ bad "hostd did not start"; exit 1; }

cli <<'SET' >"$D/out0" 2>&1
configure
set interfaces ge-0/0/1 unit 0 family inet address 10.1.1.1/24
set interfaces ge-0/0/2 unit 0 family inet address 10.2.2.1/24
set interfaces ge-0/0/3 unit 0 family inet
set interfaces ge-0/0/4 unit 0 family inet
set security zones security-zone trust interfaces ge-0/0/1.0
set security zones security-zone untrust host-inbound-traffic system-services ping
set security zones security-zone untrust interfaces ge-0/0/2.0 host-inbound-traffic system-services ike
set security zones security-zone dmz interfaces ge-0/0/4.0
set security policies from-zone trust to-zone untrust policy t2u match source-address any
set security policies from-zone trust to-zone untrust policy t2u match destination-address any
set security policies from-zone trust to-zone untrust policy t2u match application any
set security policies from-zone trust to-zone untrust policy t2u then permit
set security policies from-zone dmz to-zone trust policy d2t match source-address any
set security policies from-zone dmz to-zone trust policy d2t match destination-address any
set security policies from-zone dmz to-zone trust policy d2t match application any
set security policies from-zone dmz to-zone trust policy d2t then deny
set security address-book global address a1 10.9.0.0/24
commit
SET
grep -q "commit complete" "$D/out0" && t_poll 10 test -n "$(table)" &&
	ok "the first configuration committed, table $(table)" ||
	{ bad "the first configuration"; cat "$D/out0"; exit 1; }
# after a table loaded whole hostd.nft is the text hostd loaded
nft_file_is_table "$(table)" counts &&
	ok "hostd.nft after the first load is the table in force" ||
	{ bad "hostd.nft after the first load"; diff "$D/in_force.rules" "$D/file.rules" | head; }

# one commit per line: each is a patch (zones, then policies and the
# address book: policy_patch)
n=0
while read -r line; do
	printf 'configure\n%s\ncommit\n' "$line" | cli >"$D/out" 2>&1
	grep -q "commit complete" "$D/out" || { bad "commit of: $line"; cat "$D/out"; }
	n=$((n + 1))
done <<'LINES'
set security zones security-zone trust host-inbound-traffic system-services ssh
set security zones security-zone trust interfaces ge-0/0/3.0
set security zones security-zone untrust interfaces ge-0/0/3.0 host-inbound-traffic system-services http
delete security zones security-zone trust interfaces ge-0/0/3.0
deactivate security zones security-zone untrust interfaces ge-0/0/2.0
set security zones security-zone untrust interfaces ge-0/0/2.0 host-inbound-traffic system-services ssh
activate security zones security-zone untrust interfaces ge-0/0/2.0
set security zones security-zone dmz interfaces ge-0/0/2.0
delete security zones security-zone untrust interfaces ge-0/0/2.0
delete security zones security-zone trust interfaces ge-0/0/1.0
set security zones security-zone dmz interfaces ge-0/0/1.0
set security zones security-zone trust interfaces ge-0/0/1.0
delete security zones security-zone untrust host-inbound-traffic
delete security zones security-zone untrust interfaces ge-0/0/3.0
set security address-book global address a2 10.9.1.0/24
set security address-book global address-set s1 address a1
set security policies from-zone trust to-zone untrust policy p2 then permit
set security policies from-zone trust to-zone untrust policy p2 match source-address s1
set security policies from-zone trust to-zone untrust policy p2 match destination-address a2
set security address-book global address-set s1 address a2
set security address-book global address a1 10.9.2.0/24
set security policies from-zone trust to-zone untrust policy p2 match application junos-ssh
set security policies from-zone trust to-zone untrust policy p2 match application junos-http
set security policies from-zone trust to-zone untrust policy p2 then reject
set security policies from-zone dmz to-zone trust policy d2t match source-address a1
delete security address-book global address-set s1 address a1
deactivate security policies from-zone trust to-zone untrust policy p2
activate security policies from-zone trust to-zone untrust policy p2
delete security policies from-zone trust to-zone untrust policy p2
delete security address-book global address-set s1
set security policies from-zone trust to-zone untrust policy q1 then permit
set security policies from-zone trust to-zone untrust policy q2 then deny
set security policies from-zone trust to-zone untrust policy b17 then permit
set security policies from-zone trust to-zone untrust policy q3 then permit
set security policies from-zone trust to-zone untrust policy b48 then reject
set security policies from-zone trust to-zone untrust policy q4 then permit
set security policies from-zone trust to-zone untrust policy q3 match destination-address a2
set security address-book global address a2 10.9.3.0/24
delete security policies from-zone trust to-zone untrust policy b17
set security policies from-zone trust to-zone untrust policy b17 then permit
delete security policies from-zone trust to-zone untrust policy t2u
set security policies from-zone trust to-zone untrust policy t2u then permit
delete security policies from-zone trust to-zone untrust policy q4
deactivate security policies from-zone trust to-zone untrust policy b48
activate security policies from-zone trust to-zone untrust policy b48
set security address-book global address a6 2001:db8:9::/48
set security policies from-zone trust to-zone untrust policy q2 match source-address a6
set security address-book global address a6 2001:db8:a::/48
set security policies from-zone trust to-zone untrust policy b17 match source-address a6
delete security policies from-zone trust to-zone untrust policy q2 match source-address a6
delete security policies from-zone trust to-zone untrust policy b17 match source-address a6
deactivate security policies from-zone trust to-zone untrust policy q1
activate security policies from-zone trust to-zone untrust policy q1
LINES

# the policies of trust -> untrust are in buckets [q1 q2 q3 b48] [b17]
# [t2u], those of dmz -> trust in [d2t]: policies per bucket, by the tags
# of their rules (a bucket's IPv6 rules in its chain p_b<hash>_6)
t=$(table)
buckets=$(ip netns exec $A nft list table inet "$t" | awk '
    $1 == "chain" { c = ($2 ~ /^p_b/) ? $2 : ""; sub(/_6$/, "", c) }
    c != "" && NF > 1 && $(NF - 1) == "comment" && !seen[c, $NF]++ { n[c]++ }
    END { for (c in n) print n[c] }' | sort -n | tr '\n' ' ')
[ "$buckets" = "1 1 1 4 " ] &&
	ok "buckets of policies split, joined and renamed: policies per bucket $buckets" ||
	bad "buckets of policies: policies per bucket '$buckets', not 1 1 1 4"

# contexts new and gone (issue 13 §1): the first policy of a context and
# its chains, the maps f_<from-zone> / to_<from-zone> and the elements of
# the devices of its zones (a zone of 24 interfaces, wide), a from-zone
# that another context also uses (trust, wide: f_<zone> stays when one of
# them goes, the first context that names a device wins), a context
# deactivated, activated, its last policy deleted, its entry deleted
{
	echo configure
	for u in $(seq 1 24); do
		echo "set interfaces ge-0/2/0 unit $u family inet"
		echo "set security zones security-zone wide interfaces ge-0/2/0.$u"
	done
	echo commit
} | cli >"$D/out1" 2>&1
grep -q "commit complete" "$D/out1" || { bad "the zone wide"; tail "$D/out1"; }
while read -r line; do
	printf 'configure\n%s\ncommit\n' "$line" | cli >"$D/out" 2>&1
	grep -q "commit complete" "$D/out" || { bad "commit of: $line"; cat "$D/out"; }
	n=$((n + 1))
done <<'LINES'
set security policies from-zone untrust to-zone trust policy u2t then permit
set security policies from-zone trust to-zone wide policy t2w then permit
set security policies from-zone wide to-zone untrust policy w2u then deny
set security policies from-zone wide to-zone wide policy w2w then permit
set security policies from-zone untrust to-zone trust policy u2t2 then deny
delete security policies from-zone wide to-zone untrust policy w2u
deactivate security policies from-zone untrust to-zone trust
activate security policies from-zone untrust to-zone trust
delete security policies from-zone untrust to-zone trust policy u2t
delete security policies from-zone untrust to-zone trust policy u2t2
set security policies from-zone wide to-zone trust policy w2t then permit
delete security policies from-zone wide to-zone wide
set security policies from-zone wide to-zone wide policy w2w then permit
delete security policies from-zone trust to-zone wide
set security policies from-zone trust to-zone wide policy t2w then reject
LINES

t_poll 10 test "$(patched)" -ge $n &&
	ok "$n one-line commits: each a patch equal to the whole model" ||
	bad "$(patched) of $n commits verified as patches"
grep -q "differs from the model built whole" "$D/hostd.log" &&
	bad "a patched model differed from the whole model"
grep -q "NOT ENFORCED" "$D/hostd.log" &&
	bad "a patch's transaction failed in the kernel"
t=$(table)
ruleset "$t" "$A" counts >"$D/patched.rules"
# rewritten after each patch's reply, when hostd is idle
t_poll 10 nft_file_is_table "$t" counts &&
	ok "hostd.nft after the patches is the table in force" ||
	{ bad "hostd.nft after the patches"; diff "$D/in_force.rules" "$D/file.rules" | head; }

# each interface in a zone is one element of the map zone_in (ge-0/0/3.0
# has left every zone), and of no other set: no set or map of the table
# but zone_in holds them all; no named counter per interface (nft 1.0.6
# dumps every named counter before it adds an element or a rule)
elems() {
	ip netns exec $A nft -j list map inet "$t" "$1" | python3 -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    s = o.get("set") or o.get("map")
    if s and s["name"] == sys.argv[1]:
        v = [e[0] if isinstance(e, list) else e for e in s.get("elem", [])]
        v = [e["elem"]["val"] if isinstance(e, dict) else e for e in v]
        print(" ".join(sorted(v)))' "$1"
}
# the sets and maps of the table that hold element $1
sets_with() {
	ip netns exec $A nft list table inet "$t" | awk -v d="\"$1\"" '
		/^\t(set|map) / {n=$2} /^\tchain / {n=""}
		n != "" && index($0, d) {print n}' | sort -u
}
zi=$(printf '%s\n' ge-0-0-1 ge-0-0-2 ge-0-0-4 $(seq -f 'ge-0-2-0.%g' 1 24) |
	LC_ALL=C sort | paste -sd' ')
[ "$(elems zone_in)" = "$zi" ] &&
	ok "zone_in holds the zone interfaces: $(elems zone_in)" ||
	bad "zone_in holds '$(elems zone_in)', not the zone interfaces $zi"
# (fwd_from, to_<zone> and zif_<zone>: the policies' own, for the zones
# they name)
[ "$(sets_with ge-0-0-1 | grep -v '^fwd_from$\|^to_\|^zif_')" = "zone_in" ] &&
	ok "a zone interface is one element of the zones' sets: of zone_in" ||
	bad "ge-0-0-1 is an element of: $(sets_with ge-0-0-1 | tr '\n' ' ')"
ip netns exec $A nft list counters table inet "$t" | grep -q "counter deny_ge" &&
	bad "a named counter per interface"

# a fresh hostd loads the same configuration whole
fresh_matches "the patches" "$D/patched.rules"

# the first table with large interface sets (1,100 zone interfaces: more
# than bulk.c's 1,024) is loaded with their elements by libnftnl, the
# table dormant until they are in; it is the table hostd.nft describes,
# awake, each interface one element (of zone_in), the drops counted on the
# zone's named counter (ge-0-1-0.5 in z1 lets ping in, ge-0-1-0.6 in z0 drops it:
# veth pairs to X); a patch of it is the whole model
: >"$D/hostd.log"
for u in 5 6; do
	ip link add ge-0-1-0.$u netns $A type veth peer name pk$u netns $X
	ip -n $X addr add 10.55.$u.2/24 dev pk$u
	ip -n $X link set pk$u up
done
ping_x() { ip netns exec $X ping -n -c 1 -W 1 "$1" >/dev/null 2>&1; }
drops6() {
	local c
	c=$(ip netns exec $A nft list map inet "$t" zone_in |
		grep -o '"ge-0-1-0\.6" : jump [a-z0-9_]*' | awk '{print $4}')
	c=$([ -n "$c" ] && ip netns exec $A nft list chain inet "$t" "$c" |
		grep -o 'counter name "[a-z0-9_]*" drop' | cut -d'"' -f2)
	[ -n "$c" ] && ip netns exec $A nft list counter inet "$t" "$c" |
		grep -o "packets [0-9]*" | awk '{print $2}'
}
{
	echo configure
	echo "delete security"
	echo commit
} | cli >"$D/out8" 2>&1
t_poll 10 sh -c "! ip netns exec $A nft list table inet $t >/dev/null 2>&1" ||
	bad "the table stayed without zones and policies"
# hostd loads such a table dormant after its reply to the check, and the
# apply wakes it (hostd/ruleset.c ruleset_preload): a check that is not applied
# (`commit check`) leaves nothing in force, and its dormant table goes at
# mgd's abort, without another check (hostd.c host_abort)
big() {
	echo configure
	for u in $(seq 1 1100); do
		echo "set interfaces ge-0/1/0 unit $u family inet"
		echo "set security zones security-zone z$((u % 2)) interfaces ge-0/1/0.$u"
	done
	echo "set interfaces ge-0/1/0 unit 5 family inet address 10.55.5.1/24"
	echo "set interfaces ge-0/1/0 unit 6 family inet address 10.55.6.1/24"
	echo "set security zones security-zone z1 host-inbound-traffic system-services ping"
}
{
	big
	echo "commit check"
	echo "rollback 0"
} | cli >"$D/out8a" 2>&1
grep -q "configuration check succeeds" "$D/out8a" || { bad "commit check of 1,100 zone interfaces"; tail "$D/out8a"; }
# The load runs from a timer after the check's reply; mgd's abort of a
# `commit check` can reach hostd first, which then rightly loads nothing
# (ruleset_clear): so it is reported, not required.  What the operator
# sees is required: nothing in force, nothing left.
if grep -q "the table dormant" "$D/hostd.log"; then
	ok "commit check of 1,100 zone interfaces: the table loaded dormant after the check"
else
	ok "commit check of 1,100 zone interfaces # SKIP the abort came before the dormant load"
fi
grep -q "nftables ruleset loaded" "$D/hostd.log" &&
	bad "commit check: a table put in force" ||
	ok "commit check: no table put in force"
t_poll 10 sh -c "! ip netns exec $A nft list table inet $t >/dev/null 2>&1" &&
	ok "the dormant table of a commit check is gone at its abort" ||
	bad "the dormant table of a commit check is left: $(ip netns exec $A nft list table inet $t | head -3)"
: >"$D/hostd.log"
{
	big
	echo commit
} | cli >"$D/out8b" 2>&1
grep -q "commit complete" "$D/out8b" || { bad "commit of 1,100 zone interfaces"; tail "$D/out8b"; }
t_poll 20 grep -q "nftables ruleset loaded" "$D/hostd.log" ||
	bad "no table for 1,100 zone interfaces"
grep -q "loaded by libnftnl" "$D/hostd.log" &&
	ok "the large sets' elements went by libnftnl: $(grep -o '[0-9]* elements of [0-9]* large sets' "$D/hostd.log")" ||
	bad "the large sets went as text: $(grep 'as text' "$D/hostd.log")"
t_poll 10 nft_file_is_table "$t" counts &&
	ok "1,100 zone interfaces: the table loaded in bulk is the one hostd.nft describes" ||
	{ bad "the table loaded in bulk differs from hostd.nft"; diff "$D/in_force.rules" "$D/file.rules" | head; }
ip netns exec $X nft delete table inet "$t" 2>/dev/null
ip netns exec $A nft list table inet "$t" | grep -q dormant &&
	bad "the table is left dormant" || ok "the table loaded in bulk is awake"
t_poll 5 ping_x 10.55.5.1 && ok "bulk table: ping in on ge-0-1-0.5 (zone z1, ping)" ||
	bad "bulk table: no ping in on ge-0-1-0.5"
ping_x 10.55.6.1 && bad "bulk table: ping in on ge-0-1-0.6 (zone z0, no services)" ||
	ok "bulk table: ping dropped on ge-0-1-0.6 (zone z0)"
[ "$(drops6)" -ge 1 ] 2>/dev/null &&
	ok "bulk table: the drop counted on z0's chain ($(drops6))" ||
	bad "bulk table: z0's chain counts '$(drops6)' drops"
# one element an interface in the whole table (no global policy: the
# zif_ sets are empty; no policy: fwd_from is)
n8=$(ip netns exec $A nft list table inet "$t" | sed '/^\tchain /,$d' | grep -o '"ge-0-1-0\.[0-9]*"' | wc -l)
[ "$n8" = 1100 ] && ok "1,100 zone interfaces: 1,100 elements in the table" ||
	bad "1,100 zone interfaces: $n8 elements in the table"
grep -q "1100 elements of 1 large sets" "$D/hostd.log" &&
	ok "bulk.c sent 1,100 elements of 1 large set" ||
	bad "bulk.c sent $(grep -o '[0-9]* elements of [0-9]* large sets' "$D/hostd.log")"
printf 'configure\nset interfaces ge-0/1/1 unit 0 family inet\nset security zones security-zone z1 interfaces ge-0/1/1.0\ncommit\n' |
	cli >"$D/out8c" 2>&1
t_poll 10 test "$(patched)" -ge 1 &&
	ok "a patch of the table loaded in bulk is the whole model" ||
	bad "the patch after the bulk load not verified"

# zone_in is declared with a size (zones.c zones_in_decl: the power of two
# from twice its elements, at least 1,024): 2,048 zone interfaces fill a
# size of 4,096, and one more by a one-line change grows it to 8,192 in a
# transaction of its own before the change's (the kernel applies a new
# size only at commit): the change is in force, the table the model
zsize() { ip netns exec $A nft list map inet "$t" zone_in | awk '$1 == "size" {print $2}'; }
zcount() { ip netns exec $A nft list map inet "$t" zone_in | grep -o '"[^"]*" : jump' | wc -l; }
{
	echo configure
	for u in $(seq 1101 2047); do
		echo "set interfaces ge-0/1/0 unit $u family inet"
		echo "set security zones security-zone z$((u % 2)) interfaces ge-0/1/0.$u"
	done
	echo commit
} | cli >"$D/out8g" 2>&1
grep -q "commit complete" "$D/out8g" || { bad "commit of 2,048 zone interfaces"; tail "$D/out8g"; }
[ "$(zsize)" = 4096 ] && [ "$(zcount)" = 2048 ] &&
	ok "2,048 zone interfaces: zone_in of size 4,096" ||
	bad "2,048 zone interfaces: zone_in of size '$(zsize)' with $(zcount) elements"
printf 'configure\nset interfaces ge-0/1/2 unit 0 family inet\nset security zones security-zone z1 interfaces ge-0/1/2.0\ncommit\n' |
	cli >"$D/out8h" 2>&1
grep -q "commit complete" "$D/out8h" || { bad "commit of the 2,049th zone interface"; tail "$D/out8h"; }
[ "$(zsize)" = 8192 ] && [ "$(zcount)" = 2049 ] &&
	ok "the 2,049th zone interface: zone_in grown to 8,192, the interface in it" ||
	bad "the 2,049th zone interface: zone_in of size '$(zsize)' with $(zcount) elements"
grep -q "NOT ENFORCED" "$D/hostd.log" && bad "a ruleset not enforced: $(grep "NOT ENFORCED" "$D/hostd.log" | tail -1)"
t_poll 10 nft_file_is_table "$t" counts &&
	ok "the grown table is the one hostd.nft describes" ||
	{ bad "the grown table differs from hostd.nft"; diff "$D/in_force.rules" "$D/file.rules" | head; }
t_poll 5 ping_x 10.55.5.1 && ok "grown table: ping in on ge-0-1-0.5 (zone z1, ping)" ||
	bad "grown table: no ping in on ge-0-1-0.5"
# and back to 1,101 interfaces: declared 4,096 again (the tests below
# count z1's 551)
{
	echo configure
	for u in $(seq 1101 2047); do
		echo "delete interfaces ge-0/1/0 unit $u"
		echo "delete security zones security-zone z$((u % 2)) interfaces ge-0/1/0.$u"
	done
	echo "delete interfaces ge-0/1/2"
	echo "delete security zones security-zone z1 interfaces ge-0/1/2.0"
	echo commit
} | cli >"$D/out8i" 2>&1
grep -q "commit complete" "$D/out8i" || { bad "commit back to 1,101 zone interfaces"; tail "$D/out8i"; }
[ "$(zsize)" = 4096 ] && [ "$(zcount)" = 1101 ] &&
	ok "back to 1,101 zone interfaces: zone_in of size 4,096" ||
	bad "back to 1,101 zone interfaces: zone_in of size '$(zsize)' with $(zcount) elements"
t_poll 10 nft_file_is_table "$t" counts ||
	{ bad "the table back to 1,101 interfaces differs from hostd.nft"; diff "$D/in_force.rules" "$D/file.rules" | head; }
# past the declared size in one commit: 1,101 + 3,000 interfaces in a
# zone_in of 4,096 (the kernel refuses the 4,097th element of a set of
# that size: ENFILE), grown to 16,384 first; then back again
more() { # delete|set: units 1101..4100
	echo configure
	for u in $(seq 1101 4100); do
		echo "$1 interfaces ge-0/1/0 unit $u${2:-}"
		echo "$1 security zones security-zone z$((u % 2)) interfaces ge-0/1/0.$u"
	done
	echo commit
}
more set " family inet" | cli >"$D/out8j" 2>&1
grep -q "commit complete" "$D/out8j" || { bad "commit of 4,101 zone interfaces"; tail "$D/out8j"; }
[ "$(zsize)" = 16384 ] && [ "$(zcount)" = 4101 ] &&
	ok "4,101 zone interfaces in one commit: zone_in grown from 4,096 to 16,384" ||
	bad "4,101 zone interfaces: zone_in of size '$(zsize)' with $(zcount) elements"
grep -q "NOT ENFORCED" "$D/hostd.log" && bad "a ruleset not enforced: $(grep "NOT ENFORCED" "$D/hostd.log" | tail -1)"
more delete | cli >"$D/out8k" 2>&1
[ "$(zsize)" = 4096 ] && [ "$(zcount)" = 1101 ] ||
	bad "back to 1,101 zone interfaces: zone_in of size '$(zsize)' with $(zcount) elements"

# a zone's set zif_<zone> holds its interfaces only while a global policy
# names the zone (only those read it): none here, so the 1,100 interfaces
# are in no zif_ set; a global policy from z1 fills z1's (550 units and
# ge-0-1-1.0), an interface joining z1 then is a patch that adds to it,
# and the policy's deletion empties it
zif_count() {
	ip netns exec $A nft -j list table inet "$t" | python3 -c '
import json, sys
print(sum(len(v.get("elem", [])) for o in json.load(sys.stdin)["nftables"]
          for k, v in o.items() if k == "set" and v["name"].startswith("zif_")))'
}
[ "$(zif_count)" = 0 ] && ok "no global policy: no zone interface in a zif_ set" ||
	bad "no global policy: $(zif_count) zone interfaces in zif_ sets"
printf '%s\n' configure \
	"set security policies global policy gz match from-zone z1" \
	"set security policies global policy gz match source-address any" \
	"set security policies global policy gz match destination-address any" \
	"set security policies global policy gz match application any" \
	"set security policies global policy gz then permit" commit |
	cli >"$D/out8d" 2>&1
t_poll 10 test "$(zif_count)" = 551 &&
	ok "a global policy from z1: z1's 551 interfaces in its zif_ set" ||
	bad "a global policy from z1: $(zif_count) interfaces in zif_ sets, not 551"
p0=$(patched)
printf 'configure\nset interfaces ge-0/1/2 unit 0 family inet\nset security zones security-zone z1 interfaces ge-0/1/2.0\ncommit\n' |
	cli >"$D/out8e" 2>&1
t_poll 10 test "$(patched)" -gt "$p0" && [ "$(zif_count)" = 552 ] &&
	ok "an interface joining z1 under the global policy: a patch, in the zif_ set" ||
	bad "an interface joining z1 under the global policy: $(zif_count) in zif_ sets, patches $(patched)"
printf 'configure\ndelete security policies global\ncommit\n' | cli >"$D/out8f" 2>&1
t_poll 10 test "$(zif_count)" = 0 &&
	ok "the global policy deleted: the zif_ sets empty again" ||
	bad "the global policy deleted: $(zif_count) interfaces left in zif_ sets"

# the first table with 400 policies in one context (more than bulk.c's
# 256 rules): the rules of their bucket chains go by libnftnl (bulk_rule.c),
# built as nft builds them: IPv4 and IPv6 prefixes, byte-aligned or not,
# with host bits, sources and destinations, ports and port ranges,
# protocols with and without a family, accept and drop, the tags as
# comments.  The kernel's table,
# listed, must be the one hostd.nft's text makes (every expression of every
# rule), its chains with a policy that rejects or names two addresses
# (forms left to the text) loaded too; a patch of it is the whole model.
: >"$D/hostd.log"
{
	echo configure
	echo "delete security"
	echo commit
} | cli >"$D/out9" 2>&1
t_poll 10 sh -c "! ip netns exec $A nft list table inet $t >/dev/null 2>&1" ||
	bad "the table stayed without zones and policies"
apps="any junos-ssh junos-traceroute junos-icmp-all junos-udp-any junos-https"
{
	echo configure
	echo "set security zones security-zone trust interfaces ge-0/0/1.0"
	echo "set security zones security-zone untrust interfaces ge-0/0/2.0"
	for i in $(seq 1 400); do
		case $((i % 6)) in
		0) a="10.$((i / 250)).$((i % 250)).1/32" ;;
		1) a="10.$((i % 250)).$((i / 250)).0/24" ;;
		2) a="172.16.$((i % 16 * 16)).0/20" ;;
		3) a="10.$((i % 250)).7.3/9" ;;
		4) a="2001:db8:$(printf %x $i)::/48" ;;
		5) a="2001:db8:0:$(printf %x $((i * 16)))::/60" ;;
		esac
		echo "set security address-book global address a$i $a"
		p="security policies from-zone trust to-zone untrust policy p$i"
		# p331: no address, so no family (tcp dport 22 alone)
		[ $i = 331 ] && echo "set $p match source-address any" ||
			echo "set $p match source-address a$i"
		if [ $((i % 3)) = 0 ] && [ $i -gt 3 ]; then
			echo "set $p match destination-address a$((i - 3))"
		else
			echo "set $p match destination-address any"
		fi
		set -- $apps
		shift $((i % 6))
		echo "set $p match application $1"
		if [ $i = 150 ]; then
			echo "set $p then reject"
		elif [ $i = 280 ]; then
			echo "set $p match source-address a$((i - 1))"
			echo "set $p then permit"
		elif [ $((i % 2)) = 0 ]; then
			echo "set $p then permit"
		else
			echo "set $p then deny"
		fi
	done
	echo commit
} | cli >"$D/out9b" 2>&1
grep -q "commit complete" "$D/out9b" || { bad "commit of 400 policies"; tail "$D/out9b"; }
t_poll 20 grep -q "nftables ruleset loaded" "$D/hostd.log" ||
	bad "no table for 400 policies"
nr=$(grep -o '[0-9]* rules of [0-9]* chains loaded by libnftnl' "$D/hostd.log")
[ "${nr%% *}" -ge 256 ] 2>/dev/null &&
	ok "the policies' rules went by libnftnl: $nr" ||
	bad "the policies' rules went as text: '$nr' $(grep 'as text' "$D/hostd.log")"
ntx=$(grep -o 'libnftnl ([0-9]* transactions' "$D/hostd.log" | tr -dc 0-9)
[ "${ntx:-0}" -ge 3 ] &&
	ok "the rules went in $ntx transactions of 16 KB" ||
	bad "the rules did not go in several transactions: '$ntx'"
t_poll 10 nft_file_is_table "$t" counts &&
	ok "400 policies: the rules built by libnftnl are the rules nft makes of hostd.nft ($(grep -c '"rule"' "$D/in_force.rules") rules)" ||
	{ bad "the rules built by libnftnl differ from nft's"; diff "$D/in_force.rules" "$D/file.rules" | head; }
ip netns exec $X nft delete table inet "$t" 2>/dev/null
ip netns exec $A nft list table inet "$t" >"$D/t9" 2>&1 && ! grep -q dormant "$D/t9" &&
	ok "the table of 400 policies is awake" ||
	bad "the table of 400 policies is not there or left dormant"
grep -c 'comment "p_' "$D/hostd.nft" >"$D/tags"
[ "$(ip netns exec $A nft list table inet "$t" | grep -c 'comment "p_')" = "$(cat "$D/tags")" ] &&
	ok "every policy rule carries its tag ($(cat "$D/tags"))" ||
	bad "policy tags: $(cat "$D/tags") in hostd.nft, not in the kernel"
v0=$(patched)
printf 'configure\nset security policies from-zone trust to-zone untrust policy p8 match application junos-ssh\ncommit\n' |
	cli >"$D/out9c" 2>&1
t_poll 10 test "$(patched)" -gt "$v0" &&
	ok "a patch of the policies loaded by libnftnl is the whole model" ||
	bad "the patch after the rules' bulk load not verified"
t_poll 10 nft_file_is_table "$t" counts &&
	ok "the patched table is the one hostd.nft describes" ||
	{ bad "the patched table differs from hostd.nft"; diff "$D/in_force.rules" "$D/file.rules" | head; }
grep -q "NOT ENFORCED" "$D/hostd.log" &&
	bad "a transaction after the rules' bulk load failed"

# deletions, deactivations and activations among the 400 policies (issue
# 13 §1), a commit each: each a patch equal to the whole model, and none
# walks the context whole (the policy beside the one gone or deactivated
# stands for it: scope_stand, policy_patch_stand), whether it was its
# bucket's first policy, its last (the buckets join) or neither; the first
# and the last policy of the context
walks() { grep -o 'walked whole so far: [0-9]*' "$D/hostd.log" | tail -1 | tr -dc 0-9; }
nb() { ip netns exec $A nft list table inet "$t" | grep -c '^	chain p_b[0-9a-f]* {'; }
v0=$(patched)
w0=$(walks)
b0=$(nb)
p="security policies from-zone trust to-zone untrust policy"
{
	echo configure
	for i in $(seq 20 120) 1 400; do printf 'delete %s p%d\ncommit\n' "$p" $i; done
	for i in $(seq 130 150); do printf 'deactivate %s p%d\ncommit\n' "$p" $i; done
	for i in $(seq 130 2 150); do printf 'activate %s p%d\ncommit\n' "$p" $i; done
} | cli >"$D/out10" 2>&1
nc=$(grep -c "commit complete" "$D/out10")
[ "$nc" = 135 ] || bad "$nc of 135 deletions, deactivations and activations committed"
t_poll 20 test "$(patched)" -ge $((v0 + 135)) &&
	ok "135 deletions, deactivations, activations: each a patch equal to the whole model (bucket chains $b0 then $(nb))" ||
	bad "$(($(patched) - v0)) of 135 deletions, deactivations, activations verified as patches"
[ -n "$w0" ] && [ "$(walks)" = "$w0" ] &&
	ok "no deletion, deactivation or activation walked the context whole" ||
	bad "the context walked whole $(($(walks) - w0)) times of 135"
grep -q "differs from the model built whole" "$D/hostd.log" &&
	bad "a deletion's patched model differed from the whole model"
grep -q "NOT ENFORCED" "$D/hostd.log" &&
	bad "a deletion's transaction failed"
t_poll 10 nft_file_is_table "$t" counts &&
	ok "after the deletions the table is the one hostd.nft describes" ||
	{ bad "after the deletions the table differs from hostd.nft"; diff "$D/in_force.rules" "$D/file.rules" | head; }

# address-book changes among the 400 policies (issue 13 §1): each refills
# the buckets of the policies that name the entry, found by the uses the
# model keeps (hostd/policy_uses.c), and walks no context whole; each
# patch is the whole model, and at the end the table is the one a fresh
# hostd loads.  a200 is named by p200 alone, a211 by p211 alone; s9 holds
# a250 and a252 and is named by p160 and p170, s10 holds s9 and is named
# by p180 (a set of sets), and the global policy g1 names a300.  An
# address still named cannot be deleted (hostd's check refuses: the
# policy's bucket, refilled, names an entry that is not there).
{
	echo configure
	echo "set security address-book global address-set s9 address a250"
	echo "set security address-book global address-set s9 address a252"
	echo "set security address-book global address-set s10 address-set s9"
	for i in 160 170; do
		echo "delete security policies from-zone trust to-zone untrust policy p$i match destination-address any"
		echo "set security policies from-zone trust to-zone untrust policy p$i match destination-address s9"
	done
	echo "set security policies from-zone trust to-zone untrust policy p180 match destination-address s10"
	g="security policies global policy g1"
	echo "set $g match source-address a300"
	echo "set $g match destination-address any"
	echo "set $g match application any"
	echo "set $g then deny"
	echo commit
} | cli >"$D/out11" 2>&1
grep -q "commit complete" "$D/out11" || { bad "the sets s9, s10 and policy g1"; tail "$D/out11"; }
printf 'configure\ndelete security address-book global address a200\ncommit\nrollback 0\n' |
	cli >"$D/out12" 2>&1
grep -q "commit complete" "$D/out12" &&
	bad "a200, named by p200, deleted" ||
	ok "a200, named by p200, cannot be deleted: $(grep -m1 -i 'error\|not' "$D/out12")"
book="security address-book global"
pol="security policies from-zone trust to-zone untrust policy"
v0=$(patched)
w0=$(walks)
ruleset "$t" "$A" counts | grep '^\["rule"' | sed -E 's/(, )?"pos": [0-9]+//' >"$D/r11a"
while IFS='|' read -r what line; do
	printf 'configure\n%s\ncommit\n' "$line" | sed 's/; /\n/g' | cli >"$D/out" 2>&1
	grep -q "commit complete" "$D/out" || { bad "commit of: $line"; cat "$D/out"; continue; }
	v1=$((v0 + 1))
	t_poll 10 test "$(patched)" -ge $v1 &&
		ok "$what: a patch equal to the whole model" ||
		bad "$what: no patch verified as the whole model"
	[ "$(walks)" = "$w0" ] &&
		ok "$what: no context walked whole" ||
		bad "$what: the context walked whole $(($(walks) - w0)) times"
	v0=$(patched)
	w0=$(walks)
	# the policies whose rules changed (their tags), by the table in force
	# before and after: those that name the entry, directly or by a set
	ruleset "$t" "$A" counts | grep '^\["rule"' | sed -E 's/(, )?"pos": [0-9]+//' >"$D/r11b"
	nt=$(diff "$D/r11a" "$D/r11b" | grep -o '"comment": "p_[0-9a-f]*"' | sort -u | wc -l)
	mv "$D/r11b" "$D/r11a"
	case $what in
	*a200*) [ "$nt" = 1 ] &&
		ok "a200 changed: the rules of p200 alone changed" ||
		bad "a200 changed: the rules of $nt policies changed, not 1" ;;
	*changed*a250*) [ "$nt" = 4 ] &&
		ok "a250 changed: the rules of p250, p160, p170, p180 changed" ||
		bad "a250 changed: the rules of $nt policies changed, not 4" ;;
	esac
done <<LINES
an address named by one policy changed (a200)|set $book address a200 10.99.0.0/24
an address in a set of sets changed (a250)|set $book address a250 10.98.0.0/24
an address named by a global policy changed (a300)|set $book address a300 10.97.0.0/24
an address deleted with its only policy (a211)|delete $pol p211; delete $book address a211
an address-set member removed (s9 a250)|delete $book address-set s9 address a250
an address-set member added (s9 a251)|set $book address-set s9 address a251
LINES
grep -q "differs from the model built whole" "$D/hostd.log" &&
	bad "an address-book change's patched model differed from the whole model"
grep -q "misses a use of the model built whole" "$D/hostd.log" &&
	bad "a patched model missed a use: $(grep -m1 'misses a use' "$D/hostd.log")"
grep -q "NOT ENFORCED" "$D/hostd.log" &&
	bad "an address-book change's transaction failed"
ruleset "$t" "$A" counts >"$D/patched.rules"
fresh_matches "the address-book changes" "$D/patched.rules"

# moves and renames among the policies left (issue 13 §1), a commit
# each: each a patch equal to the whole model, none walks the context
# whole (the moved policy is named at its new place and its old place by
# the policy kept beside it: scope_moved, policy_patch_near's blocks).
# Anchors in effect now (a bucket ends after them): p2 p19 p121 p183 p200
# p226 p275 p309 p323 p352 p381; p131..p149 odd are inactive.
# (after a restart above: the fresh hostd has walked none yet)
v0=$(patched)
w0=$(walks)
w0=${w0:-0}
{
	echo configure
	while read -r l; do printf '%s\ncommit\n' "${l//@/$p}"; done <<'MOVES'
insert @ p250 before policy p2
insert @ p260 after policy p399
insert @ p155 before policy p152
insert @ p170 after policy p300
insert @ p226 before policy p160
insert @ p165 after policy p275
insert @ p250 after policy p330
insert @ p2 after policy p340
insert @ p260 before policy p200
rename @ p190 to policy r190
rename @ p309 to policy r309
rename @ p3 to policy r3
insert @ p180 after policy p131
insert @ p323 after policy p183
MOVES
	printf 'insert %s p240 before policy p10\n' "$p"
	printf 'insert %s p350 after policy p128\ncommit\n' "$p"
} | cli >"$D/out13" 2>&1
nc=$(grep -c "commit complete" "$D/out13")
[ "$nc" = 15 ] || { bad "$nc of 15 moves and renames committed"; grep -i error "$D/out13" | head; }
t_poll 20 test "$(patched)" -ge $((v0 + 15)) &&
	ok "15 moves and renames: each a patch equal to the whole model" ||
	bad "$(($(patched) - v0)) of 15 moves and renames verified as patches"
[ "$(walks)" = "$w0" ] &&
	ok "no move or rename walked the context whole" ||
	bad "the context walked whole $(($(walks) - w0)) times of 15"
grep -q "differs from the model built whole" "$D/hostd.log" &&
	bad "a move's patched model differed from the whole model"
grep -q "NOT ENFORCED" "$D/hostd.log" &&
	bad "a move's transaction failed"
t_poll 10 nft_file_is_table "$t" counts &&
	ok "after the moves the table is the one hostd.nft describes" ||
	{ bad "after the moves the table differs from hostd.nft"; diff "$D/in_force.rules" "$D/file.rules" | head; }
# 65 moved in one commit: more than scope.c names one by one
# (SCOPE_MOVED_MAX), so the model is built whole; the fresh hostd below
# checks that table too
{
	echo configure
	for i in $(seq 241 305); do printf 'insert %s p%d before policy p4\n' "$p" $i; done
	echo commit
} | cli >"$D/out14" 2>&1
grep -q "commit complete" "$D/out14" || { bad "65 moves not committed"; tail -3 "$D/out14"; }
t_poll 10 nft_file_is_table "$t" counts &&
	ok "after 65 moves in one commit the table is the one hostd.nft describes" ||
	{ bad "after 65 moves the table differs from hostd.nft"; diff "$D/in_force.rules" "$D/file.rules" | head; }
# the table the patches left is the one a fresh hostd loads whole
ruleset "$t" "$A" counts >"$D/moved.rules"
fresh_matches "the moves" "$D/moved.rules"

if [ $fails -gt 0 ]; then
	echo "--- hostd.log"
	tail -40 "$D/hostd.log"
	exit 1
fi
exit 0
