// `doctor`'s kernel probe, in a namespace that cannot outlive the process: unshare(CLONE_NEWNET)
// on the JS thread, build there what ADD builds, step by step, and let the namespace go.
import type { ProbeFailure, ProbeStep } from '../backend.js';
import { NetError } from '../errors.js';
import { PROBE_CHANGES, PROBE_DEVICE, PROBE_MATCH_ALL } from '../probe-steps.js';
import { ChangeApplier, type ApplyHooks } from './apply-change.js';
import { addMatchAllRequest } from './filter.js';
import { NamespaceHandle } from './namespace.js';
import { asNetError, withSocket } from './session.js';
import type { RouteSocket } from './socket.js';

/** How the probe's namespace is named in errors: it has no path. */
export const PROBE_NETNS = 'a new namespace (unshare --net)';

/** Where the probe stops to be looked at (tests): after each step, before the next. */
export interface ProbeHooks extends ApplyHooks {
  afterStep?: (step: ProbeStep) => void;
}

/**
 * Tries, in a fresh namespace, a persistent vnet_hdr tap (up, with an alias), an ingress qdisc
 * on it, a u32 match-all filter, and a u32 filter with a mirred redirect and a cookie; returns
 * the first step that failed. Nothing names the namespace: it is referenced only by this
 * process's fds, closed here (or by the kernel if the process dies), and then freed with
 * everything in it.
 */
export function runProbe(timeoutMs: number, hooks: ProbeHooks = {}): ProbeFailure | undefined {
  let ns: NamespaceHandle;
  try {
    ns = NamespaceHandle.fresh();
  } catch (error) {
    return { step: 'netns', error: netError('unshare --net', error) };
  }
  try {
    let socket: RouteSocket | undefined;
    try {
      return withSocket(ns, PROBE_NETNS, timeoutMs, (opened) => {
        socket = opened;
        hooks.afterStep?.('netns');
        return runSteps(ns, opened, hooks);
      });
    } catch (error) {
      // Only opening the socket fails outside the steps.
      if (socket) throw error;
      return { step: 'netns', error: netError('unshare --net', error) };
    }
  } finally {
    ns.close();
  }
}

function runSteps(
  ns: NamespaceHandle,
  socket: RouteSocket,
  hooks: ProbeHooks,
): ProbeFailure | undefined {
  const applier = new ChangeApplier(ns, socket, { hooks });
  const steps: Array<[ProbeStep, () => void]> = [
    ['tap', () => applier.apply([PROBE_CHANGES.tap])],
    ['ingress', () => applier.apply([PROBE_CHANGES.ingress])],
    [
      'u32',
      () => {
        const { pref, argv } = PROBE_MATCH_ALL;
        const command = argv.join(' ');
        socket.request(addMatchAllRequest(applier.index(PROBE_DEVICE, command), pref), command);
      },
    ],
    ['mirred', () => applier.apply([PROBE_CHANGES.mirred])],
  ];
  for (const [step, run] of steps) {
    try {
      run();
    } catch (error) {
      if (error instanceof NetError) return { step, error };
      throw error;
    }
    hooks.afterStep?.(step);
  }
  return undefined;
}

function netError(operation: string, error: unknown): NetError {
  const converted = asNetError(operation, PROBE_NETNS, error);
  if (converted instanceof NetError) return converted;
  throw converted;
}
