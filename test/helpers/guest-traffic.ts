// Traffic between the node side of the pod's veth and the guest behind the tap.
import { fileURLToPath } from 'node:url';
import { NODE_IP, POD_IP, type Pod } from './netns.js';
import { OUR_COOKIE_PREFIX } from './observe.js';
import { ipn, sh, tcn } from './sh.js';

const TRANSFER = fileURLToPath(new URL('./guest-transfer.py', import.meta.url));

/** The guest's network: the pod's own address, gateway the node side of the veth. */
export const GUEST_NETWORK = { address: POD_IP, prefixLength: 24, gateway: NODE_IP };

/** What guest-transfer.py saw. */
export interface Transfer {
  download: { bytes: number; sha256: string; expectedSha256: string; seconds: number };
  upload: { bytes: number; sha256: string; guestSha256: string; seconds: number };
  echo: { bytes: number; same: boolean };
}

/** Downloads and uploads `mib` MiB over TCP from the node namespace to the guest. */
export async function transfer(pod: Pod, mib: number): Promise<Transfer> {
  const stdout = await sh('ip', [
    'netns',
    'exec',
    pod.nodeNs,
    'python3',
    TRANSFER,
    POD_IP,
    String(mib),
  ]);
  return JSON.parse(stdout) as Transfer;
}

/**
 * Takes the pod's IP off the pod interface, so that only the guest (which gets that IP)
 * can answer for it: a ping answered afterwards went through the tap.
 */
export async function handPodIpToGuest(pod: Pod): Promise<void> {
  await ipn(pod.ns, 'addr', 'del', `${POD_IP}/24`, 'dev', pod.ifname);
}

/** Puts the pod's IP back on the pod interface (the pod namespace answers for itself again). */
export async function takePodIpBack(pod: Pod): Promise<void> {
  await ipn(pod.ns, 'addr', 'add', `${POD_IP}/24`, 'dev', pod.ifname);
}

/** Frames and bytes a device sent and received (for a tap: sent = to the guest). */
export async function frameCounters(
  ns: string,
  dev: string,
): Promise<{ txPackets: number; txBytes: number; rxPackets: number; rxBytes: number }> {
  const [link] = JSON.parse(await ipn(ns, '-json', '-stats', 'link', 'show', 'dev', dev)) as any[];
  const { tx, rx } = link.stats64;
  return { txPackets: tx.packets, txBytes: tx.bytes, rxPackets: rx.packets, rxBytes: rx.bytes };
}

/** Bytes and packets our redirect on `dev` has carried (its mirred action's counters). */
export async function redirectCounters(
  ns: string,
  dev: string,
): Promise<{ bytes: number; packets: number }> {
  const filters = JSON.parse(
    (await tcn(ns, '-json', '-stats', 'filter', 'show', 'dev', dev, 'ingress')) || '[]',
  ) as any[];
  const ours = filters
    .flatMap((filter) => filter.options?.actions ?? [])
    .filter((action: any) => String(action.cookie ?? '').startsWith(OUR_COOKIE_PREFIX));
  return {
    bytes: ours.reduce((sum: number, action: any) => sum + action.stats.bytes, 0),
    packets: ours.reduce((sum: number, action: any) => sum + action.stats.packets, 0),
  };
}
