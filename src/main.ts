// The Node.js entry (bin/urunc-tap): the kernel through iproute2 processes (execa).
import { runEntry } from './entry.js';

runEntry(async () => {
  const [{ createIprouteBackend }, { nodeLockBinder }] = await Promise.all([
    import('./net/iproute2/backend.js'),
    import('./plugin/node-lock-binder.js'),
  ]);
  return { backend: createIprouteBackend, bindLock: nodeLockBinder };
});
