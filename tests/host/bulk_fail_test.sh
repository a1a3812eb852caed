#!/bin/bash
# A first large table whose load by libnftnl fails amid its transactions
# of rules (hostd/bulk.c, bulk_pipe.c; issue 13 §1).  The rules of 2,100
# policies go in several transactions (QSAFE_HOSTD_BULK_CHUNK=16384), and
# QSAFE_HOSTD_BULK_REFUSE=3 adds to the third a rule of a chain the table
# does not have: the kernel refuses that transaction whole, after the
# first two went in and while hostd's builder thread has built the next.
# Checks:
#
#   - `commit check`: hostd's dormant load after its reply fails, said in
#     hostd.log, and no table of this appliance is left in the kernel (not
#     the first two transactions' half of one, dormant);
#   - `commit`: the dormant load and the apply's load by libnftnl fail
#     again, and the apply loads the text: one table of this appliance,
#     awake, the one hostd.nft describes (loaded as text into a namespace
#     of the test's); it filters (R -> L dropped, L -> R passes t2u);
#   - the appliance started again without the refusal, its table removed
#     and the same configuration committed again: hostd loads it by
#     libnftnl, built and sent in the pipeline, and the kernel holds the
#     same table as the text made, awake.
#
# usage: bulk_fail_test.sh MGD CLI        (root; else exit 77: skipped)
set -u
MGD=$1
CLI=$2

. "$(dirname "$0")/lib.sh" # host_need, host_lab, host_mgd_start, host_t2u_set, cli, ruleset
host_need ip nft ping unshare python3
host_lab qsafe-bfail
X=qsafe-bfail-$$-x # hostd.nft loaded here, to compare with the table in force
ip netns add $X || { echo "SKIP: cannot create network namespaces"; exit 77; }
bfail_cleanup() {
	ip netns del $X 2>/dev/null
	host_cleanup
}
trap bfail_cleanup EXIT
chunk=QSAFE_HOSTD_BULK_CHUNK=16384
# shellcheck disable=SC2086
host_mgd_start $chunk QSAFE_HOSTD_BULK_REFUSE=3 QSAFE_HOSTD_LAPS_MS=-1

ping_lr() { ip netns exec $L ping -n -c 1 -W 1 203.0.113.2 >/dev/null 2>&1; }
ping_rl() { ip netns exec $R ping -n -c 1 -W 1 198.51.100.2 >/dev/null 2>&1; }
count() { grep -c "$1" "$D/hostd.log"; }

# the zones, t2u, and 2,100 policies of trust -> untrust with an address
# each: a first table of 2,100 rules in bucket chains
{
	host_t2u_set
	awk 'BEGIN {
	    for (i = 0; i < 2100; i++) {
		    a = "set security address-book global address PA-" i
		    printf "%s 10.%d.%d.0/24\n", a, 100 + int(i / 256), i % 256
		    q = "set security policies from-zone trust to-zone untrust policy P-" i
		    printf "%s match source-address PA-%d\n", q, i
		    printf "%s match destination-address any\n", q
		    printf "%s match application junos-https\n", q
		    printf "%s then permit\n", q
	    } }'
} >"$D/big.set"

# 1. commit check: the dormant load fails at its third transaction
n0=$(count "not loaded by libnftnl")
printf 'configure\nload set %s\ncommit check\nrollback 0\n' "$D/big.set" |
	cli >"$D/out1" 2>&1
grep -q "configuration check succeeds" "$D/out1" ||
	{ bad "commit check of the large table"; tail "$D/out1"; }
lab_poll 30 sh -c "[ \$(grep -c 'not loaded by libnftnl' '$D/hostd.log') -gt $n0 ]" &&
	grep -q "the apply loads the table as text: nftables refused a transaction" \
		"$D/hostd.log" &&
	ok "commit check: the dormant load refused amid its transactions, said in the log" ||
	{ bad "commit check: no refused dormant load in hostd.log"; tail -5 "$D/hostd.log"; }
left=$(tables | tr '\n' ' ')
[ -z "$left" ] && ok "after the refused dormant load no table of this appliance is left" ||
	bad "after the refused dormant load, tables left: $left"

