// The read -> plan -> apply loop of every verb that changes a namespace, and how its failures
// reach the runtime.
import { CniError, ErrorCode } from '../cni/errors.js';
import type { NetBackend } from '../net/backend.js';
import { describeChange, type Change } from '../net/changes.js';
import { isTransient, NetError } from '../net/errors.js';
import type { NamespaceSnapshot } from '../net/model.js';
import type { Log } from './platform.js';

/** How many times a verb re-reads and re-plans after a transient failure. */
export const MAX_ATTEMPTS = 3;

export type Converged<S> =
  | { ok: true; state: S; changes: Change[] }
  | {
      ok: false;
      error: unknown;
      /** Every change the attempts planned, run or not. */
      attempted: Change[];
    };

/**
 * Reads, plans, applies; when applying fails in a way that means "the namespace changed under
 * us" or "the kernel is busy", waits a little and starts again from a fresh read, a bounded
 * number of times. The new plan starts from whatever the failed attempt left, so nothing is
 * done twice. Any other failure ends the loop at once; the caller gets every change it
 * attempted, to roll back.
 */
export async function converge<S>(steps: {
  read: () => Promise<S>;
  plan: (state: S) => Change[];
  apply: (changes: Change[]) => Promise<void>;
  onRetry: (attempt: number, error: unknown) => void;
}): Promise<Converged<S>> {
  const attempted: Change[] = [];
  for (let attempt = 1; ; attempt++) {
    let changes: Change[] = [];
    try {
      const state = await steps.read();
      changes = steps.plan(state);
      await steps.apply(changes);
      return { ok: true, state, changes };
    } catch (error) {
      // A failed read or plan on a later attempt still leaves the earlier attempts' changes.
      attempted.push(...changes);
      if (attempt >= MAX_ATTEMPTS || !isTransient(error)) {
        return { ok: false, error, attempted };
      }
      steps.onRetry(attempt, error);
      await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt * (1 + Math.random())));
    }
  }
}

/**
 * The CNI error for a failed kernel or iproute2 call: what was done, where, and what it said.
 * A timeout is "try again later" (CNI spec code 11): the kernel or the node is busy, not
 * misconfigured. Anything else passes through (a CniError, or a bug made Internal later).
 */
export function netError(error: unknown, doing: string): unknown {
  if (!(error instanceof NetError)) return error;
  const details = JSON.stringify({
    operation: error.operation,
    netns: error.netns,
    errno: error.errno,
    detail: error.detail.trim(),
  });
  const code = error.timedOut ? ErrorCode.TryAgainLater : ErrorCode.NetlinkFailure;
  return new CniError(code, `${doing}: ${error.message}`, details, { cause: error });
}

/** Reads a namespace, with a CNI error naming it when the read fails. */
export async function read(backend: NetBackend, netns: string): Promise<NamespaceSnapshot> {
  try {
    return await backend.read(netns);
  } catch (error) {
    throw netError(error, `reading ${netns}`);
  }
}

/** Applies changes and logs each one. */
export async function apply(
  backend: NetBackend,
  netns: string,
  changes: Change[],
  log: Log,
  prefix = '',
): Promise<void> {
  const logged = (done: Change[]) => {
    for (const change of done) {
      const { text, ...fields } = describeChange(change);
      log(prefix + text, { op: change.op, ...fields });
    }
  };
  try {
    await backend.apply(netns, changes);
  } catch (error) {
    // What did take effect is logged too: the rollback's removals then make sense.
    const progress = error instanceof NetError ? error.progress : undefined;
    if (progress) logged(changes.slice(0, progress.applied));
    throw error;
  }
  logged(changes);
}

/** Logs a retry of the loop. */
export function retryLogger(log: Log) {
  return (attempt: number, error: unknown) =>
    log(`attempt ${attempt} met a changing namespace, re-reading: ${String(error)}`);
}
