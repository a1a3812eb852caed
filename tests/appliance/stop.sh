#!/bin/sh
# `./qsafe stop` (the script's do_stop): mgd gets SIGTERM and 10 s to go
# (QSAFE_STOP_SECONDS: 3 here for the mgd that does not go).
#   1. An appliance in a namespace of the test's own (--netns): the stop
#      exits 0, silent; mgd and its daemons are gone, and so are mgd.pid,
#      the sockets and hostd's tables (docs/host.md: hostd removes its
#      table at a stop); the namespace, not the appliance's, is kept.
#   2. An appliance in the namespace `start` made for it, with mgd stopped
#      (SIGSTOP: an mgd that hangs): the stop says mgd still runs, exits
#      non-zero and leaves the namespace; once mgd runs again it ends by
#      the SIGTERM it was sent, and a second stop exits 0 and removes the
#      namespace: nothing of the appliance is left.
#
#   stop.sh   (QSAFE_TOP: the checkout; QSAFE_BUILD_DIR: the build)
# Namespaces rob-stop-PID and qsafe-rob-stop-PID-b (made by ./qsafe start);
# its own temp dir; it signals only the mgd it started.
set -u
: "${QSAFE_TOP:?}" "${QSAFE_BUILD_DIR:?}"
export QSAFE_BUILD_DIR
unset QSAFE_STATE_DIR QSAFE_NO_DAEMONS QSAFE_LIBEXEC
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/qsafe-stop.XXXXXX")
NS=rob-stop-$$
A=$T/a
B=$T/rob-stop-$$-b # ./qsafe start names its namespace after it
NSB=qsafe-rob-stop-$$-b
fails=0
STOPPED=

cleanup() {
	[ -n "$STOPPED" ] && kill -CONT "$STOPPED" 2>/dev/null
	for d in "$A" "$B"; do
		"$QSAFE_TOP/qsafe" stop --state-dir "$d" >/dev/null 2>&1
	done
	ip netns del "$NS" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }
. "$(dirname "$0")/../lib/poll.sh"	# t_poll, t_now_ms
gone() {	# no such process, or a zombie
	[ ! -e "/proc/$1" ] ||
	    [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}
all_gone() {
	for _p in "$@"; do
		gone "$_p" || return 1
	done
}
has_ns() { ip netns list | grep -q "^$1\( \|\$\)"; }
# mgd and every process under it
tree() {
	echo "$1"
	for _c in $(pgrep -P "$1"); do
		tree "$_c"
	done
}
# what an appliance leaves in its state dir while it runs
leftovers() {
	for f in mgd.pid mgd.sock keymgr.sock netns hostd.nft; do
		[ -e "$1/$f" ] && echo "$f"
	done
	find "$1" -type s
}
qstop() { "$QSAFE_TOP/qsafe" stop --state-dir "$1" >"$T/stop.out" 2>&1; }

# --- 1. a clean stop, in a namespace of the test's own
ip netns add "$NS" && ip -n "$NS" link set lo up || { fail "netns $NS"; exit 1; }
mkdir -m 0700 "$A"
"$QSAFE_TOP/qsafe" start --state-dir "$A" --netns "$NS" ||
    { fail "a: the appliance did not start"; exit 1; }
mgd=$(cat "$A/mgd.pid")
t_poll 30 test -S "$A/keymgr.sock" || fail "a: keymgr did not start"
# hostd's connection-tracking table is there from its start
t_poll 30 sh -c "ip netns exec $NS nft list tables | grep -q qsafe_" ||
    fail "a: hostd loaded no table"
procs=$(tree "$mgd")
[ "$(echo "$procs" | wc -l)" -ge 4 ] || fail "a: mgd's processes: $procs"
if qstop "$A"; then
	ok "a: ./qsafe stop exits 0"
else
	fail "a: ./qsafe stop exited $?: $(cat "$T/stop.out")"
fi
[ -s "$T/stop.out" ] && fail "a: the stop said: $(cat "$T/stop.out")"
# shellcheck disable=SC2086 # one pid a word
all_gone $procs && ok "a: mgd and its daemons are gone" ||
    fail "a: processes left: $(for p in $procs; do gone $p || cat /proc/$p/comm; done)"
left=$(leftovers "$A")
[ -z "$left" ] && ok "a: no pid file, socket or hostd.nft left" ||
    fail "a: left in the state dir: $left"
[ -z "$(ip netns exec "$NS" nft list tables)" ] &&
    ok "a: hostd's tables removed" ||
    fail "a: tables left: $(ip netns exec "$NS" nft list tables)"
has_ns "$NS" && ok "a: the namespace given with --netns is kept" ||
    fail "a: the stop removed a namespace it did not make"

# --- 2. an mgd that does not go, then does
mkdir -m 0700 "$B"
"$QSAFE_TOP/qsafe" start --state-dir "$B" ||
    { fail "b: the appliance did not start"; exit 1; }
has_ns "$NSB" || fail "b: ./qsafe start made no namespace $NSB"
mgd=$(cat "$B/mgd.pid")
t_poll 30 test -S "$B/keymgr.sock" || fail "b: keymgr did not start"
procs=$(tree "$mgd")
kill -STOP "$mgd" && STOPPED=$mgd
# 3 s, not 10: the wait is the same loop either way
QSAFE_STOP_SECONDS=3 qstop "$B"
rc=$?
[ "$rc" -ne 0 ] && ok "b: ./qsafe stop exits $rc when mgd outlives the wait" ||
    fail "b: ./qsafe stop exited 0 with mgd still there"
grep -q "^qsafe: mgd (pid $mgd) still runs 3 s after SIGTERM" "$T/stop.out" &&
    ok "b: the stop says mgd still runs" ||
    fail "b: the stop said: $(cat "$T/stop.out")"
has_ns "$NSB" && [ -f "$B/netns" ] &&
    ok "b: the namespace is left while mgd runs" ||
    fail "b: the namespace was removed under a running mgd"
kill -CONT "$mgd"
STOPPED=
# shellcheck disable=SC2086
t_poll 30 all_gone $procs && ok "b: mgd ends by the SIGTERM it was sent" ||
    fail "b: processes left 30 s after SIGCONT"
if qstop "$B"; then
	ok "b: a second ./qsafe stop exits 0"
else
	fail "b: the second stop exited $?: $(cat "$T/stop.out")"
fi
left=$(leftovers "$B")
[ -z "$left" ] && ok "b: no pid file, socket or netns file left" ||
    fail "b: left in the state dir: $left"
has_ns "$NSB" && fail "b: namespace $NSB left" ||
    ok "b: the namespace start made is removed"

[ "$fails" -eq 0 ] || exit 1
echo "ok: ./qsafe stop"
