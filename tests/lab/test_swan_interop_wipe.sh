#!/bin/bash
# iked's keys are gone from the live daemon once its SA is (issue 10: "Keys
# (SK_*, PSKs, PPKs, DH secrets) are wiped when an SA goes ... and never
# reach a log"), in the lab of iop_lab.sh.
#
# strongSwan logs every secret it derives at `ike = 4` / `chd = 4` (the
# way the reference vectors were made): the shared Diffie-Hellman secret,
# SKEYSEED, SK_d .. SK_pr, with the PPK mixed in, and the ESP keys, the
# same bytes as qsafe's.  strongSwan brings up a PSK + PPK tunnel to
# qsafe (responder: a clear brings nothing back up); memscan
# (tests/lib/memscan.c) reads iked's memory (/proc/PID/mem, every private
# writable mapping) and its `ca` helper's:
# 1. while the SA is up it finds the SK_* there (the scan sees them);
# 2. `clear security ike security-associations` (a Delete to strongSwan):
#    none of the secrets the SA derived is in either process; the PSK
#    and the PPK, still configured (iked reads `security key-manager`),
#    may be, and the PSK is;
# 3. a commit removes the VPN, the gateway and the key-manager profile:
#    neither the PSK nor the PPK is there either;
# and none of the appliance's logs holds a secret, as hex or as octets.
#
# usage: test_swan_interop_wipe.sh   (root; else exit 77: skipped)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/iop_lab.sh"
lab_init iop

. "$(dirname "$0")/tap.sh"

MEMSCAN=${QSAFE_BUILD_DIR:-$LAB_TOP/build}/tests/lib/memscan
[ -x "$MEMSCAN" ] || { echo "Bail out! no $MEMSCAN"; exit 1; }
iop_up groups="ike=4 chd=4" || { echo "Bail out! the lab did not come up"; exit 1; }
B=$IOP_B

