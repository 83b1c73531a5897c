// Serialises the verbs of one attachment across plugin processes (a runtime may run ADD and
// DEL of the same pod concurrently, or retry a verb while the first is still running).
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { CniError, ErrorCode } from '../cni/errors.js';
import type { Attachment } from './attachment.js';

/** How long a verb waits for another one on the same attachment before "try again later". */
export const LOCK_WAIT_MS = 30_000;

/**
 * Holds the lock of `attachment` while `work` runs.
 *
 * The lock is an abstract unix socket bound to a name derived from the attachment: binding is
 * exclusive, and the kernel releases the name when its process dies, even by SIGKILL, so a
 * killed plugin never leaves a stale lock, and no file is left anywhere. Abstract socket names
 * are per network namespace; every plugin process runs in the runtime's (host) namespace.
 */
export async function withAttachmentLock<T>(
  attachment: Attachment,
  work: () => Promise<T>,
  waitMs = LOCK_WAIT_MS,
): Promise<T> {
  const server = await acquire(lockName(attachment), waitMs);
  try {
    return await work();
  } finally {
    server.close();
  }
}

/** The abstract socket name of an attachment's lock. */
export function lockName(attachment: Attachment): string {
  const identity = `${attachment.network}\n${attachment.ifname}\n${attachment.containerId}`;
  return `\0urunc-tap/lock/${createHash('sha256').update(identity).digest('hex').slice(0, 40)}`;
}

async function acquire(name: string, waitMs: number): Promise<Server> {
  const deadline = Date.now() + waitMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    const server = await tryBind(name);
    if (server) return server;
    if (Date.now() + delay > deadline) {
      throw new CniError(
        ErrorCode.TryAgainLater,
        `another urunc-tap call on this attachment has been running for over ${waitMs} ms; try again later`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** Binds the name; undefined when somebody holds it. */
function tryBind(name: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(undefined);
      else reject(error);
    });
    server.listen({ path: name }, () => {
      // The lock must not keep the process alive on its own.
      server.unref();
      resolve(server);
    });
  });
}
