// The Node.js entry's standard streams: read(2) and write(2) on fds 0, 1 and 2 through node:fs.
import { readSync, writeSync } from 'node:fs';
import { readAllBounded, writeAll, type Stdio } from './cni/stdio.js';

/** The Node.js entry's stdio. */
export const nodeStdio: Stdio = {
  readStdin: async () => readAllBounded((buffer) => readSync(0, buffer, 0, buffer.length, null)),
  write: (fd, text) => writeAll(text, (bytes) => writeSync(fd, bytes)),
};
