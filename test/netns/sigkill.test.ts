// The plugin killed with SIGKILL at a random point of ADD, again and again: whatever it left,
// the next ADD wires the pod exactly once and the next DEL leaves it clean.
import { describe, expect } from 'vitest';
import { test } from '../helpers/fixtures.js';
import { ingressQdiscs, links, ourRules } from '../helpers/observe.js';
import { cni, netconf, startCni } from '../helpers/plugin.js';
import { noNetns } from '../helpers/tier.js';

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
          expect((await links(pod.ns)).map((l) => l.name).sort()).toEqual(['eth0', 'lo']);
          expect(await ingressQdiscs(pod.ns)).toEqual({});
        }
      }
      console.log(
        `sigkill: ${ROUNDS} killed ADDs (left: ${[...seen].join(', ')}), each followed by a converging ADD or DEL`,
      );
    },
  );
});
