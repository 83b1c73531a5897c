// Counting the processes a verb spawns: stand-ins for setpriv, nsenter, ip and tc first on PATH
// log their pid and exec the real tool. setpriv execs nsenter and nsenter execs ip/tc in the
// same process, so "setpriv + nsenter + ip" logs one pid three times and counts as one process.
import {
  accessSync,
  chmodSync,
  constants,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
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
  remove(): void;
}

/** What the Node.js entry runs (src/net/iproute2/exec.ts), in exec order. */
const TOOLS = ['setpriv', 'nsenter', 'ip', 'tc'] as const;

/** The first executable `tool` in the directories of `path`. */
function which(tool: string, path: string): string {
  for (const dir of path.split(':').filter(Boolean)) {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return join(dir, tool);
    } catch {
      // Not here: the next directory.
    }
  }
  throw new Error(`${tool} is not on PATH (${path})`);
}

/** Makes the stand-ins for the tools found on `path`. */
export function createSpawnCounter(path: string): SpawnCounter {
  const dir = mkdtempSync(join(tmpdir(), 'urunc-tap-bench-spawns-'));
  const log = join(dir, 'spawns.log');
  for (const tool of TOOLS) {
    const real = which(tool, path);
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
  return {
    dir,
    reset: () => rmSync(log, { force: true }),
    count: () => new Set(lines().map((line) => line.split(' ')[0])).size,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
