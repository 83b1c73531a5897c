// One node-wide conflist for every pod, urunc-tap gated by a pod annotation: containerd passes
// the pod's annotations as runtimeConfig to a plugin that declares the capability, and only the
// pod annotated `urunc.io/tap: "true"` is wired; the others keep a working eth0.
import { describe, expect } from 'vitest';
import { noCri } from '../helpers/cri-tier.js';
import { CRI_SLOW, criTest } from '../helpers/cri-fixtures.js';
import { TORN_DOWN, UNTOUCHED, WIRED, wiring } from '../helpers/cri-observe.js';

const ANNOTATION = 'urunc.io/tap';
const test = criTest({
  label: 'annotation',
  subnet: '10.124.2.0/24',
  defaultChain: [
    {
      type: 'urunc-tap',
      podAnnotation: ANNOTATION,
      capabilities: { 'io.kubernetes.cri.pod-annotations': true },
    },
  ],
});

describe.skipIf(noCri)('containerd CRI, urunc-tap gated by a pod annotation', () => {
  test('the annotated pod is wired, plain pods are untouched', CRI_SLOW, async ({ node }) => {
    const [tapped, plain, declined] = await Promise.all([
      node.runPod({ name: 'vm', uid: 'uid-an-1', annotations: { [ANNOTATION]: 'true' } }),
      node.runPod({ name: 'plain', uid: 'uid-an-2' }),
      node.runPod({ name: 'declined', uid: 'uid-an-3', annotations: { [ANNOTATION]: 'false' } }),
    ]);
    expect(tapped.annotations[ANNOTATION]).toBe('true');
    expect(await node.leases()).toEqual([tapped.ip, plain.ip, declined.ip].sort());

    expect(await wiring(tapped.ns)).toEqual(WIRED);
    expect(await wiring(plain.ns)).toEqual(UNTOUCHED);
    expect(await wiring(declined.ns)).toEqual(UNTOUCHED);
    expect(await node.pingFromNode(plain.ip)).toBe(true);
    expect(await node.pingFromNode(declined.ip)).toBe(true);

    const held = await Promise.all([tapped, plain, declined].map((pod) => node.holdNetns(pod)));
    await Promise.all([tapped, plain, declined].map((pod) => node.stopAndRemove(pod.id)));
    for (const ns of held) expect(await wiring(ns)).toEqual(TORN_DOWN);
    expect(await node.leases()).toEqual([]);
    expect(node.remainingNetns()).toEqual([]);
    expect(await node.nodeLinks()).toEqual([]);
  });
});
