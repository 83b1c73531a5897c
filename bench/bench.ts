// `npm run bench`: urunc-tap's verbs in its two builds (and the executable with JSC's warm-up
// thread off, for diagnosis), next to the floors measured in the same
// run (the runtimes' bare starts, the same kernel work by plain ip/tc), judged on issue 12's
// targets. Options: see USAGE below. Exits 0 whatever the timings; 1 when a verb fails or
// something is left behind.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pluginCycle, shellCycle, SHELL_VERBS, VERBS, type ShellVerb, type Verb } from './cycle.js';
import { startMeasurer, type Measured } from './measurer.js';
import { MEASURE_SCRIPT, ROOT } from './paths.js';
import {
  destroyAllPods,
  ownNamespacesLeft,
  rootNamespaceTaps,
  sweepStalePods,
  type Leftovers,
} from './pods.js';
import { formatReport } from './report.js';
import type { Results, ScaleEntry } from './results.js';
import {
  combineRounds,
  pluginInvocation,
  scaleRun,
  shellInvocation,
  type ScaleResult,
} from './scale.js';
import { createSpawnCounter } from './spawn-count.js';
import { prepareLineup, runRequest } from './subjects.js';

const USAGE = `usage: npm run bench -- [--cycles N] [--warmup N] [--pods N] [--scale-node]
  --cycles N      measured cycles (default 30); each runs every floor and every build's verbs once
  --warmup N      cycles run first and not recorded (default 3)
  --pods N        pods wired at once in the scale run (default 100; 0 skips the scale run)
  --bursts N      scale rounds (default 3), the shell floor and the builds in turn; medians
  --scale-node    the Node.js entry in the scale run too (slow: off by default)
Run as root. Exits 0 whatever the timings, 1 when a verb fails or something is left behind.
`;

const PATH = process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const say = (message: string) => process.stderr.write(`bench: ${message}\n`);
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

/** The header's machine and tools lines. */
function describeMachine(): string[] {
  const tool = (argv: string[]) => {
    try {
      return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8' }).trim().split('\n')[0]!;
    } catch {
      return '?';
    }
  };
  const kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  const bun = join(ROOT, 'node_modules', 'bun', 'bin', 'bun.exe');
  return [
    `machine: ${cpus()[0]?.model ?? '?'}, ${cpus().length} cores, kernel ${kernel}`,
    `tools: node ${process.version}, bun ${tool([bun, '--version'])}, ${tool(['ip', '-V'])}`,
  ];
}

