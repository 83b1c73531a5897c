// Property, on a real namespace: for generated configs and env around the valid ones, the
// built plugin either wires the pod (well-formed result, and DEL then leaves it as before) or
// refuses with a CNI error and changes nothing; it never crashes, hangs or reports a bug.
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import {
  configArbitrary,
  containerIdArbitrary,
  ifnameArbitrary,
  validContainerIdArbitrary,
  wireableConfigArbitrary,
} from '../helpers/config-arbitrary.js';
import { test } from '../helpers/fixtures.js';
import { snapshot } from '../helpers/netns.js';
import { cni } from '../helpers/plugin.js';
import { noNetns } from '../helpers/tier.js';

const RUNS = 25;

/** Half wireable inputs, half fuzzed ones (which the plugin nearly always refuses). */
const inputs = fc.oneof(
  fc.tuple(wireableConfigArbitrary, fc.constant('eth0'), validContainerIdArbitrary),
  fc.tuple(configArbitrary, ifnameArbitrary, containerIdArbitrary),
);

describe.skipIf(noNetns)('generated inputs', () => {
  test(
    `${RUNS} generated ADDs: wired and undone, or refused with nothing changed`,
    { timeout: 600_000 },
    async ({ pod: makePod }) => {
      const pod = await makePod();
      const before = await snapshot(pod.ns);
      const tally = { wired: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(inputs, async ([config, ifname, containerId]) => {
          const env = { CNI_IFNAME: ifname, CNI_CONTAINERID: containerId };
          const out = await cni({ command: 'ADD', config, netns: pod.netns, env });
          expect(out.stderr).not.toMatch(/\n\s+at /);
          if (out.exitCode === 0) {
            tally.wired++;
            const tap = out.json.interfaces.at(-1);
            expect(tap).toMatchObject({
              name: (config as { tapName?: string }).tapName ?? 'tap0_urunc',
              sandbox: pod.netns,
            });
            expect(tap.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
            const del = await cni({ command: 'DEL', config, netns: pod.netns, env });
            expect(del.exitCode, del.stdout).toBe(0);
          } else {
            tally.refused++;
            expect(out.exitCode, out.stderr).toBe(1);
            expect(out.json.code).toEqual(expect.any(Number));
            expect(out.json.code).not.toBe(999);
          }
          expect(await snapshot(pod.ns)).toEqual(before);
        }),
        { numRuns: RUNS },
      );
      // Both paths ran (each misses in 25 runs with odds of about 2^-25).
      expect(tally.wired).toBeGreaterThan(0);
      expect(tally.refused).toBeGreaterThan(0);
      console.log(
        `properties: ${RUNS} generated ADDs, ${tally.wired} wired and undone, ${tally.refused} refused, nothing left behind`,
      );
    },
  );
});
