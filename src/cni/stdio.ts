// The plugin's standard streams: how a build reads stdin (the network configuration) and writes
// stdout and stderr, and the loops both builds share around their read(2) and write(2): a
// runtime gives a plugin pipes, read to their end and written in full, plain system calls on
// fds 0, 1 and 2. (A process's stdin/stdout streams cost far more to set up than the verb's own
// work: in Bun ~10 ms, a Bun-compiled program that writes one line through process.stdout
// takes 16 ms, an empty one 4 ms.) No node:fs here: the executable's stdio must not load it
// (test/unit/architecture.test.ts checks what main-native.ts loads before a verb).
import { CniError, ErrorCode } from './errors.js';

/** A conflist entry is a few KiB; a megabyte is already absurd, and bounds memory. */
const MAX_STDIN_BYTES = 1024 * 1024;

/** How a build reads stdin (the network configuration) and writes stdout (1) and stderr (2). */
export interface Stdio {
  readStdin(): Promise<Uint8Array>;
  write(fd: 1 | 2, text: string): void | Promise<void>;
}

/** The refusal of a configuration over MAX_STDIN_BYTES (code 6). */
function stdinTooLarge(): CniError {
  return new CniError(
    ErrorCode.DecodingFailure,
    `network configuration on stdin is larger than ${MAX_STDIN_BYTES} bytes`,
  );
}

/** read(2) into a buffer: the bytes read, 0 at the end; throws an error with a `code` (errno). */
type ReadCall = (buffer: Uint8Array) => number;
/** write(2) of some bytes: how many were written; throws an error with a `code` (errno). */
type WriteCall = (bytes: Uint8Array) => number;

/** Waits `ms` without leaving the thread (for a descriptor that said EAGAIN). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The errno name a failed read or write carries (Node's ErrnoException, libc's SysError). */
const codeOf = (error: unknown) => (error as { code?: unknown }).code;

/** Reads to the end through `read`, refusing more than MAX_STDIN_BYTES (code 6). */
export function readAllBounded(read: ReadCall): Uint8Array {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const buffer = new Uint8Array(64 * 1024);
  for (;;) {
    let count: number;
    try {
      count = read(buffer);
    } catch (error) {
      // A descriptor left non-blocking by whoever made it: wait for data rather than fail.
      if (codeOf(error) === 'EAGAIN') {
        pause(2);
        continue;
      }
      throw error;
    }
    if (count === 0) break;
    size += count;
    if (size > MAX_STDIN_BYTES) throw stdinTooLarge();
    chunks.push(buffer.slice(0, count));
  }
  if (chunks.length === 1) return chunks[0]!;
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}

/** Writes all of `text` through `write` (to fd 1: the result or error; 2: the runtime's log). */
export function writeAll(text: string, write: WriteCall): void {
  const bytes = new TextEncoder().encode(text);
  for (let offset = 0; offset < bytes.length;) {
    try {
      offset += write(bytes.subarray(offset));
    } catch (error) {
      if (codeOf(error) !== 'EAGAIN') throw error;
      pause(2);
    }
  }
}
