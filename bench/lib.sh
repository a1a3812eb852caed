# bench/lib.sh: what every bench script does the same way (sourced, POSIX sh).
#
# A bench that goes on after a failed step prints figures for work that was
# not done (issue 15: keymgr_keys.sh printed keys/s for ten thousand failed
# requests).  So every step that sets the bench up or measures goes through
# `step`, which stops the script at the first failure, naming the step and
# showing why; a figure is printed only after its step succeeded.
#
#   bench_name=NAME; bench_tmp=DIR      set by the script before any step
#   step WHAT CMD...                    runs CMD (output kept in
#                                       $bench_tmp/step.out); stops the bench
#                                       when it exits non-zero
#   step_has WHAT TEXT CMD...           the same, and TEXT must be in the
#                                       output (for commands that exit 0
#                                       without having done the work)
#   wait_for WHAT SECONDS CMD...        polls CMD every 50 ms until it
#                                       succeeds; stops the bench after
#                                       SECONDS (of the clock)
#   bench_fail WHAT WHY                 stops the bench: "NAME: WHAT failed: WHY"
#
# The config benches (config_engine.sh, config_shapes.sh) start mgd and time
# the cli the same way:
#
#   bench_need BUILD PROG...            exits 2 unless every PROG is
#                                       executable ("build BUILD first")
#   bench_setup NAME PREFIX PROG...     the opening they share: bench_name
#                                       NAME, bench_need "$build" PROG...,
#                                       $bench_tmp a new directory
#                                       PREFIX.XXXXXX, bench_traps
#   bench_traps                         the EXIT trap: mgd_stop, the
#                                       namespace $bench_ns deleted, and
#                                       $bench_tmp removed (KEEP=1 keeps it)
#   mgd=PATH cli=PATH                   set by the script
#   bench_ns_setup PREFIX               as root (with ip): a namespace of
#                                       the bench's own, $BENCH_NS or
#                                       PREFIX-PID, loopback up, in $ns and
#                                       $bench_ns (after bench_traps, which
#                                       deletes it); otherwise both empty
#                                       and mgd runs in this namespace
#   mgd_start                           a fresh mgd on an empty state
#                                       directory $bench_tmp/state, in
#                                       $bench_ns when set; waits for its
#                                       socket (10 s); $pid is its PID
#   mgd_stop                            stops that mgd (by its PID)
#   bench_timed CMD...                  the cli with the arguments, output
#                                       to $bench_tmp/out, run under
#                                       $bench_timer ($build/bench/run_timed:
#                                       no process of the harness's own
#                                       inside the interval); $t is the
#                                       elapsed ns, $t_cpu the cli's user +
#                                       system µs; a failed cli stops the
#                                       bench
#   bench_repeat N FILE CMD...          CMD N times (bench_timed, or a
#                                       function that calls it), with
#                                       $bench_run the run's index from 0;
#                                       each run's $t a line of FILE
#   bench_procs FIELDS [ROLLUP]         "name values" of mgd and each
#                                       process it started, from
#                                       /proc/PID/stat (and smaps_rollup)
#   bench_cpu                           "name ticks" (user + system) of
#                                       the same
#   median FILE                         the median of FILE's numbers
#   report LABEL NS UNIT TARGET         "LABEL: 1.43 s (target < 2 s)"

bench_fail() {
	echo "$bench_name: $1 failed: $2" >&2
	exit 1
}

# bench_show_output: the last lines of the step's output, indented.
bench_show_output() {
	[ -s "$bench_tmp/step.out" ] || return 0
	tail -n 20 "$bench_tmp/step.out" | sed 's/^/    /' >&2
}

step() {
	what=$1
	shift
	if "$@" >"$bench_tmp/step.out" 2>&1; then
		return 0
	else
		rc=$?
	fi
	echo "$bench_name: step '$what' failed (exit $rc): $*" >&2
	bench_show_output
	exit 1
}

step_has() {
	what=$1 text=$2
	shift 2
	step "$what" "$@"
	grep -qF -- "$text" "$bench_tmp/step.out" && return 0
	echo "$bench_name: step '$what' failed: no '$text' in the output of: $*" >&2
	bench_show_output
	exit 1
}

# The deadline is the clock's, not a count of tries: a CMD that takes
# 0.3 s (the cli on a loaded machine) made "60 s" seven minutes.
wait_for() {
	what=$1 secs=$2
	shift 2
	deadline=$(($(date +%s) + secs))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt $deadline ] ||
		    bench_fail "$what" "not within $secs s"
		sleep 0.05
	done
}

pid=
bench_ns=
bench_timer=${build:+$build/bench/run_timed}

bench_need() {
	b=$1
	shift
	for p in "$@"; do
		[ -x "$p" ] || { echo "$bench_name: build $b first" \
		    "(ninja -C $b): no $p" >&2; exit 2; }
	done
}

