// Ownership marks: the tap alias (both forms, read back), the redirect cookie, the qdisc mark,
// the tap MAC and the lock name, all derived from the attachment alone.
import { describe, expect, it } from 'vitest';
import {
  attachmentTaps,
  holdsAttachment,
  isAttachmentFilter,
  isAttachmentTap,
  isUruncTap,
  isUruncTapFilter,
  lockName,
  parseTapAlias,
  QDISC_MARK,
  redirectCookie,
  REDIRECT_PREF,
  redirectsTo,
  redirectTarget,
  tapAlias,
  tapMac,
  targetsDeletedDevice,
  type Attachment,
} from '../../src/plugin/marks.js';
import {
  attachment,
  foreignFilter,
  foreignRedirect,
  hook,
  ourRedirect,
  podIf,
  snapshot,
  tap,
  wired,
} from './state.js';

const other = { ...attachment, containerId: 'ctr2' };

describe('tapAlias and parseTapAlias', () => {
  it('round-trips the readable form', () => {
    expect(tapAlias(attachment)).toBe('urunc-tap:net1:eth0:ctr1');
    expect(parseTapAlias(tapAlias(attachment))).toEqual({
      kind: 'attachment',
      network: 'net1',
      ifname: 'eth0',
      containerId: 'ctr1',
    });
  });

  it('uses a digest when the fields are too long for IFALIASZ, and reads only that back', () => {
    const long = { ...attachment, network: 'n'.repeat(200), containerId: 'c'.repeat(64) };
    const alias = tapAlias(long);
    expect(alias).toMatch(/^urunc-tap:sha256:[0-9a-f]{64}$/);
    expect(alias.length).toBeLessThanOrEqual(255);
    expect(parseTapAlias(alias)).toEqual({ kind: 'digest', digest: alias.slice(17) });
    expect(tapAlias({ ...long, containerId: 'c'.repeat(63) })).not.toBe(alias);
  });

  it('keeps the readable form up to 255 bytes exactly', () => {
    const fits = { ...attachment, network: 'n'.repeat(255 - 'urunc-tap::eth0:ctr1'.length) };
    expect(tapAlias(fits)).toHaveLength(255);
    expect(parseTapAlias(tapAlias(fits))).toMatchObject({ kind: 'attachment' });
    expect(tapAlias({ ...fits, network: `${fits.network}n` })).toMatch(/^urunc-tap:sha256:/);
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
    'urunc-tap:',
    'urunc-tap:net1:eth0',
    'urunc-tap:net1:eth0:ctr1:extra',
    'urunc-tap:net1::ctr1',
    'urunc-tap:sha256:xyz',
    `urunc-tap:sha256:${'A'.repeat(64)}`,
    // A readable alias longer than tapAlias would ever write (it would be a digest).
    `urunc-tap:${'n'.repeat(250)}:eth0:ctr1`,
  ])('refuses %j as an owner', (alias) => {
    expect(parseTapAlias(alias)).toBeUndefined();
  });
});

