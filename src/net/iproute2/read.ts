// Reading and changing a namespace through iproute2: one read into the model, batched changes.
import type { Change } from '../changes.js';
import type { IngressHook, Link, NamespaceSnapshot } from '../model.js';
import { commandsFor, type BatchCommand } from './commands.js';
import { IprouteError, type Runner } from './exec.js';
import { parseFilters, parseIngressQdiscs, parseLinks } from './parse.js';

/**
 * Our own network namespace, as the runner's `netns`. nsenter opens it itself, so
 * `/proc/self` is nsenter's, which is ours: entering it changes nothing, and `ip netns`
 * commands then run where the plugin runs.
 */
export const OWN_NETNS = '/proc/self/ns/net';

/** `ip -json -details link show`: every device of the namespace. */
export async function showLinks(run: Runner, netns: string): Promise<Link[]> {
  return parseLinks(await run({ tool: 'ip', args: ['-json', '-details', 'link', 'show'], netns }));
}

/**
 * The whole namespace in two processes: `ip -json -details link show`, then one
 * `tc -json -details -batch` with `qdisc show` and `filter show dev X ingress` for each device
 * (iproute2 prints one JSON document per batch line). A device whose name the batch syntax
 * cannot carry (quotes, "#", "\": legal for the kernel, never ours) is listed without its hook.
 */
export async function readNamespace(run: Runner, netns: string): Promise<NamespaceSnapshot> {
  const links = await showLinks(run, netns);
  const devices = links.map((link) => link.name).filter(isBatchSafe);
  const lines = [
    ['qdisc', 'show'],
    ...devices.map((dev) => ['filter', 'show', 'dev', dev, 'ingress']),
  ];
  const input = script(lines);
  const output = await run({
    tool: 'tc',
    args: ['-json', '-details', '-batch', '-'],
    netns,
    input,
  });
  const documents = output.split('\n').filter((line) => line.trim() !== '');
  if (documents.length !== lines.length) {
    throw new IprouteError({
      argv: ['tc', '-json', '-details', '-batch', '-'],
      netns,
      exitCode: 0,
      stderr: `printed ${documents.length} JSON documents for ${lines.length} queries`,
      timedOut: false,
      input,
    });
  }
  const qdiscs = parseIngressQdiscs(documents[0]!);
  const hooks = new Map<string, IngressHook>();
  devices.forEach((dev, i) => {
    const qdisc = qdiscs.get(dev);
    if (qdisc) hooks.set(dev, { ...qdisc, filters: parseFilters(documents[i + 1]!) });
  });
  return { netns, links, hooks };
}

/**
 * Applies changes in order: one `ip -batch` or `tc -batch` per run of same-tool commands. A
 * failure says how far it got (NetError.progress).
 */
export async function applyChanges(run: Runner, netns: string, changes: Change[]): Promise<void> {
  const commands = changes.flatMap((change, index) =>
    commandsFor(change).map((command) => ({ command, index })),
  );
  for (let start = 0; start < commands.length;) {
    let end = start + 1;
    while (end < commands.length && commands[end]!.command.tool === commands[start]!.command.tool)
      end++;
    const group = commands.slice(start, end);
    try {
      await runBatch(
        run,
        netns,
        group.map((entry) => entry.command),
      );
    } catch (error) {
      if (error instanceof IprouteError) {
        // The failing line is known when iproute2 named it; otherwise nothing of the batch ran.
        const failed = group[(error.batchLine ?? 1) - 1]!;
        error.progress = { applied: failed.index };
      }
      throw error;
    }
    start = end;
  }
}

/**
 * The links of many namespaces, one `ip` process each, a few at a time. Not `ip -all netns
 * exec`: it remounts /sys in a new mount namespace for every namespace it enters, and was seen
 * stuck for minutes on a busy host. Namespaces that vanished or cannot be read are absent.
 */
export async function readLinksOf(run: Runner, namespaces: string[]): Promise<Map<string, Link[]>> {
  const found = new Map<string, Link[]>();
  const width = 8;
  for (let i = 0; i < namespaces.length; i += width) {
    await Promise.all(
      namespaces.slice(i, i + width).map(async (netns) => {
        try {
          found.set(netns, await showLinks(run, netns));
        } catch {
          // Vanished while we looked (pods come and go), or unreadable: absent.
        }
      }),
    );
  }
  return found;
}

/**
 * Runs `commands` (all for one tool) as one `-batch -` process. iproute2 stops at the first
 * failing line and names it ("Command failed -:N"); the error then carries that line's argv.
 */
export async function runBatch(
  run: Runner,
  netns: string,
  commands: BatchCommand[],
): Promise<void> {
  const tool = commands[0]!.tool;
  const lines = commands.map((command) => command.args);
  try {
    await run({ tool, args: ['-batch', '-'], netns, input: script(lines) });
  } catch (error) {
    if (!(error instanceof IprouteError)) throw error;
    const line = /Command failed -:(\d+)/.exec(error.stderr)?.[1];
    const failed = line === undefined ? undefined : lines[Number(line) - 1];
    if (!failed) throw error;
    const named = new IprouteError({
      argv: [tool, ...failed],
      netns,
      exitCode: error.exitCode,
      stderr: error.stderr.replace(/\n?Command failed -:\d+\s*$/, ''),
      timedOut: error.timedOut,
      input: error.input,
    });
    named.batchLine = Number(line);
    throw named;
  }
}

/** Whether a device name can stand in a batch line (see script). */
function isBatchSafe(name: string): boolean {
  return name !== '' && !name.startsWith('-') && !/[\s"'\\#]/.test(name);
}

/**
 * Serialises batch lines. iproute2's batch reader splits on white space and honours quotes
 * and `#` comments, so an argument holding any of them would change the command: refuse it
 * (callers validate names long before; this is the last line of defence).
 */
export function script(lines: string[][]): string {
  for (const args of lines) {
    for (const arg of args) {
      if (!isBatchSafe(arg)) {
        throw new Error(`unsafe argument for an iproute2 batch: ${JSON.stringify(arg)}`);
      }
    }
  }
  return lines.map((args) => args.join(' ')).join('\n') + '\n';
}
