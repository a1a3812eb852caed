#!/bin/bash
# IKEv2 fragmentation (RFC 7383) against strongSwan, with a certificate
# chain too big for one datagram: a root CA and an intermediate CA (RSA
# 4096, strongSwan's `pki`) issue both gateways' RSA-4096 certificates, so
# each IKE_AUTH carries an end-entity certificate, the intermediate and a
# 512-octet signature (well over qsafe's 576-octet fragments and
# strongSwan's 1280).  qsafe has the root and the intermediate in two
# ca-profiles (it sends its certificate and the intermediate, never the
# root); strongSwan has them in x509ca/ with `fragmentation = yes`.
#
# qsafe initiating, then strongSwan initiating: the tunnel comes up and
# passes a ping; strongSwan's log shows it split its IKE_AUTH into
# fragments and reassembled qsafe's; qsafe's `show security ike stats`
# counts the fragments it sent and the messages it reassembled.
#
# usage: test_swan_interop_frag.sh   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
command -v pki >/dev/null || { echo "SKIP: no strongSwan pki (strongswan-pki)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/iop_lab.sh"
lab_init ikf

. "$(dirname "$0")/tap.sh"

# strongSwan's ENC group at 1 logs the fragments.
iop_up groups="enc=1" || { echo "Bail out! the lab did not come up"; exit 1; }
B=$IOP_B LOG=$(iop_iked_log) P=$LAB_DIR/pki
mkdir -p "$P" "$B/x509" "$B/x509ca" "$B/private"

spki() { pki "$@" 2>>"$P/pki.err"; }
# issue KEYFILE DN SAN CA_PEM CA_KEY [--ca]: a certificate on stdout
issue() {
	local key=$1 dn=$2 san=$3 cacert=$4 cakey=$5
	shift 5
	spki --issue --type priv --in "$key" --lifetime 30 --cacert "$cacert" \
	    --cakey "$cakey" --dn "$dn" ${san:+--san "$san"} --outform pem "$@"
}
for k in root inter a b; do
	spki --gen --type rsa --size 4096 --outform pem >"$P/$k.key" ||
	    { cat "$P/pki.err"; echo "Bail out! pki --gen"; exit 1; }
done
spki --self --ca --lifetime 30 --in "$P/root.key" --outform pem \
    --dn "C=CH, O=qsafe-lab, CN=frag-root-ca" >"$P/root.pem" &&
    issue "$P/inter.key" "C=CH, O=qsafe-lab, CN=frag-intermediate-ca" "" \
	"$P/root.pem" "$P/root.key" --ca >"$P/inter.pem" &&
    issue "$P/b.key" "C=CH, O=qsafe-lab, CN=frag-swan-b" 192.0.2.2 \
	"$P/inter.pem" "$P/inter.key" >"$B/x509/b.pem" &&
    issue "$P/a.key" "C=CH, O=qsafe-lab, CN=frag-qsafe-a" 192.0.2.1 \
	"$P/inter.pem" "$P/inter.key" >"$P/a.pem" ||
    { cat "$P/pki.err"; echo "Bail out! pki --issue"; exit 1; }
cp "$P/root.pem" "$P/inter.pem" "$B/x509ca/"
cp "$P/b.key" "$B/private/b.key"

qs_cli "$IOP_A" "configure; set security pki ca-profile ROOT ca-identity ROOT; set security pki ca-profile INTER ca-identity INTER; commit" \
    >"$P/a.out" 2>&1
for c in ROOT:root INTER:inter; do
	qs_cli "$IOP_A" "request security pki ca-certificate load ca-profile ${c%:*} filename $P/${c#*:}.pem; yes" \
	    >>"$P/a.out" 2>&1
done
qs_cli "$IOP_A" "request security pki local-certificate load certificate-id GW filename $P/a.pem key $P/a.key" \
    >>"$P/a.out" 2>&1

swan_conf_cert name=t local=192.0.2.2 remote=192.0.2.1 lid=192.0.2.2 \
    lts=10.2.0.0/24 rts=10.1.0.0/24 cert=b.pem cacert=root.pem frag=yes \
    >"$B/t.conf" && swan_load "$B" "$B/t.conf" || bad "strongSwan loads"

# qsafe's counter NAME of show security ike stats
qs_stat() {
	iop_show "show security ike stats" |
	    sed -n "s/^ *$1: *\([0-9]*\)$/\1/p"
}
# strongSwan split its message into fragments and put qsafe's together
swan_split() { grep -Eq "splitting IKE message \([0-9]+ bytes\) into [0-9]+ fragments" "$B/charon.log"; }
swan_joined() { grep -Eq "reassembled fragmented IKE message \([0-9]+ bytes\)" "$B/charon.log"; }

# roles: qsafe initiating, then strongSwan
for role in qsafe swan; do
	sent=$(qs_stat "Fragments sent") joined=$(qs_stat "Messages reassembled")
	: >"$B/charon.log"
	if [ $role = qsafe ]; then
		IOP_CA=ROOT iop_qs_load cert=GW method=rsa-signatures \
		    rid="inet 192.0.2.2" start=immediately || bad "$role: qsafe commits"
	else
		IOP_CA=ROOT iop_qs_load cert=GW method=rsa-signatures \
		    rid="inet 192.0.2.2" start=responder || bad "$role: qsafe commits"
		swan_initiate "$B" t
	fi
	check "$role initiates: qsafe shows the IKE SA UP and the Child SA" lab_poll 20 iop_qs_up
	check "$role initiates: strongSwan CHILD_SA INSTALLED" swan_wait_sa "$B" t INSTALLED 5
	check "$role initiates: strongSwan split its IKE_AUTH into fragments" swan_split
	check "$role initiates: strongSwan reassembled qsafe's fragments" swan_joined
	check "$role initiates: qsafe sent the intermediate CA, not the root" eval \
	    'grep -q "received issuer cert \"C=CH, O=qsafe-lab, CN=frag-intermediate-ca\"" "$B/charon.log" &&
	    ! grep -q "received issuer cert \"C=CH, O=qsafe-lab, CN=frag-root-ca\"" "$B/charon.log"'
	check "$role initiates: strongSwan sent its intermediate CA" \
	    grep -q "sending issuer cert \"C=CH, O=qsafe-lab, CN=frag-intermediate-ca\"" "$B/charon.log"
	check "$role initiates: qsafe sent fragments (${sent:-?} -> $(qs_stat "Fragments sent"))" \
	    test "$(qs_stat "Fragments sent")" -gt "${sent:-0}"
	check "$role initiates: qsafe reassembled strongSwan's IKE_AUTH" \
	    test "$(qs_stat "Messages reassembled")" -gt "${joined:-0}"
	check "$role initiates: ha pings hb" lab_poll 10 iop_ping_hb
	if [ $role = qsafe ]; then
		IOP_CA=ROOT iop_qs_load cert=GW method=rsa-signatures \
		    rid="inet 192.0.2.2" start=responder
		iop_show "clear security ike security-associations" >/dev/null
		check "cleared on both sides" eval \
		    'lab_poll 10 swan_sa_state "$B" t gone && lab_poll 5 iop_qs_none'
	fi
done

[ "$fails" -eq 0 ] || { iop_dump; cat "$P/a.out"; iop_show "show security ike stats"; }
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