# 2. commit: both loads by libnftnl refused, the text loaded
n0=$(count "not loaded by libnftnl")
printf 'configure\nload set %s\ncommit\n' "$D/big.set" | cli >"$D/out2" 2>&1
grep -q "commit complete" "$D/out2" || { bad "commit of the large table"; tail "$D/out2"; }
lab_poll 30 grep -q "nftables ruleset loaded" "$D/hostd.log" ||
	bad "commit: no table loaded"
n1=$(count "not loaded by libnftnl")
[ "$n1" -eq $((n0 + 2)) ] && grep -q "loading the table as text: nftables refused" "$D/hostd.log" &&
	ok "commit: the dormant load and the apply's load by libnftnl refused, said in the log" ||
	bad "commit: $((n1 - n0)) refused loads in hostd.log, not 2"
grep -q "NOT ENFORCED" "$D/hostd.log" && bad "commit: the text load failed too"
lab_poll 10 test -n "$(table)"
t=$(table)
[ "$(tables)" = "$t" ] && ok "one table of this appliance, $t" ||
	bad "tables after the commit: '$(tables | tr '\n' ' ')', hostd.nft names '$t'"
ip netns exec $A nft list table inet "$t" | grep -q dormant &&
	bad "the table loaded after the refusals is dormant" ||
	ok "the table loaded after the refusals is awake"
lab_poll 10 nft_file_is_table "$t" &&
	ok "the table in force is hostd.nft's text ($(grep -c '"rule"' "$D/in_force.rules") rules)" ||
	{ bad "the table in force is not hostd.nft's text"; diff "$D/in_force.rules" "$D/file.rules" | head; }
ping_lr && ok "L -> R passes t2u" || bad "L -> R blocked"
ping_rl && bad "R -> L passes: the table does not filter" ||
	ok "R -> L dropped: the table filters"
ruleset "$t" >"$D/text.rules"

# 3. started again without the refusal, the table removed, then the
# same configuration committed again: its table by libnftnl
kill "$mgd_pid"
lab_poll 20 eval "! kill -0 $mgd_pid 2>/dev/null"
[ -z "$(tables)" ] || bad "the table outlived the appliance"
# shellcheck disable=SC2086
host_mgd_start $chunk
printf 'configure\ndelete security\ncommit\n' | cli >"$D/out3" 2>&1
lab_poll 20 sh -c "[ -z \"\$(ip netns exec $A nft list tables | grep ' $t\$')\" ]" ||
	bad "no security configured: the table is still there"
: >"$D/hostd.log"
printf 'configure\nload set %s\ncommit\n' "$D/big.set" | cli >"$D/out4" 2>&1
grep -q "commit complete" "$D/out4" || { bad "the commit again"; tail "$D/out4"; }
lab_poll 30 grep -q "nftables ruleset loaded" "$D/hostd.log"
nr=$(grep -o '[0-9]* rules of [0-9]* chains loaded by libnftnl ([0-9]* transactions' "$D/hostd.log")
[ -n "$nr" ] && [ "$(count "not loaded by libnftnl")" = 0 ] &&
	ok "committed again without the refusal: $nr" ||
	{ bad "committed again: the table not loaded by libnftnl"; tail -5 "$D/hostd.log"; }
lab_poll 10 test "$(table)" = "$t"
ruleset "$t" >"$D/bulk.rules"
[ -s "$D/bulk.rules" ] && cmp -s "$D/text.rules" "$D/bulk.rules" &&
	ok "the table loaded by libnftnl is the one the text made ($(wc -l <"$D/bulk.rules") objects)" ||
	{ bad "libnftnl's and the text's tables differ"; diff "$D/text.rules" "$D/bulk.rules" | head -20; }
ip netns exec $A nft list table inet "$t" | grep -q dormant &&
	bad "the table loaded by libnftnl is dormant" || ok "the table loaded by libnftnl is awake"

[ "$fails" = 0 ] || { echo "--- hostd.log"; tail -30 "$D/hostd.log"; exit 1; }
exit 0
