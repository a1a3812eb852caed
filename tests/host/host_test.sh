#!/bin/bash
# hostd end to end, in network namespaces this test creates and removes:
#
#   L (198.51.100.2) --- ge-0-0-0 [ A: the appliance ] ge-0-0-1 --- R (203.0.113.2)
#                  198.51.100.1/24                 203.0.113.1/24
#
# mgd runs inside A (ip netns exec) with a temporary state dir and starts
# hostd itself.  Checks: committed addresses and routes are in A
# (`ip -n A`), an interface missing in A passes the check, ping
# L -> R passes through A only when a policy permits it, UDP 500 to A is
# dropped (counted on the named counter of its zone) on a zone
# without `ike` and passes with it (and the datagram arrives), the show
# commands match golden/, a
# rollback removes what the commits added and re-adds what they removed,
# apply touches only the difference (ip monitor), policy order, reject,
# default-policy permit-all, an interface in no zone, refusals at check,
# hit counts across ruleset replacements (a global policy's too), `show
# security policies policy-name`, ping count and the host name
# (in the appliance's own UTS namespace).  IPv6 is disabled in the
# namespaces so outputs are stable.
# No packet leaves these namespaces.
#
# usage: host_test.sh MGD CLI GOLDEN_DIR        (root; else exit 77: skipped)
set -u
MGD=$1
CLI=$2
GOLDEN=$3

. "$(dirname "$0")/lib.sh"	# host_need, host_lab, host_mgd_start, cli
host_need ip nft ping unshare nsenter
host_lab qsafe-t
host_mgd_start

# Runs show command $1 and compares with golden file $2.  What differs
# from run to run reads as a placeholder: route ages (the test takes less
# than an hour) MM:SS, interface indexes N, packet counts P, MACs M.
golden() {
	local out
	out=$("$CLI" --state-dir "$D" -c "$1" 2>&1 | sed -E \
		-e 's/^([0-9a-f.:/]+ +\*\[[A-Za-z]+\/[0-9]+\]) [0-5][0-9]:[0-5][0-9]$/\1 MM:SS/' \
		-e 's/(Index|index:|ifIndex:?) [0-9]+/\1 N/g' \
		-e 's/(put packets ?:) [0-9]+$/\1 P/' \
		-e 's/([0-9a-f]{2}:){5}[0-9a-f]{2}/M/g')
	if [ -n "${QSAFE_GOLDEN_UPDATE:-}" ]; then
		printf '%s\n' "$out" >"$GOLDEN/$2"
	fi
	if [ "$out" = "$(cat "$GOLDEN/$2")" ]; then
		ok "$1 matches golden/$2"
	else
		bad "$1 differs from golden/$2"
		diff <(printf '%s\n' "$out") "$GOLDEN/$2"
	fi
}

ping_lr() { ip netns exec $L ping -n -c 1 -W 1 203.0.113.2 >/dev/null 2>&1; }
# the drops counted on the named counter (zd_<zone>, id_<device>) that
# ends the host-inbound chain device $1 jumps to from the map zone_in
counter() {
	local c
	c=$(ip netns exec $A nft list map inet "$(table)" zone_in 2>/dev/null |
		grep -o "\"$1\" : jump [a-z0-9_]*" | awk '{print $4}')
	c=$([ -n "$c" ] && ip netns exec $A nft list chain inet "$(table)" "$c" |
		grep -o 'counter name "[a-z0-9_]*" drop' | cut -d'"' -f2)
	[ -n "$c" ] && ip netns exec $A nft list counter inet "$(table)" "$c" |
		grep -o "packets [0-9]*" | awk '{print $2}'
}
udp500() {
	ip netns exec $R bash -c 'echo ike >/dev/udp/203.0.113.1/500' 2>/dev/null
}
# dropped_since N: ge-0-0-1's drop count has passed N
dropped_since() { [ "$(counter ge-0-0-1)" -gt "${1:-0}" ]; }
# R pings A's 203.0.113.1 (untrust has system-services ping): sent after
# the datagram on the same link, its answer means A has taken that in
pinged_a() { ip netns exec $R ping -n -c 1 -W 1 203.0.113.1 >/dev/null 2>&1; }

# 1. addresses and a static route, then two zones without policies
cli <<'SET' >"$D/out1" 2>&1
configure
set system host-name qsafe-test
set interfaces ge-0/0/0 unit 0 family inet address 198.51.100.1/24
set interfaces ge-0/0/1 unit 0 family inet address 203.0.113.1/24
set routing-options static route 10.20.0.0/16 next-hop 203.0.113.2
set routing-options static route 10.30.0.0/16 discard
commit
SET
grep -q "commit complete" "$D/out1" && ok "commit addresses, routes" ||
	{ bad "commit addresses, routes"; cat "$D/out1"; }

# A connection of the appliance's own, open across the first zones'
# commit (as keymgr's to its KME): R's server has taken A's request and
# acknowledged it at once (TCP_QUICKACK), so A sends nothing more; R
# answers once the zones are in (file go), and A must get the answer
# through host-inbound-traffic ping only (ct state established).
ip netns exec $R python3 -c '
import os, socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("203.0.113.2", 4433)); s.listen(1)
open(sys.argv[1] + "/listening", "w").close()
s.settimeout(20); c, _ = s.accept()
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
c.recv(16)
open(sys.argv[1] + "/asked", "w").close()
t = time.time() + 20
while not os.path.exists(sys.argv[1] + "/go") and time.time() < t:
	time.sleep(0.05)
