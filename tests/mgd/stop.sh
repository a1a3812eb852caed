#!/bin/sh
# mgd's stop (mgd/backend.c backend_free): SIGTERM to every daemon at once,
# a wait of up to DAEMON_STOP_MS (5 s) for them all, then SIGKILL with a
# warning naming each one left; mgd then exits and removes its pid file.
#   stop.sh slow    hostd takes a second to exit: mgd has waited for it
#                   (its last line is written before mgd is gone) and
#                   killed nobody
#   stop.sh stuck   the same, and keymgr ignores SIGTERM: killed after the
#                   deadline, named in mgd's warning, gone before mgd is
# stall_daemon stands in for hostd, keymgr and iked (QSAFE_STALL_DAEMON).
. "$(dirname "$0")/lib.sh"
: "${QSAFE_STALL_DAEMON:?QSAFE_STALL_DAEMON not set}"
mode=${1:?slow or stuck}

# mgd starts the daemons it finds next to itself: a copy of mgd beside the
# three stand-ins.
unset QSAFE_NO_DAEMONS QSAFE_LIBEXEC
mkdir -p "$T_DIR/bin"
cp "$QSAFE_MGD" "$T_DIR/bin/mgd"
for n in hostd keymgr iked; do
	cp "$QSAFE_STALL_DAEMON" "$T_DIR/bin/$n"
done
QSAFE_MGD=$T_DIR/bin/mgd
QSAFE_STALL_LOG=$T_DIR/stall.log
QSAFE_STALL_TERM_SLOW=hostd
export QSAFE_STALL_LOG QSAFE_STALL_TERM_SLOW
case $mode in
slow) ;;
stuck) QSAFE_STALL_TERM_IGNORE=keymgr; export QSAFE_STALL_TERM_IGNORE ;;
*) t_fail "mode: $mode" ;;
esac

LOG=$T_DIR/state/mgd.log
started() { [ "$(grep -c '^start' "$QSAFE_STALL_LOG" 2>/dev/null || :)" -ge 3 ]; }
# a process that is gone: no such pid, or a zombie nobody reaped yet
gone() {
	[ ! -e "/proc/$1" ] ||
	    [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}
# the pid of mgd's child named $1
child() { pgrep -P "$T_MGD_PID" -x "$1"; }

t_start
t_poll 30 started || t_fail "the stand-ins did not start: $(cat "$QSAFE_STALL_LOG")"
hostd=$(child hostd) && keymgr=$(child keymgr) && iked=$(child iked) ||
    t_fail "mgd's children: $(pgrep -l -P "$T_MGD_PID")"
T_PIDS="$hostd $keymgr $iked" # killed by the cleanup if they outlive mgd
[ -f "$T_DIR/state/mgd.pid" ] || t_fail "no mgd.pid while mgd runs"

kill -TERM "$T_MGD_PID"
# 5 s for the daemons, and room for a loaded machine
t_poll 30 gone "$T_MGD_PID" || t_fail "mgd still runs 30 s after SIGTERM"
# the slow daemon's last line, read the moment mgd is seen gone: written
# before mgd exited, so mgd waited for it
exited=$(grep -c "^exit hostd $hostd\$" "$QSAFE_STALL_LOG")
wait "$T_MGD_PID"
rc=$?
T_MGD_PID=

[ "$rc" -eq 0 ] || t_fail "mgd exited with status $rc"
[ "$exited" -eq 1 ] ||
    t_fail "hostd's last line was not written before mgd exited: $(cat "$QSAFE_STALL_LOG")"
grep -q "hostd (pid $hostd) did not stop" "$LOG" && t_fail "the slow hostd was killed"
for p in $hostd $keymgr $iked; do
	gone "$p" || t_fail "daemon pid $p outlived mgd: $(cat "/proc/$p/comm")"
done
[ -e "$T_DIR/state/mgd.pid" ] && t_fail "mgd.pid left behind"
[ -e "$T_DIR/state/mgd.sock" ] && t_fail "mgd.sock left behind"

case $mode in
slow)
	grep -q "did not stop" "$LOG" && t_fail "a daemon was killed: $(grep 'did not stop' "$LOG")"
	;;
stuck)
	grep -q "^term-ignored keymgr $keymgr\$" "$QSAFE_STALL_LOG" ||
	    t_fail "keymgr never got SIGTERM: $(cat "$QSAFE_STALL_LOG")"
	grep -q "warning: keymgr (pid $keymgr) did not stop within 5000 ms: killed" "$LOG" ||
	    t_fail "no warning naming keymgr: $(tail -n 5 "$LOG")"
	[ "$(grep -c 'did not stop' "$LOG")" -eq 1 ] ||
	    t_fail "more than keymgr killed: $(grep 'did not stop' "$LOG")"
	;;
esac
echo "ok: $mode"
