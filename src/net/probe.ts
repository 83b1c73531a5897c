// The kernel features ADD needs, tried for real in a namespace: tap, ingress, u32, mirred.
import { addIngressQdisc, addRedirect, createTap, setLink, type BatchCommand } from './commands.js';
import { IprouteError, type Runner } from './exec.js';
import { runBatch } from './iproute.js';

/** The steps of the probe, in order; each needs the ones before it. */
export const PROBE_STEPS = ['tap', 'ingress', 'u32', 'mirred'] as const;
export type ProbeStep = (typeof PROBE_STEPS)[number];

/** The first step that failed, with iproute2's error. */
export interface ProbeFailure {
  step: ProbeStep;
  error: IprouteError;
}

const DEV = 'utprobe0';

/**
 * Builds in `netns` (which must be empty and thrown away afterwards) what ADD builds: a
 * persistent vnet_hdr tap, up; an ingress qdisc on it; a u32 match-all filter; a u32 filter
 * whose action is a mirred egress redirect carrying a cookie. One batch per step, so a
 * failure names the missing feature (a module such as cls_u32 or act_mirred, usually).
 */
export async function probeKernel(run: Runner, netns: string): Promise<ProbeFailure | undefined> {
  const steps: Array<[ProbeStep, BatchCommand[]]> = [
    [
      'tap',
      [
        createTap(DEV, { owner: undefined, group: undefined, vnetHdr: true, multiQueue: false }),
        setLink(DEV, { up: true }),
      ],
    ],
    ['ingress', [addIngressQdisc(DEV)]],
    ['u32', [matchAll(DEV)]],
    ['mirred', [addRedirect(DEV, 2, 'lo', '0123456789abcdef')]],
  ];
  for (const [step, commands] of steps) {
    try {
      await runBatch(run, netns, commands[0]!.tool, commands);
    } catch (error) {
      if (error instanceof IprouteError) return { step, error };
      throw error;
    }
  }
  return undefined;
}

/** `tc filter add dev DEV ingress pref 1 protocol all u32 match u32 0 0` (no action). */
function matchAll(dev: string): BatchCommand {
  const match = ['u32', 'match', 'u32', '0', '0'];
  return {
    tool: 'tc',
    args: ['filter', 'add', 'dev', dev, 'ingress', 'pref', '1', 'protocol', 'all', ...match],
  };
}
