// The SHA-256 behind every ownership mark, in both builds: FIPS 180-4's examples (the Node.js
// entry's hasher, node:crypto), and the executable's hasher (Bun's, run under Bun by the
// netlink driver) agreeing with Node's on any text: a tap, a cookie or a lock of one build must
// be the other build's too.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/plugin/sha256.js';
import { drive, noBun } from '../netlink/bun.js';

const reference = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('sha256Hex', () => {
  it("gives FIPS 180-4's digests of the standard messages", () => {
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it.skipIf(noBun)("under Bun gives Node's digest of any text, UTF-8 included", async () => {
    const texts = [
      'abc',
      '',
      ...Array.from({ length: 3 }, (_, i) => 'u'.repeat(55 + i)),
      ...fc.sample(fc.string({ unit: 'binary', maxLength: 600 }), 40),
    ];
    expect(await drive('sha256', JSON.stringify(texts))).toEqual(texts.map(reference));
  });
});
