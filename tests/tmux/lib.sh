# Shared helpers for the tmux tests (sourced by bash scripts).
#
# Each test starts its own mgd on a temp state dir and the real cli inside a
# private tmux server (socket $X_DIR/tmux.sock, removed with the directory:
# tmux leaves it behind after kill-server; a 100x30 window), types keys
# with send-keys and checks the screen with capture-pane.  Every check polls
# the screen (5 s at most) instead of sleeping a fixed time.  At the end only
# that tmux server and that mgd are stopped.  Sanitizer reports of mgd and of
# the cli (written to files, since the cli's stderr is the pane) fail the
# test.  QSAFE_MGD and QSAFE_CLI name the binaries (meson passes them).

if ! command -v tmux > /dev/null 2>&1; then
	echo "SKIP: tmux is not installed"
	exit 77
fi
: "${QSAFE_MGD:?QSAFE_MGD not set}"
: "${QSAFE_CLI:?QSAFE_CLI not set}"
QSAFE_NO_DAEMONS=1
export QSAFE_NO_DAEMONS
unset QSAFE_STATE_DIR TMUX

X_COLS=100
X_ROWS=30
X_DIR=$(mktemp -d "${TMPDIR:-/tmp}/qsafe-tmux-test.XXXXXX")
X_SOCK=$X_DIR/tmux.sock
X_MGD_PID=
X_USER=$(id -un)
X_TIMEOUT=${X_TIMEOUT:-100}	# polls of 0.05 s

# The prompts as the cli prints them (no host name until one is committed).
OP="$X_USER> "
CF="$X_USER# "
# The release every commit stamps (`version ...;` heads a configuration).
X_VERSION=$("$QSAFE_CLI" --version | sed 's/.* //')

x_tmux() {
	tmux -S "$X_SOCK" -f /dev/null "$@"
}

x_sanitizer_check() {
	local f bad=
	for f in "$X_DIR"/mgd.stderr "$X_DIR"/cli.asan.* "$X_DIR"/cli.ubsan.*; do
		[ -s "$f" ] || continue
		if grep -q "ERROR: AddressSanitizer\|runtime error:" "$f"; then
			echo "--- sanitizer report in $(basename "$f"):" >&2
			head -n 40 "$f" >&2
			bad=1
		elif grep -q "LeakSanitizer" "$f"; then
			echo "--- leaks reported in $(basename "$f"):" >&2
			grep -A3 "^Direct leak" "$f" | head -n 8 >&2
		fi
	done
	[ -z "$bad" ]
}

x_cleanup() {
	local rc=$?
	x_tmux kill-server 2> /dev/null
	if [ -n "$X_MGD_PID" ]; then
		kill "$X_MGD_PID" 2> /dev/null
		wait "$X_MGD_PID" 2> /dev/null
	fi
	x_sanitizer_check || rc=1
	if [ -n "${X_KEEP:-}" ]; then
		echo "state kept in $X_DIR" >&2
	else
		rm -rf "$X_DIR"
	fi
	exit $rc
}
trap x_cleanup EXIT
trap 'exit 1' INT TERM

# The whole pane, scrollback included, without the empty rows below the last
# written one.  Trailing blanks are dropped: libedit erases with spaces, so
# they tell nothing; x_cursor checks where the cursor is.
x_screen() {
	x_tmux capture-pane -p -S - -t t 2> /dev/null |
	    awk '{ l[NR] = $0 } $0 != "" { last = NR }
		END { for (i = 1; i <= last; i++) print l[i] }'
}

x_fail() {
	echo "FAIL: $*" >&2
	echo "--- screen (| marks the line ends):" >&2
	x_screen | tail -n 40 | sed 's/$/|/' >&2
	if [ -f "$X_DIR/state/mgd.log" ]; then
		echo "--- mgd.log (tail)" >&2
		tail -n 10 "$X_DIR/state/mgd.log" >&2
	fi
	exit 1
}

