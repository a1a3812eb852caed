#!/bin/sh
# Commit atomicity: commits in a loop while mgd is killed with SIGKILL at
# random moments; after each restart the store must open and the committed
# configuration must be exactly the one before or the one after the
# interrupted commit, never a mix.  Runs for ATOMICITY_SECONDS (default 45).
set -u
. "$(dirname "$0")/lib.sh"

secs=${ATOMICITY_SECONDS:-45}

# The committed configuration number k, as `display set` prints it.  Each
# commit replaces every statement, across several tables' worth of rows.
conf_of() {
	if [ "$1" -lt 0 ]; then
		return
	fi
	echo "set system host-name h$1"
	echo "set system domain-name d$1.example"
	echo "set security ike proposal P$1 dh-group group14"
	echo "set security ike proposal P$1 lifetime-seconds $((180 + $1))"
	echo "set security ike policy POL$1 proposals P$1"
}

script_of() {
	echo configure
	echo "delete system"
	echo "delete security"
	conf_of "$1"
	echo "commit"
}

rand() {	# 0..$1-1
	r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $((r % $1))
}

t_start
prev=-1
k=0
kills=0
commits=0
mixed=0
end=$(($(date +%s) + secs))
while [ "$(date +%s)" -lt "$end" ]; do
	script_of $k > "$T_DIR/script"
	t_cli < "$T_DIR/script" > "$T_DIR/cli.out" 2>&1 &
	cli=$!
	kill_it=$(rand 4)
	if [ "$kill_it" -ne 0 ]; then
		ms=$(rand 30)
		[ "$(rand 2)" -eq 0 ] && ms=$((ms / 5))
		sleep "$(printf '0.%03d' "$ms")"
		t_stop KILL
		kills=$((kills + 1))
	fi
	wait "$cli"
	if [ -z "$T_MGD_PID" ]; then
		t_start
	fi
	t_committed > "$T_DIR/got" 2> "$T_DIR/got.err" ||
	    { cat "$T_DIR/got.err" >&2; t_fail "store did not open after a kill (iteration $k)"; }
	conf_of $prev > "$T_DIR/before"
	conf_of $k > "$T_DIR/after"
	if cmp -s "$T_DIR/got" "$T_DIR/after"; then
		prev=$k
		commits=$((commits + 1))
	elif ! cmp -s "$T_DIR/got" "$T_DIR/before"; then
		echo "--- before" >&2; cat "$T_DIR/before" >&2
		echo "--- after" >&2; cat "$T_DIR/after" >&2
		echo "--- got" >&2; cat "$T_DIR/got" >&2
		mixed=1
		break
	fi
	# the history opens too
	t_cli -c 'show system commit' > /dev/null 2>&1 ||
	    t_fail "show system commit failed (iteration $k)"
	k=$((k + 1))
done
[ "$mixed" -eq 0 ] || t_fail "committed configuration is neither before nor after (iteration $k)"
[ "$commits" -gt 0 ] || t_fail "no commit ever completed"
echo "ok: $k iterations, $kills kills, $commits commits landed"
