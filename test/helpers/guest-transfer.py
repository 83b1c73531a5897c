#!/usr/bin/env python3
"""TCP traffic with the test guest (test/vm/init), run from the node side of the pod's veth.

Usage: guest-transfer.py GUEST_IP MIB. Downloads the guest's /blob.bin (MIB MiB) and its
sha256, uploads MIB MiB of random bytes to /cgi-bin/sha256 (the guest hashes what it got),
echoes 4 KiB on port 7, and prints one JSON object with what it saw; the test judges it.
"""
import hashlib
import http.client
import json
import os
import socket
import sys
import time

ip, mib = sys.argv[1], int(sys.argv[2])


def request(method, path, body=None):
    conn = http.client.HTTPConnection(ip, 80, timeout=120)
    conn.request(method, path, body=body, headers={"Content-Type": "application/octet-stream"})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    if response.status != 200:
        sys.exit(f"{method} {path}: HTTP {response.status}")
    return data


started = time.monotonic()
expected = request("GET", "/blob.bin.sha256").split()[0].decode()
blob = request("GET", "/blob.bin")
download = {
    "bytes": len(blob),
    "sha256": hashlib.sha256(blob).hexdigest(),
    "expectedSha256": expected,
    "seconds": round(time.monotonic() - started, 3),
}

data = os.urandom(mib << 20)
started = time.monotonic()
upload = {
    "bytes": len(data),
    "sha256": hashlib.sha256(data).hexdigest(),
    "guestSha256": request("POST", "/cgi-bin/sha256", data).decode().strip(),
    "seconds": round(time.monotonic() - started, 3),
}

message = os.urandom(4096)
with socket.create_connection((ip, 7), timeout=30) as sock:
    sock.sendall(message)
    back = b""
    while len(back) < len(message):
        chunk = sock.recv(65536)
        if not chunk:
            break
        back += chunk
echo = {"bytes": len(message), "same": back == message}

print(json.dumps({"download": download, "upload": upload, "echo": echo}))
