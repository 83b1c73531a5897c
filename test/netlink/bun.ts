// Running the netlink backend's driver (driver.ts) under Bun from vitest (which runs under
// Node, without FFI), and whether this tier can run: skipped locally without root, namespaces
// or Bun; under CI=true a tier that cannot run fails instead (a skipped tier is no evidence).
import { execa, type ResultPromise } from 'execa';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { noNetns } from '../helpers/tier.js';

/** The Bun binary of the `bun` npm package (what `bun build --compile` ships). */
export const BUN = fileURLToPath(new URL('../../node_modules/bun/bin/bun.exe', import.meta.url));
const DRIVER = fileURLToPath(new URL('./driver.ts', import.meta.url));

const bunMissing = existsSync(BUN) ? undefined : `no Bun binary at ${BUN} (npm ci)`;
if (bunMissing && process.env.CI === 'true') {
  throw new Error(`the netlink tier cannot run under CI=true: ${bunMissing}`);
}

/** True when Bun cannot be run here (no npm ci). */
export const noBun = bunMissing !== undefined;

/** True when the real-namespace tests of the netlink backend cannot run here. */
export const noNetlinkTier = noNetns || noBun;

/** Runs one driver command and returns its JSON answer. */
export async function drive(...args: string[]): Promise<any> {
  const result = await execa(BUN, ['run', DRIVER, ...args], { reject: false });
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(
      `driver ${args[0]} answered ${JSON.stringify(result.stdout)}: ${result.stderr}`,
    );
  }
}

/** A driver left running (it blocks after printing, until killed or its stdin closes). */
export interface RunningDriver {
  pid: number;
  /** The next JSON line it prints. */
  next(): Promise<any>;
  /** SIGKILL, and wait until it is reaped (its fds are closed by then). */
  kill(): Promise<void>;
  /** Closes its stdin (a blocked driver then exits normally), and waits. */
  release(): Promise<void>;
}

/** Starts a driver command that stops somewhere (stop-tap, stop-probe, hold-abstract). */
export function startDriver(...args: string[]): RunningDriver {
  const child: ResultPromise = execa(BUN, ['run', DRIVER, ...args], {
    reject: false,
    buffer: false,
    stdin: 'pipe',
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    pid: child.pid!,
    async next() {
      const { value, done } = await lines.next();
      if (done) throw new Error(`driver ${args[0]} exited without answering`);
      return JSON.parse(String(value));
    },
    async kill() {
      child.kill('SIGKILL');
      await child;
    },
    async release() {
      child.stdin!.end();
      await child;
    },
  };
}
