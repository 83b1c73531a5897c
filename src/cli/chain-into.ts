// `urunc-tap install --chain-into NAME`: append urunc-tap to an existing conflist in place, with a backup.
import { copyFileSync, constants, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { CommandError, failure } from './command-error.js';
import {
  chainedConflist,
  confFiles,
  goExt,
  loadConflist,
  readConfFile,
  renderConflist,
  uruncTapEntries,
  type Conflist,
} from './conflist-files.js';

/** A conflist about to be changed, and what to append to it. */
export interface ChainTarget {
  file: string;
  conflist: Conflist;
  /** The bytes `conflist` was read from: the file is replaced only while it still holds them. */
  read: Buffer;
  entry: Record<string, unknown>;
  /** It already has exactly `entry`: nothing to do. */
  alreadyChained: boolean;
}

/** JSON text with object keys sorted: equal for equal data, whatever the key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * Finds the conflist `name` in `confDir`: a file name (`10-ptp.conflist`), a file name without
 * its extension, or the network `name` inside. Refuses no match, several, a file that is not a
 * .conflist, and one that chains urunc-tap differently from `entry`, before anything is changed.
 */
export function findChainTarget(
  confDir: string,
  name: string,
  entry: Record<string, unknown>,
): ChainTarget {
  // The files a runtime would load from the conf dir, as it sees them (libcni's ConfFiles).
  const matches = confFiles(confDir).filter((path) => {
    if (basename(path) === name || basename(path, goExt(path)) === name) return true;
    try {
      return (JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown }).name === name;
    } catch {
      return false;
    }
  });
  if (matches.length !== 1) {
    const found = matches.length === 0 ? 'none' : matches.map((path) => basename(path)).join(', ');
    throw new CommandError(
      `--chain-into ${name}: expected one conflist in ${confDir} named so, found ${found}`,
    );
  }
  const file = matches[0]!;
  // Extensions as libcni sees them (goExt): a file named `.conflist` is a conflist.
  if (goExt(file) !== '.conflist') {
    // Its plugin list is implicit (one plugin): appending means rewriting it as a .conflist,
    // under another name, which is the operator's call to make.
    throw new CommandError(
      `${file} is not a conflist (a single plugin config): cannot chain into it; rewrite it as a .conflist first`,
    );
  }
  const read = readConfFile(file);
  const conflist = loadConflist(file, read);
  const existing = uruncTapEntries(conflist);
  if (existing.length === 0) return { file, conflist, read, entry, alreadyChained: false };
  if (existing.length === 1 && canonical(existing[0]) === canonical(entry)) {
    return { file, conflist, read, entry, alreadyChained: true };
  }
  throw new CommandError(
    `${file} already chains urunc-tap as ${existing.map((e) => JSON.stringify(e)).join(', ')}, not as ${JSON.stringify(entry)}; left unchanged: edit it by hand`,
  );
}

/**
 * Appends the entry to the target's plugins. The original is kept first as
 * FILE.urunc-tap-TIMESTAMP.bak (an extension libcni does not load), then it is written as
 * writeChained does. Returns the backup's path.
 */
export function chainInto(target: ChainTarget, now = new Date()): string {
  const { file } = target;
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const backup = `${file}.urunc-tap-${stamp}.bak`;
  try {
    copyFileSync(file, backup, constants.COPYFILE_EXCL);
  } catch (error) {
    throw failure(error, `cannot back up ${file} to ${backup}`);
  }
  writeChained(target);
  return backup;
}

/**
 * Appends the entry to the target's plugins: the new file replaces the old one whole (temp
 * file + rename in the same directory), with the same mode, unless the file no longer holds
 * what was read: a network agent that wrote its conflist again in between (Calico's and
 * Cilium's do when they restart) keeps its version, and the next sync chains into that one.
 */
export function writeChained(target: ChainTarget): void {
  const { file, conflist, read, entry } = target;
  let mode: number;
  try {
    mode = statSync(file).mode & 0o7777;
  } catch (error) {
    throw failure(error, `cannot read ${file}`);
  }
  const chained = renderConflist(chainedConflist(conflist, entry).conflist);
  writeFileAtomic(file, chained, mode, read);
}

/** What chaining did, in one line: chained (with its backup), or already chained. */
export function describeChain(target: ChainTarget, backup?: string): string {
  const entry = JSON.stringify(target.entry);
  return backup === undefined
    ? `${target.file} already chains ${entry}; left unchanged`
    : `chained ${entry} into ${target.file} (backup: ${backup})`;
}
