// Reads the network configuration from stdin, with a size cap.
import { CniError, ErrorCode } from './errors.js';

/** A conflist entry is a few KiB; a megabyte is already absurd, and bounds memory. */
export const MAX_STDIN_BYTES = 1024 * 1024;

/** Collects a readable stream into one buffer, refusing more than MAX_STDIN_BYTES. */
export async function readBounded(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > MAX_STDIN_BYTES) {
      throw new CniError(
        ErrorCode.DecodingFailure,
        `network configuration on stdin is larger than ${MAX_STDIN_BYTES} bytes`,
      );
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
