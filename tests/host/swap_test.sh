#!/bin/bash
# A large change onto an appliance that already filters (issue 13 §1):
# hostd loads the next table whole, dormant, under the table's other name
# after its reply to check, and the apply swaps it for the table in force
# in one transaction (hostd/ruleset.c: ruleset_swap).  Checks, with a
# small table in force (zones trust and untrust, policy t2u that L's pings
# to R hit) and 2,100 policies added in one commit:
#
#   - a commit hostd refuses, and a `commit check` (hostd loads the next
#     table dormant, then mgd drops the change): the table in force stays
#     as it was, and no second table is left;
#   - an apply whose load fails (the other name held by a table of
#     another process's, `flags owner`: the kernel refuses hostd's
#     transactions on it): the log says the configuration is not
#     enforced, the table in force stays as it was and still filters;
#     the next commit loads the whole table;
#   - an apply that swaps: one table of this appliance, awake, under the
#     other name, hostd.nft describes it, t2u's hit count carried, pings
#     still pass;
#   - hostd killed then: the next one loads the same table under the
#     first name, deletes the other, and carries t2u's count from it;
#   - `commit check` of a large change, then the appliance stopped: no
#     table of either name left, nor the tracking table; started again,
#     the table the fresh hostd loads is the swapped one (names, handles
#     and counts aside).
#
# 2,100 policies with an address each: more than scope.c's 4,096 changed
# entries, so the model is built whole (a smaller change is a patch), and
# a difference of more than ruleset.c's RULESET_SWAP_MIN (128 KiB), half
# the next table or more; QSAFE_HOSTD_BULK_CHUNK puts their rules in
# several transactions.
#
# usage: swap_test.sh MGD CLI        (root; else exit 77: skipped)
set -u
MGD=$1
CLI=$2

. "$(dirname "$0")/lib.sh" # host_need, host_lab, host_mgd_start, host_t2u_set, cli, ruleset
host_need ip nft ping unshare python3 pgrep
host_lab qsafe-swap
X=qsafe-swap-$$-x # hostd.nft loaded here, to compare with the table in force
ip netns add $X || { echo "SKIP: cannot create network namespaces"; exit 77; }
owner=
swap_cleanup() {
	[ -z "$owner" ] || kill "$owner" 2>/dev/null
	ip netns del $X 2>/dev/null
	host_cleanup
}
trap swap_cleanup EXIT
env="QSAFE_HOSTD_BULK_CHUNK=16384 QSAFE_HOSTD_LAPS_MS=-1"
# shellcheck disable=SC2086
host_mgd_start $env

ping_lr() { ip netns exec $L ping -n -c 1 -W 1 203.0.113.2 >/dev/null 2>&1; }
hits() {
	"$CLI" --state-dir "$D" -c "show security policies hit-count" |
		awk -v n="$1" '$4 == n {print $5}'
}
# policies FILE PREFIX N: N policies of trust -> untrust, each with an
# address of its own, as `set` lines
policies() {
	awk -v p="$2" -v n="$3" 'BEGIN {
	    for (i = 0; i < n; i++) {
		    a = "set security address-book global address " p "A-" i
		    printf "%s 10.%d.%d.0/24\n", a, 100 + int(i / 256), i % 256
		    q = "set security policies from-zone trust to-zone untrust policy " p "-" i
		    printf "%s match source-address %sA-%d\n", q, p, i
		    printf "%s match destination-address any\n", q
		    printf "%s match application junos-https\n", q
		    printf "%s then permit\n", q
	    } }' >"$1"
}
same_table() { # WHAT: the table in force is still $D/before.rules, awake
	[ "$(table)" = "$t0" ] && [ "$(tables)" = "$t0" ] &&
		ruleset "$t0" >"$D/now.rules" && cmp -s "$D/before.rules" "$D/now.rules" &&
		! ip netns exec $A nft list table inet "$t0" | grep -q dormant
}

{ echo configure; host_t2u_set; echo commit; } | cli >"$D/out1" 2>&1
grep -q "commit complete" "$D/out1" && lab_poll 10 test -n "$(table)" ||
	{ bad "the small configuration"; cat "$D/out1"; exit 1; }
t0=$(table)
for _ in 1 2 3; do ping_lr || bad "L -> R through t2u"; done
h0=$(hits t2u)
[ "${h0:-0}" -ge 3 ] && ok "small table $t0 in force: t2u counted $h0 pings" ||
	bad "t2u's hits after 3 pings: '$h0'"
ruleset "$t0" >"$D/before.rules"
policies "$D/big.set" P 2100

