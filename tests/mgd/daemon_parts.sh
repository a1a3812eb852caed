#!/bin/sh
# What mgd sends each daemon of security policies (mgd/backend_part.c):
# hostd every policy, iked only the tunnel policies (then permit tunnel:
# its policy-based VPNs), whole when one gains the tunnel, deleted when it
# loses it, and the address book as it is.  stall_daemon stands in for
# hostd, keymgr and iked and writes every configuration it is sent to
# QSAFE_STALL_CONFIG/NAME.config (a start's, a commit's change):
#   1. a commit of two firewall policies F1, P2: hostd gets both, iked
#      neither (the address book yes);
#   2. P2 gains `then permit tunnel ipsec-vpn V1`: iked gets P2 whole;
#   3. P2's match and an address it names change: iked gets both;
#   4. iked's stand-in is killed: restarted, its whole configuration has
#      P2, not F1;
#   5. P2 loses the tunnel: iked gets its deletion, hostd the line.
#   6. a change of 2 MB (6,000 firewall policies): hostd gets it in parts
#      while mgd builds it (mgd/backend_check.c), every line once, then
#      the check; keymgr and iked no part;
#   7. hostd's stand-in exits at the first part of such a change: the
#      commit completes, and the restarted hostd gets it whole.
# QSAFE_STALL_DAEMON names the stall_daemon binary.
. "$(dirname "$0")/lib.sh"
: "${QSAFE_STALL_DAEMON:?QSAFE_STALL_DAEMON not set}"

# mgd starts the daemons it finds next to itself: stand-ins by name.
unset QSAFE_NO_DAEMONS QSAFE_LIBEXEC
mkdir -p "$T_DIR/bin" "$T_DIR/cfg"
cp "$QSAFE_MGD" "$T_DIR/bin/mgd"
for d in hostd keymgr iked; do
	cp "$QSAFE_STALL_DAEMON" "$T_DIR/bin/$d"
done
QSAFE_MGD=$T_DIR/bin/mgd
QSAFE_STALL_CONFIG=$T_DIR/cfg
QSAFE_STALL_LOG=$T_DIR/stall.log
export QSAFE_STALL_CONFIG QSAFE_STALL_LOG
C="security policies from-zone trust to-zone untrust policy"

t_start
nstarts() { grep -c '^start' "$QSAFE_STALL_LOG" 2>/dev/null; }
started() { [ "$(nstarts)" -ge "$1" ]; }
t_poll 30 started 3 || t_fail "the stand-ins did not start"

# last NAME: the last configuration NAME was sent
last() {
	awk '/^== / { n++; delete l; k = 0; next } { l[k++] = $0 }
	    END { for (i = 0; i < k; i++) print l[i] }' "$T_DIR/cfg/$1.config"
}
# commit N LINES...: the lines committed
commit() {
	_n=$1
	shift
	printf '%s\n' configure "$@" commit | t_cli >"$T_DIR/commit$_n.out" 2>&1
	grep -q "commit complete" "$T_DIR/commit$_n.out" ||
	    t_fail "commit $_n: $(tail -n 5 "$T_DIR/commit$_n.out")"
}
# has N NAME LINE / hasnt N NAME TEXT: in NAME's last configuration
has() {
	last "$2" | grep -qxF -- "$3" ||
	    t_fail "commit $1: $2 was not sent '$3': $(last "$2")"
}
hasnt() {
	! last "$2" | grep -qF -- "$3" ||
	    t_fail "commit $1: $2 was sent '$3': $(last "$2")"
}

commit 1 \
    "set interfaces ge-0/0/0 unit 0 family inet address 192.0.2.2/24" \
    "set security zones security-zone untrust interfaces ge-0/0/0.0" \
    "set security zones security-zone trust" \
    "set security address-book global address A1 10.1.0.0/16" \
    "set security address-book global address A2 10.2.0.0/16" \
    "set security ike policy IP pre-shared-key ascii-text secret123" \
    "set security ike policy IP proposal-set standard" \
    "set security ike gateway G1 ike-policy IP" \
    "set security ike gateway G1 address 192.0.2.1" \
    "set security ike gateway G1 external-interface ge-0/0/0.0" \
    "set security ipsec policy SP proposal-set standard" \
    "set security ipsec vpn V1 ike gateway G1" \
    "set security ipsec vpn V1 ike ipsec-policy SP" \
    "set $C F1 match source-address A1" \
    "set $C F1 match destination-address any" \
    "set $C F1 match application any" \
    "set $C F1 then permit" \
    "set $C P2 match source-address A2" \
    "set $C P2 match destination-address any" \
    "set $C P2 match application any" \
    "set $C P2 then permit"
has 1 hostd "set $C F1 then permit"
has 1 hostd "set $C P2 then permit"
hasnt 1 iked "policy F1"
hasnt 1 iked "policy P2"
has 1 iked "set security address-book global address A2 10.2.0.0/16"
has 1 iked "set security ipsec vpn V1 ike gateway G1"
echo "ok: firewall policies go to hostd, not to iked"

