// Throwaway pod namespaces for the benchmark: each holds a veth pair whose `eth0` end is the
// pod interface. Named after this process, so a run that was killed is swept up by the next.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const PREFIX = 'ubench-';

/** One pod: its namespace name (for `ip -n`) and path (CNI_NETNS). */
export interface BenchPod {
  name: string;
  netns: string;
}

let created = 0;
const live = new Set<string>();

/** Creates a fresh pod namespace with an up `eth0`. */
export function createPod(): BenchPod {
  const name = `${PREFIX}${process.pid}-${++created}`;
  execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
  live.add(name);
  const script = [
    'link add eth0 type veth peer name peer0',
    'link set eth0 up',
    'link set peer0 up',
  ];
  execFileSync('ip', ['-n', name, '-batch', '-'], {
    input: script.join('\n') + '\n',
    stdio: 'pipe',
  });
  return { name, netns: `/run/netns/${name}` };
}

/** Deletes a pod namespace (and everything in it); quiet when it is already gone. */
export function destroyPod(pod: BenchPod): void {
  try {
    execFileSync('ip', ['netns', 'del', pod.name], { stdio: 'pipe' });
  } catch {
    // Already gone.
  }
  live.delete(pod.name);
}

/** Deletes every pod this process still has: called on exit, whatever ended the run. */
export function destroyAllPods(): void {
  for (const name of [...live]) destroyPod({ name, netns: `/run/netns/${name}` });
}

/** Deletes pods left by benchmark runs that died. */
export function sweepStalePods(): void {
  let names: string[];
  try {
    names = readdirSync('/run/netns');
  } catch {
    return;
  }
  for (const name of names) {
    const pid = new RegExp(`^${PREFIX}(\\d+)-\\d+$`).exec(name)?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    destroyPod({ name, netns: `/run/netns/${name}` });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
