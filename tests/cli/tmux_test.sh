#!/bin/sh
# Interactive shell tests: the cli runs in a private tmux server (its
# socket in the test's directory, so that it goes with it: tmux leaves its
# socket behind after kill-server; the server killed at the end, nothing
# else touched) against fake_mgd.
# Checks: prompt and banner, ^C discards a line, `?` help and the re-printed
# banner + typed text, TAB completion, the caret under the prompt, the pager
# (space, q; screen-length 10 and 0), the history file (0600), ^D = exit
# (twice: leave configuration mode, end the session).
#
# usage: tmux_test.sh CLI FAKE_MGD
set -u
CLI=$1
FAKE=$2
D=$(mktemp -d /tmp/qsafe-cli-tmux-XXXXXX)
T="tmux -S $D/tmux.sock -f /dev/null"
FAKE_PID=
USER_NAME=$(id -un)

cleanup() {
	$T kill-server 2>/dev/null
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The pane with its history, without the empty rows below the cursor.
pane() {
	$T capture-pane -p -t t -S - 2>/dev/null |
		awk '{ l[NR] = $0 } $0 != "" { last = NR }
		    END { for (i = 1; i <= last; i++) print l[i] }'
}

fail() {
	echo "FAIL: $1"
	echo "--- pane:"
	pane
	echo "--- fake_mgd log:"
	cat "$D/log"
	exit 1
}

# wait_for TEXT: until the pane holds a line containing TEXT (5 s).
wait_for() {
	i=0
	while [ $i -lt 100 ]; do
		pane | grep -qF -- "$1" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	fail "never saw '$1'"
}

# wait_line TEXT: until the pane holds a line that is exactly TEXT.
wait_line() {
	i=0
	while [ $i -lt 100 ]; do
		pane | grep -qxF -- "$1" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	fail "never saw the line '$1'"
}

# wait_last TEXT: until the last non-empty pane line is exactly TEXT.
wait_last() {
	i=0
	while [ $i -lt 100 ]; do
		[ "$(pane | tail -n 1)" = "$1" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	fail "last line is not '$1'"
}

"$FAKE" "$D/mgd.sock" "$D/log" &
FAKE_PID=$!
i=0
while [ ! -S "$D/mgd.sock" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done

$T new-session -d -s t -x 80 -y 24 "env TERM=xterm $CLI --state-dir $D" ||
	fail "tmux did not start"
OP="$USER_NAME@fake>"
CF="$USER_NAME@fake#"

# The operational prompt, then a command and its output.
wait_last "$OP"
$T send-keys -t t 'echo hello' Enter
wait_line "hello"
wait_last "$OP"

# configure: message, blank line, banner, config prompt.
$T send-keys -t t 'configure' Enter
wait_last "$CF"
pane | grep -A3 -xF "Entering configuration mode" | tr '\n' '|' |
	grep -qF "Entering configuration mode||[edit]|$CF" ||
	fail "configure banner"

# ^C discards the typed line; nothing reaches mgd.
$T send-keys -t t 'echo junk' C-c
$T send-keys -t t 'echo ok' Enter
wait_line "ok"
grep -q "exec: echo junk" "$D/log" && fail "^C line was sent"
grep -q "exec: echo ok" "$D/log" || fail "line after ^C not sent"

# `?`: the help block, then banner (no blank line) and prompt + typed text.
$T send-keys -t t 'c?'
wait_for "Fake help for commit"
wait_last "$CF c"
pane | tail -n 4 | tr '\n' '|' |
	grep -qF "Possible completions:|  commit               Fake help for commit|[edit]|$CF c" ||
	fail "? output"
grep -q "help: c" "$D/log" || fail "help not sent"
$T send-keys -t t C-u

# TAB completes a unique keyword; the caret sits under the prompt + offset.
$T send-keys -t t 'se' Tab
wait_last "$CF set"
$T send-keys -t t Enter
wait_for "missing argument."
caret=$(pane | grep -B1 -xF "missing argument." | head -n 1)
[ "$caret" = "$(printf '%*s^' $((${#CF} + 1 + 4)) '')" ] ||
	fail "caret line '$caret'"

# The pager on a 24-row screen: 23 lines, space, q.
$T send-keys -t t 'top' Enter
$T send-keys -t t 'lines 50' Enter
wait_for "---(more 46%)---"
$T send-keys -t t ' '
wait_for "---(more 92%)---"
pane | grep -qxF "line 46" || fail "second page"
$T send-keys -t t 'q'
wait_last "$CF"
pane | grep -qxF "line 47" && fail "q did not stop the pager"
pane | grep -qF -- "---(more" && fail "more-prompt not cleared"

# screen-length from the reply's prompt object: 10 rows, then 0 = no pager.
$T send-keys -t t 'exit' Enter
wait_last "$OP"
$T send-keys -t t 'set cli screen-length 10' Enter
$T send-keys -t t 'lines 50' Enter
wait_for "---(more 18%)---"
$T send-keys -t t 'q'
wait_last "$OP"
$T send-keys -t t 'set cli screen-length 0' Enter
$T send-keys -t t 'lines 30' Enter
wait_line "line 30"
pane | grep -qF -- "---(more" && fail "paged with screen-length 0"
$T send-keys -t t 'configure' Enter
wait_last "$CF"

# History: one file per user in the state dir, 0600.
H="$D/history/$USER_NAME"
[ -f "$H" ] || fail "no history file $H"
[ "$(stat -c %a "$H")" = 600 ] || fail "history mode $(stat -c %a "$H")"
grep -q "lines" "$H" || fail "history content"

# ^D leaves configuration mode, a second ^D ends the session.
$T send-keys -t t C-d
wait_last "$OP"
$T send-keys -t t C-d
i=0
while $T has-session -t t 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
$T has-session -t t 2>/dev/null && fail "second ^D did not end the cli"
[ "$(tail -n 2 "$D/log" | grep -c '^exec: exit$')" = 2 ] ||
	fail "^D did not send exit twice"
echo "ok"
