#!/usr/bin/env python3
"""How long a fresh request waits while other clients hold connections.

Starts BINARY (a mock-courier) on a free loopback port, then for each load
(none; N keep-alive connections that each sent a request just before; the
same N once answered and idle; N slow senders that sent half a request) times a fresh GET /_mock/health on a new
connection, 5 times in a row, and prints the first (the one that would wait
behind the load) and the median, in ms.

Usage: bench/connection_latency.py BINARY [--idle 300] [--slow 100] [-- EXTRA FLAGS]
"""
import argparse, resource, socket, statistics, subprocess, sys, time

parser = argparse.ArgumentParser()
parser.add_argument("binary")
parser.add_argument("--idle", type=int, default=300)
parser.add_argument("--slow", type=int, default=100)
parser.add_argument("extra", nargs="*")
args = parser.parse_args()

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

server = subprocess.Popen([args.binary, "--port", "0", "--log-format", "off", *args.extra],
                          stdout=subprocess.PIPE, text=True)
line = server.stdout.readline()
port = int(line.rsplit(":", 1)[1])
HEALTH = b"GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def connect():
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_response(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for h in head.split(b"\r\n"):
        if h.lower().startswith(b"content-length:"):
            length = int(h.split(b":")[1])
    while len(body) < length:
        body += s.recv(4096)
    return head + b"\r\n\r\n" + body


def fresh_ms():
    times = []
    for _ in range(5):
        start = time.perf_counter()
        s = connect()
        s.sendall(HEALTH)
        response = read_response(s)
        times.append((time.perf_counter() - start) * 1000)
        s.close()
        assert response.startswith(b"HTTP/1.1 200"), response[:80]
    return times[0], statistics.median(times)


def report(name, result):
    print(f"{name:36} first {result[0]:8.1f} ms   median of 5 {result[1]:8.1f} ms", flush=True)


try:
    report("no other connections", fresh_ms())
    # A pool of keep-alive connections, as a parallel test suite opens them:
    # each sends a request at once; the fresh request comes right after.
    idle = []
    for _ in range(args.idle):
        s = connect()
        s.sendall(HEALTH)
        idle.append(s)
    report(f"{args.idle} keep-alive connections", fresh_ms())
    for s in idle:
        read_response(s)
    report(f"{args.idle} idle keep-alive connections", fresh_ms())
    for s in idle:
        s.close()
    time.sleep(0.5)
    slow = []
    for i in range(args.slow):
        s = connect()
        s.sendall(b"POST /send HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{" if i % 2 == 0
                  else b"POST /send HTTP/1.1\r\nHost: x\r\nAuthor")
        slow.append(s)
    time.sleep(0.2)
    report(f"{args.slow} slow senders", fresh_ms())
    for s in slow:
        s.close()
finally:
    server.terminate()
    server.wait()
