#!/usr/bin/env python3
"""Opens N idle keep-alive connections to the gateway (each after one real request), holds them, and prints the
gateway's RSS, so memory per connection can be read off:  scripts/idle-connections.py PORT PID [N]"""
import socket, sys, time

port, pid = int(sys.argv[1]), int(sys.argv[2])
count = int(sys.argv[3]) if len(sys.argv) > 3 else 1000

def rss_kb():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

before = rss_kb()
held = []
request = b"GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n"
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(request)
    s.recv(4096)
    held.append(s)
time.sleep(1)
after = rss_kb()
print(f"connections={count} rss_before_kb={before} rss_after_kb={after} per_connection_kb={(after - before) / count:.1f}")
for s in held:
    s.close()
