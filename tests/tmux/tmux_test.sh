#!/bin/bash
# Interactive sessions typed into the real cli against a real mgd, the screen
# checked after each step (Junos's CLI; lib.sh has the
# harness).  usage: tmux_test.sh SCENARIO, one of
#   modes     prompts, configure, empty Enter, ^C, Up, ^D, quit, exit
#   complete  TAB and space: keywords, ambiguous lists, configured names,
#             key-manager profiles, enum values, operational commands
#   help      `?`: the Junos layout, banner + prompt with the typed text
#   errors    carets under the bad token, every message shape
#   edit      edit/up/top/exit, the uncommitted-changes question
#   commit    commit check/commit/and-quit, the host name in the prompt
#   pager     ---(more N%)---, space, Enter, q, ^C, /search, | no-more,
#             set cli screen-length
set -u
. "$(dirname "$0")/lib.sh"

# Prompts, configure, ^C discarding a half-typed line, history, ^D and exit.
sc_modes() {
	x_start_mgd
	x_start_cli
	# ^C in operational mode: the line is gone, a new prompt
	x_type "show configuration"
	x_key C-c
	x_tail "${OP}show configuration" "$OP"
	x_cursor ${#OP}
	x_run "configure"
	x_tail "${OP}configure" "Entering configuration mode" "" "[edit]" "$CF"
	x_cursor ${#CF}
	# an empty Enter: blank line, banner, prompt
	x_key Enter
	x_tail "$CF" "" "[edit]" "$CF"
	# ^C discards a half-typed set: nothing reaches the candidate
	x_type "set system host-name junk"
	x_key C-c
	x_tail "${CF}set system host-name junk" "[edit]" "$CF"
	x_cursor ${#CF}
	x_run "show | compare"
	x_tail "${CF}show | compare" "" "[edit]" "$CF"
	x_run "show system"
	x_tail "${CF}show system" "" "[edit]" "$CF"
	# Up recalls the last command; ^U clears it
	x_key Up
	x_input "${CF}show system"
	x_key C-u
	x_input "$CF"
	# a typed secret is recalled and kept in the history file in the $9$
	# form mgd stored, never as typed
	x_run 'set security ike policy P pre-shared-key ascii-text "typed-s3cret"'
	x_tail "[edit]" "$CF"
	x_key Up
	x_poll x_last_starts \
	    "${CF}set security ike policy P pre-shared-key ascii-text \$9\$" ||
	    x_fail "Up does not recall the secret in its \$9\$ form"
	x_no_text_last "typed-s3cret"
	x_key C-u
	local hist="$X_DIR/state/history/$X_USER"
	# (libedit writes it vis(3)-encoded: \040 for a space)
	grep -F 'pre-shared-key' "$hist" | grep -qF '$9$' ||
	    x_fail "the history file lacks the \$9\$ form"
	! grep -qF "typed-s3cret" "$hist" ||
	    x_fail "the history file holds the typed secret"
	# the same from a deeper level through `top`: recalled with its
	# `top` prefix, the secret in its $9$ form
	x_run "edit security ike"
	x_tail "[edit security ike]" "$CF"
	x_run 'top set security ike policy Q pre-shared-key ascii-text "typed-t0p"'
	x_tail "[edit security ike]" "$CF"
	x_key Up
	x_poll x_last_starts \
	    "${CF}top set security ike policy Q pre-shared-key ascii-text \$9\$" ||
	    x_fail "Up does not recall \`top set\` with the secret in its \$9\$ form"
	x_no_text_last "typed-t0p"
	x_key C-u
	! grep -qF "typed-t0p" "$hist" ||
	    x_fail "the history file holds the secret typed after top"
	x_run "top"
	x_tail "[edit]" "$CF"
	x_run "rollback 0"
	x_tail "load complete" "" "[edit]" "$CF"
	# ^D with no changes leaves configuration mode at once (libedit shows
	# the ^D it read)
	x_key C-d
	x_tail "${CF}^D" "Exiting configuration mode" "" "$OP"
	x_cursor ${#OP}
	# quit and exit leave the shell
	x_run "configure"
	x_tail "Entering configuration mode" "" "[edit]" "$CF"
	x_run "quit"
	x_tail "${CF}quit" "Exiting configuration mode" "" "$OP"
	x_run "exit"
	x_ended
}

# TAB and space completion: keywords, ambiguous lists, configured names.
sc_complete() {
	x_start_mgd
	x_batch > /dev/null <<-EOF || x_fail "setup"
	configure
	set security ike gateway GW-east address 192.0.2.1
	set security ike gateway GW-west address 192.0.2.2
	set security key-manager profiles KM-a quantum-key-manager url https://192.0.2.9
	set security key-manager profiles KM-b quantum-key-manager url https://192.0.2.9
	EOF
	x_start_cli
	# operational commands complete too
	x_type "sh"
	x_key Tab
	x_input "${OP}show "
	x_type "conf"
	x_key Tab
	x_input "${OP}show configuration "
	x_key C-u
	x_type "conf"
	x_key Space
	x_input "${OP}configure "
	x_key Enter
	x_line "Entering configuration mode"
	x_tail "[edit]" "$CF"
	# TAB completes a unique prefix and adds the blank
	x_type "set sec"
	x_key Tab
	x_input "${CF}set security "
	x_key C-u
	# space completes a unique keyword prefix, word after word
	x_type "set secu"
	x_key Space
	x_input "${CF}set security "
	x_type "ik"
	x_key Space
	x_input "${CF}set security ike "
	x_type "gate"
	x_key Space
	x_input "${CF}set security ike gateway "
	x_key C-u
	# space after an ambiguous prefix is just a blank
	x_type "set security i"
	x_key Space
	x_input "${CF}set security i "
	x_key C-u
	# TAB on an ambiguous prefix lists the candidates, then the banner
	# and the prompt with the typed text
	x_type "set security i"
	x_key Tab
	x_tail "${CF}set security i" \
	    "Possible completions:" \
	    "> ike                  IKE configuration" \
	    "> ipsec                IPSec configuration" \
	    "[edit]" \
	    "${CF}set security i"
	x_cursor $((${#CF} + 14))
	# ... and typing on completes from there
	x_type "p"
	x_key Tab
	x_input "${CF}set security ipsec "
	x_key C-u
	# TAB lists the configured gateways
	x_type "set security ike gateway "
	x_key Tab
	x_line "  GW-east              Name of the IKE gateway"
	x_line "  GW-west              Name of the IKE gateway"
	x_tail "[edit]" "${CF}set security ike gateway "
	# their common prefix first, then the list, then a unique name
	x_type "G"
	x_key Tab
	x_input "${CF}set security ike gateway GW-"
	x_type "e"
	x_key Tab
	x_input "${CF}set security ike gateway GW-east "
	x_type "addr"
	x_key Tab
	x_input "${CF}set security ike gateway GW-east address "
	x_key C-u
	# ppk-profile lists the key-manager profiles
	x_type "set security ike gateway GW-east ppk-profile "
	x_key Tab
	x_follows "Possible completions:" \
	    "  <profile-name>       Name of the key-manager profile" \
	    "  KM-a                 Name of the key-manager profile" \
	    "  KM-b                 Name of the key-manager profile"
	x_tail "[edit]" "${CF}set security ike gateway GW-east ppk-profile "
	x_help_layout
	x_type "K"
	x_key Tab
	x_input "${CF}set security ike gateway GW-east ppk-profile KM-"
	x_type "b"
	x_key Tab
	x_input "${CF}set security ike gateway GW-east ppk-profile KM-b "
	x_key C-u
	# at a deeper level the names are relative to it
	x_run "edit security ike"
	x_tail "" "[edit security ike]" "$CF"
	x_type "show gateway GW-w"
	x_key Tab
	x_input "${CF}show gateway GW-west "
	x_key Enter
	x_tail "address 192.0.2.2;" "" "[edit security ike]" "$CF"
	# an enum value
	x_run "top"
	x_type "set security ike proposal P1 dh-group group1"
	x_key Tab
	x_line "Possible completions:"
	x_tail "[edit]" "${CF}set security ike proposal P1 dh-group group1"
	x_type "4"
	x_key Tab
	x_input "${CF}set security ike proposal P1 dh-group group14 "
	x_key C-u
	# nothing to complete: the line stays as it was
	x_type "set bogus"
	x_key Tab
	x_input "${CF}set bogus"
	x_key C-u
	x_key C-d
	x_line "Exit with uncommitted changes? [yes,no] (yes) "
	x_run "yes"
	x_tail "Exiting configuration mode" "" "$OP"
}

# `?`: the Junos layout, the banner and the prompt with the typed text.
sc_help() {
	x_start_mgd
	x_start_cli
	# operational `?` after a word: the pipe list included
	x_type "show configuration | "
	x_type "?"
	x_line "Possible completions:"
	x_line "  count                Count occurrences"
	x_line "  no-more              Don't paginate output"
	x_line "  match                Show only text that matches a pattern"
	x_tail "${OP}show configuration | "
	x_cursor $((${#OP} + 21))
	x_key C-u
	x_run "configure"
	x_tail "[edit]" "$CF"
	x_type "set security ?"
	x_tail "${CF}set security ?" \
	    "Possible completions:" \
	    "> address-book         Security address book" \
	    "+ apply-groups         Groups from which to inherit configuration data" \
	    "+ apply-groups-except  Don't inherit configuration data from these groups" \
	    "> group-vpn            Group VPN configuration" \
	    "> ike                  IKE configuration" \
	    "> ipsec                IPSec configuration" \
	    "> key-manager          Define JKM managed configurations" \
	    "> pki                  PKI service configuration" \
	    "> policies             Configure Network Security Policies" \
	    "> zones                Zone configuration" \
	    "[edit]" \
	    "${CF}set security "
	x_cursor $((${#CF} + 13))
	# a prefix filters; the `?` itself is not inserted
	x_type "ik?"
	x_tail "${CF}set security ik?" \
	    "Possible completions:" \
	    "> ike                  IKE configuration" \
	    "[edit]" \
	    "${CF}set security ik"
	x_key C-u
	# a complete command: <[Enter]> first, `|` last
	x_type "show security ?"
	x_line "${CF}show security ?"
	x_line "  <[Enter]>            Execute this command"
	x_line "  |                    Pipe through a command"
	x_tail "  |                    Pipe through a command" "[edit]" "${CF}show security "
	x_key C-u
	# a long list: marks, columns, <[Enter]> first, `|` not in set
	x_type "set security ike gateway X ?"
	x_follows "${CF}set security ike gateway X ?" "Possible completions:" \
	    "  <[Enter]>            Execute this command" \
	    "> aaa                  Use extended authentication"
	x_line "+ address              Addresses or hostnames of peer:1 primary, upto 4 backups"
	x_line "> dead-peer-detection  Enable dead peer detection"
	x_line "  external-interface   External interface for IKE negotiations"
	x_line "> ppk-profile          Postquantum preshared key (PPK) profile"
	x_tail "  version              Negotiate using either IKE v1 or IKE v2 protocol" \
	    "[edit]" "${CF}set security ike gateway X "
	x_help_layout
	x_key C-u
	# a free value: its placeholder
	x_type "set system host-name ?"
	x_tail "${CF}set system host-name ?" "Possible completions:" \
	    "  <host-name>          Hostname for this router" \
	    "[edit]" "${CF}set system host-name "
	x_key C-u
	# in the middle of the line: help for the text before the cursor
	x_type "set security ike"
	x_key Left Left Left
	x_type "?"
	x_line "> ike                  IKE configuration"
	x_line "> ipsec                IPSec configuration"
	x_tail "[edit]" "${CF}set security ike"
	x_cursor $((${#CF} + 13))
	x_key C-u
	# nothing fits
	x_type "set bogus ?"
	x_line "$(x_caret $((${#CF} + 4)))"
	x_line "syntax error."
	x_tail "[edit]" "${CF}set bogus "
}

# Errors: the caret under the bad token (prompt length + offset).
sc_errors() {
	x_start_mgd
	x_start_cli
	x_run "shoe"
	x_tail "${OP}shoe" "$(x_caret ${#OP})" "unknown command." "$OP"
	x_run "show interfacu"
	x_tail "${OP}show interfacu" "$(x_caret $((${#OP} + 5)))" \
	    "syntax error, expecting <command>." "$OP"
	x_run "show configuration security isd"
	x_tail "${OP}show configuration security isd" \
	    "$(x_caret $((${#OP} + 28)))" "syntax error." "$OP"
	x_run "show configuration | bogus"
	x_tail "${OP}show configuration | bogus" \
	    "$(x_caret $((${#OP} + 21)))" "syntax error." "$OP"
	x_run "configure"
	x_tail "[edit]" "$CF"
	# cli-behaviour.md 6, the config-mode block as typed there: trailing
	# blanks count; "missing argument." and "is ambiguous." put the caret
	# after the last typed character, the interface check one further.
	x_run "set system arrr     "
	x_tail "${CF}set system arrr" "$(x_caret $((${#CF} + 11)))" \
	    "syntax error." "" "[edit]" "$CF"
	x_run "set system "
	x_tail "${CF}set system" "$(x_caret $((${#CF} + 11)))" \
	    "missing argument." "" "[edit]" "$CF"
	x_run "s"
	x_tail "${CF}s" "$(x_caret $((${#CF} + 1)))" "'s' is ambiguous." "" \
	    "[edit]" "$CF"
	x_run "set interfaces sdfsdf "
	x_tail "${CF}set interfaces sdfsdf" "$(x_caret $((${#CF} + 23)))" \
	    "invalid interface type in 'sdfsdf'." "" "[edit]" "$CF"
	# relative to the edit level, the caret still counts the prompt
	x_run "edit security ike"
	x_tail "" "[edit security ike]" "$CF"
	x_run "set gateway G1 adress 192.0.2.1"
	x_tail "${CF}set gateway G1 adress 192.0.2.1" \
	    "$(x_caret $((${#CF} + 15)))" "syntax error." "" \
	    "[edit security ike]" "$CF"
	x_run "set proposal P1 dh-group group99"
	x_line "$(x_caret $((${#CF} + 25)))"
	x_tail "" "[edit security ike]" "$CF"
	x_run "top"
	x_run "show | compare"
	x_tail "${CF}show | compare" "" "[edit]" "$CF"
	x_run "exit"
	x_tail "Exiting configuration mode" "" "$OP"
}

# edit / up / top / exit through the hierarchy: the banner follows.
sc_edit() {
	x_start_mgd
	x_start_cli
	x_run "configure"
	x_tail "[edit]" "$CF"
	x_run "edit security ike"
	x_tail "${CF}edit security ike" "" "[edit security ike]" "$CF"
	x_run "up"
	x_tail "${CF}up" "" "[edit security]" "$CF"
	x_run "edit ike gateway GW1"
	x_tail "" "[edit security ike gateway GW1]" "$CF"
	x_run "set address 192.0.2.1"
	x_tail "${CF}set address 192.0.2.1" "" "[edit security ike gateway GW1]" "$CF"
	x_run "up 2"
	x_tail "${CF}up 2" "" "[edit security]" "$CF"
	x_run "show ike"
	x_line "    address 192.0.2.1;"
	x_tail "" "[edit security]" "$CF"
	x_run "top"
	x_tail "${CF}top" "" "[edit]" "$CF"
	x_run "edit system"
	x_tail "" "[edit system]" "$CF"
	# exit at a sub-level goes up one level
	x_run "exit"
	x_tail "${CF}exit" "" "[edit]" "$CF"
	x_run "edit security ike gateway GW1"
	x_tail "" "[edit security ike gateway GW1]" "$CF"
	x_run "top"
	x_tail "" "[edit]" "$CF"
	# `exit` with uncommitted changes: the question; `no` stays
	x_run "exit"
	x_tail "${CF}exit" "The configuration has been changed but not committed" \
	    "Exit with uncommitted changes? [yes,no] (yes) "
	x_cursor 46
	x_run "no"
	x_tail "Exit with uncommitted changes? [yes,no] (yes) no" "" "[edit]" "$CF"
	# ^D asks the same; yes leaves (the changes stay in the candidate)
	x_key C-d
	x_tail "${CF}^D" "The configuration has been changed but not committed" \
	    "Exit with uncommitted changes? [yes,no] (yes) "
	x_run "yes"
	x_tail "Exit with uncommitted changes? [yes,no] (yes) yes" \
	    "Exiting configuration mode" "" "$OP"
	x_run "configure"
	x_tail "${OP}configure" "Entering configuration mode" \
	    "The configuration has been changed but not committed" "" \
	    "[edit]" "$CF"
	# `exit configuration-mode` from deep down; `quit` too
	x_run "edit security ike"
	x_run "exit configuration-mode"
	x_tail "Exit with uncommitted changes? [yes,no] (yes) "
	x_run "yes"
	x_tail "Exiting configuration mode" "" "$OP"
}

# commit: `commit complete`, the prompt picks up the host name.
sc_commit() {
	x_start_mgd
	x_start_cli
	x_run "configure"
	x_tail "[edit]" "$CF"
	x_run "set system host-name gw1"
	x_tail "" "[edit]" "$CF"
	x_run "commit check"
	x_tail "${CF}commit check" "configuration check succeeds" "" "[edit]" "$CF"
	x_run "commit"
	x_tail "${CF}commit" "commit complete" "" "[edit]" "$X_USER@gw1# "
	x_cursor $((${#X_USER} + 6))
	x_run "edit system"
	x_run "set domain-name example.net"
	x_tail "" "[edit system]" "$X_USER@gw1# "
	x_run "commit and-quit"
	x_tail "$X_USER@gw1# commit and-quit" "commit complete" \
	    "Exiting configuration mode" "" "$X_USER@gw1> "
	x_run "show configuration system"
	x_line "host-name gw1;"
	x_line "domain-name example.net;"
	x_tail "$X_USER@gw1> "
	x_run "configure"
	# a failed commit keeps the prompt
	x_run "set security ike gateway GW1 address 192.0.2.1"
	x_run "commit"
	x_line "error: commit failed: (missing mandatory statements)"
	x_tail "" "[edit]" "$X_USER@gw1# "
	x_run "rollback"
	x_tail "$X_USER@gw1# rollback" "load complete" "" "[edit]" "$X_USER@gw1# "
	x_run "exit"
	x_tail "$X_USER@gw1# exit" "Exiting configuration mode" "" "$X_USER@gw1> "
	x_run "exit"
	x_ended 1
}

# The pager: ---(more N%)---, space, Enter, q, ^C, | no-more, screen-length.
sc_pager() {
	local i
	x_start_mgd
	{
		echo "configure"
		echo "load set terminal"
		for i in $(seq 1 300); do
			echo "set security address-book global address A$i 10.0.$((i / 250)).$((i % 250))/32"
		done
		echo "^D"
		echo "commit"
	} | x_batch > /dev/null || x_fail "setup"
	# 307 lines: header, version, security {, address-book {, 300, } },
	# and the empty line of operational mode
	x_start_cli
	# the window's height: 29 lines a page
	x_run "show configuration"
	x_tail "        address A25 10.0.0.25/32;" "---(more 9%)---"
	x_key Space
	x_tail "        address A54 10.0.0.54/32;" "---(more 18%)---"
	x_no_text "---(more 9%)---"
	x_key Enter
	x_tail "        address A54 10.0.0.54/32;" "        address A55 10.0.0.55/32;" \
	    "---(more 19%)---"
	x_key q
	x_tail "        address A55 10.0.0.55/32;" "$OP"
	x_cursor ${#OP}
	x_no_text "---(more"
	x_no_text "address A56 "
	# screen-length 10: 9 lines and the more-prompt
	x_run "set cli screen-length 10"
	x_tail "${OP}set cli screen-length 10" "Screen length set to 10" "$OP"
	x_run "show configuration"
	x_tail "version $X_VERSION;" "security {" \
	    "    address-book global {" "        address A1 10.0.0.1/32;" \
	    "        address A2 10.0.0.2/32;" "        address A3 10.0.0.3/32;" \
	    "        address A4 10.0.0.4/32;" "        address A5 10.0.0.5/32;" \
	    "---(more 2%)---"
	x_key Space
	x_tail "        address A14 10.0.0.14/32;" "---(more 5%)---"
	# ^C quits the pager like q
	x_key C-c
	x_tail "        address A14 10.0.0.14/32;" "$OP"
	# a search: /A200 skips ahead; the text typed is shown and editable,
	# even typed ahead of the `/`
	x_run "show configuration"
	x_tail "        address A5 10.0.0.5/32;" "---(more 2%)---"
	x_type "/A2001"
	x_tail "        address A5 10.0.0.5/32;" "/A2001"
	x_key BSpace
	x_input "/A200"
	x_key Enter
	x_tail "        address A207 10.0.0.207/32;" "---(more 68%)---"
	x_follows "        address A5 10.0.0.5/32;" "...skipping" \
	    "        address A200 10.0.0.200/32;"
	x_no_text "/A200"
	# not found: the message, then the same page goes on
	x_type "/nowhere"
	x_key Enter
	x_tail "        address A207 10.0.0.207/32;" "---(Pattern not found)---"
	x_key Enter
	x_tail "        address A208 10.0.0.208/32;" "---(more 69%)---"
	x_key q
	x_tail "        address A208 10.0.0.208/32;" "$OP"
	# | no-more: everything, no more-prompt
	x_run "show configuration | no-more"
	x_tail "        address A300 10.0.1.50/32;" "    }" "}" "" "$OP"
	x_no_text "---(more"
	# short output is not paged; pipes before the pager
	x_run "show configuration | match A29 | count"
	x_tail "${OP}show configuration | match A29 | count" "Count: 11 lines" "$OP"
	x_run "show configuration | last 3"
	x_tail "    }" "}" "" "$OP"
	# in configuration mode: the banner after the pager
	x_run "configure"
	x_run "show security"
	x_tail "---(more 2%)---"
	x_key q
	x_tail "    address A8 10.0.0.8/32;" "" "[edit]" "$CF"
	x_run "exit"
	x_tail "Exiting configuration mode" "" "$OP"
	# screen-length 0: no paging at all
	x_run "set cli screen-length 0"
	x_run "show configuration"
	x_tail "    }" "}" "" "$OP"
	x_no_text "---(more"
	# lines wider than the terminal take the rows they wrap to: on a
	# 30x12 window the first page still starts on the screen
	x_tmux resize-window -t t -x 30 -y 12
	x_run "set cli screen-length 12"
	x_run "show configuration"
	x_tail "        address A3 10.0.0.3/32" ";" "---(more 2%)---"
	x_tmux capture-pane -p -t t | grep -qxF "security {" ||
	    x_fail "the start of the page scrolled off the screen"
	x_key q
	x_tail ";" "$OP"
}

# load terminal: ^D ends the input, ^C drops it and loads nothing.
sc_load() {
	x_start_mgd
	x_start_cli
	x_run "configure"
	x_run "load merge terminal"
	x_tail "${CF}load merge terminal" "[Type ^D at a new line to end input]"
	x_run "set system host-name dropped"
	x_key C-c
	x_tail "set system host-name dropped" "^C" \
	    "error: load interrupted: nothing was loaded" "" "[edit]" "$CF"
	x_run "show | compare"
	x_tail "${CF}show | compare" "" "[edit]" "$CF"
	x_run "load merge terminal"
	x_run "set system host-name kept"
	x_key C-d
	x_tail "load complete" "" "[edit]" "$CF"
	x_run "show system"
	x_tail "${CF}show system" "host-name kept;" "" "[edit]" "$CF"
	# another session's `configure` lists this terminal with its idle
	# time (Junos's `configure`)
	out=$(x_batch -c "configure")
	printf '%s\n' "$out" | grep -qE "^  root terminal .* on since .*, idle [0-9]{2}:[0-9]{2}:[0-9]{2}\$" ||
	    x_fail "configure lists no idle time: $out"
	x_run "exit configuration-mode"
	x_line "The configuration has been changed but not committed"
}

# commit confirmed: every prompt says the minutes left now, counted by the
# cli between replies (an empty Enter asks mgd nothing).  A "minute" is 2 s.
x_enter_shows() {
	x_key Enter
	x_screen | tail -n 3 | grep -qxF -- "$1"
}

sc_confirm() {
	QSAFE_CONFIRM_UNIT_SECONDS=2
	export QSAFE_CONFIRM_UNIT_SECONDS
	x_start_mgd
	x_start_cli
	x_run "configure"
	x_run "set system host-name gw1"
	x_run "commit confirmed 3"
	x_line "# commit confirmed will be rolled back in 3 minutes"
	X_TIMEOUT=200 x_poll x_enter_shows \
	    "# commit confirmed will be rolled back in 1 minute" ||
	    x_fail "the countdown did not go down at the prompt"
	x_key C-u
	x_run "commit"
	x_tail "commit complete" "" "[edit]" "$X_USER@gw1# "
}

# The screen's last lines, the broadcast's HH:MM as "HH:MM".
x_tail_no_clock_is() {
	[ "$(x_screen | tail -n $# |
	    sed 's/^\(        (no tty) at \)[0-9][0-9]:[0-9][0-9] /\1HH:MM /')" = \
	    "$(printf "%s\n" "$@" | sed "s/ *\$//")" ]
}

# A broadcast reaches a session idle at its prompt when it happens, no key
# pressed: the automatic rollback of commit confirmed, as the block of
# cli-behaviour.md 4 shows it (times in UTC here); the countdown line is gone
# after it.  A minute lasts 2 s here (QSAFE_CONFIRM_UNIT_SECONDS).
sc_broadcast() {
	local P="$X_USER@R1# "

	QSAFE_CONFIRM_UNIT_SECONDS=2
	export QSAFE_CONFIRM_UNIT_SECONDS
	x_start_mgd
	x_start_cli
	printf '%s\n' configure "set system host-name R1" commit |
	    x_batch > /dev/null || x_fail "setup"
	x_run "configure"
	x_run "set system domain-name temp.example"
	x_run "commit confirmed 1"
	# from here on no key is pressed until the broadcast is on the screen
	X_TIMEOUT=300 x_poll x_tail_no_clock_is "${P}commit confirmed 1" \
	    "commit confirmed will be automatically rolled back in 1 minutes unless confirmed" \
	    "commit complete" "" \
	    "# commit confirmed will be rolled back in 1 minute" "[edit]" \
	    "$P" "Broadcast Message from root@R1" \
	    "        (no tty) at HH:MM UTC..." "" \
	    "Commit was not confirmed; automatic rollback complete." "" "" \
	    "[edit]" "$P" || {
		echo "--- expected: the broadcast below the idle prompt" >&2
		x_fail "no broadcast at the idle prompt"
	}
	x_cursor ${#P}
	# the line works after the redraw, and the countdown is gone
	x_run "show system domain-name"
	x_tail "${P}show system domain-name" "" "[edit]" "$P"
	x_key Enter
	x_tail "$P" "" "[edit]" "$P"
	x_no_text "# commit confirmed will be rolled back in 0"
}

# The screen's last line (the pager's more-prompt, say).
x_last_line() {
	x_screen | tail -n 1
}

x_in_pager() {
	x_last_line | grep -q '^---(more'
}

# A broadcast reaches a session that waits elsewhere than at its prompt:
# in the pager (above the more-prompt, which comes back and still works)
# and at a question (then the question again, and the answer still counts).
sc_broadcast_wait() {
	local P="$X_USER@R1# " more i

	QSAFE_CONFIRM_UNIT_SECONDS=2
	export QSAFE_CONFIRM_UNIT_SECONDS
	x_start_mgd
	x_start_cli
	{
		echo "configure"
		echo "set system host-name R1"
		echo "load set terminal"
		for i in $(seq 1 100); do
			echo "set security address-book global address A$i 10.0.0.$i/32"
		done
		echo "^D"
		echo "commit"
	} | x_batch > /dev/null || x_fail "setup"
	x_run "configure"
	x_run "set system domain-name temp.example"
	x_run "commit confirmed 1"
	x_poll x_has_line "commit complete" || x_fail "no commit"
	x_run "run show configuration"
	x_poll x_in_pager || x_fail "no pager"
	more=$(x_last_line)
	X_TIMEOUT=300 x_poll x_tail_no_clock_is "" \
	    "Broadcast Message from root@R1" \
	    "        (no tty) at HH:MM UTC..." "" \
	    "Commit was not confirmed; automatic rollback complete." "" \
	    "$more" || x_fail "no broadcast in the pager"
	x_key Space # the pager goes on
	x_poll x_has_line "        address A50 10.0.0.50/32;" ||
	    x_fail "the pager stopped after the broadcast"
	x_key q
	x_tail "[edit]" "$P"
	# a question: exit with an uncommitted change, while a rollback is due
	x_run "set system domain-name temp2.example"
	x_run "commit confirmed 1"
	x_poll x_has_line "commit complete" || x_fail "no second commit"
	x_run "set system domain-name temp3.example"
	x_run "exit"
	x_tail "The configuration has been changed but not committed" \
	    "Exit with uncommitted changes? [yes,no] (yes)"
	X_TIMEOUT=300 x_poll x_tail_no_clock_is \
	    "Exit with uncommitted changes? [yes,no] (yes)" \
	    "Broadcast Message from root@R1" \
	    "        (no tty) at HH:MM UTC..." "" \
	    "Commit was not confirmed; automatic rollback complete." "" \
	    "Exit with uncommitted changes? [yes,no] (yes)" ||
	    x_fail "no broadcast at the question"
	# the answer typed after the broadcast counts: still configuring
	x_run "no"
	x_tail "Exit with uncommitted changes? [yes,no] (yes) no" "" "[edit]" "$P"
}

case "${1:-}" in
modes|complete|help|errors|edit|commit|pager|load|confirm|broadcast|broadcast_wait)
	"sc_$1"
	echo "ok $1"
	;;
*)
	echo "usage: $0 modes|complete|help|errors|edit|commit|pager|load|confirm|broadcast|broadcast_wait" >&2
	exit 2
	;;
esac
