// One benchmark cycle of a build of the plugin, and of the shell floor: VERSION, ADD, CHECK, DEL
// and STATUS in a fresh pod namespace, each run measured on its own, as a runtime calls them.
import { join } from 'node:path';
import type { Measured, Measurer } from './measurer.js';
import { SHELL_FLOOR_DIR } from './paths.js';
import { createPod, destroyPods, leftovers, type BenchPod, type Leftovers } from './pods.js';
import { launchText, runRequest, type Launch } from './subjects.js';

/** The verbs of a cycle, in the order they run. */
export const VERBS = ['VERSION', 'ADD', 'CHECK', 'DEL', 'STATUS'] as const;
export type Verb = (typeof VERBS)[number];

/** The measurements of one cycle, by verb, and what DEL left in the pod. */
export interface CycleResult {
  measured: Record<Verb, Measured>;
  left: Leftovers;
}

/** The shell floor's rows: add.sh, add-batched.sh (reference), check.sh and del.sh. */
export const SHELL_VERBS = ['ADD', 'ADD_BATCHED', 'CHECK', 'DEL'] as const;
export type ShellVerb = (typeof SHELL_VERBS)[number];

/** bench/shell-floor's script of each shell verb. */
export const SHELL_SCRIPTS: Record<ShellVerb, string> = {
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

/** The network verbs' cniVersion (what Debian's ptp, spec <= 1.0.0, gives as prevResult). */
const CNI_VERSION = '1.0.0';
/** STATUS exists from 1.1.0 on. */
const STATUS_CNI_VERSION = '1.1.0';

/** The result ptp gives urunc-tap as prevResult: what a chained plugin always gets. */
export function ptpResult(netns: string): Record<string, unknown> {
  return {
    cniVersion: CNI_VERSION,
    interfaces: [
      { name: 'veth1234', mac: 'aa:bb:cc:00:00:01' },
      { name: 'eth0', mac: 'aa:bb:cc:00:00:02', sandbox: netns },
    ],
    ips: [{ address: '10.123.0.2/24', gateway: '10.123.0.1', interface: 1 }],
  };
}

/** The network config on stdin, with the prevResult libcni would send. */
export const networkConfig = (prevResult?: unknown, cniVersion = CNI_VERSION) =>
  JSON.stringify({
    cniVersion,
    name: 'bench',
    type: 'urunc-tap',
    ...(prevResult === undefined ? {} : { prevResult }),
  });

/** The CNI_* environment of a network verb for `pod` (libcni sets all of them). */
export function cniEnv(
  command: 'VERSION' | 'ADD' | 'CHECK' | 'DEL',
  pod: BenchPod,
  containerId: string,
  path: string,
): Record<string, string> {
  return {
    PATH: path,
    CNI_COMMAND: command,
    CNI_CONTAINERID: containerId,
    CNI_NETNS: pod.netns,
    CNI_IFNAME: 'eth0',
    CNI_PATH: '/opt/cni/bin',
  };
}

/** STATUS as containerd 2.x sends it: no attachment, so no container variables. */
function statusRequest(path: string): { env: Record<string, string>; stdin: string } {
  return {
    env: { PATH: path, CNI_COMMAND: 'STATUS', CNI_PATH: '/opt/cni/bin' },
    stdin: networkConfig(undefined, STATUS_CNI_VERSION),
  };
}

/** A verb that failed: the benchmark stops, timings of failures mean nothing. */
class VerbFailed extends Error {}

function ok(what: string, measured: Measured): Measured {
  if (measured.exitCode !== 0 || measured.timedOut) {
    const how = measured.timedOut ? 'timed out' : `exited ${measured.exitCode}`;
    throw new VerbFailed(`${what} ${how}: ${measured.stdout}${measured.stderr}`.trim());
  }
  return measured;
}

/**
 * Runs the five verbs of `launch` as a runtime does (CNI_* env, config on stdin; CHECK and DEL
 * get ADD's result as prevResult, as libcni sends it; STATUS with no container variables) in a
 * fresh pod, reads what DEL left in it, and removes it.
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
    const containerId = `bench-${id}`;
    const run = async (verb: Verb, env: Record<string, string>, stdin: string) => {
      hooks.before?.(verb);
      const measured = await measurer.run(runRequest(launch, env, stdin));
      hooks.after?.(verb);
      return ok(`${launchText(launch)} ${verb}`, measured);
    };
    const network = (verb: 'VERSION' | 'ADD' | 'CHECK' | 'DEL', stdin: string) =>
      run(verb, cniEnv(verb, pod, containerId, path), stdin);
    // libcni's VERSION sends only the version it speaks.
    const VERSION = await network('VERSION', JSON.stringify({ cniVersion: CNI_VERSION }));
    const ADD = await network('ADD', networkConfig(ptpResult(pod.netns)));
    const added: unknown = JSON.parse(ADD.stdout);
    const CHECK = await network('CHECK', networkConfig(added));
    const DEL = await network('DEL', networkConfig(added));
    const status = statusRequest(path);
    const STATUS = await run('STATUS', status.env, status.stdin);
    return { measured: { VERSION, ADD, CHECK, DEL, STATUS }, left: await leftovers(pod) };
  } finally {
    destroyPods([pod]);
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
    destroyPods([pod]);
  }
}
