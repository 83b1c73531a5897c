// `urunc-tap install`: put the plugin executable into a CNI bin dir, and urunc-tap into a conflist:
// a derived one for the urunc handler's own conf dir (and kept in step with --watch), or in place.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chainInto, describeChain, findChainTarget, type ChainTarget } from './chain-into.js';
import { CommandError } from './command-error.js';
import { uruncTapEntry } from './conflist-files.js';
import { ExitCode } from './exit-codes.js';
import {
  checkDistinctDirs,
  derive,
  describeExecutable,
  describeSync,
  installExecutable,
  syncDerived,
  type Derivation,
} from './install-files.js';
import { DEFAULT_RESCAN_SECONDS, type InstallOptions } from './install-usage.js';
import { watchChained, watchPrimary } from './install-watch.js';
import { urunctapVersion } from './version.js';

/** Where an earlier urunc-tap (Node.js bundle + launcher) kept its bundles, in the bin dir. */
const OLD_BUNDLE_STORE = '.urunc-tap';

/** The conflist install changes besides the executable, found before anything is written. */
interface Targets {
  chainTarget?: ChainTarget;
  derivation?: Derivation;
}

/**
 * Everything that can refuse, checked before anything is written. A primary conf dir that
 * cannot be read, or a first conflist that is broken, is refused (exit 1: in a DaemonSet, a
 * restart loop that shows); only an empty one is waited for, and only with --watch.
 */
function checkTargets(options: InstallOptions, entry: Record<string, unknown>): Targets {
  if (options.chainInto !== undefined) {
    if (options.podAnnotation === undefined && !options.allPods) {
      throw new CommandError(
        `--chain-into ${options.chainInto} edits a conflist that every pod using ${options.confDir} gets: each would get a tap, and a runc pod is black-holed (all its traffic goes into a tap no VMM opens); pass --pod-annotation KEY to wire only pods annotated KEY: "true", or --all-pods if only urunc pods use this conf dir (better: --primary-conf-dir with a conf dir of the urunc handler's own)`,
      );
    }
    return { chainTarget: findChainTarget(options.confDir!, options.chainInto, entry) };
  }
  if (options.primaryConfDir === undefined) return {};
  checkDistinctDirs(options.primaryConfDir, options.confDir!);
  const derivation = derive(options.primaryConfDir, entry);
  if (derivation === undefined && !options.watch) {
    throw new CommandError(
      `no conflist in ${options.primaryConfDir} (no .conflist, .conf or .json file): nothing to derive the urunc handler's conflist from; install the node's network plugin first, or run with --watch to wait for it`,
    );
  }
  return { derivation };
}

/** Runs `urunc-tap install` (see README, "install"); resolves to the exit code. */
export async function runInstall(options: InstallOptions): Promise<number> {
  const version = urunctapVersion();
  const entry = uruncTapEntry(options.podAnnotation);
  const { chainTarget, derivation } = checkTargets(options, entry);
  if (options.watch) {
    const log = (line: string) => process.stderr.write(`urunc-tap install: ${line}\n`);
    // The executable goes first: a conflist naming urunc-tap before the plugin is in the bin
    // dir would fail every ADD of the urunc handler ("failed to find plugin"). checkTargets'
    // read only refused a bad setup before that copy; the first sync reads the conflist again,
    // as an agent may have rewritten it meanwhile.
    const installed = installExecutable(options.cniBinDir);
    log(describeExecutable(installed, version));
    const removed = removeOldBundles(options.cniBinDir);
    if (removed.length > 0) log(describeOldBundles(options.cniBinDir, removed));
    const follow = {
      confDir: options.confDir!,
      entry,
      intervalMs: (options.rescanInterval ?? DEFAULT_RESCAN_SECONDS) * 1000,
      log,
    };
    await (options.chainInto !== undefined
      ? watchChained({ ...follow, name: options.chainInto })
      : watchPrimary({ ...follow, primaryDir: options.primaryConfDir! }));
    return ExitCode.Ok;
  }

  const installed = installExecutable(options.cniBinDir);
  const removedBundles = removeOldBundles(options.cniBinDir);
  const synced = derivation ? syncDerived(options.confDir!, derivation) : undefined;
  const backup = chainTarget && !chainTarget.alreadyChained ? chainInto(chainTarget) : undefined;

  if (options.json) {
    const conflist = synced?.kind === 'written' ? synced : undefined;
    const report = {
      installed: installed.path,
      version,
      source: installed.source.path,
      executable: installed.outcome,
      conflist: conflist
        ? {
            file: conflist.file,
            primary: conflist.primary,
            network: conflist.network,
            change: conflist.outcome,
            alreadyChained: conflist.alreadyChained,
            shadowedBy: conflist.shadowedBy ?? null,
          }
        : null,
      chained: chainTarget
        ? {
            file: chainTarget.file,
            backup: backup ?? null,
            change: chainTarget.alreadyChained ? 'unchanged' : 'replaced',
          }
        : null,
      // Fields of the Node.js-bundle install, kept so that scripts reading them still work:
      // there is no bundle and no Node.js any more; removedBundles lists the bundles of such an
      // earlier install that this one removed.
      bundle: null,
      node: null,
      removedBundles,
    };
    console.log(JSON.stringify(report, null, 2));
    return ExitCode.Ok;
  }
  console.log(describeExecutable(installed, version));
  if (removedBundles.length > 0) console.log(describeOldBundles(options.cniBinDir, removedBundles));
  if (synced) for (const line of describeSync(synced, options.primaryConfDir!)) console.log(line);
  if (chainTarget) console.log(describeChain(chainTarget, backup));
  return ExitCode.Ok;
}

/**
 * Removes BIN_DIR/.urunc-tap, the Node.js bundles of an earlier install, once BIN_DIR/urunc-tap
 * is the self-contained executable (the launcher that ran them is gone). Returns their names.
 */
function removeOldBundles(binDir: string): string[] {
  const store = join(binDir, OLD_BUNDLE_STORE);
  try {
    if (!statSync(store).isDirectory()) return [];
  } catch {
    return [];
  }
  const names = readdirSync(store).filter((name) => !name.startsWith('.'));
  rmSync(store, { recursive: true, force: true });
  return names.sort();
}

function describeOldBundles(binDir: string, names: string[]): string {
  return `removed the Node.js bundles of an earlier install from ${join(binDir, OLD_BUNDLE_STORE)}: ${names.join(', ')}`;
}
