// A Platform without a kernel: namespaces held as snapshots, changes applied to them the way
// the kernel would (a deleted device's hook goes with it and redirects to it become "*"), a
// lock binder in memory, and a record of everything the verbs asked for.
import type { NetBackend, ProbeFailure, Requirement } from '../../src/net/backend.js';
import type { Change } from '../../src/net/changes.js';
import { NetError } from '../../src/net/errors.js';
import type { NamespaceSnapshot, TcFilter } from '../../src/net/model.js';
import type { LockBinder } from '../../src/plugin/attachment-lock.js';
import type { Platform } from '../../src/plugin/platform.js';
import { netnsStatus } from '../../src/net/netns.js';

export interface FakeHost {
  platform: Platform;
  backend: NetBackend;
  /** The namespaces, by path; changes are applied to these. */
  namespaces: Map<string, NamespaceSnapshot>;
  /** Every successful apply: the namespace and its changes. */
  applied: Array<[netns: string, changes: Change[]]>;
  /** Every read of a whole namespace. */
  reads: string[];
  /** The timeoutMs of every backend made. */
  timeouts: number[];
  /** The lock names bound, in order. */
  locks: string[];
}

export interface FakeOptions {
  /** An error for an apply in `netns`, or undefined to let it through. */
  failApply?: (netns: string, changes: Change[]) => NetError | undefined;
  requirements?: Requirement[];
  probe?: ProbeFailure;
  /** Paths the host-wide search lists besides the namespaces (vanished ones, say). */
  alsoListed?: string[];
}

/** A fake host holding `namespaces`. */
export function fakeHost(
  namespaces: Record<string, NamespaceSnapshot>,
  options: FakeOptions = {},
): FakeHost {
  const held = new Map(Object.entries(namespaces).map(([path, state]) => [path, clone(state)]));
  const host: Omit<FakeHost, 'platform' | 'backend'> = {
    namespaces: held,
    applied: [],
    reads: [],
    timeouts: [],
    locks: [],
  };
  const gone = (netns: string) =>
    new NetError({
      operation: 'ip -json -details link show',
      netns,
      errno: 'ENOENT',
      detail: 'nsenter: cannot open: No such file or directory',
    });
  const backend: NetBackend = {
    name: 'fake',
    async read(netns) {
      host.reads.push(netns);
      const state = held.get(netns);
      if (!state) throw gone(netns);
      return clone(state);
    },
    async apply(netns, changes) {
      const state = held.get(netns);
      if (!state) throw gone(netns);
      const error = options.failApply?.(netns, changes);
      if (error) throw error;
      for (const change of changes) applyChange(state, change);
      host.applied.push([netns, changes]);
    },
    async readLinks(paths) {
      return new Map(
        paths.flatMap((path) => {
          const state = held.get(path);
          return state ? [[path, clone(state).links] as const] : [];
        }),
      );
    },
    requirements: () => options.requirements ?? [],
    probe: async () => options.probe,
  };
  const bindLock: LockBinder = async (name) => {
    host.locks.push(name);
    return { close: () => {} };
  };
  const platform: Platform = {
    backend: ({ timeoutMs }) => (host.timeouts.push(timeoutMs), backend),
    bindLock,
    // A namespace the fake host holds is one; any other path is what the real host says.
    netnsStatus: (path) => (held.has(path) ? 'namespace' : netnsStatus(path)),
    namespaces: () => [...held.keys(), ...(options.alsoListed ?? [])],
  };
  return { ...host, platform, backend };
}

/**
 * A change as the kernel carries it out, on the snapshot (enough for the verbs' changes); it
 * refuses what the kernel refuses: a second device of a name, a second ingress qdisc, a filter
 * on a device without one, anything on a device that does not exist.
 */
export function applyChange(state: NamespaceSnapshot, change: Change): void {
  const filtersOf = (dev: string) => state.hooks.get(dev)?.filters ?? [];
  const refuse = (errno: string, detail: string) => {
    throw new NetError({ operation: change.op, netns: state.netns, errno, detail });
  };
  const name = 'name' in change ? change.name : change.dev;
  const exists = state.links.some((link) => link.name === name);
  if (change.op === 'create-tap' ? exists : !exists) {
    refuse(exists ? 'EEXIST' : 'ENODEV', `device ${name}`);
  }
  if (change.op === 'add-ingress-qdisc' && state.hooks.has(change.dev)) {
    refuse('EEXIST', `ingress qdisc on ${change.dev}`);
  }
  if (
    ['add-redirect', 'delete-filter', 'delete-priority', 'delete-ingress-qdisc'].includes(
      change.op,
    ) &&
    !state.hooks.has(name)
  ) {
    refuse('EINVAL', `no ingress qdisc on ${name}`);
  }
  const setFilters = (dev: string, keep: (filter: TcFilter) => boolean) => {
    const hook = state.hooks.get(dev);
    if (hook) state.hooks.set(dev, { ...hook, filters: hook.filters.filter(keep) });
  };
  switch (change.op) {
    case 'create-tap':
      state.links.push({
        name: change.name,
        index: Math.max(0, ...state.links.map((link) => link.index)) + 1,
        kind: 'tun',
        mtu: change.mtu,
        mac: change.mac,
        up: true,
        carrier: false,
        alias: change.alias,
        tun: {
          type: 'tap',
          vnetHdr: change.vnetHdr,
          multiQueue: change.multiQueue,
          persist: true,
          owner: change.owner,
          group: change.group,
        },
      });
      return;
    case 'set-link':
      state.links = state.links.map((link) =>
        link.name === change.name ? { ...link, mtu: change.mtu, up: true } : link,
      );
      return;
    case 'delete-link':
      state.links = state.links.filter((link) => link.name !== change.name);
      state.hooks.delete(change.name);
      // The kernel keeps a redirect to a deleted device, pointing at nothing.
      for (const hook of state.hooks.values()) {
        for (const filter of hook.filters) {
          for (const action of filter.actions) if (action.toDev === change.name) action.toDev = '*';
        }
      }
      return;
    case 'add-ingress-qdisc':
      state.hooks.set(change.dev, { qdisc: 'ingress', qdiscMark: change.mark, filters: [] });
      return;
    case 'delete-ingress-qdisc':
      state.hooks.delete(change.dev);
      return;
    case 'add-redirect':
      state.hooks.get(change.dev)!.filters.push({
        pref: change.pref,
        protocol: 'all',
        kind: 'u32',
        handle: 0x80000800 + filtersOf(change.dev).length,
        matchesAll: true,
        actions: [
          {
            kind: 'mirred',
            mirredAction: 'redirect',
            direction: 'egress',
            toDev: change.target,
            cookie: change.cookie,
            control: 'stolen',
          },
        ],
      });
      return;
    case 'delete-filter':
      setFilters(change.dev, (f) => f.pref !== change.pref || f.handle !== change.handle);
      return;
    case 'delete-priority':
      setFilters(change.dev, (f) => f.pref !== change.pref);
      return;
  }
}

function clone(state: NamespaceSnapshot): NamespaceSnapshot {
  return structuredClone(state);
}
