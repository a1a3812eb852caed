#!/usr/bin/env python3
"""cli_prompt.py: the interactive cli's start-up as an operator sees it.

    bench/cli_prompt.py CLI STATE_DIR [RUNS]

Starts the cli RUNS times (default 21) on a pseudo-terminal against the mgd
of STATE_DIR and times each run from the fork to the moment the first
prompt ("> ") has been written to the terminal, then sends ^D.  Prints the
median and the slowest run.  The first-prompt target of issue 3 is 30 ms.
"""
import os
import pty
import select
import statistics
import sys
import time


def one(cli, state):
    t0 = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm"
        os.execv(cli, [cli, "--state-dir", state])
    seen = b""
    elapsed = None
    deadline = t0 + 5
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.5)
        if not r:
            continue
        try:
            seen += os.read(fd, 4096)
        except OSError:
            break
        if b"> " in seen:
            elapsed = time.monotonic() - t0
            break
    # ^D ends the cli; libedit may flush input typed before it set the
    # terminal up, so repeat it until the cli is gone (then kill it).
    for _ in range(20):
        try:
            os.write(fd, b"\x04")
        except OSError:
            pass
        # drain what the cli wrote, never blocking: a cli that has not
        # seen the ^D yet writes nothing, and a blocking read would wait
        # for it forever (the 20 tries bound the loop, then kill)
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                os.read(fd, 4096)
            except OSError:
                pass
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            break
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    os.close(fd)
    if elapsed is None:
        sys.exit("cli_prompt.py: no prompt within 5 s: %r" % seen[-200:])
    return elapsed


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cli, state = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 21
    times = sorted(one(cli, state) for _ in range(runs))
    print("cli start to first prompt (pty): %.1f ms median, %.1f ms max "
          "(target < 30 ms)" % (statistics.median(times) * 1e3,
                                times[-1] * 1e3))


main()
