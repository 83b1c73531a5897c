// CHECK: what of ours is missing or wrong, as a list of readable problems (empty = healthy).
import type { CniResult } from '../cni/result.js';
import { hookOf, linkNamed, type NamespaceSnapshot } from '../net/model.js';
import type { PluginConfig } from './config.js';
import {
  isAttachmentFilter,
  redirectTarget,
  redirectsTo,
  tapAlias,
  targetsDeletedDevice,
  type Attachment,
} from './marks.js';
import { shadowing } from './plan-add.js';

/**
 * Every way the namespace differs from what ADD would have made, and from what ADD reported:
 * the CNI spec has CHECK consult `prevResult`, so the tap it lists must exist, be ours, and
 * match (MAC; MTU where the result carries it). Black holes count whoever made them: a redirect
 * to a deleted device on either device, a foreign match-all filter that runs before ours.
 */
export function checkProblems(
  snapshot: NamespaceSnapshot,
  attachment: Attachment,
  config: PluginConfig,
): string[] {
  const problems: string[] = [];
  const podIf = linkNamed(snapshot, attachment.ifname);
  const tap = linkNamed(snapshot, attachment.tapName);
  if (!podIf) problems.push(`pod interface ${attachment.ifname} is missing`);
  if (!tap) {
    problems.push(`tap ${attachment.tapName} is missing`);
  } else {
    if (tap.alias !== tapAlias(attachment)) {
      problems.push(
        `${tap.name} is not this attachment's tap (alias ${JSON.stringify(tap.alias ?? '')})`,
      );
    }
    if (tap.tun?.type !== 'tap') problems.push(`${tap.name} is not a tap device`);
    if (!tap.up) problems.push(`tap ${tap.name} is down`);
    const mtu = config.mtu ?? podIf?.mtu;
    if (mtu !== undefined && tap.mtu !== mtu)
      problems.push(`tap ${tap.name} has mtu ${tap.mtu}, expected ${mtu}`);
  }
  problems.push(...prevResultProblems(config.prevResult, attachment, tap));
  // The pod side is checked even without a tap: its redirect is then the black hole to name.
  if (podIf)
    problems.push(...redirectProblems(snapshot, attachment, podIf.name, attachment.tapName));
  if (podIf && tap) problems.push(...redirectProblems(snapshot, attachment, tap.name, podIf.name));
  return problems;
}

/** What `prevResult` says of our tap, against the device. */
function prevResultProblems(
  prevResult: CniResult | undefined,
  attachment: Attachment,
  tap: { mac: string; mtu: number } | undefined,
): string[] {
  if (!prevResult) return [];
  const listed = prevResult.interfaces?.find(
    (entry) => entry.name === attachment.tapName && entry.sandbox === attachment.netns,
  );
  if (!listed) {
    return [`prevResult does not list tap ${attachment.tapName} in ${attachment.netns}`];
  }
  if (!tap) return [];
  const problems: string[] = [];
  if (listed.mac !== undefined && listed.mac.toLowerCase() !== tap.mac) {
    problems.push(`tap ${attachment.tapName} has mac ${tap.mac}, prevResult says ${listed.mac}`);
  }
  if (listed.mtu !== undefined && listed.mtu !== tap.mtu) {
    problems.push(`tap ${attachment.tapName} has mtu ${tap.mtu}, prevResult says ${listed.mtu}`);
  }
  return problems;
}

function redirectProblems(
  snapshot: NamespaceSnapshot,
  attachment: Attachment,
  dev: string,
  target: string,
): string[] {
  const hook = hookOf(snapshot, dev);
  if (!hook.qdisc) return [`${dev} has no ingress qdisc`];
  const ours = hook.filters.filter((filter) => isAttachmentFilter(attachment, filter));
  const foreign = hook.filters.filter((filter) => !ours.includes(filter));
  const problems = foreign
    .filter(targetsDeletedDevice)
    .map(
      (filter) =>
        `${dev} has a foreign redirect to a deleted device (pref ${filter.pref}, black hole)`,
    );
  // A dead end is named above; shadowing names the foreign match-alls that still deliver.
  problems.push(
    ...shadowing(
      dev,
      foreign.filter((filter) => !targetsDeletedDevice(filter)),
    ),
  );
  if (ours.length === 0) return [...problems, `${dev} has no urunc-tap redirect`];
  if (ours.length > 1)
    return [...problems, `${dev} has ${ours.length} urunc-tap redirects, expected 1`];
  if (redirectsTo(ours[0]!, target)) return problems;
  const to = redirectTarget(ours[0]!);
  const where = to === '*' ? 'a deleted device (black hole)' : (to ?? 'nothing');
  return [...problems, `the redirect on ${dev} points at ${where} instead of ${target}`];
}
