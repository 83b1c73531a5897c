// DEL succeeds, and removes exactly what is ours, whatever is already gone or still running.
import { describe, expect } from 'vitest';
import { test } from '../helpers/fixtures.js';
import { ingressQdiscs, link, linkNames, ourRules } from '../helpers/observe.js';
import { podAnswersPing, type Pod } from '../helpers/netns.js';
import { cni, netconf } from '../helpers/plugin.js';
import { sh, ipn, tcn } from '../helpers/sh.js';
import { noNetns } from '../helpers/tier.js';
import { waitFor } from '../helpers/wait.js';

const TAP = 'tap0_urunc';
const config = netconf('1.0.0');

async function added(pod: Pod): Promise<Pod> {
  const added = await cni({ command: 'ADD', config, netns: pod.netns });
  expect(added.exitCode, added.stdout).toBe(0);
  return pod;
}

async function del(pod: Pod, netns = pod.netns) {
  const out = await cni({ command: 'DEL', config, netns });
  expect(out.exitCode, out.stdout + out.stderr).toBe(0);
  expect(out.stdout).toBe('');
  return out;
}

/** Nothing of ours is left: only lo and the pod interface, no ingress hook, pod reachable. */
async function expectClean(pod: Pod) {
  expect(await linkNames(pod.ns)).toEqual(['eth0', 'lo']);
  expect(await ingressQdiscs(pod.ns)).toEqual({});
  expect(await podAnswersPing(pod, 4)).toBe(true);
}

describe.skipIf(noNetns).concurrent('DEL tolerates', () => {
  test('an empty CNI_NETNS', async () => {
    const out = await cni({ command: 'DEL', config, netns: '' });
    expect(out.exitCode, out.stdout).toBe(0);
    expect(out.stdout).toBe('');
  });

  test('a namespace that is gone (path missing, or unmounted)', async ({ pod: makePod }) => {
    const pod = await added(await makePod());
    await sh('ip', ['netns', 'del', pod.ns]);
    await del(pod);
    await del(pod, '/run/netns/urunc-tap-never-existed');
    // An unmounted namespace leaves a plain file behind on some runtimes.
    const stale = `/tmp/urunc-tap-stale-${process.pid}`;
    await sh('touch', [stale]);
    await del(pod, stale);
    await sh('rm', ['-f', stale]);
  });

  test('a missing pod interface', async ({ pod: makePod }) => {
    const pod = await added(await makePod());
    await ipn(pod.ns, 'link', 'del', 'eth0');
    await del(pod);
    expect(await linkNames(pod.ns)).toEqual(['lo']);
  });

  test('a missing tap (and removes the orphaned redirect on the pod interface)', async ({
    pod: makePod,
  }) => {
    const pod = await added(await makePod());
    await ipn(pod.ns, 'link', 'del', TAP);
    expect((await ourRules(pod.ns, 'eth0'))[0]!.actions[0]!.to_dev).toBe('*');
    await del(pod);
    await expectClean(pod);
  });

  test('missing filters', async ({ pod: makePod }) => {
    const pod = await added(await makePod());
    await tcn(pod.ns, 'filter', 'del', 'dev', 'eth0', 'ingress');
    await tcn(pod.ns, 'filter', 'del', 'dev', TAP, 'ingress');
    await del(pod);
    // The qdisc we added is only known to be ours through our filter's cookie: with the filter
    // gone it stays (empty, harmless); everything else of ours is gone.
    expect(await link(pod.ns, TAP)).toBeUndefined();
    expect(await ourRules(pod.ns, 'eth0')).toEqual([]);
    expect(await podAnswersPing(pod, 4)).toBe(true);
  });

  test('missing qdiscs', async ({ pod: makePod }) => {
    const pod = await added(await makePod());
    await tcn(pod.ns, 'qdisc', 'del', 'dev', 'eth0', 'ingress');
    await tcn(pod.ns, 'qdisc', 'del', 'dev', TAP, 'ingress');
    await del(pod);
    await expectClean(pod);
  });

  test('everything missing at once, and ten DELs in a row', async ({ pod: makePod }) => {
    const pod = await added(await makePod());
    await ipn(pod.ns, 'link', 'del', TAP);
    await tcn(pod.ns, 'qdisc', 'del', 'dev', 'eth0', 'ingress');
    for (let i = 0; i < 10; i++) await del(pod);
    await expectClean(pod);
  });

  test('a VMM still holding the tap open', async ({ pod: makePod, vmm: attachVmm }) => {
    const pod = await added(await makePod());
    const vmm = await attachVmm(pod.netns, TAP);
    expect(await waitFor(async () => (await link(pod.ns, TAP))?.carrier, true)).toBe(true);
    await del(pod);
    await expectClean(pod);
    await vmm.kill();
  });

  test('a VMM killed with SIGKILL before DEL (the tap survives it)', async ({
    pod: makePod,
    vmm: attachVmm,
  }) => {
    const pod = await added(await makePod());
    const vmm = await attachVmm(pod.netns, TAP);
    await vmm.kill();
    // Carrier changes reach link flags through the kernel's linkwatch, which batches events
    // up to a second apart: poll rather than read once.
    expect(await waitFor(async () => (await link(pod.ns, TAP))?.carrier, false)).toBe(false);
    expect(await link(pod.ns, TAP)).toMatchObject({ up: true });
    expect(await ourRules(pod.ns, 'eth0')).toHaveLength(1);
    await del(pod);
    await expectClean(pod);
    await del(pod);
  });
});