# swan_secrets LOG: NAME=HEX for each key strongSwan dumped in LOG ("NAME
# => N bytes @ ADDR", then rows "OFF: XX XX ..."; threads interleave).
swan_secrets() {
	awk '
	function name_ok(n) {
		return n ~ /^(Sk_[a-z]+ secret|shared Diffie Hellman secret|SKEYSEED|PPK|.*key)$/
	}
	match($0, /^[^ ]+ [0-9]+\[/) {
		t = $2
		sub(/\[.*/, "", t)
		line = $0
		sub(/^[^ ]+ [0-9]+\[[A-Z]+\] /, "", line)
		sub(/^<[^>]*> /, "", line)
		if (line ~ / => [0-9]+ bytes @ /) {
			n = line
			sub(/ => [0-9]+ bytes @.*/, "", n)
			len = line
			sub(/.* => /, "", len)
			sub(/ bytes.*/, "", len)
			delete want[t]
			if (name_ok(n) && len + 0 >= 16) {
				want[t] = len + 0
				what[t] = n
				hex[t] = ""
			}
			next
		}
		if ((t in want) && line ~ /^ *[0-9]+: /) {
			sub(/^ *[0-9]+: /, "", line)
			k = split(line, f, " ")
			# 16 octets a row, then their ASCII
			for (i = 1; i <= k && i <= 16 &&
			    length(hex[t]) < 2 * want[t]; i++)
				hex[t] = hex[t] tolower(f[i])
			if (length(hex[t]) == 2 * want[t]) {
				w = what[t]
				gsub(/[^A-Za-z0-9_]/, "_", w)
				print w "=" hex[t]
				delete want[t]
			}
		}
	}' "$1" | sort -u
}
# hexof STRING: STRING's octets in hex
hexof() { printf %s "$1" | od -An -v -tx1 | tr -d ' \n'; }
# iked_pids: the appliance's iked (the last one mgd started) and its
# children (the ca process)
iked_pids() {
	local p
	p=$(sed -n 's/.*started iked (pid \([0-9]*\)).*/\1/p' "$IOP_A/mgd.log" | tail -n 1)
	[ -n "$p" ] || return 1
	echo "$p"
	cat /proc/"$p"/task/*/children 2>/dev/null | tr ' ' '\n' | grep .
}
# scan_iked NAME=HEX...: memscan over iked and its children; its status
scan_iked() {
	local args= p
	for p in $(iked_pids); do args="$args -p $p"; done
	[ -n "$args" ] || { lab_say "no iked"; return 2; }
	# shellcheck disable=SC2086
	"$MEMSCAN" $args "$@"
}
found() { scan_iked "$@" >"$LAB_DIR/scan.out"; [ $? = 1 ]; }
none() {
	scan_iked "$@" >"$LAB_DIR/scan.out"
	local rc=$?
	[ $rc = 0 ] && return 0
	cat "$LAB_DIR/scan.out" >&2
	return 1
}

PPKARGS="ppk_id=$IOP_PPK_ID ppk=$IOP_PPK"
iop_swan_load r $PPKARGS ppk_required=yes || bad "strongSwan: connection loads"
iop_qs_load ppk=required start=responder || bad "qsafe: PSK + PPK VPN commits"
swan_initiate "$B" r
check "swan→qsafe: strongSwan CHILD_SA INSTALLED" swan_wait_sa "$B" r INSTALLED 10
check "swan→qsafe: the tunnel is up on qsafe" lab_poll 10 iop_qs_up
check "qsafe: iked and its ca process run ($(iked_pids | wc -l))" \
    test "$(iked_pids | wc -l)" -ge 2

mapfile -t KEYS < <(swan_secrets "$(swan_log "$B")")
# ALL: what the SA derived; the PPK, like the PSK, is configuration (iked
# reads `security key-manager`) until the commit that removes it
SK=() ALL=()
for k in "${KEYS[@]}"; do
	case $k in
	PPK=*) ;;
	Sk_*) SK+=("$k") ALL+=("$k") ;;
	*) ALL+=("$k") ;;
	esac
done
check "strongSwan logged the SA's secrets (${#ALL[@]}: ${#SK[@]} SK_*, g^ir, ESP keys)" \
    test "${#SK[@]}" -ge 7 -a "${#ALL[@]}" -ge 10
PSK=psk=$(hexof "$IOP_PSK")
PPK=ppk=$(hexof "$IOP_PPK")

# 1. the scan sees what is live
check "up: iked holds the SA's SK_* (the scan sees them)" found "${SK[@]}"

# 2. a clear: the Delete goes to strongSwan; every key it derived goes
iop_show "clear security ike security-associations" >/dev/null
check "clear: strongSwan's SA is gone" lab_poll 10 swan_sa_state "$B" r gone
check "clear: qsafe shows no IKE SA" lab_poll 10 iop_qs_none
check "clear: none of the SA's ${#ALL[@]} secrets in iked or ca" none "${ALL[@]}"
check "clear: the configured PSK is still in iked (the scan sees it)" found "$PSK"

# 3. the VPN leaves the configuration
printf '%s\n' "delete security ipsec" "delete security ike" \
    "delete security key-manager" >"$LAB_DIR/novpn.set"
check "the VPN's removal commits" qs_load "$IOP_A" "$LAB_DIR/novpn.set"
check "removed: neither the PSK nor the PPK, nor any key, in iked or ca" \
    lab_poll 10 none "$PSK" "$PPK" "${ALL[@]}"

# No log of the appliance holds a secret: as octets (memscan -f) or hex
logs=$(find "$IOP_A" -type f -name '*.log' 2>/dev/null)
largs=
for f in $logs; do largs="$largs -f $f"; done
# shellcheck disable=SC2086
check "no secret's octets in the appliance's logs ($(echo $logs | wc -w) files)" \
    eval '[ -n "$logs" ] && "$MEMSCAN" $largs "$PSK" "$PPK" "${ALL[@]}"'
hexes() {
	local k
	for k in "$PSK" "$PPK" "${ALL[@]}"; do
		echo "${k#*=}" | cut -c1-32
	done
}
hexes >"$LAB_DIR/hex.pat"
# shellcheck disable=SC2086
check "no secret's hex in the appliance's logs" \
    eval '! grep -qiF -f "$LAB_DIR/hex.pat" $logs'

[ "$fails" -eq 0 ] || { iop_dump; cat "$LAB_DIR/scan.out"; }
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
