// tc-redirect-tap compatibility with the built plugin: its CNI_ARGS, IgnoreUnknown, and its
// result shape (tcRedirectTapResult), on real namespaces.
import { describe, expect } from 'vitest';
import { test } from '../helpers/fixtures.js';
import { snapshot } from '../helpers/netns.js';
import { link, linkNames, redirectTargets } from '../helpers/observe.js';
import { cni, netconf, ptpLikeResult } from '../helpers/plugin.js';
import { noNetns } from '../helpers/tier.js';

const TAP_ARGS = 'TC_REDIRECT_TAP_NAME=tap7;TC_REDIRECT_TAP_UID=1234;TC_REDIRECT_TAP_GID=2345';

describe.skipIf(noNetns).concurrent('tc-redirect-tap compatibility', () => {
  test('CNI_ARGS set the tap name, owner and group, over the config, for ADD, CHECK and DEL', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    // As containerd and firecracker-go-sdk pass them: IgnoreUnknown and Kubernetes keys too.
    const env = { CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAME=p;K8S_POD_FOO=bar;${TAP_ARGS}` };
    const config = netconf('1.0.0', { tapName: 'tapconf', owner: 1 });
    const added = await cni({ command: 'ADD', config, netns: pod.netns, env });
    expect(added.exitCode, added.stdout + added.stderr).toBe(0);
    expect(added.json.interfaces.at(-1).name).toBe('tap7');
    expect((await link(pod.ns, 'tap7'))!.tun).toMatchObject({ user: 1234, group: 2345 });
    expect(await link(pod.ns, 'tapconf')).toBeUndefined();
    expect(await redirectTargets(pod.ns, 'eth0')).toEqual(['tap7']);

    const checked = await cni({
      command: 'CHECK',
      config: { ...config, prevResult: added.json },
      netns: pod.netns,
      env,
    });
    expect(checked.exitCode, checked.stdout).toBe(0);
    const deleted = await cni({ command: 'DEL', config, netns: pod.netns, env });
    expect(deleted.exitCode, deleted.stdout).toBe(0);
    expect(await linkNames(pod.ns)).toEqual(['eth0', 'lo']);
  });

  test('an unknown CNI_ARGS key without IgnoreUnknown fails ADD (code 4) and changes nothing; DEL still succeeds', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    const before = await snapshot(pod.ns);
    const env = { CNI_ARGS: `FOO=bar;${TAP_ARGS}` };
    const added = await cni({ command: 'ADD', config: netconf('1.0.0'), netns: pod.netns, env });
    expect(added.exitCode).toBe(1);
    expect(added.json).toMatchObject({
      code: 4,
      msg: 'CNI_ARGS FOO is not a key urunc-tap knows; set IgnoreUnknown=1 to ignore it',
    });
    expect(await snapshot(pod.ns)).toEqual(before);
    const deleted = await cni({ command: 'DEL', config: netconf('1.0.0'), netns: pod.netns, env });
    expect(deleted).toMatchObject({ exitCode: 0, stdout: '' });
  });

  test('a bad value is refused like the config key it sets (code 4, naming the key)', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    const env = { CNI_ARGS: 'TC_REDIRECT_TAP_UID=root' };
    const added = await cni({ command: 'ADD', config: netconf('1.0.0'), netns: pod.netns, env });
    expect(added.json).toMatchObject({
      code: 4,
      msg: 'CNI_ARGS TC_REDIRECT_TAP_UID has invalid value "root": must be a decimal integer',
      details: 'variable: CNI_ARGS',
    });
  });

  test.for(['0.4.0', '1.0.0', '1.1.0'])(
    'tcRedirectTapResult adds the VM interface firecracker-go-sdk reads (cniVersion %s)',
    async (version, { pod: makePod }) => {
      const pod = await makePod();
      const eth0 = (await link(pod.ns, 'eth0'))!;
      const prevResult = ptpLikeResult(version, pod.netns);
      (prevResult.interfaces as any[])[1].mac = eth0.mac;
      const added = await cni({
        command: 'ADD',
        config: netconf(version, { prevResult, tcRedirectTapResult: true }),
        netns: pod.netns,
        containerId: 'vm-1',
        env: { CNI_ARGS: 'IgnoreUnknown=1;TC_REDIRECT_TAP_NAME=tap0' },
      });
      expect(added.exitCode, added.stdout + added.stderr).toBe(0);
      const tap = (await link(pod.ns, 'tap0'))!;
      const result = added.json;
      expect(result.interfaces.slice(2)).toEqual([
        {
          name: 'tap0',
          mac: tap.mac,
          sandbox: pod.netns,
          ...(version === '1.1.0' ? { mtu: 1500 } : {}),
        },
        { name: 'tap0', mac: eth0.mac, sandbox: 'vm-1' },
      ]);
      expect(result.ips).toEqual([
        {
          ...(version === '0.4.0' ? { version: '4' } : {}),
          address: '10.123.0.2/24',
          gateway: '10.123.0.1',
          interface: 1,
        },
        {
          ...(version === '0.4.0' ? { version: '4' } : {}),
          address: '10.123.0.2/24',
          gateway: '10.123.0.1',
          interface: 3,
        },
      ]);
      // A CHECK and a DEL with that result as prevResult work as with any other.
      const withPrev = netconf(version, { prevResult: result, tcRedirectTapResult: true });
      const env = { CNI_ARGS: 'TC_REDIRECT_TAP_NAME=tap0' };
      const checked = await cni({
        command: 'CHECK',
        config: withPrev,
        netns: pod.netns,
        containerId: 'vm-1',
        env,
      });
      expect(checked.exitCode, checked.stdout).toBe(0);
      const deleted = await cni({
        command: 'DEL',
        config: withPrev,
        netns: pod.netns,
        containerId: 'vm-1',
        env,
      });
      expect(deleted.exitCode, deleted.stdout).toBe(0);
      expect(await link(pod.ns, 'tap0')).toBeUndefined();
    },
  );
});
