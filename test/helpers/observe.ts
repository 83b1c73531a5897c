// Reads a namespace back for assertions, independently of the plugin's own parsers.
import { ipn, tcn } from './sh.js';

export interface ObservedLink {
  name: string;
  mtu: number;
  up: boolean;
  carrier: boolean;
  mac: string;
  alias: string | undefined;
  tun: Record<string, unknown> | undefined;
}

/** Every link of the namespace. */
export async function links(ns: string): Promise<ObservedLink[]> {
  const raw = JSON.parse(await ipn(ns, '-json', '-details', 'link', 'show')) as any[];
  return raw.map((link) => ({
    name: link.ifname,
    mtu: link.mtu,
    up: link.flags.includes('UP'),
    carrier: !link.flags.includes('NO-CARRIER'),
    mac: link.address,
    alias: link.ifalias,
    tun: link.linkinfo?.info_kind === 'tun' ? link.linkinfo.info_data : undefined,
  }));
}

/** The names of a namespace's links, sorted. */
export async function linkNames(ns: string): Promise<string[]> {
  return (await links(ns)).map((entry) => entry.name).sort();
}

/** One link by name, or undefined. */
export async function link(ns: string, name: string): Promise<ObservedLink | undefined> {
  return (await links(ns)).find((entry) => entry.name === name);
}

/** Kinds of the ingress-side qdiscs ("ingress"/"clsact") per device. */
export async function ingressQdiscs(ns: string): Promise<Record<string, string>> {
  const raw = JSON.parse(await tcn(ns, '-json', 'qdisc', 'show')) as any[];
  return Object.fromEntries(
    raw.filter((q) => q.kind === 'ingress' || q.kind === 'clsact').map((q) => [q.dev, q.kind]),
  );
}

export interface ObservedRule {
  pref: number;
  kind: string;
  actions: Array<{
    kind: string;
    mirred_action?: string;
    direction?: string;
    to_dev?: string;
    cookie?: string;
  }>;
}

/** The rules on a device's ingress (headers and u32 hash tables left out). */
export async function ingressRules(ns: string, dev: string): Promise<ObservedRule[]> {
  const raw = JSON.parse(
    (await tcn(ns, '-json', 'filter', 'show', 'dev', dev, 'ingress')) || '[]',
  ) as any[];
  return raw
    .filter((f) => f.options && f.options.ht_divisor === undefined)
    .map((f) => ({ pref: f.pref, kind: f.kind, actions: f.options.actions ?? [] }));
}

/** "urunc-tap" in hex: the cookie prefix the plugin documents for its filters. */
export const OUR_COOKIE_PREFIX = Buffer.from('urunc-tap').toString('hex');

/** Rules on `dev` that carry urunc-tap's cookie. */
export async function ourRules(ns: string, dev: string): Promise<ObservedRule[]> {
  return (await ingressRules(ns, dev)).filter((rule) =>
    rule.actions.some((action) => action.cookie?.startsWith(OUR_COOKIE_PREFIX)),
  );
}

/** The mirred redirect targets of `rules`. */
export function redirectsOf(rules: ObservedRule[]): string[] {
  return rules.flatMap((rule) =>
    rule.actions
      .filter((a) => a.kind === 'mirred' && a.mirred_action === 'redirect')
      .map((a) => a.to_dev ?? ''),
  );
}

/** The mirred redirect targets of our rules on `dev`. */
export async function redirectTargets(ns: string, dev: string): Promise<string[]> {
  return redirectsOf(await ourRules(ns, dev));
}
