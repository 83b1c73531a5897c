// `doctor`'s kernel probe through iproute2: what ADD builds, tried in a throwaway namespace.
import type { ProbeFailure, ProbeStep } from '../backend.js';
import type { Change } from '../changes.js';
import { commandsFor, type BatchCommand } from './commands.js';
import { IprouteError, type Runner } from './exec.js';
import { runBatch } from './read.js';
import { withScratchNetns } from './scratch-netns.js';

const DEV = 'utprobe0';

/** The probe's changes, one step each, in order; each needs the ones before it. */
const STEPS: Array<[Exclude<ProbeStep, 'netns'>, BatchCommand[]]> = [
  [
    'tap',
    change({
      op: 'create-tap',
      name: DEV,
      owner: undefined,
      group: undefined,
      vnetHdr: true,
      multiQueue: false,
      mtu: 1500,
      mac: '02:00:00:00:00:01',
      alias: 'urunc-tap-probe',
    }),
  ],
  ['ingress', change({ op: 'add-ingress-qdisc', dev: DEV, mark: 1 })],
  // A u32 match-all without an action: `tc filter add dev D ingress pref 1 protocol all u32 match u32 0 0`.
  [
    'u32',
    [
      {
        tool: 'tc',
        args: [
          'filter',
          'add',
          'dev',
          DEV,
          'ingress',
          'pref',
          '1',
          'protocol',
          'all',
          'u32',
          'match',
          'u32',
          '0',
          '0',
        ],
      },
    ],
  ],
  [
    'mirred',
    change({ op: 'add-redirect', dev: DEV, pref: 2, target: 'lo', cookie: '0123456789abcdef' }),
  ],
];

function change(step: Change): BatchCommand[] {
  return commandsFor(step);
}

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
          await runBatch(run, netns, commands[0]!.tool, commands);
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
