// Ownership: the identity of one attachment and the marks urunc-tap leaves on what it makes
// (the tap's alias, the redirects' action cookies, the ingress qdisc's size-table mark), so
// every verb finds exactly its own objects in the namespace, with no host-side state and
// whatever today's config says.
import type { Link, NamespaceSnapshot, TcFilter, TunInfo } from '../net/model.js';
import { sha256Hex } from './sha256.js';

/** What names one attachment in CNI: (network, container ID, interface). */
export interface AttachmentId {
  network: string;
  containerId: string;
  ifname: string;
}

/** One attachment as a verb handles it: plus where it lives and the tap name ADD uses. */
export interface Attachment extends AttachmentId {
  netns: string;
  tapName: string;
}

/**
 * Priority of our redirect filters. tc counts auto-assigned priorities down from 49152, so a
 * fixed value above it never collides with a filter added without `pref`; lower prefs (other
 * plugins' filters) still run first.
 */
export const REDIRECT_PREF = 65280;

/**
 * The mark on an ingress qdisc urunc-tap added ("utap" in ASCII), kept in its size table's mpu
 * (see IngressHook.qdiscMark): the fact "we added this qdisc" lives on the qdisc itself, so it
 * survives a retry, a re-plan and a `kill -9` between adding the qdisc and its filter.
 */
export const QDISC_MARK = 0x75746170;

/**
 * "urunc-tap" in hex: the action cookie prefix that marks a filter as urunc-tap's. Written out,
 * not computed: no work at import (a first Buffer hex conversion costs ~1 ms of a Bun start).
 */
const COOKIE_MARKER = '7572756e632d746170';

/** The action cookie of our redirects: the marker and 7 bytes of the attachment's digest. */
export function redirectCookie(id: AttachmentId): string {
  return COOKIE_MARKER + digest(id).slice(0, 14);
}

/** Whether a filter is urunc-tap's, whichever attachment made it: an action with our marker. */
export function isUruncTapFilter(filter: TcFilter): boolean {
  return filter.actions.some((action) => action.cookie?.startsWith(COOKIE_MARKER));
}

/** Whether a filter is this attachment's: an action with its cookie. */
export function isAttachmentFilter(id: AttachmentId, filter: TcFilter): boolean {
  const cookie = redirectCookie(id);
  return filter.actions.some((action) => action.cookie === cookie);
}

/** Where a filter redirects to: its mirred target ("*" once that device was deleted). */
export function redirectTarget(filter: TcFilter): string | undefined {
  return filter.actions.find((action) => action.kind === 'mirred')?.toDev;
}

/** Whether the filter is exactly our redirect: one mirred egress redirect to `target`. */
export function redirectsTo(filter: TcFilter, target: string): boolean {
  const [action, ...more] = filter.actions;
  return (
    more.length === 0 &&
    action?.kind === 'mirred' &&
    action.mirredAction === 'redirect' &&
    action.direction === 'egress' &&
    action.toDev === target
  );
}

/**
 * Whether a filter redirects or mirrors to a device that no longer exists: it can work for no
 * one (every packet it takes is dropped), whoever made it.
 */
export function targetsDeletedDevice(filter: TcFilter): boolean {
  return filter.actions.some((action) => action.kind === 'mirred' && action.toDev === '*');
}

/** IFALIASZ is 256 bytes including the NUL. */
const MAX_ALIAS_LENGTH = 255;
const ALIAS_PREFIX = 'urunc-tap:';

/**
 * The alias we set on the tap: which attachment owns it. Readable when it fits; a digest of
 * the same fields when network and container ID are too long for IFALIASZ.
 */
export function tapAlias(id: AttachmentId): string {
  const fields = identity(id);
  if (ALIAS_PREFIX.length + fields.length <= MAX_ALIAS_LENGTH) return ALIAS_PREFIX + fields;
  return `${ALIAS_PREFIX}sha256:${digest(id)}`;
}

/**
 * The owner named by a urunc-tap alias: the attachment when the alias is the readable form,
 * or only a digest of it (IFALIASZ was too small): such a tap can be matched against a known
 * attachment, never read back.
 */
export type TapOwner =
  | { kind: 'attachment'; network: string; ifname: string; containerId: string }
  | { kind: 'digest'; digest: string };

/**
 * Parses an alias written by tapAlias; undefined for anything else. The fields cannot hold
 * ":" (network names, interface names and container IDs exclude it), so the readable form
 * splits unambiguously; it is then checked by writing it again.
 */
export function parseTapAlias(alias: string | undefined): TapOwner | undefined {
  if (!alias?.startsWith(ALIAS_PREFIX)) return undefined;
  const rest = alias.slice(ALIAS_PREFIX.length);
  const hash = /^sha256:([0-9a-f]{64})$/.exec(rest)?.[1];
  if (hash) return { kind: 'digest', digest: hash };
  const [network, ifname, containerId, ...extra] = rest.split(':');
  if (extra.length > 0 || !network || !ifname || !containerId) return undefined;
  const owner = { network, ifname, containerId };
  return tapAlias(owner) === alias ? { kind: 'attachment', ...owner } : undefined;
}

