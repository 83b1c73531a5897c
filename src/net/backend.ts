// The seam between the verbs and the kernel: read a namespace into the model, apply changes.
// Two implementations: rtnetlink and tun ioctls in-process (src/net/netlink/, the shipped
// executable) and iproute2 through execa (src/net/iproute2/, the Node.js entry).
import type { Change } from './changes.js';
import type { NetError } from './errors.js';
import type { Link, NamespaceSnapshot } from './model.js';

/** The steps of the kernel probe (`urunc-tap doctor`), in order; each needs those before it. */
export const PROBE_STEPS = ['netns', 'tap', 'ingress', 'u32', 'mirred'] as const;
export type ProbeStep = (typeof PROBE_STEPS)[number];

/** The first probe step that failed, and why. */
export interface ProbeFailure {
  step: ProbeStep;
  error: NetError;
}

/** Something the backend needs of the host, checked without changing anything. */
export interface Requirement {
  name: string;
  ok: boolean;
  /** What was found ("iproute2-6.1.0", "opened a NETLINK_ROUTE socket") or what is wrong. */
  detail: string;
  /** What fixes it, when it failed ("apt-get install iproute2"). */
  fix?: string;
}

/** Reads and changes network namespaces. Every method takes namespace paths (CNI_NETNS). */
export interface NetBackend {
  /** "netlink" or "iproute2", for logs and `doctor`. */
  readonly name: string;
  /**
   * One read of the namespace: every link, the ingress qdisc of each, and the ingress filters
   * of each device that has an ingress or clsact qdisc. Throws NetError.
   */
  read(netns: string): Promise<NamespaceSnapshot>;
  /** Applies `changes` in order, stopping at the first that fails (a NetError naming it). */
  apply(netns: string, changes: Change[]): Promise<void>;
  /**
   * The links of each of `namespaces` (host-wide searches by tap alias: GC, DEL of a namespace
   * whose path is gone, `inspect --all`). A namespace that vanished or cannot be read is absent.
   */
  readLinks(namespaces: string[]): Promise<Map<string, Link[]>>;
  /**
   * What this backend needs of the host, checked cheaply: no process, no change, nothing created
   * (STATUS runs it every few seconds). The tun device and kernel modules are checked elsewhere.
   */
  requirements(): Requirement[];
  /**
   * `doctor`'s full probe: in a throwaway namespace that is gone afterwards (even if the plugin
   * is killed), builds what ADD builds: a persistent vnet_hdr tap, an ingress qdisc, a u32
   * match-all filter, a u32 filter with a mirred redirect carrying a cookie.
   */
  probe(): Promise<ProbeFailure | undefined>;
}

/** Makes a backend whose every kernel call gives up after `timeoutMs`. */
export type BackendFactory = (options: { timeoutMs: number }) => NetBackend;
