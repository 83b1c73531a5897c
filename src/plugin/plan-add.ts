// ADD as a plan: from what is in the namespace to the changes that wire tap and pod interface.
import { CniError, ErrorCode } from '../cni/errors.js';
import type { Change } from '../net/changes.js';
import { hookOf, linkNamed, type NamespaceSnapshot, type TcFilter } from '../net/model.js';
import type { PluginConfig } from './config.js';
import {
  attachmentTaps,
  hasAttachmentAlias,
  isAttachmentFilter,
  isStagingTap,
  isUruncTapFilter,
  QDISC_MARK,
  redirectCookie,
  REDIRECT_PREF,
  redirectsTo,
  stagingTapName,
  tapAlias,
  tapMac,
  targetsDeletedDevice,
  type Attachment,
} from './marks.js';
import { removeFilters } from './plan-del.js';

/** What ADD will change, and what it saw but leaves alone (said on stderr and in the log). */
export interface AddPlan {
  changes: Change[];
  /** One sentence per change that is not a plain part of the wiring (a repair), for the log. */
  repairs: string[];
  warnings: string[];
}

/**
 * The changes that make the namespace hold exactly one working wiring for this attachment: a
 * tap owned by it, an ingress hook on both devices, and one redirect of ours each way. What is
 * already right is left alone, so a repeated ADD plans nothing. On the way it removes what can
 * work for no one: redirects to deleted devices on the pod interface and the tap, whoever made
 * them (the runtime's own in-kill cleanup used to leave those), and taps of this attachment
 * under another name (tapName changed since an earlier ADD, or its half-made tap under its
 * staging name: the Node.js entry's ADD killed between its two commands).
 */
export function planAdd(
  snapshot: NamespaceSnapshot,
  attachment: Attachment,
  config: PluginConfig,
): AddPlan {
  const podIf = linkNamed(snapshot, attachment.ifname);
  if (!podIf) {
    throw new CniError(
      ErrorCode.PodInterfaceMissing,
      `pod interface ${attachment.ifname} not found in ${attachment.netns}; urunc-tap must be chained after the plugin that creates it`,
    );
  }
  const plan: AddPlan = { changes: [], repairs: [], warnings: [] };
  for (const stale of attachmentTaps(snapshot, attachment)) {
    if (stale.name === attachment.tapName) continue;
    plan.changes.push({ op: 'delete-link', name: stale.name });
    plan.repairs.push(
      isStagingTap(attachment, stale)
        ? `deleted ${stale.name}, this attachment's tap half-made by an interrupted ADD`
        : `deleted ${stale.name}, this attachment's tap under an earlier tapName`,
    );
  }
  const mtu = config.mtu ?? podIf.mtu;
  const tapIsNew = planTap(snapshot, attachment, config, mtu, plan.changes);

  const wiring: Array<[dev: string, target: string]> = [
    [podIf.name, attachment.tapName],
    [attachment.tapName, podIf.name],
  ];
  for (const [dev, target] of wiring) {
    // A new tap has no hook yet; and a redirect to a tap we recreate points at the old one.
    const hook = tapIsNew && dev === attachment.tapName ? undefined : hookOf(snapshot, dev);
    const filters = hook?.filters ?? [];
    const ours = filters.filter((filter) => isAttachmentFilter(attachment, filter));
    const deadEnds = filters.filter((f) => !ours.includes(f) && targetsDeletedDevice(f));
    if (deadEnds.length > 0) {
      plan.changes.push(...removeFilters(dev, deadEnds, filters));
      for (const filter of deadEnds) {
        const whose = isUruncTapFilter(filter) ? "another attachment's" : 'a foreign';
        plan.repairs.push(
          `removed ${whose} redirect to a deleted device on ${dev} (pref ${filter.pref}): it dropped every packet`,
        );
      }
    }
    const kept = filters.filter((filter) => !deadEnds.includes(filter));
    if (!hook?.qdisc) plan.changes.push({ op: 'add-ingress-qdisc', dev, mark: QDISC_MARK });
    const targetIsNew = tapIsNew && target === attachment.tapName;
    const [first, ...extra] = ours;
    if (!first || targetIsNew || extra.length > 0 || !redirectsTo(first, target)) {
      // Orphaned ("*"), misdirected or duplicated redirects of ours are replaced by one good one.
      plan.changes.push(...removeFilters(dev, ours, kept));
      plan.changes.push({
        op: 'add-redirect',
        dev,
        pref: REDIRECT_PREF,
        target,
        cookie: redirectCookie(attachment),
      });
    }
    plan.warnings.push(
      ...shadowing(
        dev,
        kept.filter((filter) => !ours.includes(filter)),
      ),
    );
  }
  return plan;
}

/**
 * Foreign match-all filters that run before our redirect and end classification there: they
 * take every packet (the namespace's own stack answers instead of the guest). Not ours to
 * remove, so they are named.
 */
export function shadowing(dev: string, foreign: TcFilter[]): string[] {
  return foreign
    .filter((filter) => takesEverything(filter) && filter.pref < REDIRECT_PREF)
    .map(
      (filter) =>
        `a foreign ${filter.kind} filter at pref ${filter.pref} on ${dev} matches every packet before urunc-tap's redirect (pref ${REDIRECT_PREF}): the guest gets none of them`,
    );
}

/**
 * Whether a filter matches every packet and ends classification: a match-all whose last
 * action does not say "continue" (TC_ACT_UNSPEC, the only verdict that lets the next filter
 * run); one without actions returns TC_ACT_OK, which ends it too.
 */
function takesEverything(filter: TcFilter): boolean {
  if (!filter.matchesAll || filter.protocol !== 'all') return false;
  return filter.actions.at(-1)?.control !== 'continue';
}

/** Plans the tap itself; returns whether it will be (re)created. */
function planTap(
  snapshot: NamespaceSnapshot,
  attachment: Attachment,
  config: PluginConfig,
  mtu: number,
  changes: Change[],
): boolean {
  const create: Change = {
    op: 'create-tap',
    name: attachment.tapName,
    staging: stagingTapName(attachment),
    owner: config.owner,
    group: config.group,
    vnetHdr: config.vnetHdr,
    multiQueue: config.multiQueue,
    mtu,
    mac: tapMac(attachment),
    alias: tapAlias(attachment),
  };
  const tap = linkNamed(snapshot, attachment.tapName);
  if (!tap) {
    changes.push(create);
    return true;
  }
  if (!hasAttachmentAlias(attachment, tap)) {
    const owner = tap.alias ? `it belongs to "${tap.alias}"` : 'it was not created by urunc-tap';
    throw new CniError(
      ErrorCode.TapNameTaken,
      `a device named ${attachment.tapName} already exists in ${attachment.netns} and ${owner}; remove it or set another tapName`,
    );
  }
  // tun flags are fixed at creation: a tap of ours with other flags is recreated.
  const { tun } = tap;
  if (tun.vnetHdr !== config.vnetHdr || tun.multiQueue !== config.multiQueue) {
    changes.push({ op: 'delete-link', name: tap.name }, create);
    return true;
  }
  if (tap.mtu !== mtu || !tap.up) changes.push({ op: 'set-link', name: tap.name, mtu });
  return false;
}
