#!/bin/bash
# Configuration for interfaces that are not there, as on a Junos device
# whose line card is not installed: it commits, `show interfaces` does not
# list the interface, and hostd applies its addresses, zone membership and
# routes when the device appears and withdraws them when it goes.
#
#   P (198.51.100.10) eth0 --- et-1-1-0.1101 [ A: the appliance ] et-1-1-0.1103 --- abs-q0
#                              198.51.100.1/24                    203.0.113.1/24
#
# The test creates both devices in A only after the commit (veth pairs named
# like Junos ports: `et-1/1/0` unit 1101 is the Linux device et-1-1-0.1101),
# deletes and re-creates them, sets one down and up, and polls the kernel
# with a deadline for each change.  mgd runs in A (ip netns exec, a UTS
# namespace of its own) with a temporary state directory and starts hostd.
# Namespaces abs-<pid>-a and abs-<pid>-p are the test's own and removed at
# exit; no packet leaves them.
#
# usage: absent_test.sh MGD CLI        (root; else exit 77: skipped)
set -u
MGD=$1
CLI=$2

. "$(dirname "$0")/lib.sh"	# host_need; tap.sh, lab_poll
host_need ip ping unshare

NS=abs-$$
A=$NS-a P=$NS-p
D=$(mktemp -d /tmp/qsafe-abs-XXXXXX)
mgd_pid=

