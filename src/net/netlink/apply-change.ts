// Carrying out changes (src/net/changes.ts) in one namespace over its rtnetlink socket and
// /dev/net/tun, each failure a NetError naming the change's shell equivalent.
import type { Change } from '../changes.js';
import { NetError } from '../errors.js';
import type { Link } from '../model.js';
import { addRedirectRequest, deleteFilterRequest, deletePriorityRequest } from './filter.js';
import { libc, SysError } from '../../native/libc.js';
import { deleteLinkRequest, getLinkRequest, parseLink, setLinkRequest } from './link.js';
import type { NamespaceHandle } from './namespace.js';
import { shellCommands } from './shell.js';
import { named, type Operation, type RouteSocket } from './socket.js';
import { addIngressQdiscRequest, deleteIngressQdiscRequest } from './tc.js';
import { createTap, openTun, persistTap } from './tun.js';

/** The points of create-tap between which a test may stop (and kill) the process. */
export type TapStep = 'created' | 'configured' | 'persistent';

/** Test hooks; the backend passes none. */
export interface ApplyHooks {
  /** Called after each step of create-tap, before the next (it may block). */
  afterTapStep?: (step: TapStep, name: string) => void;
}

/** Applies changes to the namespace of `ns`, whose rtnetlink socket is `socket`. */
export class ChangeApplier {
  /** ifindex by name: the read's (`known`), else looked up once; forgotten when the link is deleted. */
  private readonly indexes: Map<string, number>;
  private readonly hooks: ApplyHooks;

  /**
   * `known`: the links of the read the changes were planned on, so that a device it saw is
   * not looked up again (a query and a link parse each, ~0.1 ms in a cold process). Safe when
   * the device was replaced since: the kernel hands out a namespace's ifindexes cyclically
   * (dev_index_reserve), so a stale one names no device, the change fails with ENODEV, and the
   * verb reads again (a transient failure, converge.ts).
   */
  constructor(
    private readonly ns: NamespaceHandle,
    private readonly socket: RouteSocket,
    options: { known?: readonly Link[]; hooks?: ApplyHooks } = {},
  ) {
    this.indexes = new Map(options.known?.map((link) => [link.name, link.index]));
    this.hooks = options.hooks ?? {};
  }

  /**
   * Applies `changes` in order, one request (and its ack) at a time, and stops at the first
   * failure (a NetError): nothing after it is sent. The error's `progress` says how many took
   * effect before it.
   *
   * Why not batch (several requests in one datagram, RouteSocket.requestAll): measured here
   * (test/netlink/bench.ts), two redirects take the same ~0.04 ms either way, the kernel's
   * work dominating; and the kernel carries on with a datagram's later requests after one
   * fails (netlink_rcv_skb), which would break "nothing after the first failure".
   */
  apply(changes: Change[]): void {
    for (const [applied, change] of changes.entries()) {
      try {
        this.applyOne(change);
      } catch (error) {
        if (error instanceof NetError) {
          error.progress = { applied };
        }
        throw error;
      }
    }
  }

  private applyOne(change: Change): void {
    if (change.op === 'create-tap') return this.createTap(change);
    const operation = () => shellCommands(change)[0]!;
    this.socket.request(this.requestFor(change, operation), operation);
  }

  /** The one request of a change other than create-tap (its devices by ifindex: see index). */
  private requestFor(
    change: Exclude<Change, { op: 'create-tap' }>,
    operation: Operation,
  ): Uint8Array {
    switch (change.op) {
      case 'set-link':
        return setLinkRequest({ name: change.name }, { mtu: change.mtu, up: true });
      case 'delete-link':
        this.indexes.delete(change.name);
        return deleteLinkRequest({ name: change.name });
      case 'add-ingress-qdisc':
        return addIngressQdiscRequest(this.index(change.dev, operation), change.mark);
      case 'delete-ingress-qdisc':
        return deleteIngressQdiscRequest(this.index(change.dev, operation));
      case 'delete-filter': {
        const { pref, kind, handle } = change;
        return deleteFilterRequest(this.index(change.dev, operation), pref, kind, handle);
      }
      case 'delete-priority':
        return deletePriorityRequest(this.index(change.dev, operation), change.pref, change.kind);
      case 'add-redirect': {
        const dev = this.index(change.dev, operation);
        const target = this.index(change.target, operation);
        return addRedirectRequest(dev, change.pref, target, change.cookie);
      }
    }
  }

  /**
   * create-tap with atomic ownership: the tap is created attached to an fd opened in the
   * namespace, configured (mtu, MAC, alias, up) while that fd holds it, and made persistent
   * last. Until TUNSETPERSIST the tap lives only as long as the fd: a process killed at any
   * point before leaves nothing behind, so a tap without its alias (our mark) never exists
   * on its own.
   */
  private createTap(change: Extract<Change, { op: 'create-tap' }>): void {
    const tuntap = () => shellCommands(change)[0]!;
    const linkSet = () => shellCommands(change)[1]!;
    const fd = this.tun(tuntap, () => this.ns.run(openTun), change.name);
    try {
      this.tun(tuntap, () => createTap(fd, change), change.name);
      this.hooks.afterTapStep?.('created', change.name);
      this.socket.request(
        setLinkRequest(
          { name: change.name },
          { mtu: change.mtu, mac: change.mac, alias: change.alias, up: true },
        ),
        linkSet,
      );
      this.hooks.afterTapStep?.('configured', change.name);
      this.tun(tuntap, () => persistTap(fd), change.name);
      this.hooks.afterTapStep?.('persistent', change.name);
    } finally {
      libc().close(fd);
    }
  }

  /** Runs a tun call; its SysError becomes a NetError of `operation`. */
  private tun<T>(operation: Operation, call: () => T, name: string): T {
    try {
      return call();
    } catch (error) {
      if (!(error instanceof SysError)) throw error;
      // TUNSETIFF with IFF_TUN_EXCL answers EBUSY when any device has the name (tun_set_iff):
      // reported as EEXIST, what a netlink create says, and what the change means.
      const exists = error.call === 'ioctl(TUNSETIFF)' && error.code === 'EBUSY';
      throw new NetError({
        operation: named(operation),
        netns: this.socket.netns,
        errno: exists ? 'EEXIST' : error.code,
        detail: exists ? `${error.message}: a device named ${name} exists` : error.message,
      });
    }
  }

  /**
   * The ifindex of `name`: the read's, else RTM_GETLINK by name; ENODEV as a NetError of
   * `operation`.
   */
  index(name: string, operation: Operation): number {
    const known = this.indexes.get(name);
    if (known !== undefined) return known;
    let index: number | undefined;
    try {
      index = parseLink(this.socket.query(getLinkRequest(name), operation))?.index;
    } catch (error) {
      // The kernel gives no message for an unknown name; say what tc says.
      if (error instanceof NetError && error.errno === 'ENODEV') {
        throw new NetError({
          operation: error.operation,
          netns: error.netns,
          errno: 'ENODEV',
          detail: `Cannot find device "${name}"`,
        });
      }
      throw error;
    }
    if (index === undefined) {
      throw new NetError({
        operation: named(operation),
        netns: this.socket.netns,
        detail: `no link in the answer for ${name}`,
      });
    }
    this.indexes.set(name, index);
    return index;
  }
}
