#!/bin/sh
# The sample configurations (tests/schema/sample-configs) on whole
# appliances, started as an
# operator starts one (./qsafe start, with mgd, iked, keymgr and hostd):
# each loads with `load set`, commits, prints the file's statements back with
# `show configuration | display set` (secrets in $9$ form) and `rollback 1`
# gives the previous configuration back, and the first generation is the
# factory default.  The first two appliances get their own namespace from
# ./qsafe, with the ports it creates (the VERBATIM SRX4700 sample names
# et-1/1/0 units that are not there: they commit and wait); the others run
# in a namespace of this test's with the interfaces their sample names.
#
#   samples.sh   (QSAFE_TOP: the checkout; QSAFE_BUILD_DIR: the build;
#                 SAMPLES: the sample-configs folder; MKCERTS)
set -u
: "${QSAFE_TOP:?}" "${QSAFE_BUILD_DIR:?}" "${SAMPLES:?}" "${MKCERTS:?}"
export QSAFE_BUILD_DIR
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/qsafe-samples.XXXXXX")
NS=qsafe-smp-$$
fails=0
started=

cleanup() {
	for d in $started; do
		"$QSAFE_TOP/qsafe" stop --state-dir "$d" >/dev/null 2>&1
	done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }
cli() { "$QSAFE_TOP/qsafe" cli --state-dir "$1" -c "$2"; }

# The file's statements: comments and blank lines dropped, the "<SNIP>" and
# "$9$..." placeholders filled with a secret long enough for a PPK (RFC 8784:
# 32 bytes at least).  Every secret's value is masked on both sides before
# they are compared (the appliance shows them as $9$ strings).
SECRET=snipped-secret-snipped-secret-0123
statements() {
	grep '^[a-z]' "$1" | sed -e "s/<SNIP>/$SECRET/g" \
	    -e "s/\"\\\$9\\\$\.\.\.\"/\"$SECRET\"/g" > "$2"
}
mask_secrets() {
	sed -E 's/(pre-shared-key (ascii-text|hexadecimal)|static (key|key-id) (ascii-text|hexadecimal)) .*/\1 SECRET/' "$1"
}
mask() { mask_secrets "$1" | sort; }

