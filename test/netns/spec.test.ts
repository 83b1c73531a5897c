// Points of the CNI spec the verbs must keep, on real namespaces: CNI_CONTAINERID is required
// by ADD and CHECK, a result converted to an older version carries none of the newer
// version's fields, the config is read whole even from a stdin left non-blocking, and a
// closed stdout or stderr is an I/O failure of the answer or nothing, never a crash.
import { describe, expect } from 'vitest';
import { test } from '../helpers/fixtures.js';
import { snapshot, type Pod } from '../helpers/netns.js';
import { linkNames } from '../helpers/observe.js';
import { closedStream, cni, netconf, NONBLOCKING_STDIN, ptpLikeResult } from '../helpers/plugin.js';
import { noNetns } from '../helpers/tier.js';

/** ADD of a pod interface like ptp's in `pod`, the plugin run through `via`. */
function addThrough(pod: Pod, via: readonly string[]) {
  const config = netconf('1.0.0', { prevResult: ptpLikeResult('1.0.0', pod.netns) });
  return cni({ command: 'ADD', config, netns: pod.netns, via: [...via] });
}

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

  // A stdin read whole although its first read(2) says EAGAIN; a stderr that is only the log.
  test.for([
    ['a stdin left non-blocking, whose first read says EAGAIN', NONBLOCKING_STDIN],
    ['a closed stderr', closedStream('stderr')],
  ] as const)(
    'ADD wires the pod and answers, exit 0, with %s',
    async ([, via], { pod: makePod }) => {
      const pod = await makePod();
      const added = await addThrough(pod, via);
      expect(added.exitCode, added.stdout + added.stderr).toBe(0);
      expect(added.json.interfaces.map((i: { name: string }) => i.name)).toContain('tap0_urunc');
      expect(await linkNames(pod.ns)).toContain('tap0_urunc');
    },
  );

  test('a closed stdout fails ADD with one log line that says so, after what was done', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    const added = await addThrough(pod, closedStream('stdout'));
    expect(added.exitCode).toBe(1);
    // The log still tells what ADD did: the runtime, without a result, will send DEL.
    expect(added.stderr).toMatch(
      /ADD .*: created tap tap0_urunc \(mtu 1500, mac [0-9a-f:]{17}\)\n/,
    );
    expect(added.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /: failed \(code 5\) after \d+ ms: could not write the answer to stdout: .*EPIPE/,
    );
    expect(added.stderr).not.toMatch(/bug|\n\s+at /);
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
