// What a namespace path refers to, checked before anything is spawned in it.
import { statSync, statfsSync } from 'node:fs';

/** NSFS_MAGIC from linux/magic.h: the filesystem of namespace files. */
const NSFS_MAGIC = 0x6e736673;

export type NetnsStatus = 'namespace' | 'missing' | 'not-a-namespace' | 'own' | 'unreadable';

/**
 * Classifies `path`: a network namespace file (a bind mount under /run/netns or
 * /proc/PID/ns/net), nothing at all, something else (a plain file left after the namespace
 * was unmounted, a directory), this process's own namespace, which a pod never is, or a path
 * that cannot be looked at (EACCES, say: not even root passes a FUSE mount it does not own).
 */
export function netnsStatus(path: string): NetnsStatus {
  let stats;
  try {
    stats = statSync(path);
    if (!onNsfs(path)) return 'not-a-namespace';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    return 'unreadable';
  }
  const own = statSync('/proc/self/ns/net');
  return stats.ino === own.ino && stats.dev === own.dev ? 'own' : 'namespace';
}

/** Whether `path` is on nsfs, the filesystem of namespace files; throws as statfs(2) does. */
export function onNsfs(path: string): boolean {
  return statfsSync(path).type === NSFS_MAGIC;
}
