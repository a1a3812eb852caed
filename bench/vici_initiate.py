#!/usr/bin/env python3
"""vici_initiate.py: bring up many CHILD SAs of a charon, INFLIGHT at a time.

   vici_initiate.py SOCKET PREFIX N INFLIGHT TIMEOUT

Initiates the children PREFIX1..PREFIXN over one vici connection
("initiate" with timeout -1: charon answers at once and works on), keeping
INFLIGHT of them unfinished, and counts them done from the child-updown and
ike-updown events on a second connection.  One process for all: a swanctl
per tunnel would cost ~15 ms of CPU each and measure swanctl, not charon.

Prints one line, "up=U failed=F cpu_us=C first_us=T0 last_us=T1" (wall
clock, µs since the epoch, first initiate and last CHILD SA up; C its own
CPU, user + system, from the first initiate to the end: what it takes from
the cores the daemons share, without its start), and exits 0 when all
N came up, 1 when one failed (its name and the event are on stderr) or
TIMEOUT seconds passed.  The caller confirms with `swanctl --list-sas`.

The vici wire format (strongSwan's src/libcharon/plugins/vici/README.md):
a packet is a 32-bit big-endian length and a type byte; named types carry a
name (8-bit length); a message is a sequence of elements: SECTION_START
(1, name), SECTION_END (2), KEY_VALUE (3, name, 16-bit length value),
LIST_START (4, name), LIST_ITEM (5, 16-bit length value), LIST_END (6).
"""
import os
import resource
import select
import socket
import struct
import sys
import time

CMD_REQUEST, CMD_RESPONSE, CMD_UNKNOWN = 0, 1, 2
EVENT_REGISTER, EVENT_CONFIRM, EVENT_UNKNOWN, EVENT = 3, 5, 6, 7


def encode(msg):
    out = b""
    for k, v in msg.items():
        k = k.encode()
        v = str(v).encode()
        out += bytes([3, len(k)]) + k + struct.pack(">H", len(v)) + v
    return out


def head(data):
    """(up, name) of an updown event from its first two elements alone:
    charon's vici plugin writes "up = yes" (only when up) and then the IKE
    SA's section, which the rest of the message fills (its children, their
    algorithms, addresses: most of the bytes).  None when the message does
    not start so: the caller decodes it whole.  Bounded by len(data)."""
    if len(data) < 2 or data[0] != 3:
        return None
    n = data[1]
    i = 2 + n
    if data[2:i] != b"up" or i + 2 > len(data):
        return None
    (vlen,) = struct.unpack(">H", data[i:i + 2])
    i += 2
    if data[i:i + vlen] != b"yes":
        return None
    i += vlen
    if i + 2 > len(data) or data[i] != 1 or i + 2 + data[i + 1] > len(data):
        return None
    return True, data[i + 2:i + 2 + data[i + 1]].decode(errors="replace")


def decode(data):
    """The elements of one message as a nested dict; bounded by len(data)."""
    root = {}
    stack = [root]
    i = 0

    def take(n):
        nonlocal i
        if i + n > len(data):
            raise ValueError("truncated vici message")
        b = data[i:i + n]
        i += n
        return b

    cur_list = None
    while i < len(data):
        t = take(1)[0]
        if t in (1, 3, 4):
            name = take(take(1)[0]).decode(errors="replace")
        if t == 1:
            sec = {}
            stack[-1][name] = sec
            stack.append(sec)
        elif t == 2:
            if len(stack) == 1:
                raise ValueError("unbalanced section end")
            stack.pop()
        elif t == 3:
            (n,) = struct.unpack(">H", take(2))
            stack[-1][name] = take(n).decode(errors="replace")
        elif t == 4:
            cur_list = []
            stack[-1][name] = cur_list
        elif t == 5:
            (n,) = struct.unpack(">H", take(2))
            if cur_list is not None:
                cur_list.append(take(n).decode(errors="replace"))
            else:
                take(n)
        elif t == 6:
            cur_list = None
        else:
            raise ValueError("unknown vici element %d" % t)
    return root


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""

    @staticmethod
    def packet(ptype, name, msg=None):
        body = bytes([ptype])
        if name is not None:
            n = name.encode()
            body += bytes([len(n)]) + n
        if msg:
            body += encode(msg)
        return struct.pack(">I", len(body)) + body

    def send(self, ptype, name, msg=None):
        self.s.sendall(self.packet(ptype, name, msg))

    def packets(self, lazy=False):
        """Reads what is there; returns the complete packets as (type,
        name, message); lazy: an event's message as its bytes, undecoded."""
        chunk = self.s.recv(65536)
        if not chunk:
            raise EOFError("charon closed the vici socket")
        self.buf += chunk
        out = []
        while len(self.buf) >= 4:
            (n,) = struct.unpack(">I", self.buf[:4])
            if n < 1 or n > 512 * 1024:
                raise ValueError("vici packet of %d bytes" % n)
            if len(self.buf) < 4 + n:
                break
            pkt, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
            t, rest, name = pkt[0], pkt[1:], None
            if t in (EVENT,):
                name = rest[1:1 + rest[0]].decode()
                rest = rest[1 + rest[0]:]
            out.append((t, name, rest if lazy and t == EVENT
                        else decode(rest)))
        return out

    def wait(self, want):
        while True:
            for t, name, msg in self.packets():
                if t == want:
                    return msg
                if t in (CMD_UNKNOWN, EVENT_UNKNOWN):
                    raise RuntimeError("charon does not know that command")


