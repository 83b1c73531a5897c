// Reads and validates the CNI_* environment (CNI spec, "Parameters").
import { CniError, ErrorCode } from './errors.js';
import { containerIdProblem, interfaceNameProblem } from './names.js';

/** The verbs of the CNI spec that this plugin serves (STATUS and GC since spec 1.1.0). */
export const COMMANDS = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'] as const;
export type Command = (typeof COMMANDS)[number];

/** The validated parameters of an ADD, DEL or CHECK. */
export interface CniEnv {
  command: Exclude<Command, 'VERSION' | 'STATUS' | 'GC'>;
  containerId: string;
  /** Path of the network namespace; empty on a DEL whose namespace is already gone. */
  netns: string;
  ifname: string;
  /** CNI_ARGS as key/value pairs. */
  args: Map<string, string>;
  path: string[];
}

export type Getenv = (name: string) => string | undefined;

const MAX_VALUE_LENGTH = 4096;

/** Reads CNI_COMMAND alone: the dispatcher needs it before anything else. */
export function readCommand(getenv: Getenv): Command {
  const command = getenv('CNI_COMMAND');
  if (!command) throw invalidEnv('CNI_COMMAND', 'is not set');
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw invalidEnv(
      'CNI_COMMAND',
      `is "${printable(command)}"; expected one of ${COMMANDS.join(', ')}`,
    );
  }
  return command as Command;
}

/** Reads and validates every CNI_* variable an ADD, DEL or CHECK needs. */
export function readEnv(getenv: Getenv, command: CniEnv['command']): CniEnv {
  const containerId = required(getenv, 'CNI_CONTAINERID');
  const idProblem = containerIdProblem(containerId);
  if (idProblem) throw invalidEnv('CNI_CONTAINERID', idProblem);

  const ifname = required(getenv, 'CNI_IFNAME');
  const ifProblem = interfaceNameProblem(ifname);
  if (ifProblem) throw invalidEnv('CNI_IFNAME', `"${printable(ifname)}" ${ifProblem}`);

  // CNI spec: DEL may be called with an empty CNI_NETNS once the namespace is gone.
  const netns = command === 'DEL' ? optional(getenv, 'CNI_NETNS') : required(getenv, 'CNI_NETNS');
  if (netns !== '' && !netns.startsWith('/')) {
    throw invalidEnv('CNI_NETNS', `"${printable(netns)}" is not an absolute path`);
  }
  if (netns.includes('\0')) throw invalidEnv('CNI_NETNS', 'contains a NUL byte');

  const path = required(getenv, 'CNI_PATH').split(':').filter(Boolean);
  const args = parseArgs(optional(getenv, 'CNI_ARGS'));
  return { command, containerId, netns, ifname, args, path };
}

/** CNI_PATH as a list of directories; required unless `required` is false (STATUS, GC). */
export function readPath(getenv: Getenv, mustBeSet = true): string[] {
  const raw = mustBeSet ? required(getenv, 'CNI_PATH') : optional(getenv, 'CNI_PATH');
  return raw.split(':').filter(Boolean);
}

/** CNI_ARGS: `KEY=VALUE` pairs separated by `;` (CNI spec, "Parameters"). */
function parseArgs(raw: string): Map<string, string> {
  const args = new Map<string, string>();
  for (const pair of raw.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw invalidEnv('CNI_ARGS', `"${printable(pair)}" is not KEY=VALUE`);
    args.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return args;
}

function required(getenv: Getenv, name: string): string {
  const value = optional(getenv, name);
  if (value === '') throw invalidEnv(name, 'is not set');
  return value;
}

function optional(getenv: Getenv, name: string): string {
  const value = getenv(name) ?? '';
  if (value.length > MAX_VALUE_LENGTH) {
    throw invalidEnv(name, `is longer than ${MAX_VALUE_LENGTH} characters`);
  }
  return value;
}

function invalidEnv(name: string, problem: string): CniError {
  return new CniError(ErrorCode.InvalidEnvironment, `${name} ${problem}`, `variable: ${name}`);
}

/** Quotes control characters so an error message stays on one readable line. */
export function printable(value: string, max = 80): string {
  const shown = JSON.stringify(value).slice(1, -1);
  return shown.length > max ? `${shown.slice(0, max)}...` : shown;
}
