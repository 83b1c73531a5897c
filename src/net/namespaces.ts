// Finding the network namespaces of this host: the named ones and those of running processes.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { onNsfs } from './netns.js';

/** Where `ip netns add` (and CNI runtimes) bind-mount named namespaces. */
export const NAMED_NETNS_DIR = '/run/netns';

/** Where the namespaces of running processes are found, as `PID/ns/net`. */
export const PROC_DIR = '/proc';

/**
 * Every network namespace reachable from here except our own, each once, as a path nsenter
 * accepts. Named namespaces come first and win over a process's path to the same namespace
 * (the name outlives the process); a namespace is identified by the inode of its nsfs file.
 * Entries that vanish while we look are skipped: pods come and go during a scan.
 */
export function listNamespaces(
  dirs: { named: string; proc: string } = { named: NAMED_NETNS_DIR, proc: PROC_DIR },
): string[] {
  const seen = new Set<string>([identity('/proc/self/ns/net')!]);
  const found: string[] = [];
  const add = (path: string): void => {
    const id = identity(path);
    if (id === undefined || seen.has(id)) return;
    seen.add(id);
    found.push(path);
  };
  for (const name of entries(dirs.named).sort()) {
    const path = join(dirs.named, name);
    // A plain file left behind after its namespace was unmounted is not a namespace; our own
    // namespace is skipped by add (seen), so the nsfs check is the only one needed here.
    if (isNamespaceFile(path)) add(path);
  }
  const pids = entries(dirs.proc)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(a) - Number(b));
  for (const pid of pids) add(join(dirs.proc, pid, 'ns', 'net'));
  return found;
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Whether `path` is a namespace file; false when it cannot be looked at. */
function isNamespaceFile(path: string): boolean {
  try {
    return onNsfs(path);
  } catch {
    return false;
  }
}

/** "dev:inode" of the namespace a path refers to; undefined when it cannot be read. */
function identity(path: string): string | undefined {
  try {
    const stats = statSync(path);
    return `${stats.dev}:${stats.ino}`;
  } catch {
    return undefined;
  }
}
