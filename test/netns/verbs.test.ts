// Every verb of the built plugin, for every supported cniVersion, on real namespaces.
import { describe, expect, it } from 'vitest';
import { test } from '../helpers/fixtures.js';
import {
  ingressQdiscs,
  link,
  linkNames,
  links,
  ourRules,
  redirectTargets,
} from '../helpers/observe.js';
import { podAnswersPing } from '../helpers/netns.js';
import { cni, netconf, ptpLikeResult } from '../helpers/plugin.js';
import { noNetns } from '../helpers/tier.js';

const VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];
const TAP = 'tap0_urunc';

describe.skipIf(noNetns).concurrent.each(VERSIONS)('cniVersion %s', (version) => {
  const legacy = version.startsWith('0.');
  const checkable = version !== '0.3.0' && version !== '0.3.1';

  test('ADD wires tap and pod interface, repeated ADD converges, DEL cleans, traffic flows again', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    expect(await podAnswersPing(pod, 4)).toBe(true);
    const prevResult = ptpLikeResult(version, pod.netns);
    const config = netconf(version, { prevResult });

    const added = await cni({ command: 'ADD', config, netns: pod.netns });
    expect(added.exitCode, added.stdout + added.stderr).toBe(0);

    // Observed state: a persistent, up, vnet_hdr, single-queue tap with the pod's MTU.
    const tap = await link(pod.ns, TAP);
    const eth0 = await link(pod.ns, 'eth0');
    expect(tap).toMatchObject({ up: true, mtu: eth0!.mtu });
    expect(tap!.tun).toMatchObject({
      type: 'tap',
      vnet_hdr: true,
      multi_queue: false,
      persist: true,
      pi: false,
    });
    expect(await ingressQdiscs(pod.ns)).toEqual({ eth0: 'ingress', [TAP]: 'ingress' });
    expect(await redirectTargets(pod.ns, 'eth0')).toEqual([TAP]);
    expect(await redirectTargets(pod.ns, TAP)).toEqual(['eth0']);
    // With no VMM on the tap, the pod interface's traffic goes to the tap: the guest owns it.
    expect(await podAnswersPing(pod)).toBe(false);

    // Result: prevResult unchanged, in this version, plus the tap.
    const result = added.json;
    expect(result.cniVersion).toBe(version);
    expect(result.interfaces.slice(0, 2)).toEqual((prevResult as any).interfaces);
    const tapEntry = {
      name: TAP,
      mac: tap!.mac,
      sandbox: pod.netns,
      ...(version === '1.1.0' ? { mtu: tap!.mtu } : {}),
    };
    expect(result.interfaces[2]).toEqual(tapEntry);
    expect(result.ips).toEqual([
      {
        ...(legacy ? { version: '4' } : {}),
        address: '10.123.0.2/24',
        gateway: '10.123.0.1',
        interface: 1,
      },
    ]);
    expect(result.routes).toEqual([{ dst: '0.0.0.0/0' }]);

    if (checkable) {
      const checked = await cni({
        command: 'CHECK',
        config: netconf(version, { prevResult: result }),
        netns: pod.netns,
      });
      expect(checked.exitCode, checked.stdout).toBe(0);
      expect(checked.stdout).toBe('');
    } else {
      const refused = await cni({ command: 'CHECK', config, netns: pod.netns });
      expect(refused.exitCode).toBe(1);
      expect(refused.json).toMatchObject({ cniVersion: version, code: 1 });
    }

    const again = await cni({ command: 'ADD', config, netns: pod.netns });
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.json).toEqual(result);
    expect(await ourRules(pod.ns, 'eth0')).toHaveLength(1);
    expect(await ourRules(pod.ns, TAP)).toHaveLength(1);
    expect((await links(pod.ns)).filter((l) => l.name === TAP)).toHaveLength(1);

    const deleted = await cni({ command: 'DEL', config, netns: pod.netns });
    expect(deleted.exitCode, deleted.stdout).toBe(0);
    expect(deleted.stdout).toBe('');
    expect(await linkNames(pod.ns)).toEqual(['eth0', 'lo']);
    expect(await ingressQdiscs(pod.ns)).toEqual({});
    expect(await podAnswersPing(pod, 4)).toBe(true);

    // libcni sends no prevResult on a repeated DEL (its cache is gone).
    const twice = await cni({ command: 'DEL', config: netconf(version), netns: pod.netns });
    expect(twice.exitCode, twice.stdout).toBe(0);
    expect(await linkNames(pod.ns)).toEqual(['eth0', 'lo']);
  });

  test('ADD without prevResult finds the pod interface in the namespace', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    const added = await cni({ command: 'ADD', config: netconf(version), netns: pod.netns });
    expect(added.exitCode, added.stdout).toBe(0);
    const tap = await link(pod.ns, TAP);
    expect(added.json.interfaces).toEqual([
      {
        name: TAP,
        mac: tap!.mac,
        sandbox: pod.netns,
        ...(version === '1.1.0' ? { mtu: 1500 } : {}),
      },
    ]);
    expect(await redirectTargets(pod.ns, 'eth0')).toEqual([TAP]);
  });
});

describe.skipIf(noNetns)('VERSION', () => {
  it.each(VERSIONS)('answers in %s with every supported version', async (version) => {
    const out = await cni({ command: 'VERSION', config: { cniVersion: version } });
    expect(out.exitCode).toBe(0);
    expect(out.json).toEqual({ cniVersion: version, supportedVersions: VERSIONS });
  });
});