/** A non-negative integer option. */
function count(name: string, value: string | undefined): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`--${name} takes a whole number`);
  return parsed;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      cycles: { type: 'string', default: '30' },
      warmup: { type: 'string', default: '3' },
      pods: { type: 'string', default: '100' },
      bursts: { type: 'string', default: '3' },
      'scale-node': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const cycles = Math.max(1, count('cycles', values.cycles));
  const warmup = count('warmup', values.warmup);
  const podCount = count('pods', values.pods);
  const bursts = Math.max(1, count('bursts', values.bursts));
  if (process.getuid?.() !== 0) throw new Error('run as root: the benchmark creates namespaces');
  sweepStalePods();
  const rootTapsBefore = new Set(rootNamespaceTaps());
  const work = mkdtempSync(join(tmpdir(), 'urunc-tap-bench-'));
  const measurer = startMeasurer(MEASURE_SCRIPT);
  const counter = createSpawnCounter(PATH);
  try {
    say('building the runtime floor (an empty program compiled like build/urunc-tap)');
    const { subjects, floors } = prepareLineup(work);
    const loadAtStart = load();
    const started = performance.now();

    const floorRuns = new Map(floors.map((floor) => [floor.key, [] as Measured[]]));
    const shellRuns = Object.fromEntries(
      SHELL_VERBS.map((verb) => [verb, [] as Measured[]]),
    ) as Record<ShellVerb, Measured[]>;
    const runs = new Map(
      subjects.map((subject) => [
        subject.key,
        Object.fromEntries(VERBS.map((verb) => [verb, [] as Measured[]])) as Record<
          Verb,
          Measured[]
        >,
      ]),
    );
    const cycleLeftovers = new Map<string, Leftovers>(
      subjects.map((subject) => [subject.key, { taps: 0, qdiscs: 0 }]),
    );
    const countLeftovers = (key: string, left: Leftovers) => {
      const total = cycleLeftovers.get(key)!;
      total.taps += left.taps;
      total.qdiscs += left.qdiscs;
    };
    for (let cycle = 1 - warmup; cycle <= cycles; cycle++) {
      const record = cycle > 0;
      if (cycle === 1 - warmup || cycle === 1 || cycle % 10 === 0) {
        say(`cycle ${cycle}/${cycles}${cycle < 1 ? ' (warm-up)' : ''} (load ${load()})`);
      }
      // Everything once per cycle, in a rotating order, so that load changes hit all alike.
      const steps: Array<() => Promise<void>> = [
        ...floors.map((floor) => async () => {
          const measured = await measurer.run(runRequest(floor.launch, { PATH }));
          if (record) floorRuns.get(floor.key)!.push(measured);
        }),
        async () => {
          const measured = await shellCycle(measurer, PATH);
          if (record) for (const verb of SHELL_VERBS) shellRuns[verb].push(measured[verb]);
        },
        ...subjects.map((subject) => async () => {
          const { measured, left } = await pluginCycle(
            measurer,
            subject.launch,
            PATH,
            `${subject.key}-${cycle}`,
          );
          // Leftovers count in warm-up cycles too: a leak is a leak.
          countLeftovers(subject.key, left);
          if (record) for (const verb of VERBS) runs.get(subject.key)![verb].push(measured[verb]);
        }),
      ];
      const offset = (cycle + warmup) % steps.length;
      for (const step of [...steps.slice(offset), ...steps.slice(0, offset)]) await step();
    }
    // The scale run below loads the machine itself: the load that matters is the cycles'.
    const loadAfterCycles = load();
    say(`cycles done in ${((performance.now() - started) / 1000).toFixed(0)} s`);

    say('counting the processes each verb spawns');
    const countPath = `${counter.dir}:${PATH}`;
    const counting = <V extends string>(counts: Record<V, number>) => ({
      before: () => counter.reset(),
      after: (verb: V) => {
        counts[verb] = Math.max(counts[verb] ?? 0, counter.count());
      },
    });
    const processes = new Map<string, Record<Verb, number>>();
    for (const subject of subjects) {
      const counts = {} as Record<Verb, number>;
      // Two rounds, keeping the larger count: a count that varies would show.
      for (const round of [1, 2]) {
        const id = `count-${subject.key}-${round}`;
        const { left } = await pluginCycle(
          measurer,
          subject.launch,
          countPath,
          id,
          counting(counts),
        );
        countLeftovers(subject.key, left);
      }
      processes.set(subject.key, counts);
    }
    const shellProcesses = {} as Record<ShellVerb, number>;
    await shellCycle(measurer, countPath, counting(shellProcesses));

    const scale: ScaleEntry[] = [];
    const skippedScale: string[] = [];
    if (podCount > 0) {
      // Round by round, the shell floor first, so that each round's load hits all alike.
      const lineup = [
        { key: 'shell', label: 'shell floor (add.sh, del.sh)', invoke: shellInvocation(PATH) },
        ...subjects
          .filter((subject) => subject.scaleByDefault || values['scale-node'])
          .map((subject) => ({
            key: subject.key,
            label: subject.short,
            invoke: pluginInvocation(subject.launch, PATH),
          })),
      ];
      skippedScale.push(
        ...subjects
          .filter((subject) => !lineup.some((entry) => entry.key === subject.key))
          .map((subject) => subject.short),
      );
      const rounds = new Map(lineup.map((entry) => [entry.key, [] as ScaleResult[]]));
      for (let round = 1; round <= bursts; round++) {
        for (const entry of lineup) {
          const which = bursts > 1 ? ` (round ${round}/${bursts})` : '';
          say(`scale: ${podCount} pods at once, ${entry.label}${which} (load ${load()})`);
          rounds.get(entry.key)!.push(await scaleRun(measurer, entry.invoke, podCount));
        }
      }
      for (const { key, label } of lineup) {
        scale.push({ key, label, result: combineRounds(rounds.get(key)!), rounds: bursts });
      }
    }
    const loadAtEnd = load();
    const rootTaps = rootNamespaceTaps().filter((name) => !rootTapsBefore.has(name));
    const namespacesLeft = ownNamespacesLeft();

    const header = [
      `urunc-tap benchmark: ${cycles} cycles after ${warmup} warm-up cycles, each build in a fresh pod namespace per cycle`,
      ...describeMachine(),
      `load average (1/5/15 min): ${loadAtStart} before the cycles, ${loadAfterCycles} after them, ${loadAtEnd} after the scale run; ${new Date().toISOString()}`,
      'wall time from spawn to exit; peak RSS from wait4 (the largest process of the run: the plugin, or one of its ip/tc;',
      "  a process smaller than the stopwatch reads as the stopwatch's size: see the /bin/true row)",
    ];
    const results: Results = {
      header,
      floors,
      floorRuns,
      shellRuns,
      shellProcesses,
      subjects,
      runs,
      processes,
      cycleLeftovers,
      scale,
      namespacesLeft,
      rootTaps,
    };
    const report = formatReport(results, podCount, skippedScale);
    process.stdout.write(report.lines.join('\n') + '\n');
    return report.problems.length === 0 ? 0 : 1;
  } finally {
    measurer.close();
    counter.remove();
    destroyAllPods();
    rmSync(work, { recursive: true, force: true });
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    destroyAllPods();
    process.exit(130);
  });
}

try {
  process.exitCode = await main();
} catch (error) {
  // A failed verb, or a broken setup: the timings of a run that failed mean nothing.
  say(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
