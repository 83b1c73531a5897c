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
  maxRssKiB: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Measures commands one after another; close() when done. */
export interface Measurer {
  run(request: RunRequest): Promise<Measured>;
  close(): void;
}

/** Starts the helper (python3, on PATH: installed by scripts/install-deps.sh). */
export function startMeasurer(script: string): Measurer {
  const child: ChildProcessWithoutNullStreams = spawn('python3', [script], { stdio: 'pipe' });
  const lines = createInterface({ input: child.stdout });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  let queue = Promise.resolve();
  return {
    run(request) {
      // Strictly one at a time: a measurement must not share the machine with another.
      const result = queue.then(
        () =>
          new Promise<Measured>((resolve, reject) => {
            waiting.push((line) => {
              const reply = JSON.parse(line) as Measured & { error?: string };
              if (reply.error) reject(new Error(`${request.argv.join(' ')}: ${reply.error}`));
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
    },
    close() {
      child.stdin.end();
    },
  };
}
