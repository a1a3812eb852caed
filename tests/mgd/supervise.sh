#!/bin/sh
# Supervision: mgd waits for a daemon that is working on a commit's check
# past DAEMON_REPLY_TIMEOUT_MS (10 s) and restarts one that is stuck
# (mgd/backend.c).  The daemon is stall_daemon standing in for hostd: it
# holds a commit's check 15 s, on the CPU (busy) or asleep (sleep).
#   supervise.sh busy|sleep
# QSAFE_STALL_DAEMON names the stall_daemon binary.
. "$(dirname "$0")/lib.sh"
: "${QSAFE_STALL_DAEMON:?QSAFE_STALL_DAEMON not set}"
mode=${1:?busy or sleep}

# mgd starts the daemons it finds next to itself: a copy of mgd beside the
# stand-in named hostd finds no other daemon.
unset QSAFE_NO_DAEMONS QSAFE_LIBEXEC
mkdir -p "$T_DIR/bin"
cp "$QSAFE_MGD" "$T_DIR/bin/mgd"
cp "$QSAFE_STALL_DAEMON" "$T_DIR/bin/hostd"
QSAFE_MGD=$T_DIR/bin/mgd
QSAFE_STALL=$mode
QSAFE_STALL_SECS=15
QSAFE_STALL_LOG=$T_DIR/stall.log
export QSAFE_STALL QSAFE_STALL_SECS QSAFE_STALL_LOG

# Waits up to $2 s until stall.log has $1 lines matching $3.
wait_log() {
	end=$(($(date +%s) + $2))
	while [ "$(t_count -- "$3" "$QSAFE_STALL_LOG")" -lt "$1" ]; do
		[ "$(date +%s)" -lt "$end" ] ||
		    t_fail "stall.log: no $1 '$3' in $2 s: $(cat "$QSAFE_STALL_LOG")"
		sleep 0.1
	done
}

t_start
wait_log 1 20 '^start'
first=$(sed -n 's/^start //p' "$QSAFE_STALL_LOG")

printf 'configure\nset system host-name h5k-%s\ncommit\n' "$mode" |
    t_cli > "$T_DIR/commit.out" 2>&1
grep -q "commit complete" "$T_DIR/commit.out" ||
    t_fail "commit: $(cat "$T_DIR/commit.out")"

case $mode in
busy)
	# answered by the daemon that held it 15 s, which was never replaced
	grep -q "^answered $first\$" "$QSAFE_STALL_LOG" ||
	    t_fail "busy daemon did not answer: $(cat "$QSAFE_STALL_LOG")"
	[ "$(grep -c '^start' "$QSAFE_STALL_LOG")" -eq 1 ] ||
	    t_fail "busy daemon restarted: $(cat "$QSAFE_STALL_LOG")"
	grep -q "notice: hostd (pid $first) is busy" "$T_DIR/state/mgd.log" ||
	    t_fail "no notice of the extended wait"
	grep -q "is down" "$T_DIR/state/mgd.log" && t_fail "hostd taken down"
	;;
sleep)
	# killed at the limit, before it answered, and started again
	wait_log 2 20 '^start'
	grep -q "^answered" "$QSAFE_STALL_LOG" &&
	    t_fail "stuck daemon was waited for: $(cat "$QSAFE_STALL_LOG")"
	grep -q "hostd (pid $first) is down: no reply in time" \
	    "$T_DIR/state/mgd.log" || t_fail "stuck daemon not restarted"
	grep -q "is busy" "$T_DIR/state/mgd.log" &&
	    t_fail "a sleeping daemon counted as busy"
	;;
*) t_fail "mode: $mode" ;;
esac
t_stop
echo "ok: $mode"
