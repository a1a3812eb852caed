#!/bin/bash
# Manual SAs through the userspace ESP dataplane: two appliances (./qsafe
# start --netns) joined by a veth pair, a host namespace behind each, one
# `security ipsec vpn manual` each way over st0.0 with a static route into
# it.  The hosts ping each other through the tunnel, `show security ipsec
# statistics` counts what moved, and a wrong key on one side stops the
# pings and is counted as ESP authentication failures.  Root only (77).
#
#   test_dp_manual.sh   (QSAFE_TOP, QSAFE_BUILD_DIR)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"
export QSAFE_BUILD_DIR
# the packet threads linger (off by default): this lab checks that they
# still sleep once the traffic stops (below)
export QSAFE_DP_LINGER_US=50
lab_init dp

. "$(dirname "$0")/tap.sh"
fail() { bad "$@"; }

KEY=000102030405060708090a0b0c0d0e0f10111213	# aes-128-gcm: 16 + 4 salt
BADKEY=ff0102030405060708090a0b0c0d0e0f10111213

. "$(dirname "$0")/dp_lab.sh"
dp_lab_up "$KEY" || { fail "the lab did not come up"; exit 1; }

# A configuration check: an unusable manual SA is refused at commit.
out=$(qs_cli "$LAB_DIR/A" "configure; set security ipsec vpn v1 manual encryption key hexadecimal 0011; commit" 2>&1)
if printf '%s\n' "$out" | grep -q "vpn v1 manual" &&
    printf '%s\n' "$out" | grep -q "key length"; then
	ok "a key of the wrong length is refused at commit"
else
	printf '%s\n' "$out"; fail "a short key was not refused"
fi
qs_cli "$LAB_DIR/A" "configure; rollback 0; commit" >/dev/null 2>&1

stat() {	# stat DIR LABEL: the number after LABEL in the statistics
	qs_cli "$1" "show security ipsec statistics" |
	    sed -n "s/.*$2: *\([0-9][0-9]*\).*/\1/p" | head -1
}
pinged() { ip netns exec "$HA" ping -c 1 -W 1 -q 198.51.100.66 >/dev/null 2>&1; }

# st0.0 appears (iked), hostd puts its address and the route on it.
if lab_poll 20 pinged; then
	ok "host A pings host B through st0.0"
else
	fail "no ping through the tunnel"
	ip -n "$A" addr; ip -n "$A" route; tail -20 "$LAB_DIR/A/iked.log"
fi
if ip netns exec "$HA" ping -c 5 -i 0.2 -q 198.51.100.66 >/dev/null; then
	ok "5 of 5 pings through the tunnel"
else
	fail "pings lost through the tunnel"
fi

