// The executable's standard streams: read(2) and write(2) through libc. Measured in the compiled
// executable: Bun.stdin.stream() takes ~0.45 ms to read a config and Bun.write ~0.1 ms to write a
// line. libc's binding (see libc() for its cost) is made anyway by every verb that reaches the
// kernel; VERSION, a DEL with an empty CNI_NETNS and a refused call make it for stdio alone,
// still cheaper than Bun's streams.
import { readAllBounded, writeAll, type Stdio } from './cni/stdio.js';
import { libc } from './native/libc.js';

/** The executable's stdio. */
export const nativeStdio: Stdio = {
  readStdin: async () => readAllBounded((buffer) => libc().read(0, buffer)),
  write: (fd, text) => writeAll(text, (bytes) => libc().write(fd, bytes)),
};
