// What iproute2 tells us about a namespace, as plain data (parsed from `-json` output).

/** A network device. */
export interface Link {
  name: string;
  index: number;
  /** `linkinfo.info_kind`: "tun", "veth", ...; undefined for loopback and plain devices. */
  kind: string | undefined;
  mtu: number;
  mac: string;
  /** Administratively up (IFF_UP). */
  up: boolean;
  /** Has carrier: for a tap, whether some process (a VMM) has it open. */
  carrier: boolean;
  alias: string | undefined;
  /** Present for tun/tap devices. */
  tun: TunInfo | undefined;
}

/** tun/tap flags from `ip -d link show`. */
export interface TunInfo {
  type: 'tun' | 'tap';
  vnetHdr: boolean;
  multiQueue: boolean;
  persist: boolean;
  /** As iproute2 prints it: a user name, or the number when no name is known. */
  user: string | undefined;
  group: string | undefined;
}

/** The ingress side of a device: which qdisc hooks it and which filters sit there. */
export interface IngressHook {
  qdisc: 'ingress' | 'clsact' | undefined;
  filters: TcFilter[];
}

/** One classifier rule on a device's ingress. */
export interface TcFilter {
  pref: number;
  protocol: string;
  kind: string;
  /** Filter handle (`fh`), e.g. "800::800" for u32. */
  handle: string;
  actions: TcAction[];
}

/** One action of a filter. */
export interface TcAction {
  kind: string;
  /** For mirred: "redirect" or "mirror". */
  mirredAction: string | undefined;
  /** For mirred: "egress" or "ingress". */
  direction: string | undefined;
  /** For mirred: target device name; "*" when the target was deleted (an orphan). */
  toDev: string | undefined;
  /** Hex string of the action cookie, if any. */
  cookie: string | undefined;
}
