// Removing urunc-tap's objects from a namespace, for any notion of "ours": one planner behind
// DEL (one attachment's objects), GC (DEL per stale attachment) and `urunc-tap cleanup`
// (everything urunc-tap made, whatever the attachment).
import type { IngressHook, Link, TcFilter } from '../net/model.js';
import { qdiscAddedByUs } from './observe.js';
import { removeFilters } from './filter-removal.js';
import type { Op } from './ops.js';

/** What a removal may take: which taps go whole, and which filters go from other devices. */
export interface Ownership {
  /** Whether `link` is a tap to delete (its own hook goes with it). */
  tap(link: Link): boolean;
  /** Whether `filter`, on the ingress of device `dev`, is to be removed. */
  filter(dev: string, filter: TcFilter): boolean;
}

/**
 * The ops that remove what `owns` claims among `links`: the claimed filters of every device
 * kept, each device's ingress qdisc when our cookie says we added it and no other filter is
 * left on it, then the claimed taps. Filters go before taps, so no redirect of ours is ever left
 * pointing at nothing. Empty when nothing claimed is left: removal is idempotent.
 */
export function planRemoval(links: Link[], hooks: Map<string, IngressHook>, owns: Ownership): Op[] {
  const taps = links.filter((link) => owns.tap(link));
  const ops: Op[] = [];
  for (const link of links) {
    if (taps.includes(link)) continue;
    const { qdisc, filters } = hooks.get(link.name) ?? { qdisc: undefined, filters: [] };
    const ours = filters.filter((filter) => owns.filter(link.name, filter));
    ops.push(...unhook(link.name, qdisc === 'ingress' && qdiscAddedByUs(ours), ours, filters));
  }
  for (const tap of taps) ops.push({ op: 'delete-link', name: tap.name });
  return ops;
}

/** Removes `ours` from a device: with the qdisc when it is ours and nobody else uses it. */
export function unhook(dev: string, qdiscIsOurs: boolean, ours: TcFilter[], all: TcFilter[]): Op[] {
  if (qdiscIsOurs && all.length === ours.length) return [{ op: 'delete-ingress-qdisc', dev }];
  return removeFilters(dev, ours, all);
}
