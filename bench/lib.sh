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
#                                       SECONDS
#   bench_fail WHAT WHY                 stops the bench: "NAME: WHAT failed: WHY"

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

wait_for() {
	what=$1 secs=$2
	shift 2
	tries=$((secs * 20))
	until "$@" >/dev/null 2>&1; do
		tries=$((tries - 1))
		[ $tries -gt 0 ] || bench_fail "$what" "not within $secs s"
		sleep 0.05
	done
}
