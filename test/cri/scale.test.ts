// 30 urunc pods through the CRI at once, as a node does when a deployment scales up, then all
// deleted at once: every one wired, then nothing left (taps, redirects, leases, namespaces).
import { describe, expect } from 'vitest';
import { noCri } from '../helpers/cri-tier.js';
import { criTest } from '../helpers/cri-fixtures.js';
import { TORN_DOWN, WIRED, wiring } from '../helpers/cri-observe.js';

const PODS = 30;
const test = criTest({
  label: 'scale',
  subnet: '10.124.3.0/24',
  handlers: { urunc: [{ type: 'urunc-tap' }] },
});

describe.skipIf(noCri)('containerd CRI at scale', () => {
  test(
    `${PODS} urunc pods run at once, then stopped and removed at once`,
    { timeout: 300_000 },
    async ({ node }) => {
      const started = performance.now();
      const pods = await Promise.all(
        Array.from({ length: PODS }, (_, i) =>
          node.runPod({ name: `wave-${i}`, uid: `uid-wave-${i}`, runtimeHandler: 'urunc' }),
        ),
      );
      const ran = performance.now();
      expect(new Set(pods.map((pod) => pod.ip)).size).toBe(PODS);
      expect(await node.leases()).toHaveLength(PODS);
      const wired = await Promise.all(pods.map((pod) => wiring(pod.ns)));
      expect(wired).toEqual(pods.map(() => WIRED));

      const held = await Promise.all(pods.map((pod) => node.holdNetns(pod)));
      // Two waves, timed apart: Stop's DEL has the netns and prevResult, Remove's has neither.
      const stopping = performance.now();
      await Promise.all(pods.map((pod) => node.cri.stopPodSandbox(pod.id)));
      const stopped = performance.now();
      const after = await Promise.all(held.map((ns) => wiring(ns)));
      expect(after).toEqual(pods.map(() => TORN_DOWN));
      expect(await node.leases()).toEqual([]);
      expect(node.remainingNetns()).toEqual([]);
      expect(await node.nodeLinks()).toEqual([]);

      await Promise.all(pods.map((pod) => node.cri.removePodSandbox(pod.id)));
      const removed = performance.now();
      const seconds = (from: number, to: number) => ((to - from) / 1000).toFixed(1);
      console.info(
        `CRI scale: ${PODS} pods at once: RunPodSandbox ${seconds(started, ran)} s, ` +
          `StopPodSandbox ${seconds(stopping, stopped)} s, RemovePodSandbox ${seconds(stopped, removed)} s`,
      );
      expect(await node.cri.listPodSandboxIds()).toEqual([]);
      expect(await node.leases()).toEqual([]);
      expect(await Promise.all(held.map((ns) => wiring(ns)))).toEqual(pods.map(() => TORN_DOWN));
    },
  );
});
