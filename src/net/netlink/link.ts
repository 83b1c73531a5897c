// Links over rtnetlink (struct ifinfomsg + IFLA_* of linux/if_link.h): the dump that reads them
// into the model, and the requests `ip link set` and `ip link del` send. Pure; no FFI.
import type { Link, TunInfo } from '../model.js';
import {
  attributeMap,
  decode,
  encodeRequest,
  fromHex,
  viewOf,
  LITTLE_ENDIAN,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_NEWLINK,
  type Encoder,
  type NetlinkMessage,
} from './wire.js';

/** sizeof(struct ifinfomsg): ifi_family u8, pad u8, ifi_type u16, ifi_index s32, ifi_flags u32, ifi_change u32. */
export const IFINFOMSG_LEN = 16;

/** enum IFLA_* (linux/if_link.h) that we read or write. */
export const IFLA_ADDRESS = 1;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINKINFO = 18;
export const IFLA_IFALIAS = 20;
export const IFLA_EXT_MASK = 29;
/** IFLA_LINKINFO's nest: IFLA_INFO_KIND (string), IFLA_INFO_DATA (the kind's own attributes). */
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
/** IFLA_INFO_DATA of kind "tun" (drivers/net/tun.c, tun_fill_info). */
export const IFLA_TUN_OWNER = 1;
export const IFLA_TUN_GROUP = 2;
export const IFLA_TUN_TYPE = 3;
export const IFLA_TUN_PI = 4;
export const IFLA_TUN_VNET_HDR = 5;
export const IFLA_TUN_PERSIST = 6;
export const IFLA_TUN_MULTI_QUEUE = 7;

/** net_device_flags (linux/if.h). */
export const IFF_UP = 1 << 0;
export const IFF_LOWER_UP = 1 << 16;

/** linux/rtnetlink.h: leave IFLA_STATS/IFLA_STATS64 out of a link dump (we never read them). */
export const RTEXT_FILTER_SKIP_STATS = 1 << 3;

/** IFLA_TUN_TYPE values: the device's IFF_TUN / IFF_TAP (linux/if_tun.h). */
const TUN_TYPES: Record<number, TunInfo['type']> = { 1: 'tun', 2: 'tap' };

/** Which link a request is about: by index (from a dump), or by name (the kernel looks it up). */
export type LinkRef = { index: number } | { name: string };

/** struct ifinfomsg: family AF_UNSPEC, and flags only where the request changes them. */
function ifinfomsg(e: Encoder, index: number, flags = 0, change = 0): void {
  e.u8(0).u8(0).u16(0).i32(index).u32(flags).u32(change);
}

/**
 * struct ifinfomsg with a reference's ifi_index (and the flags a request changes), then
 * IFLA_IFNAME when it names the link (rtnl_dev_get's lookup).
 */
function target(e: Encoder, link: LinkRef, flags = 0, change = 0): void {
  ifinfomsg(e, 'index' in link ? link.index : 0, flags, change);
  if ('name' in link) e.attrString(IFLA_IFNAME, link.name);
}

/** `ip -d link show`: RTM_GETLINK dump, statistics left out. */
export function getLinksRequest(): Uint8Array {
  return encodeRequest(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, (e) => {
    ifinfomsg(e, 0);
    e.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  });
}

/** `ip -d link show dev NAME`: RTM_GETLINK of one link by name (answered by one RTM_NEWLINK). */
export function getLinkRequest(name: string): Uint8Array {
  return encodeRequest(RTM_GETLINK, NLM_F_REQUEST, (e) => {
    ifinfomsg(e, 0);
    e.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS).attrString(IFLA_IFNAME, name);
  });
}

/**
 * `ip link set dev NAME [mtu M] [address MAC] [alias A] [up]`: RTM_NEWLINK without
 * NLM_F_CREATE changes an existing link (do_setlink), all in one request as iproute2 sends it.
 */
