// What a CNI 1.1 runtime does with a conflist before it runs a plugin: pick the version
// (spec 1.1, "Version considerations") and derive the plugin's config from the list (spec
// section 3, "Deriving execution configuration from plugin configuration").
import type { Conflist, PluginEntry } from './conflist.js';

/** Orders two "x.y.z" versions numerically (negative when a < b). */
function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (x![i] !== y![i]) return x![i]! - y![i]!;
  return 0;
}

/**
 * The version a runtime speaking up to `runtimeMax` selects: the highest of the conflist's
 * `cniVersion` and `cniVersions` that it supports (as libcni >= 1.2 does in ConfListFromBytes:
 * versions above its own are skipped, the rest sorted, the highest wins).
 */
export function selectVersion(
  conflist: Pick<Conflist, 'cniVersion'> & { cniVersions?: string[] },
  runtimeMax: string,
): string {
  const offered = [...(conflist.cniVersions ?? []), conflist.cniVersion].filter(Boolean);
  const usable = offered.filter((v) => compareVersions(v, runtimeMax) <= 0);
  const best = usable.sort(compareVersions).pop();
  if (!best) throw new Error(`no version of [${offered.join(', ')}] is <= ${runtimeMax}`);
  return best;
}

/**
 * The config a runtime sends a plugin: its entry, with the list's `name` and the selected
 * `cniVersion` inserted, and the previous result as `prevResult` (libcni's InjectConf).
 */
export function pluginConfig(
  conflist: Conflist,
  entry: PluginEntry,
  cniVersion: string,
  prevResult?: unknown,
): Record<string, unknown> {
  return {
    ...entry,
    name: conflist.name,
    cniVersion,
    ...(prevResult === undefined ? {} : { prevResult }),
  };
}
