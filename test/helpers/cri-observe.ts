// What a pod's network namespace holds of urunc-tap's wiring, read with ip/tc (any redirect
// counts, marked or not: a stray one black-holes a pod just the same).
import { ingressQdiscs, ingressRules, linkNames, redirectsOf } from './observe.js';

/** The default tap name and pod interface of the conflists this tier uses. */
const TAP = 'tap0_urunc';
const POD_IF = 'eth0';

export interface Wiring {
  /** Link names in the namespace (lo left out). */
  links: string[];
  /** Devices with an ingress or clsact qdisc, and its kind. */
  ingress: Record<string, string>;
  /** mirred redirect targets on the pod interface's ingress. */
  podIfTo: string[];
  /** mirred redirect targets on the tap's ingress. */
  tapTo: string[];
}

async function redirects(ns: string, dev: string, present: string[]): Promise<string[]> {
  if (!present.includes(dev)) return [];
  return redirectsOf(await ingressRules(ns, dev));
}

/** Reads the wiring of namespace `ns` (a name under /run/netns). */
export async function wiring(ns: string): Promise<Wiring> {
  const names = (await linkNames(ns)).filter((name) => name !== 'lo');
  return {
    links: names.sort(),
    ingress: await ingressQdiscs(ns),
    podIfTo: await redirects(ns, POD_IF, names),
    tapTo: await redirects(ns, TAP, names),
  };
}

/** The wiring of a pod that urunc-tap joined to its tap. */
export const WIRED: Wiring = {
  links: [POD_IF, TAP],
  ingress: { [POD_IF]: 'ingress', [TAP]: 'ingress' },
  podIfTo: [TAP],
  tapTo: [POD_IF],
};

/** A pod urunc-tap left alone: the pod interface only, no ingress hook, no redirect. */
export const UNTOUCHED: Wiring = { links: [POD_IF], ingress: {}, podIfTo: [], tapTo: [] };

/** What a held namespace has once the whole chain's DEL ran: ptp took eth0, we the tap. */
export const TORN_DOWN: Wiring = { links: [], ingress: {}, podIfTo: [], tapTo: [] };
