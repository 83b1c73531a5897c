// A failing step of ADD leaves the namespace exactly as it was: never a half-wired pod.
import { afterAll, describe, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { faultFile, injecting, NATIVE, type Fault, type NativeFault } from '../helpers/faults.js';
import { link } from '../helpers/observe.js';
import { test } from '../helpers/fixtures.js';
import { snapshot } from '../helpers/netns.js';
import { cni, netconf } from '../helpers/plugin.js';
import { tcn } from '../helpers/sh.js';
import { addForeignFilter } from '../helpers/tc.js';
import { noNetns } from '../helpers/tier.js';

const config = netconf('1.0.0');

// Every point where a fresh pod's ADD can fail, for the backend under test, with what the
// error must name. iproute2 runs: ip (read links), tc (read hooks), ip -batch (tap: 1 create,
// 2 configure), tc -batch (1 qdisc eth0, 2 redirect eth0, 3 qdisc tap, 4 redirect tap). Netlink
// reads once, then applies create-tap, qdisc eth0, redirect eth0, qdisc tap, redirect tap.
const FRESH_POD_FAULTS: Array<[string, Fault | NativeFault, string]> = NATIVE
  ? [
      ['read', { op: 'read', call: 1 }, 'RTM_GETLINK dump'],
      ...(
        [
          'ip tuntap add dev tap0_urunc',
          'tc qdisc add dev eth0 handle ffff: stab mpu',
          'tc filter add dev eth0 ingress',
          'tc qdisc add dev tap0_urunc handle ffff: stab mpu',
          'tc filter add dev tap0_urunc ingress',
        ] as const
      ).map((operation, i): [string, NativeFault, string] => [
        `change ${i + 1}`,
        { op: 'apply', call: 1, change: i + 1 },
        operation,
      ]),
    ]
  : [
      ['ip call 1', { tool: 'ip', call: 1 }, 'ip -json -details link show'],
      ['tc call 1', { tool: 'tc', call: 1 }, 'tc -json -details -batch -'],
      ['ip call 2 line 1', { tool: 'ip', call: 2, line: 1 }, 'ip tuntap add dev utap-'],
      ['ip call 2 line 2', { tool: 'ip', call: 2, line: 2 }, 'name tap0_urunc mtu'],
      [
        'tc call 2 line 1',
        { tool: 'tc', call: 2, line: 1 },
        'tc qdisc add dev eth0 handle ffff: stab mpu',
      ],
      ['tc call 2 line 2', { tool: 'tc', call: 2, line: 2 }, 'tc filter add dev eth0 ingress'],
      [
        'tc call 2 line 3',
        { tool: 'tc', call: 2, line: 3 },
        'tc qdisc add dev tap0_urunc handle ffff: stab mpu',
      ],
      [
        'tc call 2 line 4',
        { tool: 'tc', call: 2, line: 4 },
        'tc filter add dev tap0_urunc ingress',
      ],
    ];

/** The fault of the table for the backend under test (the other backend's is never used). */
const either = (fault: Fault | NativeFault) =>
  NATIVE
    ? { netlink: fault as NativeFault, iproute2: { tool: 'ip', call: 0 } as Fault }
    : { iproute2: fault as Fault, netlink: { op: 'read', call: 0 } as NativeFault };

const tally = { injected: 0, restored: 0 };

describe.skipIf(noNetns).concurrent('rollback', () => {
  afterAll(() => {
    console.log(
      `faults: ${tally.injected} injected into ADD (${NATIVE ? 'every netlink read and change' : 'every ip/tc call and batch line'}), namespace restored exactly after ${tally.restored}`,
    );
  });

  test.for(FRESH_POD_FAULTS)('fault at %s: %s', async ([, fault, command], { pod: makePod }) => {
    const pod = await makePod();
    const before = await snapshot(pod.ns);
    tally.injected++;
    const out = await cni({
      command: 'ADD',
      config,
      netns: pod.netns,
      ...injecting(either(fault)),
    });
    expect(out.exitCode).toBe(1);
    expect(out.json).toMatchObject({ cniVersion: '1.0.0', code: 100 });
    expect(out.json.msg).toContain(command);
    expect(out.json.msg).toContain(pod.netns);
    expect(out.json.msg).toContain('injected fault');
    expect(await snapshot(pod.ns)).toEqual(before);
    tally.restored++;
    // And the pod can still be wired afterwards.
    expect((await cni({ command: 'ADD', config, netns: pod.netns })).exitCode).toBe(0);
  });

  test('a fault next to a foreign clsact qdisc removes only what ADD added', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    await tcn(pod.ns, 'qdisc', 'add', 'dev', 'eth0', 'clsact');
    await addForeignFilter(pod.ns, 'eth0', 7);
    const before = await snapshot(pod.ns);
    // tc -batch: 1 redirect eth0, 2 qdisc tap, 3 redirect tap (fails); netlink: its 4th change.
    const out = await cni({
      command: 'ADD',
      config,
      netns: pod.netns,
      ...injecting({
        iproute2: { tool: 'tc', call: 2, line: 3 },
        netlink: { op: 'apply', call: 1, change: 4 },
      }),
    });
    expect(out.json).toMatchObject({ code: 100 });
    expect(await snapshot(pod.ns)).toEqual(before);
  });

  test("a tap a VMM made by TUNSETIFF between ADD's read and its write is not rolled back", async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    const pidFile = faultFile('vmm');
    // The ip batch that creates the tap meets a tap the VMM has just made: creation fails, the
    // re-read finds a tap that is not ours (code 102), and the rollback must leave it alone.
    const out = await cni({
      command: 'ADD',
      config,
      netns: pod.netns,
      ...injecting({
        iproute2: { tool: 'ip', call: 2, kind: 'vmm-race' },
        netlink: { op: 'apply', call: 1, change: 1, kind: 'vmm-race' },
        vmm: { tap: 'tap0_urunc', pidFile },
      }),
    });
    const vmm = Number(readFileSync(pidFile, 'utf8'));
    try {
      expect(out.json, out.stderr).toMatchObject({ code: 102 });
      const tap = await link(pod.ns, 'tap0_urunc');
      expect(tap, "the VMM's tap was deleted").toBeDefined();
      expect(tap!.tun).toMatchObject({ type: 'tap', persist: false });
      expect(tap!.alias).toBeUndefined();
      expect(out.stderr).not.toContain('rollback: deleted tap0_urunc');
    } finally {
      process.kill(vmm, 'SIGKILL');
    }
  });
});
