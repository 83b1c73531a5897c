// The TypeScript side of bench/measure.py: one long-lived helper, one request at a time.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

/** What to run: an absolute executable path, its environment, and its stdin. */
export interface RunRequest {
  argv: string[];
  env: Record<string, string>;
  stdin?: string;
}

/** One measured run. */
export interface Measured {
  wallMs: number;
  /** User + system CPU time of the command and of the descendants it waited for. */
  cpuMs: number;
  maxRssKiB: number;
  exitCode: number;
  /** Killed by the helper after the timeout. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** Commands started all at once: the wall time from the first spawn to the last exit. */
export interface MeasuredWave {
  wallMs: number;
  runs: Measured[];
}

/** Measures commands one after another; close() when done. */
export interface Measurer {
  /** Runs one command; killed after `timeoutMs`. */
  run(request: RunRequest, timeoutMs?: number): Promise<Measured>;
  /** Starts every command at once and waits for all; killed after `timeoutMs`. */
  wave(requests: RunRequest[], timeoutMs?: number): Promise<MeasuredWave>;
  close(): void;
}

const RUN_TIMEOUT_MS = 30_000;
const WAVE_TIMEOUT_MS = 300_000;

/** Starts the helper (python3, on PATH: installed by scripts/install-deps.sh). */
export function startMeasurer(script: string): Measurer {
  const child: ChildProcessWithoutNullStreams = spawn('python3', [script], { stdio: 'pipe' });
  const lines = createInterface({ input: child.stdout });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  let queue = Promise.resolve();
  const ask = <T>(request: object, what: string): Promise<T> => {
    // Strictly one at a time: a measurement must not share the machine with another.
    const result = queue.then(
      () =>
        new Promise<T>((resolve, reject) => {
          waiting.push((line) => {
            const reply = JSON.parse(line) as T & { error?: string };
            if (reply.error) reject(new Error(`${what}: ${reply.error}`));
            else resolve(reply);
          });
          child.stdin.write(JSON.stringify(request) + '\n');
        }),
    );
    queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  };
  return {
    run: (request, timeoutMs = RUN_TIMEOUT_MS) =>
      ask<Measured>({ ...request, timeoutMs }, request.argv.join(' ')),
    wave: (requests, timeoutMs = WAVE_TIMEOUT_MS) =>
      ask<MeasuredWave>({ wave: requests, timeoutMs }, `a wave of ${requests.length} commands`),
    close() {
      child.stdin.end();
    },
  };
}
