// What the verbs run on, injected by each entry point: the kernel backend, the lock binder,
// the host's namespaces, and where they report what they did.
import type { LogFields } from '../cni/log-file.js';
import type { BackendFactory } from '../net/backend.js';
import type { NetnsStatus } from '../net/netns.js';
import type { LockBinder } from './attachment-lock.js';

/** Where the verbs report what they did. */
export type Log = (message: string, fields?: LogFields) => void;

/** The kernel backend, the lock binder, what a namespace path is, and the host's namespaces. */
export interface Platform {
  backend: BackendFactory;
  bindLock: LockBinder;
  /** What a namespace path refers to (net/netns.ts; the executable asks through libc). */
  netnsStatus: (path: string) => NetnsStatus;
  /** The namespaces a host-wide search looks at (default: every one of the host). */
  namespaces?: () => string[];
}
