#!/bin/bash
# qsafe against strongSwan, the identity forms not covered elsewhere
# (RFC 7296 3.5), PSK, in the lab of iop_lab.sh:
#
# 1. user-at-hostname (ID_RFC822_ADDR) on both sides, qsafe's
#    local-identity and remote-identity against strongSwan's id: both
#    roles, strongSwan lists both identities, qsafe's detail the peer's;
#    then hostname (ID_FQDN) the same way; then strongSwan claims
#    another user-at-hostname: qsafe refuses it.
# 2. inet6 (ID_IPV6_ADDR): the IKE SA over IPv6 between A and B
#    (2001:db8:2::1 -- 2001:db8:2::2 on the same veth), IPv4 hosts
#    inside: both roles, each side's identities and SAs, a ping.
#
# IPv6 is on in the namespaces (LAB_IPV6=1), so charon runs without
# MOBIKE (link-local addresses coming up would send it updates).
#
# usage: test_swan_interop_ids.sh   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/iop_lab.sh"
export LAB_IPV6=1
lab_init si2

. "$(dirname "$0")/tap.sh"

iop_up || { echo "Bail out! the lab did not come up"; exit 1; }
B=$IOP_B LOG=$(iop_iked_log)
A6=2001:db8:2::1 B6=2001:db8:2::2

# swan_ids NAME LOCAL@ADDR REMOTE@ADDR: strongSwan's IKE SA NAME is
# ESTABLISHED between those identities and addresses, its Child SA
# INSTALLED.
swan_ids() {
	local l
	l=$(swan_ctl "$B" --list-sas --ike "$1" 2>/dev/null) &&
	    grep -q ": #.*ESTABLISHED" <<<"$l" &&
	    grep -Fq "local  '${2%@*}' @ ${2##*@}[4500]" <<<"$l" &&
	    grep -Fq "remote '${3%@*}' @ ${3##*@}[4500]" <<<"$l" &&
	    grep -q "INSTALLED, TUNNEL-in-UDP" <<<"$l"
}
# qs_ids PEER-ADDR PEER-ID: qsafe shows the IKE SA UP with PEER-ADDR, the
# peer's authenticated ID in the detail, and a Child SA on tunnel 500001.
qs_ids() {
	iop_show "show security ike security-associations" |
	    grep -q "UP .*$1" &&
	    iop_show "show security ike security-associations detail" |
	    grep -Fq "Peer ike-id: $2" &&
	    iop_show "show security ipsec security-associations" |
	    grep -q "^ *>500001 "
}
qs_gone() {
	! iop_show "show security ike security-associations" | grep -q "UP "
}

# one_case NAME SWAN-OPTS QSAFE-OPTS A-ID@ADDR B-ID@ADDR: both roles.
one_case() {
	local name=$1 sopts=$2 a=$4 b=$5 o q=()
	# lid=TYPE:ID rid=TYPE:ID: the first colon is the space of Junos's
	# `local-identity TYPE ID`
	for o in $3; do
		case $o in lid=* | rid=*) o=${o/:/ } ;; esac
		q+=("$o")
	done
	# shellcheck disable=SC2086
	iop_swan_load "$name" $sopts extra="mobike = no" ||
	    bad "$name: strongSwan loads"
	iop_qs_load "${q[@]}" start=immediately || bad "$name: qsafe commits"
	check "$name qsafe→swan: strongSwan's SA is $b ... $a" \
	    lab_poll 15 swan_ids "$name" "$b" "$a"
	check "$name qsafe→swan: qsafe's SA UP, Peer ike-id ${b%@*}" \
	    lab_poll 5 qs_ids "${b##*@}" "${b%@*}"
	# responder-only: on-traffic would let a packet that enters st0.0
	# after the change (seen: one run in five) start a new SA that
	# outlives the clear
	iop_qs_load "${q[@]}" start=responder-only || bad "$name: qsafe commits"
	iop_show "clear security ike security-associations" >/dev/null
	check "$name: cleared on both sides" eval \
	    'lab_poll 10 swan_sa_state "$B" "$name" gone && lab_poll 5 qs_gone'
	swan_initiate "$B" "$name"
	check "$name swan→qsafe: strongSwan's SA is $b ... $a" \
	    lab_poll 10 swan_ids "$name" "$b" "$a"
	check "$name swan→qsafe: qsafe's SA UP, Peer ike-id ${b%@*}" \
	    lab_poll 5 qs_ids "${b##*@}" "${b%@*}"
	check "$name swan→qsafe: hb pings ha" lab_poll 10 iop_ping_ha
	swan_terminate "$B" "$name"
	lab_poll 10 qs_gone || bad "$name: strongSwan's Delete reached qsafe"
}

# 1. user-at-hostname
one_case uah "lid=b@swan.lab rid=a@qsafe.lab" \
    "lid=user-at-hostname:a@qsafe.lab rid=user-at-hostname:b@swan.lab" \
    a@qsafe.lab@192.0.2.1 b@swan.lab@192.0.2.2

# hostname (ID_FQDN), run qsafe to qsafe in the examples' AutoVPNs
one_case fqdn "lid=b.swan.lab rid=a.qsafe.lab" \
    "lid=hostname:a.qsafe.lab rid=hostname:b.swan.lab" \
    a.qsafe.lab@192.0.2.1 b.swan.lab@192.0.2.2

# strongSwan claims c@swan.lab (the PSK is right): not qsafe's
# remote-identity, refused in IKE_AUTH
: >"$B/charon.log"
iop_swan_load uahx lid=c@swan.lab rid=a@qsafe.lab extra="mobike = no" ||
    bad "uahx: strongSwan loads"
swan_initiate "$B" uahx 5
check "another user-at-hostname: strongSwan is told AUTHENTICATION_FAILED" \
    lab_poll 10 grep -q "received AUTHENTICATION_FAILED notify error" "$B/charon.log"
check "another user-at-hostname: qsafe logs why" grep -q \
    "ike G: IKE_AUTH refused: peer's ID is not the configured remote identity" "$LOG"
check "another user-at-hostname: no SA on qsafe" qs_gone

# 2. inet6: A's ge-0/0/0 gets an IPv6 address from its configuration,
# B's eth0 one by hand; both usable once duplicate address detection ends
ip -n "$IOP_NB" addr add "$B6/64" dev eth0 nodad ||
    bad "inet6: B's address"
echo "set interfaces ge-0/0/0 unit 0 family inet6 address $A6/64" \
    >"$LAB_DIR/v6.set"
qs_load "$IOP_A" "$LAB_DIR/v6.set" || bad "inet6: A's address commits"
dad() { ! ip -n "$IOP_NA" -6 addr show tentative | grep -q inet6 &&
    ip -n "$IOP_NA" -6 addr show | grep -q "$A6/64"; }
check "inet6: A's address is up" lab_poll 10 dad
one_case v6 "local=$B6 remote=$A6" \
    "gw=$B6 lid=inet6:$A6 rid=inet6:$B6" "$A6@$A6" "$B6@$B6"

[ "$fails" -eq 0 ] || iop_dump
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
