// Other people's tc state, for tests that check the plugin leaves it alone.
import { tcn } from './sh.js';

/** A foreign u32 rule on `dev`'s ingress that only classifies (it redirects nothing). */
export async function addForeignFilter(ns: string, dev: string, pref: number): Promise<void> {
  const matchAll = ['u32', 'match', 'u32', '0', '0'];
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
    ...matchAll,
    'classid',
    '1:1',
  );
}
