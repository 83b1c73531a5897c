// GC (CNI 1.1) on real namespaces: only this network's attachments that the runtime no longer
// lists go, exactly as DEL would remove them; everything else on the host stays as it was.
import { randomBytes } from 'node:crypto';
import { describe, expect } from 'vitest';
import { test as base } from '../helpers/fixtures.js';
import { podAnswersPing, snapshot, type Pod } from '../helpers/netns.js';
import { ingressQdiscs, link, linkNames, ourRules } from '../helpers/observe.js';
import { urunc } from '../helpers/operator.js';
import { cni, netconf } from '../helpers/plugin.js';
import { ipIn, startProcessNetns, type ProcessNetns } from '../helpers/process-netns.js';
import { ipn, sh } from '../helpers/sh.js';
import { noNetns } from '../helpers/tier.js';

/** The pod fixture, plus namespaces held only by a process (killed after the test). */
const test = base.extend<{ processNetns: () => Promise<ProcessNetns> }>({
  processNetns: async ({}, use) => {
    const holders: ProcessNetns[] = [];
    await use(async () => {
      const holder = await startProcessNetns();
      holders.push(holder);
      return holder;
    });
    for (const holder of holders) await holder.kill();
  },
});

/** A network name no other test uses: GC searches the whole host. */
const network = () => `gc-${randomBytes(4).toString('hex')}`;

async function add(netns: string, name: string, containerId: string, extra = {}) {
  const out = await cni({
    command: 'ADD',
    config: netconf('1.1.0', { name, ...extra }),
    netns,
    containerId,
  });
  expect(out.exitCode, out.stdout + out.stderr).toBe(0);
}

async function gc(
  name: string,
  valid?: Array<{ containerID: string; ifname: string }>,
  extra = {},
) {
  const config = netconf('1.1.0', {
    name,
    ...extra,
    ...(valid ? { 'cni.dev/valid-attachments': valid } : {}),
  });
  // STATUS and GC carry no container: the spec passes only CNI_COMMAND and CNI_PATH.
  const none = { CNI_CONTAINERID: undefined, CNI_NETNS: undefined, CNI_IFNAME: undefined };
  return cni({ command: 'GC', config, env: none });
}

/** Nothing of ours left: the pod interface alone, no hook, and it carries traffic again. */
async function expectClean(pod: Pod) {
  expect(await linkNames(pod.ns)).toEqual(['eth0', 'lo']);
  expect(await ingressQdiscs(pod.ns)).toEqual({});
  expect(await podAnswersPing(pod, 4)).toBe(true);
}

