// Serialises the verbs of one attachment across plugin processes (a runtime may run ADD and
// DEL of the same pod concurrently, or retry a verb while the first is still running).
import { CniError, ErrorCode } from '../cni/errors.js';
import { lockName, type AttachmentId } from './marks.js';

/** How long a verb waits for another one on the same attachment before "try again later". */
const LOCK_WAIT_MS = 30_000;

/** A held lock. */
export interface HeldLock {
  close(): void;
}

/**
 * Binds an abstract unix socket name; undefined when somebody holds it. Every build must bind
 * the same address for the same name, or their verbs on one attachment would not exclude each
 * other: Node.js pads an abstract name with NULs to the whole sun_path (108 bytes), so the
 * executable binds that exact address through libc (src/net/netlink/abstract-socket.ts).
 */
export type LockBinder = (name: string) => Promise<HeldLock | undefined>;

/**
 * Holds the lock of `id` while `work` runs. The lock is an abstract unix socket bound to a
 * name derived from the attachment: binding is exclusive, and the kernel releases the name when
 * its process dies, even by SIGKILL, so a killed plugin never leaves a stale lock, and no file
 * is left anywhere. Abstract socket names are per network namespace: it is bound before the
 * plugin enters any pod namespace, in the runtime's (host) namespace.
 */
export async function withAttachmentLock<T>(
  id: AttachmentId,
  bind: LockBinder,
  work: () => Promise<T>,
  waitMs = LOCK_WAIT_MS,
): Promise<T> {
  const lock = await acquire(bind, lockName(id), waitMs);
  try {
    return await work();
  } finally {
    lock.close();
  }
}

async function acquire(bind: LockBinder, name: string, waitMs: number): Promise<HeldLock> {
  const deadline = Date.now() + waitMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    const lock = await bind(name);
    if (lock) return lock;
    if (Date.now() + delay > deadline) {
      throw new CniError(
        ErrorCode.TryAgainLater,
        `another urunc-tap call on this attachment has been running for over ${waitMs} ms; try again later`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
