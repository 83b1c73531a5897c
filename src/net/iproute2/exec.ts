// The one place that spawns processes: iproute2 inside a network namespace, never via a shell.
import { execa } from 'execa';
import { NetError } from '../errors.js';

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

/** iproute2's words for the errno values the verbs care about (in the C locale we set). */
const ERRNO_WORDS: Array<[RegExp, string]> = [
  [/File exists/i, 'EEXIST'],
  [/No such device|Cannot find device/i, 'ENODEV'],
  [/No such file or directory/i, 'ENOENT'],
  [/Device or resource busy/i, 'EBUSY'],
  [/Resource temporarily unavailable|Try again/i, 'EAGAIN'],
  [/Operation not permitted/i, 'EPERM'],
  [/Permission denied/i, 'EACCES'],
  [/Invalid argument/i, 'EINVAL'],
];

/** An iproute2 command that failed: which one, where, and what it said. */
export class IprouteError extends NetError {
  readonly argv: string[];
  readonly exitCode: number | undefined;
  readonly stderr: string;
  readonly input: string | undefined;
  /** For a `-batch` call: the number of the line that failed, when iproute2 named it. */
  batchLine: number | undefined;

  constructor(fields: {
    argv: string[];
    netns: string;
    exitCode: number | undefined;
    stderr: string;
    timedOut: boolean;
    input: string | undefined;
  }) {
    super({
      operation: fields.argv.join(' '),
      netns: fields.netns,
      errno: ERRNO_WORDS.find(([words]) => words.test(fields.stderr))?.[1],
      timedOut: fields.timedOut,
      detail: fields.stderr,
      message: `\`${fields.argv.join(' ')}\` in ${fields.netns} ${fields.timedOut ? 'timed out' : `failed (exit ${fields.exitCode ?? 'signal'})`}: ${fields.stderr.trim() || 'no output'}`,
    });
    this.name = 'IprouteError';
    this.argv = fields.argv;
    this.exitCode = fields.exitCode;
    this.stderr = fields.stderr;
    this.input = fields.input;
    this.batchLine = undefined;
  }
}

// Runtimes do not always pass PATH to plugins (the CNI spec does not require it).
export const FALLBACK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The programs every call goes through, in exec order (see createRunner). */
export const PROGRAMS = ['setpriv', 'nsenter', 'ip', 'tc'] as const;

/**
 * Builds the real runner. Each call is one process that execs three times:
 * `setpriv --pdeathsig KILL` makes the kernel kill it if the plugin dies first (a killed plugin
 * must not leave an `ip`/`tc` changing the namespace after the runtime's DEL has finished);
 * `nsenter --net=PATH` enters the namespace by path (iproute2 6.1's `-n` takes names only);
 * then the tool.
 */
export function createRunner(options: { timeoutMs: number; path?: string }): Runner {
  const PATH = options.path || process.env.PATH || FALLBACK_PATH;
  return async (command) => {
    const argv = [
      'setpriv',
      '--pdeathsig',
      'KILL',
      '--',
      'nsenter',
      `--net=${command.netns}`,
      '--',
      command.tool,
      ...command.args,
    ];
    const result = await execa(argv[0]!, argv.slice(1), {
      input: command.input ?? '',
      timeout: options.timeoutMs,
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
    });
  };
}
