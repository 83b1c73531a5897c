// Black holes must never pass as healthy, and teardown must never depend on the runtime:
// redirects to deleted devices (ours or anybody's), foreign match-all filters that take every
// packet before ours, an ADD killed between its qdisc and its filter, a killed plugin's
// children, and CHECK consulting prevResult.
import { describe, expect } from 'vitest';
import { injecting } from '../helpers/faults.js';
import { test } from '../helpers/fixtures.js';
import { podAnswersPing } from '../helpers/netns.js';
import {
  ingressQdiscs,
  ingressRules,
  linkNames,
  OUR_COOKIE_PREFIX,
  ourRules,
} from '../helpers/observe.js';
import { urunc } from '../helpers/operator.js';
import { cni, netconf, startCni } from '../helpers/plugin.js';
import { sh, tcn } from '../helpers/sh.js';
import { addForeignDeadEnd, addForeignMatchAll } from '../helpers/tc.js';
import { noNetns } from '../helpers/tier.js';
import { waitFor } from '../helpers/wait.js';

const TAP = 'tap0_urunc';
const config = netconf('1.0.0');

/** Every ingress rule on `dev`: pref, whether it is ours, and its mirred target. */
async function rules(ns: string, dev: string): Promise<string[]> {
  return (await ingressRules(ns, dev)).map(({ pref, actions: [action] }) => {
    const ours = action?.cookie?.startsWith(OUR_COOKIE_PREFIX) ? 'ours' : 'foreign';
    return `${pref} ${ours} ${action?.to_dev ?? '-'}`;
  });
}

describe.skipIf(noNetns).concurrent('black holes', () => {
  test('ADD removes a foreign redirect to a deleted device on the pod interface, and says so', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    await addForeignDeadEnd(pod.ns, 'eth0', 100);
    expect(await rules(pod.ns, 'eth0')).toEqual(['100 foreign *']);
    expect(await podAnswersPing(pod)).toBe(false);
    const added = await cni({ command: 'ADD', config, netns: pod.netns });
    expect(added.exitCode, added.stdout).toBe(0);
    expect(added.stderr).toContain(
      'removed a foreign redirect to a deleted device on eth0 (pref 100): it dropped every packet',
    );
    expect(await rules(pod.ns, 'eth0')).toEqual([`65280 ours ${TAP}`]);
    expect((await cni({ command: 'CHECK', config, netns: pod.netns })).exitCode).toBe(0);
    const deleted = await cni({ command: 'DEL', config, netns: pod.netns });
    expect(deleted.exitCode).toBe(0);
    // The ingress qdisc was somebody else's (no mark): it stays, empty; the pod works again.
    expect(await ingressQdiscs(pod.ns)).toEqual({ eth0: 'ingress' });
    expect(await rules(pod.ns, 'eth0')).toEqual([]);
    expect(await podAnswersPing(pod, 4)).toBe(true);
  });

  test('CHECK and inspect name a foreign dead end on the tap; ADD repairs it', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    expect((await cni({ command: 'ADD', config, netns: pod.netns })).exitCode).toBe(0);
    await addForeignDeadEnd(pod.ns, TAP, 100);
    const checked = await cni({ command: 'CHECK', config, netns: pod.netns });
    expect(checked.json).toMatchObject({ code: 103 });
    expect(checked.json.msg).toContain(
      `${TAP} has a foreign redirect to a deleted device (pref 100, black hole)`,
    );
    const report = await urunc(['inspect', '--netns', pod.netns, '--json']);
    expect(report.exitCode).toBe(3);
    expect(report.json.verdict).toBe('black-hole');
    expect((await cni({ command: 'ADD', config, netns: pod.netns })).exitCode).toBe(0);
    expect(await rules(pod.ns, TAP)).toEqual(['65280 ours eth0']);
    expect((await cni({ command: 'CHECK', config, netns: pod.netns })).exitCode).toBe(0);
  });

  test('a foreign match-all before ours: ADD warns and leaves it, CHECK fails, inspect says shadowed', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    await tcn(pod.ns, 'qdisc', 'add', 'dev', 'eth0', 'clsact');
    await addForeignMatchAll(pod.ns, 'eth0', 10);
    const added = await cni({ command: 'ADD', config, netns: pod.netns });
    expect(added.exitCode, added.stdout).toBe(0);
    const warning =
      "a foreign u32 filter at pref 10 on eth0 matches every packet before urunc-tap's redirect (pref 65280): the guest gets none of them";
    expect(added.stderr).toContain(warning);
    expect(await rules(pod.ns, 'eth0')).toEqual(['10 foreign -', `65280 ours ${TAP}`]);
    const checked = await cni({ command: 'CHECK', config, netns: pod.netns });
    expect(checked.json).toMatchObject({ code: 103 });
    expect(checked.json.msg).toContain(warning);
    const report = await urunc(['inspect', '--netns', pod.netns, '--json']);
    expect(report).toMatchObject({ exitCode: 3, json: { verdict: 'shadowed' } });
    expect(report.json.findings[0]).toMatchObject({ kind: 'shadowed', device: 'eth0' });
    expect((await cni({ command: 'DEL', config, netns: pod.netns })).exitCode).toBe(0);
    expect(await rules(pod.ns, 'eth0')).toEqual(['10 foreign -']);
    expect(await ingressQdiscs(pod.ns)).toEqual({ eth0: 'clsact' });
  });

  test('CHECK consults prevResult: the tap it lists must exist and match', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    const added = await cni({ command: 'ADD', config, netns: pod.netns });
    expect(added.exitCode).toBe(0);
    const result = added.json;
    const check = (prevResult: unknown) =>
      cni({ command: 'CHECK', config: netconf('1.0.0', { prevResult }), netns: pod.netns });
    expect((await check(result)).exitCode).toBe(0);
    const withoutTap = { ...result, interfaces: [] };
    expect((await check(withoutTap)).json.msg).toContain(
      `prevResult does not list tap ${TAP} in ${pod.netns}`,
    );
    const otherMac = {
      ...result,
      interfaces: [{ ...result.interfaces[0], mac: '02:00:00:00:00:99' }],
    };
    expect((await check(otherMac)).json.msg).toContain(
      `tap ${TAP} has mac ${result.interfaces[0].mac}, prevResult says 02:00:00:00:00:99`,
    );
  });
});

