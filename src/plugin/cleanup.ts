// `urunc-tap cleanup`: DEL by hand for a namespace a runtime left behind, for whatever
// urunc-tap made there, whichever attachment made it.
import type { Runner } from '../net/exec.js';
import { applyOps, netError } from './apply.js';
import { isUruncTap, isUruncTapFilter, redirectTarget } from './marks.js';
import { observeNamespace, type NamespaceView } from './observe-namespace.js';
import type { Op } from './ops.js';
import { planRemoval, type Ownership } from './plan-removal.js';
import { parseTapAlias } from './tap-owner.js';

/** What to remove: one tap, one pod interface's wiring, or (default) all of urunc-tap's. */
export interface CleanupScope {
  tap?: string;
  ifname?: string;
}

/**
 * DEL recognises its objects by the attachment (network, container ID, interface) hashed into
 * the tap alias and the filter cookies; an operator cleaning up after a runtime does not know
 * it. So cleanup runs DEL's planner with another notion of "ours": anything urunc-tap marked
 * (a tap with our alias, a filter with our cookie marker), narrowed by the scope:
 * - taps: ours, only `tap` if given, only those of pod interface `ifname` if given (read from a
 *   readable alias; a digest alias matches no `ifname`);
 * - filters: ours on the devices in scope (every device, or `ifname`), only those redirecting to
 *   `tap` or to a deleted device if `tap` is given; and, anywhere, ours redirecting to a tap
 *   being removed, so no redirect is ever left pointing at nothing.
 * Orphaned redirects (`*`) count as `tap`'s: once a tap is deleted its name is gone from them.
 * Foreign taps, filters and qdiscs are never touched; our ingress qdisc goes with our last filter.
 */
export function cleanupOwnership(view: NamespaceView, scope: CleanupScope): Ownership {
  const isTap = (link: NamespaceView['links'][number]) =>
    isUruncTap(link) &&
    (!scope.tap || link.name === scope.tap) &&
    (!scope.ifname || podInterfaceOf(link.alias) === scope.ifname);
  const removed = new Set(view.links.filter(isTap).map((link) => link.name));
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

/** The ops that clean `view` within `scope` (empty when nothing is left: safe to repeat). */
export function planCleanup(view: NamespaceView, scope: CleanupScope): Op[] {
  return planRemoval(view.links, view.hooks, cleanupOwnership(view, scope));
}

/** Reads the namespace, plans, and (unless `dryRun`) applies; returns the ops. */
export async function cleanup(
  run: Runner,
  netns: string,
  scope: CleanupScope,
  dryRun = false,
): Promise<{ view: NamespaceView; ops: Op[] }> {
  const view = await observeNamespace(run, netns).catch((error) => {
    throw netError(error, `reading ${netns}`);
  });
  const ops = planCleanup(view, scope);
  if (!dryRun) {
    await applyOps(run, netns, ops).catch((error) => {
      throw netError(error, 'cleaning up');
    });
  }
  return { view, ops };
}

function podInterfaceOf(alias: string | undefined): string | undefined {
  const owner = parseTapAlias(alias);
  return owner?.kind === 'attachment' ? owner.ifname : undefined;
}
