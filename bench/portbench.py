#!/usr/bin/env python3
"""bench/portbench.py PORT MODE N: one measurement against 127.0.0.1:PORT.

  throughput PORT BYTES   sends BYTES to an echod "sink" service, waits for
                          its "ok", prints MiB/s
  latency PORT N          N times: connect, send 1 byte, read the echo,
                          close; prints the median and p99 in microseconds
"""
import socket
import sys
import time


def throughput(port, total):
    chunk = memoryview(bytearray(1 << 20))
    s = socket.create_connection(("127.0.0.1", port))
    t0 = time.perf_counter()
    left = total
    while left > 0:
        n = s.send(chunk[: min(left, len(chunk))])
        left -= n
    s.shutdown(socket.SHUT_WR)
    reply = s.recv(16)
    dt = time.perf_counter() - t0
    s.close()
    if reply != b"ok\n":
        raise SystemExit("no ok from the sink")
    print("%.0f" % (total / dt / (1 << 20)))


def latency(port, n):
    v = []
    for _ in range(n):
        t0 = time.perf_counter()
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(b"x")
        if s.recv(1) != b"x":
            raise SystemExit("no echo")
        s.close()
        v.append((time.perf_counter() - t0) * 1e6)
    v.sort()
    print("%.0f %.0f" % (v[len(v) // 2], v[min(len(v) - 1, int(len(v) * 0.99))]))


if __name__ == "__main__":
    if sys.argv[2] == "throughput":
        throughput(int(sys.argv[1]), int(sys.argv[3]))
    else:
        latency(int(sys.argv[1]), int(sys.argv[3]))
