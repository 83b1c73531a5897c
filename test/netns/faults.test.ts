// Faults beyond a refused command: a hung ip/tc (timeout, code 11, rollback) and a busy
// kernel (bounded retries from a fresh read).
import { describe, expect } from 'vitest';
import { injecting } from '../helpers/faults.js';
import { test } from '../helpers/fixtures.js';
import { ingressQdiscs, linkNames, ourRules } from '../helpers/observe.js';
import { snapshot } from '../helpers/netns.js';
import { cni, netconf } from '../helpers/plugin.js';
import { noNetns } from '../helpers/tier.js';

const TAP = 'tap0_urunc';
const config = netconf('1.0.0');
// Short enough for a quick test, long enough for a passing ip/tc on a loaded 2-core machine.
const hurried = netconf('1.0.0', { timeoutMs: 2000 });

describe.skipIf(noNetns).concurrent('faults', () => {
  test.for([
    ['reading the namespace', { tool: 'ip', call: 1 }, { op: 'read', call: 1 }],
    ['changing it', { tool: 'tc', call: 2 }, { op: 'apply', call: 1, change: 2 }],
  ] as const)(
    'a hung kernel call while %s: code 11 and the namespace as before',
    async ([, iproute2, netlink], { pod: makePod }) => {
      const pod = await makePod();
      const before = await snapshot(pod.ns);
      const out = await cni({
        command: 'ADD',
        config: hurried,
        netns: pod.netns,
        ...injecting({
          iproute2: { ...iproute2, kind: 'hang' },
          netlink: { ...netlink, kind: 'hang' },
        }),
      });
      expect(out.exitCode).toBe(1);
      expect(out.json).toMatchObject({ code: 11 });
      expect(out.json.msg).toContain('timed out');
      expect(await snapshot(pod.ns)).toEqual(before);
    },
  );

  test('EBUSY once: ADD re-reads, re-plans and succeeds', async ({ pod: makePod }) => {
    const pod = await makePod();
    const out = await cni({
      command: 'ADD',
      config,
      netns: pod.netns,
      ...injecting({
        iproute2: { tool: 'tc', call: 2, line: 3, kind: 'busy' },
        netlink: { op: 'apply', call: 1, change: 4, kind: 'busy' },
      }),
    });
    expect(out.exitCode, out.stdout).toBe(0);
    expect(out.stderr).toContain('re-reading');
    expect(await ourRules(pod.ns, 'eth0')).toHaveLength(1);
    expect(await ourRules(pod.ns, TAP)).toHaveLength(1);
    expect((await cni({ command: 'CHECK', config, netns: pod.netns })).exitCode).toBe(0);
  });

  test('EBUSY on every attempt: ADD gives up after bounded retries, reports it, and rolls back', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    const before = await snapshot(pod.ns);
    const out = await cni({
      command: 'ADD',
      config,
      netns: pod.netns,
      // Every attempt's tc batch meets EBUSY (3 attempts); the kernel calms down for the rollback.
      ...injecting({
        iproute2: { tool: 'tc', call: '1-3', kind: 'busy', writesOnly: true },
        netlink: { op: 'apply', call: '1-3', change: 2, kind: 'busy' },
      }),
    });
    expect(out.exitCode).toBe(1);
    expect(out.json).toMatchObject({ code: 100 });
    expect(out.json.msg).toContain('Device or resource busy');
    // Bounded: at most MAX_ATTEMPTS (3) attempts, so at most two retries.
    expect(out.stderr.match(/re-reading/g)?.length).toBeGreaterThanOrEqual(1);
    expect(out.stderr.match(/re-reading/g)?.length).toBeLessThanOrEqual(2);
    expect(await snapshot(pod.ns)).toEqual(before);
  });

  test('EBUSY once on DEL: it retries and cleans up', async ({ pod: makePod }) => {
    const pod = await makePod();
    expect((await cni({ command: 'ADD', config, netns: pod.netns })).exitCode).toBe(0);
    const out = await cni({
      command: 'DEL',
      config,
      netns: pod.netns,
      ...injecting({
        iproute2: { tool: 'tc', call: 2, kind: 'busy' },
        netlink: { op: 'apply', call: 1, change: 1, kind: 'busy' },
      }),
    });
    expect(out.exitCode, out.stdout).toBe(0);
    expect(await linkNames(pod.ns)).toEqual(['eth0', 'lo']);
    expect(await ingressQdiscs(pod.ns)).toEqual({});
  });
});
