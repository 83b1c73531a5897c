// containerd's CRI driven as kubelet drives it, with a RuntimeClass per runtime: the `urunc`
// handler's own conf dir chains urunc-tap after ptp, runc's (the node-wide one) does not.
// Side by side, kill -9 of the sandbox, a dead sandbox replaced, and a containerd restart, all on
// observed state.
import { describe, expect } from 'vitest';
import { noCri } from '../helpers/cri-tier.js';
import { CRI_SLOW, criTest } from '../helpers/cri-fixtures.js';
import { TORN_DOWN, UNTOUCHED, WIRED, wiring } from '../helpers/cri-observe.js';
import { waitFor } from '../helpers/wait.js';
import { existsSync } from 'node:fs';

const SUBNET = '10.124.1.0/24';
const test = criTest({
  label: 'handlers',
  subnet: SUBNET,
  // The same network name in both dirs: one host-local pool for runc and urunc pods.
  handlers: { urunc: [{ type: 'urunc-tap' }] },
});

const inSubnet = (ip: string) => ip.startsWith('10.124.1.');

describe.skipIf(noCri)('containerd CRI with a urunc RuntimeClass handler', () => {
  test('Status: the runtime and the network (both conf dirs) are ready', async ({ node }) => {
    const version = await node.cri.version();
    expect(version.runtime_name).toBe('containerd');
    expect(version.runtime_api_version).toBe('v1');
    const conditions = await node.cri.status();
    const ready = Object.fromEntries(conditions.map((c) => [c.type, c.status]));
    expect(ready).toEqual({ RuntimeReady: true, NetworkReady: true });
  });

  test(
    'a runc pod and a urunc pod side by side: only the urunc pod is wired',
    CRI_SLOW,
    async ({ node }) => {
      const [runc, urunc] = await Promise.all([
        node.runPod({ name: 'web-runc', uid: 'uid-runc-1' }),
        node.runPod({ name: 'web-urunc', uid: 'uid-urunc-1', runtimeHandler: 'urunc' }),
      ]);
      expect([runc.state, urunc.state]).toEqual(['SANDBOX_READY', 'SANDBOX_READY']);
      expect([runc.runtimeHandler, urunc.runtimeHandler]).toEqual(['', 'urunc']);
      expect(inSubnet(runc.ip) && inSubnet(urunc.ip) && runc.ip !== urunc.ip).toBe(true);
      expect(await node.leases()).toEqual([runc.ip, urunc.ip].sort());

      expect(await wiring(urunc.ns)).toEqual(WIRED);
      expect(await wiring(runc.ns)).toEqual(UNTOUCHED);
      // The runc pod carries traffic; the urunc pod's eth0 feeds its tap, which no VMM holds.
      expect(await node.pingFromNode(runc.ip)).toBe(true);
      expect(await node.pingFromNode(urunc.ip)).toBe(false);

      const held = await Promise.all([node.holdNetns(runc), node.holdNetns(urunc)]);
      await Promise.all([node.stopAndRemove(runc.id), node.stopAndRemove(urunc.id)]);
      for (const ns of held) expect(await wiring(ns)).toEqual(TORN_DOWN);
      expect(await node.leases()).toEqual([]);
      expect(node.remainingNetns()).toEqual([]);
      expect(await node.nodeLinks()).toEqual([]);
      expect(await node.cri.listPodSandboxIds()).toEqual([]);
    },
  );

  test(
    'the sandbox process killed with kill -9, then StopPodSandbox + RemovePodSandbox',
    CRI_SLOW,
    async ({ node }) => {
      const pod = await node.runPod({
        name: 'crashy',
        uid: 'uid-crashy-1',
        runtimeHandler: 'urunc',
      });
      expect(await wiring(pod.ns)).toEqual(WIRED);
      expect(pod.pid).toBeGreaterThan(0);
      const held = await node.holdNetns(pod);

      process.kill(pod.pid, 'SIGKILL');
      const state = await waitFor(
        async () => (await node.cri.podSandboxStatus(pod.id)).state,
        'SANDBOX_NOTREADY',
        10_000,
      );
      expect(state).toBe('SANDBOX_NOTREADY');
      // containerd 1.6 leaves the network alone when the sandbox dies: only Stop tears it down.
      expect(existsSync(pod.netns)).toBe(true);
      expect(await wiring(pod.ns)).toEqual(WIRED);
      expect(await node.leases()).toEqual([pod.ip]);

      await node.cri.stopPodSandbox(pod.id);
      expect(await wiring(held)).toEqual(TORN_DOWN);
      expect(await node.leases()).toEqual([]);
      expect(existsSync(pod.netns)).toBe(false);
      // The second DEL (CNI_NETNS="", no prevResult) must succeed too, or Remove fails.
      await node.cri.removePodSandbox(pod.id);
      expect(await node.cri.listPodSandboxIds()).toEqual([]);
      expect(await node.nodeLinks()).toEqual([]);
    },
  );

  test(
    'a dead sandbox replaced as kubelet does (Stop, attempt 1, then Remove of the old one)',
    CRI_SLOW,
    async ({ node }) => {
      const pod = { name: 'phoenix', uid: 'uid-phoenix-1', runtimeHandler: 'urunc' };
      const first = await node.runPod(pod);
      process.kill(first.pid, 'SIGKILL');
      await waitFor(
        async () => (await node.cri.podSandboxStatus(first.id)).state,
        'SANDBOX_NOTREADY',
        10_000,
      );
      // kubelet kills the dead sandbox, makes the next attempt, and garbage-collects the old
      // one later: that Remove's DEL (same pod, no netns) must not touch the new sandbox.
      await node.cri.stopPodSandbox(first.id);
      const second = await node.runPod({ ...pod, attempt: 1 });
      expect(second.id).not.toBe(first.id);
      expect(second.netns).not.toBe(first.netns);
      expect(await wiring(second.ns)).toEqual(WIRED);
      await node.cri.removePodSandbox(first.id);
      expect(await wiring(second.ns)).toEqual(WIRED);
      expect(await node.leases()).toEqual([second.ip]);

      const held = await node.holdNetns(second);
      await node.stopAndRemove(second.id);
      expect(await wiring(held)).toEqual(TORN_DOWN);
      expect(await node.leases()).toEqual([]);
      expect(await node.cri.listPodSandboxIds()).toEqual([]);
    },
  );

  test(
    'containerd restarted between RunPodSandbox and StopPodSandbox: teardown still clean',
    CRI_SLOW,
    async ({ node }) => {
      const [urunc, runc] = await Promise.all([
        node.runPod({ name: 'survivor-urunc', uid: 'uid-survivor-1', runtimeHandler: 'urunc' }),
        node.runPod({ name: 'survivor-runc', uid: 'uid-survivor-2' }),
      ]);
      const shims = node.shimPids().sort();
      expect(shims).toHaveLength(2);
      const held = await node.holdNetns(urunc);
      const before = node.daemonPid;

      await node.restartDaemon();
      expect(node.daemonPid).not.toBe(before);
      // The sandboxes lived on in their shims, and containerd found them again.
      expect(node.shimPids().sort()).toEqual(shims);
      expect((await node.cri.podSandboxStatus(urunc.id)).state).toBe('SANDBOX_READY');
      expect((await node.cri.podSandboxStatus(urunc.id)).ip).toBe(urunc.ip);
      expect(await wiring(urunc.ns)).toEqual(WIRED);
      expect(await wiring(runc.ns)).toEqual(UNTOUCHED);
      expect(await node.pingFromNode(runc.ip)).toBe(true);

      await Promise.all([node.stopAndRemove(urunc.id), node.stopAndRemove(runc.id)]);
      expect(await wiring(held)).toEqual(TORN_DOWN);
      expect(await node.leases()).toEqual([]);
      expect(node.remainingNetns()).toEqual([]);
      expect(await node.nodeLinks()).toEqual([]);
      expect(await waitFor(async () => node.shimPids().length, 0, 10_000)).toBe(0);
    },
  );
});
