// The benchmark's printed report: floors, one table per build of the plugin with its ratios to
// the floors, the scale run, and issue 12's targets as met / NOT met (would meet, for the
// diagnosis row). It never fails on time.
import { SHELL_VERBS, VERBS, type ShellVerb } from './cycle.js';
import {
  cpuMedian,
  floorMedian,
  peakMiB,
  shellMedian,
  wall,
  type Results,
  type ScaleEntry,
} from './results.js';
import { executableTargets, problems, type Verdict } from './targets.js';
import { launchText } from './subjects.js';

const ms = (value: number) => value.toFixed(1);
const times = (value: number) => `${value.toFixed(2)}x`;
const seconds = (valueMs: number) => (valueMs / 1000).toFixed(2);

/** Left-aligned first column, right-aligned numbers, two spaces between columns. */
function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)];
}

const SHELL_LABELS: Record<ShellVerb, string> = {
  ADD: 'shell floor ADD (add.sh: one ip/tc per change)',
  ADD_BATCHED: 'shell ADD, batched (add-batched.sh; reference)',
  CHECK: 'shell floor CHECK (check.sh)',
  DEL: 'shell floor DEL (del.sh)',
};

/** The shell floor row each plugin verb is compared with. */
const SHELL_OF: Partial<Record<(typeof VERBS)[number], ShellVerb>> = {
  ADD: 'ADD',
  CHECK: 'CHECK',
  DEL: 'DEL',
};

/** One met / NOT met line, with the figures. */
function verdictLine(verdict: Verdict): string {
  const { what, value, limit, unit, basis, met } = verdict;
  const precise =
    unit === 's' ? (x: number) => x.toFixed(2) : unit === 'ms' || unit === 'MiB' ? ms : String;
  const over = met ? '' : `; over by ${precise(value - limit)} ${unit}`;
  return `  ${met ? 'met    ' : 'NOT met'}  ${what}: ${precise(value)} <= ${precise(limit)} ${unit} (${basis}${over})`;
}

function floorsBlock(results: Results): string[] {
  const rows = results.floors.map((floor) => {
    const runs = results.floorRuns.get(floor.key)!;
    const { median, p90 } = wall(runs);
    return [floor.label, ms(median), ms(p90), ms(cpuMedian(runs)), ms(peakMiB(runs)), '-'];
  });
  for (const verb of SHELL_VERBS) {
    const runs = results.shellRuns[verb];
    const { median, p90 } = wall(runs);
    rows.push([
      SHELL_LABELS[verb],
      ms(median),
      ms(p90),
      ms(cpuMedian(runs)),
      ms(peakMiB(runs)),
      String(results.shellProcesses[verb]),
    ]);
  }
  const head = ['', 'median ms', 'p90 ms', 'CPU ms', 'peak RSS MiB', 'ip/tc processes'];
  return ['Floors', ...table(head, rows)];
}

function subjectBlock(results: Results, subject: Results['subjects'][number]): string[] {
  const runs = results.runs.get(subject.key)!;
  const processes = results.processes.get(subject.key)!;
  const floor = results.floors.find((candidate) => candidate.key === subject.runtimeFloor)!;
  const runtime = floorMedian(results, floor.key);
  const rows = VERBS.map((verb) => {
    const { median, p90 } = wall(runs[verb]);
    const shellVerb = SHELL_OF[verb];
    return [
      verb,
      ms(median),
      ms(p90),
      ms(cpuMedian(runs[verb])),
      ms(peakMiB(runs[verb])),
      String(processes[verb]),
      times(median / runtime),
      ms(median - runtime),
      shellVerb ? times(median / shellMedian(results, shellVerb)) : '-',
    ];
  });
  return [
    `${subject.label}; runtime floor: ${floor.label} = ${ms(runtime)} ms`,
    ...table(
      [
        'verb',
        'median ms',
        'p90 ms',
        'CPU ms',
        'peak RSS MiB',
        'processes',
        'x runtime',
        'ms over runtime',
        'x shell floor',
      ],
      rows,
    ),
  ];
}

