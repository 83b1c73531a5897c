// One model of a network namespace, whichever backend read it (rtnetlink in-process, or
// iproute2's `-json` output): links, and the ingress hook (qdisc and filters) of each.

/** A network device (struct ifinfomsg + IFLA_* attributes). */
export interface Link {
  name: string;
  index: number;
  /** IFLA_INFO_KIND: "tun", "veth", ...; undefined for loopback and devices without linkinfo. */
  kind: string | undefined;
  mtu: number;
  /** IFLA_ADDRESS as lowercase `aa:bb:cc:dd:ee:ff`; "" when the device has none. */
  mac: string;
  /** Administratively up (IFF_UP). */
  up: boolean;
  /** Has carrier (IFF_LOWER_UP): for a tap, whether some process (a VMM) holds it open. */
  carrier: boolean;
  /** IFLA_IFALIAS; undefined when unset. */
  alias: string | undefined;
  /** Present for tun/tap devices (IFLA_INFO_DATA of kind "tun"). */
  tun: TunInfo | undefined;
}

/** tun/tap settings (IFLA_TUN_* of linux/if_link.h). */
export interface TunInfo {
  type: 'tun' | 'tap';
  vnetHdr: boolean;
  multiQueue: boolean;
  persist: boolean;
  /** IFLA_TUN_OWNER; undefined when the tap has none (the kernel stores -1). */
  owner: number | undefined;
  /** IFLA_TUN_GROUP; undefined when none. */
  group: number | undefined;
}

/** The ingress side of a device: which qdisc hooks it, and the filters there. */
export interface IngressHook {
  qdisc: 'ingress' | 'clsact' | undefined;
  /**
   * The `mpu` of the qdisc's size table (TCA_STAB, struct tc_sizespec), undefined without one.
   * The kernel keeps and dumps it, but never applies a size table on ingress (only the egress
   * enqueue path computes qdisc_pkt_len from it; measured: byte counters unchanged), so it can
   * carry a mark saying who added the qdisc.
   */
  qdiscMark: number | undefined;
  filters: TcFilter[];
}

/** One classifier rule on a device's ingress (a `tc filter`, not a priority's header). */
export interface TcFilter {
  pref: number;
  /** As iproute2 names it: "all", "ip", "ipv6", ... ("[4660]", the number, when it has no name). */
  protocol: string;
  /** Classifier kind (TCA_KIND): "u32", "matchall", "bpf", ... */
  kind: string;
  /** Filter handle (tcm_handle); for u32 "800::800" is 0x80000800. */
  handle: number;
  /**
   * Whether the classifier matches every packet of its protocol: a u32 rule whose keys all
   * have mask 0 (`match u32 0 0`), or matchall. Such a rule at a lower pref than another
   * takes every packet before it.
   */
  matchesAll: boolean;
  actions: TcAction[];
}

/** One action of a filter (TCA_ACT_*). */
export interface TcAction {
  /** Action kind (TCA_ACT_KIND): "mirred", "gact", ... */
  kind: string;
  /** For mirred: "redirect" or "mirror" (TCA_EGRESS_REDIR / _MIRROR / TCA_INGRESS_*). */
  mirredAction: 'redirect' | 'mirror' | undefined;
  /** For mirred: "egress" or "ingress". */
  direction: 'egress' | 'ingress' | undefined;
  /**
   * For mirred: the target device's name; "*" when the target no longer exists (the kernel
   * then dumps ifindex 0: every packet the action takes is dropped).
   */
  toDev: string | undefined;
  /** TCA_ACT_COOKIE as lowercase hex; undefined without one. */
  cookie: string | undefined;
  /**
   * The verdict after the action (tc_gen.action, TC_ACT_*) as iproute2 names it: "stolen",
   * "pipe", "pass", "continue", "drop", ...; "continue" (TC_ACT_UNSPEC) lets the next filter run.
   */
  control: string | undefined;
}

/** One read of a namespace: every link, and the ingress hook of each link that has one. */
export interface NamespaceSnapshot {
  /** The namespace path it was read from. */
  netns: string;
  links: Link[];
  /** Ingress hooks by device name; a device with no ingress qdisc has no entry. */
  hooks: Map<string, IngressHook>;
}

/** The ingress hook of `dev` in `snapshot`: empty when it has none (or does not exist). */
export function hookOf(snapshot: NamespaceSnapshot, dev: string): IngressHook {
  return snapshot.hooks.get(dev) ?? NO_HOOK;
}

const NO_HOOK: IngressHook = Object.freeze({ qdisc: undefined, qdiscMark: undefined, filters: [] });

/** The link named `name` in `snapshot`, if any. */
export function linkNamed(snapshot: NamespaceSnapshot, name: string): Link | undefined {
  return snapshot.links.find((link) => link.name === name);
}

/**
 * A u32 handle as iproute2 prints it (`htid:hash:node` in hex, zero parts left empty:
 * 0x80000800 is "800::800"), any other handle as hex.
 */
export function formatHandle(kind: string, handle: number): string {
  if (kind !== 'u32') return `0x${handle.toString(16)}`;
  const htid = handle >>> 20;
  const hash = (handle >>> 12) & 0xff;
  const node = handle & 0xfff;
  const part = (value: number) => (value ? value.toString(16) : '');
  return `${part(htid)}:${part(hash)}:${part(node)}`;
}

/** Parses what formatHandle prints (and plain hex or decimal numbers). */
export function parseHandle(text: string): number | undefined {
  const u32 = /^([0-9a-f]{0,3}):([0-9a-f]{0,2}):([0-9a-f]{0,3})$/i.exec(text);
  if (u32) {
    const [htid, hash, node] = u32.slice(1).map((part) => (part ? parseInt(part, 16) : 0));
    return ((htid! << 20) | (hash! << 12) | node!) >>> 0;
  }
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text.slice(2), 16);
  if (/^\d+$/.test(text)) return Number(text);
  return undefined;
}
