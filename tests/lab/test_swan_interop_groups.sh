#!/bin/bash
# qsafe against strongSwan, the algorithm matrix (IKE only where it can be:
# no traffic), in the lab of iop_lab.sh:
#
# 1. each DH group both implement — 14, 15, 16, 19, 20, 21 and 31
#    (Curve25519) — as the IKE proposal's dh-group, qsafe initiating:
#    strongSwan shows the IKE SA ESTABLISHED with that group (MODP_2048,
#    MODP_3072, MODP_4096, ECP_256, ECP_384, ECP_521, CURVE_25519) and
#    qsafe the IKE SA UP;
# 2. the same groups with strongSwan initiating (qsafe responding);
# 3. each Junos ESP proposal set that strongSwan can match with a PSK IKE
#    SA — suiteb-gcm-128, suiteb-gcm-256, prime-128, prime-256 (AES-GCM
#    with PFS group 19 or 20) — qsafe initiating: strongSwan's Child SA is
#    INSTALLED with the set's cipher.  (Junos's IKE proposal sets are
#    either DES/3DES with groups 1/2, which neither side here runs, or
#    ECDSA signatures, which need certificates: test_swan_interop_cert.sh.)
# 4. IKE AES-GCM-16 128 and 256, IKE and ESP AES-CBC-192, both roles:
#    strongSwan's IKE proposal and Child SA, qsafe's detail algorithms.
#
# usage: test_swan_interop_groups.sh   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/iop_lab.sh"
lab_init iop

. "$(dirname "$0")/tap.sh"

iop_up || { echo "Bail out! the lab did not come up"; exit 1; }
B=$IOP_B

# swan_ike_alg NAME TEXT: strongSwan's IKE SA NAME is ESTABLISHED and its
# proposal line ends with TEXT.
swan_ike_alg() {
	swan_sa_state "$B" "$1" ESTABLISHED &&
	    swan_ctl "$B" --list-sas --ike "$1" 2>/dev/null |
	    grep -Eq "^ *AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/$2\$"
}
qs_ike_up() {
	iop_show "show security ike security-associations" |
	    grep -q "UP .*192.0.2.2"
}

# group Junos-name strongSwan-keyword strongSwan-name
groups="group14:modp2048:MODP_2048 group15:modp3072:MODP_3072
group16:modp4096:MODP_4096 group19:ecp256:ECP_256 group20:ecp384:ECP_384
group21:ecp521:ECP_521 group31:x25519:CURVE_25519"

# 1. qsafe initiates with each group.  The connection's name changes with
# the group, so an SA of the previous round cannot pass for this one's.
for g in $groups; do
	IFS=: read -r jg sg sn <<<"$g"
	iop_swan_load "$jg" ike="aes256-sha256-$sg" || bad "$jg: strongSwan loads"
	iop_qs_load dh="$jg" || bad "$jg: qsafe commits"
	check "qsafe→swan $jg: strongSwan's IKE SA is $sn" \
	    lab_poll 15 swan_ike_alg "$jg" "$sn"
	check "qsafe→swan $jg: qsafe's IKE SA UP" lab_poll 5 qs_ike_up
done

# 2. strongSwan initiates with each group
for g in $groups; do
	IFS=: read -r jg sg sn <<<"$g"
	iop_swan_load "r$jg" ike="aes256-sha256-$sg" || bad "$jg: strongSwan loads"
	iop_qs_load dh="$jg" start=responder || bad "$jg: qsafe commits"
	iop_show "clear security ike security-associations" >/dev/null
	swan_initiate "$B" "r$jg"
	check "swan→qsafe $jg: strongSwan's IKE SA is $sn" \
	    lab_poll 10 swan_ike_alg "r$jg" "$sn"
	check "swan→qsafe $jg: qsafe's IKE SA UP" lab_poll 5 qs_ike_up
done

