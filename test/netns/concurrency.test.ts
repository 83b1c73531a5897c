// Many pods at once, and racing verbs on one attachment: never a half state.
import { describe, expect, it } from 'vitest';
import { test } from '../helpers/fixtures.js';
import { createPod, destroyPod, type Pod } from '../helpers/netns.js';
import { ingressQdiscs, linkNames, ourRules } from '../helpers/observe.js';
import { cni, netconf, type Outcome } from '../helpers/plugin.js';
import { noNetns } from '../helpers/tier.js';

const TAP = 'tap0_urunc';
const config = netconf('1.0.0');
const PODS = 100;
// A hundred plugin processes share two cores: each may wait its turn for a while.
const timeoutMs = 300_000;

/** Wired exactly once: one tap, one redirect of ours on each side. */
async function wiredOnce(pod: Pod): Promise<boolean> {
  const names = await linkNames(pod.ns);
  return (
    JSON.stringify(names) === JSON.stringify(['eth0', 'lo', TAP]) &&
    (await ourRules(pod.ns, 'eth0')).length === 1 &&
    (await ourRules(pod.ns, TAP)).length === 1
  );
}

/** Clean: only lo and eth0, no ingress hook left. */
async function clean(pod: Pod): Promise<boolean> {
  const names = await linkNames(pod.ns);
  return (
    JSON.stringify(names) === JSON.stringify(['eth0', 'lo']) &&
    Object.keys(await ingressQdiscs(pod.ns)).length === 0
  );
}

/** What a failed call said, for the assertion message. */
const failure = (out: Outcome) => `exit ${out.exitCode}: ${out.stdout} ${out.stderr.slice(-400)}`;

/** Runs `work` over `items`, `width` at a time. */
async function pooled<T, R>(
  items: T[],
  width: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!);
      }
    }),
  );
  return results;
}

describe.skipIf(noNetns)('concurrency', () => {
  it(`${PODS} pods ADDed in parallel, then DELed in parallel`, { timeout: 600_000 }, async () => {
    const pods = await pooled(Array.from({ length: PODS }), 8, () => createPod());
    try {
      const added = await Promise.all(
        pods.map((pod) => cni({ command: 'ADD', config, netns: pod.netns, timeoutMs })),
      );
      expect(added.filter((out) => out.exitCode !== 0).map(failure)).toEqual([]);
      expect((await pooled(pods, 8, wiredOnce)).filter((ok) => !ok)).toEqual([]);

      const deleted = await Promise.all(
        pods.map((pod) => cni({ command: 'DEL', config, netns: pod.netns, timeoutMs })),
      );
      expect(deleted.filter((out) => out.exitCode !== 0).map(failure)).toEqual([]);
      expect((await pooled(pods, 8, clean)).filter((ok) => !ok)).toEqual([]);
      console.log(`concurrency: ${PODS} pods added and deleted in parallel, 0 failures, 0 leaks`);
    } finally {
      await pooled(pods, 8, destroyPod);
    }
  });

  describe.concurrent('one attachment', () => {
    test('concurrent ADDs wire it exactly once', async ({ pod: makePod }) => {
      const pod = await makePod();
      const outs = await Promise.all(
        Array.from({ length: 6 }, () => cni({ command: 'ADD', config, netns: pod.netns })),
      );
      expect(outs.map((out) => out.exitCode)).toEqual([0, 0, 0, 0, 0, 0]);
      // Every ADD reports the same tap.
      expect(new Set(outs.map((out) => out.json.interfaces[0].mac)).size).toBe(1);
      expect(await wiredOnce(pod)).toBe(true);
    });

    test('racing ADD and DEL leave it wired or clean, never half', async ({ pod: makePod }) => {
      const pod = await makePod();
      for (let round = 0; round < 8; round++) {
        const [add, del] = await Promise.all([
          cni({ command: 'ADD', config, netns: pod.netns }),
          cni({ command: 'DEL', config, netns: pod.netns }),
        ]);
        expect([add.exitCode, del.exitCode]).toEqual([0, 0]);
        const state = (await wiredOnce(pod)) ? 'wired' : (await clean(pod)) ? 'clean' : 'half';
        expect(state).not.toBe('half');
        if (state === 'wired')
          expect((await cni({ command: 'CHECK', config, netns: pod.netns })).exitCode).toBe(0);
      }
    });
  });
});
