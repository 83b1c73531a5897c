// CNI network configuration files as libcni and containerd read them: which file a runtime loads
// first from a conf dir, and that file as a conflist (a single-plugin .conf counts as a list of one).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { POD_ANNOTATIONS_CAPABILITY } from '../plugin/pod-selection.js';
import { CommandError, failure } from './command-error.js';

/** The extensions containerd's CRI plugin loads from a conf dir (go-cni: .conf, .conflist, .json). */
const CONF_EXTENSIONS = ['.conf', '.conflist', '.json'];

/** A network configuration list: what every conf file becomes once loaded. */
export interface Conflist {
  name: string;
  cniVersion?: string;
  plugins: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

/** A conf file, loaded. */
export interface LoadedConflist {
  file: string;
  conflist: Conflist;
}

/**
 * Go's filepath.Ext: from the last dot of the path's last element on, "" without one. Unlike
 * Node's extname, a dot-file's whole name counts (libcni loads `.conflist` and `.x.conflist`
 * alike).
 */
export function goExt(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot < 0 || dot < path.lastIndexOf('/') ? '' : path.slice(dot);
}

/** Go's sort.Strings: byte order of the UTF-8 names, not JavaScript's UTF-16 order. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * The conf files of `dir` in the order containerd tries them (libcni's ConfFiles, then
 * sort.Strings): every entry that is not a directory (a symlink counts as a file, as lstat
 * sees it) whose extension is .conf, .conflist or .json, in byte order of the name.
 * Refuses a directory that does not exist or cannot be read.
 */
export function confFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    throw failure(error, `cannot read the conf dir ${dir}`);
  }
  return entries
    .filter((entry) => !entry.isDirectory() && CONF_EXTENSIONS.includes(goExt(entry.name)))
    .map((entry) => entry.name)
    .sort(byteOrder)
    .map((name) => join(dir, name));
}

/** The bytes of a conf file; a failure to read it is one line naming it. */
export function readConfFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw failure(error, `cannot read ${file}`);
  }
}

/**
 * Reads `file` as libcni does: a .conflist must have a string `name` and a non-empty
 * `plugins` list of objects with a `type`; a .conf or .json holds one plugin config (with a
 * `type`), which becomes a list of that one plugin under the config's own name and cniVersion
 * (libcni's ConfListFromConf keeps the whole config as the plugin). One-line errors naming the file.
 */
export function loadConflist(file: string, bytes = readConfFile(file)): Conflist {
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new CommandError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CommandError(`${file} is not a JSON object: not a CNI network configuration`);
  }
  const raw = data as Record<string, unknown>;
  if (goExt(file) !== '.conflist') {
    // containerd refuses a .conf without a type, which also catches a conflist in a .conf file.
    if (typeof raw.type !== 'string' || raw.type === '') {
      throw new CommandError(
        `${file} has no plugin "type": a .conf or .json file holds one plugin config (a list of plugins belongs in a .conflist file)`,
      );
    }
    if (typeof raw.name !== 'string') {
      throw new CommandError(`${file} has no network "name"`);
    }
    const list: Conflist = { name: raw.name, plugins: [raw] };
    if (typeof raw.cniVersion === 'string') list.cniVersion = raw.cniVersion;
    return list;
  }
  if (typeof raw.name !== 'string') {
    throw new CommandError(`${file} has no network "name" (a string): not a valid conflist`);
  }
  if (!Array.isArray(raw.plugins) || raw.plugins.length === 0) {
    throw new CommandError(`${file} has no "plugins" list (or an empty one): not a valid conflist`);
  }
  raw.plugins.forEach((plugin: unknown, index) => {
    const type = (plugin as { type?: unknown } | null)?.type;
    if (typeof plugin !== 'object' || plugin === null || typeof type !== 'string' || !type) {
      throw new CommandError(
        `${file} has a plugin (number ${index}) with no "type": not a valid conflist`,
      );
    }
  });
  return raw as Conflist;
}

/**
 * The conflist a runtime loads from `dir`: the first conf file (see confFiles), loaded. Like
 * containerd, a first file that is broken is an error, not a reason to take the next one.
 * Undefined when `dir` has no conf file.
 */
export function primaryConflist(dir: string): LoadedConflist | undefined {
  const [first] = confFiles(dir);
  return first === undefined ? undefined : { file: first, conflist: loadConflist(first) };
}

/**
 * The plugin entry urunc-tap adds to a conflist. With `podAnnotation`, the plugin wires only
 * the pods whose annotation of that name is "true": containerd passes pod annotations to the
 * plugins that declare the capability of the runtimeConfig key ADD reads them from.
 */
export function uruncTapEntry(podAnnotation?: string): Record<string, unknown> {
  if (podAnnotation === undefined) return { type: 'urunc-tap' };
  return {
    type: 'urunc-tap',
    podAnnotation,
    capabilities: { [POD_ANNOTATIONS_CAPABILITY]: true },
  };
}

/** The urunc-tap entries of a conflist's plugins. */
export function uruncTapEntries(conflist: Conflist): Array<Record<string, unknown>> {
  return conflist.plugins.filter((plugin) => plugin.type === 'urunc-tap');
}

/**
 * `conflist` with `entry` appended to its plugins, everything else (the network `name`
 * first of all: host-local keys its leases by it) as it was. A conflist that already chains
 * urunc-tap is returned as it is: urunc-tap runs once per attachment.
 */
export function chainedConflist(
  conflist: Conflist,
  entry: Record<string, unknown>,
): { conflist: Conflist; alreadyChained: boolean } {
  if (uruncTapEntries(conflist).length > 0) return { conflist, alreadyChained: true };
  return {
    conflist: { ...conflist, plugins: [...conflist.plugins, entry] },
    alreadyChained: false,
  };
}

/** A conflist as a file's content. */
export function renderConflist(conflist: Conflist): string {
  return JSON.stringify(conflist, null, 2) + '\n';
}
