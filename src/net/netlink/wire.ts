// The netlink wire format (linux/netlink.h) and rtnetlink's message types (linux/rtnetlink.h):
// message headers, attributes (nested, aligned), acks and extended acks. Pure; no FFI.

// --- linux/netlink.h ------------------------------------------------------------------------

/** AF_NETLINK and the NETLINK_ROUTE protocol (rtnetlink). */
export const AF_NETLINK = 16;
export const NETLINK_ROUTE = 0;
/** Socket options at level SOL_NETLINK. */
export const SOL_NETLINK = 270;
/** Errors echo only the request's header, not its payload (NLM_F_CAPPED in the reply). */
export const NETLINK_CAP_ACK = 10;
/** Errors carry the kernel's message (NLMSGERR_ATTR_MSG) and the offending attribute. */
export const NETLINK_EXT_ACK = 11;

/** sizeof(struct nlmsghdr): nlmsg_len u32, nlmsg_type u16, nlmsg_flags u16, nlmsg_seq u32, nlmsg_pid u32. */
export const NLMSG_HDRLEN = 16;
/** sizeof(struct nlattr): nla_len u16, nla_type u16. */
export const NLA_HDRLEN = 4;

/** nlmsg_flags of requests. */
export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
/** Set on a dump's messages when the objects changed while it ran: the dump is inconsistent. */
export const NLM_F_DUMP_INTR = 0x10;
/** NLM_F_ROOT | NLM_F_MATCH: dump every object. */
export const NLM_F_DUMP = 0x300;
/** Modifiers of NEW requests. */
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
/** Flags of NLMSG_ERROR: the request's payload was left out; TLVs (extended ack) follow. */
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;

/** Control message types. */
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;

/** enum nlmsgerr_attrs: the TLVs after struct nlmsgerr. */
export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;

/** nla_type flags. */
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

// --- linux/rtnetlink.h: message types -----------------------------------------------------

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_NEWQDISC = 36;
export const RTM_DELQDISC = 37;
export const RTM_GETQDISC = 38;
export const RTM_NEWTFILTER = 44;
export const RTM_DELTFILTER = 45;
export const RTM_GETTFILTER = 46;

/** Netlink is in host byte order. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const UTF8 = new TextEncoder();
const UTF8_DECODER = new TextDecoder();

// Why no Buffer here: in a Bun-compiled executable the first Buffer hex conversion costs ~1 ms
// (measured), more than a whole netlink request; these loops cost microseconds.

/** A string's UTF-8 bytes. */
export const utf8 = (text: string): Uint8Array => UTF8.encode(text);

