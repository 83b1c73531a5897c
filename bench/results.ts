// Everything one benchmark run measured, and the summaries the report and the targets share.
import type { ShellVerb, Verb } from './cycle.js';
import type { Measured } from './measurer.js';
import type { Leftovers } from './pods.js';
import type { ScaleResult } from './scale.js';
import { summarise, type Summary } from './stats.js';
import type { Floor, Subject } from './subjects.js';

/** One subject's (or the shell floor's) scale run. */
export interface ScaleEntry {
  /** 'shell', or a subject's key. */
  key: string;
  label: string;
  /** The rounds combined (scale.ts combineRounds): median walls, every failure and leftover. */
  result: ScaleResult;
  rounds: number;
}

/** Everything measured in one run. */
export interface Results {
  header: string[];
  floors: Floor[];
  floorRuns: Map<string, Measured[]>;
  shellRuns: Record<ShellVerb, Measured[]>;
  shellProcesses: Record<ShellVerb, number>;
  subjects: Subject[];
  runs: Map<string, Record<Verb, Measured[]>>;
  processes: Map<string, Record<Verb, number>>;
  /** What DEL left in the cycles' pods, summed over the cycles, by subject. */
  cycleLeftovers: Map<string, Leftovers>;
  /** Empty when the scale run was skipped (--pods 0). */
  scale: ScaleEntry[];
  /** This run's pod namespaces still there at the end (cycles' and scale's). */
  namespacesLeft: string[];
  /** Taps named like the bench's that appeared in the root namespace during the run. */
  rootTaps: string[];
}

/** Wall-time summary of runs. */
export const wall = (runs: Measured[]): Summary => summarise(runs.map((run) => run.wallMs));

/** The median CPU time (user + system, with waited-for descendants) of runs. */
export const cpuMedian = (runs: Measured[]): number =>
  summarise(runs.map((run) => run.cpuMs)).median;

/** The largest peak RSS of runs, in MiB. */
export const peakMiB = (runs: Measured[]): number =>
  Math.max(...runs.map((run) => run.maxRssKiB)) / 1024;

/** The median wall time of a floor. */
export const floorMedian = (results: Results, key: string): number =>
  wall(results.floorRuns.get(key)!).median;

/** The median wall time of a subject's verb. */
export const verbMedian = (results: Results, subject: Subject, verb: Verb): number =>
  wall(results.runs.get(subject.key)![verb]).median;

/** The median wall time of a shell floor script. */
export const shellMedian = (results: Results, verb: ShellVerb): number =>
  wall(results.shellRuns[verb]).median;
