// Scale: many pods at once, as on a node starting or draining: every ADD started together,
// then every DEL, counting failures and anything left behind.
import { execFileSync, spawn } from 'node:child_process';
import { createPod, destroyPod, type BenchPod } from './pods.js';
import type { Launch } from './subjects.js';

/** Wall time and failures of one parallel wave. */
export interface Wave {
  wallMs: number;
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

const config = JSON.stringify({ cniVersion: '1.0.0', name: 'bench', type: 'urunc-tap' });

/** Runs one verb for every pod at once; resolves when all have exited. */
async function wave(
  launch: Launch,
  pods: BenchPod[],
  command: string,
  path: string,
): Promise<Wave> {
  const started = performance.now();
  const outcomes = await Promise.all(
    pods.map(
      (pod, i) =>
        new Promise<string | undefined>((resolve) => {
          const [file, ...args] = launch.argv;
          const child = spawn(file!, args, {
            env: {
              PATH: path,
              CNI_COMMAND: command,
              CNI_CONTAINERID: `bench-scale-${i}`,
              CNI_NETNS: pod.netns,
              CNI_IFNAME: 'eth0',
              CNI_PATH: '/opt/cni/bin',
            },
            stdio: ['pipe', 'pipe', 'pipe'],
          });
          let output = '';
          child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
          child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
          child.on('error', (error) => resolve(String(error)));
          child.on('close', (code) => resolve(code === 0 ? undefined : `exit ${code}: ${output}`));
          child.stdin.end(config);
        }),
    ),
  );
  const failures = outcomes.filter((outcome): outcome is string => outcome !== undefined);
  return { wallMs: performance.now() - started, failed: failures.length, firstError: failures[0] };
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
export async function scaleRun(launch: Launch, count: number, path: string): Promise<ScaleResult> {
  const pods: BenchPod[] = [];
  try {
    for (let i = 0; i < count; i++) pods.push(createPod());
    const add = await wave(launch, pods, 'ADD', path);
    const del = await wave(launch, pods, 'DEL', path);
    return { pods: count, add, del, leftBehind: pods.filter(hasTap).length };
  } finally {
    for (const pod of pods) destroyPod(pod);
  }
}
