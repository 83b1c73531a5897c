// Throwaway sandboxes for real CNI clients: a bare pod namespace (the chain's first plugin
// creates eth0 there), a node namespace standing in for the host, and a temp directory for
// every file the chain writes. Nothing of a test reaches the real host's network or state.
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sh } from './sh.js';

export interface Sandbox {
  /** Random hex naming everything of this sandbox. */
  id: string;
  /** Name of the pod namespace (for `ip -n`); it starts with nothing but `lo`. */
  podNs: string;
  /** Path of the pod namespace, as CNI_NETNS. */
  podNetns: string;
  /**
   * The node namespace the runtime runs in. ptp and bridge put their host-side veth, bridge,
   * routes, forwarding sysctl and masquerade rules in the namespace they run in, so running
   * the client here keeps all of that out of the real root namespace.
   */
  nodeNs: string;
  /** Temp directory holding everything below. */
  dir: string;
  /** NETCONFPATH: the conflists of this test. */
  confDir: string;
  /** CNI_CACHE_DIR: libcni's result cache ($cacheDir/results/...). */
  cacheDir: string;
  /** State directory for the plugins' own files (host-local leases, tuning backups). */
  stateDir: string;
  /** A plugin directory for test-only plugins, put first in CNI_PATH. */
  pluginDir: string;
  /** Calls still running in the sandbox (see inSandbox); destroySandbox waits for them. */
  pending: Set<Promise<unknown>>;
  /** Set by destroySandbox: nothing may start in the sandbox any more. */
  closed: boolean;
}

/** Creates a sandbox. Tests get one through the `sandbox` fixture, which destroys it. */
export async function createSandbox(): Promise<Sandbox> {
  const id = randomBytes(4).toString('hex');
  const dir = await mkdtemp(join(tmpdir(), `urunc-tap-e2e-${id}-`));
  const sandbox: Sandbox = {
    id,
    podNs: `ut-cni-pod-${id}`,
    podNetns: `/run/netns/ut-cni-pod-${id}`,
    nodeNs: `ut-cni-node-${id}`,
    dir,
    confDir: join(dir, 'net.d'),
    cacheDir: join(dir, 'cache'),
    stateDir: join(dir, 'state'),
    pluginDir: join(dir, 'plugins'),
    pending: new Set(),
    closed: false,
  };
  try {
    for (const sub of [sandbox.confDir, sandbox.cacheDir, sandbox.stateDir, sandbox.pluginDir]) {
      await mkdir(sub);
    }
    await sh('ip', ['netns', 'add', sandbox.podNs]);
    await sh('ip', ['netns', 'add', sandbox.nodeNs]);
  } catch (error) {
    await destroySandbox(sandbox);
    throw error;
  }
  return sandbox;
}

/**
 * Runs `start` as a call in the sandbox, which destroySandbox waits for. Why: a test that
 * times out keeps running while vitest tears its fixtures down, and a chain still running then
 * would re-create the directories it writes to (libcni's cache, host-local's leases) after
 * they were removed. A call that would start after the teardown began throws instead.
 */
export function inSandbox<T>(sandbox: Sandbox, start: () => Promise<T>): Promise<T> {
  if (sandbox.closed) {
    return Promise.reject(new Error(`sandbox ${sandbox.podNs} is already being destroyed`));
  }
  const call = start();
  sandbox.pending.add(call);
  const forget = () => sandbox.pending.delete(call);
  call.then(forget, forget);
  return call;
}

/**
 * Deletes both namespaces (taking every veth, bridge, route and iptables rule in them along)
 * and the temp directory (leases, caches, conflists), once no call runs in it any more. Safe
 * to call twice.
 */
export async function destroySandbox(sandbox: Sandbox): Promise<void> {
  sandbox.closed = true;
  await Promise.allSettled([...sandbox.pending]);
  for (const ns of [sandbox.podNs, sandbox.nodeNs]) {
    await sh('ip', ['netns', 'del', ns]).catch(() => {});
  }
  await rm(sandbox.dir, { recursive: true, force: true });
}
