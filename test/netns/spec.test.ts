// Points of the CNI spec the verbs must keep, on real namespaces: CNI_CONTAINERID is required
// by ADD and CHECK, a result converted to an older version carries none of the newer
// version's fields, and the config is read whole even from a stdin left non-blocking.
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { test } from '../helpers/fixtures.js';
import { snapshot } from '../helpers/netns.js';
import { linkNames } from '../helpers/observe.js';
import { cni, netconf, ptpLikeResult } from '../helpers/plugin.js';
import { noNetns } from '../helpers/tier.js';

/** Runs the plugin with a non-blocking stdin that gets the config only after a pause. */
const NONBLOCKING_STDIN = [
  'python3',
  fileURLToPath(new URL('../helpers/nonblocking-stdin.py', import.meta.url)),
];

describe.skipIf(noNetns).concurrent('CNI spec', () => {
  test.for(['ADD', 'CHECK'])(
    'an empty CNI_CONTAINERID is refused by %s with code 4, and nothing changes',
    async (command, { pod: makePod }) => {
      const pod = await makePod();
      const before = await snapshot(pod.ns);
      const out = await cni({
        command,
        config: netconf('1.0.0'),
        netns: pod.netns,
        env: { CNI_CONTAINERID: '' },
      });
      expect(out.exitCode).toBe(1);
      expect(out.json).toMatchObject({ code: 4, msg: 'CNI_CONTAINERID is not set' });
      expect(await snapshot(pod.ns)).toEqual(before);
    },
  );

  test('ADD reads its config from a stdin left non-blocking, whose first read says EAGAIN', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    const config = netconf('1.0.0', { prevResult: ptpLikeResult('1.0.0', pod.netns) });
    const added = await cni({ command: 'ADD', config, netns: pod.netns, via: NONBLOCKING_STDIN });
    expect(added.exitCode, added.stdout + added.stderr).toBe(0);
    expect(added.json.interfaces.map((i: { name: string }) => i.name)).toContain('tap0_urunc');
    expect(await linkNames(pod.ns)).toContain('tap0_urunc');
  });

  test.for(['0.3.0', '0.3.1', '0.4.0', '1.0.0'])(
    'a result in %s drops the route and interface fields of 1.1',
    async (version, { pod: makePod }) => {
      const pod = await makePod();
      // An earlier plugin of the chain spoke 1.1 (route mtu, advmss, priority, table, scope).
      const prevResult = {
        cniVersion: '1.1.0',
        interfaces: [{ name: 'eth0', sandbox: pod.netns, mtu: 1500, socketPath: '/x.sock' }],
        ips: [{ address: '10.123.0.2/24', interface: 0 }],
        routes: [
          {
            dst: '0.0.0.0/0',
            gw: '10.123.0.1',
            mtu: 1400,
            advmss: 1360,
            priority: 5,
            table: 100,
            scope: 0,
          },
        ],
      };
      const out = await cni({
        command: 'ADD',
        config: netconf(version, { prevResult }),
        netns: pod.netns,
      });
      expect(out.exitCode, out.stdout).toBe(0);
      expect(out.json.cniVersion).toBe(version);
      expect(out.json.routes).toEqual([{ dst: '0.0.0.0/0', gw: '10.123.0.1' }]);
      expect(out.json.interfaces[0]).toEqual({ name: 'eth0', sandbox: pod.netns });
      expect(out.json.interfaces[1]).not.toHaveProperty('mtu');
      const legacy = version.startsWith('0.');
      expect(out.json.ips).toEqual([
        { address: '10.123.0.2/24', interface: 0, ...(legacy ? { version: '4' } : {}) },
      ]);
    },
  );

  test('a result in 1.1.0 keeps them', async ({ pod: makePod }) => {
    const pod = await makePod();
    const route = { dst: '0.0.0.0/0', gw: '10.123.0.1', mtu: 1400, table: 100, scope: 0 };
    const prevResult = {
      cniVersion: '1.1.0',
      interfaces: [{ name: 'eth0', sandbox: pod.netns }],
      routes: [route],
    };
    const out = await cni({
      command: 'ADD',
      config: netconf('1.1.0', { prevResult }),
      netns: pod.netns,
    });
    expect(out.json.routes).toEqual([route]);
    expect(out.json.interfaces[1]).toMatchObject({ name: 'tap0_urunc', mtu: 1500 });
  });
});
