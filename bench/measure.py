#!/usr/bin/env python3
# The benchmark's stopwatch: runs one command at a time and reports its wall time and peak RSS.
#
# Node.js cannot report a child's resource usage (libuv's spawn has no wait4), and a Node spawn
# costs milliseconds of its own. This helper starts each command with posix_spawn (vfork+exec:
# the child owns no copy of this process's memory, so its peak RSS is its own) and reaps it
# with wait4(2), whose ru_maxrss is the peak RSS of the command or of the largest descendant it
# waited for (the plugin's ip/tc, a script's commands). Its own overhead is well under 1 ms.
#
# Protocol: one JSON request per line on stdin, {"argv": [...], "env": {...}, "stdin": "..."};
# one JSON reply per line on stdout, {"wallMs", "maxRssKiB", "exitCode", "stdout", "stderr"}.
import json
import os
import sys
import tempfile
import time


def run(request):
    data = request.get("stdin", "").encode()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        # Python's pipe ends are close-on-exec; the dup2 copies on 0, 1, 2 are inherited.
        read_end, write_end = os.pipe()
        actions = [
            (os.POSIX_SPAWN_DUP2, read_end, 0),
            (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
            (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
        ]
        start = time.perf_counter_ns()
        pid = os.posix_spawn(request["argv"][0], request["argv"], request["env"], file_actions=actions)
        os.close(read_end)
        try:
            # A config is a few hundred bytes: it fits the pipe buffer, so this never blocks.
            os.write(write_end, data)
        except BrokenPipeError:
            pass
        os.close(write_end)
        _, status, usage = os.wait4(pid, 0)
        wall_ns = time.perf_counter_ns() - start
        out.seek(0)
        err.seek(0)
        return {
            "wallMs": wall_ns / 1e6,
            "maxRssKiB": usage.ru_maxrss,
            "exitCode": os.waitstatus_to_exitcode(status),
            "stdout": out.read().decode(errors="replace"),
            "stderr": err.read().decode(errors="replace"),
        }


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = run(json.loads(line))
        except Exception as error:  # reported, never fatal: the caller decides
            reply = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
