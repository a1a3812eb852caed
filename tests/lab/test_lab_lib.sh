#!/bin/bash
# The lab library's own promises (lib.sh), which the interop and bench tests
# rely on:
# 1. lab_cleanup removes exactly what a run created: a child run makes two
#    namespaces, a link, a charon and a sleeper, and exits (normally, and
#    killed by TERM); afterwards none of its namespaces or PIDs is left,
#    and a namespace of another run (this one's) is untouched.
# 2. The qsafe helpers: qs_start starts an appliance in a lab namespace,
#    qs_load commits a set file (the address reaches the Linux interface),
#    qs_load refuses a file that does not load, and cleanup stops mgd.
#
# usage: test_lab_lib.sh   (root; else exit 77: skipped; QSAFE_BUILD_DIR)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_init lablib

. "$(dirname "$0")/tap.sh"

# 1. a child run; it reports its LAB prefix and PIDs on fd 3, then waits
# (TERM) or exits
child() { # MODE (exit|term) OUT
	bash -c '
		. "$1/lib.sh"
		lab_init labchild
		A=$(lab_netns a) B=$(lab_netns b) || exit 1
		lab_link "$A" eth0 192.0.2.1/24 "$B" eth0 192.0.2.2/24 || exit 1
		swan_start "$A" "$LAB_DIR/a" || exit 1
		lab_spawn /dev/null ip netns exec "$B" sleep 300
		echo "$LAB $(swan_pid "$LAB_DIR/a") $LAB_PID $LAB_DIR" >"$3"
		[ "$2" = term ] && wait "$LAB_PID"
	' child "$here" "$1" "$2" &
	CHILD=$!
}
# a namespace of another run, with the child's tag in its name
bystander=$(lab_netns labchild-a) || exit 1
for mode in exit term; do
	out=$LAB_DIR/child-$mode
	child $mode "$out"
	if [ $mode = term ]; then
		lab_poll 20 test -s "$out" || bad "$mode: the child run started"
		kill "$CHILD"
	fi
	wait "$CHILD"
	read -r prefix cpid spid cdir <"$out" || { bad "$mode: the child run started"; continue; }
	if ip netns list | grep -q "^$prefix-"; then
		bad "$mode: the child's namespaces are left: $(ip netns list | grep "^$prefix-" | tr '\n' ' ')"
	else
		ok "$mode: the child's namespaces are gone"
	fi
	if kill -0 "$cpid" 2>/dev/null || kill -0 "$spid" 2>/dev/null; then
		bad "$mode: the child's charon ($cpid) or sleeper ($spid) still runs"
	else
		ok "$mode: the child's charon and sleeper are stopped"
	fi
	[ ! -d "$cdir" ] && ok "$mode: its directory is removed" ||
	    bad "$mode: $cdir is left"
done
ip netns list | grep -q "^$bystander\b" && ok "a namespace it did not create is untouched" ||
    bad "the bystander namespace $bystander was removed"

# 2. the qsafe helpers
if [ -z "${QSAFE_BUILD_DIR:-}" ] || [ ! -x "$QSAFE_BUILD_DIR/mgd/mgd" ]; then
	bad "QSAFE_BUILD_DIR does not name a build with mgd"
else
	export QSAFE_BUILD_DIR
	A=$(lab_netns qa) P=$(lab_netns peer)
	lab_link "$A" ge-0-0-0 - "$P" eth0 192.0.2.2/24
	D=$LAB_DIR/qa
	if qs_start "$A" "$D"; then
		ok "qs_start: the appliance runs in $A"
		echo 'set interfaces ge-0/0/0 unit 0 family inet address 192.0.2.1/24' >"$LAB_DIR/good.set"
		qs_load "$D" "$LAB_DIR/good.set" && ok "qs_load: commits" ||
		    bad "qs_load: a good file did not commit"
		lab_poll 5 eval "ip -n '$A' -4 addr show ge-0-0-0 | grep -q 192.0.2.1/24" &&
		    ok "qs_load: the address is on ge-0-0-0" ||
		    bad "qs_load: no address on ge-0-0-0"
		qs_cli "$D" "show configuration | display set" |
		    grep -q "^set interfaces ge-0/0/0 unit 0 family inet address 192.0.2.1/24" &&
		    ok "qs_cli: shows it" || bad "qs_cli: not in display set"
		echo 'set interfaces ge-0/0/0 unit 0 family inet address bogus' >"$LAB_DIR/bad.set"
		qs_load "$D" "$LAB_DIR/bad.set" 2>/dev/null && bad "qs_load: a bad file committed" ||
		    ok "qs_load: a file that does not load fails"
		mgd=$(cat "$D/mgd.pid")
		lab_cleanup
		kill -0 "$mgd" 2>/dev/null && bad "cleanup left mgd $mgd running" ||
		    ok "cleanup stops the appliance"
		ip netns list | grep -q "^$A\b" && bad "cleanup left $A" || ok "cleanup removes $A"
	else
		bad "qs_start"
	fi
fi
lab_cleanup
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
