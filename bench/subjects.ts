// What the benchmark runs: the plugin's two builds, the executable again with JSC's warm-up
// thread off (a diagnosis), and the runtimes' bare starts beside them.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { RunRequest } from './measurer.js';
import { ROOT } from './paths.js';

/** A way to start a program: an absolute executable, its first arguments, and extra env. */
export interface Launch {
  argv: string[];
  /** Set on top of the env each call gets (no runtime sets these of its own). */
  env?: Record<string, string>;
}

/**
 * How the report judges a subject: against issue 12's targets; against them for diagnosis
 * only (a variant no runtime would run, to show what a gap is made of); or not at all.
 */
type Judged = 'targets' | 'diagnosis' | 'reference';

/** The run of `launch`: `env` with the launch's own on top, and `stdin`. */
export function runRequest(
  launch: Launch,
  env: Record<string, string>,
  stdin?: string,
): RunRequest {
  return { argv: launch.argv, env: { ...env, ...launch.env }, stdin };
}

/** A launch as a shell line would start it: "VAR=value /path/exe args". */
export function launchText(launch: Launch): string {
  const env = Object.entries(launch.env ?? {}).map(([name, value]) => `${name}=${value}`);
  return [...env, ...launch.argv].join(' ');
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
  judged: Judged;
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
 * The two builds `npm run build` made (the executable twice: as shipped, and with the warm-up
 * thread off), each next to its runtime's bare start: `node -e 0`, and
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
      judged: 'targets',
      scaleByDefault: true,
    },
    {
      // Bun 1.4.1+ starts a helper thread (JSCWarmUp) once the JS heap has taken 64 MarkedBlocks
      // of 16 KiB, as ADD's and DEL's do. Measured here: the tap deletion (RTM_DELLINK) of a
      // DEL then takes ~6 ms longer in the kernel in DELs run one by one (2-5 ms in these
      // cycles), each DEL ~1.5 ms more CPU. Only this variable turns the thread off, and no
      // runtime sets it of its own: the row shows what the thread costs, nothing more.
      key: 'executable-helper-off',
      label:
        "diagnosis: the shipped executable with the runtime's JSC warm-up thread off (env BUN_JSC_useWarmUpMarkedBlocks=0, which no runtime sets of its own)",
      short: 'shipped executable, warm-up thread off (diagnosis)',
      launch: { argv: [built(EXECUTABLE)], env: { BUN_JSC_useWarmUpMarkedBlocks: '0' } },
      runtimeFloor: 'bun',
      judged: 'diagnosis',
      scaleByDefault: true,
    },
    {
      key: 'node-entry',
      label: 'Node.js entry: bin/urunc-tap -> dist/main.js (ip/tc processes; reference)',
      short: 'Node.js entry',
      launch: { argv: [built(NODE_ENTRY)] },
      runtimeFloor: 'node',
      judged: 'reference',
      scaleByDefault: false,
    },
  ];
  return { subjects, floors };
}
