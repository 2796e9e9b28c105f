#!/usr/bin/env python3
# renamex.py A B [SECONDS]: swaps A and B with renameat2(RENAME_EXCHANGE)
# in a loop (the symlink-exchange racer of the bind tests).
import ctypes
import os
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
a, b = os.fsencode(sys.argv[1]), os.fsencode(sys.argv[2])
end = time.time() + float(sys.argv[3] if len(sys.argv) > 3 else 30)
while time.time() < end:
    libc.renameat2(-100, a, -100, b, 2)
