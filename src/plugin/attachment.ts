// Identity of one attachment (network, container, interface) and the marks we leave on the
// objects we create, so DEL and CHECK find exactly ours without host-side state.
import { createHash } from 'node:crypto';

/** One CNI attachment, as the runtime names it, plus where our tap lives. */
export interface Attachment {
  network: string;
  containerId: string;
  ifname: string;
  netns: string;
  tapName: string;
}

/**
 * Priority of our redirect filters. tc counts auto-assigned priorities down from 49152, so a
 * fixed value above it never collides with a filter added without `pref`; lower prefs (other
 * plugins' filters) still run first.
 */
export const REDIRECT_PREF = 65280;

/** "urunc-tap" in hex: the action cookie prefix that marks a filter as ours. */
const COOKIE_MARKER = Buffer.from('urunc-tap').toString('hex');

/**
 * The action cookie of our redirect on a device: the marker, then one flag byte saying whether
 * we added the ingress qdisc it sits on, so DEL knows whether that qdisc is ours to remove.
 */
export function redirectCookie(qdiscAddedByUs: boolean): string {
  return COOKIE_MARKER + (qdiscAddedByUs ? '01' : '00');
}

/** Decodes one of our cookies; undefined for anybody else's (or none). */
export function parseRedirectCookie(
  cookie: string | undefined,
): { qdiscAddedByUs: boolean } | undefined {
  if (!cookie?.startsWith(COOKIE_MARKER)) return undefined;
  return { qdiscAddedByUs: cookie.slice(COOKIE_MARKER.length) === '01' };
}

/** IFALIASZ is 256 bytes including the NUL. */
const MAX_ALIAS_LENGTH = 255;
const ALIAS_PREFIX = 'urunc-tap:';

/**
 * The alias we set on the tap: which attachment owns it. Readable when it fits; a digest of
 * the same fields when network and container ID are too long for IFALIASZ.
 */
export function tapAlias(attachment: Attachment): string {
  const fields = `${attachment.network}:${attachment.ifname}:${attachment.containerId}`;
  if (ALIAS_PREFIX.length + fields.length <= MAX_ALIAS_LENGTH) return ALIAS_PREFIX + fields;
  return `${ALIAS_PREFIX}sha256:${createHash('sha256').update(fields).digest('hex')}`;
}

/** Whether an alias was written by urunc-tap (for any attachment). */
export function isUruncTapAlias(alias: string | undefined): boolean {
  return alias?.startsWith(ALIAS_PREFIX) ?? false;
}

/**
 * A stable, locally administered unicast MAC for the tap, derived from the attachment, so the
 * result of ADD is known without reading the device back.
 */
export function tapMac(attachment: Attachment): string {
  const bytes = createHash('sha256').update(tapAlias(attachment)).digest().subarray(0, 6);
  bytes[0] = (bytes[0]! & 0xfe) | 0x02;
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}
