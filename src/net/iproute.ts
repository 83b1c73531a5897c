// Reading and changing a namespace through iproute2: observation and batched changes.
import type { BatchCommand } from './commands.js';
import { IprouteError, type Runner, type Tool } from './exec.js';
import type { IngressHook, Link } from './model.js';
import { parseFilters, parseIngressQdiscs, parseLinks } from './parse.js';

/** `ip -json -details link show`: every device of the namespace. */
export async function showLinks(run: Runner, netns: string): Promise<Link[]> {
  return parseLinks(await run({ tool: 'ip', args: ['-json', '-details', 'link', 'show'], netns }));
}

/** The tc batch lines that read qdiscs, then each device's ingress filters, in that order. */
export function ingressQueries(devices: string[]): string[][] {
  return [['qdisc', 'show'], ...devices.map((dev) => ['filter', 'show', 'dev', dev, 'ingress'])];
}

/**
 * The ingress hooks of `devices` (which must exist), read with one `tc -batch`:
 * `qdisc show` then `filter show dev X ingress` for each. iproute2 prints one JSON document
 * per batch line, each on its own line.
 */
export async function showIngress(
  run: Runner,
  netns: string,
  devices: string[],
): Promise<Map<string, IngressHook>> {
  const lines = ingressQueries(devices);
  const output = await run({
    tool: 'tc',
    args: ['-json', '-batch', '-'],
    netns,
    input: script(lines),
  });
  const documents = output.split('\n').filter((line) => line.trim() !== '');
  if (documents.length !== lines.length) {
    throw new Error(`tc printed ${documents.length} JSON documents for ${lines.length} queries`);
  }
  const qdiscs = parseIngressQdiscs(documents[0]!);
  const hooks = new Map<string, IngressHook>();
  devices.forEach((dev, i) => {
    hooks.set(dev, { qdisc: qdiscs.get(dev), filters: parseFilters(documents[i + 1]!) });
  });
  return hooks;
}

/**
 * Runs `commands` (all for one tool) as one `-batch -` process. iproute2 stops at the first
 * failing line and names it ("Command failed -:N"); the error then carries that line's argv.
 */
export async function runBatch(
  run: Runner,
  netns: string,
  tool: Tool,
  commands: BatchCommand[],
): Promise<void> {
  const lines = commands.map((command) => command.args);
  try {
    await run({ tool, args: ['-batch', '-'], netns, input: script(lines) });
  } catch (error) {
    if (!(error instanceof IprouteError)) throw error;
    const line = /Command failed -:(\d+)/.exec(error.stderr)?.[1];
    const failed = line === undefined ? undefined : lines[Number(line) - 1];
    if (!failed) throw error;
    throw new IprouteError({
      argv: [tool, ...failed],
      netns,
      exitCode: error.exitCode,
      stderr: error.stderr.replace(/\n?Command failed -:\d+\s*$/, ''),
      timedOut: error.timedOut,
      input: error.input,
    });
  }
}

/**
 * Serialises batch lines. iproute2's batch reader splits on white space and honours quotes
 * and `#` comments, so an argument holding any of them would change the command: refuse it
 * (callers validate names long before; this is the last line of defence).
 */
export function script(lines: string[][]): string {
  for (const args of lines) {
    for (const arg of args) {
      if (arg === '' || /[\s"'\\#]/.test(arg)) {
        throw new Error(`unsafe argument for an iproute2 batch: ${JSON.stringify(arg)}`);
      }
    }
  }
  return lines.map((args) => args.join(' ')).join('\n') + '\n';
}
