#!/usr/bin/env python3
# Runs a command (argv) the way a careless runtime might: its stdin is a pipe whose read end is
# non-blocking (O_NONBLOCK), and what this script reads on its own stdin arrives there only
# after a pause, so the command's first read(2) fails with EAGAIN. Relays the command's stdout
# and stderr, and exits with its exit code.
import os
import subprocess
import sys
import time

data = sys.stdin.buffer.read()
read_end, write_end = os.pipe()
os.set_blocking(read_end, False)
child = subprocess.Popen(sys.argv[1:], stdin=read_end, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
os.close(read_end)
time.sleep(0.2)
os.write(write_end, data)
os.close(write_end)
out, err = child.communicate()
sys.stdout.buffer.write(out)
sys.stderr.buffer.write(err)
sys.exit(child.returncode)
