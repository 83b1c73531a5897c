// The changes a backend applies to a namespace: plain data, so plans are testable without root.
// Each has one shell equivalent (shellEquivalent): the iproute2 backend runs it, the netlink
// backend sends the same requests and names it when one fails.
import { formatHandle } from './model.js';

/** One change to a namespace. */
export type Change =
  /**
   * A persistent tap, up, with this MTU, MAC and alias (IFF_TAP | IFF_NO_PI, IFF_VNET_HDR and
   * IFF_MULTI_QUEUE as asked; TUNSETOWNER/TUNSETGROUP when given). Fails when a device of that
   * name exists. `ip tuntap add dev NAME mode tap [user U] [group G] [vnet_hdr] [multi_queue]`
   * then `ip link set dev NAME mtu M address MAC alias A up`.
   */
  | {
      op: 'create-tap';
      name: string;
      /**
       * Where iproute2, which cannot create a tap with its alias, creates it first: the second
       * command renames it to `name` in the request that sets the alias (createTapCommands).
       */
      staging: string;
      owner: number | undefined;
      group: number | undefined;
      vnetHdr: boolean;
      multiQueue: boolean;
      mtu: number;
      mac: string;
      alias: string;
    }
  /** `ip link set dev NAME mtu M up` */
  | { op: 'set-link'; name: string; mtu: number }
  /** `ip link del dev NAME` */
  | { op: 'delete-link'; name: string }
  /**
   * `tc qdisc add dev DEV handle ffff: stab mpu MARK ingress`: an ingress qdisc carrying `mark`
   * in its size table (see IngressHook.qdiscMark).
   */
  | { op: 'add-ingress-qdisc'; dev: string; mark: number }
  /** `tc qdisc del dev DEV ingress` (also removes every filter attached to it). */
  | { op: 'delete-ingress-qdisc'; dev: string }
  /**
   * `tc filter add dev DEV ingress pref P protocol all u32 match u32 0 0
   *    action mirred egress redirect dev TARGET cookie HEX`
   * `ingress` names the ingress hook of both the `ingress` and the `clsact` qdisc; u32 with an
   * empty key is the match-all (this kernel has no matchall classifier: DESIGN.md, facts).
   */
  | { op: 'add-redirect'; dev: string; pref: number; target: string; cookie: string }
  /** `tc filter del dev DEV ingress pref P handle H KIND`: that one rule only. */
  | { op: 'delete-filter'; dev: string; pref: number; kind: string; handle: number }
  /**
   * `tc filter del dev DEV ingress pref P KIND`: every rule at that priority (the kernel allows
   * one protocol and classifier per priority, so nothing else goes with it).
   */
  | { op: 'delete-priority'; dev: string; pref: number; kind: string };

/**
 * create-tap's two commands, creating the tap as `createAs`; when that is not its name, the
 * second command renames it in the same RTM_NEWLINK that sets its alias. do_setlink applies
 * the name and then the alias within one request (net/core/rtnetlink.c), so no process killed
 * between commands can leave a tap of that name without our mark: at worst a tap under the
 * staging name, which every plan of the attachment removes (marks.isStagingTap).
 */
export function createTapCommands(
  change: Extract<Change, { op: 'create-tap' }>,
  createAs: string,
): string[][] {
  const tuntap = ['ip', 'tuntap', 'add', 'dev', createAs, 'mode', 'tap'];
  if (change.owner !== undefined) tuntap.push('user', String(change.owner));
  if (change.group !== undefined) tuntap.push('group', String(change.group));
  if (change.vnetHdr) tuntap.push('vnet_hdr');
  if (change.multiQueue) tuntap.push('multi_queue');
  const rename = createAs === change.name ? [] : ['name', change.name];
  const setup = ['mtu', String(change.mtu), 'address', change.mac, 'alias', change.alias, 'up'];
  return [tuntap, ['ip', 'link', 'set', 'dev', createAs, ...rename, ...setup]];
}

/** How a change alters the namespace, for the verb log's created/removed lists. */
export type ChangeKind = 'created' | 'removed' | 'changed';

