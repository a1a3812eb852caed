#!/usr/bin/env python3
"""ike_times.py: IKE setup times from a capture (bench/qkd_overhead.sh).

    ike_times.py PCAP INITIATOR_ADDR

Reads a classic pcap (tcpdump -w, Ethernet, UDP 500 without NAT-T) and
prints one line per IKE SA that INITIATOR_ADDR set up, keyed by the
initiator's SPI: the milliseconds from its first IKE_SA_INIT request to
the IKE_AUTH response it received (RFC 7296 1.2: the initiator installs
the first Child SA as it processes that response), then of those the
initiator's time between IKE_SA_INIT's response and its IKE_AUTH request,
and IKE_AUTH's round trip.  A COOKIE or INVALID_KE
round trip counts in the time, as a user waits for it.  Exits 1 when no
complete exchange is found.  Every length is checked against the bytes
left before it is used.
"""
import socket
import struct
import sys

IKE_SA_INIT, IKE_AUTH = 34, 35
FLAG_RESPONSE = 0x20


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = struct.unpack("<I", data[:4])[0]
    if magic == 0xA1B2C3D4:
        endian, div = "<", 1e6
    elif magic == 0xA1B23C4D:
        endian, div = "<", 1e9
    elif magic == 0xD4C3B2A1:
        endian, div = ">", 1e6
    else:
        raise SystemExit("ike_times: not a pcap file")
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII",
                                             data[off:off + 16])
        off += 16
        if caplen > len(data) - off:
            return
        yield sec + frac / div, data[off:off + caplen]
        off += caplen


def ike(frame):
    """(src, dst, ispi, exchange, flags) of an IKE message, or None."""
    m = ike_hdr(frame)
    return None if m is None else m[:5]


def ike_hdr(frame):
    """(src, dst, ispi, exchange, flags, message ID, length) of an IKE
    message, or None (bench/qkd_load.py matches requests and responses
    by message ID)."""
    if len(frame) < 14 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
        return None
    ihl = (ip[0] & 0x0F) * 4
    if ihl < 20 or len(ip) < ihl + 8 + 28:
        return None
    udp = ip[ihl:]
    sport, dport = struct.unpack(">HH", udp[:4])
    if 500 not in (sport, dport):
        return None
    hdr = udp[8:36]
    msgid, length = struct.unpack(">II", hdr[20:28])
    return (socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20]),
            hdr[0:8].hex(), hdr[18], hdr[19], msgid, length)


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: ike_times.py PCAP INITIATOR_ADDR")
    me = sys.argv[2]
    start, init_r, auth_i, done = {}, {}, {}, {}
    for t, frame in packets(sys.argv[1]):
        m = ike(frame)
        if m is None:
            continue
        src, dst, ispi, xchg, flags = m
        resp = flags & FLAG_RESPONSE
        if xchg == IKE_SA_INIT and src == me and not resp:
            start.setdefault(ispi, t)
        elif xchg == IKE_SA_INIT and dst == me and resp and ispi in start:
            init_r[ispi] = t          # the last one: after a COOKIE
        elif xchg == IKE_AUTH and src == me and not resp and ispi in start:
            auth_i.setdefault(ispi, t)
        elif (xchg == IKE_AUTH and dst == me and resp and
              ispi in auth_i and ispi in init_r and ispi not in done):
            done[ispi] = t
    if not done:
        raise SystemExit("ike_times: no complete IKE_SA_INIT..IKE_AUTH")
    # total; the initiator's part between the exchanges (DH, keys, and
    # with QKD its enc_keys); IKE_AUTH's round trip (the responder's
    # work, with QKD its dec_keys)
    for ispi in sorted(done, key=lambda s: start[s]):
        print("%s %.3f %.3f %.3f" % (ispi, (done[ispi] - start[ispi]) * 1000,
              (auth_i[ispi] - init_r[ispi]) * 1000,
              (done[ispi] - auth_i[ispi]) * 1000))


if __name__ == "__main__":
    main()
