#!/usr/bin/env python3
# Runs a command (argv after the first argument) the way a runtime that stopped listening would:
# its stdout or its stderr (the first argument says which) is a pipe whose read end is closed
# before the command starts, so writing there fails with EPIPE (Bun and Node.js ignore SIGPIPE).
# Relays the command's stdin and its other stream, and exits with its exit code.
import os
import subprocess
import sys

closed = sys.argv[1]
if closed not in ('stdout', 'stderr'):
    sys.exit(f'usage: {sys.argv[0]} stdout|stderr COMMAND...')
read_end, write_end = os.pipe()
os.close(read_end)
streams = {'stdout': subprocess.PIPE, 'stderr': subprocess.PIPE, closed: write_end}
child = subprocess.Popen(sys.argv[2:], stdin=subprocess.PIPE, **streams)
os.close(write_end)
out, err = child.communicate(sys.stdin.buffer.read())
if out is not None:
    sys.stdout.buffer.write(out)
if err is not None:
    sys.stderr.buffer.write(err)
sys.exit(child.returncode)
