// The plugin's standard streams, read and written with plain system calls. A runtime gives a
// plugin pipes; Bun's process.stdin/stdout streams cost ~10 ms to set up (measured: a
// Bun-compiled program that writes one line through process.stdout takes 16 ms, through
// fs.writeSync 5 ms, an empty one 4 ms), more than a whole ADD's kernel work.
import { readSync, writeSync } from 'node:fs';
import { CniError, ErrorCode } from './errors.js';

/** A conflist entry is a few KiB; a megabyte is already absurd, and bounds memory. */
export const MAX_STDIN_BYTES = 1024 * 1024;

/** Waits `ms` without leaving the thread (for a descriptor that said EAGAIN). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Reads `fd` to its end, refusing more than MAX_STDIN_BYTES (code 6). */
export function readAllBounded(fd = 0): Buffer {
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
    if (size > MAX_STDIN_BYTES) {
      throw new CniError(
        ErrorCode.DecodingFailure,
        `network configuration on stdin is larger than ${MAX_STDIN_BYTES} bytes`,
      );
    }
    chunks.push(Buffer.from(buffer.subarray(0, count)));
  }
  return Buffer.concat(chunks);
}

/** Writes all of `text` to `fd` (1: the result or error; 2: the runtime's log). */
export function writeAll(fd: number, text: string): void {
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
