// SHA-256 of a string, for the attachment digest behind every ownership mark: the runtime's own
// hasher. Neither build imports node:crypto at load time: in the Bun-compiled executable it pulls
// in Bun's Node.js stream modules (measured: ~2.4 ms of every ADD, for one hash of a few dozen
// bytes), where Bun's global CryptoHasher costs ~0.1 ms; the Node.js entry gets node:crypto
// only when it first hashes.

/** The SHA-256 digest of `text` (UTF-8) as 64 lowercase hex digits. */
export function sha256Hex(text: string): string {
  if (typeof Bun !== 'undefined') return new Bun.CryptoHasher('sha256').update(text).digest('hex');
  const { createHash } = process.getBuiltinModule('node:crypto');
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
