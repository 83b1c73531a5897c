// Throwaway pod namespaces for the benchmark: each holds a veth pair whose `eth0` end is the
// pod interface. Named after this process, so a run that was killed is swept up by the next.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const PREFIX = 'ubench-';
/** Where `ip netns add` mounts a named namespace. */
const NETNS_DIR = '/run/netns';

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
  return { name, netns: `${NETNS_DIR}/${name}` };
}

/**
 * Deletes pod namespaces (and everything in them), then waits until the kernel is done with
 * them. `ip netns del` only unmounts: the kernel destroys a namespace later, in a worker
 * (cleanup_net), holding the rtnl lock while it unregisters the devices, then freeing the rest
 * through RCU. Measured here, a DEL run right after the devices were gone took ~7 ms longer,
 * 30 ms later ~1.5 ms, 100 ms later nothing: in the rotating order each row always follows the
 * same neighbour, so whichever came soon after a teardown paid it every cycle. So no row is
 * timed while a namespace dies: a sentinel namespace is deleted last, its veth peer in ours
 * (the kernel tears namespaces down in order, a batch per worker run, so once that peer is
 * gone so are the devices of every pod deleted before it), then QUIET_MS pass.
 */
export function destroyPods(pods: BenchPod[]): void {
  for (const pod of pods) deleteNamespace(pod.name);
  settle();
}

/** The veth end a sentinel namespace leaves in ours (IFNAMSIZ: 15 characters at most). */
const SENTINEL_LINK = `ubs${process.pid}`;
const SYS_CLASS_NET = '/sys/class/net';
/** How long the kernel may take to tear the namespaces down before the run goes on anyway. */
const SETTLE_TIMEOUT_MS = 10_000;
/** How long the kernel goes on freeing a namespace after its devices are gone (measured). */
const QUIET_MS = 100;

/** Deletes a sentinel namespace and waits for the kernel to destroy it (see destroyPods). */
function settle(): void {
  const name = `${PREFIX}${process.pid}-sentinel`;
  execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
  live.add(name);
  execFileSync(
    'ip',
    ['link', 'add', SENTINEL_LINK, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name],
    { stdio: 'pipe' },
  );
  deleteNamespace(name);
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  while (existsSync(`${SYS_CLASS_NET}/${SENTINEL_LINK}`) && Date.now() < deadline) pause(2);
  pause(QUIET_MS);
}

/** Waits `ms` without leaving the thread. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** `ip netns del NAME`, quiet when it is already gone; the name is no longer this run's. */
function deleteNamespace(name: string): void {
  try {
    execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' });
  } catch {
    // Already gone.
  }
  live.delete(name);
}

/** Deletes every pod this process still has: called on exit, whatever ended the run. */
export function destroyAllPods(): void {
  for (const name of [...live]) deleteNamespace(name);
}

/** What a DEL left in a pod: devices the pod did not have (taps), ingress/clsact qdiscs. */
export interface Leftovers {
  taps: number;
  qdiscs: number;
}

/** The pod's own devices: anything else in it after DEL was made by ADD and left behind. */
const POD_DEVICES = new Set(['lo', 'eth0', 'peer0']);

/** Reads what is in `pod` beyond what createPod made (two reads: links, qdiscs). */
export async function leftovers(pod: BenchPod): Promise<Leftovers> {
  const read = async (tool: string, args: string[]) =>
    JSON.parse(
      (await execFileAsync(tool, ['-n', pod.name, '-json', ...args])).stdout || '[]',
    ) as Array<Record<string, unknown>>;
  const [links, qdiscs] = await Promise.all([
    read('ip', ['link', 'show']),
    read('tc', ['qdisc', 'show']),
  ]);
  return {
    taps: links.filter((link) => !POD_DEVICES.has(String(link.ifname))).length,
    qdiscs: qdiscs.filter((qdisc) => qdisc.kind === 'ingress' || qdisc.kind === 'clsact').length,
  };
}

/** Reads the leftovers of many pods, a few at a time. */
export async function leftoversOfAll(pods: BenchPod[]): Promise<Leftovers> {
  const total: Leftovers = { taps: 0, qdiscs: 0 };
  for (let i = 0; i < pods.length; i += 8) {
    for (const found of await Promise.all(pods.slice(i, i + 8).map(leftovers))) {
      total.taps += found.taps;
      total.qdiscs += found.qdiscs;
    }
  }
  return total;
}

/** This run's pod namespaces still mounted in /run/netns (after destroyPods: leaked). */
export function namespacesLeft(pods: BenchPod[]): number {
  const names = new Set(listNetns());
  return pods.filter((pod) => names.has(pod.name)).length;
}

/** Every pod namespace of this run still mounted (none once each pod was destroyed). */
export function ownNamespacesLeft(): string[] {
  return listNetns().filter((name) => name.startsWith(`${PREFIX}${process.pid}-`));
}

/** Names of the tap devices called like the bench's in the root namespace (never expected). */
export function rootNamespaceTaps(): string[] {
  const links = JSON.parse(
    execFileSync('ip', ['-json', 'link', 'show', 'type', 'tun'], { encoding: 'utf8' }) || '[]',
  ) as Array<{ ifname: string }>;
  return links.map((link) => link.ifname).filter((name) => name.startsWith('tap0_urunc'));
}

function listNetns(): string[] {
  try {
    return readdirSync(NETNS_DIR);
  } catch {
    return [];
  }
}

/**
 * Deletes pods and settle sentinels left by benchmark runs that died (a sentinel's veth end in
 * our namespace goes with its namespace: the pair is made in one request).
 */
export function sweepStalePods(): void {
  for (const name of listNetns()) {
    const pid = new RegExp(`^${PREFIX}(\\d+)-(\\d+|sentinel)$`).exec(name)?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    deleteNamespace(name);
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
