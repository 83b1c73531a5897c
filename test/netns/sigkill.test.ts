// The plugin killed with SIGKILL at a random point of ADD, again and again, and at the one
// point where a tap exists before it carries our alias: whatever it left, the next ADD wires
// the pod exactly once and the next DEL leaves it clean.
import { describe, expect } from 'vitest';
import { injecting, NATIVE } from '../helpers/faults.js';
import { test } from '../helpers/fixtures.js';
import { ingressQdiscs, linkNames, links, ourRules } from '../helpers/observe.js';
import { cni, netconf, startCni } from '../helpers/plugin.js';
import { noNetns } from '../helpers/tier.js';
import { waitFor } from '../helpers/wait.js';

const TAP = 'tap0_urunc';
const config = netconf('1.0.0');
const ROUNDS = 12;

/** Starts an ADD the way cni() does, and SIGKILLs it after `ms`. */
async function killedAdd(netns: string, ms: number): Promise<void> {
  const child = startCni({ command: 'ADD', config, netns, containerId: 'ctr-sigkill' });
  setTimeout(() => child.kill('SIGKILL'), ms);
  await child;
}

describe.skipIf(noNetns)('SIGKILL during ADD', () => {
  // iproute2 creates the tap under its staging name, then renames it in the request that sets
  // its alias: killed in between, it leaves an alias-less tap that only the name marks as ours
  // (before the staging name, an alias-less tap0_urunc, which the next ADD refused, code 102).
  // The netlink build's tap has its alias before it is persistent: killed after the tap, it
  // leaves the finished tap.
  test.for(['ADD', 'DEL'] as const)(
    'killed after creating the tap, before its alias or qdiscs: the next %s converges',
    { timeout: 60_000 },
    async (next, { pod: makePod }) => {
      const pod = await makePod();
      const ids = { config, netns: pod.netns, containerId: 'ctr-staged' };
      const plugin = startCni({
        command: 'ADD',
        ...ids,
        ...injecting({
          iproute2: { tool: 'ip', call: 2, line: 2, kind: 'hang' },
          netlink: { op: 'apply', call: 1, change: 2, kind: 'hang' },
        }),
      });
      const taps = async () => (await links(pod.ns)).filter((l) => l.tun?.type === 'tap');
      expect(await waitFor(async () => (await taps()).length, 1, 20_000)).toBe(1);
      plugin.kill('SIGKILL');
      await plugin;
      const [left] = await taps();
      if (NATIVE)
        expect(left).toMatchObject({ name: TAP, alias: 'urunc-tap:urunc-test:eth0:ctr-staged' });
      else
        expect(left).toMatchObject({
          name: expect.stringMatching(/^utap-[0-9a-f]{10}$/),
          alias: undefined,
        });

      const out = await cni({ command: next, ...ids });
      expect(out.exitCode, out.stdout).toBe(0);
      if (next === 'ADD') {
        expect(await linkNames(pod.ns)).toEqual(['eth0', 'lo', TAP]);
        expect(await ourRules(pod.ns, 'eth0')).toHaveLength(1);
        expect(await ourRules(pod.ns, TAP)).toHaveLength(1);
        expect((await cni({ command: 'CHECK', ...ids })).exitCode).toBe(0);
      } else {
        expect(await linkNames(pod.ns)).toEqual(['eth0', 'lo']);
        expect(await ingressQdiscs(pod.ns)).toEqual({});
      }
    },
  );

  test(
    `${ROUNDS} rounds of a killed ADD followed by ADD or DEL converge`,
    { timeout: 300_000 },
    async ({ pod: makePod }) => {
      const pod = await makePod();
      const seen = new Set<string>();
      for (let round = 0; round < ROUNDS; round++) {
        // Spread the kill over the whole life of an ADD (start-up, reads, tap, tc).
        const delay = Math.floor(Math.random() * 400);
        await killedAdd(pod.netns, delay);
        const partial = (await links(pod.ns)).some((l) => l.name === TAP)
          ? 'tap present'
          : 'no tap';
        seen.add(partial);
        if (round % 2 === 0) {
          const out = await cni({
            command: 'ADD',
            config,
            netns: pod.netns,
            containerId: 'ctr-sigkill',
          });
          expect(out.exitCode, `round ${round}, killed after ${delay} ms: ${out.stdout}`).toBe(0);
          expect(await ourRules(pod.ns, 'eth0')).toHaveLength(1);
          expect(await ourRules(pod.ns, TAP)).toHaveLength(1);
          expect(
            (await cni({ command: 'CHECK', config, netns: pod.netns, containerId: 'ctr-sigkill' }))
              .exitCode,
          ).toBe(0);
        } else {
          const out = await cni({
            command: 'DEL',
            config,
            netns: pod.netns,
            containerId: 'ctr-sigkill',
          });
          expect(out.exitCode, `round ${round}, killed after ${delay} ms: ${out.stdout}`).toBe(0);
          expect(await linkNames(pod.ns)).toEqual(['eth0', 'lo']);
          expect(await ingressQdiscs(pod.ns)).toEqual({});
        }
      }
      console.log(
        `sigkill: ${ROUNDS} killed ADDs (left: ${[...seen].join(', ')}), each followed by a converging ADD or DEL`,
      );
    },
  );
});
