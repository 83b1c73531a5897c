// Other people's tc state, for tests that check the plugin leaves it alone.
import { ipn, tcn } from './sh.js';

/**
 * A foreign u32 rule on `dev`'s ingress that only classifies, and only packets for 192.0.2.1
 * (TEST-NET-1, never seen here): it redirects nothing and takes nothing from our redirect.
 */
export async function addForeignFilter(ns: string, dev: string, pref: number): Promise<void> {
  const toTestNet = ['u32', 'match', 'ip', 'dst', '192.0.2.1/32'];
  await tcn(
    ns,
    'filter',
    'add',
    'dev',
    dev,
    'ingress',
    'pref',
    String(pref),
    'protocol',
    'ip',
    ...toTestNet,
    'classid',
    '1:1',
  );
}

/**
 * A foreign u32 match-all on `dev`'s ingress with no action: it ends classification with
 * TC_ACT_OK, so at a pref below ours it takes every packet before our redirect.
 */
export async function addForeignMatchAll(ns: string, dev: string, pref: number): Promise<void> {
  await tcn(ns, ...matchAll(dev, pref));
}

/**
 * A foreign redirect on `dev`'s ingress to a device that is then deleted, exactly what the
 * runtime's own in-kill cleanup used to leave: mirred's target becomes "*" and every packet the
 * filter takes is dropped. The target, deadend0, is a veth made and deleted for it.
 */
export async function addForeignDeadEnd(ns: string, dev: string, pref: number): Promise<void> {
  // An ingress hook if the device has none yet (an existing one, ours or not, is kept as is).
  await tcn(ns, 'qdisc', 'add', 'dev', dev, 'ingress').catch(() => {});
  await ipn(ns, 'link', 'add', 'deadend0', 'type', 'veth', 'peer', 'name', 'deadend1');
  const redirect = ['action', 'mirred', 'egress', 'redirect', 'dev', 'deadend0'];
  await tcn(ns, ...matchAll(dev, pref), ...redirect);
  await ipn(ns, 'link', 'del', 'deadend0');
}

/** `filter add dev DEV ingress pref P protocol all u32 match u32 0 0`, for `tc -n NS`. */
export function matchAll(dev: string, pref: number): string[] {
  const head = ['filter', 'add', 'dev', dev, 'ingress', 'pref', String(pref)];
  return [...head, 'protocol', 'all', 'u32', 'match', 'u32', '0', '0'];
}
