// Counting the processes a verb spawns: stand-ins for nsenter, ip and tc first on PATH log
// their pid and exec the real tool. nsenter execs ip/tc in the same process, so "nsenter + ip"
// logs one pid twice and counts as one process, as the issue counts it.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PATH directory of logging stand-ins, and what they logged. */
export interface SpawnCounter {
  /** Put first on the plugin's PATH. */
  dir: string;
  /** Forgets what was logged so far. */
  reset(): void;
  /** How many distinct processes ran a stand-in since the last reset. */
  count(): number;
  /** What ran, one line per process ("nsenter --net=... -- tc -json -batch -"). */
  commands(): string[];
  remove(): void;
}

/** Makes the stand-ins for the tools found on `path`. */
export function createSpawnCounter(path: string): SpawnCounter {
  const dir = mkdtempSync(join(tmpdir(), 'urunc-tap-bench-spawns-'));
  const log = join(dir, 'spawns.log');
  for (const tool of ['nsenter', 'ip', 'tc']) {
    const real = execFileSync('sh', ['-c', `command -v ${tool}`], {
      env: { PATH: path },
      encoding: 'utf8',
    }).trim();
    writeFileSync(
      join(dir, tool),
      `#!/bin/sh\necho "$$ ${tool} $*" >>'${log}'\nexec '${real}' "$@"\n`,
    );
    chmodSync(join(dir, tool), 0o755);
  }
  const lines = (): string[] => {
    try {
      return readFileSync(log, 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  /** The first line of each pid: the command as the plugin spawned it. */
  const firstPerPid = (): string[] => {
    const seen = new Map<string, string>();
    for (const line of lines()) {
      const [pid, ...rest] = line.split(' ');
      if (!seen.has(pid!)) seen.set(pid!, rest.join(' '));
    }
    return [...seen.values()];
  };
  return {
    dir,
    reset: () => rmSync(log, { force: true }),
    count: () => firstPerPid().length,
    commands: firstPerPid,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
