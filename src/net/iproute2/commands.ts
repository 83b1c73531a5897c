// The iproute2 commands that carry out each change, as batch lines: its shell equivalent, but
// for a new tap, which iproute2 creates under its staging name (see createTapCommands).
import { createTapCommands, shellEquivalent, type Change } from '../changes.js';
import type { Tool } from './exec.js';

/** One line of an `ip -batch` or `tc -batch` script, as an argv without the tool name. */
export interface BatchCommand {
  tool: Tool;
  args: string[];
}

/** The batch lines of one change, in order (a new tap takes two: create it, configure it). */
export function commandsFor(change: Change): BatchCommand[] {
  const argvs =
    change.op === 'create-tap'
      ? createTapCommands(change, change.staging)
      : shellEquivalent(change);
  return argvs.map(([tool, ...args]) => ({ tool: tool as Tool, args }));
}