/** A change as people read it: past tense for logs, and the object it concerns. */
export interface ChangeDescription {
  change: ChangeKind;
  /** "tap tap0_urunc", "ingress qdisc on eth0", "redirect eth0 -> tap0_urunc", ... */
  object: string;
  /** "created tap tap0_urunc (mtu 1500, mac ...)", ... */
  text: string;
}

/** The one description of every change (logs, `cleanup` output, the verb log's lists). */
export function describeChange(change: Change): ChangeDescription {
  switch (change.op) {
    case 'create-tap':
      return {
        change: 'created',
        object: `tap ${change.name}`,
        text: `created tap ${change.name} (mtu ${change.mtu}, mac ${change.mac})`,
      };
    case 'set-link':
      return {
        change: 'changed',
        object: `tap ${change.name}`,
        text: `set ${change.name} mtu ${change.mtu} up`,
      };
    case 'delete-link':
      return { change: 'removed', object: `tap ${change.name}`, text: `deleted ${change.name}` };
    case 'add-ingress-qdisc':
      return {
        change: 'created',
        object: `ingress qdisc on ${change.dev}`,
        text: `added ingress qdisc on ${change.dev}`,
      };
    case 'delete-ingress-qdisc':
      return {
        change: 'removed',
        object: `ingress qdisc on ${change.dev}`,
        text: `deleted ingress qdisc on ${change.dev}`,
      };
    case 'add-redirect':
      return {
        change: 'created',
        object: `redirect ${change.dev} -> ${change.target}`,
        text: `added redirect ${change.dev} -> ${change.target}`,
      };
    case 'delete-filter':
      return {
        change: 'removed',
        object: `filter pref ${change.pref} on ${change.dev}`,
        text: `deleted filter pref ${change.pref} handle 0x${change.handle.toString(16)} on ${change.dev}`,
      };
    case 'delete-priority':
      return {
        change: 'removed',
        object: `filters pref ${change.pref} on ${change.dev}`,
        text: `deleted filters at pref ${change.pref} on ${change.dev}`,
      };
  }
}

/**
 * The `ip`/`tc` commands a change stands for, in order, each as an argv (create-tap is two:
 * `ip tuntap add`, then `ip link set`). `ip -n NS`/`tc -n NS` replays them by hand.
 */
export function shellEquivalent(change: Change): string[][] {
  switch (change.op) {
    case 'create-tap':
      return createTapCommands(change, change.name);
    case 'set-link':
      return [['ip', 'link', 'set', 'dev', change.name, 'mtu', String(change.mtu), 'up']];
    case 'delete-link':
      return [['ip', 'link', 'del', 'dev', change.name]];
    case 'add-ingress-qdisc':
      // tc writes a whole size table with the stab (tsize 512); only mpu carries the mark.
      return [
        [
          'tc',
          'qdisc',
          'add',
          'dev',
          change.dev,
          'handle',
          'ffff:',
          'stab',
          'mpu',
          String(change.mark),
          'ingress',
        ],
      ];
    case 'delete-ingress-qdisc':
      return [['tc', 'qdisc', 'del', 'dev', change.dev, 'ingress']];
    case 'add-redirect': {
      const redirect = [
        'action',
        'mirred',
        'egress',
        'redirect',
        'dev',
        change.target,
        'cookie',
        change.cookie,
      ];
      return [[...matchAllFilter(change.dev, change.pref), ...redirect]];
    }
    case 'delete-filter':
      return [
        [
          ...filterHead('del', change.dev, change.pref),
          'handle',
          formatHandle(change.kind, change.handle),
          change.kind,
        ],
      ];
    case 'delete-priority':
      return [[...filterHead('del', change.dev, change.pref), change.kind]];
  }
}

/**
 * `tc filter add dev DEV ingress pref P protocol all u32 match u32 0 0`: the match-all rule of
 * every redirect, and on its own the u32 step of `doctor`'s probe.
 */
export function matchAllFilter(dev: string, pref: number): string[] {
  return [...filterHead('add', dev, pref), 'protocol', 'all', 'u32', 'match', 'u32', '0', '0'];
}

/** `tc filter VERB dev DEV ingress pref P`, the common head of filter commands. */
function filterHead(verb: 'add' | 'del', dev: string, pref: number): string[] {
  return ['tc', 'filter', verb, 'dev', dev, 'ingress', 'pref', String(pref)];
}