# Starts mgd on $X_DIR/state and waits for its socket.
x_start_mgd() {
	local i=0
	mkdir -p "$X_DIR/state"
	"$QSAFE_MGD" --state-dir "$X_DIR/state" --log "$X_DIR/state/mgd.log" \
	    2>> "$X_DIR/mgd.stderr" &
	X_MGD_PID=$!
	while [ ! -S "$X_DIR/state/mgd.sock" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$X_MGD_PID" 2> /dev/null; then
			x_fail "mgd did not start"
		fi
		sleep 0.05
	done
}

# The batch cli on the same mgd (stdin: commands), for setting things up.
x_batch() {
	"$QSAFE_CLI" --state-dir "$X_DIR/state" "$@"
}

# Starts the interactive cli in the tmux window; waits for the first prompt.
x_start_cli() {
	local san="ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$X_DIR/cli.asan"
	local ubsan="UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$X_DIR/cli.ubsan"

	# the shell reaps the cli and keeps its status (tmux 3.3 does not
	# always reap a pane's process promptly)
	x_tmux new-session -d -s t -x "$X_COLS" -y "$X_ROWS" \
	    "env TERM=xterm '$san' '$ubsan' '$QSAFE_CLI' --state-dir '$X_DIR/state'; echo \$? > '$X_DIR/cli.status'" ||
	    x_fail "tmux did not start"
	# keep a dead pane on the screen: a crash is then visible
	x_tmux set-option -t t remain-on-exit on > /dev/null
	x_tail "$OP"
	x_cursor ${#OP}
}

# Text typed as is (never read as tmux key names: `up` is not Up).
x_type() {
	x_tmux send-keys -t t -l -- "$1"
}

# Keys by tmux name: Enter, Tab, Space, C-c, C-d, C-u, Up, q ...
x_key() {
	x_tmux send-keys -t t "$@"
}

# A command line and Enter.
x_run() {
	x_type "$1"
	x_key Enter
}

x_poll() {	# predicate command...
	local i=0
	while [ $i -lt "$X_TIMEOUT" ]; do
		"$@" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

x_tail_is() {
	[ "$(x_screen | tail -n $#)" = "$(printf "%s\n" "$@" | sed "s/ *\$//")" ]
}

# x_tail LINE...: the last lines of the screen are exactly these (but for
# trailing blanks).
x_tail() {
	x_poll x_tail_is "$@" && return 0
	echo "--- expected last lines:" >&2
	printf '%s|\n' "$@" >&2
	x_fail "the screen does not end with the lines above"
}

x_has_line() {
	x_screen | grep -qxF -- "$(printf "%s" "$1" | sed "s/ *\$//")"
}

# x_line TEXT: a whole line of the screen is TEXT.
x_line() {
	x_poll x_has_line "$1" || x_fail "no line '$1'"
}

x_has_seq() {
	x_screen | awk -v want="$(printf "%s\n" "$@")" -v n=$# '
	    { l[NR] = $0 }
	    END {
		for (i = 1; i + n - 1 <= NR; i++) {
			s = l[i]
			for (j = 1; j < n; j++)
				s = s "\n" l[i + j]
			if (s == want)
				exit 0
		}
		exit 1
	    }'
}

# x_follows LINE...: these lines follow each other somewhere on the screen.
x_follows() {
	x_poll x_has_seq "$@" && return 0
	echo "--- expected lines:" >&2
	printf '%s|\n' "$@" >&2
	x_fail "the screen does not have the lines above in a row"
}

# x_no_text TEXT: no line of the screen contains TEXT (checked once).
x_no_text() {
	! x_screen | grep -qF -- "$1" || x_fail "the screen has '$1'"
}

x_cursor_is() {
	[ "$(x_tmux display-message -p -t t '#{cursor_x}')" = "$1" ]
}

# x_cursor COL: the cursor is in column COL (0-based).
x_cursor() {
	x_poll x_cursor_is "$1" ||
	    x_fail "cursor in column $(x_tmux display-message -p -t t '#{cursor_x}'), not $1"
}

# x_input LINE: the last screen line is LINE being typed, cursor at its end.
x_input() {
	x_tail "$1"
	x_cursor ${#1}
}

x_last_starts() {	# PREFIX: the last screen line starts with it
	case "$(x_screen | tail -n 1)" in "$1"*) return 0 ;; esac
	return 1
}

# x_no_text_last TEXT: the last screen line does not contain TEXT.
x_no_text_last() {
	! x_screen | tail -n 1 | grep -qF -- "$1" ||
	    x_fail "the last line has '$1'"
}

x_is_dead() {
	[ -s "$X_DIR/cli.status" ]
}

# x_ended [STATUS]: the cli has ended, with STATUS (default 0; 1 after a
# command failed).
x_ended() {
	x_poll x_is_dead || x_fail "the cli did not end"
	[ "$(cat "$X_DIR/cli.status")" = "${1:-0}" ] ||
	    x_fail "the cli ended with status $(cat "$X_DIR/cli.status")"
}

# The last "Possible completions:" block keeps the Junos columns
# (Junos's `?` help): a 2-character mark ("> ", "+ " or blanks), the name
# left-justified in 21 columns, the help; a longer name, 2 blanks, the help.
x_help_layout() {
	x_screen | awk -v user="$X_USER@" '
	    /^Possible completions:$/ { n = 0; inblock = 1; next }
	    /^\[edit/ || /^$/ || index($0, user) == 1 { inblock = 0 }
	    inblock { l[++n] = $0 }
	    END {
		if (n == 0) { print "no completions block"; exit 1 }
		for (i = 1; i <= n; i++) {
			mark = substr(l[i], 1, 2)
			rest = substr(l[i], 3)
			name = rest; sub(/ .*/, "", name)
			if (mark != "  " && mark != "> " && mark != "+ ") {
				print "bad mark: " l[i]; exit 1
			}
			if (length(name) <= 19)
				ok = substr(rest, 1, 21) == sprintf("%-21s", name) &&
				    substr(rest, 22, 1) != " "
			else
				ok = substr(rest, length(name) + 1, 3) ~ /^  [^ ]/
			if (length(rest) == length(name))
				ok = 1		# a name without help
			if (!ok) { print "bad columns: " l[i]; exit 1 }
		}
	    }' >&2 || x_fail "the completions are not in the Junos layout"
}

# spaces(N) then ^: the caret line under column N.
x_caret() {
	printf '%*s^' "$1" ''
}