cleanup() {
	if [ -n "$mgd_pid" ]; then
		kill "$mgd_pid" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$mgd_pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	ip netns del $A 2>/dev/null
	ip netns del $P 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cli() { "$CLI" --state-dir "$D" --keep-going; }

. "$(dirname "$0")/../lib/poll.sh"	# t_poll SECONDS CMD...
has_addr() { ip -n $A addr show dev "$1" 2>/dev/null | grep -q "inet6\? $2 "; }
no_addr() { ! ip -n $A addr show 2>/dev/null | grep -q "inet6\? $1 "; }
has_route() { ip -n $A route show "$1" 2>/dev/null | grep -q "$2"; }
no_route() { ! ip -n $A route show "$1" 2>/dev/null | grep -q .; }
ping_a() { ip netns exec $P ping -n -c 1 -W 1 198.51.100.1 >/dev/null 2>&1; }

for n in $A $P; do
	ip netns add $n || { echo "SKIP: cannot create network namespaces"; exit 77; }
	ip -n $n link set lo up
done

ip netns exec $A unshare --uts "$MGD" --state-dir "$D" --log "$D/mgd.log" \
	</dev/null >/dev/null 2>&1 &
mgd_pid=$!
t_poll 10 test -S "$D/mgd.sock" || { bad "mgd did not start"; exit 1; }
t_poll 10 grep -q "configuration is applied" "$D/hostd.log" ||
	{ bad "hostd did not start in its namespace"; exit 1; }

# 1. configuration for interfaces that are not there commits
cli <<'SET' >"$D/out1" 2>&1
configure
set interfaces et-1/1/0 vlan-tagging
set interfaces et-1/1/0 unit 1101 vlan-id 1101
set interfaces et-1/1/0 unit 1101 family inet address 198.51.100.1/24
set interfaces et-1/1/0 unit 1101 family inet6 address 2001:db8:1::1/64
set interfaces et-1/1/0 unit 1103 vlan-id 1103
set interfaces et-1/1/0 unit 1103 family inet address 203.0.113.1/24
set routing-options static route 10.1.0.0/16 next-hop 198.51.100.10
set routing-options static route 10.3.0.0/16 next-hop et-1/1/0.1103
set security zones security-zone left interfaces et-1/1/0.1101 host-inbound-traffic system-services ping
commit
SET
grep -q "commit complete" "$D/out1" && ok "configuration for absent interfaces commits" ||
	{ bad "configuration for absent interfaces commits"; cat "$D/out1"; }
out=$("$CLI" --state-dir "$D" -c "show interfaces terse" 2>&1)
printf '%s\n' "$out" | grep -q "^et-1/1/0" &&
	bad "show interfaces lists the absent et-1/1/0" ||
	ok "show interfaces does not list the absent et-1/1/0"
out=$("$CLI" --state-dir "$D" -c "show interfaces et-1/1/0.1101" 2>&1)
[ "$out" = "error: device et-1/1/0.1101 not found" ] &&
	ok "show interfaces et-1/1/0.1101: not found" ||
	bad "show interfaces et-1/1/0.1101: $out"
no_route 10.1.0.0/16 && no_route 10.3.0.0/16 &&
	ok "routes through absent interfaces wait" || bad "a route through an absent interface is installed"

# 2. the devices appear: addresses, routes and zone membership follow
ip link add et-1-1-0.1101 netns $A type veth peer name eth0 netns $P
ip -n $P addr add 198.51.100.10/24 dev eth0
ip -n $P link set eth0 up
t_poll 5 has_addr et-1-1-0.1101 198.51.100.1/24 &&
	ok "address applied when et-1-1-0.1101 appears" || bad "no address on et-1-1-0.1101"
t_poll 5 has_addr et-1-1-0.1101 2001:db8:1::1/64 &&
	ok "IPv6 address applied when et-1-1-0.1101 appears" || bad "no IPv6 address on et-1-1-0.1101"
t_poll 5 has_route 10.1.0.0/16 "via 198.51.100.10 dev et-1-1-0.1101 proto static" &&
	ok "route whose next hop is behind et-1-1-0.1101 applied" ||
	bad "route 10.1.0.0/16 not applied: $(ip -n $A route)"
t_poll 5 ping_a && ok "ping to the appliance on et-1/1/0.1101 (zone left, ping)" ||
	bad "ping to the appliance on et-1/1/0.1101"
out=$("$CLI" --state-dir "$D" -c "show interfaces et-1/1/0.1101 terse" 2>&1)
printf '%s\n' "$out" | grep -q "^et-1/1/0.1101 .*inet *198.51.100.1/24" &&
	ok "show interfaces lists et-1/1/0.1101 once it is there" ||
	{ bad "show interfaces et-1/1/0.1101 once it is there"; printf '%s\n' "$out"; }
no_route 10.3.0.0/16 && ok "route through et-1/1/0.1103 still waits" ||
	bad "route through the absent et-1/1/0.1103 installed"
ip link add et-1-1-0.1103 netns $A type veth peer name abs-q0 netns $A
ip -n $A link set abs-q0 up
t_poll 5 has_route 10.3.0.0/16 "dev et-1-1-0.1103 proto static" &&
	ok "route through et-1/1/0.1103 applied when it appears" ||
	bad "route 10.3.0.0/16 not applied: $(ip -n $A route)"
has_addr et-1-1-0.1103 203.0.113.1/24 && ok "address on et-1-1-0.1103" ||
	bad "no address on et-1-1-0.1103"

# 3. a device set down loses its routes and IPv6 addresses; they come back
# when it comes up, and hostd does not undo the down
ip -n $A link set et-1-1-0.1103 down
t_poll 5 no_route 10.3.0.0/16 || bad "route 10.3.0.0/16 kept on a down device"
ip -n $A link set et-1-1-0.1101 down
t_poll 5 no_addr 2001:db8:1::1/64 || bad "IPv6 address kept on a down device"
ip -n $A link set et-1-1-0.1103 up
t_poll 5 has_route 10.3.0.0/16 "dev et-1-1-0.1103 proto static" &&
	ok "route back when et-1-1-0.1103 comes up again" || bad "route 10.3.0.0/16 not back after up"
! ip -n $A -o link show et-1-1-0.1101 | grep -q "[<,]UP[,>]" &&
	ok "hostd leaves et-1-1-0.1101 down" || bad "hostd brought et-1-1-0.1101 up"
ip -n $A link set et-1-1-0.1101 up
t_poll 5 has_addr et-1-1-0.1101 2001:db8:1::1/64 &&
	ok "IPv6 address back when et-1-1-0.1101 comes up again" || bad "IPv6 address not back after up"
t_poll 5 has_route 10.1.0.0/16 "via 198.51.100.10" ||
	bad "route 10.1.0.0/16 not back after up"

# 4. the device goes: what was on it goes; it comes back: all of it again
ip -n $A link del et-1-1-0.1101
t_poll 5 no_route 10.1.0.0/16 && ok "route through et-1-1-0.1101 gone with it" ||
	bad "route 10.1.0.0/16 stays without et-1-1-0.1101"
"$CLI" --state-dir "$D" -c "show route 10.1.0.0/16" 2>&1 | grep -q "10.1.0.0/16" &&
	bad "show route shows 10.1.0.0/16 without its interface" ||
	ok "show route: no 10.1.0.0/16 without its interface"
ip link add et-1-1-0.1101 netns $A type veth peer name eth0 netns $P
ip -n $P addr add 198.51.100.10/24 dev eth0
ip -n $P link set eth0 up
t_poll 5 has_addr et-1-1-0.1101 198.51.100.1/24 &&
	t_poll 5 has_addr et-1-1-0.1101 2001:db8:1::1/64 &&
	ok "addresses applied again when et-1-1-0.1101 comes back" ||
	bad "addresses not applied again on the new et-1-1-0.1101"
t_poll 5 has_route 10.1.0.0/16 "via 198.51.100.10 dev et-1-1-0.1101" &&
	ok "route applied again when et-1-1-0.1101 comes back" ||
	bad "route 10.1.0.0/16 not applied again: $(ip -n $A route)"
t_poll 5 ping_a && ok "zone membership holds for the new et-1-1-0.1101" ||
	bad "ping to the appliance on the new et-1-1-0.1101"

# 5. configuration deleted while the device is away: nothing when it returns
ip -n $A link del et-1-1-0.1103
t_poll 5 no_route 10.3.0.0/16 || bad "route 10.3.0.0/16 stays without et-1-1-0.1103"
cli <<'SET' >"$D/out5" 2>&1
configure
delete interfaces et-1/1/0 unit 1103
delete routing-options static route 10.3.0.0/16
commit
SET
grep -q "commit complete" "$D/out5" || { bad "commit deletion"; cat "$D/out5"; }
ip link add et-1-1-0.1103 netns $A type veth peer name abs-q0 netns $A
ip -n $A link set et-1-1-0.1103 up
# a later change is seen (the pass that follows the device's appearance
# has run) before the absence of the old address and route is asserted
ip -n $A link add ge-0-0-9 type veth peer name abs-probe
cli <<'SET' >"$D/out5b" 2>&1
configure
set interfaces ge-0/0/9 unit 0 family inet address 192.0.2.1/24
commit
SET
t_poll 5 has_addr ge-0-0-9 192.0.2.1/24 ||
	{ bad "probe address not applied"; cat "$D/out5b"; }
no_addr 203.0.113.1/24 && no_route 10.3.0.0/16 &&
	ok "deleted configuration is not applied when its device returns" ||
	bad "deleted configuration applied on et-1-1-0.1103"

# 7. a large pass (64 items or more: hostd dumps the devices and the routes
# once instead of asking per item, pending.c, route.c).  7a: 70 addresses
# on absent units and 70 routes through gateways behind them wait, and a
# route through the present subnet of ge-0-0-9 is installed in the same
# pass (nothing else changes in the kernel: no notification would retry
# it); 7b: 70 more, with an address on ge-0-0-8 and a route through its
# subnet, which is installed; the first absent unit appears: its address
# and the route behind it follow.
# large N FIRST UNIT: the lines of N absent units of et-1/1/N from unit
# FIRST, each with an address and a route through a gateway behind it
large() {
	for n in $(seq 1 $2); do
		u=$(($3 + n))
		echo "set interfaces et-1/1/$1 unit $u vlan-id $u"
		echo "set interfaces et-1/1/$1 unit $u family inet address 10.7$1.$n.1/24"
		echo "set routing-options static route 100.7$1.$n.0/24 next-hop 10.7$1.$n.2"
	done
}
{
	echo configure
	large 1 70 2000
	echo "set routing-options static route 100.79.0.0/24 next-hop 192.0.2.2"
	echo commit
} | cli >"$D/out7" 2>&1
grep -q "commit complete" "$D/out7" || { bad "commit of 70 absent units"; tail "$D/out7"; }
t_poll 5 has_route 100.79.0.0/24 "via 192.0.2.2 dev ge-0-0-9" &&
	ok "large pass: route through a present subnet installed" ||
	bad "large pass: 100.79.0.0/24 not installed: $(ip -n $A route)"
no_route 100.71.1.0/24 && no_route 100.71.70.0/24 && no_addr 10.71.1.1/24 &&
	ok "large pass: addresses and routes behind absent units wait" ||
	bad "large pass: something behind an absent unit was installed"
ip -n $A link add ge-0-0-8 type veth peer name abs-probe8
{
	echo configure
	large 2 70 2000
	echo "set interfaces ge-0/0/8 unit 0 family inet address 192.0.3.1/24"
	echo "set routing-options static route 100.78.0.0/24 next-hop 192.0.3.2"
	echo commit
} | cli >"$D/out7b" 2>&1
grep -q "commit complete" "$D/out7b" || { bad "commit of 70 more absent units"; tail "$D/out7b"; }
t_poll 5 has_route 100.78.0.0/24 "via 192.0.3.2 dev ge-0-0-8" &&
	ok "large pass: route through the subnet of an address of the same commit installed" ||
	bad "large pass: 100.78.0.0/24 not installed: $(ip -n $A route)"
ip link add et-1-1-1.2001 netns $A type veth peer name abs-q1 netns $A
ip -n $A link set abs-q1 up
t_poll 5 has_addr et-1-1-1.2001 10.71.1.1/24 &&
	ok "large pass: address applied when et-1-1-1.2001 appears" ||
	bad "large pass: no address on et-1-1-1.2001"
t_poll 5 has_route 100.71.1.0/24 "via 10.71.1.2 dev et-1-1-1.2001" &&
	ok "large pass: route behind et-1-1-1.2001 applied when it appears" ||
	bad "large pass: 100.71.1.0/24 not applied: $(ip -n $A route)"
no_route 100.71.2.0/24 && no_route 100.72.1.0/24 &&
	ok "large pass: the routes behind the still absent units wait" ||
	bad "large pass: a route behind an absent unit installed"

# 6. a name Linux cannot have is still refused at commit
cli <<'SET' >"$D/out6" 2>&1
configure
set interfaces xe-1/2/3:1 unit 10000 family inet address 10.9.0.1/24
commit
rollback 0
SET
grep -q "interface xe-1/2/3:1.10000: its Linux name is longer than 15 characters" "$D/out6" &&
	ok "a unit whose Linux name would be too long is refused" ||
	{ bad "too long a name not refused"; cat "$D/out6"; }

if [ $fails -gt 0 ]; then
	echo "--- hostd.log"
	tail -40 "$D/hostd.log"
	exit 1
fi
exit 0
