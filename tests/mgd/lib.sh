# Shared helpers for the mgd tests (sourced by sh scripts).  Each test gets
# its own state directory, starts its own mgd and stops only that process.
# QSAFE_MGD and QSAFE_CLI name the binaries (meson passes them).

: "${QSAFE_MGD:?QSAFE_MGD not set}"
: "${QSAFE_CLI:?QSAFE_CLI not set}"
USER=root
QSAFE_NO_DAEMONS=1
export USER QSAFE_NO_DAEMONS
unset QSAFE_STATE_DIR

T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/qsafe-mgd-test.XXXXXX")
T_MGD_PID=
T_PIDS=

t_cleanup() {
	for p in $T_PIDS $T_MGD_PID; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	grep -q "LeakSanitizer" "$T_DIR/mgd.stderr" 2>/dev/null &&
	    grep -A3 "^Direct leak" "$T_DIR/mgd.stderr" | head -n 8 >&2
	if [ -n "${T_KEEP:-}" ]; then
		echo "state kept in $T_DIR" >&2
	else
		rm -rf "$T_DIR"
	fi
}
trap t_cleanup EXIT
trap 'exit 1' INT TERM

t_fail() {
	echo "FAIL: $*" >&2
	if [ -f "$T_DIR/state/mgd.log" ]; then
		echo "--- mgd.log (tail)" >&2
		tail -n 20 "$T_DIR/state/mgd.log" >&2
	fi
	exit 1
}

# Starts mgd on $T_DIR/state; waits for its socket.
t_start() {
	mkdir -p "$T_DIR/state"
	rm -f "$T_DIR/state/mgd.sock"
	"$QSAFE_MGD" --state-dir "$T_DIR/state" --log "$T_DIR/state/mgd.log" \
	    2>> "$T_DIR/mgd.stderr" &
	T_MGD_PID=$!
	i=0
	while [ ! -S "$T_DIR/state/mgd.sock" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$T_MGD_PID" 2>/dev/null; then
			t_fail "mgd did not start"
		fi
		sleep 0.05
	done
}

# Stops mgd: t_stop [signal]
t_stop() {
	[ -n "$T_MGD_PID" ] || return 0
	kill "-${1:-TERM}" "$T_MGD_PID" 2>/dev/null
	wait "$T_MGD_PID" 2>/dev/null
	T_MGD_PID=
	# under ASan/UBSan a memory error or undefined behaviour in mgd fails
	# the test (leaks at exit are printed, not fatal)
	if grep -q "ERROR: AddressSanitizer\|runtime error:" "$T_DIR/mgd.stderr" 2>/dev/null; then
		head -n 40 "$T_DIR/mgd.stderr" >&2
		t_fail "mgd: sanitizer report"
	fi
}

. "$(dirname "$0")/../lib/poll.sh"

# t_unread PID: a unix socket of process PID holds bytes it has not read
# (a request sent to a stopped daemon).
t_unread() {
	ss -xpH 2>/dev/null |
	    awk -v p="pid=$1," 'index($0, p) && $3 > 0 { f = 1 } END { exit !f }'
}

# t_waits_on_mgd PID: process PID or a child of it (a cli run by a
# function in the background) is connected to mgd and asleep, its
# socket's send queue empty: it waits for an answer.
t_waits_on_mgd() {
	for _t_p in $1 $(pgrep -P "$1"); do
		[ "$(awk '{ print $3 }' "/proc/$_t_p/stat" 2>/dev/null)" = S ] &&
		    ss -xpH 2>/dev/null | awk -v p="pid=$_t_p," \
		    'index($0, p) && $2 == "ESTAB" && $4 == 0 { f = 1 } END { exit !f }' &&
		    return 0
	done
	return 1
}

# Runs the cli in batch mode: t_cli [cli args...] (stdin: commands)
t_cli() {
	"$QSAFE_CLI" --state-dir "$T_DIR/state" "$@"
}

# The release qsafe stamps on every commit (`set version ...`).
T_VERSION=$("$QSAFE_CLI" --version | sed 's/.* //')

# The committed configuration in set form, without the `set version` line
# every commit stamps (golden-display and golden-meta show it).
t_committed() {
	# the cli's status, not grep's: a configuration of the version line
	# alone (the factory default) leaves grep nothing to print
	t_cli -c 'show configuration | display set | no-more' \
	    > "$T_DIR/committed.set" || return 1
	grep -v "^set version $T_VERSION\$" "$T_DIR/committed.set" || true
}

# Timestamps, pids and the state directory vary from run to run.
t_normalise() {
	# the release qsafe reports (the version statement, show version) as
	# @VERSION@: a release changes no golden
	local v
	v=$(printf '%s' "$T_VERSION" | sed 's/[.]/\\./g')
	sed -e "s/\(version \)$v;/\1@VERSION@;/g" \
	    -e "s/^\(.*set version \)$v\$/\1@VERSION@/" \
	    -e "s/\"version\" : \"$v\"/\"version\" : \"@VERSION@\"/g" \
	    -e "s|<version>$v</version>|<version>@VERSION@</version>|g" \
	    -e "s/qsafe $v/qsafe @VERSION@/g" \
	    -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] [A-Z]\{3,4\}/YYYY-MM-DD HH:MM:SS UTC/g' \
	    -e 's/(pid [0-9]*)/(pid N)/g' \
	    -e 's/rollback in [0-9]*m[0-9]*s/rollback in NmNs/' \
	    -e 's/^[A-Z][a-z][a-z] [0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]$/MMM DD HH:MM:SS/' \
	    -e 's/\(seconds"\{0,1\}[ :=]*"\)[0-9]*"/\1N"/g' \
	    -e "s|$T_DIR/state|@STATE@|g"
}

# An interactive session fed through a fifo: t_sess_open NAME [args]
t_sess_open() {
	mkfifo "$T_DIR/$1.in"
	"$QSAFE_CLI" --state-dir "$T_DIR/state" --echo --keep-going \
	    < "$T_DIR/$1.in" > "$T_DIR/$1.out" 2>&1 &
	eval "T_SESS_$1=$!"
	T_PIDS="$T_PIDS $!"
	# keep the fifo open for writing on a descriptor of its own
	eval "exec $2>\"\$T_DIR/\$1.in\""
}

# t_count GREP-ARGS... FILE: how many lines of FILE match, 0 when FILE is
# not there yet.  A session's output file is made by its shell once it
# runs, which may be after the first look: an empty count there made
# `[ "" -lt 1 ]` an error, which ended the wait before the session had
# written anything (scenario-sessions failed so, once, under ASan).
t_count() {
	t_n=$(grep -c "$@" 2>/dev/null) || :
	echo "${t_n:-0}"
}

# Waits until session output ($1.out) has pattern $2 (grep -F) at least
# $3 times (default 1).
t_wait_out() {
	i=0
	while [ "$(t_count -F -- "$2" "$T_DIR/$1.out")" -lt "${3:-1}" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ]; then
			echo "--- $1.out" >&2
			cat "$T_DIR/$1.out" >&2
			t_fail "session $1: no '$2'"
		fi
		sleep 0.05
	done
}

# Waits until session $1 (writing on descriptor $2, in configuration mode)
# has run everything sent so far: a `run show version` round trip.
t_barrier() {
	n=$(t_count -F "Junos-style shell" "$T_DIR/$1.out")
	eval "echo 'run show version' >&$2"
	t_wait_out "$1" "Junos-style shell" $((n + 1))
}
