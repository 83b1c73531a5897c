// `npm run bench`: urunc-tap's verbs, in each of its builds, next to the floors measured in the
// same run: the runtimes' bare starts and the same kernel work done by plain ip/tc commands.
// Options: --cycles N (default 30), --warmup N (default 3), --pods N (scale run, default 100).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pluginCycle, shellCycle, VERBS, type ShellVerb, type Verb } from './cycle.js';
import { startMeasurer, type Measured } from './measurer.js';
import { MEASURE_SCRIPT, ROOT } from './paths.js';
import { destroyAllPods, sweepStalePods } from './pods.js';
import { formatReport, type Results } from './report.js';
import { pluginInvocation, scaleRun, shellInvocation } from './scale.js';
import { createSpawnCounter } from './spawn-count.js';
import { prepareLineup } from './subjects.js';

const PATH = process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const say = (message: string) => process.stderr.write(`bench: ${message}\n`);
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      cycles: { type: 'string', default: '30' },
      warmup: { type: 'string', default: '3' },
      pods: { type: 'string', default: '100' },
    },
  });
  const cycles = Number(values.cycles);
  const warmup = Number(values.warmup);
  const podCount = Number(values.pods);
  if (process.getuid?.() !== 0) throw new Error('run as root: the benchmark creates namespaces');
  sweepStalePods();
  const work = mkdtempSync(join(tmpdir(), 'urunc-tap-bench-'));
  const measurer = startMeasurer(MEASURE_SCRIPT);
  const counter = createSpawnCounter(PATH);
  try {
    say('building the subjects (Node bundle, unbundled tsc output, Bun and SEA executables)');
    const { subjects, floors } = await prepareLineup(work);
    const loadAtStart = load();

    const floorRuns = new Map(floors.map((floor) => [floor.key, [] as Measured[]]));
    const shellRuns: Record<ShellVerb, Measured[]> = {
      ADD: [],
      ADD_BATCHED: [],
      CHECK: [],
      DEL: [],
    };
    const runs = new Map(
      subjects.map((subject) => [
        subject.key,
        Object.fromEntries(VERBS.map((verb) => [verb, [] as Measured[]])) as Record<
          Verb,
          Measured[]
        >,
      ]),
    );
    for (let cycle = 1 - warmup; cycle <= cycles; cycle++) {
      const record = cycle > 0;
      if (cycle === 1 || cycle % 10 === 0) say(`cycle ${cycle}/${cycles} (load ${load()})`);
      // Everything once per cycle, in a rotating order, so that load changes hit all alike.
      const steps: Array<() => Promise<void>> = [
        ...floors.map((floor) => async () => {
          const measured = await measurer.run({ ...floor.launch, env: { PATH } });
          if (record) floorRuns.get(floor.key)!.push(measured);
        }),
        async () => {
          const measured = await shellCycle(measurer, PATH);
          if (record)
            for (const verb of Object.keys(shellRuns) as ShellVerb[])
              shellRuns[verb].push(measured[verb]);
        },
        ...subjects.map((subject) => async () => {
          const measured = await pluginCycle(
            measurer,
            subject.launch,
            PATH,
            `${subject.key}-${cycle}`,
          );
          if (record) for (const verb of VERBS) runs.get(subject.key)![verb].push(measured[verb]!);
        }),
      ];
      const offset = (cycle + warmup) % steps.length;
      for (const step of [...steps.slice(offset), ...steps.slice(0, offset)]) await step();
    }

    // The scale run below loads the machine itself: the load that matters is the cycles'.
    const loadAfterCycles = load();
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
        await pluginCycle(measurer, subject.launch, countPath, id, counting(counts));
      }
      processes.set(subject.key, counts);
    }
    const shellProcesses = {} as Record<ShellVerb, number>;
    await shellCycle(measurer, countPath, counting(shellProcesses));

    const scale: Results['scale'] = [];
    say(`scale: ${podCount} pods at once, shell floor (add.sh, del.sh)`);
    scale.push({
      label: 'shell floor (add.sh, del.sh)',
      result: await scaleRun(shellInvocation(PATH), podCount),
    });
    // The Node.js entry and the shipped executable (100 SEA processes would only repeat node's).
    for (const subject of subjects.filter((candidate) => candidate.scale)) {
      say(`scale: ${podCount} pods at once, ${subject.label}`);
      const result = await scaleRun(pluginInvocation(subject.launch, PATH), podCount);
      scale.push({ label: subject.label, result });
    }

    const header = [
      `urunc-tap benchmark: ${cycles} cycles after ${warmup} warm-up cycles, each build in a fresh pod namespace per cycle`,
      ...describeMachine(),
      `load average (1/5/15 min): ${loadAtStart} before the cycles, ${loadAfterCycles} after them; ${new Date().toISOString()}`,
      'wall time from spawn to exit; peak RSS from wait4 (the largest process of the run: the plugin, or one of its ip/tc)',
    ];
    const report = formatReport({
      header,
      floors,
      floorRuns,
      shellRuns,
      shellProcesses,
      subjects,
      runs,
      processes,
      scale,
    });
    process.stdout.write(report.join('\n') + '\n');
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

await main();
