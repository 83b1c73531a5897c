// The in-process backend (the Bun-compiled executable): rtnetlink and tun ioctls through libc,
// no process per change. Every call is synchronous underneath; the promises keep the interface.
import type { BackendFactory, NetBackend, Requirement } from '../backend.js';
import { NetError } from '../errors.js';
import type { Link } from '../model.js';
import { ChangeApplier } from './apply-change.js';
import { runProbe } from './probe.js';
import { asNetError, withNamespace } from './session.js';
import { readLinks, readSnapshot } from './snapshot.js';
import { RouteSocket } from './socket.js';

/** Makes the netlink backend; each kernel reply is awaited at most `timeoutMs`. */
export const createNetlinkBackend: BackendFactory = ({ timeoutMs }): NetBackend => {
  /**
   * The links of each namespace's last read: what its changes are planned on (every apply
   * follows a read of its namespace: converge, rollback, cleanup).
   */
  const readLinksOf = new Map<string, Link[]>();
  return {
    name: 'netlink',

    async read(netns) {
      const snapshot = withNamespace(netns, timeoutMs, (socket) => readSnapshot(socket));
      readLinksOf.set(netns, snapshot.links);
      return snapshot;
    },

    async apply(netns, changes) {
      if (changes.length === 0) return;
      const known = readLinksOf.get(netns);
      withNamespace(netns, timeoutMs, (socket, ns) =>
        new ChangeApplier(ns, socket, { known }).apply(changes),
      );
    },

    async readLinks(namespaces) {
      const found = new Map<string, Link[]>();
      for (const netns of namespaces) {
        try {
          found.set(netns, withNamespace(netns, timeoutMs, readLinks));
        } catch (error) {
          // Pods come and go during a host-wide search: a namespace we cannot read is skipped.
          if (!(error instanceof NetError)) throw error;
        }
      }
      return found;
    },

    requirements(): Requirement[] {
      try {
        // In our own namespace, nothing sent: only that the socket can be had.
        new RouteSocket('(own namespace)', timeoutMs).close();
        return [{ name: 'netlink', ok: true, detail: 'opened a NETLINK_ROUTE socket' }];
      } catch (error) {
        const failure = asNetError('socket(AF_NETLINK, NETLINK_ROUTE)', '(own namespace)', error);
        return [
          {
            name: 'netlink',
            ok: false,
            detail: failure instanceof Error ? failure.message : String(failure),
            fix: 'run urunc-tap as root (CAP_NET_ADMIN, CAP_SYS_ADMIN), as the Bun-compiled executable',
          },
        ];
      }
    },

    async probe() {
      return runProbe(timeoutMs);
    },
  };
};