# While traffic is light one packet thread serves both sides
# (iked/dp_us_wait.c): pings through the tunnel wake neither appliance's
# dp-tx thread, which a transfer wakes; QSAFE_DP_IDLE_MS (100 ms) after
# it, pings leave it asleep again.
tx_switches() {	# tx_switches DIR: context switches of DIR's dp-tx thread
	local p t
	for p in $(pgrep -x iked); do
		tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" |
		    grep -q -- "--state-dir $1 " || continue
		for t in /proc/"$p"/task/*; do
			[ "$(cat "$t/comm" 2>/dev/null)" = dp-tx ] || continue
			awk '/ctxt_switches/ { s += $2 } END { print s }' \
			    "$t/status"
		done
	done
}
tx_asleep() {	# 10 pings pass, neither dp-tx thread switched meanwhile
	local a0 b0
	a0=$(tx_switches "$LAB_DIR/A") b0=$(tx_switches "$LAB_DIR/B")
	[ -n "$a0" ] && [ -n "$b0" ] || return 1
	ip netns exec "$HA" ping -c 10 -i 0.05 -q 198.51.100.66 >/dev/null ||
	    return 1
	[ "$(tx_switches "$LAB_DIR/A")" = "$a0" ] &&
	    [ "$(tx_switches "$LAB_DIR/B")" = "$b0" ]
}
if tx_asleep; then
	ok "pings pass, neither appliance's dp-tx thread woke"
else
	fail "pings woke a dp-tx thread (A $(tx_switches "$LAB_DIR/A"), B $(tx_switches "$LAB_DIR/B"))"
fi
lab_spawn "$LAB_DIR/sink.log" ip netns exec "$HB" python3 -c '
import socket
s = socket.socket()
s.bind(("198.51.100.66", 5999))
s.listen(1)
c, _ = s.accept()
n = 0
while True:
    b = c.recv(65536)
    if not b:
        break
    n += len(b)
print(n, flush=True)'
sink=$LAB_PID
listening() { ip netns exec "$HB" ss -ltn | grep -q ":5999 "; }
a0=$(tx_switches "$LAB_DIR/A")
if lab_poll 5 listening && ip netns exec "$HA" timeout 20 python3 -c '
import socket
s = socket.create_connection(("198.51.100.66", 5999), 5)
s.sendall(b"x" * 2000000)
s.close()' && lab_poll 10 grep -qx 2000000 "$LAB_DIR/sink.log"; then
	ok "2 MB by TCP through the tunnel"
else
	fail "the TCP transfer did not complete ($(cat "$LAB_DIR/sink.log"))"
fi
lab_kill "$sink"
a1=$(tx_switches "$LAB_DIR/A")
[ "${a1:-0}" -gt "${a0:-0}" ] && ok "the transfer woke A's dp-tx thread" ||
    fail "A's dp-tx thread did not take the transfer ($a0, $a1)"
if lab_poll 5 tx_asleep; then
	ok "idle again, pings pass without waking dp-tx"
else
	fail "after the transfer, pings still wake a dp-tx thread"
fi

# The packet threads poll for a while after moving packets (linger,
# iked/dp_us_wait.c, on above), then sleep: after traffic, an idle appliance's iked
# burns (almost) no CPU.  Polled: A's iked uses at most 2 of the 50
# ticks of a half second, within 5 s of the last ping; a thread that kept
# polling would use ~50 of them in every half second, and never pass.
iked_ticks() {	# iked_ticks DIR: utime + stime of DIR's iked processes
	local p v t=0
	for p in $(pgrep -x iked); do
		tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" |
		    grep -q -- "--state-dir $1 " || continue
		v=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null) ||
		    continue
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
idle_ticks=
iked_idle() {	# A's iked used <= 2 ticks in the last 0.5 s (in $idle_ticks)
	local t0 t1
	t0=$(iked_ticks "$LAB_DIR/A")
	sleep 0.5	# the sample window, not a wait
	t1=$(iked_ticks "$LAB_DIR/A")
	idle_ticks=$((t1 - t0))
	[ "$idle_ticks" -le 2 ]
}
ip netns exec "$HA" ping -c 200 -i 0.002 -q 198.51.100.66 >/dev/null 2>&1
if lab_poll 5 iked_idle; then
	ok "idle after 200 pings, A's iked used $idle_ticks ticks in 0.5 s"
else
	fail "idle after traffic, A's iked used $idle_ticks ticks in the last 0.5 s"
fi
enc=$(stat "$LAB_DIR/A" "Encrypted packets")
dec=$(stat "$LAB_DIR/A" "Decrypted packets")
if [ "${enc:-0}" -ge 5 ] && [ "${dec:-0}" -ge 5 ]; then
	ok "statistics count them (encrypted $enc, decrypted $dec)"
else
	qs_cli "$LAB_DIR/A" "show security ipsec statistics"
	fail "statistics did not move (encrypted ${enc:-?}, decrypted ${dec:-?})"
fi
bytes=$(stat "$LAB_DIR/B" "Decrypted bytes")
[ "${bytes:-0}" -ge 500 ] && ok "B decrypted $bytes bytes" ||
    fail "B's decrypted bytes: ${bytes:-?}"
qs_cli "$LAB_DIR/A" "clear security ipsec statistics" >/dev/null
enc=$(stat "$LAB_DIR/A" "Encrypted packets")
[ "${enc:-x}" = 0 ] && ok "clear security ipsec statistics zeroes them" ||
    fail "after clear: encrypted ${enc:-?}"

# A wrong key on B: nothing passes, A counts authentication failures.
qs_cli "$LAB_DIR/B" "configure; set security ipsec vpn v1 manual encryption key hexadecimal $BADKEY; commit" >/dev/null 2>&1
authfail() { [ "$(stat "$LAB_DIR/A" "ESP authentication failures")" -ge 3 ]; }
if ip netns exec "$HA" ping -c 3 -i 0.3 -W 1 -q 198.51.100.66 >/dev/null 2>&1; then
	fail "pings pass with a wrong key on one side"
else
	ok "no ping passes with a wrong key on one side"
fi
# B answers nothing it cannot authenticate; A's own pings fail at B.  So
# make B send: its host pings A's.
ip netns exec "$HB" ping -c 3 -i 0.3 -W 1 -q 198.51.100.2 >/dev/null 2>&1
if lab_poll 5 authfail; then
	ok "A counts ESP authentication failures ($(stat "$LAB_DIR/A" "ESP authentication failures"))"
else
	qs_cli "$LAB_DIR/A" "show security ipsec statistics"
	fail "no authentication failures counted"
fi
# The right key again: traffic flows again (only the changed SA replaced).
qs_cli "$LAB_DIR/B" "configure; set security ipsec vpn v1 manual encryption key hexadecimal $KEY; commit" >/dev/null 2>&1
lab_poll 10 pinged && ok "the right key again: pings pass" ||
    fail "pings do not come back with the right key"

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
echo "all passed"
