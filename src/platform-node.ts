// The Node.js entry's platform: the kernel through iproute2 processes (execa), the lock bound
// by node:net.
import { createIprouteBackend } from './net/iproute2/backend.js';
import { netnsStatus } from './net/netns.js';
import { nodeLockBinder } from './plugin/node-lock-binder.js';
import type { Platform } from './plugin/platform.js';

export { createPlugin } from './plugin/plugin.js';

/** What the verbs of the Node.js entry run on. */
export const platform: Platform = {
  backend: createIprouteBackend,
  bindLock: nodeLockBinder,
  netnsStatus,
};
