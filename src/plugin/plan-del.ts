// Removal as a plan, for any notion of "ours": DEL (one attachment's objects, by their marks),
// the rollback of a failed ADD (what that ADD created), and `urunc-tap cleanup` (whatever
// urunc-tap made). One planner, so all three leave exactly the same kind of namespace behind.
import type { Change } from '../net/changes.js';
import { hookOf, type Link, type NamespaceSnapshot, type TcFilter } from '../net/model.js';
import {
  hasAttachmentAlias,
  isAttachmentFilter,
  isAttachmentTap,
  isStagingTap,
  QDISC_MARK,
  type Attachment,
  type AttachmentId,
} from './marks.js';

/** What a removal may take: which taps go whole, and which filters go from other devices. */
export interface Ownership {
  /** Whether `link` is a tap to delete (its own hook goes with it). */
  tap(link: Link): boolean;
  /** Whether `filter`, on the ingress of device `dev`, is to be removed. */
  filter(dev: string, filter: TcFilter): boolean;
  /** Whether the marked ingress qdisc of `dev` may go with the last filter (default: yes). */
  qdisc?(dev: string): boolean;
}

/**
 * What one attachment owns: the taps with its alias or under its staging name, and the filters
 * with its cookie.
 */
function attachmentOwnership(id: AttachmentId): Ownership {
  return {
    tap: (link) => isAttachmentTap(id, link),
    filter: (_dev, filter) => isAttachmentFilter(id, filter),
  };
}

/**
 * DEL: removes this attachment's redirects wherever they are, its taps whatever their name,
 * and the ingress qdiscs urunc-tap added once no foreign filter is left on them, including an
 * empty one of ours on the pod interface (an ADD killed between the qdisc and its filter).
 * Empty when nothing is left: DEL is idempotent.
 */
export function planDel(snapshot: NamespaceSnapshot, id: AttachmentId): Change[] {
  return planRemoval(snapshot, attachmentOwnership(id), [id.ifname]);
}

/**
 * The changes that remove what `owns` claims: the claimed filters of every device kept, each
 * device's ingress qdisc when it carries our mark, `owns` claims it and no other filter is left
 * on it (on the devices holding a claimed filter, and on `alsoUnhook`), then the claimed taps. Filters go
 * before taps, so no redirect of ours is ever left pointing at nothing.
 */
export function planRemoval(
  snapshot: NamespaceSnapshot,
  owns: Ownership,
  alsoUnhook: string[] = [],
): Change[] {
  const taps = snapshot.links.filter((link) => owns.tap(link));
  const changes: Change[] = [];
  for (const link of snapshot.links) {
    if (taps.includes(link)) continue;
    const hook = hookOf(snapshot, link.name);
    const ours = hook.filters.filter((filter) => owns.filter(link.name, filter));
    if (ours.length === 0 && !alsoUnhook.includes(link.name)) continue;
    const qdiscIsOurs = hook.qdiscMark === QDISC_MARK && (owns.qdisc?.(link.name) ?? true);
    changes.push(...unhook(link.name, qdiscIsOurs, ours, hook.filters));
  }
  for (const tap of taps) changes.push({ op: 'delete-link', name: tap.name });
  return changes;
}

/**
 * Undoes what a failed ADD created, judged on a fresh read, and only what it proves ours now:
 * a tap it tried to create goes only if the device of that name carries this attachment's
 * alias (a VMM may have made its own by TUNSETIFF between ADD's read and its write), and a tap
 * under this attachment's staging name goes (iproute2 creates it there, then renames it with
 * its alias, and can fail in between); a qdisc it added only if it carries our mark; a
 * redirect only by this attachment's cookie. Things that were there before are left alone.
 */
export function planRollback(
  attempted: Change[],
  snapshot: NamespaceSnapshot,
  attachment: Attachment,
): Change[] {
  const created = (op: Change['op'], dev: string) =>
    attempted.some(
      (change) => change.op === op && ('dev' in change ? change.dev === dev : change.name === dev),
    );
  const addedQdisc = (dev: string) => created('add-ingress-qdisc', dev);
  const ownership: Ownership = {
    tap: (link) =>
      isStagingTap(attachment, link) ||
      (created('create-tap', link.name) && hasAttachmentAlias(attachment, link)),
    filter: (dev, filter) => created('add-redirect', dev) && isAttachmentFilter(attachment, filter),
    qdisc: addedQdisc,
  };
  const hooked = snapshot.links.map((link) => link.name).filter(addedQdisc);
  return planRemoval(snapshot, ownership, hooked);
}

/** Removes `ours` from a device: with the qdisc when it is ours and nobody else uses it. */
function unhook(dev: string, qdiscIsOurs: boolean, ours: TcFilter[], all: TcFilter[]): Change[] {
  if (qdiscIsOurs && all.length === ours.length) return [{ op: 'delete-ingress-qdisc', dev }];
  return removeFilters(dev, ours, all);
}

/**
 * Changes that delete `ours` from `dev`. Where a priority holds only our rules, the whole
 * priority goes: deleting just the u32 rule would leave its empty hash table behind when
 * another u32 filter shares the qdisc. Where a foreign rule shares the priority, only our
 * rules go, one by handle.
 */
export function removeFilters(dev: string, ours: TcFilter[], all: TcFilter[]): Change[] {
  const changes: Change[] = [];
  for (const pref of new Set(ours.map((filter) => filter.pref))) {
    const here = ours.filter((filter) => filter.pref === pref);
    const shared = all.some((filter) => filter.pref === pref && !ours.includes(filter));
    if (shared) {
      for (const { kind, handle } of here)
        changes.push({ op: 'delete-filter', dev, pref, kind, handle });
    } else {
      changes.push({ op: 'delete-priority', dev, pref, kind: here[0]!.kind });
    }
  }
  return changes;
}
