// The plugin's standard streams for the Node.js entry: plain read/write system calls on fds
// 0, 1 and 2. A runtime gives a plugin pipes; a process's stdin/stdout streams cost far more to
// set up than the verb's own work (in Bun ~10 ms: a Bun-compiled program that writes one line
// through process.stdout takes 16 ms, an empty one 4 ms). The executable uses Bun's own
// (bun-stdio.ts), cheaper still than node:fs there.
import { readSync, writeSync } from 'node:fs';
import { CniError, ErrorCode } from './errors.js';

/** A conflist entry is a few KiB; a megabyte is already absurd, and bounds memory. */
export const MAX_STDIN_BYTES = 1024 * 1024;

/** How a build reads stdin (the network configuration) and writes stdout (1) and stderr (2). */
export interface Stdio {
  readStdin(): Promise<Uint8Array>;
  write(fd: 1 | 2, text: string): void | Promise<void>;
}

/** The refusal of a configuration over MAX_STDIN_BYTES (code 6). */
export function stdinTooLarge(): CniError {
  return new CniError(
    ErrorCode.DecodingFailure,
    `network configuration on stdin is larger than ${MAX_STDIN_BYTES} bytes`,
  );
}

/** The Node.js entry's stdio. */
export const nodeStdio: Stdio = {
  readStdin: async () => readAllBounded(0),
  write: (fd, text) => writeAll(fd, text),
};

/** Waits `ms` without leaving the thread (for a descriptor that said EAGAIN). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Reads `fd` to its end, refusing more than MAX_STDIN_BYTES (code 6). */
function readAllBounded(fd: number): Buffer {
  const chunks: Buffer[] = [];
  let size = 0;
  const buffer = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    let count: number;
    try {
      count = readSync(fd, buffer, 0, buffer.length, null);
    } catch (error) {
      // A descriptor left non-blocking by whoever made it: wait for data rather than fail.
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
        pause(2);
        continue;
      }
      if ((error as NodeJS.ErrnoException).code === 'EOF') break;
      throw error;
    }
    if (count === 0) break;
    size += count;
    if (size > MAX_STDIN_BYTES) throw stdinTooLarge();
    chunks.push(Buffer.from(buffer.subarray(0, count)));
  }
  return Buffer.concat(chunks);
}

/** Writes all of `text` to `fd` (1: the result or error; 2: the runtime's log). */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let offset = 0; offset < bytes.length;) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      pause(2);
    }
  }
}
