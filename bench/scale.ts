// Scale: many pods at once, as on a node starting or draining: every ADD started together,
// then every DEL, counting failures and anything left behind; the shell floor likewise.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHELL_FLOOR_DIR } from './paths.js';
import { createPod, destroyPod, type BenchPod } from './pods.js';
import type { Launch } from './subjects.js';

/** Wall time and failures of one parallel wave. */
export interface Wave {
  wallMs: number;
  /** CPU time (user + system) of every process of the wave, all cores together. */
  cpuMs: number;
  failed: number;
  /** The first failure's output, to say why. */
  firstError: string | undefined;
}

/** The outcome of the scale run. */
export interface ScaleResult {
  pods: number;
  add: Wave;
  del: Wave;
  /** Pods still holding a tap after DEL succeeded (0 expected). */
  leftBehind: number;
}

/** How to run one verb for the i-th pod. */
type Invocation = (
  pod: BenchPod,
  i: number,
  verb: 'ADD' | 'DEL',
) => {
  argv: string[];
  env: Record<string, string>;
  stdin: string;
};

const config = JSON.stringify({ cniVersion: '1.0.0', name: 'bench', type: 'urunc-tap' });

/** The plugin as a runtime calls it. */
export function pluginInvocation(launch: Launch, path: string): Invocation {
  return (pod, i, verb) => ({
    argv: launch.argv,
    env: {
      PATH: path,
      CNI_COMMAND: verb,
      CNI_CONTAINERID: `bench-scale-${i}`,
      CNI_NETNS: pod.netns,
      CNI_IFNAME: 'eth0',
      CNI_PATH: '/opt/cni/bin',
    },
    stdin: config,
  });
}

/** The shell floor's add.sh and del.sh. */
export function shellInvocation(path: string): Invocation {
  return (pod, _i, verb) => ({
    argv: ['/bin/sh', join(SHELL_FLOOR_DIR, verb === 'ADD' ? 'add.sh' : 'del.sh'), pod.name],
    env: { PATH: path },
    stdin: '',
  });
}

/**
 * CPU time of this process's reaped children and theirs (cutime + cstime of /proc/self/stat,
 * in clock ticks of 10 ms: USER_HZ is 100 on Linux).
 */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // The fields after the command name (which may hold spaces) start with the state, field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[16 - 3]) + Number(fields[17 - 3])) * 10;
}

/** Runs one verb for every pod at once; resolves when all have exited. */
async function wave(invoke: Invocation, pods: BenchPod[], verb: 'ADD' | 'DEL'): Promise<Wave> {
  const cpuBefore = childrenCpuMs();
  const started = performance.now();
  const outcomes = await Promise.all(
    pods.map(
      (pod, i) =>
        new Promise<string | undefined>((resolve) => {
          const { argv, env, stdin } = invoke(pod, i, verb);
          const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
          let output = '';
          child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
          child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
          child.on('error', (error) => resolve(String(error)));
          child.on('close', (code) => resolve(code === 0 ? undefined : `exit ${code}: ${output}`));
          child.stdin.end(stdin);
        }),
    ),
  );
  const failures = outcomes.filter((outcome): outcome is string => outcome !== undefined);
  return {
    wallMs: performance.now() - started,
    cpuMs: childrenCpuMs() - cpuBefore,
    failed: failures.length,
    firstError: failures[0],
  };
}

/** Whether a pod still has the tap. */
function hasTap(pod: BenchPod): boolean {
  try {
    execFileSync('ip', ['-n', pod.name, 'link', 'show', 'dev', 'tap0_urunc'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** ADD in `count` fresh pods at once, then DEL in all of them at once. */
export async function scaleRun(invoke: Invocation, count: number): Promise<ScaleResult> {
  const pods: BenchPod[] = [];
  try {
    for (let i = 0; i < count; i++) pods.push(createPod());
    const add = await wave(invoke, pods, 'ADD');
    const del = await wave(invoke, pods, 'DEL');
    return { pods: count, add, del, leftBehind: pods.filter(hasTap).length };
  } finally {
    for (const pod of pods) destroyPod(pod);
  }
}