# appliance NAME SAMPLE [NETNS]: a fresh appliance; loads, commits and
# compares SAMPLE (a file of set lines).
appliance() {
	d=$T/$1
	mkdir -m 0700 "$d"
	if [ -n "${3:-}" ]; then
		"$QSAFE_TOP/qsafe" start --state-dir "$d" --netns "$3" ||
		    { fail "$1: the appliance did not start"; return 1; }
	else
		"$QSAFE_TOP/qsafe" start --state-dir "$d" ||
		    { fail "$1: the appliance did not start"; return 1; }
	fi
	started="$started $d"
	if [ -n "${PRE:-}" ]; then
		cli "$d" "$PRE" > "$T/$1.pre" 2>&1 ||
		    { cat "$T/$1.pre"; fail "$1: setup"; }
	fi
	cli "$d" "configure; set system host-name before; commit" >/dev/null ||
	    fail "$1: first commit"
	# The first generation is the factory default (no statement): rollback
	# 1 after the operator's first commit goes back to it.
	if [ -z "${PRE:-}" ]; then
		cli "$d" "show system commit | last 1" > "$T/$1.gens" 2>&1
		cli "$d" "configure; rollback 1; show | compare; rollback 0" \
		    > "$T/$1.factory" 2>&1
		if grep -Eq '^1 +[0-9-]+ [0-9:]+ UTC by root via other$' \
		    "$T/$1.gens" && grep -q '^-        host-name before;' \
		    "$T/$1.factory" && ! grep -q error "$T/$1.factory"; then
			ok "$1: rollback 1 after the first commit: the factory default"
		else
			cat "$T/$1.gens" "$T/$1.factory"
			fail "$1: rollback 1 after the first commit"
		fi
	fi
	cli "$d" "show configuration | display set" > "$T/$1.before"
	cli "$d" "configure; load set $2; commit comment \"$1\"" \
	    > "$T/$1.out" 2>&1
	if grep -q "commit complete" "$T/$1.out"; then
		ok "$1: loads and commits"
	else
		cat "$T/$1.out"
		fail "$1: load set + commit"
		return 1
	fi
	cli "$d" "show configuration | display set" > "$T/$1.shown"
	# what was there before (but its host name) and the file's statements
	cat "$T/$1.before" "$2" | grep -v '^set system host-name ' |
	    mask /dev/stdin | uniq > "$T/$1.want"
	grep -v '^set system host-name ' "$T/$1.shown" | mask /dev/stdin |
	    uniq > "$T/$1.got"
	if cmp -s "$T/$1.want" "$T/$1.got"; then
		ok "$1: display set gives the file back"
	else
		diff "$T/$1.want" "$T/$1.got"
		fail "$1: display set differs from the file"
	fi
	# A file that is a device's own display set comes back in its order
	# (but for the version line every commit stamps with qsafe's release).
	if [ -n "${IN_ORDER:-}" ]; then
		grep -v -e '^set system host-name ' -e '^set version ' \
		    "$T/$1.shown" | mask_secrets /dev/stdin > "$T/$1.got-order"
		if mask_secrets "$2" | cmp -s - "$T/$1.got-order"; then
			ok "$1: in the device's order"
		else
			mask_secrets "$2" | diff - "$T/$1.got-order"
			fail "$1: display set is not in the device's order"
		fi
	fi
	grep -q '## SECRET-DATA' "$T/$1.out" && fail "$1: a secret in the commit output"
	secret='(pre-shared-key|static key) (ascii-text|hexadecimal) '
	if grep -E "$secret" "$T/$1.shown" | grep -vq '"\$9\$'; then
		grep -E "$secret" "$T/$1.shown"
		fail "$1: a secret shown in plain"
	fi
	[ -n "${CHECK:-}" ] && $CHECK "$1"
	cli "$d" "configure; rollback 1; commit" >/dev/null || fail "$1: rollback"
	if [ "$(cli "$d" "show configuration | display set")" = \
	    "$(cat "$T/$1.before")" ]; then
		ok "$1: rollback 1 gives the previous configuration back"
	else
		fail "$1: rollback 1"
	fi
}

# 1. The README's walkthrough: ./qsafe's own namespace and its ports.
port_has_address() {
	ns=$(cat "$T/$1/netns" 2>/dev/null)
	if [ -n "$ns" ] &&
	    ip -n "$ns" -4 addr show ge-0-0-0 | grep -q 198.51.100.1/24; then
		ok "$1: ge-0/0/0's address is on the appliance's port"
	else
		fail "$1: no address on ge-0-0-0 in the appliance's namespace"
	fi
}
statements "$SAMPLES/site-to-site-ppk-static.RECONSTRUCTED.set" "$T/ppk.set"
CHECK=port_has_address appliance ppk "$T/ppk.set"
"$QSAFE_TOP/qsafe" stop --state-dir "$T/ppk" >/dev/null 2>&1
[ -z "$ns" ] || ! ip netns list | grep -qw "^$ns" ||
    fail "ppk: stop left the appliance's namespace $ns"

# 2. The VERBATIM SRX4700 sample on a plain appliance, as a lab replays a
# real device's set file: ./qsafe's namespace has only ge-0/0/0..3, so its
# et-1/1/0 units are not there.  It commits, comes back line for line, the
# absent interface is not shown, and its addresses and routes wait.
absent_waits() {
	ns=$(cat "$T/$1/netns" 2>/dev/null)
	if cli "$T/$1" "show interfaces terse" | grep -q '^et-1/1/0'; then
		fail "$1: show interfaces lists the absent et-1/1/0"
	else
		ok "$1: show interfaces does not list the absent et-1/1/0"
	fi
	if [ -n "$ns" ] && ! ip -n "$ns" route | grep -q '^10\.[12]\.0\.0/16' &&
	    grep -q "addresses or routes wait" "$T/$1/hostd.log"; then
		ok "$1: addresses and routes of absent interfaces wait"
	else
		fail "$1: addresses or routes of absent interfaces"
	fi
	# load factory-default makes the candidate the factory default (the
	# version line only); rollback 0 discards it
	cli "$T/$1" "configure; load factory-default; show | display set; rollback 0" \
	    > "$T/$1.fd" 2>&1
	if grep -q "^warning: activating factory configuration" "$T/$1.fd" &&
	    ! grep -v "^set version " "$T/$1.fd" | grep -q "^set \|error"; then
		ok "$1: load factory-default"
	else
		cat "$T/$1.fd"
		fail "$1: load factory-default"
	fi
}
statements "$SAMPLES/srx4700-203-quantum-static.VERBATIM.set" "$T/plain.set"
CHECK=absent_waits IN_ORDER=1 appliance plain "$T/plain.set"
"$QSAFE_TOP/qsafe" stop --state-dir "$T/plain" >/dev/null 2>&1

