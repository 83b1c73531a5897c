// Counts of everything a tap plugin could leak in a pod namespace, read independently of the
// plugin: links, qdiscs, filters, mirred actions, processes and the tun handles they hold.
import { readdirSync, readlinkSync } from 'node:fs';
import { ipn, sh, tcn } from './sh.js';

export interface NamespaceCensus {
  links: string[];
  qdiscs: number;
  /** Every filter entry (u32 headers included) on every link, ingress and egress. */
  filters: number;
  mirredActions: number;
  /** Processes whose network namespace this is. */
  pids: number[];
  /** Open /dev/net/tun handles held by those processes. */
  tunFds: number;
}

/** Takes the census of namespace `ns` (a name under /run/netns). */
export async function namespaceCensus(ns: string): Promise<NamespaceCensus> {
  const links = (JSON.parse(await ipn(ns, '-json', 'link', 'show')) as any[]).map(
    (link) => link.ifname as string,
  );
  const qdiscs = (JSON.parse(await tcn(ns, '-json', 'qdisc', 'show')) as unknown[]).length;
  let filters = 0;
  for (const dev of links) {
    for (const parent of ['ingress', 'egress']) {
      filters += (
        JSON.parse(
          (await tcn(ns, '-json', 'filter', 'show', 'dev', dev, parent)) || '[]',
        ) as unknown[]
      ).length;
    }
  }
  const pids = (await sh('ip', ['netns', 'pids', ns])).split('\n').filter(Boolean).map(Number);
  return {
    links,
    qdiscs,
    filters,
    mirredActions: await mirredActions(ns),
    pids,
    tunFds: pids.reduce((sum, pid) => sum + tunHandles(pid), 0),
  };
}

/**
 * The mirred actions the kernel still lists in `ns`. Deleted actions can stay listed for ~1 s
 * after their filter goes (measured; see DESIGN.md): callers poll.
 */
export async function mirredActions(ns: string): Promise<number> {
  const dump = JSON.parse(
    (await tcn(ns, '-json', 'actions', 'ls', 'action', 'mirred')) || '[]',
  ) as any[];
  return dump.reduce((sum, entry) => sum + (entry.actions?.length ?? 0), 0);
}

/** How many of a process's fds are /dev/net/tun (0 once it is gone). */
function tunHandles(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === '/dev/net/tun';
      } catch {
        return false;
      }
    }).length;
  } catch {
    return 0;
  }
}
