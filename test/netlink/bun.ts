// Running the netlink backend's driver (driver.ts) under Bun from vitest (which runs under
// Node, without FFI), and whether Bun is there: without it a test that drives it is skipped
// locally and fails under CI=true (a skipped tier is no evidence). No namespace probe here: the
// unit tier imports this too (sha256.test.ts).
import { execa, type ResultPromise } from 'execa';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tierVerdict } from '../helpers/tier-verdict.js';

/** The Bun binary of the `bun` npm package (what `bun build --compile` ships). */
export const BUN = fileURLToPath(new URL('../../node_modules/bun/bin/bun.exe', import.meta.url));
const DRIVER = fileURLToPath(new URL('./driver.ts', import.meta.url));

/** True when Bun cannot be run here (no npm ci). */
export const noBun =
  tierVerdict('netlink', existsSync(BUN) ? undefined : `no Bun binary at ${BUN} (npm ci)`) !==
  undefined;

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