c.sendall(b"answer\n")
' "$D" 2>/dev/null &
srv=$!
lab_poll 10 test -e "$D/listening"
ip netns exec $A python3 -c '
import socket, sys
s = socket.create_connection(("203.0.113.2", 4433), timeout=5)
s.sendall(b"request\n"); s.settimeout(20)
try:
	print(s.recv(16).decode().strip())
except OSError as e:
	print(e)
' >"$D/answer" 2>&1 &
cln=$!
lab_poll 10 test -e "$D/asked" || bad "R's server did not get A's request"

cli <<'SET' >"$D/out1z" 2>&1
configure
set security zones security-zone trust interfaces ge-0/0/0.0 host-inbound-traffic system-services ping
set security zones security-zone untrust interfaces ge-0/0/1.0 host-inbound-traffic system-services ping
commit
SET
grep -q "commit complete" "$D/out1z" && ok "commit zones" ||
	{ bad "commit zones"; cat "$D/out1z"; }
touch "$D/go"
lab_poll 5 grep -q . "$D/answer"
[ "$(cat "$D/answer")" = answer ] &&
	ok "A's connection opened before the first zones gets its answer after them" ||
	bad "A's connection opened before the zones: '$(cat "$D/answer")'"
kill "$srv" "$cln" 2>/dev/null
wait "$srv" "$cln" 2>/dev/null
ip -n $A -4 addr show dev ge-0-0-0 | grep -q "inet 198.51.100.1/24" &&
	ok "address on ge-0-0-0" || bad "address on ge-0-0-0"
ip -n $A -4 addr show dev ge-0-0-1 | grep -q "inet 203.0.113.1/24" &&
	ok "address on ge-0-0-1" || bad "address on ge-0-0-1"
ip -n $A route | grep -q "10.20.0.0/16 via 203.0.113.2 dev ge-0-0-1 proto static" &&
	ok "static route" || bad "static route"
ip -n $A route show type blackhole | grep -q "10.30.0.0/16" &&
	ok "discard route" || bad "discard route"
MACHINE_NAME=$(hostname)
appliance_name() { nsenter -t "$(cat "$D/mgd.pid")" --uts hostname; }
[ "$(hostname)" = "$MACHINE_NAME" ] && [ "$(appliance_name)" = qsafe-test ] &&
	ok "host name set in the appliance's UTS namespace only" ||
	bad "host name: machine $(hostname), appliance $(appliance_name)"

# 2. no policy: A does not forward; the appliance itself answers ping
ping_lr && bad "ping L->R passes without a policy" || ok "ping L->R dropped without a policy"
ip netns exec $L ping -n -c 1 -W 1 198.51.100.1 >/dev/null 2>&1 &&
	ok "ping to the appliance (system-services ping)" || bad "ping to the appliance"

# 3. UDP 500 to a zone without ike is dropped
before=$(counter ge-0-0-1)
udp500
lab_poll 5 dropped_since "$before"
after=$(counter ge-0-0-1)
[ "${after:-0}" -gt "${before:-0}" ] && ok "IKE dropped without system-services ike" ||
	bad "IKE not dropped without ike ($before -> $after)"

# 4. an interface that is not there passes the check, as on Junos (it
# waits for its device: absent_test.sh)
cli <<'SET' >"$D/out4" 2>&1
configure
set interfaces ge-0/0/5 unit 0 family inet address 10.5.0.1/24
commit check
rollback 0
SET
grep -q "configuration check succeeds" "$D/out4" && ok "absent interface passes the check" ||
	{ bad "absent interface passes the check"; cat "$D/out4"; }

# an IPv6 range-address is refused where it is typed (Junos: ipv4addr only)
printf 'configure\nset security address-book global address r6 range-address 2001:db8::1 to 2001:db8::9\n' |
	cli 2>&1 | grep -q "^invalid ip address: '2001:db8::1'" &&
	ok "IPv6 range-address refused" || bad "IPv6 range-address not refused"
# a range that ends before it starts: hostd refuses it at check (the
# whole table is not dry-run in the kernel, which would refuse it at load)
cli <<'SET' >"$D/out4r" 2>&1
configure
set security address-book global address rr range-address 10.7.0.9 to 10.7.0.1
set security zones security-zone trust interfaces ge-0/0/0.0
set security policies from-zone trust to-zone trust policy rr match source-address rr
set security policies from-zone trust to-zone trust policy rr then permit
commit check
rollback 0
SET
grep -q "range-address 10.7.0.9 to range-high 10.7.0.1 ends before it starts" "$D/out4r" &&
	ok "a reversed range-address refused at check" ||
	{ bad "a reversed range-address not refused"; cat "$D/out4r"; }