commit 2 "set $C P2 then permit tunnel ipsec-vpn V1"
has 2 hostd "set $C P2 then permit tunnel ipsec-vpn V1"
has 2 iked "set $C P2 match source-address A2"
has 2 iked "set $C P2 match application any"
has 2 iked "set $C P2 then permit tunnel ipsec-vpn V1"
hasnt 2 iked "policy F1"
echo "ok: a policy that gains the tunnel goes to iked whole"

commit 3 "set $C P2 match destination-address A1" \
    "set security address-book global address A2 10.3.0.0/16" \
    "set $C F1 match destination-address A2"
has 3 iked "set $C P2 match destination-address A1"
has 3 iked "set security address-book global address A2 10.3.0.0/16"
hasnt 3 iked "policy F1"
has 3 hostd "set $C F1 match destination-address A2"
echo "ok: a tunnel policy's change and its address's go to iked"

n=$(nstarts)
for p in $(pgrep -P "$T_MGD_PID"); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = iked ] && kill -9 "$p"
done
t_poll 30 started $((n + 1)) || t_fail "iked's stand-in was not restarted"
nfull() { grep -c '^== full' "$T_DIR/cfg/iked.config"; }
full_again() { [ "$(nfull)" -ge 2 ]; }
t_poll 30 full_again || t_fail "iked's stand-in got no configuration"
has 4 iked "set $C P2 then permit tunnel ipsec-vpn V1"
has 4 iked "set $C P2 match destination-address A1"
hasnt 4 iked "policy F1"
echo "ok: restarted, iked gets the tunnel policy alone"

commit 5 "delete $C P2 then permit tunnel"
has 5 iked "delete $C P2"
hasnt 5 iked "tunnel"
has 5 hostd "delete $C P2 then permit tunnel"
echo "ok: a policy that loses the tunnel is deleted from iked's"

# big N FROM: N firewall policies from index FROM, as a file to load
big() {
	awk -v n="$1" -v f="$2" -v c="$C" 'BEGIN {
	for (i = f; i < f + n; i++) {
		printf "set %s B%d match source-address A1\n", c, i
		printf "set %s B%d match destination-address A2\n", c, i
		printf "set %s B%d match application any\n", c, i
		printf "set %s B%d then permit\n", c, i
	} }' >"$T_DIR/big.set"
}
nparts() { grep -c "^part $1 " "$QSAFE_STALL_LOG"; }
big 6000 0
printf '%s\n' configure "load merge $T_DIR/big.set" commit | t_cli \
    >"$T_DIR/commit6.out" 2>&1
grep -q "commit complete" "$T_DIR/commit6.out" ||
    t_fail "commit 6: $(tail -n 5 "$T_DIR/commit6.out")"
[ "$(nparts hostd)" -ge 2 ] || t_fail "hostd got $(nparts hostd) parts"
[ "$(nparts keymgr)" -eq 0 ] || t_fail "keymgr got parts"
[ "$(nparts iked)" -eq 0 ] || t_fail "iked got parts"
grep '^== ' "$T_DIR/cfg/hostd.config" | tail -n 1 | grep -qx '== parts' ||
    t_fail "hostd's last change was not sent in parts"
last hostd | grep "policy B" | sort >"$T_DIR/got.set"
sort "$T_DIR/big.set" >"$T_DIR/want.set"
cmp -s "$T_DIR/got.set" "$T_DIR/want.set" ||
    t_fail "hostd's parts are not the change: $(diff "$T_DIR/want.set" \
	"$T_DIR/got.set" | head -n 5)"
hasnt 6 iked "policy B"
echo "ok: a 2 MB change reaches hostd in $(nparts hostd) parts, each line once"
t_stop

# hostd's stand-in exits at its first part
QSAFE_STALL=exit QSAFE_STALL_OP=check-part QSAFE_STALL_WHO=hostd
export QSAFE_STALL QSAFE_STALL_OP QSAFE_STALL_WHO
n=$(nstarts)
t_start
t_poll 30 started $((n + 3)) || t_fail "the stand-ins did not start again"
big 6000 6000
printf '%s\n' configure "load merge $T_DIR/big.set" commit | t_cli \
    >"$T_DIR/commit7.out" 2>&1
grep -q "commit complete" "$T_DIR/commit7.out" ||
    t_fail "commit 7: $(tail -n 5 "$T_DIR/commit7.out")"
grep -Eq "hostd \(pid [0-9]+\) (is down|exited)" "$T_DIR/state/mgd.log" ||
    t_fail "mgd did not see hostd go: $(grep hostd "$T_DIR/state/mgd.log")"
# restarted once the commit is stored: its whole configuration has it
t_poll 30 started $((n + 4)) || t_fail "hostd's stand-in was not restarted"
hfull() { grep -c '^== full' "$T_DIR/cfg/hostd.config"; }
hfull_again() { [ "$(hfull)" -ge 3 ]; }
t_poll 30 hfull_again || t_fail "the restarted hostd got no configuration"
has 7 hostd "set $C B11999 then permit"
has 7 hostd "set $C B0 then permit"
echo "ok: hostd gone at a part: the commit completes, hostd gets it whole"
t_stop
