#!/bin/bash
# `./qsafe lab` and `./qsafe lab stop` as a person runs them (the cli that
# `lab` opens reads an empty stdin and ends), with the lab's directory and
# namespace prefix of this test's own (QSAFE_LAB_DIR, QSAFE_LAB_NAME):
#
# 1. lab starts example 2, says where things are, and that the tunnel is
#    up (IKE SA UP on SRX-A, a QKD key as the PPK);
# 2. what it made runs: SRX-A's and SRX-B's appliances with their set files
#    committed (host names, key-manager profiles Active through KME-A and
#    KME-B), the hosts reach their gateways, `lab status` answers;
# 3. a second `lab` finds it running and starts nothing more;
# 4. lab stop removes exactly that: its namespaces, kme-sim, the
#    appliances (their processes), its directory; a namespace with the
#    same prefix that the lab did not make stays; a second stop is harmless.
#
# usage: test_qsafe_lab.sh   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
: "${QSAFE_TOP:?}" "${QSAFE_BUILD_DIR:?}"
export QSAFE_BUILD_DIR
export QSAFE_LAB_NAME=qkdt$$
T=$(mktemp -d "${TMPDIR:-/tmp}/qkd-lab-test.XXXXXX")
export QSAFE_LAB_DIR=$T/lab
# the tunnel's deadline: polled, so only a tunnel that never comes costs
# it; 2 s failed under load (ASan, the shared machine at load 15)
export QSAFE_LAB_WAIT=20
DECOY=$QSAFE_LAB_NAME-decoy
. "$(dirname "$0")/tap.sh"
qs() { "$QSAFE_TOP/qsafe" "$@"; }
cli() { qs cli --state-dir "$QSAFE_LAB_DIR/$1" -c "$2" 2>&1; }
ours() { ip netns list | awk '{print $1}' | grep "^$QSAFE_LAB_NAME-"; }

cleanup() {
	qs lab stop >/dev/null 2>&1
	ip netns del "$DECOY" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$DECOY" || { echo "SKIP: cannot create namespaces"; exit 77; }

qs lab </dev/null >"$T/start.out" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "lab starts (exit 0)" || { cat "$T/start.out"; bad "lab exit $rc"; }
grep -q "tunnel up: SRX-A's IKE SA is UP" "$T/start.out" &&
    ok "the tunnel is up when the CLI opens" ||
    bad "no 'tunnel up' in: $(cat "$T/start.out")"
grep -q "SRX-A's CLI" "$T/start.out" && ok "it opens SRX-A's CLI" || bad "no CLI opened"
n=$(ours | grep -vc -- "-decoy$")
[ "$n" -eq 5 ] && ok "five namespaces: $(ours | grep -v -- -decoy$ | tr '\n' ' ')" ||
    bad "namespaces: $(ours | tr '\n' ' ')"
for g in srx-a srx-b; do
	want=$(echo "$g" | tr a-z A-Z)
	h=$(cli "$g" "show configuration system host-name")
	echo "$h" | grep -q "host-name $want;" && ok "$g: its set file committed ($h)" ||
	    bad "$g: host-name: $h"
	cli "$g" "show security key-manager profiles" | grep -q '^km_profile_1 .* Active ' &&
	    ok "$g: km_profile_1 Active" || bad "$g: $(cli "$g" 'show security key-manager profiles')"
done
ip netns exec "$QSAFE_LAB_NAME-host-a" ping -c 1 -W 2 192.0.2.1 >/dev/null 2>&1 &&
    ok "host-a reaches SRX-A" || bad "host-a does not reach SRX-A"
ip netns exec "$QSAFE_LAB_NAME-host-b" ping -c 1 -W 2 192.0.2.129 >/dev/null 2>&1 &&
    ok "host-b reaches SRX-B" || bad "host-b does not reach SRX-B"
qs lab status >"$T/status.out" 2>&1 && grep -q "tunnel: up" "$T/status.out" &&
    ok "lab status" || bad "status: $(cat "$T/status.out")"

# the processes it made: kme-sim, the two mgd and their daemons
pids=$(cat "$QSAFE_LAB_DIR/.pids" "$QSAFE_LAB_DIR"/srx-?/mgd.pid 2>/dev/null)
kids=""
for p in $(cat "$QSAFE_LAB_DIR"/srx-?/mgd.pid); do
	kids="$kids $(ps -o pid= --ppid "$p")"
done
[ "$(echo $pids $kids | wc -w)" -ge 9 ] && ok "kme-sim, 2 mgd and their daemons: $(echo $pids $kids)" ||
    bad "processes: $pids / $kids"

qs lab </dev/null >"$T/again.out" 2>&1
grep -q "already running" "$T/again.out" && [ "$(ours | grep -vc -- -decoy$)" -eq 5 ] &&
    ok "a second lab finds it running" || bad "second lab: $(cat "$T/again.out")"

qs lab stop >"$T/stop.out" 2>&1 && ok "lab stop (exit 0)" || bad "stop: $(cat "$T/stop.out")"
[ -z "$(ours | grep -v -- -decoy$)" ] && ok "its namespaces are gone" ||
    bad "left: $(ours | tr '\n' ' ')"
ip netns list | grep -qw "$DECOY" && ok "a namespace it did not make stays" ||
    bad "stop removed $DECOY"
left=""
for p in $pids $kids; do
	kill -0 "$p" 2>/dev/null && left="$left $p"
done
[ -z "$left" ] && ok "its processes are gone" || bad "still running:$left"
[ ! -e "$QSAFE_LAB_DIR" ] && ok "its directory is gone" || bad "$QSAFE_LAB_DIR left"
qs lab stop >/dev/null 2>&1 && ok "a second stop is harmless" || bad "second stop failed"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