# 5. a policy trust -> untrust permits ping; ike on untrust
cli <<'SET' >"$D/out5" 2>&1
configure
set security address-book global address left-net 198.51.100.0/24
set security policies from-zone trust to-zone untrust policy t2u match source-address left-net
set security policies from-zone trust to-zone untrust policy t2u match destination-address any
set security policies from-zone trust to-zone untrust policy t2u match application junos-icmp-all
set security policies from-zone trust to-zone untrust policy t2u then permit
set security policies from-zone untrust to-zone trust policy u2t match source-address any
set security policies from-zone untrust to-zone trust policy u2t match destination-address any
set security policies from-zone untrust to-zone trust policy u2t match application any
set security policies from-zone untrust to-zone trust policy u2t then deny
set security zones security-zone untrust interfaces ge-0/0/1.0 host-inbound-traffic system-services ike
set interfaces ge-0/0/0 unit 0 family inet address 198.51.100.3/24
set routing-options static route 10.40.0.0/16 next-hop 198.51.100.2
commit
SET
grep -q "commit complete" "$D/out5" && ok "commit policies" ||
	{ bad "commit policies"; cat "$D/out5"; }
ping_lr && ok "ping L->R passes with policy t2u" || bad "ping L->R with policy t2u"
ip netns exec $R ping -n -c 1 -W 1 198.51.100.2 >/dev/null 2>&1 &&
	bad "ping R->L passes despite u2t deny" || ok "ping R->L denied by u2t"
before=$(counter ge-0-0-1)
udp500
pinged_a || bad "no ping to the appliance after the IKE datagram"
after=$(counter ge-0-0-1)
[ "${after:-0}" -eq "${before:-0}" ] && ok "IKE accepted with system-services ike" ||
	bad "IKE dropped with ike ($before -> $after)"
"$CLI" --state-dir "$D" -c "show security policies hit-count" |
	awk '$4 == "t2u" && $5 >= 1 {f=1} END {exit !f}' &&
	ok "hit count of t2u" || bad "hit count of t2u"
out=$("$CLI" --state-dir "$D" -c "show security policies hit-count | display xml")
printf '%s\n' "$out" | grep -q "^ *<name>t2u</name>" &&
	printf '%s\n' "$out" | grep -Eq "^ *<hits>[1-9][0-9]*</hits>" &&
	ok "hit counts | display xml: a policy's name and hits as elements" ||
	{ bad "hit counts | display xml"; printf '%s\n' "$out"; }

# 6. output shapes
golden "show interfaces terse" interfaces-terse.out
golden "show interfaces ge-0/0/1.0 terse" interfaces-terse-unit.out
golden "show interfaces" interfaces.out
golden "show interfaces ge-0/0/0" interfaces-physical.out
golden "show interfaces ge-0/0/1.0" interfaces-unit.out
golden "show route" route.out
golden "show route 10.20.1.1" route-lookup.out
golden "show route 198.51.100.3" route-lookup-longest.out
golden "show security zones" zones.out
golden "show security zones detail" zones-detail.out
golden "show security zones untrust" zones-untrust.out
golden "show security zones junos-host" zones-junos-host.out
golden "show security policies" policies.out
golden "show security policies from-zone untrust to-zone trust detail" policies-detail.out
out=$("$CLI" --state-dir "$D" -c "ping 203.0.113.2 count 3 rapid")
printf '%s\n' "$out" | sed -n 2p | grep -qx '!!!' &&
	printf '%s\n' "$out" | grep -q "^3 packets transmitted, 3 packets received, 0% packet loss" &&
	ok "ping rapid" || { bad "ping rapid"; printf '%s\n' "$out"; }
out=$("$CLI" --state-dir "$D" -c "ping 198.51.100.2 count 2 source 198.51.100.1")
printf '%s\n' "$out" | head -1 | grep -qx "PING 198.51.100.2 (198.51.100.2): 56 data bytes" &&
	printf '%s\n' "$out" | grep -q "^64 bytes from 198.51.100.2: icmp_seq=1 ttl=64 time=" &&
	ok "ping" || { bad "ping"; printf '%s\n' "$out"; }
# 10.20.1.1 goes to R, which does not forward: no reply, and count 2 is 2
out=$("$CLI" --state-dir "$D" -c "ping 10.20.1.1 count 2" 2>&1)
printf '%s\n' "$out" | grep -q "^2 packets transmitted, 0 packets received, 100% packet loss" &&
	ok "ping count 2 without replies sends 2" || { bad "ping count 2 without replies"; printf '%s\n' "$out"; }
out=$("$CLI" --state-dir "$D" -c "ping 203.0.113.2 count 9" 2>&1)
[ "$out" = "error: count 9: ping must end within 8 seconds; use count 1 to 8, or rapid" ] &&
	ok "ping count 9 refused" || { bad "ping count 9 refused"; printf '%s\n' "$out"; }
out=$("$CLI" --state-dir "$D" -c "ping 203.0.113.2 count 1000 rapid" 2>&1)
printf '%s\n' "$out" | grep -q "^1000 packets transmitted, 1000 packets received" &&
	ok "ping count 1000 rapid within the reply time" || { bad "ping count 1000 rapid"; printf '%s\n' "$out" | tail -3; }
if command -v traceroute >/dev/null; then
	out=$("$CLI" --state-dir "$D" -c "traceroute 203.0.113.2")
	printf '%s\n' "$out" | head -1 | grep -qx "traceroute to 203.0.113.2 (203.0.113.2), 30 hops max, 40 byte packets" &&
		printf '%s\n' "$out" | grep -q "^ 1  203.0.113.2 (203.0.113.2)  .* ms" &&
		ok "traceroute" || { bad "traceroute"; printf '%s\n' "$out"; }
