// The model (src/net/model.ts) as iproute2's JSON shows it, written independently of the
// backends' parsers, to check what the netlink backend decodes against what iproute2 prints.
import { readFileSync } from 'node:fs';
import {
  parseHandle,
  type IngressHook,
  type Link,
  type TcAction,
  type TcFilter,
} from '../../src/net/model.js';

type Json = Record<string, any>;

/** uid/gid by name from /etc/passwd and /etc/group: iproute2 prints a tap's owner by name. */
function ids(file: string): Map<string, number> {
  try {
    return new Map(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(':'))
        .map((fields) => [fields[0]!, Number(fields[2])]),
    );
  } catch {
    return new Map();
  }
}
const USERS = ids('/etc/passwd');
const GROUPS = ids('/etc/group');
const id = (value: unknown, names: Map<string, number>): number | undefined =>
  typeof value === 'number' ? value : typeof value === 'string' ? names.get(value) : undefined;

/** `ip -j -d link show` as Link[]. */
export function linksFromIproute(json: Json[]): Link[] {
  return json.map((link) => {
    const kind: string | undefined = link.linkinfo?.info_kind;
    const data: Json | undefined = link.linkinfo?.info_data;
    const flags: string[] = link.flags ?? [];
    return {
      name: link.ifname,
      index: link.ifindex,
      kind,
      mtu: link.mtu,
      mac: link.address ?? '',
      up: flags.includes('UP'),
      carrier: flags.includes('LOWER_UP'),
      alias: link.ifalias,
      tun:
        kind === 'tun' && data
          ? {
              type: data.type,
              vnetHdr: data.vnet_hdr === true,
              multiQueue: data.multi_queue === true,
              persist: data.persist === true,
              owner: id(data.user, USERS),
              group: id(data.group, GROUPS),
            }
          : undefined,
    };
  });
}

/** `tc -j -d qdisc show` as the qdisc part of each device's ingress hook. */
export function ingressQdiscsFromIproute(
  json: Json[],
): Map<string, Pick<IngressHook, 'qdisc' | 'qdiscMark'>> {
  const hooks = new Map<string, Pick<IngressHook, 'qdisc' | 'qdiscMark'>>();
  for (const qdisc of json) {
    if (qdisc.parent !== 'ffff:fff1' || !['ingress', 'clsact'].includes(qdisc.kind)) continue;
    hooks.set(qdisc.dev, { qdisc: qdisc.kind, qdiscMark: qdisc.stab?.mpu });
  }
  return hooks;
}

/**
 * `tc -j filter show dev X ingress` as TcFilter[]: entries without options (a priority's
 * header) and u32 hash tables (ht_divisor) are not rules. iproute2 prints each u32 key as a
 * "match" member of one object, so JSON.parse keeps the last key only: fine for one-key rules.
 */
export function filtersFromIproute(json: Json[]): TcFilter[] {
  return json
    .filter((entry) => entry.options !== undefined && entry.options.ht_divisor === undefined)
    .map((entry) => {
      const options: Json = entry.options;
      const kind: string = entry.kind;
      return {
        pref: entry.pref,
        protocol: entry.protocol,
        kind,
        handle: parseHandle(String(options.fh ?? options.handle ?? '0'))!,
        matchesAll:
          kind === 'matchall' ||
          (kind === 'u32' && (options.match === undefined || options.match.mask === '0')),
        actions: kind === 'u32' || kind === 'matchall' ? actionsFromIproute(options.actions) : [],
      };
    });
}

function actionsFromIproute(actions: Json[] | undefined): TcAction[] {
  return (actions ?? [])
    .sort((a, b) => a.order - b.order)
    .map((action) => ({
      kind: action.kind,
      mirredAction: action.mirred_action,
      direction: action.direction,
      toDev: action.to_dev,
      cookie: action.cookie,
      control: action.control_action?.type,
    }));
}
