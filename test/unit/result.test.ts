// Result conversion between spec versions.
import { describe, expect, it } from 'vitest';
import { convertResult } from '../../src/cni/result.js';

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
  routes: [{ dst: '0.0.0.0/0' }],
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
    expect(out.routes).toEqual(body.routes);
    expect(out.dns).toEqual(body.dns);
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
