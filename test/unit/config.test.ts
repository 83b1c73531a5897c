// Config validation: every bad value is a code-7 error naming the key and the value.
import { describe, expect, it } from 'vitest';
import { CniError } from '../../src/cni/errors.js';
import { parseConfig } from '../../src/plugin/config.js';

const base = { cniVersion: '1.0.0', name: 'net1', type: 'urunc-tap' };

function refusal(extra: Record<string, unknown>): CniError {
  try {
    parseConfig({ ...base, ...extra });
  } catch (error) {
    return error as CniError;
  }
  throw new Error(`accepted ${JSON.stringify(extra)}`);
}

describe('parseConfig', () => {
  it('applies defaults and ignores unknown keys', () => {
    expect(
      parseConfig({ ...base, runtimeConfig: { x: 1 }, args: {}, somethingElse: true }),
    ).toEqual({
      network: 'net1',
      tapName: 'tap0_urunc',
      owner: undefined,
      group: undefined,
      mtu: undefined,
      multiQueue: false,
      vnetHdr: true,
      timeoutMs: 30000,
      prevResult: undefined,
    });
  });

  it('takes every key', () => {
    const config = parseConfig({
      ...base,
      tapName: 'vm0',
      owner: 0,
      group: 4294967294,
      mtu: 9000,
      multiQueue: true,
      vnetHdr: false,
    });
    expect(config).toMatchObject({
      tapName: 'vm0',
      owner: 0,
      group: 4294967294,
      mtu: 9000,
      multiQueue: true,
      vnetHdr: false,
    });
  });

  it.each([
    [{ tapName: '' }, 'tapName', '""'],
    [{ tapName: 'a'.repeat(16) }, 'tapName', `"${'a'.repeat(16)}"`],
    [{ tapName: 'tap 0' }, 'tapName', '"tap 0"'],
    [{ tapName: 'tap/0' }, 'tapName', '"tap/0"'],
    [{ tapName: '..' }, 'tapName', '".."'],
    [{ tapName: 'täp' }, 'tapName', '"täp"'],
    [{ tapName: 7 }, 'tapName', '7'],
    [{ owner: -1 }, 'owner', '-1'],
    [{ owner: 1.5 }, 'owner', '1.5'],
    [{ owner: '1000' }, 'owner', '"1000"'],
    [{ group: 4294967295 }, 'group', '4294967295'],
    [{ mtu: 67 }, 'mtu', '67'],
    [{ mtu: 65536 }, 'mtu', '65536'],
    [{ multiQueue: 'yes' }, 'multiQueue', '"yes"'],
    [{ vnetHdr: 1 }, 'vnetHdr', '1'],
    [{ timeoutMs: 99 }, 'timeoutMs', '99'],
    [{ name: 'bad name' }, 'name', '"bad name"'],
    [{ prevResult: [] }, 'prevResult', '[]'],
    [{ prevResult: { interfaces: [{ mac: 'x' }] } }, 'prevResult.interfaces[0].name', undefined],
    [
      { prevResult: { ips: [{ address: '10.0.0.1/24', interface: 2 }], interfaces: [] } },
      'prevResult.ips[0].interface',
      '2',
    ],
  ])('refuses %o naming %s', (extra, key, value) => {
    const error = refusal(extra);
    expect(error.code).toBe(7);
    expect(error.message).toContain(`config key "${key}"`);
    if (value !== undefined) expect(error.message).toContain(value);
  });

  it('says which key is missing', () => {
    expect(() => parseConfig({ cniVersion: '1.0.0', type: 'x' })).toThrow(
      'config key "name" is missing',
    );
  });
});