def now_us():
    return time.time_ns() // 1000


def cpu_us():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return int((r.ru_utime + r.ru_stime) * 1e6)


def main():
    path, prefix, n, inflight, timeout = sys.argv[1:6]
    n, inflight, timeout = int(n), int(inflight), float(timeout)
    ev = Conn(path)
    for e in ("child-updown", "ike-updown"):
        ev.send(EVENT_REGISTER, e)
        ev.wait(EVENT_CONFIRM)
    ctl = Conn(path)
    names = ["%s%d" % (prefix, i) for i in range(1, n + 1)]
    pending = set()
    up = set()
    failed = 0
    nxt = 0
    first = last = cpu0 = 0
    deadline = time.monotonic() + timeout

    # The initiates that fit in the flight go out in one write (charon's
    # vici reads them one by one from its buffer), and an event's message
    # is read only as far as its "up" and its IKE SA's name (head()): the
    # driver shares the cores with both daemons, the same in every run.
    # VICI_LAZY=0: one write per initiate and every event decoded whole,
    # as before (to compare the driver's CPU).
    lazy = os.environ.get("VICI_LAZY", "1") != "0"

    def fire():
        nonlocal nxt, first, cpu0
        out = []
        while nxt < n and len(pending) < inflight:
            name = names[nxt]
            nxt += 1
            if not first:
                cpu0 = cpu_us()
                first = now_us()
            out.append(Conn.packet(CMD_REQUEST, "initiate",
                                   {"child": name, "ike": name,
                                    "timeout": -1, "init-limits": "no"}))
            pending.add(name)
            if not lazy:
                ctl.s.sendall(out.pop())
        if out:
            ctl.s.sendall(b"".join(out))

    fire()
    while len(up) < n and failed == 0:
        left = deadline - time.monotonic()
        if left <= 0:
            print("timeout: %d of %d up, %d in flight" %
                  (len(up), n, len(pending)), file=sys.stderr)
            break
        r, _, _ = select.select([ev.s, ctl.s], [], [], left)
        if ctl.s in r:
            for t, _, msg in ctl.packets():
                if t == CMD_RESPONSE and msg.get("success") != "yes":
                    print("initiate refused: %s" % msg.get("errmsg"),
                          file=sys.stderr)
                    failed += 1
        if ev.s in r:
            for t, name, msg in ev.packets(lazy):
                if t != EVENT:
                    continue
                h = head(msg) if lazy else None
                if h is not None:
                    is_up, sas = h[0], (h[1],)
                else:
                    if lazy:
                        msg = decode(msg)
                    is_up = msg.get("up") == "yes"
                    sas = [k for k, v in msg.items() if isinstance(v, dict)]
                for sa in sas:
                    if sa not in pending:
                        continue
                    if name == "child-updown" and is_up:
                        pending.discard(sa)
                        up.add(sa)
                        last = now_us()
                    elif not is_up:
                        print("%s went down before its CHILD SA was up "
                              "(%s, state %s)" % (sa, name,
                                                  msg[sa].get("state")),
                              file=sys.stderr)
                        pending.discard(sa)
                        failed += 1
            fire()
    print("up=%d failed=%d cpu_us=%d first_us=%d last_us=%d" %
          (len(up), failed, cpu_us() - cpu0, first, last))
    return 0 if len(up) == n else 1


if __name__ == "__main__":
    sys.exit(main())
