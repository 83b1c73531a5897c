// The plain-data shapes of `urunc-tap inspect --json` (stable: fields are only ever added).
import { formatHandle, type IngressHook, type Link } from '../net/model.js';
import { isUruncTapFilter, parseTapAlias, QDISC_MARK } from './marks.js';

/**
 * A tap urunc-tap made. `vmmAttached` is its carrier: some process (a VMM) holds it open.
 * `user` and `group` are the tap's owner and group as decimal ids, null when it has none.
 */
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
  /** The qdisc carries urunc-tap's mark: urunc-tap added it (and removes it with its last filter). */
  qdiscByUrunctap: boolean;
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
    user: idText(link.tun?.owner),
    group: idText(link.tun?.group),
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
    qdiscByUrunctap: hook.qdiscMark === QDISC_MARK,
    filters: hook.filters.map((filter) => ({
      pref: filter.pref,
      kind: filter.kind,
      handle: formatHandle(filter.kind, filter.handle),
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

function idText(id: number | undefined): string | null {
  return id === undefined ? null : String(id);
}
