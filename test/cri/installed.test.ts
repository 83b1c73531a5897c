// The node as the DaemonSet leaves it, driven through containerd's CRI: the installer image (run
// once as deploy/kubernetes/daemonset.yaml runs it) copied the shipped executable into the CNI
// bin dir and derived the urunc handler's conflist from the node-wide one; containerd then
// wires urunc pods with it and leaves runc pods alone.
import { readFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { CRI_SLOW, criTest } from '../helpers/cri-fixtures.js';
import { TORN_DOWN, UNTOUCHED, WIRED, wiring } from '../helpers/cri-observe.js';
import { noCri } from '../helpers/cri-tier.js';
import { hostDirs } from '../helpers/installer-image.js';
import { EXECUTABLE } from '../helpers/plugin.js';

const SUBNET = '10.124.5.0/24';
const test = criTest({ label: 'installed', subnet: SUBNET, installedHandler: 'urunc' });

describe.skipIf(noCri)('containerd CRI on a node the installer image set up', () => {
  test(
    'the shipped executable and the derived conflist serve urunc pods only',
    CRI_SLOW,
    async ({ node }) => {
      const host = hostDirs(`${node.dir}/host`);
      // What the installer left: the executable itself, and the node's conflist + urunc-tap.
      expect(readFileSync(`${host.cniBinDir}/urunc-tap`).equals(readFileSync(EXECUTABLE))).toBe(
        true,
      );
      const primary = JSON.parse(
        readFileSync(`${host.primaryConfDir}/10-urunc-cri.conflist`, 'utf8'),
      );
      const derived = JSON.parse(readFileSync(host.conflist, 'utf8'));
      expect(derived.name).toBe(primary.name);
      expect(derived.plugins).toEqual([...primary.plugins, { type: 'urunc-tap' }]);

      const [runc, urunc] = await Promise.all([
        node.runPod({ name: 'installed-runc', uid: 'uid-installed-runc' }),
        node.runPod({
          name: 'installed-urunc',
          uid: 'uid-installed-urunc',
          runtimeHandler: 'urunc',
        }),
      ]);
      expect(await wiring(urunc.ns)).toEqual(WIRED);
      expect(await wiring(runc.ns)).toEqual(UNTOUCHED);
      // One IPAM pool for both (the same network name): two leases of one subnet.
      expect(await node.leases()).toEqual([runc.ip, urunc.ip].sort());
      expect(await node.pingFromNode(runc.ip)).toBe(true);

      const held = await Promise.all([node.holdNetns(runc), node.holdNetns(urunc)]);
      await Promise.all([node.stopAndRemove(runc.id), node.stopAndRemove(urunc.id)]);
      for (const ns of held) expect(await wiring(ns)).toEqual(TORN_DOWN);
      expect(await node.leases()).toEqual([]);
      expect(node.remainingNetns()).toEqual([]);
    },
  );
});
