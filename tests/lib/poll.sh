# tests/lib/poll.sh: how a shell test waits for an event (sourced; POSIX sh).
# A test polls with a deadline, never a fixed sleep.  The bash lab library
# (tests/lab/lib.sh) has lab_poll, which also takes fractional seconds.

# Milliseconds since the epoch.
t_now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# t_poll SECS CMD...: runs CMD every 0.05 s until it succeeds (0) or SECS
# seconds have passed (1).
t_poll() {
	_t_end=$(($(t_now_ms) + $1 * 1000))
	shift
	until "$@"; do
		[ "$(t_now_ms)" -lt "$_t_end" ] || return 1
		sleep 0.05
	done
}

# t_until_ms MS: returns once the clock has passed MS (t_now_ms's scale).
# Only for a check that something did NOT happen by a timer's deadline.
t_until_ms() {
	while [ "$(t_now_ms)" -lt "$1" ]; do
		sleep 0.05
	done
}
