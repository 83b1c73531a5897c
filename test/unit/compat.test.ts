// tc-redirect-tap compatibility: its CNI_ARGS, IgnoreUnknown, and its result shape.
import { describe, expect, it } from 'vitest';
import { CniError } from '../../src/cni/errors.js';
import { convertResult, type CniResult } from '../../src/cni/result.js';
import { configWithCniArgs } from '../../src/plugin/cni-args.js';
import { parseConfig } from '../../src/plugin/config.js';
import { withVmInterface } from '../../src/plugin/result.js';
import { attachment } from './state.js';

const raw = { cniVersion: '1.0.0', name: 'net1', type: 'urunc-tap', tapName: 'tapcfg' };
const args = (text: string) =>
  new Map(text.split(';').map((pair) => pair.split('=') as [string, string]));
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error as CniError;
  }
  throw new Error('not refused');
};

describe('CNI_ARGS', () => {
  it("maps tc-redirect-tap's keys onto tapName, owner and group, over the config", () => {
    const config = configWithCniArgs(
      raw,
      args('TC_REDIRECT_TAP_NAME=tap1;TC_REDIRECT_TAP_UID=1000;TC_REDIRECT_TAP_GID=0'),
    );
    expect(parseConfig(config)).toMatchObject({ tapName: 'tap1', owner: 1000, group: 0 });
  });

  it('keeps the config without args', () => {
    expect(configWithCniArgs(raw, new Map())).toEqual(raw);
  });

  it('refuses unknown keys with code 4, unless IgnoreUnknown is 1 or true (any case)', () => {
    const error = refusal(() => configWithCniArgs(raw, args('FOO=bar')));
    expect(error).toMatchObject({ code: 4 });
    expect(error.message).toBe(
      'CNI_ARGS FOO is not a key urunc-tap knows; set IgnoreUnknown=1 to ignore it',
    );
    for (const yes of ['1', 'true', 'TRUE', 'True']) {
      expect(configWithCniArgs(raw, args(`IgnoreUnknown=${yes};FOO=bar`))).toEqual(raw);
    }
    for (const no of ['0', 'false']) {
      expect(refusal(() => configWithCniArgs(raw, args(`IgnoreUnknown=${no};FOO=bar`))).code).toBe(
        4,
      );
    }
    expect(refusal(() => configWithCniArgs(raw, args('IgnoreUnknown=yes'))).message).toContain(
      'IgnoreUnknown has invalid value "yes"',
    );
  });

  it('knows the Kubernetes keys runtimes pass by convention', () => {
    const k8s = 'K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;K8S_POD_INFRA_CONTAINER_ID=c;K8S_POD_UID=u';
    expect(configWithCniArgs(raw, args(k8s))).toEqual(raw);
  });

  it.each([
    [
      'TC_REDIRECT_TAP_UID=abc',
      'TC_REDIRECT_TAP_UID has invalid value "abc": must be a decimal integer',
    ],
    [
      'TC_REDIRECT_TAP_UID=-1',
      'TC_REDIRECT_TAP_UID has invalid value "-1": must be a decimal integer',
    ],
    [
      'TC_REDIRECT_TAP_GID=4294967295',
      'TC_REDIRECT_TAP_GID has invalid value "4294967295": must be <= 4294967294',
    ],
    [
      'TC_REDIRECT_TAP_NAME=a-name-far-too-long',
      'TC_REDIRECT_TAP_NAME has invalid value "a-name-far-too-long"',
    ],
    ['TC_REDIRECT_TAP_NAME=..', 'TC_REDIRECT_TAP_NAME has invalid value ".."'],
    ['TC_REDIRECT_TAP_NAME=', 'TC_REDIRECT_TAP_NAME has invalid value ""'],
  ])('validates %s like the config key it sets', (text, message) => {
    const error = refusal(() => configWithCniArgs(raw, args(text)));
    expect(error).toMatchObject({ code: 4, details: 'variable: CNI_ARGS' });
    expect(error.message).toContain(message);
  });

  it('sets tapName from a valid name, and refuses a uid with "=" in it', () => {
    const config = configWithCniArgs(raw, new Map([['TC_REDIRECT_TAP_NAME', 'tap.2']]));
    expect(config).toEqual({ ...raw, tapName: 'tap.2' });
    expect(
      refusal(() => configWithCniArgs(raw, new Map([['TC_REDIRECT_TAP_UID', '1=2']]))).message,
    ).toBe('CNI_ARGS TC_REDIRECT_TAP_UID has invalid value "1=2": must be a decimal integer');
  });

  it('is strict: a bad value is refused even when IgnoreUnknown is set', () => {
    expect(
      refusal(() => configWithCniArgs(raw, args('IgnoreUnknown=1;TC_REDIRECT_TAP_UID=abc'))).code,
    ).toBe(4);
  });
});

