#!/usr/bin/env python3
"""ike_flood.py: hostile IKEv2 traffic for test_hostile_peer.sh, bounded in
count and time, to one responder address (run it inside a namespace the
test created).

  ike_flood.py spoofed DST SRC COUNT SOCKETS [SECS]   IKE_SA_INIT from
        SOCKETS source ports of SRC (COUNT in all, fresh SPIs, spread over
        SECS seconds if given), never answering: a spoofed flood.  Then the first 20 again, byte for byte (replays).
        Prints "sent=N replayed=N cookies=N answers=N" (COOKIE notifies
        and IKE_SA_INIT answers that came back within 2 s).
  ike_flood.py cookies DST SRC COUNT            COUNT IKE_SA_INIT, each from
        its own port, answering the COOKIE (RFC 7296 2.6) as a real peer
        would.  Prints "sent=N cookies=N answered=N silent=N".
  ike_flood.py junk DST SRC COUNT               COUNT garbage datagrams
        (random bytes, 1..200 of them) and COUNT truncated IKE_SA_INIT
        (the header claims more than arrives).  Prints "sent=N".
  ike_flood.py forge DST SRC SPII SPIR COUNT    COUNT INFORMATIONAL requests
        in the IKE SA SPII/SPIR (hex) with a random SK payload: forged or
        replayed, they must not pass the integrity check.  Prints "sent=N".

Every IKE_SA_INIT offers what the test's responder accepts: AES-CBC-256,
PRF/HMAC SHA2-256, D-H group 19 with a valid public value (the P-256 base
point), so each one that passes the cookie check costs a half-open SA.
"""
import os
import select
import socket
import struct
import sys
import time

IKE_PORT = 500
N_COOKIE = 16390
P256_G = bytes.fromhex(
    "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
    "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")


def transform(last, ttype, tid, attrs=b""):
    body = struct.pack("!BxH", ttype, tid) + attrs
    return struct.pack("!BxH", 0 if last else 3, 4 + len(body)) + body


def sa_payload():
    ts = (transform(False, 1, 12, struct.pack("!HH", 0x800E, 256)) +
          transform(False, 2, 5) + transform(False, 3, 12) +
          transform(True, 4, 19))
    prop = struct.pack("!BxHBBBB", 0, 8 + len(ts), 1, 1, 0, 4) + ts
    return prop


def payload(nxt, body):
    return struct.pack("!BxH", nxt, 4 + len(body)) + body


def sa_init(spi, cookie=None, nonce=None):
    """An IKE_SA_INIT request (RFC 7296 1.2), with COOKIE first if given
    (then with the nonce of the first request: 2.6 computes the cookie over
    Ni)."""
    chain = []
    if cookie is not None:
        chain.append((41, struct.pack("!BBH", 0, 0, N_COOKIE) + cookie))
    chain.append((33, sa_payload()))
    chain.append((34, struct.pack("!HH", 19, 0) + P256_G))
    chain.append((40, nonce if nonce is not None else os.urandom(32)))
    body = b""
    for i, (_, b) in enumerate(chain):
        nxt = chain[i + 1][0] if i + 1 < len(chain) else 0
        body += payload(nxt, b)
    hdr = struct.pack("!8s8sBBBBII", spi, b"\0" * 8, chain[0][0], 0x20, 34,
                      0x08, 0, 28 + len(body))
    return hdr + body


def cookie_of(data):
    """The COOKIE of a responder's answer, or None."""
    if len(data) < 36 or data[16] != 41:
        return None
    plen = struct.unpack("!H", data[30:32])[0]
    ntype = struct.unpack("!H", data[34:36])[0]
    if ntype != N_COOKIE or plen < 8 or 28 + plen > len(data):
        return None
    return data[36:28 + plen]


def sockets(src, n):
    out = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((src, 0))
        s.setblocking(False)
        out.append(s)
    return out


def drain(socks, secs):
    """Counts (cookies, other answers) arriving within secs."""
    cookies = answers = 0
    end = time.monotonic() + secs
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select(socks, [], [], left)
        for s in r:
            try:
                d = s.recv(4096)
            except BlockingIOError:
                continue
            if cookie_of(d) is not None:
                cookies += 1
            else:
                answers += 1
    return cookies, answers


def spoofed(dst, src, count, nsock, secs):
    socks = sockets(src, nsock)
    start = time.monotonic()
    first = []
    cookies = answers = 0
    for i in range(count):
        p = sa_init(os.urandom(8))
        if len(first) < 20:
            first.append((socks[i % nsock], p))
        try:
            socks[i % nsock].sendto(p, (dst, IKE_PORT))
        except BlockingIOError:
            pass
        if i % 200 == 199:  # bounded rate: about 20,000 a second at most
            due = start + secs * (i + 1) / count - time.monotonic()
            c, a = drain(socks, max(0.01, due))
            cookies += c
            answers += a
    for s, p in first:
        s.sendto(p, (dst, IKE_PORT))
    c, a = drain(socks, 2)
    print("sent=%d replayed=%d cookies=%d answers=%d" %
          (count, len(first), cookies + c, answers + a))


def with_cookies(dst, src, count):
    socks = sockets(src, count)
    spis = [os.urandom(8) for _ in socks]
    nonces = [os.urandom(32) for _ in socks]
    for s, spi, ni in zip(socks, spis, nonces):
        s.sendto(sa_init(spi, None, ni), (dst, IKE_PORT))
    cookies = answered = 0
    pending = {}
    end = time.monotonic() + 3
    while time.monotonic() < end:
        r, _, _ = select.select(socks, [], [], 0.2)
        for s in r:
            d = s.recv(4096)
            c = cookie_of(d)
            i = socks.index(s)
            if c is not None and i not in pending:
                cookies += 1
                pending[i] = True
                s.sendto(sa_init(spis[i], c, nonces[i]), (dst, IKE_PORT))
            elif c is None:
                answered += 1
    print("sent=%d cookies=%d answered=%d silent=%d" %
          (count, cookies, answered, count - answered))


def junk(dst, src, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    for i in range(count):
        if i % 20 == 19:
            time.sleep(0.002)   # paced: counted, not lost in a buffer
        n = 1 + os.urandom(1)[0] % 200
        s.sendto(os.urandom(n), (dst, IKE_PORT))
        p = sa_init(os.urandom(8))
        s.sendto(p[:28 + os.urandom(1)[0] % (len(p) - 28)], (dst, IKE_PORT))
    print("sent=%d" % (2 * count))


def forge(dst, src, spii, spir, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    for i in range(count):
        sk = payload(0, os.urandom(16 + 64))      # IV, junk, "ICV"
        hdr = struct.pack("!8s8sBBBBII", bytes.fromhex(spii),
                          bytes.fromhex(spir), 46, 0x20, 37, 0x08, i % 4,
                          28 + len(sk))
        s.sendto(hdr + sk, (dst, IKE_PORT))
    print("sent=%d" % count)


def main(argv):
    if len(argv) >= 6 and argv[1] == "spoofed":
        spoofed(argv[2], argv[3], int(argv[4]), int(argv[5]),
                float(argv[6]) if len(argv) > 6 else 0)
    elif len(argv) >= 5 and argv[1] == "cookies":
        with_cookies(argv[2], argv[3], int(argv[4]))
    elif len(argv) >= 5 and argv[1] == "junk":
        junk(argv[2], argv[3], int(argv[4]))
    elif len(argv) >= 7 and argv[1] == "forge":
        forge(argv[2], argv[3], argv[4], argv[5], int(argv[6]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
