// Reading the owner back from a tap alias, both forms, and refusing anything else.
import { describe, expect, it } from 'vitest';
import { tapAlias } from '../../src/plugin/attachment.js';
import { aliasNames, isUruncTapAlias, parseTapAlias } from '../../src/plugin/tap-owner.js';
import { attachment } from './state.js';

describe('parseTapAlias', () => {
  it('reads the readable form back', () => {
    expect(parseTapAlias(tapAlias(attachment))).toEqual({
      kind: 'attachment',
      network: 'net1',
      ifname: 'eth0',
      containerId: 'ctr1',
    });
  });

  it('recognises the digest form, used when the fields are too long for IFALIASZ', () => {
    const long = { ...attachment, network: 'n'.repeat(200), containerId: 'c'.repeat(64) };
    const alias = tapAlias(long);
    expect(alias).toMatch(/^urunc-tap:sha256:[0-9a-f]{64}$/);
    expect(parseTapAlias(alias)).toEqual({ kind: 'digest', digest: alias.slice(17) });
    expect(aliasNames(alias, long)).toBe(true);
    expect(aliasNames(alias, { ...long, containerId: 'other' })).toBe(false);
  });

  it('tells a network named "sha256" from the digest form', () => {
    const alias = tapAlias({ ...attachment, network: 'sha256' });
    expect(parseTapAlias(alias)).toMatchObject({ kind: 'attachment', network: 'sha256' });
  });

  it.each([
    undefined,
    '',
    'something else',
    'urunc-tap',
    'urunc-tap:net1:eth0',
    'urunc-tap:net1:eth0:ctr1:extra',
    'urunc-tap:net1:eth 0:ctr1',
    'urunc-tap:net1:eth0:-ctr',
    'urunc-tap:sha256:xyz',
  ])('refuses %j as an owner', (alias) => {
    expect(parseTapAlias(alias)).toBeUndefined();
  });

  it('marks both forms (and only them) as urunc-tap aliases', () => {
    expect(isUruncTapAlias('urunc-tap:a:b:c')).toBe(true);
    expect(isUruncTapAlias('other:a:b:c')).toBe(false);
    expect(isUruncTapAlias(undefined)).toBe(false);
  });
});