// One at a time, with room: each GC reads every namespace of the host, and the rest of the
// suite may have hundreds of them at that moment.
describe.skipIf(noNetns)('GC', { timeout: 240_000 }, () => {
  test('removes the stale attachment and leaves the valid one, other networks and foreign taps', async ({
    pod: makePod,
  }) => {
    const [net, otherNet] = [network(), network()];
    const [valid, stale, other, foreign] = await Promise.all([1, 2, 3, 4].map(() => makePod()));
    await add(valid!.netns, net, 'ctr-valid');
    await add(stale!.netns, net, 'ctr-stale');
    await add(other!.netns, otherNet, 'ctr-stale');
    // Devices GC must not take for ours: a tap without our alias, one with an alias that only
    // looks like ours, and a non-tap device carrying our network's alias.
    await ipn(foreign!.ns, 'tuntap', 'add', 'dev', 'tapF', 'mode', 'tap');
    await ipn(foreign!.ns, 'tuntap', 'add', 'dev', 'tapG', 'mode', 'tap');
    await ipn(foreign!.ns, 'link', 'set', 'tapG', 'alias', `urunc-tap:${net}:eth0`);
    await ipn(foreign!.ns, 'link', 'add', 'vethH', 'type', 'veth', 'peer', 'name', 'vethI');
    await ipn(foreign!.ns, 'link', 'set', 'vethH', 'alias', `urunc-tap:${net}:eth0:ctr-x`);
    const before = await Promise.all([valid, other, foreign].map((pod) => snapshot(pod!.ns)));

    const out = await gc(net, [{ containerID: 'ctr-valid', ifname: 'eth0' }]);
    expect(out.exitCode, out.stdout + out.stderr).toBe(0);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain(
      `ctr-stale/eth0 in ${stale!.netns}: stale attachment (tap tap0_urunc)`,
    );
    await expectClean(stale!);
    expect(await Promise.all([valid, other, foreign].map((pod) => snapshot(pod!.ns)))).toEqual(
      before,
    );
    expect(await ourRules(valid!.ns, 'eth0')).toHaveLength(1);

    // Nothing stale is left: a second GC changes nothing.
    const again = await gc(net, [{ containerID: 'ctr-valid', ifname: 'eth0' }]);
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.stderr).toContain('removed 0 of 0 stale attachments');
    expect(await Promise.all([valid, other, foreign].map((pod) => snapshot(pod!.ns)))).toEqual(
      before,
    );
  });

  test('reads a missing cni.dev/valid-attachments as an empty list: all of the network goes', async ({
    pod: makePod,
  }) => {
    const net = network();
    const pods = await Promise.all([makePod(), makePod()]);
    await add(pods[0]!.netns, net, 'ctr-a');
    await add(pods[1]!.netns, net, 'ctr-b');
    const out = await gc(net);
    expect(out.exitCode, out.stdout + out.stderr).toBe(0);
    for (const pod of pods) await expectClean(pod);
  });

  test('tells attachments apart by interface: same container, one valid ifname, one stale', async ({
    pod: makePod,
  }) => {
    const net = network();
    const pod = await makePod();
    await ipn(pod.ns, 'link', 'add', 'net1', 'type', 'veth', 'peer', 'name', 'net1peer');
    await ipn(pod.ns, 'link', 'set', 'net1', 'up');
    await add(pod.netns, net, 'ctr-1');
    const second = await cni({
      command: 'ADD',
      config: netconf('1.1.0', { name: net, tapName: 'tap1' }),
      netns: pod.netns,
      containerId: 'ctr-1',
      ifname: 'net1',
    });
    expect(second.exitCode, second.stdout).toBe(0);
    const out = await gc(net, [{ containerID: 'ctr-1', ifname: 'eth0' }]);
    expect(out.exitCode, out.stdout + out.stderr).toBe(0);
    expect(await link(pod.ns, 'tap1')).toBeUndefined();
    expect(await ourRules(pod.ns, 'net1')).toEqual([]);
    expect(await link(pod.ns, 'tap0_urunc')).toBeDefined();
    expect(await ourRules(pod.ns, 'eth0')).toHaveLength(1);
  });

  test('finds taps in namespaces that only a process holds (no name in /run/netns)', async ({
    processNetns,
  }) => {
    const net = network();
    const holder = await processNetns();
    await add(holder.netns, net, 'ctr-proc');
    expect(await ipIn(holder, 'link', 'show', 'tap0_urunc')).toContain('tap0_urunc');
    const out = await gc(net, []);
    expect(out.exitCode, out.stdout + out.stderr).toBe(0);
    expect(out.stderr).toContain(`ctr-proc/eth0 in ${holder.netns}: stale attachment`);
    expect(await ipIn(holder, '-o', 'link', 'show')).not.toContain('tap0_urunc');
    const qdiscs = await sh('nsenter', [
      `--net=${holder.netns}`,
      '--',
      'tc',
      'qdisc',
      'show',
      'ingress',
    ]);
    expect(qdiscs).toBe('');
  });

  test('keeps a tap whose alias is a digest (network unreadable), which cleanup then removes', async ({
    pod: makePod,
  }) => {
    // Network + interface + container ID longer than an alias can hold: the alias is a digest.
    const net = `${network()}-${'x'.repeat(230)}`;
    const pod = await makePod();
    await add(pod.netns, net, 'ctr-long');
    const alias = (await link(pod.ns, 'tap0_urunc'))!.alias!;
    expect(alias).toMatch(/^urunc-tap:sha256:[0-9a-f]{64}$/);
    const before = await snapshot(pod.ns);

    const kept = await gc(net, [{ containerID: 'ctr-long', ifname: 'eth0' }]);
    expect(kept.exitCode, kept.stdout).toBe(0);
    expect(kept.stderr).not.toContain(pod.netns);
    const unknown = await gc(net, []);
    expect(unknown.exitCode, unknown.stdout).toBe(0);
    expect(unknown.stderr).toContain(
      `kept tap tap0_urunc in ${pod.netns}: its alias is a digest, so its network is unknown`,
    );
    expect(await snapshot(pod.ns)).toEqual(before);

    const cleaned = await urunc(['cleanup', '--netns', pod.netns, '--tap', 'tap0_urunc']);
    expect(cleaned.exitCode, cleaned.stderr).toBe(0);
    await expectClean(pod);
  });
});