/** Bytes as lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += (byte < 16 ? '0' : '') + byte.toString(16);
  return text;
}

/** Hex (an even number of digits, already checked) as bytes. */
export function fromHex(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** NLMSG_ALIGN / NLA_ALIGN: everything is padded to 4 bytes. */
export const align = (length: number): number => (length + 3) & ~3;

/** Writes netlink messages: fixed structs, then attributes (nested ones patched on close). */
export class Encoder {
  private bytes = new Uint8Array(512);
  private view = new DataView(this.bytes.buffer);
  /** Bytes written so far. */
  length = 0;

  /** Makes room for `count` bytes; returns where they start. (Call it before reading `view`.) */
  private reserve(count: number): number {
    const at = this.length;
    if (at + count > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, at + count));
      grown.set(this.bytes);
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length += count;
    return at;
  }

  u8(value: number): this {
    const at = this.reserve(1);
    this.view.setUint8(at, value);
    return this;
  }
  u16(value: number): this {
    const at = this.reserve(2);
    this.view.setUint16(at, value, LITTLE_ENDIAN);
    return this;
  }
  i16(value: number): this {
    const at = this.reserve(2);
    this.view.setInt16(at, value, LITTLE_ENDIAN);
    return this;
  }
  u32(value: number): this {
    const at = this.reserve(4);
    this.view.setUint32(at, value >>> 0, LITTLE_ENDIAN);
    return this;
  }
  i32(value: number): this {
    const at = this.reserve(4);
    this.view.setInt32(at, value, LITTLE_ENDIAN);
    return this;
  }
  raw(data: Uint8Array): this {
    const at = this.reserve(data.length);
    this.bytes.set(data, at);
    return this;
  }
  /** Zero bytes up to the next multiple of 4. */
  pad(): this {
    this.reserve(align(this.length) - this.length);
    return this;
  }

  /** One attribute (struct nlattr): `write` writes its payload; padded after. */
  attr(type: number, write: (encoder: this) => void): this {
    const start = this.reserve(NLA_HDRLEN);
    write(this);
    this.view.setUint16(start, this.length - start, LITTLE_ENDIAN);
    this.view.setUint16(start + 2, type, LITTLE_ENDIAN);
    return this.pad();
  }
  /**
   * An attribute holding attributes, flagged NLA_F_NESTED. iproute2 flags only some of its
   * nests (TCA_ACT_OPTIONS, not TCA_OPTIONS); the kernel accepts both: we do as iproute2 does.
   */
  nested(type: number, write: (encoder: this) => void): this {
    return this.attr(type | NLA_F_NESTED, write);
  }
  attrU8(type: number, value: number): this {
    return this.attr(type, (e) => e.u8(value));
  }
  attrU32(type: number, value: number): this {
    return this.attr(type, (e) => e.u32(value));
  }
  /** A NUL-terminated string attribute (NLA_STRING / NLA_NUL_STRING). */
  attrString(type: number, value: string): this {
    return this.attr(type, (e) => e.raw(UTF8.encode(`${value}\0`)));
  }
  /** A string attribute without its NUL (NLA_STRING taken by length, as IFLA_IFALIAS). */
  attrText(type: number, value: string): this {
    return this.attr(type, (e) => e.raw(UTF8.encode(value)));
  }
  attrBytes(type: number, value: Uint8Array): this {
    return this.attr(type, (e) => e.raw(value));
  }

  /** The bytes written, as a copy of exactly `length` bytes. */
  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/**
 * One request: struct nlmsghdr (nlmsg_seq 0 and nlmsg_pid 0: the socket numbers it, the kernel
 * fills in our port), then the family header and attributes that `write` writes.
 */
export function encodeRequest(
  type: number,
  flags: number,
  write: (e: Encoder) => void,
): Uint8Array {
  const encoder = new Encoder();
  encoder.u32(0).u16(type).u16(flags).u32(0).u32(0);
  write(encoder);
  const bytes = encoder.finish();
  viewOf(bytes).setUint32(0, bytes.length, LITTLE_ENDIAN);
  return bytes;
}

/** Sets nlmsg_seq of an encoded request. */
export function setSequence(request: Uint8Array, seq: number): void {
  viewOf(request).setUint32(8, seq >>> 0, LITTLE_ENDIAN);
}

/** A received message: its header fields and payload (after struct nlmsghdr). */
export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  payload: Uint8Array;
}

/** The messages of one datagram (several in a dump part, NLMSG_ALIGNed). */
export function parseMessages(data: Uint8Array): NetlinkMessage[] {
  const messages: NetlinkMessage[] = [];
  const view = viewOf(data);
  for (let at = 0; at + NLMSG_HDRLEN <= data.length;) {
    const length = view.getUint32(at, LITTLE_ENDIAN);
    if (length < NLMSG_HDRLEN || at + length > data.length) {
      throw new Error(`malformed netlink message: length ${length} at ${at} of ${data.length}`);
    }
    messages.push({
      type: view.getUint16(at + 4, LITTLE_ENDIAN),
      flags: view.getUint16(at + 6, LITTLE_ENDIAN),
      seq: view.getUint32(at + 8, LITTLE_ENDIAN),
      pid: view.getUint32(at + 12, LITTLE_ENDIAN),
      payload: data.subarray(at + NLMSG_HDRLEN, at + length),
    });
    at += align(length);
  }
  return messages;
}

/** One attribute: its type (without the NLA_F_* flags) and payload. */
export interface Attribute {
  type: number;
  data: Uint8Array;
}

