#!/usr/bin/env python3
"""A stand-in guest: opens a tap as a VMM would and answers ARP and ping for one IPv4 address.

Usage: fake-guest.py TAPNAME IPV4 MAC. Run it inside the pod namespace (nsenter --net=PATH).
Prints "attached" once the tap is open, then "echo" for every ping it answers, so a test can
tell the guest answered and not the pod namespace's own kernel. Everything else is ignored.

The guest owns the pod's address, as a urunc unikernel does: frames reach it only through
eth0 -> mirred -> tap, and its answers only leave through tap -> mirred -> eth0.
"""
import fcntl
import os
import socket
import struct
import sys

TUNSETIFF = 0x400454CA  # _IOW('T', 202, int)
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
IFF_VNET_HDR = 0x4000
# The plugin makes vnet_hdr taps, and a VMM opens them with IFF_VNET_HDR: every frame then
# carries a struct virtio_net_hdr (10 bytes, the default TUNSETVNETHDRSZ) in front. All zero
# on write means "no checksum offload, no GSO".
VNET_HDR = bytes(10)

tap, address, mac = sys.argv[1], sys.argv[2], sys.argv[3]
my_ip = socket.inet_aton(address)
my_mac = bytes.fromhex(mac.replace(":", ""))


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071)."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def arp_reply(frame: bytes):
    op, sha, spa, tpa = struct.unpack("!6xH6s4s6x4s", frame[14:42])
    if op != 1 or tpa != my_ip:
        return None
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 2, my_mac, my_ip, sha, spa)
    return sha + my_mac + b"\x08\x06" + arp


def echo_reply(frame: bytes):
    packet = frame[14:]
    ihl = (packet[0] & 0x0F) * 4
    total = struct.unpack("!H", packet[2:4])[0]
    if packet[9] != 1 or packet[16:20] != my_ip or packet[ihl] != 8:  # ICMP echo request to us
        return None
    icmp = bytearray(packet[ihl:total])
    icmp[0] = 0  # echo reply
    icmp[2:4] = b"\0\0"
    struct.pack_into("!H", icmp, 2, checksum(bytes(icmp)))
    header = bytearray(packet[:ihl])
    header[8] = 64  # TTL
    header[12:16], header[16:20] = packet[16:20], packet[12:16]
    header[10:12] = b"\0\0"
    struct.pack_into("!H", header, 10, checksum(bytes(header)))
    return frame[6:12] + my_mac + b"\x08\x00" + bytes(header) + bytes(icmp)


fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", tap.encode(), IFF_TAP | IFF_NO_PI | IFF_VNET_HDR))
print("attached", flush=True)
while True:
    frame = os.read(fd, 65536)[len(VNET_HDR) :]
    if len(frame) < 42:
        continue
    ethertype = struct.unpack("!H", frame[12:14])[0]
    reply = None
    if ethertype == 0x0806:
        reply = arp_reply(frame)
    elif ethertype == 0x0800:
        reply = echo_reply(frame)
        if reply:
            print("echo", flush=True)
    if reply:
        os.write(fd, VNET_HDR + reply)
