// The runtime's side of the real-VMM scenarios: ADD and DEL called as a runtime calls them,
// qemu started from what the ADD result says, and the "nothing of ours is left" check.
import { expect } from 'vitest';
import type { GuestImage } from '../helpers/guest-image.js';
import { mirredActions } from '../helpers/leak-census.js';
import type { Pod } from '../helpers/netns.js';
import { ingressQdiscs, linkNames, ourRules } from '../helpers/observe.js';
import { cni, netconf, type Outcome } from '../helpers/plugin.js';
import type { QemuOptions } from '../helpers/qemu.js';
import {
  podPrevResult,
  vmmAttachmentFromResult,
  type VmmAttachment,
} from '../helpers/runtime-view.js';
import { waitFor } from '../helpers/wait.js';

/** The newest CNI version: the result carries the tap's MTU too. */
export const CNI_VERSION = '1.1.0';

/** A pod after ADD: the result, and what the runtime takes from it for its VMM. */
export interface WiredPod {
  pod: Pod;
  result: any;
  vmm: VmmAttachment;
}

/** ADD with the prevResult of the interface plugin before us in the chain, as libcni sends it. */
export async function addForVmm(pod: Pod): Promise<WiredPod> {
  const config = netconf(CNI_VERSION, { prevResult: await podPrevResult(pod, CNI_VERSION) });
  const added = await cni({ command: 'ADD', config, netns: pod.netns });
  expect(added.exitCode, added.stdout + added.stderr).toBe(0);
  return {
    pod,
    result: added.json,
    vmm: vmmAttachmentFromResult(added.json, pod.netns, pod.ifname),
  };
}

/**
 * DEL as a runtime sends it: with the cached ADD result as prevResult the first time, without
 * one on a repeated DEL (libcni's behaviour). Asserts success: exit 0 and nothing on stdout.
 */
export async function del(wired: WiredPod, withPrevResult: boolean): Promise<Outcome> {
  const config = netconf(CNI_VERSION, withPrevResult ? { prevResult: wired.result } : {});
  const out = await cni({ command: 'DEL', config, netns: wired.pod.netns });
  expect(out.exitCode, out.stdout + out.stderr).toBe(0);
  expect(out.stdout).toBe('');
  return out;
}

/** qemu's options from the ADD result: tap, pod MAC and pod IP, as urunc takes them. */
export function qemuOptions(image: GuestImage, wired: WiredPod): QemuOptions {
  const { tap, mac, address, prefixLength, gateway } = wired.vmm;
  return {
    image,
    netns: wired.pod.netns,
    tap,
    mac,
    network: { address, prefixLength, ...(gateway ? { gateway } : {}) },
  };
}

/**
 * Nothing urunc-tap made is left in the pod: no tap, no redirect of ours, no ingress qdisc
 * (the pod interface had none before ADD), no mirred action. Deleted actions can stay listed
 * for ~1 s after their filter goes: that one is polled.
 */
export async function expectNothingOfOurs(pod: Pod, tap: string): Promise<void> {
  const names = await linkNames(pod.ns);
  expect(names).toEqual([pod.ifname, 'lo'].sort());
  expect(names.includes(tap)).toBe(false);
  expect(await ourRules(pod.ns, pod.ifname)).toEqual([]);
  expect(await ingressQdiscs(pod.ns)).toEqual({});
  expect(await waitFor(() => mirredActions(pod.ns), 0, 5000)).toBe(0);
}