fi

# 7. rollback 1: the second commit's address, route and policies are gone
cli <<'SET' >"$D/out7" 2>&1
configure
rollback 1
commit
SET
grep -q "commit complete" "$D/out7" && ok "commit rollback 1" ||
	{ bad "commit rollback 1"; cat "$D/out7"; }
ip -n $A -4 addr show dev ge-0-0-0 | grep -q "inet 198.51.100.3/" &&
	bad "198.51.100.3 still there after rollback" || ok "198.51.100.3 gone after rollback"
ip -n $A -4 addr show dev ge-0-0-0 | grep -q "inet 198.51.100.1/24" &&
	ok "198.51.100.1 kept after rollback" || bad "198.51.100.1 lost by rollback"
ip -n $A route | grep -q "10.40.0.0/16" &&
	bad "route 10.40/16 still there after rollback" || ok "route 10.40/16 gone after rollback"
ip -n $A route | grep -q "10.20.0.0/16" &&
	ok "route 10.20/16 kept after rollback" || bad "route 10.20/16 lost by rollback"
ping_lr && bad "ping L->R passes after rollback" || ok "ping L->R dropped after rollback"

# 8. deleting everything removes what hostd added
cli <<'SET' >"$D/out8" 2>&1
configure
delete interfaces
delete routing-options
delete security
commit
SET
grep -q "commit complete" "$D/out8" && ok "commit deletion" ||
	{ bad "commit deletion"; cat "$D/out8"; }
ip -n $A -4 addr show | grep -q "inet 198\|inet 203" &&
	bad "addresses still there after deletion" || ok "addresses gone after deletion"
ip -n $A route | grep -q "proto static" &&
	bad "static routes still there after deletion" || ok "static routes gone after deletion"
ip -n $A route show type blackhole | grep -q "10.30.0.0/16" &&
	bad "discard route still there after deletion" || ok "discard route gone after deletion"

# 9. policy order, reject, hit counts kept across ruleset replacements
hits() {
	"$CLI" --state-dir "$D" -c "show security policies hit-count" |
		awk -v n="$1" '$4 == n {print $5}'
}
tcp_to() { # host port: prints refused, open or timeout
	local e
	e=$(ip netns exec "$1" timeout 3 bash -c "exec 3<>/dev/tcp/$2/$3" 2>&1)
	case $? in
	0) echo open ;;
	124) echo timeout ;;
	*) case $e in *refused*) echo refused ;; *) echo "$e" ;; esac ;;
	esac
}
cli <<'SET' >"$D/out9" 2>&1
configure
set interfaces ge-0/0/0 unit 0 family inet address 198.51.100.1/24
set interfaces ge-0/0/1 unit 0 family inet address 203.0.113.1/24
set security zones security-zone trust interfaces ge-0/0/0.0
set security zones security-zone untrust interfaces ge-0/0/1.0
set security policies from-zone trust to-zone untrust policy no-icmp match source-address any
set security policies from-zone trust to-zone untrust policy no-icmp match destination-address any
set security policies from-zone trust to-zone untrust policy no-icmp match application junos-icmp-all
set security policies from-zone trust to-zone untrust policy no-icmp then deny
set security policies from-zone trust to-zone untrust policy all match source-address any
set security policies from-zone trust to-zone untrust policy all match destination-address any
set security policies from-zone trust to-zone untrust policy all match application any
set security policies from-zone trust to-zone untrust policy all then permit
set security policies from-zone untrust to-zone trust policy rej match source-address any
set security policies from-zone untrust to-zone trust policy rej match destination-address any
set security policies from-zone untrust to-zone trust policy rej match application any
set security policies from-zone untrust to-zone trust policy rej then reject
commit
SET
grep -q "commit complete" "$D/out9" && ok "commit deny before permit, reject" ||
	{ bad "commit deny before permit, reject"; cat "$D/out9"; }
ping_lr && bad "ping L->R passes: permit before deny?" ||
	ok "ping L->R denied by the earlier policy no-icmp"
[ "$(tcp_to $L 203.0.113.2 9)" = refused ] &&
	ok "TCP L->R permitted by the later policy all" || bad "TCP L->R not permitted"
ping_lr
n_deny=$(hits no-icmp) n_all=$(hits all)
[ "${n_deny:-0}" -ge 2 ] && [ "${n_all:-0}" -ge 1 ] &&
	ok "hit counts of no-icmp ($n_deny) and all ($n_all)" ||
	bad "hit counts of no-icmp ($n_deny) and all ($n_all)"
out=$(ip netns exec $R ping -n -c 1 -W 1 198.51.100.2 2>&1)
case $out in
*" 0 received"*Unreachable* | *Unreachable*" 0 received"*) bad "reject answered ICMP: $out" ;;
*" 0 received"*) ok "reject drops ICMP silently" ;;
*) bad "ping R->L through reject: $out" ;;
esac
n_rej=$(hits rej)
[ "$(tcp_to $R 198.51.100.2 22)" = refused ] && ok "reject answers TCP with a reset" ||
	bad "reject does not reset TCP"
