// Traffic control over rtnetlink, common part and qdiscs (struct tcmsg + TCA_* of
// linux/rtnetlink.h, handles of linux/pkt_sched.h): the qdisc dump and the ingress qdisc's
// add and delete, as `tc qdisc` sends them. Pure; no FFI.
import {
  attributeMap,
  decode,
  encodeRequest,
  viewOf,
  LITTLE_ENDIAN,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  RTM_DELQDISC,
  RTM_GETQDISC,
  RTM_NEWQDISC,
  type Encoder,
  type NetlinkMessage,
} from './wire.js';

/** sizeof(struct tcmsg): tcm_family u8, pad u8+u16, tcm_ifindex s32, tcm_handle, tcm_parent, tcm_info u32. */
export const TCMSG_LEN = 20;

/** Handles (linux/pkt_sched.h). TC_H_CLSACT is TC_H_INGRESS: both qdiscs sit at that parent. */
export const TC_H_INGRESS = 0xfffffff1;
export const TC_H_MIN_INGRESS = 0xfff2;
/** `ffff:`, the handle `tc qdisc add ... ingress` gives the ingress (and clsact) qdisc. */
export const INGRESS_HANDLE = 0xffff0000;
/**
 * TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS) = ffff:fff2: the parent `tc filter ... ingress`
 * names, which the kernel resolves to the ingress block of either qdisc.
 */
export const INGRESS_FILTER_PARENT = 0xfffffff2;

/** enum TCA_* (linux/rtnetlink.h), the attributes of qdisc and filter messages. */
export const TCA_KIND = 1;
export const TCA_OPTIONS = 2;
export const TCA_STAB = 8;
/** TCA_STAB's nest (linux/pkt_sched.h): struct tc_sizespec, then the u16 table itself. */
export const TCA_STAB_BASE = 1;
export const TCA_STAB_DATA = 2;

/** The fields of struct tcmsg that requests set (tcm_family is AF_UNSPEC). */
export interface Tcmsg {
  ifindex: number;
  handle: number;
  parent: number;
  /** Filters: TC_H_MAKE(pref << 16, protocol in network byte order). */
  info: number;
}

/** Writes struct tcmsg. */
export function encodeTcmsg(e: Encoder, tcm: Tcmsg): void {
  e.u8(0).u8(0).u16(0).i32(tcm.ifindex).u32(tcm.handle).u32(tcm.parent).u32(tcm.info);
}

/** The attributes of qdisc and filter messages that the model reads (not TCA_STATS*). */
const TC_ATTRIBUTES = [TCA_KIND, TCA_OPTIONS, TCA_STAB];

/** Reads struct tcmsg and the attributes after it (those of TC_ATTRIBUTES). */
export function parseTcmsg(message: NetlinkMessage): Tcmsg & { attrs: Map<number, Uint8Array> } {
  const view = viewOf(message.payload);
  return {
    ifindex: view.getInt32(4, LITTLE_ENDIAN),
    handle: view.getUint32(8, LITTLE_ENDIAN),
    parent: view.getUint32(12, LITTLE_ENDIAN),
    info: view.getUint32(16, LITTLE_ENDIAN),
    attrs: attributeMap(message.payload.subarray(TCMSG_LEN), TC_ATTRIBUTES),
  };
}

/** One qdisc of a dump. */
export interface Qdisc {
  ifindex: number;
  kind: string;
  handle: number;
  parent: number;
  /** struct tc_sizespec's mpu, when the qdisc has a size table (TCA_STAB). */
  mpu: number | undefined;
}

/** `tc qdisc show`: RTM_GETQDISC dump of every device. */
export function getQdiscsRequest(): Uint8Array {
  return encodeRequest(RTM_GETQDISC, NLM_F_REQUEST | NLM_F_DUMP, (e) =>
    encodeTcmsg(e, { ifindex: 0, handle: 0, parent: 0, info: 0 }),
  );
}

/** A qdisc of the dump; undefined for messages of other types. */
export function parseQdisc(message: NetlinkMessage): Qdisc | undefined {
  if (message.type !== RTM_NEWQDISC) return undefined;
  const tcm = parseTcmsg(message);
  const kind = tcm.attrs.get(TCA_KIND);
  const stab = tcm.attrs.get(TCA_STAB);
  const base = stab ? attributeMap(stab).get(TCA_STAB_BASE) : undefined;
  return {
    ifindex: tcm.ifindex,
    kind: kind ? decode.string(kind) : '',
    handle: tcm.handle,
    parent: tcm.parent,
    // struct tc_sizespec: cell_log u8, size_log u8, cell_align s16, overhead s32, linklayer,
    // mpu, mtu, tsize u32: mpu at offset 12.
    mpu: base && base.length >= 16 ? viewOf(base).getUint32(12, LITTLE_ENDIAN) : undefined,
  };
}

