// Finding urunc-tap's taps anywhere on the host, by their alias: for GC, for a DEL whose
// namespace path no longer leads to its namespace, and for `urunc-tap inspect --all`.
import type { NetBackend } from '../net/backend.js';
import type { Link } from '../net/model.js';
import type { Platform } from './platform.js';

/** A namespace and the taps in it that matched. */
export interface FoundTaps {
  netns: string;
  taps: Link[];
}

/**
 * The namespaces a host-wide search reads: the platform's list when it has one, else every
 * namespace of the host but the plugin's own (the named ones and those of running processes,
 * each once: a namespace may outlive the process whose path named it, pinned by a VMM).
 */
export async function searchedNamespaces(platform?: Pick<Platform, 'namespaces'>) {
  // Loaded here: only a search needs to list the host's namespaces (node:fs).
  return platform?.namespaces?.() ?? (await import('../net/namespaces.js')).listNamespaces();
}

/**
 * Reads the links of `namespaces` (searchedNamespaces) and returns those holding a link `match`
 * accepts. Namespaces that vanish while we look are skipped: pods come and go.
 */
export async function findTaps(
  backend: NetBackend,
  match: (link: Link) => boolean,
  namespaces: string[],
): Promise<FoundTaps[]> {
  const links = await backend.readLinks(namespaces);
  const found: FoundTaps[] = [];
  for (const netns of namespaces) {
    const taps = (links.get(netns) ?? []).filter(match);
    if (taps.length > 0) found.push({ netns, taps });
  }
  return found;
}
