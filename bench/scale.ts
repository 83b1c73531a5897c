// Scale: many pods at once, as on a node starting or draining: every ADD started together,
// then every DEL, counting failures and what was left behind (taps, qdiscs, namespaces).
import { join } from 'node:path';
import { cniEnv, networkConfig, ptpResult, SHELL_SCRIPTS } from './cycle.js';
import type { Measured, Measurer, RunRequest } from './measurer.js';
import { SHELL_FLOOR_DIR } from './paths.js';
import {
  createPod,
  destroyPods,
  leftoversOfAll,
  namespacesLeft,
  type BenchPod,
  type Leftovers,
} from './pods.js';
import { quantile } from './stats.js';
import { runRequest, type Launch } from './subjects.js';

/** Wall time and failures of one parallel wave. */
export interface Wave {
  /** From the first spawn to the last exit. */
  wallMs: number;
  /** CPU time (user + system) of every process of the wave, all cores together. */
  cpuMs: number;
  /** The largest peak RSS of any process of the wave. */
  maxRssKiB: number;
  failed: number;
  /** The first failure's output, to say why. */
  firstError: string | undefined;
}

/** The outcome of the scale run of one subject. */
export interface ScaleResult {
  pods: number;
  add: Wave;
  del: Wave;
  /** What was still in the pods after the DEL wave (0 expected). */
  left: Leftovers;
  /** Pod namespaces still mounted after they were deleted (0 expected). */
  namespacesLeft: number;
}

/** What the i-th pod's call of `verb` is, given what its ADD printed (for DEL's prevResult). */
export type Invocation = (
  pod: BenchPod,
  i: number,
  verb: 'ADD' | 'DEL',
  added: string | undefined,
) => RunRequest;

/** The plugin as a runtime calls it: ptp's result on ADD, ADD's result on DEL. */
export function pluginInvocation(launch: Launch, path: string): Invocation {
  return (pod, i, verb, added) =>
    runRequest(
      launch,
      cniEnv(verb, pod, `bench-scale-${i}`, path),
      networkConfig(
        verb === 'ADD' ? ptpResult(pod.netns) : added === undefined ? undefined : JSON.parse(added),
      ),
    );
}

/** The shell floor's add.sh and del.sh. */
export function shellInvocation(path: string): Invocation {
  return (pod, _i, verb) => ({
    argv: ['/bin/sh', join(SHELL_FLOOR_DIR, SHELL_SCRIPTS[verb]), pod.name],
    env: { PATH: path },
    stdin: '',
  });
}

const failed = (run: Measured) => run.exitCode !== 0 || run.timedOut;

function summariseWave(wallMs: number, runs: Measured[]): Wave {
  const failures = runs.filter(failed);
  const first = failures[0];
  return {
    wallMs,
    cpuMs: runs.reduce((sum, run) => sum + run.cpuMs, 0),
    maxRssKiB: Math.max(...runs.map((run) => run.maxRssKiB)),
    failed: failures.length,
    firstError: first
      ? `${first.timedOut ? 'timed out' : `exit ${first.exitCode}`}: ${first.stdout}${first.stderr}`
      : undefined,
  };
}

/** ADD in `count` fresh pods at once, then DEL in all of them at once; then what was left. */
export async function scaleRun(
  measurer: Measurer,
  invoke: Invocation,
  count: number,
): Promise<ScaleResult> {
  const pods: BenchPod[] = [];
  const waves = async () => {
    for (let i = 0; i < count; i++) pods.push(createPod());
    const adds = await measurer.wave(pods.map((pod, i) => invoke(pod, i, 'ADD', undefined)));
    const dels = await measurer.wave(
      pods.map((pod, i) => {
        const added = adds.runs[i]!;
        // libcni sends no prevResult on DEL after a failed ADD.
        return invoke(pod, i, 'DEL', failed(added) ? undefined : added.stdout);
      }),
    );
    return {
      add: summariseWave(adds.wallMs, adds.runs),
      del: summariseWave(dels.wallMs, dels.runs),
      left: await leftoversOfAll(pods),
    };
  };
  let outcome: Awaited<ReturnType<typeof waves>>;
  try {
    outcome = await waves();
  } finally {
    destroyPods(pods);
  }
  return { pods: count, ...outcome, namespacesLeft: namespacesLeft(pods) };
}

/**
 * Several rounds of one subject as one result: the median wall and CPU time of each wave (the
 * machine's other load varies from round to round), every failure and every leftover.
 */
export function combineRounds(rounds: ScaleResult[]): ScaleResult {
  const wave = (pick: (round: ScaleResult) => Wave): Wave => {
    const waves = rounds.map(pick);
    return {
      wallMs: quantile(
        waves.map((one) => one.wallMs),
        0.5,
      ),
      cpuMs: quantile(
        waves.map((one) => one.cpuMs),
        0.5,
      ),
      maxRssKiB: Math.max(...waves.map((one) => one.maxRssKiB)),
      failed: waves.reduce((sum, one) => sum + one.failed, 0),
      firstError: waves.find((one) => one.firstError)?.firstError,
    };
  };
  const sum = (pick: (round: ScaleResult) => number) =>
    rounds.reduce((total, round) => total + pick(round), 0);
  return {
    pods: rounds[0]!.pods,
    add: wave((round) => round.add),
    del: wave((round) => round.del),
    left: { taps: sum((round) => round.left.taps), qdiscs: sum((round) => round.left.qdiscs) },
    namespacesLeft: sum((round) => round.namespacesLeft),
  };
}
