// Observation of a whole namespace, for the operator commands: every link and every hook.
import { interfaceNameProblem } from '../cni/names.js';
import type { Runner } from '../net/exec.js';
import { showIngress, showLinks } from '../net/iproute.js';
import type { IngressHook, Link } from '../net/model.js';

/** Every link of a namespace and the ingress hook of each. */
export interface NamespaceView {
  netns: string;
  links: Link[];
  hooks: Map<string, IngressHook>;
}

/**
 * Reads all links, then the ingress qdiscs and filters of all of them in one `tc -batch`.
 * A device whose name iproute2's batch syntax cannot carry (quotes, "#", "\": legal in the
 * kernel, never ours) is listed without its hook.
 */
export async function observeNamespace(run: Runner, netns: string): Promise<NamespaceView> {
  const links = await showLinks(run, netns);
  const readable = links.map((link) => link.name).filter((name) => !interfaceNameProblem(name));
  const hooks = readable.length
    ? await showIngress(run, netns, readable)
    : new Map<string, IngressHook>();
  return { netns, links, hooks };
}
