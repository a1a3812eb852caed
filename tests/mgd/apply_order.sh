#!/bin/sh
# A VPN committed together with its key-manager profile gets the profile's
# key at once, although mgd applies a commit to all its daemons at the same
# time (mgd/backend.c) and keymgr's apply may end after iked has asked: from
# its check of a change that adds or changes a profile until the apply (or
# the abort), keymgr holds the requests for that profile and then answers
# from the new configuration (keymgr/api.c api_hold).  Without that, iked
# got "unknown-profile" (lab-example4-tunnels under load: the tunnel up
# 10 s late, at iked's next try).
#
# mgd runs the real keymgr; stall_daemon stands in for iked and asks keymgr
# for a key of profile pA (QSAFE_STALL_ASK) as iked does, once it has
# answered the apply; and also during its check, held 2 s so that keymgr
# has checked a small change by then (the answer is read after the check).
#   1. a commit adds pA (key-id pa-1) and 20,000 other static profiles
#      (keymgr's apply: slow): the request after the apply gets pa-1's key;
#   2. a commit changes pA's key-id to pa-2, with 20,000 more: pa-2's;
#   3. a commit of pA's key-id pa-3 alone: the request made during the
#      check and the one after the apply both get pa-3's;
#   4. `commit check` of key-id pa-4: the change is dropped, the request
#      held at the check is answered with pa-3's as soon as it is, not when
#      the hold's limit (KM_HOLD_MAX_MS) runs out.
# QSAFE_STALL_DAEMON names the stall_daemon binary, QSAFE_KEYMGR keymgr.
. "$(dirname "$0")/lib.sh"
: "${QSAFE_STALL_DAEMON:?QSAFE_STALL_DAEMON not set}"
: "${QSAFE_KEYMGR:?QSAFE_KEYMGR not set}"

# mgd starts the daemons it finds next to itself: a copy of mgd beside
# keymgr and the stand-in named iked (and no hostd).
unset QSAFE_NO_DAEMONS QSAFE_LIBEXEC
mkdir -p "$T_DIR/bin"
cp "$QSAFE_MGD" "$T_DIR/bin/mgd"
cp "$QSAFE_KEYMGR" "$T_DIR/bin/keymgr"
cp "$QSAFE_STALL_DAEMON" "$T_DIR/bin/iked"
QSAFE_MGD=$T_DIR/bin/mgd
QSAFE_STALL=sleep
QSAFE_STALL_SECS=2
QSAFE_STALL_OP=check
QSAFE_STALL_WHO=iked
QSAFE_STALL_ASK=pA
QSAFE_STALL_LOG=$T_DIR/stall.log
export QSAFE_STALL QSAFE_STALL_SECS QSAFE_STALL_OP QSAFE_STALL_WHO \
    QSAFE_STALL_ASK QSAFE_STALL_LOG
P="set security key-manager profiles"
KEY=qjwbdip139u5mcy89m28pcgowerefnqwer

t_start
started() {
	grep -q '^start' "$QSAFE_STALL_LOG" 2>/dev/null &&
	    [ -S "$T_DIR/state/keymgr.sock" ]
}
t_poll 30 started || t_fail "keymgr and the stand-in did not start"

# bulk NAME: 20,000 static profiles NAME-1.. (keymgr's apply: slow)
bulk() {
	awk -v n="$1" -v p="$P" -v k="$KEY" 'BEGIN {
		for (i = 1; i <= 20000; i++) {
			printf "%s %s-%d static key-id ascii-text id-%d\n", p, n, i, i
			printf "%s %s-%d static key ascii-text %s\n", p, n, i, k
		}
	}'
}
nasked() { grep -c '^asked ' "$QSAFE_STALL_LOG"; }
asked() { [ "$(nasked)" -ge "$1" ]; }
# the last answer at the check or the apply: "ok KEY-ID" or "error CODE"
answer() { awk -v w="$1" '$1 == "asked" && $2 == w { a = $3 " " $4 } END { print a }' "$QSAFE_STALL_LOG"; }

# commit N KEY-ID FILE-OF-MORE-LINES WHEN...: pA's key-id set, committed;
# the stand-in's requests made at WHEN (check, apply) answered with that
# key-id's key
commit() {
	n0=$(nasked)
	{
		cat "$3"
		echo "$P pA static key-id ascii-text $2"
		echo "$P pA static key ascii-text $KEY"
	} >"$T_DIR/c$1.set"
	printf 'configure\nload set %s\ncommit\n' "$T_DIR/c$1.set" |
	    t_cli > "$T_DIR/commit$1.out" 2>&1
	grep -q "commit complete" "$T_DIR/commit$1.out" ||
	    t_fail "commit $1: $(tail -n 5 "$T_DIR/commit$1.out")"
	t_poll 15 asked $((n0 + 2)) ||
	    t_fail "commit $1: the stand-in's requests: $(cat "$QSAFE_STALL_LOG")"
	_n=$1 _k=$2
	shift 3
	for w in "$@"; do
		[ "$(answer $w)" = "ok $_k" ] ||
		    t_fail "commit $_n ($_k): asked at the $w: $(answer $w)"
	done
}

bulk b1 >"$T_DIR/b1.set"
commit 1 pa-1 "$T_DIR/b1.set" apply
echo "ok: a profile added with 20,000 others: its key at once"
bulk b2 >"$T_DIR/b2.set"
commit 2 pa-2 "$T_DIR/b2.set" apply
echo "ok: a profile changed with 20,000 added: the new key at once"
: >"$T_DIR/none.set"
commit 3 pa-3 "$T_DIR/none.set" check apply
echo "ok: a request during the commit waited for it: the new key"

n0=$(nasked)
printf 'configure\n%s pA static key-id ascii-text pa-4\ncommit check\n' "$P" |
    t_cli > "$T_DIR/check.out" 2>&1
grep -q "configuration check succeeds" "$T_DIR/check.out" ||
    t_fail "commit check: $(tail -n 5 "$T_DIR/check.out")"
t_poll 15 asked $((n0 + 1)) || t_fail "commit check: $(cat "$QSAFE_STALL_LOG")"
[ "$(answer check)" = "ok pa-3" ] ||
    t_fail "commit check: asked at the check: $(answer check)"
# The abort let the request go: keymgr did not wait out the hold's limit.
! grep -q "for a commit; answered" "$T_DIR/state/keymgr.log" ||
    t_fail "a request waited for the hold's limit: $(grep 'for a commit' "$T_DIR/state/keymgr.log")"
echo "ok: a change only checked: the running key, at the abort"
t_stop
