// The one place that spawns processes: iproute2 inside a network namespace, never via a shell.
import { execa } from 'execa';

/** The iproute2 tools we drive. */
export type Tool = 'ip' | 'tc';

/** One iproute2 invocation, run inside the namespace at `netns` (a path). */
export interface IprouteCommand {
  tool: Tool;
  args: string[];
  netns: string;
  /** Fed to the tool's stdin (for `-batch -`). */
  input?: string;
}

/** Runs iproute2 commands; the seam for tests and fault injection. */
export type Runner = (command: IprouteCommand) => Promise<string>;

/** An iproute2 command that failed: which one, where, and what it said. */
export class IprouteError extends Error {
  readonly argv: string[];
  readonly netns: string;
  readonly exitCode: number | undefined;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly input: string | undefined;
  /** What it printed on stdout before failing: a `-force` batch prints its good lines' output. */
  readonly stdout: string;

  constructor(fields: {
    argv: string[];
    netns: string;
    exitCode: number | undefined;
    stderr: string;
    timedOut: boolean;
    input: string | undefined;
    stdout?: string;
  }) {
    const what = fields.timedOut ? 'timed out' : `failed (exit ${fields.exitCode ?? 'signal'})`;
    super(
      `\`${fields.argv.join(' ')}\` in ${fields.netns} ${what}: ${fields.stderr.trim() || 'no output'}`,
    );
    this.name = 'IprouteError';
    this.argv = fields.argv;
    this.netns = fields.netns;
    this.exitCode = fields.exitCode;
    this.stderr = fields.stderr;
    this.timedOut = fields.timedOut;
    this.input = fields.input;
    this.stdout = fields.stdout ?? '';
  }
}

/**
 * Every iproute2 call gives up after this long; a hung netlink call must not hang the runtime.
 * Generous: all netlink changes of a node serialise on the kernel's rtnl lock, and a tap
 * deletion waits for RCU grace periods under it, so a burst of pod teardowns on a busy node
 * makes honest calls wait seconds.
 */
export const DEFAULT_TIMEOUT_MS = 30_000;

// Runtimes do not always pass PATH to plugins (the CNI spec does not require it).
const FALLBACK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Builds the real runner. iproute2 6.1's `-n` takes namespace names only, so we enter the
 * namespace by path with `nsenter --net=PATH`, which then execs the tool (one process).
 */
export function createRunner(options: { timeoutMs?: number; path?: string } = {}): Runner {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const PATH = options.path || process.env.PATH || FALLBACK_PATH;
  return async (command) => {
    const argv = ['nsenter', `--net=${command.netns}`, '--', command.tool, ...command.args];
    const result = await execa(argv[0]!, argv.slice(1), {
      input: command.input ?? '',
      timeout,
      reject: false,
      // The C locale keeps iproute2's messages (and "Command failed -:N") parseable.
      env: { PATH, LC_ALL: 'C' },
      stripFinalNewline: false,
    });
    if (result.exitCode === 0 && !result.timedOut) return String(result.stdout);
    throw new IprouteError({
      argv: [command.tool, ...command.args],
      netns: command.netns,
      exitCode: result.exitCode,
      stderr: String(result.stderr || result.message),
      timedOut: result.timedOut,
      input: command.input,
      stdout: String(result.stdout ?? ''),
    });
  };
}
