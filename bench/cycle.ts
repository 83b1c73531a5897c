// One benchmark cycle of a build of the plugin, and of the shell floor: VERSION, ADD, CHECK and
// DEL in a fresh pod namespace, each run measured on its own.
import { join } from 'node:path';
import type { Measured, Measurer } from './measurer.js';
import { SHELL_FLOOR_DIR } from './paths.js';
import { createPod, destroyPod } from './pods.js';
import type { Launch } from './subjects.js';

export const VERBS = ['VERSION', 'ADD', 'CHECK', 'DEL'] as const;
export type Verb = (typeof VERBS)[number];

/** The measurements of one cycle, by verb. */
export type CycleResult = Partial<Record<Verb, Measured>>;

/** The shell floor's rows: add.sh, add-batched.sh (reference), check.sh and del.sh. */
export type ShellVerb = 'ADD' | 'ADD_BATCHED' | 'CHECK' | 'DEL';

const SHELL_SCRIPTS: Record<ShellVerb, string> = {
  ADD: 'add.sh',
  ADD_BATCHED: 'add-batched.sh',
  CHECK: 'check.sh',
  DEL: 'del.sh',
};

/** Called around each measured run (the process count wraps them). */
export interface VerbHooks<V extends string = Verb> {
  before?(verb: V): void;
  after?(verb: V): void;
}

const CNI_VERSION = '1.0.0';

/** The result ptp gives urunc-tap as prevResult: what a chained plugin always gets. */
function ptpResult(netns: string): Record<string, unknown> {
  return {
    cniVersion: CNI_VERSION,
    interfaces: [
      { name: 'veth1234', mac: 'aa:bb:cc:00:00:01' },
      { name: 'eth0', mac: 'aa:bb:cc:00:00:02', sandbox: netns },
    ],
    ips: [{ address: '10.123.0.2/24', gateway: '10.123.0.1', interface: 1 }],
  };
}

const config = (prevResult: unknown) =>
  JSON.stringify({ cniVersion: CNI_VERSION, name: 'bench', type: 'urunc-tap', prevResult });

/** Fails the benchmark on a failed run: timings of failures mean nothing. */
function ok(what: string, measured: Measured): Measured {
  if (measured.exitCode !== 0) {
    throw new Error(`${what} exited ${measured.exitCode}: ${measured.stdout}${measured.stderr}`);
  }
  return measured;
}

/**
 * Runs the four verbs of `launch` as a runtime does (CNI_* env, config on stdin; CHECK and DEL
 * get ADD's result as prevResult, as libcni sends it) in a fresh pod, removed afterwards.
 */
export async function pluginCycle(
  measurer: Measurer,
  launch: Launch,
  path: string,
  id: string,
  hooks: VerbHooks = {},
): Promise<CycleResult> {
  const pod = createPod();
  try {
    const env = (command: Verb): Record<string, string> => ({
      PATH: path,
      CNI_COMMAND: command,
      CNI_CONTAINERID: `bench-${id}`,
      CNI_NETNS: pod.netns,
      CNI_IFNAME: 'eth0',
      CNI_PATH: '/opt/cni/bin',
    });
    const run = async (verb: Verb, stdin: string) => {
      hooks.before?.(verb);
      const measured = await measurer.run({ ...launch, env: env(verb), stdin });
      hooks.after?.(verb);
      return ok(`${launch.argv.join(' ')} ${verb}`, measured);
    };
    const result: CycleResult = {};
    result.VERSION = await run('VERSION', JSON.stringify({ cniVersion: CNI_VERSION }));
    result.ADD = await run('ADD', config(ptpResult(pod.netns)));
    const added: unknown = JSON.parse(result.ADD.stdout);
    result.CHECK = await run('CHECK', config(added));
    result.DEL = await run('DEL', config(added));
    return result;
  } finally {
    destroyPod(pod);
  }
}

/** The shell floor of ADD, CHECK and DEL (bench/shell-floor/*.sh), in a fresh pod. */
export async function shellCycle(
  measurer: Measurer,
  path: string,
  hooks: VerbHooks<ShellVerb> = {},
): Promise<Record<ShellVerb, Measured>> {
  const pod = createPod();
  try {
    const run = async (verb: ShellVerb) => {
      const script = join(SHELL_FLOOR_DIR, SHELL_SCRIPTS[verb]);
      hooks.before?.(verb);
      const measured = await measurer.run({
        argv: ['/bin/sh', script, pod.name],
        env: { PATH: path },
      });
      hooks.after?.(verb);
      return ok(`shell floor ${verb}`, measured);
    };
    const ADD = await run('ADD');
    const CHECK = await run('CHECK');
    const DEL = await run('DEL');
    // The batched variant last, in the same pod: the tap is gone again by then.
    const ADD_BATCHED = await run('ADD_BATCHED');
    return { ADD, ADD_BATCHED, CHECK, DEL };
  } finally {
    destroyPod(pod);
  }
}