# 1. refused by hostd (an address range that ends before it starts)
{
	echo configure
	echo "load set $D/big.set"
	echo "set security address-book global address RR range-address 10.7.0.9 to 10.7.0.1"
	q="set security policies from-zone trust to-zone untrust policy rr"
	echo "$q match source-address RR"
	echo "$q match destination-address any"
	echo "$q match application any"
	echo "$q then permit"
	echo commit
	echo "rollback 0"
} | cli >"$D/out2" 2>&1
grep -q "ends before it starts" "$D/out2" && ! grep -q "commit complete" "$D/out2" &&
	ok "a large change hostd refuses: refused" ||
	{ bad "a large change with a reversed range not refused"; tail "$D/out2"; }
same_table && ok "after the refusal the table in force is as it was, and alone" ||
	bad "after the refusal: tables '$(tables)', $(diff "$D/before.rules" "$D/now.rules" | head -3)"

# 2. commit check: checked (the next table loaded dormant), then dropped
n0=$(grep -c "dormant load" "$D/hostd.log")
printf 'configure\nload set %s\ncommit check\nrollback 0\n' "$D/big.set" |
	cli >"$D/out3" 2>&1
grep -q "configuration check succeeds" "$D/out3" ||
	{ bad "commit check of the large change"; tail "$D/out3"; }
lab_poll 20 sh -c "[ \$(grep -c 'dormant load' '$D/hostd.log') -gt $n0 ]" &&
	ok "commit check: the next table loaded dormant after the reply" ||
	bad "commit check: no dormant load in hostd.log"
lab_poll 10 same_table && ok "after commit check the table in force is as it was, and alone" ||
	bad "after commit check: tables '$(tables)'"

# 3. the apply's load fails: the other name is held by another process's
# table (flags owner: no one else may change or delete it)
other=${t0}_b
mkfifo "$D/own"
ip netns exec $A nft -i <"$D/own" >/dev/null 2>&1 &
owner=$!
exec 7>"$D/own"
echo "add table inet $other { flags owner; }" >&7
lab_poll 10 sh -c "ip netns exec $A nft list tables | grep -q ' $other\$'" ||
	bad "no table $other of another owner"
printf 'configure\nload set %s\ncommit\n' "$D/big.set" | cli >"$D/out4" 2>&1
grep -q "commit complete" "$D/out4" || { bad "commit of the large change"; tail "$D/out4"; }
lab_poll 20 grep -q "COMMITTED CONFIGURATION NOT ENFORCED" "$D/hostd.log" &&
	ok "the load under a name held by another: not enforced, said in the log" ||
	bad "no failure logged with $other held"
tables >"$D/t4"
ruleset "$t0" >"$D/now.rules" 2>/dev/null
grep -qx "$t0" "$D/t4" && cmp -s "$D/before.rules" "$D/now.rules" &&
	ok "after the failed apply the table in force is as it was" ||
	bad "after the failed apply: tables $(tr '\n' ' ' <"$D/t4"), $(diff "$D/before.rules" "$D/now.rules" | head -3)"
ping_lr && ok "after the failed apply L -> R still passes t2u" ||
	bad "after the failed apply L -> R blocked"
exec 7>&-
wait "$owner" 2>/dev/null
owner=
lab_poll 10 sh -c "[ \"\$(ip netns exec $A nft list tables | grep -c ' qsafe_')\" = 2 ]" &&
	ok "the other owner gone: this appliance's table and its tracking one" ||
	bad "tables after the other owner went: $(ip netns exec $A nft list tables | tr '\n' ' ')"
# the next commit loads the table whole (what the kernel has is not known)
printf 'configure\n%s\ncommit\n' \
	"set security policies from-zone trust to-zone untrust policy tail then deny" |
	cli >"$D/out5" 2>&1
grep -q "commit complete" "$D/out5" || { bad "commit after the failure"; tail "$D/out5"; }
lab_poll 20 sh -c "[ \$(grep -c 'nftables ruleset loaded' '$D/hostd.log') -ge 2 ]" &&
	[ "$(tables)" = "$t0" ] &&
	ok "the commit after the failure loads the whole table, $t0 alone" ||
	bad "the commit after the failure: tables '$(tables)'"
h1=$(hits t2u)
[ "${h1:-0}" -ge "$h0" ] && ok "t2u's count carried through the whole load: $h1" ||
	bad "t2u's count after the whole load: '$h1', was $h0"

