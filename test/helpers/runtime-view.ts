// The CNI result as a runtime like urunc uses it: the prevResult the interface plugin hands
// down, and what the runtime reads from the final result to start its VMM.
import { link } from './observe.js';
import { NODE_IP, POD_IP, type Pod } from './netns.js';

/** A prevResult like ptp's for a real pod: its pod interface with its real MAC, and its IP. */
export async function podPrevResult(
  pod: Pod,
  cniVersion: string,
): Promise<Record<string, unknown>> {
  const [node, podIf] = await Promise.all([link(pod.nodeNs, 'veth0'), link(pod.ns, pod.ifname)]);
  if (!node || !podIf) throw new Error(`pod ${pod.ns} has no veth pair`);
  return {
    cniVersion,
    interfaces: [
      { name: 'veth0', mac: node.mac },
      { name: pod.ifname, mac: podIf.mac, sandbox: pod.netns },
    ],
    ips: [
      {
        ...(cniVersion.startsWith('0.') ? { version: '4' } : {}),
        address: `${POD_IP}/24`,
        gateway: NODE_IP,
        interface: 1,
      },
    ],
    routes: [{ dst: '0.0.0.0/0' }],
    dns: {},
  };
}

/** What the VMM is started with. */
export interface VmmAttachment {
  /** The tap to open (TUNSETIFF) — never created or deleted by the runtime. */
  tap: string;
  /** The guest NIC's MAC: the pod interface's. */
  mac: string;
  /** The pod's IP, moved into the guest. */
  address: string;
  prefixLength: number;
  gateway: string | undefined;
}

/**
 * Reads a final ADD result the way a runtime does: the pod interface is `ifname` in the
 * sandbox, the tap is the last interface in the sandbox (urunc-tap appends it), the guest's IP
 * is the pod interface's.
 */
export function vmmAttachmentFromResult(result: any, netns: string, ifname: string): VmmAttachment {
  const interfaces = (result.interfaces ?? []) as Array<{
    name: string;
    mac?: string;
    sandbox?: string;
  }>;
  const podIndex = interfaces.findIndex((i) => i.name === ifname && i.sandbox === netns);
  const tap = interfaces.findLast((i, index) => i.sandbox === netns && index !== podIndex);
  const ip = (result.ips ?? []).find((entry: any) => entry.interface === podIndex);
  if (podIndex < 0 || !tap || !ip || !interfaces[podIndex]!.mac) {
    throw new Error(`no pod interface, tap or IP in the result: ${JSON.stringify(result)}`);
  }
  const [address, prefix] = String(ip.address).split('/');
  return {
    tap: tap.name,
    mac: interfaces[podIndex]!.mac!,
    address: address!,
    prefixLength: Number(prefix),
    gateway: ip.gateway,
  };
}