/** Whether a link is a tap urunc-tap made: a tap carrying our alias. */
export function isUruncTap(link: Link): boolean {
  return link.tun?.type === 'tap' && (link.alias?.startsWith(ALIAS_PREFIX) ?? false);
}

/** Which of urunc-tap's taps an operator command takes: one by name, one pod interface's, or all. */
export interface TapScope {
  tap?: string;
  ifname?: string;
}

/**
 * Whether a link is a tap urunc-tap made within `scope`; the pod interface is read from a
 * readable alias (a digest alias matches no `ifname`).
 */
export function isUruncTapIn(scope: TapScope, link: Link): boolean {
  if (!isUruncTap(link) || (scope.tap && link.name !== scope.tap)) return false;
  if (!scope.ifname) return true;
  const owner = parseTapAlias(link.alias);
  return owner?.kind === 'attachment' && owner.ifname === scope.ifname;
}

/** Whether a link is this attachment's finished tap: a tap with its alias, whatever its name. */
export function hasAttachmentAlias(id: AttachmentId, link: Link): link is Link & { tun: TunInfo } {
  return link.tun?.type === 'tap' && link.alias === tapAlias(id);
}

/**
 * The name iproute2 creates this attachment's tap under before it renames it and sets its
 * alias in one request (createTapCommands): "utap-" and 10 hex digits of the attachment's
 * digest, 15 characters (IFNAMSIZ is 16 with the NUL). The name is the mark: a tap under it is
 * this attachment's, half-made by an ADD killed between the two commands.
 */
export function stagingTapName(id: AttachmentId): string {
  return `utap-${digest(id).slice(40, 50)}`;
}

/** Staging names, whichever attachment's (see stagingTapName). */
const STAGING_NAME = /^utap-[0-9a-f]{10}$/;

/**
 * Whether a link is some attachment's half-made tap: an alias-less tap under a staging name.
 * For `cleanup`, which takes whatever urunc-tap made; a verb takes only its own (isStagingTap).
 */
export function isAnyStagingTap(link: Link): boolean {
  return link.tun?.type === 'tap' && link.alias === undefined && STAGING_NAME.test(link.name);
}

/** Whether a link is this attachment's half-made tap: a tap under its staging name. */
export function isStagingTap(id: AttachmentId, link: Link): boolean {
  return link.tun?.type === 'tap' && link.name === stagingTapName(id);
}

/** Whether a link is this attachment's tap, finished (its alias) or half-made (its staging name). */
export function isAttachmentTap(id: AttachmentId, link: Link): boolean {
  return hasAttachmentAlias(id, link) || isStagingTap(id, link);
}

/**
 * This attachment's taps in a namespace (normally one; more if tapName changed meanwhile, or
 * the Node.js entry's ADD was killed between creating one and naming it).
 */
export function attachmentTaps(snapshot: NamespaceSnapshot, id: AttachmentId): Link[] {
  return snapshot.links.filter((link) => isAttachmentTap(id, link));
}

/** Whether the namespace holds anything of this attachment: a tap or a filter of its own. */
export function holdsAttachment(snapshot: NamespaceSnapshot, id: AttachmentId): boolean {
  if (attachmentTaps(snapshot, id).length > 0) return true;
  return [...snapshot.hooks.values()].some((hook) =>
    hook.filters.some((filter) => isAttachmentFilter(id, filter)),
  );
}

/**
 * A stable, locally administered unicast MAC for the tap, derived from the attachment, so the
 * result of ADD is known without reading the device back.
 */
export function tapMac(id: AttachmentId): string {
  const hex = digest(id).slice(14, 26);
  // The first octet with the group bit cleared and the locally administered bit set. (A loop,
  // not Array.from: in the executable's cold start that builtin alone costs ~0.15 ms.)
  const octets = [((parseInt(hex.slice(0, 2), 16) & 0xfe) | 0x02).toString(16).padStart(2, '0')];
  for (let at = 2; at < hex.length; at += 2) octets.push(hex.slice(at, at + 2));
  return octets.join(':');
}

/** The abstract unix socket name of an attachment's lock (see attachment-lock.ts). */
export function lockName(id: AttachmentId): string {
  return `\0urunc-tap/lock/${digest(id).slice(0, 40)}`;
}

/** Digests already computed: a verb asks for its attachment's many times (every mark, every
 * candidate object), and a hash costs ~0.1 ms in a cold process even with the runtime's own
 * hasher (sha256.ts). */
const digests = new Map<string, string>();

function digest(id: AttachmentId): string {
  const key = identity(id);
  let hex = digests.get(key);
  if (hex === undefined) digests.set(key, (hex = sha256Hex(key)));
  return hex;
}

/** (network, interface, container): what names one attachment in CNI. */
function identity(id: AttachmentId): string {
  return `${id.network}:${id.ifname}:${id.containerId}`;
}
