#!/usr/bin/env python3
"""A stand-in VMM: opens a tap through /dev/net/tun (TUNSETIFF) and holds it until killed.

Usage: fake-vmm.py TAPNAME. Prints "attached" once the tap is open. Run it inside the pod
namespace (nsenter --net=PATH), as a VMM would be.
"""
import fcntl
import os
import signal
import struct
import sys

TUNSETIFF = 0x400454CA  # _IOW('T', 202, int)
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
IFF_VNET_HDR = 0x4000

fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", sys.argv[1].encode(), IFF_TAP | IFF_NO_PI | IFF_VNET_HDR))
print("attached", flush=True)
while True:
    signal.pause()