# 4. a large change that swaps: 2,100 policies more
policies "$D/big2.set" Q 2100
ping_lr
h1=$(hits t2u)
printf 'configure\nload set %s\ncommit\n' "$D/big2.set" | cli >"$D/out6" 2>&1
grep -q "commit complete" "$D/out6" || { bad "commit of 2,100 more policies"; tail "$D/out6"; }
lab_poll 20 grep -q "nftables ruleset swapped" "$D/hostd.log" &&
	ok "2,100 policies more: $(grep -o 'swapped (.*)' "$D/hostd.log" | tail -1)" ||
	{ bad "2,100 policies more: no swap in hostd.log"; grep -E "ruleset|hostd: check" "$D/hostd.log" | tail -3; }
lab_poll 10 sh -c "[ \"\$(awk '/^table inet / {print \$3; exit}' '$D/hostd.nft')\" = $other ]"
[ "$(tables)" = "$other" ] &&
	ok "one table of this appliance, $other" || bad "tables after the swap: '$(tables)'"
ip netns exec $A nft list table inet "$other" | grep -q dormant &&
	bad "the swapped table is dormant" || ok "the swapped table is awake"
grep -q "NOT ENFORCED" "$D/out6" && bad "the swap failed"
lab_poll 10 nft_file_is_table "$other" &&
	ok "hostd.nft is the swapped table ($(grep -c '"rule"' "$D/in_force.rules") rules)" ||
	{ bad "hostd.nft is not the swapped table"; diff "$D/in_force.rules" "$D/file.rules" | head; }
h2=$(hits t2u)
[ "${h2:-0}" -ge "$h1" ] && ok "t2u's count carried by the swap: $h2 (was $h1)" ||
	bad "t2u's count after the swap: '$h2', was $h1"
ping_lr && ok "after the swap L -> R passes t2u" || bad "after the swap L -> R blocked"
h3=$(hits t2u)
[ "${h3:-0}" -gt "${h2:-0}" ] && ok "the swapped table counts t2u: $h3" ||
	bad "t2u's count after a ping in the swapped table: '$h3', was $h2"
ruleset "$other" >"$D/swapped.rules"

# 5. hostd killed with the table under the other name: the hostd mgd
# starts again loads it whole under the first name, the other deleted in
# the same transaction, t2u's count carried from it
hostd=$(pgrep -P "$mgd_pid" -x hostd)
n0=$(grep -c "nftables ruleset loaded" "$D/hostd.log")
[ -n "$hostd" ] && kill -KILL "$hostd"
lab_poll 30 sh -c "[ \$(grep -c 'nftables ruleset loaded' '$D/hostd.log') -gt $n0 ]" &&
	lab_poll 10 test "$(table)" = "$t0" && [ "$(tables)" = "$t0" ] &&
	ok "hostd killed and started again: the table back under $t0, alone" ||
	bad "after hostd was killed: tables '$(tables)', hostd.nft names '$(table)'"
h4=$(hits t2u)
[ "${h4:-0}" -ge "$h3" ] && ok "t2u's count carried from $other: $h4" ||
	bad "t2u's count after the restart: '$h4', was $h3"
ruleset "$t0" >"$D/restarted.rules"
cmp -s "$D/swapped.rules" "$D/restarted.rules" &&
	ok "the table the restarted hostd loaded is the swapped one" ||
	{ bad "restarted and swapped tables differ"; diff "$D/swapped.rules" "$D/restarted.rules" | head; }

# 6. a dormant table of a commit check, then the appliance stops
policies "$D/big3.set" R 2100
n0=$(grep -c "dormant load" "$D/hostd.log")
printf 'configure\nload set %s\ncommit check\n' "$D/big3.set" | cli >"$D/out7" 2>&1
lab_poll 20 sh -c "[ \$(grep -c 'dormant load' '$D/hostd.log') -gt $n0 ]" ||
	bad "commit check of 2,100 more: no dormant load"
kill "$mgd_pid"
lab_poll 20 eval "! kill -0 $mgd_pid 2>/dev/null"
left=$(ip netns exec $A nft list tables | tr '\n' ' ')
[ -z "$left" ] && ok "stopped: no table of either name left, nor the tracking one" ||
	bad "tables left after the stop: $left"
: >"$D/hostd.log"
# shellcheck disable=SC2086
host_mgd_start $env
lab_poll 20 test -n "$(table)"
ruleset "$(table)" >"$D/fresh.rules"
[ -s "$D/fresh.rules" ] && cmp -s "$D/swapped.rules" "$D/fresh.rules" &&
	ok "the swapped table is the one a fresh hostd loads ($(wc -l <"$D/fresh.rules") objects)" ||
	{ bad "swapped and fresh tables differ"; diff "$D/swapped.rules" "$D/fresh.rules" | head -20; }

[ "$fails" = 0 ] || { echo "--- hostd.log"; tail -30 "$D/hostd.log"; exit 1; }
exit 0
