// How to remove our filters from a device without touching anybody else's.
import type { TcFilter } from '../net/model.js';
import type { Op } from './ops.js';

/**
 * Ops that delete `ours` from `dev`. Where a priority holds only our rules, the whole
 * priority goes: deleting just the u32 rule would leave its empty hash table behind when
 * another u32 filter shares the qdisc. Where a foreign rule shares the priority, only our
 * rules go, one by handle.
 */
export function removeFilters(dev: string, ours: TcFilter[], all: TcFilter[]): Op[] {
  const ops: Op[] = [];
  const prefs = new Set(ours.map((filter) => filter.pref));
  for (const pref of prefs) {
    const here = ours.filter((filter) => filter.pref === pref);
    const shared = all.some((filter) => filter.pref === pref && !ours.includes(filter));
    if (shared) {
      for (const filter of here) ops.push({ op: 'delete-filter', dev, filter });
    } else {
      ops.push({
        op: 'delete-priority',
        dev,
        pref,
        protocol: here[0]!.protocol,
        kind: here[0]!.kind,
      });
    }
  }
  return ops;
}
