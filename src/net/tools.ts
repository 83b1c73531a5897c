// Whether the host programs we drive are there and run: nsenter, ip and tc.
import { IprouteError, type Runner, type Tool } from './exec.js';
import { OWN_NETNS } from './scratch-netns.js';

/** Why a tool could not be run. */
export type ToolProblem = 'nsenter-missing' | 'tool-missing' | 'not-permitted' | 'failed';

/** The outcome of running `TOOL -V` through nsenter. */
export type ToolCheck =
  { ok: true; version: string } | { ok: false; problem: ToolProblem; message: string };

/**
 * Runs `ip -V` or `tc -V` the way every verb runs iproute2 (nsenter, then the tool), so a
 * success proves both programs are found on the plugin's PATH and can run, and entering a
 * namespace is permitted. A failure is classified from what execa and nsenter report.
 */
export async function checkTool(run: Runner, tool: Tool): Promise<ToolCheck> {
  try {
    const output = await run({ tool, args: ['-V'], netns: OWN_NETNS });
    return { ok: true, version: /iproute2-[^\s,]+/.exec(output)?.[0] ?? output.trim() };
  } catch (error) {
    if (!(error instanceof IprouteError)) throw error;
    const message = error.stderr.trim();
    return { ok: false, problem: classify(tool, error), message };
  }
}

function classify(tool: Tool, error: IprouteError): ToolProblem {
  // execa reports a program it cannot spawn with ENOENT and no exit code.
  if (error.exitCode === undefined && /ENOENT/.test(error.stderr)) return 'nsenter-missing';
  // nsenter execs the tool itself and says so when it is not on PATH (exit 127).
  if (new RegExp(`failed to execute ${tool}`).test(error.stderr)) return 'tool-missing';
  if (/Operation not permitted|Permission denied/i.test(error.stderr)) return 'not-permitted';
  return 'failed';
}
