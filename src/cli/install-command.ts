// `urunc-tap install`: put the plugin into a CNI bin dir, and optionally chain it into a conflist.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageVersion, sourceRoot, writeBundle } from './bundle.js';
import { chainInto, findChainTarget } from './chain-into.js';
import { ExitCode } from './exit-codes.js';

/** Options of `urunc-tap install`. */
export interface InstallOptions {
  cniBinDir: string;
  confDir: string;
  chainInto?: string;
  json: boolean;
}

/** Bundles live under BIN_DIR/.urunc-tap/ID, out of the way of runtimes looking up plugins. */
const STORE = '.urunc-tap';

/**
 * Installs BIN_DIR/urunc-tap. The bundle (see writeBundle) is written under a temporary name
 * and renamed into BIN_DIR/.urunc-tap/ID; then the executable, a launcher naming that bundle,
 * replaces BIN_DIR/urunc-tap by rename: a runtime calling the plugin meanwhile runs either the
 * old or the new one, never a half-written one. The previous bundle is kept (a plugin started
 * just before the switch may still be loading it); older ones are removed.
 */
export async function runInstall(options: InstallOptions): Promise<number> {
  // Refuse a chain-into that cannot be done before changing anything.
  const target = options.chainInto
    ? findChainTarget(options.confDir, options.chainInto)
    : undefined;
  const root = sourceRoot();
  const version = packageVersion(root);
  const store = join(options.cniBinDir, STORE);
  mkdirSync(store, { recursive: true, mode: 0o755 });
  const id = `${version}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const temp = join(store, `.tmp-${id}`);
  try {
    writeBundle(root, temp);
    renameSync(temp, join(store, id));
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
  const executable = join(options.cniBinDir, 'urunc-tap');
  const previous = bundleOf(executable);
  const tempExecutable = join(options.cniBinDir, `.urunc-tap.${id}.tmp`);
  writeFileSync(tempExecutable, launcher(id, version), { mode: 0o755 });
  renameSync(tempExecutable, executable);
  const removed = prune(store, [id, previous]);
  const backup = target ? chainInto(target) : undefined;
  const report = {
    installed: executable,
    version,
    bundle: join(store, id),
    node: process.execPath,
    removedBundles: removed,
    chained: target ? { file: target.file, backup } : null,
  };
  if (options.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(
      `installed urunc-tap ${version} as ${executable} (bundle ${report.bundle}, node ${process.execPath})`,
    );
    if (target) console.log(`chained urunc-tap into ${target.file} (backup: ${backup})`);
  }
  return ExitCode.Ok;
}

/**
 * The executable: a script for the Node.js running this install, which imports the bundle
 * next to it (found from its own real path, so the bin dir can be copied elsewhere whole).
 * It only uses dynamic import(), valid whether Node reads it as CommonJS or as a module.
 */
export function launcher(id: string, version: string): string {
  return `#!${process.execPath}
// urunc-tap ${version}: the CNI plugin executable ("type": "urunc-tap"), written by \`urunc-tap install\`.
// It runs the bundle ${STORE}/${id}/ next to it with the Node.js above (20.19 or newer).
const bundle = ${JSON.stringify(id)};
Promise.all([import('node:fs'), import('node:path'), import('node:url')]).then(([fs, path, url]) => {
  const dir = path.dirname(fs.realpathSync(process.argv[1]));
  return import(url.pathToFileURL(path.join(dir, ${JSON.stringify(STORE)}, bundle, 'dist', 'main.js')).href);
});
`;
}

/** The bundle an installed launcher runs, if `executable` is one of ours. */
function bundleOf(executable: string): string | undefined {
  try {
    return /^const bundle = "([^"]+)";$/m.exec(readFileSync(executable, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Removes the bundles other than `keep`; returns their names. */
function prune(store: string, keep: Array<string | undefined>): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(store)) {
    // Dot names are installs in progress (a failed one removes its own).
    if (keep.includes(name) || name.startsWith('.')) continue;
    rmSync(join(store, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
