// ADD as a plan: from what is in the namespace to the ops that wire tap and pod interface.
import { CniError, ErrorCode } from '../cni/errors.js';
import { redirectCookie, tapAlias, tapMac, type Attachment } from './attachment.js';
import type { PluginConfig } from './config.js';
import { hookOf, ourFilters, qdiscAddedByUs, redirectsTo, type NamespaceState } from './observe.js';
import { removeFilters } from './filter-removal.js';
import type { Op } from './ops.js';

/**
 * The ops that make the namespace hold exactly one working wiring for this attachment:
 * a tap owned by it, an ingress hook on both devices, and one redirect of ours each way.
 * What is already right is left alone, so a repeated ADD plans nothing.
 */
export function planAdd(state: NamespaceState, attachment: Attachment, config: PluginConfig): Op[] {
  const podIf = state.podIf;
  if (!podIf) {
    throw new CniError(
      ErrorCode.PodInterfaceMissing,
      `pod interface ${attachment.ifname} not found in ${attachment.netns}; urunc-tap must be chained after the plugin that creates it`,
    );
  }
  const mtu = config.mtu ?? podIf.mtu;
  const ops: Op[] = [];
  const tapIsNew = planTap(state, attachment, config, mtu, ops);

  const wiring: Array<[dev: string, target: string]> = [
    [podIf.name, attachment.tapName],
    [attachment.tapName, podIf.name],
  ];
  for (const [dev, target] of wiring) {
    // A new tap has no hook yet; and a redirect to a tap we recreate points at the old one.
    const hook =
      tapIsNew && dev === attachment.tapName
        ? { qdisc: undefined, filters: [] }
        : hookOf(state, dev);
    const ours = ourFilters(attachment, hook.filters);
    const addQdisc = hook.qdisc === undefined;
    if (addQdisc) ops.push({ op: 'add-ingress-qdisc', dev });
    const targetIsNew = tapIsNew && target === attachment.tapName;
    const [first, ...extra] = ours;
    if (first && !targetIsNew && extra.length === 0 && redirectsTo(first, target)) continue;
    // Orphaned ("*"), misdirected or duplicated redirects of ours are replaced by one good one.
    ops.push(...removeFilters(dev, ours, hook.filters));
    const cookie = redirectCookie(attachment, addQdisc || qdiscAddedByUs(ours));
    ops.push({ op: 'add-redirect', dev, target, cookie });
  }
  return ops;
}

/** Plans the tap itself; returns whether it will be (re)created. */
function planTap(
  state: NamespaceState,
  attachment: Attachment,
  config: PluginConfig,
  mtu: number,
  ops: Op[],
): boolean {
  const create: Op = {
    op: 'create-tap',
    name: attachment.tapName,
    owner: config.owner,
    group: config.group,
    vnetHdr: config.vnetHdr,
    multiQueue: config.multiQueue,
    mtu,
    mac: tapMac(attachment),
    alias: tapAlias(attachment),
  };
  const tap = state.tap;
  if (!tap) {
    ops.push(create);
    return true;
  }
  if (tap.alias !== tapAlias(attachment)) {
    const owner = tap.alias ? `it belongs to "${tap.alias}"` : 'it was not created by urunc-tap';
    throw new CniError(
      ErrorCode.TapNameTaken,
      `a device named ${attachment.tapName} already exists in ${attachment.netns} and ${owner}; remove it or set another tapName`,
    );
  }
  // tun flags are fixed at creation: a tap of ours with other flags is recreated.
  const tun = tap.tun;
  if (
    !tun ||
    tun.type !== 'tap' ||
    tun.vnetHdr !== config.vnetHdr ||
    tun.multiQueue !== config.multiQueue
  ) {
    ops.push({ op: 'delete-link', name: tap.name }, create);
    return true;
  }
  if (tap.mtu !== mtu || !tap.up) ops.push({ op: 'update-link', name: tap.name, mtu });
  return false;
}
