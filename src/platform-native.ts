// The executable's platform: rtnetlink and the tun ioctls in-process, the lock bound through
// libc. One module, imported once by main-native.ts, so that a verb loads it in one go.
import { abstractLockBinder } from './net/netlink/abstract-socket.js';
import { createNetlinkBackend } from './net/netlink/backend.js';
import { namespaceStatus } from './net/netlink/namespace.js';
import type { Platform } from './plugin/platform.js';

export { createPlugin } from './plugin/plugin.js';

/** What the verbs of the executable run on. */
export const platform: Platform = {
  backend: createNetlinkBackend,
  bindLock: abstractLockBinder,
  netnsStatus: namespaceStatus,
};