[ "$(hits rej)" -gt "${n_rej:-0}" ] && ok "the reset came from policy rej" ||
	bad "policy rej did not count the TCP flow"
if command -v python3 >/dev/null; then
	ip netns exec $R python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect(("198.51.100.2", 9))
s.send(b"x")
try:
    s.recv(1)
except ConnectionRefusedError:
    sys.exit(0)
except OSError:
    sys.exit(1)
sys.exit(1)' && ok "reject answers UDP with ICMP port unreachable" ||
		bad "reject does not answer UDP with port unreachable"
fi
# reorder (both policies change index) and touch a zone: counts stay
cli <<'SET' >"$D/out9b" 2>&1
configure
insert security policies from-zone trust to-zone untrust policy all before policy no-icmp
set security zones security-zone trust host-inbound-traffic system-services ping
commit
SET
grep -q "commit complete" "$D/out9b" && ok "commit reorder" ||
	{ bad "commit reorder"; cat "$D/out9b"; }
[ "$(hits no-icmp)" = "$n_deny" ] && [ "$(hits all)" = "$n_all" ] &&
	ok "hit counts kept across the ruleset replacement" ||
	bad "hit counts not kept: no-icmp $n_deny -> $(hits no-icmp), all $n_all -> $(hits all)"
ping_lr && ok "ping L->R passes once permit comes first" ||
	bad "ping L->R after the reorder"
# hostd killed: mgd restarts it, and the counts of the table in force
# (the kernel keeps it) are carried into the ruleset it loads again
n_deny=$(hits no-icmp) n_all=$(hits all)
n_drop=$(counter ge-0-0-1)
udp500 # untrust has no ike: a drop counted on ge-0-0-1's element
lab_poll 5 dropped_since "$n_drop"
n_drop=$(counter ge-0-0-1)
hpid=$(ps -o pid= -o comm= --ppid "$(cat "$D/mgd.pid")" | awk '$2=="hostd"{print $1}')
loads=$(grep -c "nftables ruleset loaded" "$D/hostd.log")
if [ -n "$hpid" ]; then
	kill -9 "$hpid"
	for _ in $(seq 100); do
		[ "$(grep -c "nftables ruleset loaded" "$D/hostd.log")" -gt "$loads" ] && break
		sleep 0.1
	done
	[ "$(grep -c "nftables ruleset loaded" "$D/hostd.log")" -gt "$loads" ] &&
		ok "hostd restarted and loaded its ruleset again" ||
		bad "hostd did not load its ruleset after the restart"
	[ "$(hits no-icmp)" = "$n_deny" ] && [ "$(hits all)" = "$n_all" ] &&
		ok "hit counts kept across a restart of hostd ($n_deny, $n_all)" ||
		bad "hit counts after a restart of hostd: no-icmp $n_deny -> $(hits no-icmp), all $n_all -> $(hits all)"
	[ "${n_drop:-0}" -gt 0 ] && [ "$(counter ge-0-0-1)" = "$n_drop" ] &&
		ok "drops counted on the zone chain kept across a restart of hostd ($n_drop)" ||
		bad "the drop count of ge-0-0-1's zone after a restart of hostd: $n_drop -> $(counter ge-0-0-1)"
else
	bad "no hostd child of mgd"
fi
# a one-line change to untrust's services refills its chain: the drops
# are counted on a named counter, which the change keeps
n_drop=$(counter ge-0-0-1)
printf 'configure\nset security zones security-zone untrust host-inbound-traffic system-services ssh\ncommit\n' |
	cli >"$D/out9s" 2>&1
grep -q "commit complete" "$D/out9s" || { bad "commit untrust ssh"; cat "$D/out9s"; }
[ "${n_drop:-0}" -gt 0 ] && [ "$(counter ge-0-0-1)" = "$n_drop" ] &&
	ok "drops counted on the zone chain kept across a change of its services ($n_drop)" ||
	bad "the drop count of ge-0-0-1's zone after a change of its services: $n_drop -> $(counter ge-0-0-1)"
printf 'configure\ndelete security zones security-zone untrust host-inbound-traffic\ncommit\n' |
	cli >"$D/out9s" 2>&1
grep -q "commit complete" "$D/out9s" || { bad "commit untrust without services"; cat "$D/out9s"; }

# a policy's own match changes (its chain is refilled) and an address-book
# address it uses changes: its count stays (counted on its chain's rule
# counters, carried into the new rules), and the rules use the address
# (far2 through a set inside the set; far3, deactivated, not at all)
cli <<'SET' >"$D/out9c" 2>&1
configure
set security address-book global address far 203.0.113.0/28
set security address-book global address far2 203.0.113.64/28
set security address-book global address far3 203.0.113.96/28
set security address-book global address-set farin address far2
set security address-book global address-set farset address far
set security address-book global address-set farset address-set farin
set security address-book global address-set farset address far3
deactivate security address-book global address-set farset address far3
set security policies from-zone trust to-zone untrust policy all match destination-address farset
delete security policies from-zone trust to-zone untrust policy all match destination-address any
commit
SET
grep -q "commit complete" "$D/out9c" && ok "commit a policy's match changed" ||
	{ bad "commit a policy's match changed"; cat "$D/out9c"; }
