// Who owns a tap, read back from the alias ADD set on it (see tapAlias in attachment.ts).
import { containerIdProblem, interfaceNameProblem } from '../cni/names.js';
import { tapAlias } from './attachment.js';

/**
 * The owner named by a urunc-tap alias: the attachment when the alias is the readable form,
 * or only a digest of it when network, interface and container ID were too long for an alias
 * (IFALIASZ): such a tap can be matched against a known attachment, never read back.
 */
export type TapOwner =
  | { kind: 'attachment'; network: string; ifname: string; containerId: string }
  | { kind: 'digest'; digest: string };

const PREFIX = 'urunc-tap:';

/** Whether `alias` marks a device as urunc-tap's (either form). */
export function isUruncTapAlias(alias: string | undefined): boolean {
  return alias?.startsWith(PREFIX) ?? false;
}

/**
 * Parses an alias written by tapAlias; undefined for anything else. The fields cannot hold
 * ":" (network names, interface names and container IDs exclude it), so the readable form
 * splits unambiguously; it is then checked by writing it again, and its interface name and
 * container ID are checked as CNI_IFNAME and CNI_CONTAINERID are, since GC hands them to DEL.
 */
export function parseTapAlias(alias: string | undefined): TapOwner | undefined {
  if (!alias || !isUruncTapAlias(alias)) return undefined;
  const rest = alias.slice(PREFIX.length);
  const digest = /^sha256:([0-9a-f]{64})$/.exec(rest)?.[1];
  if (digest) return { kind: 'digest', digest };
  const [network, ifname, containerId, ...extra] = rest.split(':');
  if (extra.length > 0 || !network || !ifname || !containerId) return undefined;
  if (interfaceNameProblem(ifname) || containerIdProblem(containerId)) return undefined;
  const owner = { network, ifname, containerId };
  if (tapAlias({ ...owner, netns: '', tapName: '' }) !== alias) return undefined;
  return { kind: 'attachment', ...owner };
}

/** Whether a tap with `alias` belongs to the attachment (network, ifname, containerId). */
export function aliasNames(
  alias: string | undefined,
  owner: { network: string; ifname: string; containerId: string },
): boolean {
  return alias !== undefined && alias === tapAlias({ ...owner, netns: '', tapName: '' });
}
