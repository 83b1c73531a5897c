// Throwaway pods: a "node" namespace and a "pod" namespace joined by a veth pair, both made
// by the test and destroyed when it finishes, so no traffic or state leaves them.
import { randomBytes } from 'node:crypto';
import { link } from './observe.js';
import { ipn, sh, tcn } from './sh.js';
import { waitFor } from './wait.js';

/** Addresses of the veth pair: traffic stays between the two namespaces of one test. */
export const NODE_IP = '10.123.0.1';
export const POD_IP = '10.123.0.2';

export interface Pod {
  /** Name of the pod namespace (for `ip -n`). */
  ns: string;
  /** Path of the pod namespace, as CNI_NETNS. */
  netns: string;
  /** The node-side namespace holding the other end of the veth. */
  nodeNs: string;
  /** Name of the pod interface inside `ns`. */
  ifname: string;
}

/**
 * Creates a pod: namespace `ns` with `ifname` (a veth whose peer sits in `nodeNs`), both up and
 * addressed. Tests get pods through the `pod` fixture (fixtures.ts), which destroys them.
 */
export async function createPod(options: { ifname?: string; mtu?: number } = {}): Promise<Pod> {
  const id = randomBytes(4).toString('hex');
  const pod: Pod = {
    ns: `ut-pod-${id}`,
    netns: `/run/netns/ut-pod-${id}`,
    nodeNs: `ut-node-${id}`,
    ifname: options.ifname ?? 'eth0',
  };
  try {
    await sh('ip', ['netns', 'add', pod.ns]);
    await sh('ip', ['netns', 'add', pod.nodeNs]);
    await ipn(
      pod.nodeNs,
      'link',
      'add',
      'veth0',
      'type',
      'veth',
      'peer',
      'name',
      pod.ifname,
      'netns',
      pod.ns,
    );
    if (options.mtu) {
      await ipn(pod.nodeNs, 'link', 'set', 'veth0', 'mtu', String(options.mtu));
      await ipn(pod.ns, 'link', 'set', pod.ifname, 'mtu', String(options.mtu));
    }
    await ipn(pod.nodeNs, 'addr', 'add', `${NODE_IP}/24`, 'dev', 'veth0');
    await ipn(pod.ns, 'addr', 'add', `${POD_IP}/24`, 'dev', pod.ifname);
    await ipn(pod.nodeNs, 'link', 'set', 'veth0', 'up');
    await ipn(pod.ns, 'link', 'set', pod.ifname, 'up');
    await ipn(pod.ns, 'link', 'set', 'lo', 'up');
    // Carrier reaches the link flags through linkwatch, up to a second later: wait for it so
    // that snapshots taken now do not change by themselves afterwards.
    for (const [ns, dev] of [
      [pod.ns, pod.ifname],
      [pod.nodeNs, 'veth0'],
    ] as const) {
      if (!(await waitFor(async () => (await link(ns, dev))?.carrier, true))) {
        throw new Error(`${dev} in ${ns} has no carrier`);
      }
    }
  } catch (error) {
    await destroyPod(pod);
    throw error;
  }
  return pod;
}

/** Deletes both namespaces of a pod (and so the veth pair); safe to call twice. */
export async function destroyPod(pod: Pod): Promise<void> {
  for (const ns of [pod.ns, pod.nodeNs]) await sh('ip', ['netns', 'del', ns]).catch(() => {});
}

/**
 * Whether the node side reaches the pod's address (a few pings, short timeout), within
 * `attempts` rounds: where a test expects an answer it allows several, since a loaded 2-core
 * machine can miss a second's deadline; where it expects none, one round says it.
 */
export async function podAnswersPing(pod: Pod, attempts = 1): Promise<boolean> {
  const ping = ['netns', 'exec', pod.nodeNs, 'ping', '-c', '2', '-i', '0.2', '-W', '1', POD_IP];
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      await sh('ip', ping);
      return true;
    } catch {
      // No answer in this round.
    }
  }
  return false;
}

/** A comparable picture of a namespace: links, qdiscs and every ingress filter. */
export async function snapshot(ns: string): Promise<unknown> {
  const links = JSON.parse(await ipn(ns, '-json', '-details', 'link', 'show')) as Array<
    Record<string, unknown>
  >;
  const filters: Record<string, unknown> = {};
  for (const link of links) {
    const dev = String(link.ifname);
    filters[dev] = JSON.parse(
      (await tcn(ns, '-json', 'filter', 'show', 'dev', dev, 'ingress')) || '[]',
    );
  }
  return {
    links: links.map((link) => ({
      name: link.ifname,
      mtu: link.mtu,
      flags: link.flags,
      kind: (link.linkinfo as Record<string, unknown> | undefined)?.info_kind,
      alias: link.ifalias,
    })),
    qdiscs: JSON.parse(await tcn(ns, '-json', 'qdisc', 'show')),
    filters,
  };
}