# 3. the ESP proposal sets, with their PFS groups
# (the Child SA of IKE_AUTH has no KE, RFC 7296 1.2: the PFS group is
# agreed but used at the first rekey, so strongSwan lists the cipher only)
sets="suiteb-gcm-128:aes128gcm16-ecp256:AES_GCM_16-128:aes-gcm-128
suiteb-gcm-256:aes256gcm16-ecp384:AES_GCM_16-256:aes-gcm-256
prime-128:aes128gcm16-ecp256:AES_GCM_16-128:aes-gcm-128
prime-256:aes256gcm16-ecp384:AES_GCM_16-256:aes-gcm-256"
for x in $sets; do
	IFS=: read -r set esp sn qn <<<"$x"
	name=s${set//-/}
	iop_swan_load "$name" esp="$esp" || bad "$set: strongSwan loads"
	# The IKE SA of the previous step belongs to a strongSwan connection
	# that is gone: a Child SA asked for on it is matched against that
	# connection's proposals.  A fresh IKE SA is matched against this one.
	iop_show "clear security ike security-associations" >/dev/null
	iop_qs_load set="$set" || bad "$set: qsafe commits"
	check "qsafe→swan proposal-set $set: strongSwan's Child SA is ESP:$sn" \
	    lab_poll 15 eval "swan_ctl \"\$B\" --list-sas --ike $name 2>/dev/null |
	    grep -Eq 'INSTALLED, TUNNEL-in-UDP, ESP:$sn(/|\$)'"
	check "qsafe→swan proposal-set $set: qsafe's Child SA is ESP:$qn" \
	    lab_poll 5 eval "iop_show 'show security ipsec security-associations' |
	    grep -q '<500001 *ESP:$qn/'"
done

# 4. the ciphers that ran only between qsafe engines: IKE AES-GCM-16 128
# and 256 (RFC 5282: no integrity transform, the PRF from Junos's
# authentication-algorithm) and AES-CBC-192, IKE and ESP, both roles.
# strongSwan's IKE proposal line and qsafe's detail (Encryption, PRF,
# Authentication "-" for GCM) name the same cipher; the Child SA (ESP
# AES-CBC-192 with HMAC-SHA2-256-128 in the CBC cases, else AES-GCM-128)
# is INSTALLED on strongSwan and on tunnel 500001 on qsafe.
#
# cipher Junos-IKE-enc strongSwan-IKE strongSwan-IKE-SA qsafe-encr
#        Junos-ESP strongSwan-ESP strongSwan-child qsafe-ESP
ciphers="gcm128:aes-128-gcm:aes128gcm16-prfsha256-x25519:AES_GCM_16-128/PRF_HMAC_SHA2_256:aes128-gcm:aes-128-gcm:aes128gcm16:AES_GCM_16-128:aes-gcm-128/None
gcm256:aes-256-gcm:aes256gcm16-prfsha256-x25519:AES_GCM_16-256/PRF_HMAC_SHA2_256:aes256-gcm:aes-128-gcm:aes128gcm16:AES_GCM_16-128:aes-gcm-128/None
cbc192:aes-192-cbc:aes192-sha256-x25519:AES_CBC-192/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256:aes192-cbc:aes-192-cbc:aes192-sha256:AES_CBC-192/HMAC_SHA2_256_128:aes-cbc-192/sha256"

# swan_sa NAME IKE CHILD: strongSwan's IKE SA NAME is ESTABLISHED with
# proposal IKE over Curve25519 and its Child SA INSTALLED with ESP:CHILD.
swan_sa() {
	local l
	l=$(swan_ctl "$B" --list-sas --ike "$1" 2>/dev/null) &&
	    grep -q ": #.*ESTABLISHED" <<<"$l" &&
	    grep -Eq "^ *$2/CURVE_25519\$" <<<"$l" &&
	    grep -Eq "INSTALLED, TUNNEL-in-UDP, ESP:$3(/|\$| )" <<<"$l"
}
# qs_sa ENCR ESP: qsafe's detail names IKE cipher ENCR (no integrity
# transform with GCM) and its ESP SA on tunnel 500001 is ESP:ESP.
qs_sa() {
	local d integ='hmac-sha256-128'
	case $1 in *gcm) integ='-' ;; esac
	d=$(iop_show "show security ike security-associations detail") &&
	    grep -q "Encryption            : $1\$" <<<"$d" &&
	    grep -q "Authentication        : $integ\$" <<<"$d" &&
	    grep -q "Pseudo random function: hmac-sha256\$" <<<"$d" &&
	    grep -q "Diffie-Hellman group  : DH-group-31\$" <<<"$d" &&
	    iop_show "show security ipsec security-associations" |
	    grep -q "<500001 *ESP:$2 "
}
for x in $ciphers; do
	IFS=: read -r c je sike ssa qe jesp sesp sch qesp <<<"$x"
	for role in i r; do
		name=$role$c
		iop_swan_load "$name" ike="$sike" esp="$sesp" ||
		    bad "$c: strongSwan loads"
		if [ $role = i ]; then
			dir="qsafe→swan" start=immediately
		else
			dir="swan→qsafe" start=responder
		fi
		iop_qs_load enc="$je" esp="$jesp" start=$start ||
		    bad "$c: qsafe commits"
		# the previous round's SA is with a connection strongSwan no
		# longer has: gone, qsafe initiates anew or waits
		iop_show "clear security ike security-associations" >/dev/null
		[ $role = i ] || {
			lab_poll 5 iop_qs_none || bad "$c: qsafe's old SA cleared"
			swan_initiate "$B" "$name"
		}
		check "$dir $c: strongSwan's SA is $ssa, ESP:$sch" \
		    lab_poll 15 swan_sa "$name" "$ssa" "$sch"
		check "$dir $c: qsafe's detail shows $qe, ESP:$qesp" \
		    lab_poll 5 qs_sa "$qe" "$qesp"
	done
done

[ "$fails" -eq 0 ] || iop_dump
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