export function setLinkRequest(
  link: LinkRef,
  changes: { mtu?: number; mac?: string; alias?: string; up?: boolean },
): Uint8Array {
  return encodeRequest(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, (e) => {
    const up = changes.up ? IFF_UP : 0;
    target(e, link, up, up);
    if (changes.mtu !== undefined) e.attrU32(IFLA_MTU, changes.mtu);
    if (changes.mac !== undefined) e.attrBytes(IFLA_ADDRESS, parseMac(changes.mac));
    // iproute2 sends the alias without a NUL; the kernel stores nla_len bytes (dev_set_alias).
    if (changes.alias !== undefined) e.attrText(IFLA_IFALIAS, changes.alias);
  });
}

/** `ip link del dev NAME`: RTM_DELLINK. */
export function deleteLinkRequest(link: LinkRef): Uint8Array {
  return encodeRequest(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, (e) => target(e, link));
}

/** The attributes of a link that the model reads. */
const LINK_ATTRIBUTES = [IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_LINKINFO, IFLA_IFALIAS];

/** A link of a dump (an RTM_NEWLINK message) in the model; undefined for other messages. */
export function parseLink(message: NetlinkMessage): Link | undefined {
  if (message.type !== RTM_NEWLINK || message.payload.length < IFINFOMSG_LEN) return undefined;
  const view = viewOf(message.payload);
  const index = view.getInt32(4, LITTLE_ENDIAN);
  const flags = view.getUint32(8, LITTLE_ENDIAN);
  const attrs = attributeMap(message.payload.subarray(IFINFOMSG_LEN), LINK_ATTRIBUTES);
  const info = attrs.get(IFLA_LINKINFO);
  const linkinfo = info ? attributeMap(info) : undefined;
  const kindData = linkinfo?.get(IFLA_INFO_KIND);
  const kind = kindData ? decode.string(kindData) : undefined;
  const data = linkinfo?.get(IFLA_INFO_DATA);
  const name = attrs.get(IFLA_IFNAME);
  const mtu = attrs.get(IFLA_MTU);
  const address = attrs.get(IFLA_ADDRESS);
  const alias = attrs.get(IFLA_IFALIAS);
  return {
    name: name ? decode.string(name) : '',
    index,
    kind,
    mtu: mtu ? decode.u32(mtu) : 0,
    mac: address ? formatMac(address) : '',
    up: (flags & IFF_UP) !== 0,
    carrier: (flags & IFF_LOWER_UP) !== 0,
    // The kernel sends IFLA_IFALIAS only when one is set (an empty alias clears it).
    alias: alias ? decode.string(alias) : undefined,
    tun: kind === 'tun' && data ? parseTunInfo(data) : undefined,
  };
}

/** IFLA_INFO_DATA of a tun device; owner/group are dumped only when set (uid_valid). */
function parseTunInfo(data: Uint8Array): TunInfo | undefined {
  const attrs = attributeMap(data);
  const type = TUN_TYPES[decode.u8(attrs.get(IFLA_TUN_TYPE) ?? new Uint8Array(1))];
  if (!type) return undefined;
  const flag = (attr: number) => decode.u8(attrs.get(attr) ?? new Uint8Array(1)) !== 0;
  const id = (attr: number) => {
    const value = attrs.get(attr);
    return value ? decode.u32(value) : undefined;
  };
  return {
    type,
    vnetHdr: flag(IFLA_TUN_VNET_HDR),
    multiQueue: flag(IFLA_TUN_MULTI_QUEUE),
    persist: flag(IFLA_TUN_PERSIST),
    owner: id(IFLA_TUN_OWNER),
    group: id(IFLA_TUN_GROUP),
  };
}

/** A hardware address as lowercase colon-separated hex ("" for none). */
export function formatMac(address: Uint8Array): string {
  let mac = '';
  for (const byte of address) mac += (mac ? ':' : '') + (byte < 16 ? '0' : '') + byte.toString(16);
  return mac;
}

/** `aa:bb:cc:dd:ee:ff` as bytes; throws on anything else. */
export function parseMac(mac: string): Uint8Array {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) throw new Error(`not a MAC address: ${mac}`);
  return fromHex(mac.replaceAll(':', ''));
}
