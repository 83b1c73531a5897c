// tc filters on a device's ingress (struct tcmsg + TCA_* and TCA_U32_* / TCA_MATCHALL_* of
// linux/pkt_cls.h): the per-device dump read into the model, the u32 match-all redirect ADD
// adds, and the deletes DEL sends, each as `tc filter` sends it. Pure; no FFI.
import type { TcFilter } from '../model.js';
import { encodeMirredRedirect, parseActions } from './actions.js';
import { ETH_P_ALL, protocolName } from './protocols.js';
import { encodeTcmsg, parseTcmsg, INGRESS_FILTER_PARENT, TCA_KIND, TCA_OPTIONS } from './tc.js';
import {
  attributeMap,
  decode,
  encodeRequest,
  viewOf,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  RTM_DELTFILTER,
  RTM_GETTFILTER,
  RTM_NEWTFILTER,
  type NetlinkMessage,
} from './wire.js';

/** enum TCA_U32_* (linux/pkt_cls.h). */
export const TCA_U32_DIVISOR = 4;
export const TCA_U32_SEL = 5;
export const TCA_U32_ACT = 7;
/** tc_u32_sel.flags: a rule whose keys match ends classification (tc sets it for `match`). */
export const TC_U32_TERMINAL = 1;
/** enum TCA_MATCHALL_*. */
export const TCA_MATCHALL_ACT = 2;

/** sizeof(struct tc_u32_sel) without its keys, and sizeof(struct tc_u32_key). */
const U32_SEL_LEN = 16;
const U32_KEY_LEN = 16;

/** tcm_info of a filter: TC_H_MAKE(pref << 16, protocol), the protocol in network order. */
function filterInfo(pref: number, protocol: number): number {
  return ((pref << 16) | swap16(protocol)) >>> 0;
}

const swap16 = (value: number): number => ((value & 0xff) << 8) | ((value >> 8) & 0xff);

/** `tc filter show dev DEV ingress`: RTM_GETTFILTER dump of the ingress block (every chain). */
export function getFiltersRequest(ifindex: number): Uint8Array {
  return encodeRequest(RTM_GETTFILTER, NLM_F_REQUEST | NLM_F_DUMP, (e) =>
    encodeTcmsg(e, { ifindex, handle: 0, parent: INGRESS_FILTER_PARENT, info: 0 }),
  );
}

/**
 * `tc filter add dev DEV ingress pref P protocol all u32 match u32 0 0
 *    action mirred egress redirect dev TARGET cookie HEX`: RTM_NEWTFILTER (create, exclusive)
 * with TCA_KIND "u32" and TCA_OPTIONS holding the action table, then a selector with one key
 * of mask 0 (matches every packet) flagged TC_U32_TERMINAL, in tc's order.
 */
export function addRedirectRequest(
  ifindex: number,
  pref: number,
  targetIndex: number,
  cookie: string,
): Uint8Array {
  return addMatchAllRequest(ifindex, pref, { targetIndex, cookie });
}

/**
 * `tc filter add dev DEV ingress pref P protocol all u32 match u32 0 0`, with the mirred
 * redirect of `redirect` when given (addRedirectRequest), with no action otherwise.
 */
export function addMatchAllRequest(
  ifindex: number,
  pref: number,
  redirect?: { targetIndex: number; cookie: string },
): Uint8Array {
  const flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE;
  return encodeRequest(RTM_NEWTFILTER, flags, (e) => {
    const info = filterInfo(pref, ETH_P_ALL);
    encodeTcmsg(e, { ifindex, handle: 0, parent: INGRESS_FILTER_PARENT, info });
    e.attrString(TCA_KIND, 'u32');
    e.attr(TCA_OPTIONS, (options) => {
      if (redirect) {
        options.attr(TCA_U32_ACT, (table) =>
          encodeMirredRedirect(table, 1, redirect.targetIndex, redirect.cookie),
        );
      }
      options.attr(TCA_U32_SEL, (sel) =>
        // struct tc_u32_sel: flags, offshift, nkeys, pad (u8); offmask (be16), off (u16),
        // offoff, hoff (s16), hmask (be32); then struct tc_u32_key: mask, val (be32), off,
        // offmask (s32): `match u32 0 0` is one all-zero key.
        sel
          .u8(TC_U32_TERMINAL)
          .u8(0)
          .u8(1)
          .u8(0)
          .u16(0)
          .u16(0)
          .i16(0)
          .i16(0)
          .u32(0)
          .raw(new Uint8Array(U32_KEY_LEN)),
      );
    });
  });
}

/** `tc filter del dev DEV ingress pref P handle H KIND`: RTM_DELTFILTER of that one rule. */
export function deleteFilterRequest(
  ifindex: number,
  pref: number,
  kind: string,
  handle: number,
): Uint8Array {
  // Protocol 0 matches the priority whatever its protocol, as tc sends it without `protocol`.
  return encodeRequest(RTM_DELTFILTER, NLM_F_REQUEST | NLM_F_ACK, (e) => {
    encodeTcmsg(e, { ifindex, handle, parent: INGRESS_FILTER_PARENT, info: filterInfo(pref, 0) });
    e.attrString(TCA_KIND, kind);
  });
}

/** `tc filter del dev DEV ingress pref P KIND`: RTM_DELTFILTER of a whole priority (handle 0). */
export function deletePriorityRequest(ifindex: number, pref: number, kind: string): Uint8Array {
  return deleteFilterRequest(ifindex, pref, kind, 0);
}

/**
 * A rule of a filter dump in the model; undefined for what is not a rule: the header the kernel
 * sends per priority (no TCA_OPTIONS) and u32's hash tables (TCA_U32_DIVISOR), as iproute2's
 * JSON shows them apart. `names` maps ifindex to name for mirred targets.
 */
export function parseFilter(
  message: NetlinkMessage,
  names: Map<number, string>,
): TcFilter | undefined {
  if (message.type !== RTM_NEWTFILTER) return undefined;
  const tcm = parseTcmsg(message);
  const kindData = tcm.attrs.get(TCA_KIND);
  const optionsData = tcm.attrs.get(TCA_OPTIONS);
  if (!kindData || !optionsData) return undefined;
  const kind = decode.string(kindData);
  const options = attributeMap(optionsData);
  const filter: TcFilter = {
    pref: tcm.info >>> 16,
    protocol: protocolName(swap16(tcm.info & 0xffff)),
    kind,
    handle: tcm.handle,
    matchesAll: false,
    actions: [],
  };
  if (kind === 'u32') {
    if (options.has(TCA_U32_DIVISOR)) return undefined;
    const sel = options.get(TCA_U32_SEL);
    filter.matchesAll = sel !== undefined && keyMasks(sel).every((mask) => mask === 0);
    const table = options.get(TCA_U32_ACT);
    if (table) filter.actions = parseActions(table, names);
  } else if (kind === 'matchall') {
    filter.matchesAll = true;
    const table = options.get(TCA_MATCHALL_ACT);
    if (table) filter.actions = parseActions(table, names);
  }
  return filter;
}

/** The masks of a struct tc_u32_sel's keys (an empty selector matches everything too). */
function keyMasks(sel: Uint8Array): number[] {
  const nkeys = sel[2] ?? 0;
  const view = viewOf(sel);
  const masks: number[] = [];
  for (let i = 0; i < nkeys && U32_SEL_LEN + (i + 1) * U32_KEY_LEN <= sel.length; i++) {
    masks.push(view.getUint32(U32_SEL_LEN + i * U32_KEY_LEN, false));
  }
  return masks;
}
