// The iproute2 commands that carry out each change (src/net/changes.ts), as batch lines.
import type { Change } from '../changes.js';
import { formatHandle } from '../model.js';
import type { Tool } from './exec.js';

/** One line of an `ip -batch` or `tc -batch` script, as an argv without the tool name. */
export interface BatchCommand {
  tool: Tool;
  args: string[];
}

/** The commands of one change, in order (a new tap takes two: create it, then configure it). */
export function commandsFor(change: Change): BatchCommand[] {
  switch (change.op) {
    case 'create-tap': {
      const args = ['tuntap', 'add', 'dev', change.name, 'mode', 'tap'];
      if (change.owner !== undefined) args.push('user', String(change.owner));
      if (change.group !== undefined) args.push('group', String(change.group));
      if (change.vnetHdr) args.push('vnet_hdr');
      if (change.multiQueue) args.push('multi_queue');
      const setup = ['mtu', String(change.mtu), 'address', change.mac, 'alias', change.alias, 'up'];
      return [ip(args), ip(['link', 'set', 'dev', change.name, ...setup])];
    }
    case 'set-link':
      return [ip(['link', 'set', 'dev', change.name, 'mtu', String(change.mtu), 'up'])];
    case 'delete-link':
      return [ip(['link', 'del', 'dev', change.name])];
    case 'add-ingress-qdisc':
      // iproute2 always writes a size table with the stab (tsize 512); only mpu carries the mark.
      return [
        tc([
          'qdisc',
          'add',
          'dev',
          change.dev,
          'handle',
          'ffff:',
          'stab',
          'mpu',
          String(change.mark),
          'ingress',
        ]),
      ];
    case 'delete-ingress-qdisc':
      return [tc(['qdisc', 'del', 'dev', change.dev, 'ingress'])];
    case 'add-redirect':
      return [
        tc([
          ...filterHead('add', change.dev, change.pref),
          'protocol',
          'all',
          'u32',
          'match',
          'u32',
          '0',
          '0',
          'action',
          'mirred',
          'egress',
          'redirect',
          'dev',
          change.target,
          'cookie',
          change.cookie,
        ]),
      ];
    case 'delete-filter':
      return [
        tc([
          ...filterHead('del', change.dev, change.pref),
          'handle',
          formatHandle(change.kind, change.handle),
          change.kind,
        ]),
      ];
    case 'delete-priority':
      return [tc([...filterHead('del', change.dev, change.pref), change.kind])];
  }
}

/** `filter VERB dev DEV ingress pref P`, the common head of filter commands. */
function filterHead(verb: 'add' | 'del', dev: string, pref: number): string[] {
  return ['filter', verb, 'dev', dev, 'ingress', 'pref', String(pref)];
}

function ip(args: string[]): BatchCommand {
  return { tool: 'ip', args };
}

function tc(args: string[]): BatchCommand {
  return { tool: 'tc', args };
}
