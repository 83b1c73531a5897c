#!/usr/bin/env python3
"""A light stand-in VMM for long loops: one long-lived process that forks a "VMM" per cycle.

Starting an interpreter per cycle costs ~0.1 s (more behind a pyenv shim); a fork ~1 ms.
Run it inside the pod namespace (nsenter --net=PATH). It prints "ready", then takes commands on
stdin and answers each with one line:
  attach TAP  fork a child that opens /dev/net/tun and attaches to TAP with TUNSETIFF
              (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR), as qemu does, then waits to be killed.
              -> "attached PID FLAGS" (FLAGS = the tap's flags from TUNGETIFF, in hex;
              IFF_PERSIST 0x800 says it attached to an existing persistent tap rather than
              creating a throwaway one) or "error MESSAGE"
  kill        SIGKILL the child (a crashing VMM) and reap it -> "killed PID SIGNAL"
  fds         -> "fds N ..." this process's own open fds (constant unless it leaks)
Children die with this process (PR_SET_PDEATHSIG), so a killed test leaves no tap holder.
"""
import ctypes
import fcntl
import os
import signal
import struct
import sys

TUNSETIFF = 0x400454CA  # _IOW('T', 202, int)
TUNGETIFF = 0x800454D2  # _IOR('T', 210, unsigned int)
IFF_TAP, IFF_NO_PI, IFF_VNET_HDR = 0x0002, 0x1000, 0x4000
PR_SET_PDEATHSIG = 1
libc = ctypes.CDLL(None, use_errno=True)


def child(tap, w):
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    try:
        fd = os.open("/dev/net/tun", os.O_RDWR)
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", tap.encode(), IFF_TAP | IFF_NO_PI | IFF_VNET_HDR))
        flags = struct.unpack("16sH", fcntl.ioctl(fd, TUNGETIFF, bytes(40))[:18])[1]
        os.write(w, f"attached {os.getpid()} {flags:#x}".encode())
    except OSError as error:
        os.write(w, f"error {error}".encode())
        os._exit(1)
    os.close(w)
    while True:
        signal.pause()


def main():
    vmm = None
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if words[:1] == ["attach"] and len(words) == 2:
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(r)
                child(words[1], w)
            os.close(w)
            answer = os.read(r, 512).decode()
            os.close(r)
            if answer.startswith("attached"):
                vmm = pid
            else:
                os.waitpid(pid, 0)
            print(answer or "error the child died silently", flush=True)
        elif words == ["kill"] and vmm is not None:
            os.kill(vmm, signal.SIGKILL)
            _, status = os.waitpid(vmm, 0)
            print(f"killed {vmm} {os.WTERMSIG(status) if os.WIFSIGNALED(status) else 'none'}", flush=True)
            vmm = None
        elif words == ["fds"]:
            held = []
            for fd in sorted(os.listdir("/proc/self/fd"), key=int):
                try:
                    held.append(f"{fd}={os.readlink(f'/proc/self/fd/{fd}')}")
                except OSError:
                    pass  # the handle listdir used, closed by now
            print("fds", len(held), *held, flush=True)
        else:
            print(f"error unknown or untimely command: {line.strip()}", flush=True)
    if vmm is not None:
        os.kill(vmm, signal.SIGKILL)
        os.waitpid(vmm, 0)


main()
