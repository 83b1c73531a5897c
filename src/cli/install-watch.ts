// `urunc-tap install --watch`: keep urunc-tap in the node's network until SIGTERM or SIGINT,
// however often network agents such as Calico's and Cilium's rewrite their conflist: the urunc
// handler's conflist derived from the primary one, or our entry chained into a conflist in place.
import { statSync, watch, type FSWatcher } from 'node:fs';
import { chainInto, describeChain, findChainTarget, writeChained } from './chain-into.js';
import { derive, describeSync, syncDerived, type Derivation } from './install-files.js';

/** What every --watch takes. */
interface Following {
  /** The directory of the conflist that holds urunc-tap; its files stay when the watch stops. */
  confDir: string;
  entry: Record<string, unknown>;
  /** Re-scan period: the fallback for events the directory watch misses. */
  intervalMs: number;
  /** One line per action. */
  log: (line: string) => void;
  /** Test hook: resolves the watch like a signal would. */
  stop?: Promise<void>;
}

/** --watch of a derived conflist: the primary conf dir it follows. */
export interface WatchOptions extends Following {
  primaryDir: string;
}

/** --watch of a conflist chained in place: the --chain-into NAME. */
export interface ChainWatchOptions extends Following {
  name: string;
}

/** How --watch runs, whatever it keeps in step. */
interface WatchLoop extends Omit<Following, 'entry'> {
  /** The directory whose changes call for a sync. */
  dir: string;
  /** What the "watching" line says it follows in `dir`. */
  following: string;
  /**
   * One sync: the lines saying what it did (none when there is nothing worth saying; after a
   * problem, `recovering`, it says what holds now). A throw is a problem: fatal on the first
   * sync, logged once and retried on later ones.
   */
  sync(first: boolean, recovering: boolean): string[];
}

/** Events come in bursts (a temp file written, then renamed): act once they settle. */
const SETTLE_MS = 100;

/**
 * Keeps the urunc handler's conflist derived from the primary one (see watchLoop). A primary
 * conflist that is unreadable or not valid leaves the derived one as it was (an agent may be
 * half-way through writing it); a primary conf dir with no conflist left removes it; only an
 * empty primary conf dir is waited for at the first sync. On a signal the derived conflist
 * stays: pods of the urunc handler keep working while the installer is restarted or upgraded.
 */
export function watchPrimary(options: WatchOptions): Promise<void> {
  const { primaryDir, confDir, entry } = options;
  let waiting = false;
  return watchLoop({
    ...options,
    dir: primaryDir,
    following: 'its first conflist',
    sync: (first, recovering) => {
      let derivation: Derivation | undefined;
      try {
        derivation = derive(primaryDir, entry);
      } catch (error) {
        if (first) throw error;
        throw new Error(`${(error as Error).message}; left ${confDir} as it was`);
      }
      const result = syncDerived(confDir, derivation);
      const quiet =
        !first &&
        !recovering &&
        ((result.kind === 'written' && result.outcome === 'unchanged') ||
          (result.kind === 'no-primary' && !result.removed && waiting));
      waiting = result.kind === 'no-primary';
      return quiet ? [] : describeSync(result, primaryDir);
    },
  });
}

/**
 * Keeps urunc-tap chained into the conflist NAME of the conf dir (see watchLoop): network agents
 * (Calico's, Cilium's, flannel's) write their conflist again when they restart, without our
 * entry, and the annotated pods would silently stop getting a tap. The first chain keeps a
 * backup, as the one-shot install does; a chain after an agent's rewrite does not (the backup
 * would only be the agent's own file again). A conflist that is missing, broken or chains
 * urunc-tap differently is logged and retried, never "fixed" further.
 */
export function watchChained(options: ChainWatchOptions): Promise<void> {
  const { confDir, name, entry } = options;
  return watchLoop({
    ...options,
    dir: confDir,
    following: `the conflist ${name}`,
    sync: (first, recovering) => {
      const target = findChainTarget(confDir, name, entry);
      if (target.alreadyChained) return first || recovering ? [describeChain(target)] : [];
      if (first) return [describeChain(target, chainInto(target))];
      writeChained(target);
      return [
        `${target.file} was written again without urunc-tap: chained ${JSON.stringify(entry)} into it again`,
      ];
    },
  });
}

/**
 * Syncs once, then on every change of the watched directory (fs.watch) and every `intervalMs`
 * (the fallback: a watch can miss events, or lose its directory when it is replaced), until
 * SIGTERM or SIGINT. A problem in the first sync is fatal (it throws: a setup to fix); later
 * problems are logged, once each, and retried at the next change or re-scan.
 */
async function watchLoop(options: WatchLoop): Promise<void> {
  const { dir, confDir, log } = options;
  let lastProblem: string | undefined;

  /** Logs a problem of a later sync once, however often it recurs. */
  const problem = (message: string): void => {
    if (message !== lastProblem) log(message);
    lastProblem = message;
  };

  /** One sync, logging what it did. */
  const sync = (first: boolean): void => {
    let lines: string[];
    try {
      lines = options.sync(first, lastProblem !== undefined);
    } catch (error) {
      if (first) throw error;
      return problem((error as Error).message);
    }
    lastProblem = undefined;
    for (const line of lines) log(line);
  };

  sync(true);

  let watcher: FSWatcher | undefined;
  let watchedInode: number | undefined;
  let settle: NodeJS.Timeout | undefined;
  const schedule = () => {
    clearTimeout(settle);
    settle = setTimeout(() => sync(false), SETTLE_MS);
  };
  /** (Re)creates the directory watch when there is none, or its directory was replaced. */
  const ensureWatch = () => {
    let inode: number | undefined;
    try {
      inode = statSync(dir).ino;
    } catch {
      inode = undefined;
    }
    if (watcher && inode === watchedInode) return;
    watcher?.close();
    watcher = undefined;
    if (inode === undefined) return;
    try {
      watcher = watch(dir, { persistent: true }, schedule);
      watchedInode = inode;
      watcher.on('error', (error) => {
        log(
          `lost the watch on ${dir} (${error.message}); re-scanning every ${options.intervalMs / 1000} s`,
        );
        watcher?.close();
        watcher = undefined;
      });
    } catch (error) {
      log(
        `cannot watch ${dir} (${(error as Error).message}); re-scanning every ${options.intervalMs / 1000} s`,
      );
    }
  };
  ensureWatch();
  log(
    `watching ${dir} for changes of ${options.following} (and re-scanning every ${options.intervalMs / 1000} s)`,
  );
  const rescan = setInterval(() => {
    ensureWatch();
    sync(false);
  }, options.intervalMs);

  let onSignal: (name: NodeJS.Signals) => void = () => {};
  const signal = await new Promise<string>((resolve) => {
    onSignal = resolve;
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    void options.stop?.then(() => resolve('stop'));
  });
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  clearInterval(rescan);
  clearTimeout(settle);
  watcher?.close();
  log(`stopping on ${signal}; ${confDir} stays as it is`);
}