/**
 * `tc qdisc add dev DEV handle ffff: stab mpu MARK ingress`: RTM_NEWQDISC (create, exclusive)
 * at TC_H_INGRESS with TCA_KIND "ingress" and, for a non-zero mark, the size table tc builds
 * for `stab mpu MARK` (sizeTable). The kernel never applies it on ingress (model.ts).
 */
export function addIngressQdiscRequest(ifindex: number, mark: number): Uint8Array {
  const flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE;
  return encodeRequest(RTM_NEWQDISC, flags, (e) => {
    encodeTcmsg(e, { ifindex, handle: INGRESS_HANDLE, parent: TC_H_INGRESS, info: 0 });
    e.attrString(TCA_KIND, 'ingress');
    if (mark === 0) return; // tc sends no TCA_STAB for `stab mpu 0` (no option in effect)
    const table = sizeTable(mark);
    e.attr(TCA_STAB, (nest) => {
      nest.attr(
        TCA_STAB_BASE,
        (spec) =>
          spec
            .u8(table.cellLog)
            .u8(table.sizeLog)
            .i16(table.cellAlign)
            .i32(0) // overhead
            .u32(0) // linklayer: LINKLAYER_UNSPEC, as tc leaves it
            .u32(mark) // mpu
            .u32(table.mtu)
            .u32(table.data.length), // tsize
      );
      nest.attrBytes(TCA_STAB_DATA, table.bytes);
    });
  });
}

/** `tc qdisc del dev DEV ingress`: RTM_DELQDISC of handle ffff: at TC_H_INGRESS, kind "ingress". */
export function deleteIngressQdiscRequest(ifindex: number): Uint8Array {
  return encodeRequest(RTM_DELQDISC, NLM_F_REQUEST | NLM_F_ACK, (e) => {
    encodeTcmsg(e, { ifindex, handle: INGRESS_HANDLE, parent: TC_H_INGRESS, info: 0 });
    e.attrString(TCA_KIND, 'ingress');
  });
}

/** A struct tc_sizespec and its table, as tc computes them. */
export interface SizeTable {
  cellLog: number;
  sizeLog: number;
  cellAlign: number;
  mtu: number;
  /** The slots (u16, host order, as TCA_STAB_DATA carries them). */
  data: Uint16Array;
  /** `data` as TCA_STAB_DATA's payload. */
  bytes: Uint8Array;
}

/** Tables already computed, by mpu: a plugin adds two qdiscs with the same mark. */
const TABLES = new Map<number, SizeTable>();

/**
 * The size table iproute2's tc_calc_size_table builds for `stab mpu MPU` on an ethernet-like
 * link with its defaults (mtu 2047, tsize 512): slot i holds max((i + 1) << cell_log, mpu)
 * >> size_log, cell_log the least that fits mtu in tsize slots, size_log the least that fits
 * every slot in a u16, cell_align -1. Sending the same table as tc makes `tc -d qdisc show`
 * print the same `mtu 2047 tsize 512` whichever backend added the qdisc.
 */
export function sizeTable(mpu: number): SizeTable {
  let table = TABLES.get(mpu);
  if (!table) TABLES.set(mpu, (table = computeSizeTable(mpu, 2047, 512)));
  return table;
}

function computeSizeTable(mpu: number, mtu: number, tsize: number): SizeTable {
  let cellLog = 0;
  while (mtu >>> cellLog > tsize - 1) cellLog++;
  // The largest slot is max(tsize << cell_log, mpu): size_log makes it fit a u16.
  const largest = Math.max(tsize * 2 ** cellLog, mpu);
  let sizeLog = 0;
  while (Math.floor(largest / 2 ** sizeLog) > 0xffff) sizeLog++;
  const data = new Uint16Array(tsize);
  // Slots i with (i + 1) << cell_log <= mpu all hold mpu (all of them for a mark above 2048).
  const atMpu = Math.min(tsize, Math.floor(mpu / 2 ** cellLog));
  data.fill(Math.floor(mpu / 2 ** sizeLog), 0, atMpu);
  for (let i = atMpu; i < tsize; i++) data[i] = Math.floor(((i + 1) * 2 ** cellLog) / 2 ** sizeLog);
  return { cellLog, sizeLog, cellAlign: -1, mtu, data, bytes: new Uint8Array(data.buffer) };
}
