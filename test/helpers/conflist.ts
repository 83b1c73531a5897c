// The example conflists of conf/, loaded as the tests run them: the files are the source of
// truth; only what a test's isolation needs is rewritten.
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONF_DIR = fileURLToPath(new URL('../../conf', import.meta.url));

/** A plugin entry of a conflist. */
export interface PluginEntry {
  type: string;
  [key: string]: any;
}

/** A network configuration list (CNI spec, section 1). */
export interface Conflist {
  cniVersion: string;
  name: string;
  plugins: PluginEntry[];
  [key: string]: unknown;
}

/** Every example conflist in conf/, so a new example is tested as soon as it is added. */
export const EXAMPLE_FILES: string[] = readdirSync(CONF_DIR)
  .filter((file) => file.endsWith('.conflist'))
  .sort();

/** Parses conf/`file`. */
export function loadExample(file: string): Conflist {
  return JSON.parse(readFileSync(join(CONF_DIR, file), 'utf8')) as Conflist;
}

/**
 * A copy of `conflist` at `cniVersion`, made private to one sandbox:
 * - its plugins keep their files under `stateDir` (host-local's `ipam.dataDir`, tuning's
 *   `dataDir`): their defaults under /var/lib/cni and /run/cni are shared by every test and
 *   by the host;
 * - its name gets the sandbox's `id` appended: urunc-tap's GC (spec 1.1) removes a network's
 *   attachments in every namespace of the host, so another test's GC of, say, `urunc-ptp`
 *   must not meet this test's pod.
 * Subnets and bridge names stay as written: each test runs the chain in namespaces of its
 * own, where they cannot collide.
 */
export function isolate(
  conflist: Conflist,
  cniVersion: string,
  sandbox: { id: string; stateDir: string },
): Conflist {
  const copy = structuredClone(conflist);
  copy.cniVersion = cniVersion;
  copy.name = `${conflist.name}-${sandbox.id}`;
  copy.plugins.forEach((plugin, i) => {
    if (plugin.ipam?.type === 'host-local') {
      plugin.ipam.dataDir = join(sandbox.stateDir, `ipam-${i}`);
    }
    if (plugin.type === 'tuning') plugin.dataDir = join(sandbox.stateDir, `tuning-${i}`);
  });
  return copy;
}

/** Writes `conflist` into a NETCONFPATH directory, where libcni finds it by its name. */
export async function writeConflist(confDir: string, conflist: Conflist): Promise<void> {
  await writeFile(join(confDir, `${conflist.name}.conflist`), JSON.stringify(conflist, null, 2));
}

/** The urunc-tap entry of a conflist. */
export function uruncTapEntry(conflist: Conflist): PluginEntry {
  const entry = conflist.plugins.find((plugin) => plugin.type === 'urunc-tap');
  if (!entry) throw new Error(`conflist ${conflist.name} has no urunc-tap plugin`);
  return entry;
}

/** The tap name the urunc-tap entry asks for (the plugin's default when it names none). */
export function tapNameOf(conflist: Conflist): string {
  return (uruncTapEntry(conflist).tapName as string | undefined) ?? 'tap0_urunc';
}
