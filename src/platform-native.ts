// The executable's platform: rtnetlink and the tun ioctls in-process, the lock bound through
// libc. One module, imported once by main-native.ts, so that a verb loads it in one go.
import { abstractLockBinder } from './net/netlink/abstract-socket.js';
import { createNetlinkBackend } from './net/netlink/backend.js';
import { preloadLibc } from './native/libc.js';
import { namespaceStatus } from './net/netlink/namespace.js';
import type { Platform } from './plugin/platform.js';

// Every verb that loads this module calls libc soon after: bun:ffi the cheap way (preloadLibc).
await preloadLibc();

export { createPlugin } from './plugin/plugin.js';

/** What the verbs of the executable run on. */
export const platform: Platform = {
  backend: createNetlinkBackend,
  bindLock: abstractLockBinder,
  netnsStatus: namespaceStatus,
};
