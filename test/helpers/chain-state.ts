// Reads back what a chain left behind: libcni's result cache and host-local's leases.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Conflist } from './conflist.js';
/**
 * What a chain's DEL rightly leaves in the node namespace besides `lo`: the bridge plugin
 * never deletes its bridge (other pods may use it).
 */
export function persistentNodeLinks(conflist: Conflist): string[] {
  return conflist.plugins.filter((p) => p.type === 'bridge').map((p) => p.bridge as string);
}

/** An entry of libcni's result cache ($CNI_CACHE_DIR/results/<net>-<container>-<ifname>). */
export interface CachedResult {
  file: string;
  networkName: string;
  ifName: string;
  /** The final result of the chain's ADD, as libcni will send it as prevResult. */
  result: any;
}

/** Every cached result under `cacheDir`. */
export async function cachedResults(cacheDir: string): Promise<CachedResult[]> {
  const dir = join(cacheDir, 'results');
  const files = await readdir(dir).catch(() => [] as string[]);
  return Promise.all(
    files.map(async (file) => {
      const entry = JSON.parse(await readFile(join(dir, file), 'utf8'));
      return { file, networkName: entry.networkName, ifName: entry.ifName, result: entry.result };
    }),
  );
}

/**
 * The addresses host-local holds a lease on, in every dataDir under `stateDir` (conflist.ts
 * puts them at <stateDir>/ipam-<i>; host-local keeps one file per leased address in
 * <dataDir>/<network>/, next to its lock and last_reserved_ip files).
 */
export async function leases(stateDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const dataDir of await readdir(stateDir)) {
    if (!dataDir.startsWith('ipam-')) continue;
    for (const network of await readdir(join(stateDir, dataDir))) {
      const files = await readdir(join(stateDir, dataDir, network));
      found.push(...files.filter((file) => /^[0-9.]+$|:/.test(file)));
    }
  }
  return found.sort();
}
