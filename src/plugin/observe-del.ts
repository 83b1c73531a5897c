// DEL's observation: what planDel needs, read with as few processes as still tell exactly
// what is this attachment's (one `tc` read in the usual case, so DEL spawns at most 3).
import type { Runner } from '../net/exec.js';
import { showIngressOfExisting } from '../net/forced-batch.js';
import { showLinks } from '../net/iproute.js';
import type { IngressHook, Link } from '../net/model.js';
import { tapAlias, type Attachment } from './attachment.js';
import { ourFilters, type NamespaceState } from './observe.js';

/**
 * Reads the ingress hooks of the pod interface and the tap with one `tc -force -batch` (a
 * missing device is simply absent), then decides whether the tap is ours with
 * {@link tapOwnership}; only a tap that exists with no redirect of ours costs an `ip` read of
 * its alias. planDel reads only names, aliases and hooks, so a device seen only by tc is
 * described by {@link knownLink}.
 */
export async function observeForDel(run: Runner, attachment: Attachment): Promise<NamespaceState> {
  const { netns, ifname, tapName } = attachment;
  const hooks = await showIngressOfExisting(run, netns, [ifname, tapName]);
  const podIf = hooks.has(ifname) ? knownLink(ifname, undefined) : undefined;
  const ownership = tapOwnership(attachment, hooks.get(tapName));
  if (ownership !== 'ask-alias') {
    const tap = ownership === 'ours' ? knownLink(tapName, tapAlias(attachment)) : undefined;
    return { podIf, tap, hooks };
  }
  const links = await showLinks(run, netns);
  const found = (name: string): Link | undefined => {
    const link = links.find((candidate) => candidate.name === name);
    // Gone between the two reads: then it has no hook either.
    if (!link) hooks.delete(name);
    return link;
  };
  return { podIf: found(ifname), tap: found(tapName), hooks };
}

/**
 * Whether the tap is this attachment's, from its ingress hook alone: absent when there is no
 * tap; ours when it carries a redirect with this attachment's cookie (ADD puts one there only
 * on a tap whose alias names this attachment, and a tap deleted and made again by someone else
 * comes without hooks); otherwise only its alias can tell.
 */
export function tapOwnership(
  attachment: Attachment,
  tapHook: IngressHook | undefined,
): 'absent' | 'ours' | 'ask-alias' {
  if (!tapHook) return 'absent';
  return ourFilters(attachment, tapHook.filters).length > 0 ? 'ours' : 'ask-alias';
}

/**
 * A device known to exist only by name (and, for our tap, by the alias its redirect's cookie
 * implies); the other fields are neutral values that DEL's planner never reads.
 */
export function knownLink(name: string, alias: string | undefined): Link {
  return {
    name,
    index: 0,
    kind: undefined,
    mtu: 0,
    mac: '',
    up: false,
    carrier: false,
    alias,
    tun: undefined,
  };
}