bench_setup() {
	bench_name=$1 prefix=$2
	shift 2
	bench_need "$build" "$bench_timer" "$@"
	bench_tmp=$(mktemp -d "${TMPDIR:-/tmp}/$prefix.XXXXXX")
	bench_traps
}

bench_cleanup() {
	mgd_stop
	[ -z "$bench_ns" ] || ip netns del "$bench_ns" 2>/dev/null || true
	if [ "${KEEP:-0}" = 1 ]; then
		echo "state kept in $bench_tmp" >&2
	else
		rm -rf "$bench_tmp"
	fi
}

bench_traps() {
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

bench_ns_setup() {
	ns=
	if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
		ns=${BENCH_NS:-$1-$$}
	fi
	bench_ns=$ns
	[ -n "$ns" ] || return 0
	step "create namespace $ns" ip netns add "$ns"
	step "loopback up in $ns" ip -n "$ns" link set lo up
}

mgd_stop() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=
	fi
}

# mgd_up: mgd's socket is there; stops the bench when mgd has exited.
mgd_up() {
	[ ! -S "$bench_tmp/state/mgd.sock" ] || return 0
	kill -0 "$pid" 2>/dev/null ||
	    { pid=; bench_fail "mgd start" "mgd exited (see $bench_tmp/mgd.log)"; }
	return 1
}

mgd_start() {
	rm -rf "$bench_tmp/state"
	mkdir -m 0700 "$bench_tmp/state"
	if [ -n "$bench_ns" ]; then
		ip netns exec "$bench_ns" "$mgd" --state-dir "$bench_tmp/state" \
		    --log "$bench_tmp/mgd.log" &
	else
		"$mgd" --state-dir "$bench_tmp/state" --log "$bench_tmp/mgd.log" &
	fi
	pid=$!
	tries=200
	until mgd_up; do
		tries=$((tries - 1))
		[ $tries -gt 0 ] || bench_fail "mgd start" \
		    "no socket within 10 s (see $bench_tmp/mgd.log)"
		sleep 0.05
	done
}

# bench_procs FIELDS [ROLLUP]: a line "name values" for mgd ($pid) and
# each process it started, sorted by name (for join): FIELDS is what awk
# prints of /proc/PID/stat (proc(5): '$14 + $15' is user + system ticks),
# then, with ROLLUP (a key of /proc/PID/smaps_rollup, e.g. AnonHugePages),
# its kB (0 when the file cannot be read).
bench_procs() {
	for p in $pid $(pgrep -P "$pid" 2>/dev/null); do
		[ -r /proc/$p/stat ] || continue
		printf '%s %s' "$(cat /proc/$p/comm)" \
		    "$(awk "{ print $1 }" /proc/$p/stat)"
		[ -z "${2:-}" ] || printf ' %s' "$(awk -v k="$2:" \
		    '$1 == k { print $2 }' /proc/$p/smaps_rollup || echo 0)"
		echo
	done 2>/dev/null | sort
}

# bench_cpu: "name ticks" (user + system) of mgd and each process it started.
bench_cpu() { bench_procs '$14 + $15'; }

# bench_cpu_line BEFORE AFTER N: "    cpu per run: mgd 12 ms, iked ..."
# (user + system from /proc, 10 ms ticks) of AFTER - BEFORE over N runs.
bench_cpu_line() {
	printf '%s\n' "$1" >"$bench_tmp/cpu.a"
	printf '%s\n' "$2" >"$bench_tmp/cpu.b"
	join "$bench_tmp/cpu.a" "$bench_tmp/cpu.b" | awk -v n="$3" \
	    -v hz="$(getconf CLK_TCK)" '{
		s = s (s == "" ? "" : ", ") \
		    sprintf("%s %.0f ms", $1, ($3 - $2) * 1000 / hz / n) }
	    END { print "    cpu per run: " s }'
}

bench_timed() {
	"$bench_timer" "$bench_tmp/timed" "$cli" --state-dir "$bench_tmp/state" \
	    "$@" >"$bench_tmp/out" 2>&1 || {
		echo "$bench_name: step 'cli $*' failed:" >&2
		tail -n 20 "$bench_tmp/out" >&2
		exit 1
	}
	read -r t t_user t_sys <"$bench_tmp/timed"
	t_cpu=$((t_user + t_sys))
}

bench_repeat() {
	bench_n=$1 bench_file=$2
	shift 2
	: >"$bench_file"
	bench_run=0
	while [ $bench_run -lt "$bench_n" ]; do
		"$@"
		echo $t >>"$bench_file"
		bench_run=$((bench_run + 1))
	done
}

median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
	    if (NR % 2) print v[(NR + 1) / 2];
	    else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

report() {
	awk -v l="$1" -v ns="$2" -v u="$3" -v tg="${4:-}" 'BEGIN {
	    t = tg == "" ? "no target of its own" : "target < " tg " " u;
	    if (u == "s") printf "%s: %.2f s (%s)\n", l, ns / 1e9, t;
	    else printf "%s: %.1f ms (%s)\n", l, ns / 1e6, t }'
}
