// A piece of work against one namespace: its handle and rtnetlink socket, opened around the
// work and closed after it, failures to get there reported as NetErrors.
import { NetError } from '../errors.js';
import { LibcUnavailable, SysError } from '../../native/libc.js';
import { NamespaceHandle } from './namespace.js';
import { RouteSocket } from './socket.js';

/** Runs `work` with a socket in the namespace at `netns` (and its handle, to enter it again). */
export function withNamespace<T>(
  netns: string,
  timeoutMs: number,
  work: (socket: RouteSocket, ns: NamespaceHandle) => T,
): T {
  const ns = enter(`nsenter --net=${netns}`, netns, () => NamespaceHandle.open(netns));
  try {
    return withSocket(ns, netns, timeoutMs, work);
  } finally {
    ns.close();
  }
}

/** Runs `work` with a socket opened in `ns` (named `netns` in errors), closed afterwards. */
export function withSocket<T>(
  ns: NamespaceHandle,
  netns: string,
  timeoutMs: number,
  work: (socket: RouteSocket, ns: NamespaceHandle) => T,
): T {
  const socket = enter(`nsenter --net=${netns}`, netns, () =>
    ns.run(() => new RouteSocket(netns, timeoutMs)),
  );
  try {
    return work(socket, ns);
  } finally {
    socket.close();
  }
}

/** Runs a call that gets us into a namespace; its SysError becomes a NetError of `operation`. */
function enter<T>(operation: string, netns: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw asNetError(operation, netns, error);
  }
}

/** A NetError for a libc failure (or for libc missing altogether); anything else as it is. */
export function asNetError(operation: string, netns: string, error: unknown): unknown {
  if (error instanceof SysError) {
    return new NetError({ operation, netns, errno: error.code, detail: error.message });
  }
  if (error instanceof LibcUnavailable) {
    return new NetError({ operation, netns, detail: error.message });
  }
  return error;
}
