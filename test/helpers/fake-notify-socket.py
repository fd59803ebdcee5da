#!/usr/bin/env python3
"""Plays systemd's notification socket for tests (Node cannot open AF_UNIX datagram sockets).

Binds a datagram socket at argv[1] with SO_PASSCRED, like PID 1 does, prints "listening" once
bound, then one JSON line per message: the receive time (CLOCK_MONOTONIC, ms), the sender's pid
from the kernel's credentials, and the message's assignments. File descriptors that come with a
message (BARRIER=1 carries one) are closed at once, which is how systemd answers a barrier.
Ends on SIGTERM or when stdin closes is not watched: the test stops it by pid.
"""
import array
import json
import os
import socket
import struct
import sys
import time

path = sys.argv[1]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
sock.bind(path)
print(json.dumps({"listening": path}), flush=True)

CRED_SIZE = struct.calcsize("3i")
while True:
    data, ancdata, _flags, _addr = sock.recvmsg(4096, socket.CMSG_SPACE(CRED_SIZE) + socket.CMSG_SPACE(16 * 4))
    pid = None
    fds = 0
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid, _uid, _gid = struct.unpack("3i", payload[:CRED_SIZE])
        elif level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            received = array.array("i")
            received.frombytes(payload[: len(payload) - (len(payload) % received.itemsize)])
            for fd in received:
                os.close(fd)
                fds += 1
    fields = {}
    for line in data.decode("utf-8", "replace").split("\n"):
        if "=" in line:
            key, value = line.split("=", 1)
            fields[key] = value
    print(json.dumps({"at": time.monotonic() * 1000, "pid": pid, "fds": fds, "fields": fields}), flush=True)
