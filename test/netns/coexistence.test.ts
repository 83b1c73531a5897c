// ADD and DEL next to other people's tc state, with custom settings, and repairing orphans.
import { describe, expect } from 'vitest';
import { test } from '../helpers/fixtures.js';
import {
  ingressQdiscs,
  ingressRules,
  link,
  ourRules,
  redirectTargets,
} from '../helpers/observe.js';
import { podAnswersPing, snapshot } from '../helpers/netns.js';
import { cni, netconf } from '../helpers/plugin.js';
import { ipn, tcn } from '../helpers/sh.js';
import { addForeignFilter } from '../helpers/tc.js';
import { noNetns } from '../helpers/tier.js';

const TAP = 'tap0_urunc';
const config = netconf('1.0.0');

describe.skipIf(noNetns).concurrent('coexistence', () => {
  test.for(['ingress', 'clsact'])(
    'a foreign %s qdisc with a foreign filter survives ADD + DEL untouched',
    async (kind, { pod: makePod }) => {
      const pod = await makePod();
      await tcn(pod.ns, 'qdisc', 'add', 'dev', 'eth0', kind);
      await addForeignFilter(pod.ns, 'eth0', 10);
      const before = await snapshot(pod.ns);

      const added = await cni({ command: 'ADD', config, netns: pod.netns });
      expect(added.exitCode, added.stdout).toBe(0);
      expect((await ingressQdiscs(pod.ns)).eth0).toBe(kind);
      const rules = await ingressRules(pod.ns, 'eth0');
      expect(rules.map((r) => r.pref).sort()).toEqual([10, 65280]);
      expect(await redirectTargets(pod.ns, 'eth0')).toEqual([TAP]);

      const deleted = await cni({ command: 'DEL', config, netns: pod.netns });
      expect(deleted.exitCode, deleted.stdout).toBe(0);
      expect(await snapshot(pod.ns)).toEqual(before);
    },
  );

  test('DEL keeps the ingress qdisc it added while a foreign filter sits on it', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    expect((await cni({ command: 'ADD', config, netns: pod.netns })).exitCode).toBe(0);
    await addForeignFilter(pod.ns, 'eth0', 10);
    expect((await cni({ command: 'DEL', config, netns: pod.netns })).exitCode).toBe(0);
    expect(await ingressQdiscs(pod.ns)).toEqual({ eth0: 'ingress' });
    expect((await ingressRules(pod.ns, 'eth0')).map((r) => r.pref)).toEqual([10]);
    expect(await ourRules(pod.ns, 'eth0')).toEqual([]);
  });

  test('ADD repairs an orphaned redirect left by a deleted tap', async ({ pod: makePod }) => {
    const pod = await makePod();
    expect((await cni({ command: 'ADD', config, netns: pod.netns })).exitCode).toBe(0);
    await ipn(pod.ns, 'link', 'del', TAP);
    expect(await redirectTargets(pod.ns, 'eth0')).toEqual(['*']);

    const check = await cni({ command: 'CHECK', config, netns: pod.netns });
    expect(check.json).toMatchObject({ code: 103 });
    expect(check.json.msg).toContain(`tap ${TAP} is missing`);

    const repaired = await cni({ command: 'ADD', config, netns: pod.netns });
    expect(repaired.exitCode, repaired.stdout).toBe(0);
    expect(await redirectTargets(pod.ns, 'eth0')).toEqual([TAP]);
    expect(await redirectTargets(pod.ns, TAP)).toEqual(['eth0']);
    expect((await cni({ command: 'CHECK', config, netns: pod.netns })).exitCode).toBe(0);
  });

  test('custom tapName, owner and group', async ({ pod: makePod }) => {
    const pod = await makePod();
    // uid/gid without a passwd entry, so iproute2 prints them as numbers.
    const custom = netconf('1.1.0', { tapName: 'vm-tap.1', owner: 4242, group: 4343 });
    const added = await cni({ command: 'ADD', config: custom, netns: pod.netns });
    expect(added.exitCode, added.stdout).toBe(0);
    expect(added.json.interfaces[0].name).toBe('vm-tap.1');
    const tap = await link(pod.ns, 'vm-tap.1');
    expect(tap!.tun).toMatchObject({ user: 4242, group: 4343, type: 'tap' });
    expect(await link(pod.ns, TAP)).toBeUndefined();
    expect(await redirectTargets(pod.ns, 'eth0')).toEqual(['vm-tap.1']);
    expect((await cni({ command: 'DEL', config: custom, netns: pod.netns })).exitCode).toBe(0);
    expect(await link(pod.ns, 'vm-tap.1')).toBeUndefined();
  });

  test('multiQueue and vnetHdr are honoured', async ({ pod: makePod }) => {
    const pod = await makePod();
    const custom = netconf('1.0.0', { multiQueue: true, vnetHdr: false });
    expect((await cni({ command: 'ADD', config: custom, netns: pod.netns })).exitCode).toBe(0);
    expect((await link(pod.ns, TAP))!.tun).toMatchObject({ multi_queue: true, vnet_hdr: false });
  });

  test('MTU 9000 of the pod interface is copied; config mtu overrides it', async ({
    pod: makePod,
  }) => {
    const pod = await makePod({ mtu: 9000 });
    const added = await cni({ command: 'ADD', config: netconf('1.1.0'), netns: pod.netns });
    expect(added.exitCode, added.stdout).toBe(0);
    expect((await link(pod.ns, TAP))!.mtu).toBe(9000);
    expect(added.json.interfaces[0].mtu).toBe(9000);

    const other = await makePod({ mtu: 9000 });
    const overridden = await cni({
      command: 'ADD',
      config: netconf('1.1.0', { mtu: 1400 }),
      netns: other.netns,
    });
    expect(overridden.exitCode).toBe(0);
    expect((await link(other.ns, TAP))!.mtu).toBe(1400);
  });

  test('a device with the tap name that is not ours makes ADD fail and is left alone', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    await ipn(pod.ns, 'tuntap', 'add', 'dev', TAP, 'mode', 'tap');
    const before = await snapshot(pod.ns);
    const added = await cni({ command: 'ADD', config, netns: pod.netns });
    expect(added.exitCode).toBe(1);
    expect(added.json).toMatchObject({ code: 102 });
    expect(added.json.msg).toContain('not created by urunc-tap');
    expect(await snapshot(pod.ns)).toEqual(before);
    // DEL leaves a tap that is not ours in place too.
    expect((await cni({ command: 'DEL', config, netns: pod.netns })).exitCode).toBe(0);
    expect(await snapshot(pod.ns)).toEqual(before);
    expect(await podAnswersPing(pod, 4)).toBe(true);
  });

  test("another container's DEL leaves this attachment's wiring alone", async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    expect(
      (await cni({ command: 'ADD', config, netns: pod.netns, containerId: 'ctr-a' })).exitCode,
    ).toBe(0);
    const wiredState = await snapshot(pod.ns);
    const del = await cni({ command: 'DEL', config, netns: pod.netns, containerId: 'ctr-b' });
    expect(del.exitCode).toBe(0);
    expect(await snapshot(pod.ns)).toEqual(wiredState);
    expect(
      (await cni({ command: 'CHECK', config, netns: pod.netns, containerId: 'ctr-a' })).exitCode,
    ).toBe(0);
  });
});
