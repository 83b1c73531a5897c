// Issue 12's targets, judged on one run's medians against the floors measured in the same run,
// and the correctness checks (failures, leftovers) that decide the benchmark's exit status.
import { VERBS } from './cycle.js';
import {
  floorMedian,
  peakMiB,
  shellMedian,
  verbMedian,
  type Results,
  type ScaleEntry,
} from './results.js';
import type { Subject } from './subjects.js';

/** One target: `value <= limit`, with how the limit was reached. */
export interface Verdict {
  what: string;
  value: number;
  limit: number;
  unit: string;
  /** The limit's derivation, e.g. "runtime floor 4.1 + 2". */
  basis: string;
  met: boolean;
}

/** A target that could not be judged in this run (its measurement was skipped). */
export interface Unjudged {
  what: string;
  why: string;
}

const RSS_LIMIT_MIB = 64;
/** The burst's allowance over the shell floor's burst, ADD and DEL alike. */
const BURST_FACTOR = 1.5;

const f = (value: number) => value.toFixed(1);

function verdict(what: string, value: number, limit: number, unit: string, basis: string) {
  return { what, value, limit, unit, basis, met: value <= limit };
}

/** The shipped executable's targets (issue 12), also judged on its diagnosis variant. */
export function executableTargets(
  results: Results,
  subject: Subject,
): { verdicts: Verdict[]; unjudged: Unjudged[] } {
  const runtime = floorMedian(results, subject.runtimeFloor);
  const median = (verb: (typeof VERBS)[number]) => verbMedian(results, subject, verb);
  const runs = results.runs.get(subject.key)!;
  const processes = results.processes.get(subject.key)!;
  const shellDel = shellMedian(results, 'DEL');
  const verdicts: Verdict[] = [
    verdict('VERSION', median('VERSION'), runtime + 2, 'ms', `runtime floor ${f(runtime)} + 2`),
    verdict('ADD', median('ADD'), runtime + 5, 'ms', `runtime floor ${f(runtime)} + 5`),
    verdict(
      'DEL',
      median('DEL'),
      runtime + shellDel,
      'ms',
      `runtime floor ${f(runtime)} + shell floor DEL ${f(shellDel)}`,
    ),
    verdict('CHECK', median('CHECK'), median('ADD'), 'ms', 'ADD'),
    verdict(
      'STATUS',
      median('STATUS'),
      2 * median('VERSION'),
      'ms',
      `2 x VERSION ${f(median('VERSION'))}`,
    ),
    verdict(
      'peak RSS, every verb',
      Math.max(...VERBS.map((verb) => peakMiB(runs[verb]))),
      RSS_LIMIT_MIB,
      'MiB',
      `${RSS_LIMIT_MIB} MiB`,
    ),
    verdict(
      'processes spawned, any verb',
      Math.max(...VERBS.map((verb) => processes[verb])),
      0,
      'processes',
      'none: the kernel work is in-process',
    ),
  ];
  const unjudged: Unjudged[] = [];
  const shell = results.scale.find((entry) => entry.key === 'shell');
  const own = results.scale.find((entry) => entry.key === subject.key);
  if (!shell || !own) {
    unjudged.push({ what: 'burst ADD, DEL, failures, leftovers', why: 'no scale run (--pods 0)' });
    return { verdicts, unjudged };
  }
  const pods = own.result.pods;
  const ofRounds = own.rounds > 1 ? `, medians of ${own.rounds} rounds` : '';
  for (const verb of ['add', 'del'] as const) {
    const floor = shell.result[verb].wallMs / 1000;
    verdicts.push(
      verdict(
        `${pods}-pod burst ${verb.toUpperCase()} wall`,
        own.result[verb].wallMs / 1000,
        BURST_FACTOR * floor,
        's',
        `${BURST_FACTOR} x shell floor's burst ${floor.toFixed(2)}${ofRounds}`,
      ),
    );
  }
  verdicts.push(
    verdict(
      `${pods}-pod burst failures`,
      own.result.add.failed + own.result.del.failed,
      0,
      'failed',
      'none',
    ),
    verdict(`${pods}-pod burst leftovers`, leftCount(own), 0, 'left', 'none'),
  );
  return { verdicts, unjudged };
}

/** Taps, qdiscs and namespaces a scale run left behind. */
const leftCount = (entry: ScaleEntry): number =>
  entry.result.left.taps + entry.result.left.qdiscs + entry.result.namespacesLeft;

/** Everything that makes the benchmark exit non-zero: failed verbs, anything left behind. */
export function problems(results: Results): string[] {
  const found: string[] = [];
  for (const subject of results.subjects) {
    const left = results.cycleLeftovers.get(subject.key)!;
    if (left.taps + left.qdiscs > 0) {
      found.push(
        `${subject.short}: DEL left ${left.taps} taps and ${left.qdiscs} ingress qdiscs in the cycles' pods`,
      );
    }
  }
  for (const entry of results.scale) {
    const { add, del, left, namespacesLeft } = entry.result;
    if (add.failed + del.failed > 0) {
      const first = (add.firstError ?? del.firstError ?? '').trim().split('\n')[0];
      found.push(
        `scale, ${entry.label}: ${add.failed} ADD and ${del.failed} DEL failed (${first})`,
      );
    }
    if (leftCount(entry) > 0) {
      found.push(
        `scale, ${entry.label}: left ${left.taps} taps, ${left.qdiscs} ingress qdiscs, ${namespacesLeft} namespaces`,
      );
    }
  }
  if (results.namespacesLeft.length > 0) {
    found.push(`pod namespaces left: ${results.namespacesLeft.join(', ')}`);
  }
  if (results.rootTaps.length > 0) {
    found.push(`taps appeared in the root namespace: ${results.rootTaps.join(', ')}`);
  }
  return found;
}
