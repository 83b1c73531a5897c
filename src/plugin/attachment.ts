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

/** "urunc-tap" in hex: the action cookie prefix that marks a filter as urunc-tap's. */
const COOKIE_MARKER = Buffer.from('urunc-tap').toString('hex');

/**
 * The action cookie of our redirect on a device (16 bytes, the kernel's maximum): the marker,
 * one flag byte saying whether we added the ingress qdisc it sits on (so DEL knows whether
 * that qdisc is ours to remove), and 6 bytes of a digest of the attachment (so one
 * attachment's DEL never takes another's filters).
 */
export function redirectCookie(attachment: Attachment, qdiscAddedByUs: boolean): string {
  return COOKIE_MARKER + (qdiscAddedByUs ? '01' : '00') + attachmentDigest(attachment).slice(0, 12);
}

/** Decodes a urunc-tap cookie; undefined for anybody else's (or none). */
export function parseRedirectCookie(
  cookie: string | undefined,
): { qdiscAddedByUs: boolean; owner: string } | undefined {
  if (!cookie?.startsWith(COOKIE_MARKER)) return undefined;
  const rest = cookie.slice(COOKIE_MARKER.length);
  return { qdiscAddedByUs: rest.startsWith('01'), owner: rest.slice(2) };
}

/** Whether a cookie is this attachment's. */
export function isAttachmentCookie(attachment: Attachment, cookie: string | undefined): boolean {
  return parseRedirectCookie(cookie)?.owner === attachmentDigest(attachment).slice(0, 12);
}

function attachmentDigest(attachment: Attachment): string {
  return createHash('sha256').update(identity(attachment)).digest('hex');
}

/** (network, interface, container): what names one attachment in CNI. */
function identity(attachment: Attachment): string {
  return `${attachment.network}:${attachment.ifname}:${attachment.containerId}`;
}

/** IFALIASZ is 256 bytes including the NUL. */
const MAX_ALIAS_LENGTH = 255;
const ALIAS_PREFIX = 'urunc-tap:';

/**
 * The alias we set on the tap: which attachment owns it. Readable when it fits; a digest of
 * the same fields when network and container ID are too long for IFALIASZ.
 */
export function tapAlias(attachment: Attachment): string {
  const fields = identity(attachment);
  if (ALIAS_PREFIX.length + fields.length <= MAX_ALIAS_LENGTH) return ALIAS_PREFIX + fields;
  return `${ALIAS_PREFIX}sha256:${attachmentDigest(attachment)}`;
}

/**
 * A stable, locally administered unicast MAC for the tap, derived from the attachment, so the
 * result of ADD is known without reading the device back.
 */
export function tapMac(attachment: Attachment): string {
  const bytes = Buffer.from(attachmentDigest(attachment).slice(12, 24), 'hex');
  bytes[0] = (bytes[0]! & 0xfe) | 0x02;
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}
