// `urunc-tap inspect --all`: every namespace of the node that holds urunc-tap's taps, one line
// each, and exit 3 when any of them is a black hole (what an operator runs when "some pods are
// unreachable").
import { describe, expect } from 'vitest';
import { test } from '../helpers/fixtures.js';
import { urunc } from '../helpers/operator.js';
import { cni, netconf } from '../helpers/plugin.js';
import { tcn } from '../helpers/sh.js';
import { addForeignDeadEnd } from '../helpers/tc.js';
import { noNetns } from '../helpers/tier.js';
import { link } from '../helpers/observe.js';
import { waitFor } from '../helpers/wait.js';

describe.skipIf(noNetns)('urunc-tap inspect --all', () => {
  test('lists each wired namespace with its pod, tap, VMM and verdict; exit 3 on a black hole', async ({
    pod: makePod,
    vmm: startVmm,
  }) => {
    const [waiting, attached, broken, untouched] = await Promise.all([
      makePod(),
      makePod(),
      makePod(),
      makePod(),
    ]);
    const network = `all-${waiting.ns.slice(-8)}`;
    for (const pod of [waiting, attached, broken]) {
      const out = await cni({
        command: 'ADD',
        config: netconf('1.0.0', { name: network }),
        netns: pod.netns,
        containerId: `ctr-${pod.ns}`,
      });
      expect(out.exitCode, out.stdout).toBe(0);
    }
    await startVmm(attached.netns, 'tap0_urunc');
    expect(await waitFor(async () => (await link(attached.ns, 'tap0_urunc'))?.carrier, true)).toBe(
      true,
    );
    await addForeignDeadEnd(broken.ns, 'tap0_urunc', 100);

    const out = await urunc(['inspect', '--all', '--json']);
    expect(out.exitCode, out.stderr).toBe(3);
    // Other tests' namespaces may be listed too: look at ours.
    const byNetns = new Map(out.json.namespaces.map((report: any) => [report.netns, report]));
    expect(byNetns.get(waiting.netns)).toMatchObject({
      verdict: 'waiting-for-vmm',
      taps: [{ name: 'tap0_urunc', vmmAttached: false, owner: { network, ifname: 'eth0' } }],
    });
    expect(byNetns.get(attached.netns)).toMatchObject({
      verdict: 'healthy',
      taps: [{ vmmAttached: true }],
    });
    expect(byNetns.get(broken.netns)).toMatchObject({ verdict: 'black-hole' });
    expect(byNetns.has(untouched.netns)).toBe(false);

    const text = await urunc(['inspect', '--all']);
    expect(text.exitCode).toBe(3);
    const line = (netns: string) => text.stdout.split('\n').find((l) => l.startsWith(`${netns} `));
    expect(line(waiting.netns)).toBe(
      `${waiting.netns}  pod ${network}/ctr-${waiting.ns}/eth0  tap tap0_urunc  no VMM  waiting-for-vmm`,
    );
    expect(line(attached.netns)).toBe(
      `${attached.netns}  pod ${network}/ctr-${attached.ns}/eth0  tap tap0_urunc  VMM attached  healthy`,
    );
    expect(line(broken.netns)).toContain('  black-hole');
    expect(line(untouched.netns)).toBeUndefined();

    // With the dead end gone, every namespace of ours is fine again.
    await tcn(broken.ns, 'filter', 'del', 'dev', 'tap0_urunc', 'ingress', 'pref', '100');
    const after = await urunc(['inspect', '--all', '--json']);
    const reports = after.json.namespaces.filter((report: any) =>
      [waiting.netns, attached.netns, broken.netns].includes(report.netns),
    );
    expect(reports.map((report: any) => report.verdict).sort()).toEqual([
      'healthy',
      'waiting-for-vmm',
      'waiting-for-vmm',
    ]);
  });
});
