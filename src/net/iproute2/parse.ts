// Parsers of iproute2's `-json` output into the namespace model. Tolerant of absent keys,
// strict about types.
import { readFileSync } from 'node:fs';
import type { IngressHook, Link, TcAction, TcFilter } from '../model.js';
import { parseHandle } from '../model.js';

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
      carrier: flags.includes('LOWER_UP'),
      alias: str(entry.ifalias),
      tun:
        kind === 'tun' && (tunType === 'tap' || tunType === 'tun')
          ? {
              type: tunType,
              vnetHdr: data.vnet_hdr === true,
              multiQueue: data.multi_queue === true,
              persist: data.persist === true,
              owner: idOf(data.user, '/etc/passwd'),
              group: idOf(data.group, '/etc/group'),
            }
          : undefined,
    };
  });
}

/**
 * iproute2 prints a tap's owner and group as names when the host knows them, as numbers
 * otherwise; the model keeps numbers. Names are looked up in the host's passwd/group file.
 */
function idOf(value: unknown, file: string): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  return idsByName(file).get(value);
}

const idFiles = new Map<string, Map<string, number>>();
function idsByName(file: string): Map<string, number> {
  let ids = idFiles.get(file);
  if (!ids) {
    ids = new Map();
    try {
      const text = readFileSync(file, 'utf8');
      for (const line of text.split('\n')) {
        const [name, , id] = line.split(':');
        if (name && id && /^\d+$/.test(id)) ids.set(name, Number(id));
      }
    } catch {
      // No such file: names stay unknown.
    }
    idFiles.set(file, ids);
  }
  return ids;
}

/** From `tc -json -details qdisc show`: the ingress-side qdisc of each device, and its mark. */
export function parseIngressQdiscs(json: string): Map<string, Omit<IngressHook, 'filters'>> {
  const hooks = new Map<string, Omit<IngressHook, 'filters'>>();
  for (const raw of arr(JSON.parse(json))) {
    const entry = obj(raw);
    const kind = str(entry.kind);
    const dev = str(entry.dev);
    if (dev && (kind === 'ingress' || kind === 'clsact')) {
      hooks.set(dev, { qdisc: kind, qdiscMark: num(obj(entry.stab).mpu) });
    }
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
  for (const raw of arr(JSON.parse(numberMatchKeys(json)))) {
    const entry = obj(raw);
    if (entry.options === undefined) continue;
    const options = obj(entry.options);
    if (options.ht_divisor !== undefined) continue;
    const kind = str(entry.kind) ?? '';
    const keys = Object.keys(options).filter((key) => key.startsWith('match#'));
    filters.push({
      pref: num(entry.pref) ?? 0,
      protocol: str(entry.protocol) ?? 'all',
      kind,
      handle: parseHandle(str(options.fh) ?? str(options.handle) ?? '') ?? 0,
      matchesAll:
        kind === 'matchall' ||
        (kind === 'u32' &&
          keys.every((key) => parseInt(str(obj(options[key]).mask) ?? '1', 16) === 0)),
      actions: arr(options.actions).map(parseAction),
    });
  }
  return filters;
}

/**
 * iproute2 prints each u32 key as a `"match"` member of the same object, so a rule with two
 * keys has the key twice and JSON.parse keeps only the last: number them apart first.
 */
function numberMatchKeys(json: string): string {
  let n = 0;
  return json.replace(/"match":\{/g, () => `"match#${n++}":{`);
}

function parseAction(raw: unknown): TcAction {
  const action = obj(raw);
  const mirred = str(action.mirred_action);
  const direction = str(action.direction);
  return {
    kind: str(action.kind) ?? '',
    mirredAction: mirred === 'redirect' || mirred === 'mirror' ? mirred : undefined,
    direction: direction === 'egress' || direction === 'ingress' ? direction : undefined,
    toDev: str(action.to_dev),
    cookie: str(action.cookie),
    control: str(obj(action.control_action).type),
  };
}
