#!/bin/sh
# keymgr's stop while a KME holds a request (keymgr/worker.c
# worker_cancel_all): mgd starts keymgr, a quantum-key-manager profile
# points at kme_hold.py, which completes mutual TLS, reads the worker's
# first Status probe (ETSI GS QKD 014 5.1) and never answers (the profile's
# timeout is 30 s).  Once the stub has recorded the request, mgd is told to
# stop: keymgr must cancel the request (the stub sees the connection
# closed) and log its worker ended, not exit without it after its 2 s
# fallback; mgd kills nobody.  The stop's wall time is printed, not
# asserted (the machine is shared).
#
#   stop.sh      (QSAFE_MGD, QSAFE_CLI, MKCERTS, KME_HOLD)
# 127.0.0.1 only; its own temp dir; it stops only the processes it started.
set -u
: "${QSAFE_MGD:?}" "${QSAFE_CLI:?}" "${MKCERTS:?}" "${KME_HOLD:?}"
export USER=root
unset QSAFE_NO_DAEMONS QSAFE_STATE_DIR QSAFE_LIBEXEC

T=$(mktemp -d "${TMPDIR:-/tmp}/qsafe-keymgr-stop.XXXXXX")
# Sanitizer builds: every process's reports go to files checked at the end
# (keymgr's exit is where a worker left behind shows as a leak).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:log_path=$T/ubsan"
S=$T/state
C=$T/certs
HOLD=$T/hold.log
MGD_PID=
HOLD_PID=
FAILS=0

cleanup() {
	[ -n "$MGD_PID" ] && kill -KILL "$MGD_PID" 2>/dev/null && wait "$MGD_PID" 2>/dev/null
	[ -n "$HOLD_PID" ] && kill -TERM "$HOLD_PID" 2>/dev/null && wait "$HOLD_PID" 2>/dev/null
	if [ "$FAILS" -ne 0 ] || [ -n "${T_KEEP:-}" ]; then
		echo "--- keymgr.log (tail)"; tail -n 20 "$S/keymgr.log" 2>/dev/null
		echo "--- hold.log"; cat "$HOLD" 2>/dev/null
	fi
	[ -n "${T_KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
die() { fail "$*"; exit 1; }
ok() { echo "ok - $*"; }
cli() { "$QSAFE_CLI" --state-dir "$S" "$@"; }
. "$(dirname "$0")/../lib/poll.sh"	# t_poll, t_now_ms
# a process that is gone: no such pid, or a zombie not reaped yet
gone() {
	[ ! -e "/proc/$1" ] ||
	    [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}
held() { grep -q '^request 1 GET /api/v1/keys/SAE_B/status' "$HOLD" 2>/dev/null; }
up() { [ -S "$S/mgd.sock" ] && [ -S "$S/keymgr.sock" ]; }

sh "$MKCERTS" -s "SAE_A SAE_B" "$C" >/dev/null 2>&1 || die mkcerts
python3 "$KME_HOLD" "$C/kme-A.pem" "$C/kme-A.key" "$C/ca.pem" "$HOLD" \
    >"$T/hold.port" 2>"$T/hold.err" &
HOLD_PID=$!
t_poll 10 test -s "$T/hold.port" || die "kme_hold did not start: $(cat "$T/hold.err")"
PORT=$(cat "$T/hold.port")

mkdir -p "$S"
"$QSAFE_MGD" --state-dir "$S" --log "$S/mgd.log" &
MGD_PID=$!
t_poll 30 up || die "mgd/keymgr did not start"
KEYMGR_PID=$(pgrep -P "$MGD_PID" -x keymgr) || die "no keymgr under mgd"

cli -c "configure; set security pki ca-profile Root-CA ca-identity Root-CA; commit" >"$T/conf.out" 2>&1
cli -c "request security pki ca-certificate load ca-profile Root-CA filename $C/ca.pem; yes" >/dev/null </dev/null
cli -c "request security pki local-certificate load certificate-id SAE_A filename $C/sae-SAE_A.pem key $C/sae-SAE_A.key" >/dev/null
P='set security key-manager profiles hold quantum-key-manager'
{
	echo configure
	echo "$P url https://127.0.0.1:$PORT"
	echo "$P local-sae-id SAE_A"
	echo "$P local-certificate-id SAE_A"
	echo "$P trusted-cas Root-CA"
	echo "$P peer-sae-ids SAE_B"
	echo "$P timeout 30"
	echo commit
} | cli --keep-going >"$T/conf.out" 2>&1
grep -q "commit complete" "$T/conf.out" || die "commit: $(cat "$T/conf.out")"

# the worker's first probe, read by the stub and held
t_poll 30 held || die "the stub holds no request: $(cat "$HOLD" 2>/dev/null)"
ok "the KME stub holds keymgr's Status request"

t0=$(t_now_ms)
kill -TERM "$MGD_PID"
t_poll 30 gone "$MGD_PID" || die "mgd still runs 30 s after SIGTERM"
t1=$(t_now_ms)
wait "$MGD_PID"
rc=$?
MGD_PID=
echo "# mgd's stop took $((t1 - t0)) ms (wall; load: $(cut -d' ' -f1 /proc/loadavg))"
[ "$rc" -eq 0 ] && ok "mgd exited with status 0" || fail "mgd exited with status $rc"
gone "$KEYMGR_PID" && ok "keymgr is gone" || fail "keymgr outlived mgd"

if grep -q "info: stopping: 1 KME worker ended" "$S/keymgr.log"; then
	ok "keymgr's log: its worker ended"
else
	fail "keymgr's log does not say its worker ended"
fi
grep -q "exiting without" "$S/keymgr.log" &&
    fail "keymgr exited without its worker: $(grep 'exiting without' "$S/keymgr.log")"
grep -q "did not stop" "$S/mgd.log" &&
    fail "mgd had to kill: $(grep 'did not stop' "$S/mgd.log")"
# the request was cancelled: keymgr closed the held connection (the only
# one: no second connection was made)
if grep -q '^closed 1$' "$HOLD" && ! grep -q '^accept 2' "$HOLD"; then
	ok "the held connection was closed, no other made"
else
	fail "the stub's connection: $(cat "$HOLD")"
fi

for f in "$T"/asan.* "$T"/ubsan.*; do
	[ -f "$f" ] || continue
	fail "sanitizer report $f:"; head -n 40 "$f"
done
[ "$FAILS" -eq 0 ] || exit 1
echo "ok: keymgr's stop with a held KME request"