[ "$(hits all)" = "$n_all" ] && [ "$(hits no-icmp)" = "$n_deny" ] &&
	ok "hit count kept when the policy's own rules change ($n_all)" ||
	bad "hit count not kept: all $n_all -> $(hits all)"
# (the destination of IPv4, bits 128-159 of the network header: the
# bucket's chain tells the family, policy_raw.c)
nft_t=$(table)
ip netns exec $A nft list table inet "$nft_t" | grep -q \
	"@nh,128,32 { 0xcb007100-0xcb00710f, 0xcb007140-0xcb00714f } counter" &&
	ok "the address set is in the policy's rule" ||
	bad "no rule with the address set's addresses"
ip netns exec $A nft list sets table inet "$nft_t" | grep -q "set ab4_" &&
	bad "a named set per address-book entry" ||
	ok "no named set per address-book entry"
ip netns exec $A nft list counters table inet "$nft_t" | grep -q "counter pol_" &&
	bad "a named counter per policy" || ok "no named counter per policy"
[ "$(tcp_to $L 203.0.113.2 9)" = refused ] &&
	ok "TCP L->R to an address of the set permitted" || bad "TCP L->R to farset"
cli <<'SET' >"$D/out9d" 2>&1
configure
set security address-book global address far 203.0.113.128/28
commit
SET
grep -q "commit complete" "$D/out9d" && ok "commit the address moved" ||
	{ bad "commit the address moved"; cat "$D/out9d"; }
[ "$(tcp_to $L 203.0.113.2 9)" = timeout ] &&
	ok "TCP L->R no longer permitted once the address moved" ||
	bad "TCP L->R after the address moved"
[ "$(hits all)" -gt "$n_all" ] &&
	ok "hit count kept and counting when the address moves ($(hits all))" ||
	bad "hit count of all after the address moved: $n_all -> $(hits all)"
cli <<'SET' >"$D/out9e" 2>&1
configure
delete security address-book global address-set farset
delete security address-book global address-set farin
delete security address-book global address far
delete security address-book global address far2
delete security address-book global address far3
delete security policies from-zone trust to-zone untrust policy all match destination-address
set security policies from-zone trust to-zone untrust policy all match destination-address any
commit
SET
grep -q "commit complete" "$D/out9e" && ok "commit the address book away" ||
	{ bad "commit the address book away"; cat "$D/out9e"; }

# a context's policies are in bucket chains named after their first policy
# (hostd/policy.c), each rule tagged with its policy: with all (first
# since the reorder) deactivated, no-icmp's rules move to another chain,
# and its count goes with them (carried by its tag); once all is active
# again, back
chain_of() { # policy tag p_<hash>: the chain holding its rules
	ip netns exec $A nft list table inet "$nft_t" | awk -v t="\"$1\"" '
	    $1 == "chain" { c = $2 } NF > 0 && $NF == t { print c; exit }'
}
tag_deny=$(ip netns exec $A nft list table inet "$nft_t" |
	awk '/l4proto icmp .* drop comment "p_/ { print $NF; exit }' | tr -d '"')
ch_deny=$(chain_of "$tag_deny")
n_deny=$(hits no-icmp)
printf 'configure\ndeactivate security policies from-zone trust to-zone untrust policy all\ncommit\n' |
	cli >"$D/out9f" 2>&1
grep -q "commit complete" "$D/out9f" || { bad "commit all deactivated"; cat "$D/out9f"; }
[ -n "$ch_deny" ] && [ -n "$(chain_of "$tag_deny")" ] &&
	[ "$(chain_of "$tag_deny")" != "$ch_deny" ] &&
	ok "policy no-icmp's rules moved from chain $ch_deny to $(chain_of "$tag_deny")" ||
	bad "policy no-icmp's rules ($tag_deny) did not move: $ch_deny -> $(chain_of "$tag_deny")"
[ "$(hits no-icmp)" = "$n_deny" ] && [ "$n_deny" -gt 0 ] &&
	ok "hit count of no-icmp kept when its rules move to another chain ($n_deny)" ||
	bad "hit count of no-icmp after its rules moved: $n_deny -> $(hits no-icmp)"
ping_lr && bad "ping L->R passes with all deactivated" ||
	ok "ping L->R denied by no-icmp with all deactivated"
[ "$(hits no-icmp)" -gt "$n_deny" ] &&
	ok "no-icmp counts in its new chain ($(hits no-icmp))" ||
	bad "no-icmp no longer counts: $(hits no-icmp)"
n_deny=$(hits no-icmp)
printf 'configure\nactivate security policies from-zone trust to-zone untrust policy all\ncommit\n' |
	cli >"$D/out9g" 2>&1
grep -q "commit complete" "$D/out9g" || { bad "commit all activated"; cat "$D/out9g"; }
[ "$(chain_of "$tag_deny")" = "$ch_deny" ] && [ "$(hits no-icmp)" = "$n_deny" ] &&
	ok "no-icmp back in chain $ch_deny with its count ($n_deny)" ||
	bad "no-icmp after all came back: chain $(chain_of "$tag_deny"), hits $n_deny -> $(hits no-icmp)"
ping_lr && ok "ping L->R passes with all active again" ||
	bad "ping L->R with all active again"

