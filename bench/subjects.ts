// What the benchmark runs: the plugin's two builds, and the runtimes' bare starts beside them.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.js';

/** A way to start a program: an absolute executable and its first arguments. */
export interface Launch {
  argv: string[];
}

/** The plugin in one of its builds, with the bare start of the runtime it runs on. */
export interface Subject {
  key: string;
  label: string;
  /** The label in the scale table and the targets. */
  short: string;
  launch: Launch;
  /** Key of the runtime floor (a bare start) this build is compared with. */
  runtimeFloor: string;
  /** Held to issue 12's targets (the shipped executable); otherwise shown for reference. */
  targeted: boolean;
  /** In the scale run by default; otherwise only when asked for (--scale-node). */
  scaleByDefault: boolean;
}

/** A bare start: the cost of a process before the plugin runs a line of its own. */
export interface Floor {
  key: string;
  label: string;
  launch: Launch;
}

/** Everything the benchmark runs; `work` holds the builds made for it. */
export interface Lineup {
  subjects: Subject[];
  floors: Floor[];
}

/** The shipped executable, built by `npm run build` (scripts/build-standalone.mjs). */
export const EXECUTABLE = join(ROOT, 'build', 'urunc-tap');

/** The Node.js entry, bin/urunc-tap -> dist/main.js, built by `npm run build`. */
export const NODE_ENTRY = join(ROOT, 'bin', 'urunc-tap');

/** Fails early, with the fix, when `npm run build` has not made `path`. */
function built(path: string, mode = constants.X_OK): string {
  try {
    accessSync(path, mode);
    return path;
  } catch {
    throw new Error(`${path} is missing: run npm run build (npm run bench does)`);
  }
}

/**
 * The two builds `npm run build` made, each next to its runtime's bare start: `node -e 0`, and
 * an empty program (bench/entries/bare.ts) compiled into `work` the way the executable is.
 * `/bin/true` is the floor of any process as the stopwatch sees it (spawn, exec, wait4).
 */
export function prepareLineup(work: string): Lineup {
  built(join(ROOT, 'dist', 'main.js'), constants.R_OK);
  const bare = join(work, 'bare');
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'scripts', 'build-standalone.mjs'),
      '--entry',
      join(ROOT, 'bench', 'entries', 'bare.ts'),
      '--out',
      bare,
    ],
    { stdio: 'inherit' },
  );
  const floors: Floor[] = [
    {
      key: 'true',
      label: '/bin/true (the stopwatch: spawn, exec, wait4)',
      launch: { argv: ['/bin/true'] },
    },
    { key: 'node', label: 'node -e 0', launch: { argv: [process.execPath, '-e', '0'] } },
    { key: 'bun', label: 'Bun executable, empty program', launch: { argv: [bare] } },
  ];
  const subjects: Subject[] = [
    {
      key: 'executable',
      label: 'shipped executable: build/urunc-tap (Bun, in-process netlink)',
      short: 'shipped executable',
      launch: { argv: [built(EXECUTABLE)] },
      runtimeFloor: 'bun',
      targeted: true,
      scaleByDefault: true,
    },
    {
      key: 'node-entry',
      label: 'Node.js entry: bin/urunc-tap -> dist/main.js (ip/tc processes; reference)',
      short: 'Node.js entry',
      launch: { argv: [built(NODE_ENTRY)] },
      runtimeFloor: 'node',
      targeted: false,
      scaleByDefault: false,
    },
  ];
  return { subjects, floors };
}
