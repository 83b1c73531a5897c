// The plain-data shapes of `urunc-tap inspect --json` (stable: fields are only ever added).
import type { IngressHook, Link } from '../net/model.js';
import { isUruncTapFilter } from './marks.js';
import { parseTapAlias } from './tap-owner.js';

/** A tap urunc-tap made. `vmmAttached` is its carrier: some process (a VMM) holds it open. */
export interface TapReport {
  name: string;
  owner: { network: string; ifname: string; containerId: string } | { digest: string };
  user: string | null;
  group: string | null;
  mtu: number;
  mac: string;
  up: boolean;
  vmmAttached: boolean;
  vnetHdr: boolean;
  multiQueue: boolean;
}

/** A filter on a device's ingress; `urunctap` when its action cookie is ours. */
export interface FilterReport {
  pref: number;
  kind: string;
  handle: string;
  urunctap: boolean;
  actions: Array<{
    kind: string;
    action: string | null;
    direction: string | null;
    to: string | null;
  }>;
}

/** A device with an ingress hook, or one of ours. */
export interface DeviceReport {
  name: string;
  kind: string | null;
  mtu: number;
  up: boolean;
  carrier: boolean;
  qdisc: 'ingress' | 'clsact' | null;
  filters: FilterReport[];
}

/** The report of one of our taps. */
export function tapReport(link: Link): TapReport {
  const owner = parseTapAlias(link.alias)!;
  return {
    name: link.name,
    owner:
      owner.kind === 'digest'
        ? { digest: owner.digest }
        : { network: owner.network, ifname: owner.ifname, containerId: owner.containerId },
    user: link.tun?.user ?? null,
    group: link.tun?.group ?? null,
    mtu: link.mtu,
    mac: link.mac,
    up: link.up,
    vmmAttached: link.carrier,
    vnetHdr: link.tun?.vnetHdr ?? false,
    multiQueue: link.tun?.multiQueue ?? false,
  };
}

/** The report of one device and its ingress hook. */
export function deviceReport(link: Link, hook: IngressHook): DeviceReport {
  return {
    name: link.name,
    kind: link.kind ?? null,
    mtu: link.mtu,
    up: link.up,
    carrier: link.carrier,
    qdisc: hook.qdisc ?? null,
    filters: hook.filters.map((filter) => ({
      pref: filter.pref,
      kind: filter.kind,
      handle: filter.handle,
      urunctap: isUruncTapFilter(filter),
      actions: filter.actions.map((action) => ({
        kind: action.kind,
        action: action.mirredAction ?? null,
        direction: action.direction ?? null,
        to: action.toDev ?? null,
      })),
    })),
  };
}