# a global policy counts on its own chain (rules without a tag): with rej
# inactive, TCP R->L reaches global policy g-ssh, and its row under
# junos-global counts it; policy-name shows that one policy
ghits() {
	"$CLI" --state-dir "$D" -c "show security policies hit-count" |
		awk -v n="$1" '$2 == "junos-global" && $4 == n {print $5}'
}
cli <<'SET' >"$D/out9h" 2>&1
configure
deactivate security policies from-zone untrust to-zone trust policy rej
set security policies global policy g-ssh match source-address any
set security policies global policy g-ssh match destination-address any
set security policies global policy g-ssh match application junos-ssh
set security policies global policy g-ssh then permit
commit
SET
grep -q "commit complete" "$D/out9h" && ok "commit global policy g-ssh" ||
	{ bad "commit global policy g-ssh"; cat "$D/out9h"; }
n_g=$(ghits g-ssh)
[ "$(tcp_to $R 198.51.100.2 22)" = refused ] &&
	ok "TCP R->L permitted by global policy g-ssh" || bad "TCP R->L not permitted by g-ssh"
[ "${n_g:-x}" = 0 ] && [ "$(ghits g-ssh)" -ge 1 ] &&
	ok "hit count of global policy g-ssh moves ($n_g -> $(ghits g-ssh))" ||
	bad "hit count of global policy g-ssh: $n_g -> $(ghits g-ssh)"
out=$("$CLI" --state-dir "$D" -c "show security policies policy-name g-ssh")
printf '%s\n' "$out" | grep -q "^Global policies:" &&
	[ "$(printf '%s\n' "$out" | grep -c "Policy: ")" = 1 ] &&
	printf '%s\n' "$out" | grep -q "^  Policy: g-ssh, State: enabled" &&
	ok "policy-name shows the one global policy" ||
	{ bad "policy-name g-ssh"; printf '%s\n' "$out"; }
out=$("$CLI" --state-dir "$D" -c "show security policies policy-name no-icmp detail")
printf '%s\n' "$out" | grep -q "^Policy: no-icmp, action-type: deny" &&
	[ "$(printf '%s\n' "$out" | grep -c "^Policy: ")" = 1 ] &&
	printf '%s\n' "$out" | grep -q "^  From zone: trust, To zone: untrust" &&
	ok "policy-name detail shows the one policy" ||
	{ bad "policy-name no-icmp detail"; printf '%s\n' "$out"; }
cli <<'SET' >"$D/out9i" 2>&1
configure
delete security policies global
activate security policies from-zone untrust to-zone trust policy rej
commit
SET
grep -q "commit complete" "$D/out9i" || { bad "commit g-ssh away"; cat "$D/out9i"; }

# 10. system host-name deleted, rolled back in, rolled back out
hostname_after() { # commands...: commit them, print the appliance's name
	{ echo configure; printf '%s\n' "$@"; echo commit; } | cli >"$D/out10" 2>&1
	grep -q "commit complete" "$D/out10" || cat "$D/out10" >&2
	appliance_name
}
[ "$(hostname_after 'delete system host-name')" = "$MACHINE_NAME" ] &&
	ok "deleted host-name restores the name at start" ||
	bad "deleted host-name leaves $(appliance_name)"
[ "$(hostname_after 'rollback 1')" = qsafe-test ] &&
	ok "rollback restores host-name qsafe-test" ||
	bad "rollback to qsafe-test gives $(appliance_name)"
[ "$(hostname_after 'rollback 1')" = "$MACHINE_NAME" ] &&
	ok "rollback to no host-name restores the name at start" ||
	bad "rollback to no host-name leaves $(appliance_name)"
[ "$(hostname)" = "$MACHINE_NAME" ] && ok "host name of the machine untouched" ||
	bad "host name of the machine changed"

# 11. refused at check; default-policy permit-all; an interface in no
# zone; IKE reaching the appliance; rollback re-adding; only the difference
commit_out() { # commands...: commit them (or fail and discard them)
	{ echo configure; printf '%s\n' "$@"; printf 'commit\nrollback 0\n'; } |
		cli 2>&1 | tee -a "$D/commits"
}
commit_out 'set security policies from-zone trust to-zone untrust policy bad match source-address nowhere' \
	'set security policies from-zone trust to-zone untrust policy bad match destination-address any' \
	'set security policies from-zone trust to-zone untrust policy bad match application any' \
	'set security policies from-zone trust to-zone untrust policy bad then permit' |
	grep -A2 "^\[edit security policies from-zone trust to-zone untrust policy bad match\]" |
	grep -q "address nowhere is not defined in the address book" &&
	ok "address not in the address book refused" || bad "address not in the address book"
printf 'configure\nset routing-options static route 10.60.0.0/16 next-hop ge-0/0/7.0\ncommit check\nrollback 0\n' |
	cli 2>&1 | grep -q "configuration check succeeds" &&
	ok "next hop on an absent interface passes the check" || bad "next hop on an absent interface"
ip -n $A route | grep -q 10.60.0.0 && bad "checked route installed" || ok "checked route not installed"

commit_out 'delete security policies from-zone untrust to-zone trust' \
	'set security policies default-policy permit-all' | grep -q "commit complete" ||
	bad "commit default-policy permit-all"
ip netns exec $R ping -n -c 1 -W 1 198.51.100.2 >/dev/null 2>&1 &&
	ok "default-policy permit-all passes R->L" || bad "default-policy permit-all"
