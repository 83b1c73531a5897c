// A network namespace that only a process holds (no name under /run/netns), as some runtimes
// leave pods: reachable as /proc/PID/ns/net, gone when the process is.
import { execa } from 'execa';
import { statSync } from 'node:fs';
import { sh } from './sh.js';
import { waitFor } from './wait.js';

export interface ProcessNetns {
  pid: number;
  /** `/proc/PID/ns/net`, as CNI_NETNS. */
  netns: string;
  /** Kills the holder: the namespace and everything in it go. */
  kill(): Promise<void>;
}

/** Runs `ip ARGS` inside the namespace. */
export const ipIn = (holder: ProcessNetns, ...args: string[]) =>
  sh('nsenter', [`--net=${holder.netns}`, '--', 'ip', ...args]);

/**
 * Starts `unshare --net sleep` (unshare execs sleep: same pid) and gives its namespace a pod
 * interface `eth0` (a veth whose peer stays inside too). Use through a fixture that kills it.
 */
export async function startProcessNetns(): Promise<ProcessNetns> {
  const child = execa('unshare', ['--net', '--', 'sleep', '600'], { reject: false });
  const netns = `/proc/${child.pid}/ns/net`;
  const holder: ProcessNetns = {
    pid: child.pid!,
    netns,
    kill: async () => {
      child.kill('SIGKILL');
      await child;
    },
  };
  const own = statSync('/proc/self/ns/net').ino;
  const entered = await waitFor(async () => {
    try {
      return statSync(netns).ino !== own;
    } catch {
      return false;
    }
  }, true);
  if (!entered) {
    await holder.kill();
    throw new Error('unshare did not enter a new network namespace');
  }
  await ipIn(holder, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0peer');
  await ipIn(holder, 'link', 'set', 'eth0', 'up');
  await ipIn(holder, 'link', 'set', 'eth0peer', 'up');
  return holder;
}
