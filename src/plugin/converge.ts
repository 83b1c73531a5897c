// The observe -> plan -> apply loop shared by the verbs that change a namespace.
import { IprouteError } from '../net/exec.js';
import type { NamespaceState } from './observe.js';
import type { Op } from './ops.js';

/** How many times a verb re-reads and re-plans after a transient failure. */
export const MAX_ATTEMPTS = 3;

export type Converged =
  { ok: true; state: NamespaceState; ops: Op[] } | { ok: false; error: unknown; attempted: Op[] };

/**
 * Reads the namespace, plans, applies; when applying fails in a way that means "the namespace
 * changed under us" or "the kernel is busy", waits a little and starts again from a fresh
 * read, a bounded number of times. The new plan starts from whatever the failed attempt left,
 * so nothing is done twice. Any other failure ends the loop at once; the caller gets every op
 * it attempted, to roll back.
 */
export async function converge(steps: {
  read: () => Promise<NamespaceState>;
  plan: (state: NamespaceState) => Op[];
  apply: (ops: Op[]) => Promise<void>;
  onRetry: (attempt: number, error: unknown) => void;
}): Promise<Converged> {
  const attempted: Op[] = [];
  for (let attempt = 1; ; attempt++) {
    let ops: Op[] = [];
    try {
      const state = await steps.read();
      ops = steps.plan(state);
      await steps.apply(ops);
      return { ok: true, state, ops };
    } catch (error) {
      // A failed read or plan on a later attempt still leaves the earlier attempts' changes.
      attempted.push(...ops);
      if (attempt >= MAX_ATTEMPTS || !isTransient(error)) return { ok: false, error, attempted };
      steps.onRetry(attempt, error);
      await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt * (1 + Math.random())));
    }
  }
}

/**
 * iproute2 failures worth another try: the kernel busy (EBUSY, EAGAIN), or a device, qdisc or
 * filter that appeared or vanished between our read and our write (EEXIST, ENODEV, ENOENT),
 * e.g. a VMM exiting or another plugin's DEL running beside us. A timeout is not retried here:
 * it already took its whole budget, and the runtime is told to try again later instead.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof IprouteError) || error.timedOut) return false;
  return /File exists|No such device|Cannot find device|No such file or directory|Device or resource busy|Resource temporarily unavailable|Try again/i.test(
    error.stderr,
  );
}
