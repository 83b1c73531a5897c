// Builders of observed namespace states for the planner unit tests.
import type { Link, TcFilter } from '../../src/net/model.js';
import { redirectCookie, tapAlias, type Attachment } from '../../src/plugin/attachment.js';
import type { NamespaceState } from '../../src/plugin/observe.js';

export const attachment: Attachment = {
  network: 'net1',
  containerId: 'ctr1',
  ifname: 'eth0',
  netns: '/run/netns/pod',
  tapName: 'tap0_urunc',
};

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
      user: undefined,
      group: undefined,
    },
    ...overrides,
  };
}

/** One of our redirects, as tc shows it. */
export function ourRedirect(
  target: string,
  qdiscAddedByUs = true,
  handle = '800::800',
  owner = attachment,
): TcFilter {
  return {
    pref: 65280,
    protocol: 'all',
    kind: 'u32',
    handle,
    actions: [
      {
        kind: 'mirred',
        mirredAction: 'redirect',
        direction: 'egress',
        toDev: target,
        cookie: redirectCookie(owner, qdiscAddedByUs),
      },
    ],
  };
}

/** Somebody else's rule. */
export function foreignFilter(pref = 10): TcFilter {
  return { pref, protocol: 'ip', kind: 'u32', handle: '800::800', actions: [] };
}

/** A fully wired namespace, as ADD leaves it for `owner`. */
export function wired(owner = attachment): NamespaceState {
  return {
    podIf: podIf(),
    tap: tap({ alias: tapAlias(owner) }),
    hooks: new Map([
      ['eth0', { qdisc: 'ingress', filters: [ourRedirect('tap0_urunc', true, '800::800', owner)] }],
      ['tap0_urunc', { qdisc: 'ingress', filters: [ourRedirect('eth0', true, '800::800', owner)] }],
    ]),
  };
}

/** A pod with only its interface. */
export function bare(): NamespaceState {
  return {
    podIf: podIf(),
    tap: undefined,
    hooks: new Map([['eth0', { qdisc: undefined, filters: [] }]]),
  };
}
