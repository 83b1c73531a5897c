// What `urunc-tap install` puts on a node: the plugin executable in the CNI bin dir, and the
// urunc handler's conflist derived from the node's primary conflist.
import { existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  copyFileAtomic,
  removeFile,
  removeStaleTemps,
  writeFileAtomic,
  type WriteOutcome,
} from './atomic-file.js';
import { CommandError, failure } from './command-error.js';
import {
  chainedConflist,
  confFiles,
  primaryConflist,
  renderConflist,
  type Conflist,
} from './conflist-files.js';
import { isSelfContained } from './version.js';

/** The file name of the plugin in a CNI bin dir: conflists say "type": "urunc-tap". */
const PLUGIN_NAME = 'urunc-tap';

/**
 * The conflist install writes into the urunc handler's conf dir. "00-" so that it sorts first
 * (containerd loads the first file of the dir); the dir is meant to hold nothing else.
 */
const DERIVED_CONFLIST = '00-urunc-tap.conflist';

/** Where the executable to install comes from. */
export interface ExecutableSource {
  path: string;
  /** "running executable" (the self-contained build) or "checkout build" (the Node.js entry). */
  kind: 'running executable' | 'checkout build';
}

/**
 * The executable install copies. The self-contained build copies itself (process.execPath is
 * the whole plugin). The Node.js entry (bin/urunc-tap → dist/) cannot be copied on its own,
 * so it installs its checkout's self-contained build, build/urunc-tap.
 */
function executableSource(): ExecutableSource {
  if (isSelfContained()) return { path: process.execPath, kind: 'running executable' };
  // dist/cli/cli.js (bundled) and src/cli/*.ts (unbundled) are both two levels below the checkout.
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const path = join(root, 'build', PLUGIN_NAME);
  if (!existsSync(path)) {
    throw new CommandError(
      `no self-contained executable at ${path}: run npm run build in ${root} first (install copies build/urunc-tap; the Node.js entry needs the checkout)`,
    );
  }
  return { path, kind: 'checkout build' };
}

/**
 * Makes sure `dir` is a directory, creating it (mode 0755) when only its last component is
 * missing: a mistyped parent is an error, not a new tree.
 */
function ensureDir(dir: string, what: string): void {
  try {
    mkdirSync(dir, { mode: 0o755 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw failure(error, `cannot create the ${what} ${dir}`);
    }
    if (!statSync(dir).isDirectory()) {
      throw new CommandError(`the ${what} ${dir} is not a directory`);
    }
  }
}

/** The plugin executable in the CNI bin dir, after installing it. */
export interface InstalledExecutable {
  path: string;
  source: ExecutableSource;
  outcome: WriteOutcome;
}

/**
 * Copies the executable to BIN_DIR/urunc-tap: temp file in BIN_DIR, fsync, mode 0755, rename,
 * so a runtime calling the plugin meanwhile runs the old or the new one, never half of one.
 * An identical file (same bytes and mode) is not rewritten.
 */
export function installExecutable(binDir: string): InstalledExecutable {
  const source = executableSource();
  ensureDir(binDir, 'CNI bin dir');
  const path = join(binDir, PLUGIN_NAME);
  removeStaleTemps(path);
  return { path, source, outcome: copyFileAtomic(source.path, path, 0o755) };
}

/** Refuses a --conf-dir that is the --primary-conf-dir: a second conflist there is for every pod. */
export function checkDistinctDirs(primaryDir: string, confDir: string): void {
  const real = (dir: string) => {
    try {
      return realpathSync(dir);
    } catch {
      return dir;
    }
  };
  if (real(primaryDir) === real(confDir)) {
    throw new CommandError(
      `--conf-dir ${confDir} is the --primary-conf-dir: the urunc handler needs a conf dir of its own (e.g. /etc/cni/urunc.d), or every pod of the node might get a tap`,
    );
  }
}

/** The result of bringing the derived conflist in line with the primary one. */
export type SyncResult =
  | {
      kind: 'written';
      file: string;
      primary: string;
      network: string;
      outcome: WriteOutcome;
      /** The primary already chains urunc-tap: copied as it is. */
      alreadyChained: boolean;
      /** Conf files of the conf dir that sort before ours: containerd would load that one. */
      shadowedBy?: string;
    }
  | { kind: 'no-primary'; file: string; removed: boolean };

/** What the derived conflist should be, from the primary one (loaded and checked first). */
export interface Derivation {
  primary: string;
  conflist: Conflist;
  alreadyChained: boolean;
}

/**
 * Reads the primary conflist of `primaryDir` and the conflist to derive from it (urunc-tap
 * appended, same network name). Undefined when the dir holds no conf file.
 */
export function derive(primaryDir: string, entry: Record<string, unknown>): Derivation | undefined {
  const primary = primaryConflist(primaryDir);
  if (primary === undefined) return undefined;
  const { conflist, alreadyChained } = chainedConflist(primary.conflist, entry);
  return { primary: primary.file, conflist, alreadyChained };
}

/**
 * Writes (or leaves, when identical) CONF_DIR/00-urunc-tap.conflist for `derivation`; with no
 * derivation (the primary is gone), removes it. Never touches any other file.
 */
export function syncDerived(confDir: string, derivation: Derivation | undefined): SyncResult {
  const file = join(confDir, DERIVED_CONFLIST);
  if (derivation === undefined) return { kind: 'no-primary', file, removed: removeFile(file) };
  ensureDir(confDir, 'conf dir');
  removeStaleTemps(file);
  const outcome = writeFileAtomic(file, renderConflist(derivation.conflist), 0o644);
  const [first] = confFiles(confDir);
  return {
    kind: 'written',
    file,
    primary: derivation.primary,
    network: derivation.conflist.name,
    outcome,
    alreadyChained: derivation.alreadyChained,
    ...(first !== undefined && first !== file ? { shadowedBy: first } : {}),
  };
}

/** One line about the executable. */
export function describeExecutable(installed: InstalledExecutable, version: string): string {
  if (installed.outcome === 'unchanged') {
    return `${installed.path} is already this urunc-tap ${version}: left unchanged`;
  }
  return `installed urunc-tap ${version} as ${installed.path} (from ${installed.source.path}, the ${installed.source.kind})`;
}

/** The lines about the derived conflist (the second, if any, is a warning). */
export function describeSync(result: SyncResult, primaryDir: string): string[] {
  if (result.kind === 'no-primary') {
    return [
      result.removed
        ? `removed ${result.file}: ${primaryDir} holds no conflist any more`
        : `${primaryDir} holds no conflist: nothing to derive ${result.file} from yet, waiting`,
    ];
  }
  const of = `${result.primary} (network "${result.network}")`;
  const lines = [
    result.outcome === 'unchanged'
      ? `${result.file} is up to date with ${of}: left unchanged`
      : result.alreadyChained
        ? `wrote ${result.file}: a copy of ${of}, which chains urunc-tap already`
        : `wrote ${result.file}: ${of} with urunc-tap appended`,
  ];
  if (result.shadowedBy) {
    lines.push(
      `warning: ${result.shadowedBy} sorts before ${result.file}: containerd loads that one for the urunc handler, not urunc-tap's`,
    );
  }
  return lines;
}
