// Whole-file writes for `urunc-tap install`: a reader (a runtime, containerd) sees the old file or
// the new one, never half of one, and an identical file is not rewritten.
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  constants,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CommandError, failure } from './command-error.js';

/** What a write did: the file was new, replaced, or already had this content and mode. */
export type WriteOutcome = 'created' | 'replaced' | 'unchanged';

/** Temp files older than this are leftovers of a killed install, not a write in progress. */
const STALE_TEMP_MS = 5 * 60_000;

/**
 * The temporary name a write of `path` uses: a dot-file in the same directory (so the rename
 * stays on one filesystem, and containerd, which ignores a conflist renamed in from another
 * directory, sees it appear) ending in `.tmp`, an extension libcni does not load (libcni loads
 * dot-files too: only the extension counts).
 */
function tempName(path: string): string {
  return join(
    dirname(path),
    `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
}

/** Whether `name` is a temp file of a write of `target` (see tempName). */
function isTempOf(name: string, target: string): boolean {
  return name.startsWith(`.${target}.`) && /\.\d+-[0-9a-f]{8}\.tmp$/.test(name);
}

/**
 * Removes the temp files of `path` that a killed install left (older than five minutes, so a
 * write in progress elsewhere is never disturbed). Returns their paths.
 */
export function removeStaleTemps(path: string, now = Date.now()): string[] {
  const dir = dirname(path);
  const target = basename(path);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names.filter((n) => isTempOf(n, target))) {
    const temp = join(dir, name);
    try {
      if (now - statSync(temp).mtimeMs < STALE_TEMP_MS) continue;
      unlinkSync(temp);
      removed.push(temp);
    } catch {
      // Gone meanwhile: nothing to do.
    }
  }
  return removed;
}

/** `path`'s stats, or undefined when there is no such file. */
function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    // A missing directory on the way is for the write to report ("cannot write").
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw failure(error, `cannot read ${path}`);
  }
}

/** Whether `stats` are of a regular file with `mode` and `size`: what is compared before the bytes. */
function sameShape(stats: Stats | undefined, mode: number, size: number): boolean {
  return (
    stats !== undefined && stats.isFile() && (stats.mode & 0o7777) === mode && stats.size === size
  );
}

/** Whether the file at `path` holds exactly `content` (small files). */
function holds(path: string, content: Buffer): boolean {
  try {
    return readFileSync(path).equals(content);
  } catch {
    return false; // Unreadable: rewrite it.
  }
}

/** Whether two files have the same bytes, compared a chunk at a time (an executable is ~110 MB). */
function sameBytes(pathA: string, pathB: string): boolean {
  try {
    return compareFiles(pathA, pathB);
  } catch {
    return false; // Unreadable: rewrite it (a source that cannot be read fails the copy).
  }
}

function compareFiles(pathA: string, pathB: string): boolean {
  const chunk = 1 << 20;
  const a = Buffer.allocUnsafe(chunk);
  const b = Buffer.allocUnsafe(chunk);
  const fa = openSync(pathA, 'r');
  try {
    const fb = openSync(pathB, 'r');
    try {
      for (let offset = 0; ; offset += chunk) {
        const na = readSync(fa, a, 0, chunk, offset);
        const nb = readSync(fb, b, 0, chunk, offset);
        if (na !== nb || !a.subarray(0, na).equals(b.subarray(0, nb))) return false;
        if (na === 0) return true;
      }
    } finally {
      closeSync(fb);
    }
  } finally {
    closeSync(fa);
  }
}

/** fsync of a directory, so that a rename in it survives a crash of the node. */
function syncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Puts a temp file into place: fsync, chmod (the mode given at creation is cut by the umask),
 * rename over `path` (with `replacing`, only while `path` still holds it), fsync of the
 * directory. The temp file is removed on any failure.
 */
function commit(
  temp: string,
  path: string,
  mode: number,
  existed: boolean,
  replacing?: Buffer,
): WriteOutcome {
  try {
    const fd = openSync(temp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(temp, mode);
  } catch (error) {
    discard(temp);
    throw failure(error, `cannot write ${path}`);
  }
  // Checked last, so that only the rename itself is left between the check and the change.
  if (replacing && !holds(path, replacing)) {
    discard(temp);
    throw new CommandError(
      `${path} was written by someone else meanwhile: left as they wrote it (nothing of ours written)`,
    );
  }
  try {
    renameSync(temp, path);
  } catch (error) {
    discard(temp);
    throw failure(error, `cannot write ${path}`);
  }
  try {
    syncDir(dirname(path));
  } catch {
    // The file is in place; only its durability across a power cut is less certain.
  }
  return existed ? 'replaced' : 'created';
}

function discard(temp: string): void {
  try {
    unlinkSync(temp);
  } catch {
    // Never created, or already gone.
  }
}

/**
 * Writes `content` to `path` with `mode` through a temp file in the same directory and a
 * rename; leaves the file alone (no write at all) when it already holds exactly that. With
 * `replacing` (what the file held when the content was made from it), the file is replaced
 * only if it still holds exactly that: another writer's version, written meanwhile, stays.
 */
export function writeFileAtomic(
  path: string,
  content: string | Buffer,
  mode: number,
  replacing?: Buffer,
): WriteOutcome {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  const stats = statOrUndefined(path);
  if (sameShape(stats, mode, bytes.length) && holds(path, bytes)) return 'unchanged';
  const temp = tempName(path);
  try {
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      for (let offset = 0; offset < bytes.length;) {
        offset += writeSync(fd, bytes, offset, bytes.length - offset);
      }
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    discard(temp);
    throw failure(error, `cannot write ${path}`);
  }
  return commit(temp, path, mode, stats !== undefined, replacing);
}

/**
 * Copies the file `source` to `path` with `mode`, the same way (temp file, fsync, rename);
 * leaves `path` alone when it already has the same bytes and mode. The copy is made by the
 * kernel (copy_file_range), so a 110 MB executable does not pass through this process's memory.
 */
export function copyFileAtomic(source: string, path: string, mode: number): WriteOutcome {
  let sourceStats: Stats;
  try {
    sourceStats = statSync(source);
  } catch (error) {
    throw failure(error, `cannot read ${source}`);
  }
  const stats = statOrUndefined(path);
  if (sameShape(stats, mode, sourceStats.size) && sameBytes(path, source)) return 'unchanged';
  const temp = tempName(path);
  try {
    copyFileSync(source, temp, constants.COPYFILE_EXCL);
  } catch (error) {
    discard(temp);
    throw failure(error, `cannot write ${path}`);
  }
  return commit(temp, path, mode, stats !== undefined);
}

/** Removes `path` if it is there; true when it was. */
export function removeFile(path: string): boolean {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw failure(error, `cannot remove ${path}`);
  }
  try {
    syncDir(dirname(path));
  } catch {
    // Removed; only durability is less certain.
  }
  return true;
}
