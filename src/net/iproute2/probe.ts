// `doctor`'s kernel probe through iproute2: what ADD builds, tried in a throwaway namespace.
import type { ProbeFailure, ProbeStep } from '../backend.js';
import { PROBE_CHANGES, PROBE_MATCH_ALL } from '../probe-steps.js';
import { commandsFor, type BatchCommand } from './commands.js';
import { IprouteError, type Runner } from './exec.js';
import { runBatch } from './read.js';
import { withScratchNetns } from './scratch-netns.js';

/** The probe's batches, one step each, in order; each needs the ones before it. */
const STEPS: Array<[Exclude<ProbeStep, 'netns'>, BatchCommand[]]> = [
  ['tap', commandsFor(PROBE_CHANGES.tap)],
  ['ingress', commandsFor(PROBE_CHANGES.ingress)],
  ['u32', [{ tool: 'tc', args: PROBE_MATCH_ALL.argv.slice(1) }]],
  ['mirred', commandsFor(PROBE_CHANGES.mirred)],
];

/**
 * Builds in a scratch namespace (deleted afterwards, or by the next probe if this process is
 * killed first) a persistent vnet_hdr tap, up; an ingress qdisc with a size table; a u32
 * match-all filter; a u32 filter whose action is a mirred egress redirect carrying a cookie.
 * One batch per step, so a failure names the missing feature (a module such as cls_u32 or
 * act_mirred, usually).
 */
export async function probeKernel(run: Runner): Promise<ProbeFailure | undefined> {
  try {
    return await withScratchNetns(run, async (netns) => {
      for (const [step, commands] of STEPS) {
        try {
          await runBatch(run, netns, commands);
        } catch (error) {
          if (error instanceof IprouteError) return { step, error };
          throw error;
        }
      }
      return undefined;
    });
  } catch (error) {
    if (error instanceof IprouteError) return { step: 'netns', error };
    throw error;
  }
}
