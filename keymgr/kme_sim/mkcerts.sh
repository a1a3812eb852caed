#!/bin/sh
# mkcerts.sh: test PKI for kme-sim and ETSI GS QKD 014 clients (labs, tests).
#
#   mkcerts.sh [-k "KME..."] [-s "SAE..."] [-a "ADDR..."] DIR
#
# Creates in DIR (made if missing; private keys mode 0600, EC P-256):
#   ca.pem ca.key                 the test CA
#   kme-NAME.pem kme-NAME.key     KME server certificate per KME (default A B),
#                                 SAN IP:127.0.0.1, IP:::1, DNS:localhost,
#                                 DNS:kme-NAME, and IP:ADDR for each -a
#                                 address (a lab's KMEs on veth links)
#   sae-ID.pem sae-ID.key         SAE client certificate per SAE, CN = SAE ID
#                                 (default SAE_A SAE_B SAE_C)
#   sae-ID-expired.pem/.key       for the first SAE: same CN, expired in 2021
#   rogue-ca.pem rogue-ca.key     a CA nobody trusts
#   rogue-ID.pem rogue-ID.key     first SAE's CN, issued by the rogue CA
set -eu

kmes="A B"
saes="SAE_A SAE_B SAE_C"
addrs=""
while getopts a:k:s: opt; do
	case $opt in
	a) addrs=$OPTARG ;;
	k) kmes=$OPTARG ;;
	s) saes=$OPTARG ;;
	*) echo "usage: $0 [-k KMEs] [-s SAEs] [-a ADDRs] DIR" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "usage: $0 [-k KMEs] [-s SAEs] [-a ADDRs] DIR" >&2; exit 2; }
san_extra=""
for a in $addrs; do
	san_extra="$san_extra,IP:$a"
done
dir=$1
mkdir -p "$dir"
umask 077
tmp=$(mktemp -d "$dir/.mkcerts.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

genkey() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1" 2>/dev/null
	chmod 600 "$1"
}

# mkca NAME CN
mkca() {
	genkey "$dir/$1.key"
	openssl req -x509 -new -key "$dir/$1.key" -sha256 -days 3650 \
	    -subj "/O=qsafe test/CN=$2" -out "$dir/$1.pem" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign
	chmod 644 "$dir/$1.pem"
}

# issue CA OUT CN EXTFILE
issue() {
	genkey "$dir/$2.key"
	openssl req -new -key "$dir/$2.key" -subj "/O=qsafe test/CN=$3" \
	    -out "$tmp/$2.csr"
	openssl x509 -req -in "$tmp/$2.csr" -CA "$dir/$1.pem" \
	    -CAkey "$dir/$1.key" -CAcreateserial -CAserial "$tmp/$1.srl" \
	    -days 825 -sha256 -extfile "$4" -out "$dir/$2.pem" 2>/dev/null
	chmod 644 "$dir/$2.pem"
}

printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' \
    >"$tmp/client.ext"

mkca ca "qsafe test CA"
for k in $kmes; do
	printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,DNS:kme-%s%s\n' \
	    "$k" "$san_extra" >"$tmp/server-$k.ext"
	issue ca "kme-$k" "kme-$k" "$tmp/server-$k.ext"
done
for s in $saes; do
	issue ca "sae-$s" "$s" "$tmp/client.ext"
done

first=${saes%% *}

# An expired client certificate: `openssl ca` takes explicit dates.
mkdir -p "$tmp/ca"
: >"$tmp/ca/index.txt"
cat >"$tmp/ca.cnf" <<CNF
[ ca ]
default_ca = test
[ test ]
dir = $tmp/ca
database = $tmp/ca/index.txt
new_certs_dir = $tmp/ca
serial = $tmp/ca/serial
default_md = sha256
policy = any
unique_subject = no
[ any ]
commonName = supplied
organizationName = optional
[ client ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
CNF
echo 1000 >"$tmp/ca/serial"
genkey "$dir/sae-$first-expired.key"
openssl req -new -key "$dir/sae-$first-expired.key" \
    -subj "/O=qsafe test/CN=$first" -out "$tmp/expired.csr"
openssl ca -batch -config "$tmp/ca.cnf" -cert "$dir/ca.pem" \
    -keyfile "$dir/ca.key" -in "$tmp/expired.csr" -extensions client \
    -startdate 20200101000000Z -enddate 20210101000000Z \
    -notext -out "$dir/sae-$first-expired.pem" 2>/dev/null
chmod 644 "$dir/sae-$first-expired.pem"

# A CA nobody trusts, and a client certificate with a real SAE's name.
mkca rogue-ca "qsafe rogue CA"
issue rogue-ca "rogue-$first" "$first" "$tmp/client.ext"
