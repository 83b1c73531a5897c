// Result conversion between spec versions.
import { describe, expect, it } from 'vitest';
import { convertResult } from '../../src/cni/result.js';
import { addResult } from '../../src/plugin/result.js';
import { attachment } from './state.js';

const body = {
  interfaces: [
    {
      name: 'eth0',
      mac: 'aa:bb:cc:dd:ee:ff',
      sandbox: '/run/netns/p',
      mtu: 1500,
      socketPath: '/s',
    },
  ],
  ips: [
    { version: '4' as const, address: '10.0.0.2/24', interface: 0 },
    { address: 'fd00::2/64', interface: 0 },
  ],
  routes: [
    { dst: '0.0.0.0/0', gw: '10.0.0.1' },
    {
      dst: '10.1.0.0/16',
      gw: '10.0.0.1',
      mtu: 1400,
      advmss: 1360,
      priority: 10,
      table: 100,
      scope: 253,
      custom: 'kept',
    },
  ],
  dns: { nameservers: ['10.0.0.1'] },
};

describe('convertResult', () => {
  it('keeps or derives ips[].version up to 0.4.0 and drops the 1.1 interface fields', () => {
    const out = convertResult(body, '0.4.0');
    expect(out.cniVersion).toBe('0.4.0');
    expect(out.ips!.map((ip) => ip.version)).toEqual(['4', '6']);
    expect(out.interfaces).toEqual([
      { name: 'eth0', mac: 'aa:bb:cc:dd:ee:ff', sandbox: '/run/netns/p' },
    ]);
    expect(out.dns).toEqual(body.dns);
  });

  it.each(['0.3.0', '0.3.1', '0.4.0', '1.0.0'] as const)(
    'drops the 1.1 route fields (mtu, advmss, priority, table, scope) in %s',
    (version) => {
      expect(convertResult(body, version).routes).toEqual([
        { dst: '0.0.0.0/0', gw: '10.0.0.1' },
        { dst: '10.1.0.0/16', gw: '10.0.0.1', custom: 'kept' },
      ]);
    },
  );

  it('keeps the 1.1 route fields in 1.1.0', () => {
    expect(convertResult(body, '1.1.0').routes).toEqual(body.routes);
  });

  it('drops ips[].version from 1.0.0 on', () => {
    const out = convertResult(body, '1.0.0');
    expect(out.ips).toEqual([
      { address: '10.0.0.2/24', interface: 0 },
      { address: 'fd00::2/64', interface: 0 },
    ]);
    expect(out.interfaces![0]).not.toHaveProperty('mtu');
  });

  it('keeps mtu and socketPath on 1.1.0', () => {
    expect(convertResult(body, '1.1.0').interfaces).toEqual(body.interfaces);
  });

  it('does not modify its input', () => {
    const copy = structuredClone(body);
    convertResult(body, '0.3.0');
    expect(body).toEqual(copy);
  });
});

describe('addResult', () => {
  const prev = {
    cniVersion: '1.0.0',
    interfaces: [{ name: 'eth0', mac: '0a:00:00:00:00:02', sandbox: '/run/netns/pod' }],
    ips: [{ address: '10.0.0.2/24', interface: 0 }],
  };
  const tap = { mac: '02:aa:bb:cc:dd:ee', mtu: 1450 };

  it('appends the tap to prevResult, in the config version, with its mtu from 1.1.0 on', () => {
    expect(addResult(prev, '1.1.0', attachment, tap)).toEqual({
      cniVersion: '1.1.0',
      interfaces: [
        ...prev.interfaces,
        { name: 'tap0_urunc', mac: '02:aa:bb:cc:dd:ee', mtu: 1450, sandbox: '/run/netns/pod' },
      ],
      ips: prev.ips,
    });
    expect(addResult(prev, '0.4.0', attachment, tap)).toEqual({
      cniVersion: '0.4.0',
      interfaces: [
        ...prev.interfaces,
        { name: 'tap0_urunc', mac: '02:aa:bb:cc:dd:ee', sandbox: '/run/netns/pod' },
      ],
      ips: [{ address: '10.0.0.2/24', interface: 0, version: '4' }],
    });
  });

  it('makes a result of the tap alone without prevResult', () => {
    expect(addResult(undefined, '1.0.0', attachment, tap)).toEqual({
      cniVersion: '1.0.0',
      interfaces: [{ name: 'tap0_urunc', mac: '02:aa:bb:cc:dd:ee', sandbox: '/run/netns/pod' }],
    });
  });
});
