#!/usr/bin/env python3
"""qkd_load.py: what bench/qkd_load.sh reads from its captures.

    qkd_load.py dpd PCAP RESPONDER T0 T1
        The liveness checks (empty INFORMATIONAL requests, RFC 7296 1.4)
        that the other side sent to RESPONDER between T0 and T1 (epoch
        seconds): "n N median MS p99 MS max MS missed M"
        (MS "-" when none was answered).  A round trip
        runs from a request's first send to the first response with its
        message ID; a request never answered in the capture is missed.
    qkd_load.py rekey PCAP REKEYER SOFT GRACE T0 T1
        REKEYER's Child SA rekeys (RFC 7296 2.8: its CREATE_CHILD_SA
        requests): each Child SA is installed when REKEYER is answered
        (IKE_AUTH or CREATE_CHILD_SA response) and its rekey is due SOFT s
        later; those due between T0 and T1 are counted, and one is on time
        when its CREATE_CHILD_SA request left within GRACE s of that:
        "due N ontime N late N maxlate MS".
    qkd_load.py burst PCAP RESPONDER T0 T1
        IKE SAs set up with RESPONDER between T0 and T1: "sas N first MS last MS
        median MS" (the first IKE_SA_INIT request and the last IKE_AUTH
        response after T0, and the median setup of one SA, first
        IKE_SA_INIT to its IKE_AUTH response).

The captures are tcpdump -w of UDP 500 (bench/ike_times.py reads them,
every length checked against the bytes left).  One IKE SA per SPI pair;
the message IDs of the two directions are kept apart by the sender.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ike_times  # noqa: E402

IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA, INFORMATIONAL = 34, 35, 36, 37
RESPONSE = ike_times.FLAG_RESPONSE


def messages(path):
    for t, frame in ike_times.packets(path):
        m = ike_times.ike_hdr(frame)
        if m is not None:
            yield (t,) + m


def pct(vals, p):
    """The p-th percentile, nearest rank (as qkd_overhead.sh)."""
    v = sorted(vals)
    r = max(1, (p * len(v) + 99) // 100)
    return v[r - 1]


def dpd(path, responder, t0, t1):
    sent, answered = {}, {}
    for t, src, dst, ispi, xchg, flags, msgid, _ in messages(path):
        if xchg != INFORMATIONAL:
            continue
        if not flags & RESPONSE and dst == responder:
            sent.setdefault((ispi, src, msgid), t)
        elif flags & RESPONSE and src == responder:
            answered.setdefault((ispi, dst, msgid), t)
    rtt, missed = [], 0
    for k, t in sent.items():
        if not t0 <= t < t1:
            continue
        if k in answered:
            rtt.append((answered[k] - t) * 1000)
        else:
            missed += 1
    if not rtt:     # a short window: none sent, or all missed
        print("n 0 median - p99 - max - missed %d" % missed)
        return
    print("n %d median %.2f p99 %.2f max %.2f missed %d" %
          (len(rtt), pct(rtt, 50), pct(rtt, 99), max(rtt), missed))


def rekey(path, rekeyer, soft, grace, t0, t1):
    installs, requests, seen = {}, {}, set()
    end = 0.0
    for t, src, dst, ispi, xchg, flags, msgid, _ in messages(path):
        end = t
        if (flags & RESPONSE and dst == rekeyer and
                xchg in (IKE_AUTH, CREATE_CHILD_SA)):
            if (ispi, msgid) not in seen:      # not a resent response
                seen.add((ispi, msgid))
                installs.setdefault(ispi, []).append(t)
        elif (not flags & RESPONSE and src == rekeyer and
              xchg == CREATE_CHILD_SA):
            requests.setdefault(ispi, {}).setdefault(msgid, t)
    due = ontime = late = 0
    maxlate = 0.0
    for ispi, ts in installs.items():
        reqs = sorted(requests.get(ispi, {}).values())
        for t in ts:
            at = t + soft
            if not t0 <= at < t1 or at + grace > end:
                continue        # not due in the window, or after the capture
            due += 1
            nxt = [r for r in reqs if r > t]
            lateness = (nxt[0] if nxt else float("inf")) - at
            if lateness <= grace:
                ontime += 1
            else:
                late += 1
            if nxt:
                maxlate = max(maxlate, lateness)
    print("due %d ontime %d late %d maxlate %.0f" %
          (due, ontime, late, maxlate * 1000))


def burst(path, responder, t0, t1):
    start, done = {}, {}
    for t, src, dst, ispi, xchg, flags, _, _ in messages(path):
        if not t0 <= t < t1:
            continue
        if xchg == IKE_SA_INIT and dst == responder and not flags & RESPONSE:
            start.setdefault(ispi, t)
        elif (xchg == IKE_AUTH and src == responder and flags & RESPONSE and
              ispi in start):
            done.setdefault(ispi, t)
    if not done:
        raise SystemExit("qkd_load: no IKE_AUTH answered in the capture")
    setup = [(done[s] - start[s]) * 1000 for s in done]
    print("sas %d first %.0f last %.0f median %.0f" %
          (len(done), (min(start.values()) - t0) * 1000,
           (max(done.values()) - t0) * 1000, pct(setup, 50)))


def main():
    a = sys.argv[1:]
    if len(a) == 5 and a[0] == "dpd":
        dpd(a[1], a[2], float(a[3]), float(a[4]))
    elif len(a) == 7 and a[0] == "rekey":
        rekey(a[1], a[2], float(a[3]), float(a[4]), float(a[5]), float(a[6]))
    elif len(a) == 5 and a[0] == "burst":
        burst(a[1], a[2], float(a[3]), float(a[4]))
    else:
        raise SystemExit(__doc__.split("\n\n")[1])


if __name__ == "__main__":
    main()
