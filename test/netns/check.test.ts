// CHECK names what of ours is missing or wrong, and passes on a healthy wiring.
import { describe, expect } from 'vitest';
import { test } from '../helpers/fixtures.js';
import type { Pod } from '../helpers/netns.js';
import { ourRules } from '../helpers/observe.js';
import { cni, netconf } from '../helpers/plugin.js';
import { ipn, tcn } from '../helpers/sh.js';
import { matchAll } from '../helpers/tc.js';
import { noNetns } from '../helpers/tier.js';

const TAP = 'tap0_urunc';

/** Replaces the plugin's redirect on `dev` by one with its cookie that points at `target`. */
async function redirectElsewhere(pod: Pod, dev: string, target: string): Promise<void> {
  const cookie = (await ourRules(pod.ns, dev))[0]!.actions[0]!.cookie!;
  await tcn(pod.ns, 'filter', 'del', 'dev', dev, 'ingress');
  const action = ['action', 'mirred', 'egress', 'redirect', 'dev', target, 'cookie', cookie];
  await tcn(pod.ns, ...matchAll(dev, 65280), ...action);
}
const config = netconf('1.0.0');

/** Breaks a freshly wired pod in one way, then expects CHECK to name it. */
const BREAKAGES: Array<[string, (pod: Pod) => Promise<unknown>, string]> = [
  ['tap missing', (pod) => ipn(pod.ns, 'link', 'del', TAP), `tap ${TAP} is missing`],
  ['tap down', (pod) => ipn(pod.ns, 'link', 'set', TAP, 'down'), `tap ${TAP} is down`],
  [
    'pod filter missing',
    (pod) => tcn(pod.ns, 'filter', 'del', 'dev', 'eth0', 'ingress'),
    'eth0 has no urunc-tap redirect',
  ],
  [
    'tap filter missing',
    (pod) => tcn(pod.ns, 'filter', 'del', 'dev', TAP, 'ingress'),
    `${TAP} has no urunc-tap redirect`,
  ],
  [
    'pod qdisc missing',
    (pod) => tcn(pod.ns, 'qdisc', 'del', 'dev', 'eth0', 'ingress'),
    'eth0 has no ingress qdisc',
  ],
  [
    'redirect to the wrong device',
    async (pod) => {
      await ipn(pod.ns, 'link', 'add', 'decoy', 'type', 'veth', 'peer', 'name', 'decoy-peer');
      await redirectElsewhere(pod, 'eth0', 'decoy');
    },
    `the redirect on eth0 points at decoy instead of ${TAP}`,
  ],
  [
    'redirect to a deleted device',
    async (pod) => {
      await ipn(pod.ns, 'link', 'add', 'gone', 'type', 'veth', 'peer', 'name', 'gone-peer');
      await redirectElsewhere(pod, TAP, 'gone');
      await ipn(pod.ns, 'link', 'del', 'gone');
    },
    `the redirect on ${TAP} points at a deleted device (black hole) instead of eth0`,
  ],
];

describe.skipIf(noNetns).concurrent('CHECK', () => {
  test.for(BREAKAGES)('reports: %s', async ([, breakIt, problem], { pod: makePod }) => {
    const pod = await makePod();
    expect((await cni({ command: 'ADD', config, netns: pod.netns })).exitCode).toBe(0);
    expect((await cni({ command: 'CHECK', config, netns: pod.netns })).exitCode).toBe(0);
    await breakIt(pod);
    const out = await cni({ command: 'CHECK', config, netns: pod.netns });
    expect(out.exitCode).toBe(1);
    expect(out.json).toMatchObject({ cniVersion: '1.0.0', code: 103 });
    expect(out.json.msg).toContain(problem);
    // ADD converges back to a healthy wiring.
    expect((await cni({ command: 'ADD', config, netns: pod.netns })).exitCode).toBe(0);
    expect((await cni({ command: 'CHECK', config, netns: pod.netns })).stdout).toBe('');
  });

  test('a namespace that does not exist is an environment error', async () => {
    const out = await cni({ command: 'CHECK', config, netns: '/run/netns/urunc-tap-missing' });
    expect(out.json).toMatchObject({ code: 4 });
    expect(out.json.msg).toContain('does not exist');
  });
});
