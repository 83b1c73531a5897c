// The links of every named namespace at once, for host-wide searches (GC).
import type { Runner } from './exec.js';
import type { Link } from './model.js';
import { NAMED_NETNS_DIR } from './namespaces.js';
import { parseLinks } from './parse.js';
import { OWN_NETNS } from './scratch-netns.js';

/**
 * `ip -all netns exec ip -json -details link show`: one process (iproute2 forks into each
 * named namespace in turn, printing "netns: NAME" before each) instead of one nsenter per
 * namespace, which costs tens of milliseconds each on a host with hundreds of pods. Keys are
 * namespace paths. A namespace missing from the map (it vanished, or appeared meanwhile, or
 * its read failed: iproute2 goes on and still exits 0) is for the caller to read on its own.
 */
export async function showLinksOfNamedNamespaces(run: Runner): Promise<Map<string, Link[]>> {
  const output = await run({
    tool: 'ip',
    args: ['-all', 'netns', 'exec', 'ip', '-json', '-details', 'link', 'show'],
    netns: OWN_NETNS,
  });
  const found = new Map<string, Link[]>();
  let current: string | undefined;
  for (const line of output.split('\n')) {
    const header = /^netns: (.+)$/.exec(line);
    if (header) current = `${NAMED_NETNS_DIR}/${header[1]}`;
    else if (current && line.startsWith('[')) {
      try {
        found.set(current, parseLinks(line));
      } catch {
        // Cut short (the namespace went away mid-read): read it on its own, or not at all.
      }
      current = undefined;
    }
  }
  return found;
}