describe('taps', () => {
  it('knows a urunc-tap tap by its alias prefix, and an attachment tap by its exact alias', () => {
    expect(isUruncTap(tap())).toBe(true);
    expect(isUruncTap(tap({ alias: tapAlias(other) }))).toBe(true);
    expect(isUruncTap(tap({ alias: 'other:a:b:c' }))).toBe(false);
    expect(isUruncTap(tap({ alias: undefined }))).toBe(false);
    // A device that is not a tap is never ours, whatever its alias.
    expect(isUruncTap(podIf({ alias: tapAlias(attachment) }))).toBe(false);
    expect(isAttachmentTap(attachment, tap({ name: 'anything' }))).toBe(true);
    expect(isAttachmentTap(other, tap())).toBe(false);
    expect(isAttachmentTap(attachment, podIf({ alias: tapAlias(attachment) }))).toBe(false);
  });

  it('finds every tap of an attachment, whatever its name', () => {
    const state = snapshot([podIf(), tap(), tap({ name: 'old' }), tap({ name: 'x', alias: 'x' })]);
    expect(attachmentTaps(state, attachment).map((link) => link.name)).toEqual([
      'tap0_urunc',
      'old',
    ]);
  });

  it('gives each attachment a stable, locally administered unicast MAC', () => {
    const mac = tapMac(attachment);
    expect(mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    const first = parseInt(mac.slice(0, 2), 16);
    expect(first & 0x01).toBe(0);
    expect(first & 0x02).toBe(2);
    expect(tapMac({ ...attachment })).toBe(mac);
    expect(tapMac(other)).not.toBe(mac);
  });
});

describe('redirect cookies', () => {
  it('is "urunc-tap" in hex plus 7 bytes of the attachment digest', () => {
    const cookie = redirectCookie(attachment);
    expect(cookie).toMatch(/^7572756e632d746170[0-9a-f]{14}$/);
    expect(cookie.startsWith(Buffer.from('urunc-tap').toString('hex'))).toBe(true);
    expect(Buffer.from(cookie, 'hex')).toHaveLength(16);
    expect(redirectCookie({ ...attachment })).toBe(cookie);
    expect(redirectCookie(other)).not.toBe(cookie);
    // The netns and the tap name are not part of the identity: a renamed tap keeps its cookie.
    const renamed: Attachment = { ...attachment, netns: '/x', tapName: 'y' };
    expect(redirectCookie(renamed)).toBe(cookie);
  });

  it("tells urunc-tap's filters, this attachment's, and foreign ones apart", () => {
    const ours = ourRedirect('tap0_urunc');
    const theirs = ourRedirect('tap0_urunc', { owner: other });
    expect([ours, theirs, foreignRedirect('x')].map(isUruncTapFilter)).toEqual([true, true, false]);
    expect(isAttachmentFilter(attachment, ours)).toBe(true);
    expect(isAttachmentFilter(attachment, theirs)).toBe(false);
    expect(isAttachmentFilter(attachment, foreignFilter())).toBe(false);
  });

  it('reads where a filter redirects, and whether it is exactly our redirect', () => {
    expect(redirectTarget(ourRedirect('tap0_urunc'))).toBe('tap0_urunc');
    expect(redirectTarget(foreignFilter())).toBeUndefined();
    expect(redirectsTo(ourRedirect('tap0_urunc'), 'tap0_urunc')).toBe(true);
    expect(redirectsTo(ourRedirect('tap0_urunc'), 'eth0')).toBe(false);
    const mirror = ourRedirect('tap0_urunc');
    mirror.actions[0]!.mirredAction = 'mirror';
    expect(redirectsTo(mirror, 'tap0_urunc')).toBe(false);
    const twoActions = ourRedirect('tap0_urunc');
    twoActions.actions.push({ ...twoActions.actions[0]! });
    expect(redirectsTo(twoActions, 'tap0_urunc')).toBe(false);
  });

  it('knows a redirect to a deleted device, whoever made it', () => {
    expect(targetsDeletedDevice(ourRedirect('*'))).toBe(true);
    expect(targetsDeletedDevice(foreignRedirect('*'))).toBe(true);
    expect(targetsDeletedDevice(ourRedirect('tap0_urunc'))).toBe(false);
    expect(targetsDeletedDevice(foreignFilter())).toBe(false);
  });
});

describe('holdsAttachment', () => {
  it('is true for a tap or a filter of the attachment, and nothing else', () => {
    expect(holdsAttachment(wired(), attachment)).toBe(true);
    expect(
      holdsAttachment(snapshot([podIf()], [['eth0', hook([ourRedirect('*')])]]), attachment),
    ).toBe(true);
    expect(holdsAttachment(snapshot([podIf(), tap({ name: 'x' })]), attachment)).toBe(true);
    expect(holdsAttachment(wired(other), attachment)).toBe(false);
    expect(holdsAttachment(snapshot([podIf()], [['eth0', hook([])]]), attachment)).toBe(false);
  });
});

describe('constants', () => {
  it('marks qdiscs with "utap" and redirects at a priority above the auto-assigned ones', () => {
    expect(Buffer.from(QDISC_MARK.toString(16), 'hex').toString('ascii')).toBe('utap');
    expect(REDIRECT_PREF).toBeGreaterThan(49152);
    expect(REDIRECT_PREF).toBeLessThanOrEqual(0xffff);
  });

  it('names the lock by an abstract socket derived from the attachment only', () => {
    const name = lockName(attachment);
    expect(name).toMatch(/^\0urunc-tap\/lock\/[0-9a-f]{40}$/);
    expect(lockName({ network: 'net1', containerId: 'ctr1', ifname: 'eth0' })).toBe(name);
    expect(lockName(other)).not.toBe(name);
  });
});
