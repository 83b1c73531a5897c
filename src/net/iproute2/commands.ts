// The iproute2 commands that carry out each change, as batch lines: its shell equivalent.
import { shellEquivalent, type Change } from '../changes.js';
import type { Tool } from './exec.js';

/** One line of an `ip -batch` or `tc -batch` script, as an argv without the tool name. */
export interface BatchCommand {
  tool: Tool;
  args: string[];
}

/** The batch lines of one change, in order (a new tap takes two: create it, configure it). */
export function commandsFor(change: Change): BatchCommand[] {
  return shellEquivalent(change).map(([tool, ...args]) => ({ tool: tool as Tool, args }));
}
