#!/bin/sh
# A commit's apply reaches iked only after keymgr (and hostd) have applied
# (mgd/backend.c, daemon_defs' rank): a VPN committed together with its
# key-manager profile initiates at once and asks keymgr for the profile's
# key, which keymgr must hold by then, or the negotiation fails with
# "unknown-profile" until iked's next try (seen in lab-example4-tunnels
# under load: the second spoke up 10 s late).
#
# stall_daemon stands in for keymgr and iked; the keymgr one holds its
# apply 3 s (asleep).  A change to `security pki` (both daemons' subtree)
# is committed; the stand-ins' log must show keymgr's apply answered before
# iked's arrived.  QSAFE_STALL_DAEMON names the stall_daemon binary.
. "$(dirname "$0")/lib.sh"
: "${QSAFE_STALL_DAEMON:?QSAFE_STALL_DAEMON not set}"

# mgd starts the daemons it finds next to itself: a copy of mgd beside
# the stand-ins named keymgr and iked (and no hostd).
unset QSAFE_NO_DAEMONS QSAFE_LIBEXEC
mkdir -p "$T_DIR/bin"
cp "$QSAFE_MGD" "$T_DIR/bin/mgd"
cp "$QSAFE_STALL_DAEMON" "$T_DIR/bin/keymgr"
cp "$QSAFE_STALL_DAEMON" "$T_DIR/bin/iked"
QSAFE_MGD=$T_DIR/bin/mgd
QSAFE_STALL=sleep
QSAFE_STALL_SECS=3
QSAFE_STALL_OP=apply
QSAFE_STALL_WHO=keymgr
QSAFE_STALL_LOG=$T_DIR/stall.log
export QSAFE_STALL QSAFE_STALL_SECS QSAFE_STALL_OP QSAFE_STALL_WHO \
    QSAFE_STALL_LOG

t_start
end=$(($(date +%s) + 30))
while [ "$(grep -c '^start' "$QSAFE_STALL_LOG" 2>/dev/null || :)" -lt 2 ]; do
	[ "$(date +%s)" -lt "$end" ] ||
	    t_fail "the two stand-ins did not start: $(cat "$QSAFE_STALL_LOG")"
	sleep 0.1
done

printf 'configure\nset security pki ca-profile Root-CA ca-identity Root-CA\ncommit\n' |
    t_cli > "$T_DIR/commit.out" 2>&1
grep -q "commit complete" "$T_DIR/commit.out" ||
    t_fail "commit: $(cat "$T_DIR/commit.out")"

# line numbers in the stand-ins' log
at() { grep -n "^$1 " "$QSAFE_STALL_LOG" | tail -n 1 | cut -d: -f1; }
k=$(at "applied keymgr") i=$(at "apply iked")
[ -n "$k" ] && [ -n "$i" ] ||
    t_fail "both daemons applied: $(cat "$QSAFE_STALL_LOG")"
[ "$k" -lt "$i" ] ||
    t_fail "iked asked to apply before keymgr had applied: $(cat "$QSAFE_STALL_LOG")"
grep -q "^applied iked " "$QSAFE_STALL_LOG" ||
    t_fail "commit complete before iked applied: $(cat "$QSAFE_STALL_LOG")"
t_stop
echo "ok: keymgr applied, then iked"
