// Files under the directories where a CNI plugin could keep state, for the leak audit: how
// many there are, and which of them name or contain strings only this test's plugin calls saw.
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where CNI plugins and runtimes keep state (libcni's cache, IPAM stores, locks, logs) and
 * where a careless plugin would put temporary files. /run/netns is left out: it holds the
 * namespaces themselves, counted by `ip netns list`.
 */
const STATE_DIRS = [
  '/var/lib/cni',
  '/run',
  '/etc/cni',
  '/var/lib/urunc-tap',
  '/var/log',
  '/tmp',
  '/var/tmp',
  '/dev/shm',
];
const SKIP = new Set(['/run/netns']);
/**
 * The state directories of CNI itself and of urunc-tap, whose files are listed by path (those
 * under /run are walked as part of /run).
 */
const PLUGIN_STATE_DIRS = [
  '/var/lib/cni',
  '/run/cni',
  '/etc/cni',
  '/var/lib/urunc-tap',
  '/run/urunc-tap',
];
const MAX_DEPTH = 8;
const MAX_READ = 1 << 20;

export interface StateFiles {
  /** Regular files per state directory. */
  counts: Record<string, number>;
  /** Files whose path or content holds one of the tokens. */
  mentioning: string[];
  /** Every file under PLUGIN_STATE_DIRS. */
  pluginFiles: string[];
}

/**
 * Walks the state directories. Contents are searched in files modified since `sinceMs` only
 * (and up to 1 MiB): older files cannot have been written by the calls under audit.
 */
export function stateFiles(tokens: string[], sinceMs: number): StateFiles {
  const counts: Record<string, number> = {};
  const mentioning: string[] = [];
  const pluginFiles: string[] = [];
  const holds = (text: string) => tokens.some((token) => text.includes(token));
  const walk = (dir: string, depth: number, root: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(dir, name);
      if (SKIP.has(path)) continue;
      let stats;
      try {
        stats = lstatSync(path);
      } catch {
        continue;
      }
      if (stats.isDirectory()) {
        if (depth < MAX_DEPTH) walk(path, depth + 1, root);
        continue;
      }
      counts[root] = (counts[root] ?? 0) + 1;
      if (PLUGIN_STATE_DIRS.some((dir) => path.startsWith(dir + '/'))) pluginFiles.push(path);
      if (holds(path)) mentioning.push(path);
      else if (stats.isFile() && stats.mtimeMs >= sinceMs && stats.size <= MAX_READ) {
        try {
          if (holds(readFileSync(path, 'latin1'))) mentioning.push(path);
        } catch {
          // Unreadable, or removed meanwhile: nothing to search.
        }
      }
    }
  };
  for (const dir of STATE_DIRS) {
    counts[dir] = 0;
    walk(dir, 0, dir);
  }
  return { counts, mentioning, pluginFiles: pluginFiles.sort() };
}
