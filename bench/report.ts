// The benchmark's printed report: floors, one table per build of the plugin with its ratios to
// the floors and the issue's targets, and the scale run. It prints; it never fails on time.
import type { Measured } from './measurer.js';
import type { ScaleResult } from './scale.js';
import { summarise } from './stats.js';
import type { Floor, Subject } from './subjects.js';
import { VERBS, type ShellVerb, type Verb } from './cycle.js';

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
  scale: Array<{ label: string; result: ScaleResult }>;
}

const MIB = 1024;
const RSS_TARGET_MIB = 64;

const ms = (value: number) => value.toFixed(1);
const times = (value: number) => `${value.toFixed(2)}x`;
const wall = (runs: Measured[]) => summarise(runs.map((run) => run.wallMs));
const peakMiB = (runs: Measured[]) => Math.max(...runs.map((run) => run.maxRssKiB)) / MIB;

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ');
  return [line(head), ...rows.map(line)];
}

const SHELL_LABELS: Record<ShellVerb, string> = {
  ADD: 'shell floor ADD (add.sh: one ip/tc per change)',
  ADD_BATCHED: 'shell ADD, batched (add-batched.sh; reference)',
  CHECK: 'shell floor CHECK (check.sh)',
  DEL: 'shell floor DEL (del.sh)',
};

/** A met/not met line for one target. */
function verdict(what: string, value: number, limit: number, unit: string): string {
  const met = value <= limit;
  const by = `${met ? '' : '+'}${(value - limit).toFixed(1)} ${unit}`;
  return `  ${met ? 'met    ' : 'NOT met'}  ${what}: ${value.toFixed(1)} <= ${limit.toFixed(1)} ${unit}${met ? '' : ` (over by ${by})`}`;
}

/** The report, as lines of text. */
export function formatReport(results: Results): string[] {
  const out = [...results.header, ''];
  const floorRows = results.floors.map((floor) => {
    const runs = results.floorRuns.get(floor.key)!;
    const { median, p90 } = wall(runs);
    return [floor.label, ms(median), ms(p90), peakMiB(runs).toFixed(1), '-'];
  });
  const shellMedian = {} as Record<ShellVerb, number>;
  for (const verb of ['ADD', 'ADD_BATCHED', 'CHECK', 'DEL'] as const) {
    const runs = results.shellRuns[verb];
    const { median, p90 } = wall(runs);
    shellMedian[verb] = median;
    floorRows.push([
      SHELL_LABELS[verb],
      ms(median),
      ms(p90),
      peakMiB(runs).toFixed(1),
      String(results.shellProcesses[verb]),
    ]);
  }
  out.push('Floors');
  out.push(...table(['', 'median ms', 'p90 ms', 'peak RSS MiB', 'ip/tc processes'], floorRows));

  for (const subject of results.subjects) {
    const runs = results.runs.get(subject.key)!;
    const processes = results.processes.get(subject.key)!;
    const floor = results.floors.find((candidate) => candidate.key === subject.runtimeFloor)!;
    const runtime = wall(results.floorRuns.get(floor.key)!).median;
    out.push('', `${subject.label}; runtime floor: ${floor.label} = ${ms(runtime)} ms`);
    const rows = VERBS.map((verb) => {
      const { median, p90 } = wall(runs[verb]);
      const shell = verb === 'VERSION' ? undefined : shellMedian[verb];
      return [
        verb,
        ms(median),
        ms(p90),
        peakMiB(runs[verb]).toFixed(1),
        String(processes[verb]),
        times(median / runtime),
        shell === undefined ? '-' : times(median / shell),
        shell === undefined ? '-' : ms(median - runtime - shell),
      ];
    });
    out.push(
      ...table(
        [
          'verb',
          'median ms',
          'p90 ms',
          'peak RSS MiB',
          'processes',
          'x runtime',
          'x shell',
          'ms over both floors',
        ],
        rows,
      ),
    );
    if (!subject.targeted) continue;
    const median = (verb: Verb) => wall(runs[verb]).median;
    out.push('targets (medians, this run):');
    out.push(
      verdict(
        'ADD <= runtime + shell ADD + 15 ms',
        median('ADD'),
        runtime + shellMedian.ADD + 15,
        'ms',
      ),
    );
    out.push(
      verdict(
        'DEL <= runtime + shell DEL + 10 ms',
        median('DEL'),
        runtime + shellMedian.DEL + 10,
        'ms',
      ),
    );
    const peak = Math.max(...VERBS.map((verb) => peakMiB(runs[verb])));
    out.push(verdict('peak RSS, every verb', peak, RSS_TARGET_MIB, 'MiB'));
    out.push(verdict('ADD processes', Math.max(processes.ADD), 4, 'processes'));
    out.push(verdict('DEL processes', Math.max(processes.DEL), 3, 'processes'));
    if (subject.standalone) {
      out.push(verdict('ADD <= 4 x shell ADD', median('ADD'), 4 * shellMedian.ADD, 'ms'));
      out.push(verdict('DEL <= 1.5 x shell DEL', median('DEL'), 1.5 * shellMedian.DEL, 'ms'));
    }
  }

  for (const { label, result } of results.scale) {
    out.push('', `Scale: ${result.pods} pods at once, ${label}`);
    for (const [verb, wave] of [
      ['ADD', result.add],
      ['DEL', result.del],
    ] as const) {
      const why = wave.firstError ? ` (first: ${wave.firstError.trim().split('\n')[0]})` : '';
      out.push(
        `  ${verb}: all ${result.pods} in ${(wave.wallMs / 1000).toFixed(2)} s (CPU ${(wave.cpuMs / 1000).toFixed(1)} s), ${wave.failed} failed${why}`,
      );
    }
    out.push(`  taps left behind after DEL: ${result.leftBehind}`);
  }
  return out;
}
