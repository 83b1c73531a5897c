// CHECK: what of ours is missing or wrong, as a list of readable problems (empty = healthy).
import { tapAlias, type Attachment } from './attachment.js';
import type { PluginConfig } from './config.js';
import { hookOf, ourFilters, redirectsTo, type NamespaceState } from './observe.js';

/** Every way the namespace differs from what ADD would have made. */
export function checkProblems(
  state: NamespaceState,
  attachment: Attachment,
  config: PluginConfig,
): string[] {
  const problems: string[] = [];
  const { podIf, tap } = state;
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
  // The pod side is checked even without a tap: its redirect is then the black hole to name.
  if (podIf) problems.push(...redirectProblems(state, attachment, podIf.name, attachment.tapName));
  if (podIf && tap) problems.push(...redirectProblems(state, attachment, tap.name, podIf.name));
  return problems;
}

function redirectProblems(
  state: NamespaceState,
  attachment: Attachment,
  dev: string,
  target: string,
): string[] {
  const hook = hookOf(state, dev);
  if (!hook.qdisc) return [`${dev} has no ingress qdisc`];
  const ours = ourFilters(attachment, hook.filters);
  if (ours.length === 0) return [`${dev} has no urunc-tap redirect`];
  if (ours.length > 1) return [`${dev} has ${ours.length} urunc-tap redirects, expected 1`];
  if (redirectsTo(ours[0]!, target)) return [];
  const to = ours[0]!.actions[0]?.toDev;
  const where = to === '*' ? 'a deleted device (black hole)' : (to ?? 'nothing');
  return [`the redirect on ${dev} points at ${where} instead of ${target}`];
}