describe.skipIf(noNetns).concurrent('a killed plugin', () => {
  test('between its qdisc and its filter: the qdisc is known to be ours, and DEL removes it', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    const hang = `${4000 + Math.floor(Math.random() * 1000)}`;
    // The redirect after eth0's qdisc hangs (iproute2: the tc batch's 2nd line; netlink: the
    // 3rd change, after create-tap and the qdisc): the qdisc is there, its filter is not.
    const plugin = startCni({
      command: 'ADD',
      config,
      netns: pod.netns,
      ...injecting({
        iproute2: { tool: 'tc', call: 2, line: 2, kind: 'hang' },
        netlink: { op: 'apply', call: 1, change: 3, kind: 'hang' },
        hangSeconds: Number(hang),
      }),
    });
    expect(await waitFor(async () => (await ingressQdiscs(pod.ns)).eth0, 'ingress', 20_000)).toBe(
      'ingress',
    );
    expect(await ourRules(pod.ns, 'eth0')).toEqual([]);
    plugin.kill('SIGKILL');
    await plugin;
    // Its children die with it: no `tc` left to change the namespace after the runtime's DEL.
    expect(
      await waitFor(
        async () => (await sh('pgrep', ['-fx', `sleep ${hang}`]).catch(() => '')) === '',
        true,
      ),
    ).toBe(true);
    const deleted = await cni({ command: 'DEL', config, netns: pod.netns });
    expect(deleted.exitCode, deleted.stdout).toBe(0);
    expect(await linkNames(pod.ns)).toEqual(['eth0', 'lo']);
    expect(await ingressQdiscs(pod.ns)).toEqual({});
    expect(await podAnswersPing(pod, 4)).toBe(true);
  });
});
