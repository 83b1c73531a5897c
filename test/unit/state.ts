// Builders of namespace snapshots (src/net/model.ts) for the planner unit tests: what a backend
// would read from a pod's namespace, without one.
import type { IngressHook, Link, NamespaceSnapshot, TcFilter } from '../../src/net/model.js';
import {
  QDISC_MARK,
  redirectCookie,
  REDIRECT_PREF,
  tapAlias,
  type Attachment,
} from '../../src/plugin/marks.js';

export const attachment: Attachment = {
  network: 'net1',
  containerId: 'ctr1',
  ifname: 'eth0',
  netns: '/run/netns/pod',
  tapName: 'tap0_urunc',
};

/** u32's first rule handle in a fresh hash table: "800::800". */
export const FIRST_HANDLE = 0x80000800;

export function podIf(overrides: Partial<Link> = {}): Link {
  return {
    name: 'eth0',
    index: 2,
    kind: 'veth',
    mtu: 1500,
    mac: '0a:00:00:00:00:02',
    up: true,
    carrier: true,
    alias: undefined,
    tun: undefined,
    ...overrides,
  };
}

/** A tap of `attachment` (its alias), up, no VMM on it. */
export function tap(overrides: Partial<Link> = {}): Link {
  return {
    name: 'tap0_urunc',
    index: 3,
    kind: 'tun',
    mtu: 1500,
    mac: '0a:00:00:00:00:03',
    up: true,
    carrier: false,
    alias: tapAlias(attachment),
    tun: {
      type: 'tap',
      vnetHdr: true,
      multiQueue: false,
      persist: true,
      owner: undefined,
      group: undefined,
    },
    ...overrides,
  };
}

/** One of our redirects to `target`, as a backend reads it. */
export function ourRedirect(
  target: string,
  options: { handle?: number; owner?: Attachment; pref?: number } = {},
): TcFilter {
  const cookie = redirectCookie(options.owner ?? attachment);
  return redirect(target, options.pref ?? REDIRECT_PREF, cookie, options.handle);
}

/** Somebody else's rule: an IPv4 u32 match, no actions (it only classifies). */
export function foreignFilter(pref = 10, overrides: Partial<TcFilter> = {}): TcFilter {
  return {
    pref,
    protocol: 'ip',
    kind: 'u32',
    handle: FIRST_HANDLE,
    matchesAll: false,
    actions: [],
    ...overrides,
  };
}

/** A foreign redirect (no cookie of ours) to `target`: "*" once that device was deleted. */
export function foreignRedirect(target: string, pref = 20): TcFilter {
  return redirect(target, pref, undefined);
}

/** A u32 match-all with one mirred egress redirect to `target`. */
function redirect(
  target: string,
  pref: number,
  cookie: string | undefined,
  handle = FIRST_HANDLE,
): TcFilter {
  return {
    pref,
    protocol: 'all',
    kind: 'u32',
    handle,
    matchesAll: true,
    actions: [
      {
        kind: 'mirred',
        mirredAction: 'redirect',
        direction: 'egress',
        toDev: target,
        cookie,
        control: 'stolen',
      },
    ],
  };
}

/** An ingress hook: our marked `ingress` qdisc unless told otherwise. */
export function hook(filters: TcFilter[], qdisc: IngressHook['qdisc'] = 'ingress', mark?: number) {
  return {
    qdisc,
    qdiscMark: mark === undefined && qdisc === 'ingress' ? QDISC_MARK : mark,
    filters,
  } satisfies IngressHook;
}

/** An ingress hook whose qdisc somebody else added (no mark). */
export function foreignHook(filters: TcFilter[], qdisc: 'ingress' | 'clsact' = 'clsact') {
  return { qdisc, qdiscMark: undefined, filters } satisfies IngressHook;
}

/** A snapshot of the given links and hooks. */
export function snapshot(
  links: Link[],
  hooks: Array<[string, IngressHook]> = [],
  netns = attachment.netns,
): NamespaceSnapshot {
  return { netns, links, hooks: new Map(hooks) };
}

/** A fully wired namespace, as ADD leaves it for `owner`. */
export function wired(owner = attachment): NamespaceSnapshot {
  return snapshot(
    [podIf(), tap({ alias: tapAlias(owner) })],
    [
      ['eth0', hook([ourRedirect('tap0_urunc', { owner })])],
      ['tap0_urunc', hook([ourRedirect('eth0', { owner })])],
    ],
  );
}

/** A pod with only its interface. */
export function bare(): NamespaceSnapshot {
  return snapshot([podIf()]);
}

/**
 * A copy of `state` with the link named `name` replaced in place (added at the end when there
 * is none), or removed with its hook when `link` is undefined.
 */
export function withLink(
  state: NamespaceSnapshot,
  name: string,
  link: Link | undefined,
): NamespaceSnapshot {
  const hooks = new Map(state.hooks);
  if (!link) {
    hooks.delete(name);
    return { ...state, links: state.links.filter((l) => l.name !== name), hooks };
  }
  const at = state.links.findIndex((l) => l.name === name);
  const links = at < 0 ? [...state.links, link] : state.links.map((l, i) => (i === at ? link : l));
  return { ...state, links, hooks };
}
