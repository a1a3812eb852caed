#!/bin/bash
# qsafe against strongSwan with certificates (RFC 7296 2.15, RFC 7427),
# one appliance (A) and one charon (B) in namespaces of this test's own
# (iop_lab.sh).  A CA made with strongSwan's `pki --gen/--self` issues
# strongSwan's certificates (`pki --issue`) and qsafe's, whose key pairs
# and requests qsafe's own pki made as an operator would (`request
# security pki generate-key-pair`, `generate-certificate-request`), the
# issued certificate loaded with `local-certificate load`.
#
# For RSA and for ECDSA P-256, qsafe initiating and strongSwan initiating:
# the IKE SA UP and the Child SA on both sides, each side's signature
# checked by the other (strongSwan logs the scheme it verified: an RFC
# 7427 one, and qsafe's show ... detail the method), a ping through the
# tunnel.  Then strongSwan signs with RSA-PSS (auth = rsa/pss-sha256) and
# qsafe verifies it.  Last, a strongSwan certificate from another CA is
# refused by qsafe.  Between them, Junos's IKE proposal sets
# suiteb-gcm-128/256 and prime-128/256 (ECDSA P-256 / P-384), both roles.
#
# usage: test_swan_interop_cert.sh   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
command -v pki >/dev/null || { echo "SKIP: no strongSwan pki (strongswan-pki)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/iop_lab.sh"
lab_init ikc

. "$(dirname "$0")/tap.sh"

iop_up || { echo "Bail out! the lab did not come up"; exit 1; }
B=$IOP_B LOG=$(iop_iked_log) P=$LAB_DIR/pki
mkdir -p "$P" "$B/x509" "$B/x509ca" "$B/private"

# The CA, and strongSwan's RSA and ECDSA certificates (id 192.0.2.2).
spki() { pki "$@" 2>>"$P/pki.err"; }
spki --gen --type rsa --size 2048 --outform pem >"$P/ca.key" &&
    spki --self --ca --lifetime 30 --in "$P/ca.key" --outform pem \
	--dn "C=CH, O=qsafe-lab, CN=iop-lab-ca" >"$P/ca.pem" ||
    { cat "$P/pki.err"; echo "Bail out! pki --self"; exit 1; }
cp "$P/ca.pem" "$B/x509ca/ca.pem"
for t in rsa ecdsa ecdsa384; do
	size=2048
	[ $t = ecdsa ] && size=256
	[ $t = ecdsa384 ] && size=384
	spki --gen --type ${t%384} --size $size --outform pem >"$B/private/b-$t.key" &&
	    spki --issue --type priv --in "$B/private/b-$t.key" --lifetime 30 \
		--cacert "$P/ca.pem" --cakey "$P/ca.key" --san 192.0.2.2 \
		--dn "C=CH, O=qsafe-lab, CN=swan-b-$t" --outform pem \
		>"$B/x509/b-$t.pem" || bad "pki --issue strongSwan's $t certificate"
done

# qsafe's: its key pairs and requests, issued by the CA, loaded.
qs_cli "$IOP_A" "configure; set security pki ca-profile LAB-CA ca-identity LAB-CA; commit" \
    >"$P/a.out" 2>&1
qs_cli "$IOP_A" "request security pki ca-certificate load ca-profile LAB-CA filename $P/ca.pem; yes" \
    >>"$P/a.out" 2>&1
for t in rsa ecdsa ecdsa384; do
	size=2048
	[ $t = ecdsa ] && size=256
	[ $t = ecdsa384 ] && size=384
	qs_cli "$IOP_A" "request security pki generate-key-pair certificate-id GW_$t type ${t%384} size $size" \
	    >>"$P/a.out" 2>&1
	qs_cli "$IOP_A" "request security pki generate-certificate-request certificate-id GW_$t subject \"CN=qsafe-a-$t,O=qsafe-lab\" ip-address 192.0.2.1 filename $P/a-$t.csr" \
	    >>"$P/a.out" 2>&1
	spki --issue --type pkcs10 --in "$P/a-$t.csr" --lifetime 30 \
	    --cacert "$P/ca.pem" --cakey "$P/ca.key" --san 192.0.2.1 \
	    --outform pem >"$P/a-$t.pem" || bad "pki --issue qsafe's $t request"
	qs_cli "$IOP_A" "request security pki local-certificate load certificate-id GW_$t filename $P/a-$t.pem" \
	    >>"$P/a.out" 2>&1
	check "qsafe: GW_$t generated, requested, issued and loaded" eval \
	    "iop_show 'show security pki local-certificate certificate-id GW_$t' | grep -q 'qsafe-a-$t'"
done

# strongSwan verified qsafe's AUTH with scheme $1 / qsafe verified
# strongSwan's (its log line for the peer's signature)
swan_verified() {
	grep -Eq "authentication of 'CN=qsafe-a-[a-z]+, O=qsafe-lab' with $1 successful" \
	    "$B/charon.log"
}
qs_method() {
	iop_show "show security ike security-associations detail" |
	    grep -q "Authentication method: $1"
}

# one_case T METHOD SCHEME: T's certificates on both sides, both roles.
one_case() {
	local t=$1 m=$2 scheme=$3 meth=$4
	swan_conf_cert name=t local=192.0.2.2 remote=192.0.2.1 lid=192.0.2.2 \
	    lts=10.2.0.0/24 rts=10.1.0.0/24 cert=b-$t.pem cacert=ca.pem \
	    >"$B/t.conf" && swan_load "$B" "$B/t.conf" || bad "$t: strongSwan loads"
	: >"$B/charon.log"
	iop_qs_load cert=GW_$t method=$m rid="inet 192.0.2.2" start=immediately ||
	    bad "$t: qsafe's VPN commits"
	check "$t qsafe→swan: qsafe shows the IKE SA UP and the Child SA" lab_poll 20 iop_qs_up
	check "$t qsafe→swan: strongSwan CHILD_SA INSTALLED" swan_wait_sa "$B" t INSTALLED 5
	check "$t qsafe→swan: strongSwan verified qsafe's $scheme signature" swan_verified "$scheme"
	check "$t qsafe→swan: qsafe's detail: Authentication method: $meth" qs_method "$meth"
	check "$t qsafe→swan: ha pings hb" lab_poll 10 iop_ping_hb
	iop_qs_load cert=GW_$t method=$m rid="inet 192.0.2.2" start=responder ||
	    bad "$t: qsafe's responder VPN commits"
	iop_show "clear security ike security-associations" >/dev/null
	check "$t: cleared on both sides" eval \
	    'lab_poll 10 swan_sa_state "$B" t gone && lab_poll 5 iop_qs_none'
	: >"$B/charon.log"
	swan_initiate "$B" t
	check "$t swan→qsafe: strongSwan CHILD_SA INSTALLED" swan_wait_sa "$B" t INSTALLED 10
	check "$t swan→qsafe: qsafe shows the IKE SA UP and the Child SA" lab_poll 10 iop_qs_up
	check "$t swan→qsafe: strongSwan verified qsafe's $scheme signature" swan_verified "$scheme"
	check "$t swan→qsafe: hb pings ha" lab_poll 10 iop_ping_ha
	swan_terminate "$B" t
	lab_poll 10 iop_qs_none || bad "$t: strongSwan's Delete reached qsafe"
}

one_case rsa rsa-signatures RSA_EMSA_PKCS1_SHA2_256 RSA-signatures
one_case ecdsa ecdsa-signatures-256 ECDSA_WITH_SHA256_DER ECDSA-signatures-256

# Junos's IKE proposal sets with ECDSA certificates (iked/conf_prop.c):
# suiteb-gcm-128/256 (RFC 6379: IKE AES-CBC with SHA-256/384, groups
# 19/20, ECDSA P-256/P-384) and prime-128/256 (the same with IKE
# AES-GCM-16), the ipsec policy on the set of the same name.  Both roles:
# strongSwan's IKE proposal and Child SA, qsafe's detail (cipher,
# integrity, PRF, group, authentication method) and the signature
# strongSwan verified.
#
# set cert strongSwan-IKE strongSwan-ESP strongSwan-IKE-SA strongSwan-child
#     qsafe-encr/integ/prf/group method scheme
psets="suiteb-gcm-128:ecdsa:aes128-sha256-ecp256:aes128gcm16-ecp256:AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256:AES_GCM_16-128:aes128-cbc/hmac-sha256-128/hmac-sha256/19:256:ECDSA_WITH_SHA256_DER
suiteb-gcm-256:ecdsa384:aes256-sha384-ecp384:aes256gcm16-ecp384:AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/ECP_384:AES_GCM_16-256:aes256-cbc/hmac-sha384-192/hmac-sha384/20:384:ECDSA_WITH_SHA384_DER
prime-128:ecdsa:aes128gcm16-prfsha256-ecp256:aes128gcm16-ecp256:AES_GCM_16-128/PRF_HMAC_SHA2_256/ECP_256:AES_GCM_16-128:aes128-gcm/-/hmac-sha256/19:256:ECDSA_WITH_SHA256_DER
prime-256:ecdsa384:aes256gcm16-prfsha384-ecp384:aes256gcm16-ecp384:AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384:AES_GCM_16-256:aes256-gcm/-/hmac-sha384/20:384:ECDSA_WITH_SHA384_DER"

# swan_pset NAME IKE CHILD: strongSwan's IKE SA NAME ESTABLISHED with
# proposal IKE, its Child SA INSTALLED with ESP:CHILD.
swan_pset() {
	local l
	l=$(swan_ctl "$B" --list-sas --ike "$1" 2>/dev/null) &&
	    grep -q ": #.*ESTABLISHED" <<<"$l" &&
	    grep -Eq "^ *$2\$" <<<"$l" &&
	    grep -Eq "INSTALLED, TUNNEL-in-UDP, ESP:$3(/|\$| )" <<<"$l"
}
# qs_pset ENCR/INTEG/PRF/GROUP BITS: qsafe's IKE SA detail.
qs_pset() {
	local d e i p g
	IFS=/ read -r e i p g <<<"$1"
	d=$(iop_show "show security ike security-associations detail") &&
	    grep -q "Authentication method: ECDSA-signatures-$2\$" <<<"$d" &&
	    grep -q "Encryption            : $e\$" <<<"$d" &&
	    grep -q "Authentication        : $i\$" <<<"$d" &&
	    grep -q "Pseudo random function: $p\$" <<<"$d" &&
	    grep -q "Diffie-Hellman group  : DH-group-$g\$" <<<"$d"
}
for x in $psets; do
	IFS=: read -r set t sike sesp ssa sch qd bits scheme <<<"$x"
	for role in i r; do
		name=$role${set//-/}
		swan_conf_cert name="$name" local=192.0.2.2 remote=192.0.2.1 \
		    lid=192.0.2.2 lts=10.2.0.0/24 rts=10.1.0.0/24 \
		    cert=b-$t.pem cacert=ca.pem ike="$sike" esp="$sesp" \
		    >"$B/$name.conf" && swan_load "$B" "$B/$name.conf" ||
		    bad "$set: strongSwan loads"
		if [ $role = i ]; then
			dir="qsafe→swan" start=immediately
		else
			dir="swan→qsafe" start=responder
		fi
		: >"$B/charon.log"
		iop_qs_load cert=GW_$t ikeset="$set" set="$set" \
		    rid="inet 192.0.2.2" start=$start || bad "$set: qsafe commits"
		iop_show "clear security ike security-associations" >/dev/null
		[ $role = i ] || {
			lab_poll 5 iop_qs_none || bad "$set: qsafe's old SA cleared"
			swan_initiate "$B" "$name"
		}
		check "$dir $set: strongSwan's SA is $ssa, ESP:$sch" \
		    lab_poll 15 swan_pset "$name" "$ssa" "$sch"
		check "$dir $set: qsafe's detail: $qd, ECDSA-signatures-$bits" \
		    lab_poll 5 qs_pset "$qd" "$bits"
		check "$dir $set: qsafe's Child SA on tunnel 500001" \
		    lab_poll 5 iop_qs_up
		check "$dir $set: strongSwan verified qsafe's $scheme signature" \
		    grep -Eq "authentication of 'CN=qsafe-a-$t, O=qsafe-lab' with $scheme successful" \
		    "$B/charon.log"
	done
	swan_terminate "$B" "r${set//-/}"
done
lab_poll 10 iop_qs_none || bad "proposal sets: strongSwan's Delete reached qsafe"

# strongSwan signs RSA-PSS (RFC 7427 with RSASSA-PSS, RFC 8247 2.4).
swan_conf_cert name=t local=192.0.2.2 remote=192.0.2.1 lid=192.0.2.2 \
    lts=10.2.0.0/24 rts=10.1.0.0/24 cert=b-rsa.pem cacert=ca.pem \
    auth=rsa/pss-sha256 >"$B/t.conf" && swan_load "$B" "$B/t.conf" ||
    bad "pss: strongSwan loads"
iop_qs_load cert=GW_rsa method=rsa-signatures rid="inet 192.0.2.2" start=responder ||
    bad "pss: qsafe commits"
: >"$B/charon.log"
swan_initiate "$B" t
check "RSA-PSS swan→qsafe: strongSwan CHILD_SA INSTALLED" swan_wait_sa "$B" t INSTALLED 10
check "RSA-PSS swan→qsafe: strongSwan signed with RSASSA-PSS" \
    grep -q "authentication of '192.0.2.2' (myself) with RSA_EMSA_PSS" \
    "$B/charon.log"
check "RSA-PSS swan→qsafe: qsafe shows the IKE SA UP" lab_poll 10 iop_qs_up
swan_terminate "$B" t
lab_poll 10 iop_qs_none || bad "pss: strongSwan's Delete reached qsafe"

# A strongSwan certificate of another CA: qsafe refuses it.
spki --gen --type ecdsa --size 256 --outform pem >"$P/x.key" &&
    spki --self --ca --lifetime 30 --in "$P/x.key" --outform pem \
	--dn "C=CH, O=elsewhere, CN=other-ca" >"$B/x509ca/other.pem" &&
    spki --gen --type ecdsa --size 256 --outform pem >"$B/private/b-x.key" &&
    spki --issue --type priv --in "$B/private/b-x.key" --lifetime 30 \
	--cacert "$B/x509ca/other.pem" --cakey "$P/x.key" --san 192.0.2.2 \
	--dn "C=CH, O=elsewhere, CN=swan-b-x" --outform pem >"$B/x509/b-x.pem" ||
    bad "pki: the other CA's certificate"
swan_conf_cert name=t local=192.0.2.2 remote=192.0.2.1 lid=192.0.2.2 \
    lts=10.2.0.0/24 rts=10.1.0.0/24 cert=b-x.pem cacert=ca.pem \
    >"$B/t.conf" && swan_load "$B" "$B/t.conf" || bad "other CA: strongSwan loads"
swan_initiate "$B" t 5
check "other CA: strongSwan is told AUTHENTICATION_FAILED" \
    lab_poll 10 grep -q "received AUTHENTICATION_FAILED notify error" "$B/charon.log"
check "other CA: qsafe logs why" grep -Eq "ike G: IKE_AUTH refused: .*(cert|chain|verif)" "$LOG"
check "other CA: no SA on qsafe" eval '! iop_show "show security ike security-associations" | grep -q "UP .*192.0.2.2"'

[ "$fails" -eq 0 ] || { iop_dump; cat "$P/a.out"; }
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
