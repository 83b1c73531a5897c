// Reading the ingress hooks of devices that may be gone, in one `tc -force -batch` process:
// DEL learns from it which devices exist without spending a process on `ip link show`.
import { IprouteError, type Runner } from './exec.js';
import { ingressQueries, script } from './iproute.js';
import type { IngressHook } from './model.js';
import { parseFilters, parseIngressQdiscs } from './parse.js';

/** What one line of a `-force` batch did: printed its output, or failed with a message. */
export type BatchLineOutcome = { ok: true; output: string } | { ok: false; message: string };

/**
 * Splits what `tc -json -force -batch -` printed into one outcome per script line, or returns
 * undefined when the output cannot be matched to the lines. With -force iproute2 runs every
 * line: a good line prints one JSON document (one line of stdout); a failing line prints nothing
 * on stdout and, on stderr, its message followed by "Command failed -:N" (measured with
 * iproute2 6.1; "Cannot find device" fails before any output is opened).
 */
export function splitForcedBatch(
  lineCount: number,
  stdout: string,
  stderr: string,
): BatchLineOutcome[] | undefined {
  const failed = new Map<number, string>();
  let message: string[] = [];
  for (const line of stderr.split('\n')) {
    const number = /^Command failed -:(\d+)\s*$/.exec(line)?.[1];
    if (number === undefined) {
      if (line.trim() !== '') message.push(line.trim());
      continue;
    }
    failed.set(Number(number), message.join('\n'));
    message = [];
  }
  const documents = stdout.split('\n').filter((line) => line.trim() !== '');
  if (documents.length + failed.size !== lineCount) return undefined;
  const outcomes: BatchLineOutcome[] = [];
  for (let number = 1; number <= lineCount; number++) {
    const complaint = failed.get(number);
    outcomes.push(
      complaint === undefined
        ? { ok: true, output: documents.shift()! }
        : { ok: false, message: complaint },
    );
  }
  return outcomes;
}

/** iproute2's word for a device that does not exist (in the C locale the runner sets). */
export function isMissingDevice(message: string): boolean {
  return /Cannot find device/.test(message);
}

/**
 * The ingress hooks of those of `devices` that exist, read with one `tc -json -force -batch`:
 * `qdisc show`, then `filter show dev X ingress` for each. A device absent from the result does
 * not exist. Any failure other than a missing device is thrown, naming its batch line.
 */
export async function showIngressOfExisting(
  run: Runner,
  netns: string,
  devices: string[],
): Promise<Map<string, IngressHook>> {
  const lines = ingressQueries(devices);
  const args = ['-json', '-force', '-batch', '-'];
  let stdout: string;
  let stderr = '';
  let failure: IprouteError | undefined;
  try {
    stdout = await run({ tool: 'tc', args, netns, input: script(lines) });
  } catch (error) {
    // A timeout or a tool that never ran (no line named on stderr) is the whole call's failure.
    if (!(error instanceof IprouteError) || error.timedOut) throw error;
    ({ stdout, stderr } = error);
    failure = error;
  }
  const outcomes = splitForcedBatch(lines.length, stdout, stderr);
  if (!outcomes) {
    if (failure) throw failure;
    throw new Error(
      `tc printed ${stdout.split('\n').length - 1} lines for ${lines.length} queries`,
    );
  }
  outcomes.forEach((outcome, i) => {
    // The qdisc listing never names a device: its failure is a real one.
    if (outcome.ok || (i > 0 && isMissingDevice(outcome.message))) return;
    throw new IprouteError({
      argv: ['tc', ...lines[i]!],
      netns,
      exitCode: failure?.exitCode,
      stderr: outcome.message,
      timedOut: false,
      input: failure?.input,
    });
  });
  const qdiscs = parseIngressQdiscs((outcomes[0] as { output: string }).output);
  const hooks = new Map<string, IngressHook>();
  devices.forEach((dev, i) => {
    const outcome = outcomes[i + 1]!;
    if (outcome.ok)
      hooks.set(dev, { qdisc: qdiscs.get(dev), filters: parseFilters(outcome.output) });
  });
  return hooks;
}
