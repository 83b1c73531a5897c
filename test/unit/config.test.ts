// Config validation: every bad value is a code-7 error naming the key and the value.
import { describe, expect, it } from 'vitest';
import { CniError } from '../../src/cni/errors.js';
import { DEFAULT_TIMEOUT_MS, deleteIdentity, parseConfig } from '../../src/plugin/config.js';

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
      podAnnotation: undefined,
      tcRedirectTapResult: false,
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
      timeoutMs: 100,
      podAnnotation: 'urunc.io/tap',
      tcRedirectTapResult: true,
      logFile: '/var/log/urunc-tap/verbs.log',
      logLevel: 'debug',
    });
    expect(config).toMatchObject({
      tapName: 'vm0',
      owner: 0,
      group: 4294967294,
      mtu: 9000,
      multiQueue: true,
      vnetHdr: false,
      timeoutMs: 100,
      podAnnotation: 'urunc.io/tap',
      tcRedirectTapResult: true,
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
    [{ tapName: '-tap' }, 'tapName', '"-tap"'],
    [{ tapName: 'tap#1' }, 'tapName', '"tap#1"'],
    [{ name: 'bad name' }, 'name', '"bad name"'],
    [{ name: '-net' }, 'name', '"-net"'],
    [{ name: 'net:1' }, 'name', '"net:1"'],
    [{ podAnnotation: '' }, 'podAnnotation', '""'],
    [{ podAnnotation: 7 }, 'podAnnotation', '7'],
    [{ timeoutMs: 600_001 }, 'timeoutMs', '600001'],
    [{ logLevel: 'trace' }, 'logLevel', '"trace"'],
    [{ logFile: '/tmp/x.log' }, 'logFile', '"/tmp/x.log"'],
    [{ logFile: '/var/log/urunc-tap/../x.log' }, 'logFile', '"/var/log/urunc-tap/../x.log"'],
    [{ logFile: '/var/log/urunc-tap/sub/x.log' }, 'logFile', '"/var/log/urunc-tap/sub/x.log"'],
    [{ logFile: '/var/log/urunc-tap/.hidden' }, 'logFile', '"/var/log/urunc-tap/.hidden"'],
    [{ logFile: 'urunc-tap.log' }, 'logFile', '"urunc-tap.log"'],
    [{ tcRedirectTapResult: 'yes' }, 'tcRedirectTapResult', '"yes"'],
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

  it('names what is wrong with a tapName or a network name (src/cni/names.ts)', () => {
    expect(refusal({ tapName: 'a'.repeat(16) }).message).toBe(
      `config key "tapName" has invalid value "${'a'.repeat(16)}": is longer than 15 characters`,
    );
    expect(refusal({ tapName: '-tap' }).message).toBe(
      'config key "tapName" has invalid value "-tap": must not start with "-"',
    );
    expect(refusal({ name: 'bad name' }).message).toBe(
      'config key "name" has invalid value "bad name": must start with a letter or digit and contain only letters, digits, "_", "." and "-"',
    );
  });

  it('confines logFile to files directly in /var/log/urunc-tap', () => {
    expect(refusal({ logFile: '/etc/shadow' }).message).toBe(
      'config key "logFile" has invalid value "/etc/shadow": must be a file directly in /var/log/urunc-tap, named with letters, digits, "_", "." and "-"',
    );
    expect(parseConfig({ ...base, logFile: '/var/log/urunc-tap/net1_a.b-c.log' })).toMatchObject({
      network: 'net1',
    });
  });

  it('says which key is missing', () => {
    expect(() => parseConfig({ cniVersion: '1.0.0', type: 'x' })).toThrow(
      'config key "name" is missing',
    );
  });
});

describe('deleteIdentity', () => {
  it('reads the network name and a usable timeout, nothing else', () => {
    expect(deleteIdentity({ name: 'net1', timeoutMs: 5000 })).toEqual({
      network: 'net1',
      timeoutMs: 5000,
    });
  });

  it('ignores every other key, however wrong (DEL must not be stopped by a changed config)', () => {
    expect(
      deleteIdentity({
        name: 'net1',
        cniVersion: 7,
        type: '',
        tapName: 'far too long a tap name',
        owner: -1,
        mtu: 1,
        logFile: '/etc/passwd',
        podAnnotation: '',
        prevResult: 'garbage',
      }),
    ).toEqual({ network: 'net1', timeoutMs: DEFAULT_TIMEOUT_MS });
  });

  it.each([99, 600_001, 1.5, '5000', null])(
    'falls back to the default for timeoutMs %j',
    (timeoutMs) => {
      expect(deleteIdentity({ name: 'n', timeoutMs }).timeoutMs).toBe(30_000);
    },
  );

  it.each([
    [{}, 'config key "name" is missing'],
    [{ name: 7 }, 'config key "name" must be a string'],
    [
      { name: 'bad name' },
      'config key "name" has invalid value "bad name": must start with a letter or digit and contain only letters, digits, "_", "." and "-"',
    ],
  ])('refuses %j with code 7: the name identifies the attachment', (raw, message) => {
    expect(() => deleteIdentity(raw)).toThrow(expect.objectContaining({ code: 7, message }));
  });
});
