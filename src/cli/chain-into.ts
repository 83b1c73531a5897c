// `urunc-tap install --chain-into NAME`: append urunc-tap to an existing conflist, with a backup.
import {
  copyFileSync,
  constants,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { CommandError } from './namespace-arg.js';

/** Extensions libcni loads network configurations from. */
const CONF_EXTENSIONS = ['.conflist', '.conf', '.json'];

/** A conflist about to be changed. */
export interface ChainTarget {
  file: string;
  conflist: { plugins: Array<Record<string, unknown>> } & Record<string, unknown>;
}

/**
 * Finds the conflist `name` in `confDir`: a file name (`10-ptp.conflist`), a file name without
 * its extension, or the network `name` inside. Refuses no match, several, a file without a
 * `plugins` list, and one that already chains urunc-tap, before anything is changed.
 */
export function findChainTarget(confDir: string, name: string): ChainTarget {
  let files: string[];
  try {
    files = readdirSync(confDir).filter((file) => CONF_EXTENSIONS.includes(extname(file)));
  } catch (error) {
    throw new CommandError(`cannot read --conf-dir ${confDir}: ${(error as Error).message}`);
  }
  const matches = files.filter((file) => {
    if (file === name || basename(file, extname(file)) === name) return true;
    try {
      return (
        (JSON.parse(readFileSync(join(confDir, file), 'utf8')) as { name?: unknown }).name === name
      );
    } catch {
      return false;
    }
  });
  if (matches.length !== 1) {
    const found = matches.length === 0 ? 'none' : matches.join(', ');
    throw new CommandError(
      `--chain-into ${name}: expected one conflist in ${confDir} named so, found ${found}`,
    );
  }
  const file = join(confDir, matches[0]!);
  let conflist: ChainTarget['conflist'];
  try {
    conflist = JSON.parse(readFileSync(file, 'utf8')) as ChainTarget['conflist'];
  } catch (error) {
    throw new CommandError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(conflist.plugins)) {
    throw new CommandError(`${file} is not a conflist (no "plugins" list): cannot chain into it`);
  }
  if (conflist.plugins.some((plugin) => plugin?.type === 'urunc-tap')) {
    throw new CommandError(`${file} already chains urunc-tap; left unchanged`);
  }
  return { file, conflist };
}

/**
 * Appends `{"type": "urunc-tap"}` to the target's plugins. The original is kept first as
 * FILE.urunc-tap-TIMESTAMP.bak (an extension libcni does not load), then the new file replaces
 * it whole (temp file + rename), with the same mode. Returns the backup's path.
 */
export function chainInto(target: ChainTarget, now = new Date()): string {
  const { file, conflist } = target;
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const backup = `${file}.urunc-tap-${stamp}.bak`;
  copyFileSync(file, backup, constants.COPYFILE_EXCL);
  const updated = { ...conflist, plugins: [...conflist.plugins, { type: 'urunc-tap' }] };
  const temp = join(dirname(file), `.${basename(file)}.urunc-tap-tmp`);
  writeFileSync(temp, JSON.stringify(updated, null, 2) + '\n', {
    mode: statSync(file).mode & 0o777,
  });
  renameSync(temp, file);
  return backup;
}