/** The attributes in `data` (a message's tail after its family header, or a nest's payload). */
export function parseAttributes(data: Uint8Array): Attribute[] {
  const attributes: Attribute[] = [];
  const view = viewOf(data);
  for (let at = 0; at + NLA_HDRLEN <= data.length;) {
    const length = view.getUint16(at, LITTLE_ENDIAN);
    if (length < NLA_HDRLEN || at + length > data.length) break; // the kernel never sends these
    attributes.push({
      type: view.getUint16(at + 2, LITTLE_ENDIAN) & NLA_TYPE_MASK,
      data: data.subarray(at + NLA_HDRLEN, at + length),
    });
    at += align(length);
  }
  return attributes;
}

/** The attributes in `data` by type (the last wins, as iproute2's parse_rtattr). */
export function attributeMap(
  data: Uint8Array,
  wanted?: readonly number[],
): Map<number, Uint8Array> {
  // One pass, and a view only of the attributes asked for: a link carries ~40 (IFLA_AF_SPEC,
  // IFLA_PROP_LIST, ...), of which a read needs five; views cost in a cold process.
  const attributes = new Map<number, Uint8Array>();
  const view = viewOf(data);
  for (let at = 0; at + NLA_HDRLEN <= data.length;) {
    const length = view.getUint16(at, LITTLE_ENDIAN);
    if (length < NLA_HDRLEN || at + length > data.length) break;
    const type = view.getUint16(at + 2, LITTLE_ENDIAN) & NLA_TYPE_MASK;
    if (!wanted || wanted.includes(type)) {
      attributes.set(type, data.subarray(at + NLA_HDRLEN, at + length));
    }
    at += align(length);
  }
  return attributes;
}

/** Little views of attribute payloads. */
export const decode = {
  u8: (data: Uint8Array): number => data[0] ?? 0,
  u32: (data: Uint8Array): number => viewOf(data).getUint32(0, LITTLE_ENDIAN),
  /** A string attribute, up to its NUL. */
  string: (data: Uint8Array): string => {
    const end = data.indexOf(0);
    return UTF8_DECODER.decode(end < 0 ? data : data.subarray(0, end));
  },
  hex: toHex,
};

/** The DataView of a typed array's own bytes. */
export function viewOf(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

/** What an NLMSG_ERROR (or a dump's NLMSG_DONE) says: errno (0 for an ack) and extended ack. */
export interface ErrorReply {
  /** A positive errno; 0 when the request succeeded. */
  errno: number;
  /** NLMSGERR_ATTR_MSG: the kernel's text ("Exclusivity flag on, cannot modify"). */
  message: string | undefined;
  /** The sequence number of the request it answers (struct nlmsgerr's msg.nlmsg_seq). */
  seq: number;
}

/**
 * struct nlmsgerr { int error; struct nlmsghdr msg; } followed, when NETLINK_CAP_ACK is off,
 * by the request's payload, then (NLM_F_ACK_TLVS) the extended-ack attributes.
 */
export function parseError(message: NetlinkMessage): ErrorReply {
  const view = viewOf(message.payload);
  const errno = -view.getInt32(0, LITTLE_ENDIAN) | 0; // never -0
  const seq = message.payload.length >= 20 ? view.getUint32(4 + 8, LITTLE_ENDIAN) : message.seq;
  let tlvAt = 4 + NLMSG_HDRLEN;
  if (!(message.flags & NLM_F_CAPPED) && message.payload.length >= 20) {
    tlvAt = 4 + view.getUint32(4, LITTLE_ENDIAN);
  }
  return { errno, message: extackMessage(message, align(tlvAt)), seq };
}

/** NLMSG_DONE's payload: the dump's result (an int) and, with NLM_F_ACK_TLVS, its extended ack. */
export function parseDone(message: NetlinkMessage): ErrorReply {
  const errno =
    message.payload.length >= 4 ? -viewOf(message.payload).getInt32(0, LITTLE_ENDIAN) | 0 : 0;
  return { errno, message: extackMessage(message, 4), seq: message.seq };
}

function extackMessage(message: NetlinkMessage, at: number): string | undefined {
  if (!(message.flags & NLM_F_ACK_TLVS) || at >= message.payload.length) return undefined;
  const text = attributeMap(message.payload.subarray(at)).get(NLMSGERR_ATTR_MSG);
  return text ? decode.string(text) : undefined;
}
