#!/usr/bin/env python3
"""tracerun.py UID GID GIDS HOME OUT CMD [ARG...]

Runs CMD once as UID/GID/GIDS (comma-separated) in HOME with a clean
environment, its stderr appended to OUT, and brackets the helper's own
"ctr-launch-trace:" stamps with two of the same form taken here on
CLOCK_MONOTONIC: "spawn" just before the fork and "end" when CMD has exited,
so that the loader's start-up and the payload's run and teardown show as
steps too.  Exits with CMD's status.
"""
import os
import subprocess
import sys
import time


def main():
    uid, gid, gids, home, out = sys.argv[1:6]
    cmd = sys.argv[6:]
    groups = [int(g) for g in gids.split(",") if g]
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home,
           "LANG": "C.UTF-8", "TERM": "dumb"}
    with open(out, "ab", buffering=0) as err:
        t0 = time.clock_gettime(time.CLOCK_MONOTONIC)
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=err, cwd=home,
                           env=env, user=int(uid), group=int(gid),
                           extra_groups=groups)
        t1 = time.clock_gettime(time.CLOCK_MONOTONIC)
        err.write(b"ctr-launch-trace: spawn %.9f\n" % t0)
        err.write(b"ctr-launch-trace: end %.9f\n" % t1)
    sys.exit(r.returncode)


if __name__ == "__main__":
    main()
