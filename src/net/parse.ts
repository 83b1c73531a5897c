// Parsers for iproute2's `-json` output. Tolerant of absent keys, strict about types.
import type { IngressHook, Link, TcAction, TcFilter } from './model.js';

type Json = Record<string, unknown>;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const obj = (value: unknown): Json =>
  typeof value === 'object' && value !== null ? (value as Json) : {};
const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Parses `ip -json -details link show`. */
export function parseLinks(json: string): Link[] {
  return arr(JSON.parse(json)).map((raw) => {
    const entry = obj(raw);
    const flags = arr(entry.flags);
    const linkinfo = obj(entry.linkinfo);
    const kind = str(linkinfo.info_kind);
    const data = obj(linkinfo.info_data);
    const tunType = str(data.type);
    return {
      name: str(entry.ifname) ?? '',
      index: num(entry.ifindex) ?? 0,
      kind,
      mtu: num(entry.mtu) ?? 0,
      mac: str(entry.address) ?? '',
      up: flags.includes('UP'),
      carrier: !flags.includes('NO-CARRIER'),
      alias: str(entry.ifalias),
      tun:
        kind === 'tun' && (tunType === 'tap' || tunType === 'tun')
          ? {
              type: tunType,
              vnetHdr: data.vnet_hdr === true,
              multiQueue: data.multi_queue === true,
              persist: data.persist === true,
              user: str(data.user) ?? num(data.user)?.toString(),
              group: str(data.group) ?? num(data.group)?.toString(),
            }
          : undefined,
    };
  });
}

/** From `tc -json qdisc show`: the kind of ingress-side qdisc on each device. */
export function parseIngressQdiscs(json: string): Map<string, IngressHook['qdisc']> {
  const hooks = new Map<string, IngressHook['qdisc']>();
  for (const raw of arr(JSON.parse(json))) {
    const entry = obj(raw);
    const kind = str(entry.kind);
    const dev = str(entry.dev);
    if (dev && (kind === 'ingress' || kind === 'clsact')) hooks.set(dev, kind);
  }
  return hooks;
}

/**
 * Parses `tc -json filter show dev X ingress`. iproute2 prints a header entry per priority
 * (no `options`) and, for u32, one per hash table (`ht_divisor`) besides the rules: those are
 * skipped. Every other entry is a rule, whatever its classifier, so foreign filters count too.
 */
export function parseFilters(json: string): TcFilter[] {
  const filters: TcFilter[] = [];
  for (const raw of arr(JSON.parse(json))) {
    const entry = obj(raw);
    if (entry.options === undefined) continue;
    const options = obj(entry.options);
    if (options.ht_divisor !== undefined) continue;
    filters.push({
      pref: num(entry.pref) ?? 0,
      protocol: str(entry.protocol) ?? 'all',
      kind: str(entry.kind) ?? '',
      handle: str(options.fh) ?? str(options.handle) ?? '',
      actions: arr(options.actions).map(parseAction),
    });
  }
  return filters;
}

function parseAction(raw: unknown): TcAction {
  const action = obj(raw);
  return {
    kind: str(action.kind) ?? '',
    mirredAction: str(action.mirred_action),
    direction: str(action.direction),
    toDev: str(action.to_dev),
    cookie: str(action.cookie),
  };
}
