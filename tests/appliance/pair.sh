# tests/appliance/pair.sh: two appliances on a veth pair, sourced by the
# appliance pair tests (ike_pair.sh, cert_pair.sh, show_golden.sh; POSIX sh).
#
# Each appliance runs in a network namespace of the test's own, on one end
# of a veth pair named ge-0-0-0 on both sides, started as an operator
# starts one (./qsafe start --netns) and configured through the cli.
#
#   pair_init TAG DIRTAG      $T (a temporary directory named DIRTAG),
#                             $NA, $NB (TAG-a-PID, TAG-b-PID), the EXIT
#                             trap (pair_cleanup); $fails counts failures
#   pair_netns                creates $NA and $NB wired by the veth pair;
#                             exits 77 (skip) when it cannot
#   pair_start S DIR NS       ./qsafe start of appliance S (a or b) on
#                             state directory DIR in NS, stopped at exit
#   pair_side NAME OUR PEER ST0 IKE ESP
#                             one appliance's set file on stdout: address,
#                             zones, the gateway GW to PEER and the VPN on
#                             st0.0; IKE: its proposal and policy lines
#                             (policy IKE_POL), ESP: more lines of ipsec
#                             policy ESP_POL (may be empty)
#   ok WHAT, fail WHAT        a result line; fail counts
#   cli DIR CMDS              the cli of the appliance on DIR
#   pair_certs DIR            a CA (DIR/ca.pem) made by the openssl CLI
#                             and its certificates for A (DIR/a.pem, RSA,
#                             subjectAltName 192.0.2.1) and B (DIR/b.pem,
#                             ECDSA P-256, 192.0.2.2), keys DIR/a.key, b.key
#   pair_cert_ike METHOD      IKE proposal IKE_C and policy IKE_POL lines:
#                             signatures by METHOD with local certificate
#                             GW_CERT, trusted ca-profile LAB-CA
#   pair_ca_load DIR PKI      commits ca-profile LAB-CA on the appliance on
#                             DIR and loads PKI/ca.pem into it
#   pair_cert_load DIR PKI S  loads PKI/S.pem and PKI/S.key as GW_CERT
#   wait_show SECS DIR COMMAND PATTERN
#                             polls COMMAND's output (in DIR.show) until
#                             PATTERN is in it; 1 after SECS
#
# Set by the test before sourcing: QSAFE_TOP, QSAFE_BUILD_DIR; and
# optionally pair_keep_logs, a command run (eval'd) at cleanup before $T
# is removed.

fails=0
started=
pair_keep_logs=

pair_cleanup() {
	for d in $started; do
		"$QSAFE_TOP/qsafe" stop --state-dir "$d" >/dev/null 2>&1
	done
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	[ -z "$pair_keep_logs" ] || eval "$pair_keep_logs"
	rm -rf "$T"
}

pair_init() {
	[ "$(id -u)" = 0 ] ||
	    { echo "SKIP: needs root (network namespaces)"; exit 77; }
	T=$(mktemp -d "${TMPDIR:-/tmp}/$2.XXXXXX")
	NA=$1-a-$$
	NB=$1-b-$$
	trap pair_cleanup EXIT
	trap 'exit 1' INT TERM
}

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }
cli() { "$QSAFE_TOP/qsafe" cli --state-dir "$1" -c "$2"; }

pair_netns() {
	ip netns add "$NA" && ip netns add "$NB" ||
	    { echo "SKIP: cannot create network namespaces"; exit 77; }
	ip -n "$NA" link set lo up
	ip -n "$NB" link set lo up
	ip -n "$NA" link add ge-0-0-0 type veth peer name ge-0-0-0 \
	    netns "$NB" || { echo "SKIP: no veth"; exit 77; }
	ip -n "$NA" link set ge-0-0-0 up
	ip -n "$NB" link set ge-0-0-0 up
}

pair_start() {
	mkdir -m 0700 "$2"
	"$QSAFE_TOP/qsafe" start --state-dir "$2" --netns "$3" ||
	    { fail "$1: the appliance did not start"; return 1; }
	started="$started $2"
}

pair_side() {
	cat <<EOF
set system host-name $1
set interfaces ge-0/0/0 unit 0 family inet address $2/24
set interfaces st0 unit 0 family inet address $4/30
set security zones security-zone untrust interfaces ge-0/0/0.0 host-inbound-traffic system-services ike
set security zones security-zone untrust interfaces ge-0/0/0.0 host-inbound-traffic system-services ping
set security zones security-zone vpn interfaces st0.0 host-inbound-traffic system-services ping
EOF
	printf '%s\n' "$5"
	cat <<EOF
set security ike gateway GW ike-policy IKE_POL
set security ike gateway GW address $3
set security ike gateway GW external-interface ge-0/0/0.0
set security ike gateway GW version v2-only
set security ipsec proposal ESP_P protocol esp
set security ipsec proposal ESP_P encryption-algorithm aes-256-gcm
EOF
	[ -z "$6" ] || printf '%s\n' "$6"
	cat <<EOF
set security ipsec policy ESP_POL proposals ESP_P
set security ipsec vpn VPN bind-interface st0.0
set security ipsec vpn VPN ike gateway GW
set security ipsec vpn VPN ike ipsec-policy ESP_POL
set security ipsec vpn VPN establish-tunnels immediately
EOF
}

wait_show() {
	end=$(($(date +%s) + $1))
	while [ "$(date +%s)" -lt "$end" ]; do
		cli "$2" "$3" > "$2.show" 2>&1
		grep -q "$4" "$2.show" && return 0
		sleep 0.3
	done
	return 1
}

pair_certs() {
	mkdir "$1" || return 1
	ossl() { openssl "$@" >/dev/null 2>&1 || fail "openssl $1"; }
	ossl req -x509 -newkey rsa:2048 -nodes -keyout "$1/ca.key" \
	    -out "$1/ca.pem" -days 30 -subj "/CN=cmg-lab-ca/O=qsafe" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign"
	ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1/a.key"
	ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1/b.key"
	for s in a b; do
		ip=192.0.2.1
		[ $s = b ] && ip=192.0.2.2
		printf 'subjectAltName=IP:%s\nkeyUsage=critical,digitalSignature\n' \
		    "$ip" > "$1/$s.ext"
		ossl req -new -key "$1/$s.key" -out "$1/$s.csr" \
		    -subj "/CN=gw-$s/OU=vpn/O=qsafe"
		ossl x509 -req -in "$1/$s.csr" -CA "$1/ca.pem" \
		    -CAkey "$1/ca.key" -CAcreateserial -days 30 \
		    -extfile "$1/$s.ext" -out "$1/$s.pem"
	done
}

pair_cert_ike() {
	cat <<EOF
set security ike proposal IKE_C authentication-method $1
set security ike proposal IKE_C dh-group group19
set security ike proposal IKE_C authentication-algorithm sha-256
set security ike proposal IKE_C encryption-algorithm aes-256-cbc
set security ike policy IKE_POL proposals IKE_C
set security ike policy IKE_POL certificate local-certificate GW_CERT
set security ike policy IKE_POL certificate trusted-ca ca-profile LAB-CA
EOF
}

pair_ca_load() {
	cli "$1" "configure; set security pki ca-profile LAB-CA ca-identity LAB-CA; commit; exit; request security pki ca-certificate load ca-profile LAB-CA filename $2/ca.pem; yes"
}

pair_cert_load() {
	cli "$1" "request security pki local-certificate load certificate-id GW_CERT filename $2/$3.pem key $2/$3.key"
}
