// The executable's standard streams: read(2) and write(2) through libc. Measured in the compiled
// executable: Bun.stdin.stream() takes ~0.45 ms to read a config and Bun.write ~0.1 ms to write a
// line, where libc's binding (see libc() for its cost) is needed by every network verb anyway, so
// ADD, CHECK and DEL save both, and VERSION most of them.
import { readAllBounded, writeAll, type Stdio } from './cni/stdio.js';
import { libc } from './native/libc.js';

/** The executable's stdio. */
export const nativeStdio: Stdio = {
  readStdin: async () => readAllBounded((buffer) => libc().read(0, buffer)),
  write: (fd, text) => writeAll(text, (bytes) => libc().write(fd, bytes)),
};
