#!/bin/sh
# nft_validate.sh: what the kernel's commit of a one-rule transaction costs
# beside a large table (issue 13 section 1: the ~10 ms floor of every
# firewall one-liner).
#
#   bench/nft_validate.sh [BUCKETS [RUNS]]   (root; default 1250, 3)
#
# Loads, in a network namespace of its own (removed at the end), a table
# shaped as hostd's firewall table is: a forward chain, an interface vmap
# jumping to a context chain that jumps to BUCKETS chains of 32 rules
# (`meta nfproto ipv4 ip saddr A tcp dport 443 counter accept`; 1250
# buckets: 40,000 rules).  Then RUNS times each, a transaction of its own
# sent by nft under strace, printing the ms its netlink sendmsg took (the
# kernel's whole commit):
#
#   rule with a verdict     add rule ... ip saddr A counter accept
#   rule with a match       add rule ... ip saddr A counter (no verdict;
#                           inet's ip saddr brings meta nfproto)
#   bare counter rule       add rule ... counter
#   set element             add element (an ipv4_addr interval set)
#   bucket refilled         flush chain + its 32 rules (what hostd sends)
#
# The kernel (net/netfilter/nf_tables_api.c) marks a table to validate
# when a new rule holds an expression with a validate hook (immediate:
# every verdict; meta; lookup) or a verdict map gets a jump element, and
# then validates the whole table at commit: every chain reachable from a
# base chain.  Needs ip, nft, strace, awk and root; exits 77 (skipped)
# without them.
set -eu
buckets=${1:-1250}
runs=${2:-3}
for p in ip nft strace awk; do
	command -v $p >/dev/null || { echo "nft_validate.sh: needs $p" >&2; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "nft_validate.sh: needs root (a namespace)" >&2; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/qsafe-nftval.XXXXXX")
ns=${BENCH_NS:-qsafe-nftval-$$}
trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM
ip netns add "$ns"
awk -v n="$buckets" 'BEGIN {
	print "table inet t {"
	print " set s { type ipv4_addr; flags interval; }"
	print " map fw { type ifname : verdict; elements = { \"a\" : jump ctx } }"
	print " chain forward { type filter hook forward priority 0; policy drop; iifname vmap @fw; }"
	print " chain ctx {"
	for (b = 0; b < n; b++) print "  jump p" b
	print " }"
	for (b = 0; b < n; b++) {
		print " chain p" b " {"
		for (r = 0; r < 32; r++)
			printf "  meta nfproto ipv4 ip saddr 10.%d.%d.0/24 tcp dport 443 counter accept\n", b % 250, r
		print " }"
	}
	print "}" }' >"$dir/table.nft"
ip netns exec "$ns" nft -f "$dir/table.nft" ||
    { echo "nft_validate.sh: the table did not load" >&2; exit 1; }
# sent LABEL TEXT: TEXT as one transaction; the ms of its sendmsg calls
sent() {
	printf '%s\n' "$2" >"$dir/cmd.nft"
	ip netns exec "$ns" strace -e trace=sendmsg -T -o "$dir/st" \
	    nft -f "$dir/cmd.nft" ||
	    { echo "nft_validate.sh: '$1' refused" >&2; exit 1; }
	printf '  %-20s %s ms\n' "$1" "$(grep -o '<[0-9.]*>' "$dir/st" |
	    tr -d '<>' | awk '{ s += $1 * 1000 } END { printf "%.2f", s }')"
}
echo "nft_validate.sh: $((buckets * 32)) rules in $buckets chains, $(uname -r), load $(cut -d' ' -f1 /proc/loadavg)"
i=0
while [ $i -lt "$runs" ]; do
	i=$((i + 1))
	sent "rule with a verdict" "add rule inet t p7 ip saddr 10.99.$i.0/24 counter accept"
	sent "rule with a match" "add rule inet t p7 ip saddr 10.98.$i.0/24 counter"
	sent "bare counter rule" "add rule inet t p7 counter"
	sent "set element" "add element inet t s { 10.97.$i.0/24 }"
	sent "bucket refilled" "flush chain inet t p9
$(awk -v i=$i 'BEGIN { for (r = 1; r <= 32; r++) printf "add rule inet t p9 meta nfproto ipv4 ip saddr 10.9.%d.0/24 tcp dport %d counter accept\n", r, 20 + i }')"
done
