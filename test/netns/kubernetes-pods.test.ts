// On a Kubernetes node: which pods get a tap (config podAnnotation, read from the pod
// annotations the runtime passes as runtimeConfig), and the results of the interface plugins
// urunc-tap is chained after (Calico, Cilium, flannel, the reference plugins).
import { describe, expect } from 'vitest';
import { test } from '../helpers/fixtures.js';
import { snapshot, type Pod } from '../helpers/netns.js';
import { ingressQdiscs, link, redirectTargets } from '../helpers/observe.js';
import { cni, netconf, ptpLikeResult } from '../helpers/plugin.js';
import { noNetns } from '../helpers/tier.js';

const TAP = 'tap0_urunc';
const CAPABILITY = 'io.kubernetes.cri.pod-annotations';
const gated = (runtimeConfig?: unknown, extra: Record<string, unknown> = {}) =>
  netconf('1.0.0', {
    podAnnotation: 'urunc.io/tap',
    ...(runtimeConfig === undefined ? {} : { runtimeConfig }),
    ...extra,
  });
const annotated = (annotations: unknown) => ({ [CAPABILITY]: annotations });

describe.skipIf(noNetns).concurrent('podAnnotation', () => {
  test('wires a pod annotated "true", and DEL removes it whatever the annotations say later', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    const config = gated(annotated({ 'urunc.io/tap': 'true', other: 'x' }));
    const added = await cni({ command: 'ADD', config, netns: pod.netns });
    expect(added.exitCode, added.stdout).toBe(0);
    expect(added.json.interfaces.map((i: any) => i.name)).toEqual([TAP]);
    expect(await redirectTargets(pod.ns, 'eth0')).toEqual([TAP]);
    const checked = await cni({
      command: 'CHECK',
      config: { ...config, prevResult: added.json },
      netns: pod.netns,
    });
    expect(checked.exitCode, checked.stdout).toBe(0);
    const deleted = await cni({
      command: 'DEL',
      config: gated(annotated({ 'urunc.io/tap': 'false' })),
      netns: pod.netns,
    });
    expect(deleted.exitCode).toBe(0);
    expect(await link(pod.ns, TAP)).toBeUndefined();
    expect(await ingressQdiscs(pod.ns)).toEqual({});
  });

  test.for([
    ['annotated "false"', annotated({ 'urunc.io/tap': 'false' }), undefined],
    ['without the annotation', annotated({ 'io.kubernetes.pod.name': 'web' }), undefined],
    [
      'with no annotations passed by the runtime',
      undefined,
      `add "capabilities": {"${CAPABILITY}": true} to urunc-tap's entry of the conflist`,
    ],
    ['with annotations that are not an object', annotated('urunc.io/tap=true'), 'is not an object'],
    [
      'with an annotation that is not a string',
      annotated({ 'urunc.io/tap': true }),
      'not a string',
    ],
    ['with runtimeConfig that is not an object', 'oops', `add "capabilities"`],
  ] as const)(
    'leaves a pod %s alone: prevResult back unchanged, nothing in the namespace touched',
    async ([, runtimeConfig, warning], { pod: makePod }) => {
      const pod = await makePod();
      const before = await snapshot(pod.ns);
      const prevResult = ptpLikeResult('1.0.0', pod.netns);
      const config = gated(runtimeConfig, { prevResult });
      const added = await cni({ command: 'ADD', config, netns: pod.netns });
      expect(added.exitCode, added.stdout).toBe(0);
      expect(added.json).toEqual(prevResult);
      expect(await snapshot(pod.ns)).toEqual(before);
      expect(added.stderr).toContain('left alone:');
      if (warning) expect(added.stderr).toContain(warning);
      const checked = await cni({ command: 'CHECK', config, netns: pod.netns });
      expect(checked.exitCode, checked.stdout).toBe(0);
      expect((await cni({ command: 'DEL', config, netns: pod.netns })).exitCode).toBe(0);
      expect(await snapshot(pod.ns)).toEqual(before);
    },
  );
});

/** prevResults as the interface plugins of a Kubernetes node return them. */
const RESULTS: Array<[string, (pod: Pod, mac: string) => Record<string, unknown>]> = [
  [
    'Calico (host veth with a sandbox, IPs on it)',
    (pod) => ({
      cniVersion: '1.0.0',
      interfaces: [{ name: 'cali1a2b3c4d5e6', sandbox: pod.netns }],
      ips: [{ address: '10.123.0.2/32', interface: 0 }],
      dns: {},
    }),
  ],
  [
    'Calico (host veth only, no sandbox)',
    () => ({
      cniVersion: '1.0.0',
      interfaces: [{ name: 'cali1a2b3c4d5e6' }],
      ips: [{ address: '10.123.0.2/32', interface: 0 }],
    }),
  ],
  [
    'Cilium (lxc host veth, eth0 in the sandbox)',
    (pod, mac) => ({
      cniVersion: '1.0.0',
      interfaces: [
        { name: 'lxc0123456789a', mac: '0a:00:00:00:00:01' },
        { name: 'eth0', mac, sandbox: pod.netns },
      ],
      ips: [{ address: '10.123.0.2/32', gateway: '10.123.0.1', interface: 1 }],
      routes: [{ dst: '0.0.0.0/0', gw: '10.123.0.1' }],
    }),
  ],
  [
    'flannel (bridge: cni0, the host veth, eth0)',
    (pod, mac) => ({
      cniVersion: '1.0.0',
      interfaces: [
        { name: 'cni0', mac: '0a:00:00:00:00:02' },
        { name: 'veth1a2b3c4d', mac: '0a:00:00:00:00:03' },
        { name: 'eth0', mac, sandbox: pod.netns },
      ],
      ips: [{ address: '10.123.0.2/24', gateway: '10.123.0.1', interface: 2 }],
      routes: [{ dst: '10.244.0.0/16', gw: '10.123.0.1' }],
      dns: {},
    }),
  ],
  ['the reference ptp plugin', (pod) => ptpLikeResult('1.0.0', pod.netns)],
];

describe.skipIf(noNetns).concurrent("interface plugins' results", () => {
  test.for(RESULTS)(
    'after %s: the pod interface is found, their entries pass through untouched',
    async ([, shape], { pod: makePod }) => {
      const pod = await makePod();
      const prevResult = shape(pod, (await link(pod.ns, 'eth0'))!.mac);
      const config = netconf('1.0.0', { prevResult });
      const added = await cni({ command: 'ADD', config, netns: pod.netns });
      expect(added.exitCode, added.stdout).toBe(0);
      const previous = prevResult.interfaces as unknown[];
      expect(added.json.interfaces.slice(0, previous.length)).toEqual(previous);
      expect(added.json.interfaces.at(-1)).toMatchObject({ name: TAP, sandbox: pod.netns });
      expect(added.json.ips).toEqual(prevResult.ips);
      expect(added.json.routes).toEqual(prevResult.routes);
      expect(await redirectTargets(pod.ns, 'eth0')).toEqual([TAP]);
      const checked = await cni({
        command: 'CHECK',
        config: netconf('1.0.0', { prevResult: added.json }),
        netns: pod.netns,
      });
      expect(checked.exitCode, checked.stdout).toBe(0);
      const deleted = await cni({
        command: 'DEL',
        config: netconf('1.0.0', { prevResult: added.json }),
        netns: pod.netns,
      });
      expect(deleted.exitCode).toBe(0);
      expect(await link(pod.ns, TAP)).toBeUndefined();
      expect(await ingressQdiscs(pod.ns)).toEqual({});
    },
  );
});
