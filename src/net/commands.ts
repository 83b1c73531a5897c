// Builders for the iproute2 commands we issue, one argv per change. Each carries its shell
// equivalent so a reader can replay it by hand (`ip -n NS ...` / `tc -n NS ...`).
import type { Tool } from './exec.js';

/** One line of an `ip -batch` or `tc -batch` script, as an argv without the tool name. */
export interface BatchCommand {
  tool: Tool;
  args: string[];
}

/** Options of a new persistent tap. */
export interface TapOptions {
  owner: number | undefined;
  group: number | undefined;
  vnetHdr: boolean;
  multiQueue: boolean;
}

/** `ip tuntap add dev NAME mode tap [user U] [group G] [vnet_hdr] [multi_queue]` (persistent). */
export function createTap(name: string, options: TapOptions): BatchCommand {
  const args = ['tuntap', 'add', 'dev', name, 'mode', 'tap'];
  if (options.owner !== undefined) args.push('user', String(options.owner));
  if (options.group !== undefined) args.push('group', String(options.group));
  if (options.vnetHdr) args.push('vnet_hdr');
  if (options.multiQueue) args.push('multi_queue');
  return { tool: 'ip', args };
}

/** `ip link set dev NAME [mtu M] [address MAC] [alias A] [up]` */
export function setLink(
  name: string,
  changes: { mtu?: number; mac?: string; alias?: string; up?: boolean },
): BatchCommand {
  const args = ['link', 'set', 'dev', name];
  if (changes.mtu !== undefined) args.push('mtu', String(changes.mtu));
  if (changes.mac !== undefined) args.push('address', changes.mac);
  if (changes.alias !== undefined) args.push('alias', changes.alias);
  if (changes.up) args.push('up');
  return { tool: 'ip', args };
}

/** `ip link del dev NAME` */
export function deleteLink(name: string): BatchCommand {
  return { tool: 'ip', args: ['link', 'del', 'dev', name] };
}

/** `tc qdisc add dev DEV ingress` */
export function addIngressQdisc(dev: string): BatchCommand {
  return { tool: 'tc', args: ['qdisc', 'add', 'dev', dev, 'ingress'] };
}

/** `tc qdisc del dev DEV ingress` (also removes every filter attached to it). */
export function deleteIngressQdisc(dev: string): BatchCommand {
  return { tool: 'tc', args: ['qdisc', 'del', 'dev', dev, 'ingress'] };
}

/**
 * `tc filter add dev DEV ingress pref P protocol all u32 match u32 0 0
 *    action mirred egress redirect dev TARGET cookie HEX`
 * `ingress` names the ingress hook of both the `ingress` and the `clsact` qdisc. u32 with an
 * empty match is our match-all: this kernel has no matchall classifier (DESIGN.md, facts).
 */
export function addRedirect(
  dev: string,
  pref: number,
  target: string,
  cookie: string,
): BatchCommand {
  const matchAll = ['u32', 'match', 'u32', '0', '0'];
  const redirect = ['action', 'mirred', 'egress', 'redirect', 'dev', target, 'cookie', cookie];
  return {
    tool: 'tc',
    args: [...ingressFilter('add', dev, pref, 'all'), ...matchAll, ...redirect],
  };
}

/** `tc filter del dev DEV ingress pref P protocol PROTO handle H KIND`: that one rule only. */
export function deleteFilter(
  dev: string,
  filter: { pref: number; protocol: string; handle: string; kind: string },
): BatchCommand {
  const head = ingressFilter('del', dev, filter.pref, filter.protocol);
  return { tool: 'tc', args: [...head, 'handle', filter.handle, filter.kind] };
}

/**
 * `tc filter del dev DEV ingress pref P protocol PROTO KIND`: every rule at that priority (the
 * kernel allows one protocol and classifier per priority, so nothing else goes with it).
 */
export function deletePriority(
  dev: string,
  where: { pref: number; protocol: string; kind: string },
): BatchCommand {
  return {
    tool: 'tc',
    args: [...ingressFilter('del', dev, where.pref, where.protocol), where.kind],
  };
}

/** `filter VERB dev DEV ingress pref P protocol PROTO`, the common head of filter commands. */
function ingressFilter(verb: 'add' | 'del', dev: string, pref: number, protocol: string): string[] {
  return ['filter', verb, 'dev', dev, 'ingress', 'pref', String(pref), 'protocol', protocol];
}
