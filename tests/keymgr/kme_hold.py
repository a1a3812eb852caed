#!/usr/bin/env python3
"""kme_hold: a "KME" that accepts, completes mutual TLS, reads a request
and never answers it: the connection is held until the client closes it.

    kme_hold.py CERT KEY CA LOG

Prints its port (127.0.0.1, chosen by the kernel) on stdout once it
listens.  Appends to LOG, one line per event, as it happens:
    accept N            connection N accepted
    tls N               its handshake done (the client's certificate
                        verified against CA)
    tls-failed N WHY
    request N LINE      the request line read (headers to the blank line)
    closed N            the client closed it (or reset it)
so a test knows a request is held from the stub itself (keymgr's stop:
tests/keymgr/stop.sh).  Connections are served one at a time.
"""
import socket
import ssl
import sys


def note(log, line):
    with open(log, "a") as f:
        f.write(line + "\n")


def serve(conn, n, ctx, log):
    note(log, "accept %d" % n)
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError) as e:
        note(log, "tls-failed %d %s" % (n, e))
        conn.close()
        return
    note(log, "tls %d" % n)
    data = b""
    try:
        while b"\r\n\r\n" not in data and len(data) < 65536:
            b = tls.recv(4096)
            if not b:
                break
            data += b
        if b"\r\n\r\n" in data:
            line = data.split(b"\r\n", 1)[0].decode("ascii", "replace")
            note(log, "request %d %s" % (n, line))
            # held: read (and drop) until the client goes
            while tls.recv(4096):
                pass
    except (ssl.SSLError, OSError):
        pass
    note(log, "closed %d" % n)
    tls.close()


def main():
    cert, key, ca, log = sys.argv[1:5]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    print(s.getsockname()[1], flush=True)
    n = 0
    while True:
        conn, _ = s.accept()
        n += 1
        serve(conn, n, ctx, log)


if __name__ == "__main__":
    main()
