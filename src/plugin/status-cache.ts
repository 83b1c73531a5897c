// A short-lived memory of a good STATUS verdict, so a runtime polling STATUS does not probe
// the kernel every few seconds.
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** Where the verdict is kept: tmpfs, gone at reboot (a new kernel must be probed again). */
export const STATUS_CACHE_DIR = '/run/urunc-tap';

/** How long a "ready" verdict is trusted. */
export const STATUS_CACHE_TTL_MS = 30_000;

/**
 * One file per environment: STATUS callers with different PATHs (a runtime and an operator's
 * shell, say) would otherwise keep overwriting each other's verdict.
 */
function fileOf(dir: string, key: string): string {
  return join(dir, `status-${key}.json`);
}

/** A remembered "ready": when, and for which environment. */
interface Verdict {
  key: string;
  time: number;
}

/**
 * What the verdict depends on besides the kernel: the PATH the tools are found on and who
 * runs them. A STATUS with another PATH (a tool removed from it, say) probes again.
 */
export function statusCacheKey(): string {
  const environment = JSON.stringify([process.env.PATH ?? '', process.getuid?.() ?? -1]);
  return createHash('sha256').update(environment).digest('hex').slice(0, 32);
}

/** When a still-fresh "ready" for `key` was established; undefined when there is none. */
export function cachedReady(
  key: string,
  now = Date.now(),
  dir = STATUS_CACHE_DIR,
): Date | undefined {
  try {
    const verdict = JSON.parse(readFileSync(fileOf(dir, key), 'utf8')) as Partial<Verdict>;
    const age = now - Number(verdict.time);
    // A verdict from the future (the clock was set back) is not trusted.
    if (verdict.key === key && age >= 0 && age < STATUS_CACHE_TTL_MS)
      return new Date(verdict.time!);
  } catch {
    // No verdict yet, or an unreadable one: probe.
  }
  return undefined;
}

/**
 * Remembers "ready" for `key`; written whole (temp file + rename), failures ignored. Verdicts
 * past their TTL (other environments') are deleted, so the directory never grows.
 */
export function rememberReady(key: string, now = Date.now(), dir = STATUS_CACHE_DIR): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const temp = `${fileOf(dir, key)}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ key, time: now } satisfies Verdict), { mode: 0o600 });
    renameSync(temp, fileOf(dir, key));
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const expired = now - statSync(path).mtimeMs > STATUS_CACHE_TTL_MS;
      if (/^status-.*\.json$/.test(name) && path !== fileOf(dir, key) && expired) {
        unlinkSync(path);
      }
    }
  } catch {
    // A verdict we cannot keep only costs the next STATUS a probe.
  }
}
