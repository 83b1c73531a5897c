// `urunc-tap install --watch`: keep the urunc handler's conflist in step with the node's primary
// conflist (network agents such as Calico's and Cilium's rewrite theirs) until SIGTERM or SIGINT.
import { statSync, watch, type FSWatcher } from 'node:fs';
import {
  derive,
  describeSync,
  syncDerived,
  type Derivation,
  type SyncResult,
} from './install-files.js';

/** What --watch follows and where it writes. */
export interface WatchOptions {
  primaryDir: string;
  confDir: string;
  entry: Record<string, unknown>;
  /** Re-scan period: the fallback for events the directory watch misses. */
  intervalMs: number;
  /** One line per action. */
  log: (line: string) => void;
  /** Test hook: resolves the watch like a signal would. */
  stop?: Promise<void>;
}

/** Events come in bursts (a temp file written, then renamed): act once they settle. */
const SETTLE_MS = 100;

/**
 * Syncs once, then on every change of the primary conf dir (fs.watch) and every `intervalMs`
 * (the fallback: a watch can miss events, or lose its directory when it is replaced), until
 * SIGTERM or SIGINT. A problem in the first sync is fatal (it throws: a conf dir that cannot be
 * read or written, or a broken primary conflist, is a setup to fix); only an empty primary conf
 * dir is waited for. Later problems are logged, once each, and retried at the next change or
 * re-scan: a primary conflist that is unreadable or not valid leaves the derived one as it was
 * (an agent may be half-way through writing it); a primary conf dir with no conflist left
 * removes it. On a signal the derived conflist stays: pods of
 * the urunc handler keep working while the installer is restarted or upgraded.
 */
export async function watchPrimary(options: WatchOptions): Promise<void> {
  const { primaryDir, confDir, entry, log } = options;
  let lastProblem: string | undefined;
  let waiting = false;

  /** Logs a problem of a later sync once, however often it recurs. */
  const problem = (message: string): void => {
    if (message !== lastProblem) log(message);
    lastProblem = message;
  };

  /** One sync, logging what it did. */
  const sync = (first: boolean): void => {
    let derivation: Derivation | undefined;
    try {
      derivation = derive(primaryDir, entry);
    } catch (error) {
      if (first) throw error;
      return problem(`${(error as Error).message}; left ${confDir} as it was`);
    }
    let result: SyncResult;
    try {
      result = syncDerived(confDir, derivation);
    } catch (error) {
      if (first) throw error;
      return problem((error as Error).message);
    }
    // After a problem, say that it is over even when the file did not change.
    const recovered = lastProblem !== undefined;
    lastProblem = undefined;
    const quiet =
      !first &&
      !recovered &&
      ((result.kind === 'written' && result.outcome === 'unchanged') ||
        (result.kind === 'no-primary' && !result.removed && waiting));
    waiting = result.kind === 'no-primary';
    if (!quiet) for (const line of describeSync(result, primaryDir)) log(line);
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
      inode = statSync(primaryDir).ino;
    } catch {
      inode = undefined;
    }
    if (watcher && inode === watchedInode) return;
    watcher?.close();
    watcher = undefined;
    if (inode === undefined) return;
    try {
      watcher = watch(primaryDir, { persistent: true }, schedule);
      watchedInode = inode;
      watcher.on('error', (error) => {
        log(
          `lost the watch on ${primaryDir} (${error.message}); re-scanning every ${options.intervalMs / 1000} s`,
        );
        watcher?.close();
        watcher = undefined;
      });
    } catch (error) {
      log(
        `cannot watch ${primaryDir} (${(error as Error).message}); re-scanning every ${options.intervalMs / 1000} s`,
      );
    }
  };
  ensureWatch();
  log(
    `watching ${primaryDir} for changes of its first conflist (and re-scanning every ${options.intervalMs / 1000} s)`,
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
