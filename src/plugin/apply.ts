// Carrying out a plan: consecutive ops of one tool go to iproute2 as one batch.
import { CniError, ErrorCode } from '../cni/errors.js';
import { IprouteError, type Runner } from '../net/exec.js';
import { runBatch } from '../net/iproute.js';
import type { BatchCommand } from '../net/commands.js';
import { commandsFor, type Op } from './ops.js';

/** Applies `ops` in order, one `ip -batch` or `tc -batch` per run of same-tool commands. */
export async function applyOps(run: Runner, netns: string, ops: Op[]): Promise<void> {
  const groups: BatchCommand[][] = [];
  for (const command of ops.flatMap(commandsFor)) {
    const last = groups.at(-1);
    if (last && last[0]!.tool === command.tool) last.push(command);
    else groups.push([command]);
  }
  for (const group of groups) await runBatch(run, netns, group[0]!.tool, group);
}

/**
 * The CNI error for a failed iproute2 call: which command, where, and what it said. A timeout
 * is "try again later" (CNI spec code 11): the kernel or the node is busy, not misconfigured.
 */
export function netError(error: unknown, doing: string): unknown {
  if (!(error instanceof IprouteError)) return error;
  const details = JSON.stringify({
    command: error.argv.join(' '),
    netns: error.netns,
    exitCode: error.exitCode,
    stderr: error.stderr.trim(),
  });
  const code = error.timedOut ? ErrorCode.TryAgainLater : ErrorCode.NetlinkFailure;
  return new CniError(code, `${doing}: ${error.message}`, details, { cause: error });
}