function scaleBlock(results: Results, pods: number, skipped: string[]): string[] {
  if (results.scale.length === 0) return ['Scale: not run (--pods 0)'];
  const shell = results.scale.find((entry) => entry.key === 'shell');
  const rounds = results.scale[0]!.rounds;
  const ratio = (entry: ScaleEntry, verb: 'add' | 'del') =>
    !shell || entry === shell ? '-' : times(entry.result[verb].wallMs / shell.result[verb].wallMs);
  const rows = results.scale.map((entry) => {
    const { add, del, left, namespacesLeft } = entry.result;
    return [
      entry.label,
      seconds(add.wallMs),
      seconds(del.wallMs),
      seconds(add.cpuMs),
      seconds(del.cpuMs),
      ms(Math.max(add.maxRssKiB, del.maxRssKiB) / 1024),
      `${add.failed}/${del.failed}`,
      `${left.taps}/${left.qdiscs}/${namespacesLeft}`,
      ratio(entry, 'add'),
      ratio(entry, 'del'),
    ];
  });
  const out = [
    `Scale: ${pods} pods at once (the ADD wave, then the DEL wave; wall from the first spawn to the last exit)` +
      (rounds > 1 ? `; median of ${rounds} rounds, failures and leftovers of all` : ''),
    ...table(
      [
        '',
        'ADD s',
        'DEL s',
        'ADD CPU s',
        'DEL CPU s',
        'peak RSS MiB',
        'failed ADD/DEL',
        'left taps/qdiscs/netns',
        'ADD x shell',
        'DEL x shell',
      ],
      rows,
    ),
  ];
  for (const entry of results.scale) {
    const first = entry.result.add.firstError ?? entry.result.del.firstError;
    if (first) out.push(`  ${entry.label}, first failure: ${first.trim().split('\n')[0]}`);
  }
  for (const label of skipped) out.push(`${label}: not run (opt-in: --scale-node)`);
  return out;
}

function targetsBlock(results: Results): string[] {
  const out = ["Targets (issue 12: this run's medians against the floors measured in this run)"];
  for (const subject of results.subjects) {
    if (subject.judged !== 'reference') {
      const { verdicts, unjudged } = executableTargets(results, subject);
      const met = verdicts.filter((verdict) => verdict.met).length;
      const how =
        subject.judged === 'diagnosis'
          ? `would meet ${met} of ${verdicts.length}`
          : `${met} of ${verdicts.length} met`;
      out.push(`${subject.short} (${launchText(subject.launch)}): ${how}`);
      out.push(...verdicts.map(verdictLine));
      out.push(...unjudged.map(({ what, why }) => `  not judged  ${what}: ${why}`));
    } else {
      // Issue 12 holds only the shipped executable to targets. The Node.js entry's old ones do
      // not apply any more: its timing allowances (runtime + shell floor + 15 ms for ADD, + 10
      // for DEL) are less than loading execa costs Node.js, and "DEL in 3 processes" predates
      // the one read of the namespace (ip + tc) that every verb now plans from.
      out.push(`${subject.short}: reference, no targets`);
    }
  }
  return out;
}

/** The report, as lines of text, and the problems that make the run exit non-zero. */
export function formatReport(
  results: Results,
  pods: number,
  skippedScale: string[],
): { lines: string[]; problems: string[] } {
  const found = problems(results);
  const out = [...results.header, '', ...floorsBlock(results)];
  for (const subject of results.subjects) out.push('', ...subjectBlock(results, subject));
  out.push('', ...scaleBlock(results, pods, skippedScale));
  out.push('', ...targetsBlock(results));
  out.push('');
  if (found.length === 0) {
    out.push('Correctness: every verb succeeded, nothing was left behind');
  } else {
    out.push('Correctness: FAILED (the benchmark exits 1)', ...found.map((line) => `  ${line}`));
  }
  return { lines: out, problems: found };
}