describe('tcRedirectTapResult', () => {
  const prev = {
    cniVersion: '1.0.0',
    interfaces: [
      { name: 'veth1', mac: 'aa:00:00:00:00:01' },
      { name: 'eth0', mac: 'aa:00:00:00:00:02', sandbox: '/run/netns/pod' },
      { name: 'tap0_urunc', mac: '02:00:00:00:00:03', sandbox: '/run/netns/pod' },
    ],
    ips: [{ address: '10.0.0.2/24', gateway: '10.0.0.1', interface: 1 }],
    routes: [{ dst: '0.0.0.0/0' }],
  };

  it('adds the VM interface with the pod MAC and sandbox = container ID, and the pod IPs on it', () => {
    const result = convertResult(withVmInterface(prev, attachment, 'aa:00:00:00:00:02'), '1.0.0');
    expect(result.interfaces).toEqual([
      ...prev.interfaces,
      { name: 'tap0_urunc', mac: 'aa:00:00:00:00:02', sandbox: 'ctr1' },
    ]);
    expect(result.ips).toEqual([
      prev.ips[0],
      { address: '10.0.0.2/24', gateway: '10.0.0.1', interface: 3 },
    ]);
    expect(result.routes).toEqual(prev.routes);
    expect(vmconf(result, 'ctr1')).toEqual({
      tapName: 'tap0_urunc',
      netns: '/run/netns/pod',
      mac: 'aa:00:00:00:00:02',
      ip: { address: '10.0.0.2/24', gateway: '10.0.0.1', interface: 3 },
    });
  });

  it('speaks 0.x: every ip gets its version', () => {
    const result = convertResult(
      withVmInterface({ ...prev, cniVersion: '0.4.0' }, attachment, 'aa:00:00:00:00:02'),
      '0.4.0',
    );
    expect(result.ips!.map((ip) => ip.version)).toEqual(['4', '4']);
  });

  it('without a prevResult, adds only the interface (no ips key)', () => {
    const result = convertResult(
      withVmInterface(
        { cniVersion: '1.0.0', interfaces: [prev.interfaces[2]!] },
        attachment,
        'aa:00:00:00:00:02',
      ),
      '1.0.0',
    );
    expect(result).toEqual({
      cniVersion: '1.0.0',
      interfaces: [
        prev.interfaces[2],
        { name: 'tap0_urunc', mac: 'aa:00:00:00:00:02', sandbox: 'ctr1' },
      ],
    });
  });
});

/**
 * What firecracker-go-sdk's vmconf.StaticNetworkConfFrom reads from a result: exactly one
 * interface whose sandbox is the container ID, the one tap of the same name elsewhere (its
 * sandbox is the netns), and exactly one IP on the VM interface.
 */
function vmconf(result: CniResult, containerId: string) {
  const interfaces = result.interfaces ?? [];
  const vm = interfaces.filter((entry) => entry.sandbox === containerId);
  expect(vm).toHaveLength(1);
  const taps = interfaces.filter(
    (entry) => entry.sandbox !== containerId && entry.name === vm[0]!.name,
  );
  expect(taps).toHaveLength(1);
  const vmIndex = interfaces.indexOf(vm[0]!);
  const ips = (result.ips ?? []).filter((ip) => ip.interface === vmIndex);
  expect(ips).toHaveLength(1);
  return { tapName: taps[0]!.name, netns: taps[0]!.sandbox, mac: vm[0]!.mac, ip: ips[0] };
}
