#!/bin/bash
# qkd_lab.sh: `./qsafe lab` — the two-gateway QKD example (example 2 of
# examples/README.md) left running for a person to look at.
#
#   qkd_lab.sh start DIR   SRX-A and SRX-B (appliances in namespaces of
#                          their own), KME-A and KME-B (kme-sim, its
#                          certificates from mkcerts.sh), a host behind each
#                          gateway, wired with veth links; the set files
#                          ex2-qkd-srx-{a,b}.set committed through the cli;
#                          then it waits for the IKE SA on SRX-A, at most
#                          QSAFE_LAB_WAIT seconds (default 20)
#   qkd_lab.sh stop DIR    removes exactly what start created
#   qkd_lab.sh status DIR  what runs, 0 when the lab is up
#
# Everything start creates is written down in DIR as it is made (lib.sh's
# .netns, .pids, .defer: namespaces, kme-sim's PID, the appliances to
# stop); stop undoes that list and removes DIR, and a start that fails
# half-way undoes what it had made.  Namespaces are qkdlab-<name>:
# qkdlab-srx-a, qkdlab-srx-b, qkdlab-host-a, qkdlab-host-b, qkdlab-core
# (QSAFE_LAB_NAME replaces qkdlab).  Needs root.  ./qsafe passes
# QSAFE_BUILD_DIR (its build).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/examples.sh"

LAB=${QSAFE_LAB_NAME:-qkdlab}	# the namespaces' prefix (tests give theirs)

usage() {
	echo "usage: qkd_lab.sh start|stop|status DIR" >&2
	exit 2
}

# lab_open DIR: lib.sh's state for the lab in DIR (instead of lab_init's
# temporary directory and EXIT trap: this lab outlives the script).
lab_open() {
	LAB_DIR=$1
	LAB_OWNER=$BASHPID
}

# The kme-sim PIDs still recorded are checked before stop kills them: a
# PID that is no longer kme-sim (the lab died, the PID was reused) is
# dropped from the list, not killed.
lab_forget_strangers() {
	local pid keep=""
	[ -f "$LAB_DIR/.pids" ] || return 0
	while read -r pid; do
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kme-sim' &&
		    keep="$keep$pid
"
	done <"$LAB_DIR/.pids"
	printf '%s' "$keep" >"$LAB_DIR/.pids"
}

lab_running() {
	[ -f "$LAB_DIR/.netns" ] || return 1
	"$LAB_TOP/qsafe" cli --state-dir "$LAB_DIR/srx-a" -c "show system commit" \
	    >/dev/null 2>&1
}

lab_stop() {
	local dir=$LAB_DIR
	[ -d "$dir" ] && [ -f "$dir/.netns" ] ||
	    { lab_say "no lab in $dir"; return 0; }
	lab_forget_strangers
	lab_cleanup
	lab_open "$dir"		# lab_cleanup forgot it
	lab_say "stopped; removed $dir"
}

ike_up() {
	qs_cli "$LAB_DIR/srx-a" "show security ike security-associations" \
	    2>/dev/null | grep -qE '^[0-9]+ +UP '
}

lab_start() {
	local wait=${QSAFE_LAB_WAIT:-20}
	if lab_running; then
		lab_say "already running in $LAB_DIR"
		return 0
	fi
	[ -f "$LAB_DIR/.netns" ] && lab_stop	# what a dead lab left
	mkdir -p "$LAB_DIR" && chmod 700 "$LAB_DIR" || return 1
	: >"$LAB_DIR/.netns"
	: >"$LAB_DIR/.pids"
	: >"$LAB_DIR/.defer"
	# A start that fails or is interrupted removes what it made.
	trap lab_cleanup EXIT
	trap 'exit 130' INT TERM
	lab_say "building example 2: SRX-A, SRX-B, KME-A, KME-B, host-a, host-b"
	ex_build 2 || { lab_say "start failed; removing what it made"; exit 1; }
	trap - EXIT INT TERM
	for g in $EX_GWS; do
		lab_poll 15 ex_km_active "$g" ||
		    lab_say "$g: key-manager profile km_profile_1 not Active yet"
	done
	cat >"$LAB_DIR/lab.info" <<EOF
SRX-A   cli: ./qsafe cli --state-dir $LAB_DIR/srx-a   namespace $(ex_var EX_NS srx-a)
SRX-B   cli: ./qsafe cli --state-dir $LAB_DIR/srx-b   namespace $(ex_var EX_NS srx-b)
host-a  192.0.2.10   ip netns exec $(ex_var EX_HOSTNS srx-a) ping 192.0.2.138
host-b  192.0.2.138  ip netns exec $(ex_var EX_HOSTNS srx-b) ping 192.0.2.10
KME-A   https://$EX_KME_A   KME-B https://$EX_KME_B   (kme-sim in $EX_CORE, log $LAB_DIR/kme-sim.log)
EOF
	cat "$LAB_DIR/lab.info" >&2
	if lab_poll "$wait" ike_up; then
		lab_say "tunnel up: SRX-A's IKE SA is UP"
	else
		lab_say "tunnel not up yet (no IKE SA on SRX-A after ${wait} s)"
	fi
	return 0
}

[ $# -eq 2 ] || usage
[ "$(id -u)" = 0 ] || { lab_say "the lab needs root (network namespaces)"; exit 1; }
lab_open "$(realpath -m "$2")"
case $1 in
start) lab_start ;;
stop) lab_stop ;;
status)
	if lab_running; then
		cat "$LAB_DIR/lab.info"
		ike_up && echo "tunnel: up" || echo "tunnel: not up yet"
	else
		echo "no lab running in $LAB_DIR"
		exit 1
	fi
	;;
*) usage ;;
esac
