#!/usr/bin/env python3
# The benchmark's stopwatch: runs commands and reports their wall time, peak RSS and CPU time.
#
# Node.js cannot report a child's resource usage (libuv's spawn has no wait4), and a Node spawn
# costs milliseconds of its own. This helper starts each command with posix_spawn (vfork+exec)
# and reaps it with wait4(2), whose ru_maxrss is the peak RSS of the command or of the largest
# descendant it waited for (the plugin's ip/tc, a script's commands). Its own overhead is well
# under 1 ms. One caveat, measured: at a vfork child's exec Linux records the peak of the memory
# it leaves, which is this helper's, so a command smaller than this helper (~14 MiB: /bin/true,
# ip, tc) reads as this helper's size; the benchmark prints that floor (its /bin/true row).
#
# Protocol: one JSON request per line on stdin, one JSON reply per line on stdout.
# - One command: {"argv": [...], "env": {...}, "stdin": "...", "timeoutMs": N}
#   -> {"wallMs", "cpuMs", "maxRssKiB", "exitCode", "timedOut", "stdout", "stderr"}.
# - A wave, every command started at once (the scale run): {"wave": [command, ...], "timeoutMs": N}
#   -> {"wallMs" (first spawn to last exit), "runs": [reply of each command, in order]}.
# A command still running after timeoutMs is killed (SIGKILL) and reported with timedOut.
import json
import os
import signal
import sys
import tempfile
import time

DEFAULT_TIMEOUT_MS = 60_000


class Started:
    """One spawned command: its pid, output files and start time."""

    def __init__(self, request):
        self.out = tempfile.TemporaryFile()
        self.err = tempfile.TemporaryFile()
        # Python's pipe ends are close-on-exec; the dup2 copies on 0, 1, 2 are inherited.
        read_end, write_end = os.pipe()
        actions = [
            (os.POSIX_SPAWN_DUP2, read_end, 0),
            (os.POSIX_SPAWN_DUP2, self.out.fileno(), 1),
            (os.POSIX_SPAWN_DUP2, self.err.fileno(), 2),
        ]
        self.timed_out = False
        self.start = time.perf_counter_ns()
        argv = request["argv"]
        self.pid = os.posix_spawn(argv[0], argv, request["env"], file_actions=actions)
        os.close(read_end)
        try:
            # A config is a few kilobytes at most: it fits the pipe buffer, so this never blocks.
            os.write(write_end, request.get("stdin", "").encode())
        except BrokenPipeError:
            pass
        os.close(write_end)

    def kill(self):
        self.timed_out = True
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def reply(self, status, usage, end):
        self.out.seek(0)
        self.err.seek(0)
        reply = {
            "wallMs": (end - self.start) / 1e6,
            "cpuMs": (usage.ru_utime + usage.ru_stime) * 1e3,
            "maxRssKiB": usage.ru_maxrss,
            "exitCode": os.waitstatus_to_exitcode(status),
            "timedOut": self.timed_out,
            "stdout": self.out.read().decode(errors="replace"),
            "stderr": self.err.read().decode(errors="replace"),
        }
        self.out.close()
        self.err.close()
        return reply


def run_wave(requests, timeout_ms):
    """Starts every request at once and waits for all; replies in request order."""
    started = []

    def kill_all(*_):
        for command in started:
            command.kill()

    # SIGALRM rather than a timer thread: no thread to start inside the timed window.
    signal.signal(signal.SIGALRM, kill_all)
    signal.setitimer(signal.ITIMER_REAL, timeout_ms / 1e3)
    try:
        try:
            for request in requests:
                started.append(Started(request))
        except BaseException:
            kill_all()
            for command in started:
                os.wait4(command.pid, 0)
            raise
        waiting = {command.pid: command for command in started}
        replies = {}
        last = time.perf_counter_ns()
        while waiting:
            pid, status, usage = os.wait4(-1, 0)
            last = time.perf_counter_ns()
            command = waiting.pop(pid, None)
            if command is not None:
                replies[pid] = command.reply(status, usage, last)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    first = started[0].start if started else last
    return {"wallMs": (last - first) / 1e6, "runs": [replies[c.pid] for c in started]}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            timeout_ms = request.get("timeoutMs", DEFAULT_TIMEOUT_MS)
            if "wave" in request:
                reply = run_wave(request["wave"], timeout_ms)
            else:
                reply = run_wave([request], timeout_ms)["runs"][0]
        except Exception as error:  # reported, never fatal: the caller decides
            reply = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
