// The attachment lock's binder for the Node.js entry: a net.Server on the abstract name. Its own
// module so that the executable, which binds through libc instead, never loads node:net
// (measured: ~2 ms of a Bun-compiled start).
import { createServer } from 'node:net';
import type { LockBinder } from './attachment-lock.js';

/** The Node.js binder: a net.Server listening on the name. */
export const nodeLockBinder: LockBinder = (name) =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(undefined);
      else reject(error);
    });
    server.listen({ path: name }, () => {
      // The lock must not keep the process alive on its own.
      server.unref();
      resolve({ close: () => server.close() });
    });
  });
