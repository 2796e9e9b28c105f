#!/usr/bin/env python3
# renamex.py A B STOPFILE: swaps A and B with renameat2(RENAME_EXCHANGE) in
# a loop until STOPFILE exists (at most two minutes): the symlink-exchange
# racer of the bind tests.
import ctypes
import os
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
a, b = os.fsencode(sys.argv[1]), os.fsencode(sys.argv[2])
end = time.time() + 120
i = 0
while time.time() < end:
    libc.renameat2(-100, a, -100, b, 2)
    i += 1
    if i % 200 == 0 and os.path.exists(sys.argv[3]):
        break
