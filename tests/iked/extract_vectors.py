#!/usr/bin/env python3
"""
extract_vectors: writes the UDP payload of each IKE datagram in a pcap
(classic format, Ethernet or raw IPv4) as one binary file, so the codec
tests read the bytes a real strongSwan sent.  Port-4500 datagrams lose their
4-byte non-ESP marker (RFC 3948 2.2); ESP-in-UDP datagrams are skipped.

    extract_vectors.py strongswan-ppk-variants.pcap tests/iked/vectors \
        [strongswan-ppk-variants-initiator.log]

File names: NN-<exchange>-<req|resp>.bin, NN the packet's index in the
capture.  Given the initiator's log (charon at "ike = 4" prints SK_ai/ar/
ei/er), each message with an SK payload is also decrypted into
NN-<...>.inner.bin: the inner payload chain without IV, padding or ICV, as
a real peer built it, and into plain-NN-<...>.bin: the message with its
SK body replaced by that plaintext (lengths fixed), a fuzz seed whose "SK
body" is a real inner chain.  The key set is the one whose HMAC-SHA2-256-128 ICV
verifies (RFC 7296 3.14); decryption is AES-256-CBC by the openssl tool.
Only this lab's suite (AES_CBC_256/HMAC_SHA2_256_128) is handled.
Re-running it gives the same files.
"""
import hashlib
import hmac
import os
import re
import struct
import subprocess
import sys

EXCHANGES = {34: "sa_init", 35: "auth", 36: "create_child", 37: "info"}


def packets(data):
    magic = struct.unpack("<I", data[:4])[0]
    if magic == 0xA1B2C3D4:
        endian = "<"
    elif magic == 0xD4C3B2A1:
        endian = ">"
    else:
        raise SystemExit("not a classic pcap file")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        off += 16
        yield linktype, data[off:off + caplen]
        off += caplen


def udp_payload(linktype, frame):
    if linktype == 1:			# Ethernet
        if len(frame) < 14 or frame[12:14] != b"\x08\x00":
            return None
        ip = frame[14:]
    elif linktype in (101, 228):	# raw IPv4
        ip = frame
    else:
        raise SystemExit("link type %d not handled" % linktype)
    if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
        return None
    ihl = (ip[0] & 0x0F) * 4
    total = struct.unpack(">H", ip[2:4])[0]
    udp = ip[ihl:total]
    sport, dport, ulen = struct.unpack(">HHH", udp[:6])
    return sport, dport, udp[8:ulen]


def log_keys(path):
    """[(ai, ar, ei, er)] in the order the log prints them."""
    lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    found = []
    for i, line in enumerate(lines):
        m = re.search(r"Sk_(ai|ar|ei|er) secret => 32 bytes", line)
        if not m:
            continue
        hexes = []
        for nxt in lines[i + 1:i + 3]:
            hexes += re.findall(r"\b[0-9A-F]{2}\b", nxt.split(":", 3)[3])[:16]
        found.append((m.group(1), bytes.fromhex("".join(hexes))))
    sets, cur = [], {}
    for name, key in found:
        cur[name] = key
        if len(cur) == 4:
            sets.append((cur["ai"], cur["ar"], cur["ei"], cur["er"]))
            cur = {}
    return sets


def decrypt_sk(pl, keysets):
    """The SK payload's plaintext (padding removed), or None."""
    if pl[16] != 46:
        return None
    body = pl[28 + 4:]
    from_init = bool(pl[19] & 0x08)
    for ai, ar, ei, er in keysets:
        ka, ke = (ai, ei) if from_init else (ar, er)
        icv = hmac.new(ka, pl[:-16], hashlib.sha256).digest()[:16]
        if icv != pl[-16:]:
            continue
        iv, ct = body[:16], body[16:-16]
        dec = subprocess.run(["openssl", "enc", "-d", "-aes-256-cbc",
                              "-nopad", "-K", ke.hex(), "-iv", iv.hex()],
                             input=ct, capture_output=True, check=True).stdout
        return dec[:len(dec) - dec[-1] - 1]
    return None


def main():
    src, outdir = sys.argv[1], sys.argv[2]
    keysets = log_keys(sys.argv[3]) if len(sys.argv) > 3 else []
    os.makedirs(outdir, exist_ok=True)
    with open(src, "rb") as f:
        data = f.read()
    for i, (lt, frame) in enumerate(packets(data)):
        u = udp_payload(lt, frame)
        if u is None:
            continue
        sport, dport, pl = u
        if 4500 in (sport, dport):
            if pl[:4] != b"\0\0\0\0":
                continue		# ESP in UDP, not IKE
            pl = pl[4:]
        elif 500 not in (sport, dport):
            continue
        if len(pl) < 28:
            continue
        exch = EXCHANGES.get(pl[18], "x%d" % pl[18])
        kind = "resp" if pl[19] & 0x20 else "req"
        name = "%02d-%s-%s.bin" % (i, exch, kind)
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(pl)
        print(name, len(pl))
        inner = decrypt_sk(pl, keysets) if keysets else None
        if inner is not None:
            iname = name.replace(".bin", ".inner.bin")
            with open(os.path.join(outdir, iname), "wb") as f:
                f.write(inner)
            print(iname, len(inner))
            sk_len = 4 + len(inner)
            plain = bytearray(pl[:28] + pl[28:30] + struct.pack(">H", sk_len)
                              + inner)
            plain[24:28] = struct.pack(">I", len(plain))
            with open(os.path.join(outdir, "plain-" + name), "wb") as f:
                f.write(plain)


if __name__ == "__main__":
    main()
