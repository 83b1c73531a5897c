// Observation: one read of the pod namespace, the only input the planners get.
import type { Runner } from '../net/exec.js';
import { showIngress, showLinks } from '../net/iproute.js';
import type { IngressHook, Link, TcFilter } from '../net/model.js';
import { isAttachmentCookie, parseRedirectCookie, type Attachment } from './attachment.js';

/** What is there now, for the two devices we care about. */
export interface NamespaceState {
  podIf: Link | undefined;
  tap: Link | undefined;
  /** Ingress hooks of the devices above that exist. */
  hooks: Map<string, IngressHook>;
}

const NO_HOOK: IngressHook = { qdisc: undefined, filters: [] };

/** Reads links, then the ingress qdiscs and filters of the pod interface and the tap. */
export async function observe(run: Runner, attachment: Attachment): Promise<NamespaceState> {
  const links = await showLinks(run, attachment.netns);
  const podIf = links.find((link) => link.name === attachment.ifname);
  const tap = links.find((link) => link.name === attachment.tapName);
  const present = [podIf, tap].filter((link): link is Link => link !== undefined);
  const hooks = present.length
    ? await showIngress(
        run,
        attachment.netns,
        present.map((link) => link.name),
      )
    : new Map<string, IngressHook>();
  return { podIf, tap, hooks };
}

/** The ingress hook of `dev`, empty when it has none (or does not exist). */
export function hookOf(state: NamespaceState, dev: string): IngressHook {
  return state.hooks.get(dev) ?? NO_HOOK;
}

/** The filters among `filters` that this attachment made: its cookie on an action. */
export function ourFilters(attachment: Attachment, filters: TcFilter[]): TcFilter[] {
  return filters.filter((filter) =>
    filter.actions.some((action) => isAttachmentCookie(attachment, action.cookie)),
  );
}

/** Whether one of our filters redirects, egress, to `target` (not to "*", a deleted device). */
export function redirectsTo(filter: TcFilter, target: string): boolean {
  return (
    filter.actions.length === 1 &&
    filter.actions[0]!.kind === 'mirred' &&
    filter.actions[0]!.mirredAction === 'redirect' &&
    filter.actions[0]!.direction === 'egress' &&
    filter.actions[0]!.toDev === target
  );
}

/** Whether any of our filters on a device says we added its ingress qdisc. */
export function qdiscAddedByUs(filters: TcFilter[]): boolean {
  return filters.some((filter) =>
    filter.actions.some((action) => parseRedirectCookie(action.cookie)?.qdiscAddedByUs),
  );
}