# 3. The others, in a namespace of this test with the interfaces they name
# (no 8021q here: a veth stands in for the VLAN device et-1-1-0.1103).
ip netns add "$NS" || { echo "SKIP: cannot create network namespaces"; exit 77; }
ip -n "$NS" link set lo up
for p in ge-0-0-0 ge-0-0-1 et-1-0-0 et-1-1-0; do
	ip netns exec "$NS" ip tuntap add mode tap name $p
	ip -n "$NS" link set $p up
done
ip -n "$NS" link add et-1-1-0.1103 type veth peer name et-1-1-0.1101
ip -n "$NS" link set et-1-1-0.1103 up
ip -n "$NS" link set et-1-1-0.1101 up

# The QKD sample goes with the static one's interfaces, zones and VPN (its
# header says so); its KME is moved to loopback, where nothing answers, and
# its certificates are loaded first, as the sample's notes say.
"$MKCERTS" -s "SAE_A" "$T/pki" >/dev/null 2>&1 || fail "mkcerts"
{
	grep -v 'ppk-profile\|key-manager' "$T/ppk.set"
	statements "$SAMPLES/site-to-site-qkd-kme.RECONSTRUCTED.set" /dev/stdout |
	    sed 's|https://www.kme-a.example.net|https://127.0.0.1:9|'
} > "$T/qkd.set"
PRE="configure; set security pki ca-profile Root-CA ca-identity Root-CA; commit; exit; request security pki ca-certificate load ca-profile Root-CA filename $T/pki/ca.pem; yes; request security pki local-certificate load certificate-id SAE_A_CERT filename $T/pki/sae-SAE_A.pem key $T/pki/sae-SAE_A.key"
appliance qkd "$T/qkd.set" "$NS"
PRE=
"$QSAFE_TOP/qsafe" stop --state-dir "$T/qkd" >/dev/null 2>&1

for f in srx4700-203-quantum-static.VERBATIM pki-cert-vpn.RECONSTRUCTED \
    group-vpnv2-server.RECONSTRUCTED group-vpnv2-member.RECONSTRUCTED; do
	n=${f%%.*}
	statements "$SAMPLES/$f.set" "$T/$n.set"
	# fragments that name an interface they do not configure
	case $n in
	pki-cert-vpn) echo "set interfaces ge-0/0/0 unit 0 family inet" ;;
	group-vpnv2-member) echo "set interfaces ge-0/0/1 unit 0 family inet" ;;
	esac >> "$T/$n.set"
	order=
	case $f in *.VERBATIM) order=1 ;; esac
	# iked's check wants the certificate the policy names loaded
	case $n in
	pki-cert-vpn) PRE="configure; set security pki ca-profile Root-CA ca-identity Root-CA; commit; exit; request security pki ca-certificate load ca-profile Root-CA filename $T/pki/ca.pem; yes; request security pki local-certificate load certificate-id SRX-A-CERT filename $T/pki/sae-SAE_A.pem key $T/pki/sae-SAE_A.key" ;;
	esac
	IN_ORDER=$order appliance "$n" "$T/$n.set" "$NS"
	PRE=
	"$QSAFE_TOP/qsafe" stop --state-dir "$T/$n" >/dev/null 2>&1
done

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
