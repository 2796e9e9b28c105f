#!/usr/bin/env python3
"""A small TCP test client for the published-ports suites.

  portclient.py get PORT PATH [--half-close] [--tries N] [--host ADDR]
      HTTP GET; prints the body, exit 0; exit 1 when the connection closes
      without a reply (tried N times, 0.1 s apart, default 1).
  portclient.py echo PORT N SIZE
      N concurrent connections, each sending SIZE random bytes, shutting
      its write side, and reading the echo back; exit 0 when every echo has
      the sha256 of what was sent; prints "ok N".
  portclient.py hold PORT N
      opens N connections, prints "held N", keeps them open until stdin
      closes.
  portclient.py closed PORT
      connects, sends a line, exit 0 when the peer closes with no byte
      back (a refused or dropped connection), 1 when bytes come back.
"""
import concurrent.futures
import hashlib
import os
import socket
import sys
import threading
import time


def get(port, path, half_close, tries, host):
    for i in range(tries):
        try:
            s = socket.create_connection((host, port), timeout=30)
            s.sendall(b"GET %s HTTP/1.0\r\nHost: x\r\n\r\n" % path.encode())
            if half_close:
                s.shutdown(socket.SHUT_WR)
            data = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                data += b
            s.close()
            if data:
                head, _, body = data.partition(b"\r\n\r\n")
                sys.stdout.buffer.write(body)
                return 0
        except OSError:
            pass
        if i + 1 < tries:
            time.sleep(0.1)
    return 1


def echo_one(port, size):
    data = os.urandom(size)
    s = socket.create_connection(("127.0.0.1", port), timeout=120)
    got = []

    def reader():
        b = bytearray()
        while True:
            x = s.recv(1 << 16)
            if not x:
                break
            b += x
        got.append(bytes(b))

    t = threading.Thread(target=reader)
    t.start()
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    t.join()
    s.close()
    return hashlib.sha256(got[0]).digest() == hashlib.sha256(data).digest()


def echo(port, n, size):
    with concurrent.futures.ThreadPoolExecutor(n) as ex:
        res = list(ex.map(lambda _: echo_one(port, size), range(n)))
    good = sum(1 for r in res if r)
    print("ok %d" % good)
    return 0 if good == n else 1


def hold(port, n):
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
    print("held %d" % len(socks), flush=True)
    sys.stdin.read()
    for s in socks:
        s.close()
    return 0


def closed(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        b = s.recv(1)
    except OSError:
        return 0
    return 0 if b == b"" else 1


def main(a):
    if a[0] == "get":
        tries, host, half = 1, "127.0.0.1", False
        rest = a[3:]
        while rest:
            if rest[0] == "--half-close":
                half = True
                rest = rest[1:]
            elif rest[0] == "--tries":
                tries = int(rest[1])
                rest = rest[2:]
            elif rest[0] == "--host":
                host = rest[1]
                rest = rest[2:]
            else:
                raise SystemExit("bad argument " + rest[0])
        return get(int(a[1]), a[2], half, tries, host)
    if a[0] == "echo":
        return echo(int(a[1]), int(a[2]), int(a[3]))
    if a[0] == "hold":
        return hold(int(a[1]), int(a[2]))
    if a[0] == "closed":
        return closed(int(a[1]))
    raise SystemExit("unknown mode " + a[0])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
