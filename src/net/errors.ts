// The one error type of the networking layer, whichever backend failed: what was being done,
// in which namespace, the errno the kernel gave, and what the tool or kernel said.

/** errno names that mean "the namespace changed under us" or "the kernel is busy": retry. */
const TRANSIENT = new Set(['EEXIST', 'ENODEV', 'ENOENT', 'EBUSY', 'EAGAIN']);

/** A change or read of a namespace that failed. */
export class NetError extends Error {
  /** What was being done: an iproute2 command line, or a netlink request as its shell equivalent. */
  readonly operation: string;
  /** The namespace path. */
  readonly netns: string;
  /** The errno name ("EEXIST", ...) when known. */
  readonly errno: string | undefined;
  /** The call ran out of time (the configured timeoutMs). */
  readonly timedOut: boolean;
  /** What the tool printed on stderr, or the kernel's extended ack message. */
  readonly detail: string;
  /** For a failed `apply`: how many of its changes took effect before the failing one. */
  progress: { applied: number } | undefined;

  constructor(fields: {
    operation: string;
    netns: string;
    errno?: string | undefined;
    timedOut?: boolean;
    detail: string;
    message?: string;
  }) {
    const what = fields.timedOut
      ? 'timed out'
      : `failed${fields.errno ? ` (${fields.errno})` : ''}`;
    super(
      fields.message ??
        `\`${fields.operation}\` in ${fields.netns} ${what}: ${fields.detail.trim() || 'no output'}`,
    );
    this.name = 'NetError';
    this.operation = fields.operation;
    this.netns = fields.netns;
    this.errno = fields.errno;
    this.timedOut = fields.timedOut ?? false;
    this.detail = fields.detail;
    this.progress = undefined;
  }
}

/**
 * Whether a failure is worth another read and plan: a device, qdisc or filter appeared or
 * vanished between our read and our write (EEXIST, ENODEV, ENOENT: a VMM exiting, another
 * plugin's DEL beside us), or the kernel was busy (EBUSY, EAGAIN). A timeout is not: it already
 * took its whole budget, and the runtime is told to try again later instead.
 */
export function isTransient(error: unknown): boolean {
  return error instanceof NetError && !error.timedOut && TRANSIENT.has(error.errno ?? '');
}
