// tc actions (TCA_ACT_* of linux/pkt_cls.h, struct tc_mirred of linux/tc_act/tc_mirred.h):
// the mirred redirect with a cookie that ADD attaches, and the action table of a dumped filter
// read into the model. Pure; no FFI.
import type { TcAction } from '../model.js';
import {
  attributeMap,
  decode,
  fromHex,
  parseAttributes,
  viewOf,
  LITTLE_ENDIAN,
  type Encoder,
} from './wire.js';

/** enum TCA_ACT_* (linux/pkt_cls.h): the attributes of one action of a filter's table. */
export const TCA_ACT_KIND = 1;
export const TCA_ACT_OPTIONS = 2;
export const TCA_ACT_COOKIE = 6;
/** TC_COOKIE_MAX_SIZE: a cookie is 1 to 16 bytes. */
export const TC_COOKIE_MAX_SIZE = 16;

/** The verdicts of tc_gen.action (TC_ACT_*), as iproute2's action_n2a names them. */
export const TC_ACT_UNSPEC = -1;
export const TC_ACT_STOLEN = 4;
const CONTROL_NAMES: Record<number, string> = {
  [-1]: 'continue',
  0: 'pass',
  1: 'reclassify',
  2: 'drop',
  3: 'pipe',
  4: 'stolen',
  8: 'trap',
};
/** __TC_ACT_EXT_SHIFT: opcodes with a parameter sit in the top bits (jump N, goto chain N). */
const TC_ACT_EXT_SHIFT = 28;
const TC_ACT_JUMP = 1 << TC_ACT_EXT_SHIFT;
const TC_ACT_GOTO_CHAIN = 2 << TC_ACT_EXT_SHIFT;

/** linux/tc_act/tc_mirred.h: TCA_MIRRED_PARMS holds struct tc_mirred. */
export const TCA_MIRRED_PARMS = 2;
/** struct tc_mirred's eaction. */
export const TCA_EGRESS_REDIR = 1;
export const TCA_EGRESS_MIRROR = 2;
export const TCA_INGRESS_REDIR = 3;
export const TCA_INGRESS_MIRROR = 4;
/** linux/tc_act/tc_gact.h: TCA_GACT_PARMS holds struct tc_gact (tc_gen only). */
const TCA_GACT_PARMS = 2;

/** The name iproute2 gives a TC_ACT_* verdict ("stolen", "goto", ...; the number otherwise). */
export function controlName(action: number): string {
  const opcode = action & ~((1 << TC_ACT_EXT_SHIFT) - 1);
  if (opcode === TC_ACT_GOTO_CHAIN) return 'goto';
  if (opcode === TC_ACT_JUMP) return 'jump';
  return CONTROL_NAMES[action] ?? String(action);
}

/**
 * Action number `order` of a filter's table: `action mirred egress redirect dev IFINDEX
 * cookie HEX`, as tc encodes it: TCA_ACT_KIND "mirred", TCA_ACT_OPTIONS (flagged nested)
 * holding TCA_MIRRED_PARMS, then TCA_ACT_COOKIE.
 */
export function encodeMirredRedirect(
  e: Encoder,
  order: number,
  ifindex: number,
  cookie: string,
): void {
  const bytes = cookieBytes(cookie);
  e.attr(order, (action) => {
    action.attrString(TCA_ACT_KIND, 'mirred');
    action.nested(TCA_ACT_OPTIONS, (options) =>
      options.attr(TCA_MIRRED_PARMS, (parms) =>
        // struct tc_mirred: tc_gen { index, capab, action, refcnt, bindcnt }, eaction, ifindex.
        // index 0 asks for a new action; TC_ACT_STOLEN is tc's verdict for a redirect.
        parms.u32(0).u32(0).i32(TC_ACT_STOLEN).i32(0).i32(0).i32(TCA_EGRESS_REDIR).u32(ifindex),
      ),
    );
    action.attrBytes(TCA_ACT_COOKIE, bytes);
  });
}

/** A cookie's hex as bytes (1..16 of them, as TC_COOKIE_MAX_SIZE allows); throws otherwise. */
export function cookieBytes(cookie: string): Uint8Array {
  if (!/^([0-9a-f]{2}){1,16}$/i.test(cookie)) {
    throw new Error(`a tc action cookie is 1 to ${TC_COOKIE_MAX_SIZE} bytes of hex: ${cookie}`);
  }
  return fromHex(cookie);
}

/**
 * The actions of a filter's action table (TCA_U32_ACT, TCA_MATCHALL_ACT: one nest per action,
 * typed by its order), in order. `names` resolves mirred's target ifindex; a target that is
 * gone (the kernel then dumps 0) or unknown reads "*".
 */
export function parseActions(table: Uint8Array, names: Map<number, string>): TcAction[] {
  return parseAttributes(table)
    .sort((a, b) => a.type - b.type)
    .map(({ data }) => parseAction(attributeMap(data), names));
}

function parseAction(attrs: Map<number, Uint8Array>, names: Map<number, string>): TcAction {
  const kindData = attrs.get(TCA_ACT_KIND);
  const kind = kindData ? decode.string(kindData) : '';
  const cookie = attrs.get(TCA_ACT_COOKIE);
  const options = attrs.get(TCA_ACT_OPTIONS);
  const action: TcAction = {
    kind,
    mirredAction: undefined,
    direction: undefined,
    toDev: undefined,
    cookie: cookie ? decode.hex(cookie) : undefined,
    control: undefined,
  };
  const parms = options && attributeMap(options);
  if (kind === 'mirred') {
    const mirred = parms?.get(TCA_MIRRED_PARMS);
    if (!mirred || mirred.length < 28) return action;
    const view = viewOf(mirred);
    const eaction = view.getInt32(20, LITTLE_ENDIAN);
    const ifindex = view.getUint32(24, LITTLE_ENDIAN);
    action.control = controlName(view.getInt32(8, LITTLE_ENDIAN));
    const redirect = eaction === TCA_EGRESS_REDIR || eaction === TCA_INGRESS_REDIR;
    const mirror = eaction === TCA_EGRESS_MIRROR || eaction === TCA_INGRESS_MIRROR;
    action.mirredAction = redirect ? 'redirect' : mirror ? 'mirror' : undefined;
    action.direction =
      eaction === TCA_EGRESS_REDIR || eaction === TCA_EGRESS_MIRROR
        ? 'egress'
        : eaction === TCA_INGRESS_REDIR || eaction === TCA_INGRESS_MIRROR
          ? 'ingress'
          : undefined;
    action.toDev = (ifindex !== 0 && names.get(ifindex)) || '*';
  } else if (kind === 'gact') {
    const gact = parms?.get(TCA_GACT_PARMS);
    if (gact && gact.length >= 12)
      action.control = controlName(viewOf(gact).getInt32(8, LITTLE_ENDIAN));
  }
  return action;
}
