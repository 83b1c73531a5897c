// Command injection through every string input: refused before anything reaches ip or tc,
// no shell ever runs it, nothing changes.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { test } from '../helpers/fixtures.js';
import { snapshot } from '../helpers/netns.js';
import { cni, netconf } from '../helpers/plugin.js';
import { sh } from '../helpers/sh.js';
import { noNetns } from '../helpers/tier.js';

const scratch = mkdtempSync(join(tmpdir(), 'urunc-tap-injection-'));
const marker = join(scratch, 'pwned');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Shell, iproute2-batch and argument tricks, each trying to create `marker` or delete lo. */
const PAYLOADS = [
  `x; touch ${marker}`,
  `x$(touch ${marker})`,
  `x\`touch ${marker}\``,
  `x && touch ${marker}`,
  `x | touch ${marker}`,
  `x\ntouch ${marker}`,
  'x\nlink del dev lo',
  'x link del dev lo',
  'x" del "lo',
  "x' del 'lo",
  'x # comment',
  '-batch',
  '--help',
  'x\0y',
];

/** Each string input, and how to put a payload into it. */
const INPUTS: Array<
  [string, (payload: string) => { env?: Record<string, string>; config?: Record<string, unknown> }]
> = [
  ['tapName', (p) => ({ config: { tapName: p } })],
  ['name', (p) => ({ config: { name: p } })],
  ['CNI_IFNAME', (p) => ({ env: { CNI_IFNAME: p } })],
  ['CNI_CONTAINERID', (p) => ({ env: { CNI_CONTAINERID: p } })],
  ['CNI_NETNS', (p) => ({ env: { CNI_NETNS: p } })],
];

describe.skipIf(noNetns)('command injection', () => {
  test.for(INPUTS)('through %s', async ([, inject], { pod: makePod }) => {
    const pod = await makePod();
    const before = await snapshot(pod.ns);
    const hostLinks = await sh('ip', ['-o', 'link', 'show']);
    for (const payload of PAYLOADS.filter((p) => !p.includes('\0'))) {
      const { env = {}, config = {} } = inject(payload);
      const out = await cni({
        command: 'ADD',
        config: { ...netconf('1.0.0'), ...config },
        netns: pod.netns,
        env,
      });
      expect(out.exitCode, `payload ${JSON.stringify(payload)}`).toBe(1);
      expect([4, 7]).toContain(out.json?.code);
    }
    expect(existsSync(marker)).toBe(false);
    expect(await snapshot(pod.ns)).toEqual(before);
    expect(await sh('ip', ['-o', 'link', 'show'])).toBe(hostLinks);
  });
});

describe.skipIf(noNetns)('hostile names in prevResult', () => {
  // Other plugins' interface names are never an argument of anything: they are passed through
  // untouched (Calico's result may not even name the pod interface; it is found in the namespace).
  test('are passed through unchanged, never run', async ({ pod: makePod }) => {
    const pod = await makePod();
    for (const payload of PAYLOADS.filter((p) => !p.includes('\0'))) {
      const prevResult = { cniVersion: '1.0.0', interfaces: [{ name: payload, sandbox: '/x' }] };
      const config = { ...netconf('1.0.0'), prevResult };
      const out = await cni({ command: 'ADD', config, netns: pod.netns });
      expect(out.exitCode, `payload ${JSON.stringify(payload)}: ${out.stdout}`).toBe(0);
      expect(out.json.interfaces[0]).toEqual({ name: payload, sandbox: '/x' });
      expect((await cni({ command: 'DEL', config, netns: pod.netns })).exitCode).toBe(0);
    }
    expect(existsSync(marker)).toBe(false);
  });
});
