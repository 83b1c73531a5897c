// Throwaway named namespaces for probes: created, used, deleted, and swept up if we die first.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { NAMED_NETNS_DIR } from '../namespaces.js';
import type { Runner } from './exec.js';
import { OWN_NETNS } from './read.js';

const PREFIX = 'urunc-tap-probe-';

/**
 * Runs `work` with the path of a fresh, empty named namespace, deleted afterwards. The name
 * carries our pid: a namespace left by a probe whose process was killed is deleted by the
 * next probe (nothing else ever holds it).
 */
export async function withScratchNetns<T>(
  run: Runner,
  work: (netns: string, name: string) => Promise<T>,
): Promise<T> {
  await sweepStale(run);
  const name = `${PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`;
  await ipNetns(run, 'add', name);
  let result: T;
  try {
    result = await work(`${NAMED_NETNS_DIR}/${name}`, name);
  } catch (error) {
    await ipNetns(run, 'del', name).catch(() => {});
    throw error;
  }
  await ipNetns(run, 'del', name);
  return result;
}

/** `ip netns add|del NAME`, in our own namespace. */
function ipNetns(run: Runner, action: 'add' | 'del', name: string): Promise<string> {
  return run({ tool: 'ip', args: ['netns', action, name], netns: OWN_NETNS });
}

/** Deletes probe namespaces whose process is gone. */
async function sweepStale(run: Runner): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(NAMED_NETNS_DIR);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = new RegExp(`^${PREFIX}(\\d+)-[0-9a-f]+$`).exec(name)?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    await ipNetns(run, 'del', name).catch(() => {});
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, we may just not signal it.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
