// The shipped executable's entry (build/urunc-tap, Bun-compiled): the kernel through rtnetlink
// and the tun ioctls in-process, no process per change.
import { runEntry } from './entry.js';

runEntry(async () => {
  const [{ createNetlinkBackend }, { abstractLockBinder }] = await Promise.all([
    import('./net/netlink/backend.js'),
    import('./net/netlink/abstract-socket.js'),
  ]);
  return { backend: createNetlinkBackend, bindLock: abstractLockBinder };
});
