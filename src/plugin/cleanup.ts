// `urunc-tap cleanup`: DEL by hand for a namespace a runtime left behind, for whatever
// urunc-tap made there, whichever attachment made it.
import type { NetBackend } from '../net/backend.js';
import type { Change } from '../net/changes.js';
import type { Link, NamespaceSnapshot } from '../net/model.js';
import { netError, read } from './converge.js';
import {
  isAnyStagingTap,
  isUruncTapFilter,
  isUruncTapIn,
  redirectTarget,
  type TapScope,
} from './marks.js';
import { planRemoval, type Ownership } from './plan-del.js';

/** What to remove: one tap, one pod interface's wiring, or (default) all of urunc-tap's. */
export type CleanupScope = TapScope;

/**
 * DEL recognises its objects by the attachment (network, container ID, interface) hashed into
 * the tap alias and the filter cookies; an operator cleaning up after a runtime does not know
 * it. So cleanup runs DEL's planner with another notion of "ours": anything urunc-tap marked
 * (a tap with our alias, a filter with our cookie marker, a qdisc with our mark), narrowed by
 * the scope:
 * - taps: ours, only `tap` if given, only those of pod interface `ifname` if given (read from a
 *   readable alias; a digest alias matches no `ifname`);
 * - filters: ours on the devices in scope (every device, or `ifname`), only those redirecting to
 *   `tap` or to a deleted device if `tap` is given; and, anywhere, ours redirecting to a tap
 *   being removed, so no redirect is ever left pointing at nothing.
 * Orphaned redirects (`*`) count as `tap`'s: once a tap is deleted its name is gone from them.
 * Without a scope, half-made taps go too (an alias-less tap under a staging name: the Node.js
 * entry's ADD killed between creating a tap and naming it, see marks.stagingTapName).
 * Foreign taps, filters and qdiscs are never touched; our ingress qdisc goes with our last filter.
 */
function cleanupOwnership(snapshot: NamespaceSnapshot, scope: CleanupScope): Ownership {
  const unscoped = !scope.tap && !scope.ifname;
  const isTap = (link: Link) => isUruncTapIn(scope, link) || (unscoped && isAnyStagingTap(link));
  const removed = new Set(snapshot.links.filter(isTap).map((link) => link.name));
  return {
    tap: isTap,
    filter(dev, filter) {
      if (!isUruncTapFilter(filter)) return false;
      const to = redirectTarget(filter);
      if (to !== undefined && removed.has(to)) return true;
      if (scope.ifname && dev !== scope.ifname) return false;
      return !scope.tap || to === scope.tap || to === '*';
    },
  };
}

/** The changes that clean `snapshot` within `scope` (none when nothing is left: safe to repeat). */
export function planCleanup(snapshot: NamespaceSnapshot, scope: CleanupScope): Change[] {
  // Without a scope, an empty ingress qdisc of ours anywhere goes too (an ADD killed between the
  // qdisc and its filter); with --ifname, only that device's.
  const unhook = scope.tap ? [] : scope.ifname ? [scope.ifname] : snapshot.links.map((l) => l.name);
  return planRemoval(snapshot, cleanupOwnership(snapshot, scope), unhook);
}

/** Reads the namespace, plans, and (unless `dryRun`) applies; returns the changes. */
export async function cleanup(
  backend: NetBackend,
  netns: string,
  scope: CleanupScope,
  dryRun = false,
): Promise<Change[]> {
  const changes = planCleanup(await read(backend, netns), scope);
  if (!dryRun) {
    await backend.apply(netns, changes).catch((error) => {
      throw netError(error, 'cleaning up');
    });
  }
  return changes;
}
