// The STATUS verdict cache: trusted for 30 s, for the same environment only.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import {
  cachedReady,
  rememberReady,
  statusCacheKey,
  STATUS_CACHE_TTL_MS,
} from '../../src/plugin/status-cache.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const dir = () => {
  const made = mkdtempSync(join(tmpdir(), 'urunc-tap-status-'));
  dirs.push(made);
  return join(made, 'run');
};

it('remembers "ready" for the TTL, for the same key only, never from the future', () => {
  const cache = dir();
  const key = statusCacheKey();
  const t0 = 1_000_000;
  expect(cachedReady(key, t0, cache)).toBeUndefined();
  rememberReady(key, t0, cache);
  expect(cachedReady(key, t0 + 1000, cache)).toEqual(new Date(t0));
  expect(cachedReady(key, t0 + STATUS_CACHE_TTL_MS, cache)).toBeUndefined();
  expect(cachedReady('another-key', t0 + 1000, cache)).toBeUndefined();
  expect(cachedReady(key, t0 - 1, cache)).toBeUndefined();
});

it('treats a garbled cache as no cache, and an unwritable one as harmless', () => {
  const cache = dir();
  rememberReady('k', 5, cache);
  writeFileSync(join(cache, readdirSync(cache)[0]!), '{not json');
  expect(cachedReady('k', 6, cache)).toBeUndefined();
  expect(() => rememberReady('k', 5, '/proc/version/cache')).not.toThrow();
});

it('deletes expired verdicts of other environments when it writes one', () => {
  const cache = dir();
  rememberReady('old', Date.now(), cache);
  rememberReady('new', Date.now() + STATUS_CACHE_TTL_MS + 1000, cache);
  expect(readdirSync(cache)).toEqual(['status-new.json']);
});