commit_out 'delete security policies default-policy' | grep -q "commit complete"
ip netns exec $R ping -n -c 1 -W 1 198.51.100.2 >/dev/null 2>&1 &&
	bad "default deny-all passes R->L" || ok "default deny-all drops R->L"

ping_a() { ip netns exec $R ping -n -c 1 -W 1 203.0.113.1 >/dev/null 2>&1; }
commit_out 'set security zones security-zone untrust host-inbound-traffic system-services ping' \
	'set security zones security-zone untrust host-inbound-traffic system-services ike' |
	grep -q "commit complete"
ping_a && ok "ping to the appliance on untrust" || bad "ping to the appliance on untrust"
if command -v python3 >/dev/null; then
	ip netns exec $A python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # beside the 0.0.0.0:500 of iked
s.bind(("203.0.113.1", 500))
s.settimeout(4)
print(s.recv(64).decode().strip())' >"$D/ike" 2>&1 &
	ike_pid=$!
	for _ in $(seq 50); do
		ip netns exec $A ss -uln | grep -q "203.0.113.1:500 " && break
		sleep 0.1
	done
	udp500
	wait $ike_pid
	[ "$(cat "$D/ike")" = ike ] && ok "IKE datagram reaches the appliance with ike" ||
		bad "IKE datagram did not arrive: $(cat "$D/ike")"
fi
commit_out 'delete security zones security-zone untrust interfaces ge-0/0/1.0' |
	grep -q "commit complete"
ping_a && bad "ping to an interface in no zone passes" ||
	ok "an interface in no zone drops traffic to the appliance"
[ "$(tcp_to $L 203.0.113.2 9)" = timeout ] &&
	ok "an interface in no zone forwards nothing" || bad "transit through an interface in no zone"
# nor does one of the management zone, whatever the default policy (the
# forward chain asks zone_in and zone_mgmt: an interface is in zone_in
# whatever its zone); the same interface moved to a security zone by a
# one-line change forwards again
commit_out 'set security zones functional-zone management interfaces ge-0/0/1.0' \
	'set security policies default-policy permit-all' | grep -q "commit complete" ||
	bad "commit of a management zone interface"
[ "$(tcp_to $L 203.0.113.2 9)" = timeout ] &&
	ok "a management zone interface forwards nothing under permit-all" ||
	bad "transit through a management zone interface"
commit_out 'delete security zones functional-zone management' \
	'set security zones security-zone untrust interfaces ge-0/0/1.0' | grep -q "commit complete"
[ "$(tcp_to $L 203.0.113.2 9)" = refused ] &&
	ok "the interface moved to a security zone forwards again" ||
	bad "no transit through the interface back in untrust: $(tcp_to $L 203.0.113.2 9)"
commit_out 'delete security zones security-zone untrust interfaces ge-0/0/1.0' \
	'delete security policies default-policy' | grep -q "commit complete"

commit_out 'set interfaces ge-0/0/0 unit 0 family inet address 198.51.100.5/24' \
	'set routing-options static route 10.50.0.0/16 next-hop 198.51.100.2' |
	grep -q "commit complete"
# (its complaints, such as "Peer netns reference is invalid" when other
# namespaces come and go on the machine, are not changes: kept apart)
ip -n $A monitor address route >"$D/monitor" 2>"$D/monitor.err" &
mon_pid=$!
# the monitor listens once it reports a marker address on lo, added and
# removed at each try (its lines are left out below)
monitor_on() {
	ip -n $A addr add 127.0.0.77/32 dev lo && ip -n $A addr del 127.0.0.77/32 dev lo
	grep -q "^Deleted.*127.0.0.77" "$D/monitor"
}
lab_poll 5 monitor_on || bad "ip monitor reported nothing"
commit_out 'delete interfaces ge-0/0/0 unit 0 family inet address 198.51.100.5/24' \
	'delete routing-options static route 10.50.0.0/16' | grep -q "commit complete"
applied() {
	grep -q "^Deleted.* inet 198.51.100.5/24" "$D/monitor" &&
		grep -q "^Deleted 10.50.0.0/16" "$D/monitor"
}
lab_poll 5 applied
kill $mon_pid
wait $mon_pid 2>/dev/null
grep -q "^Deleted.* inet 198.51.100.5/24" "$D/monitor" && grep -q "^Deleted 10.50.0.0/16" "$D/monitor" &&
	! grep -v "^ \|198.51.100.5\|10.50.0.0\|127.0.0.77" "$D/monitor" | grep -q . &&
	ok "apply changes only the difference" ||
	{ bad "apply changes more than the difference"; cat "$D/monitor"; }
commit_out 'rollback 1' | grep -q "commit complete"
ip -n $A -4 addr show dev ge-0-0-0 | grep -q "inet 198.51.100.5/24" &&
	ip -n $A route | grep -q "10.50.0.0/16 via 198.51.100.2" &&
	ok "rollback re-adds the removed address and route" ||
	bad "rollback did not re-add the address and route"

if [ $fails -gt 0 ]; then
	echo "--- section 11 commits"
	cat "$D/commits"
	echo "--- mgd.log"
	tail -30 "$D/mgd.log"
	exit 1
fi
exit 0
