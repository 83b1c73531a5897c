// Reads and validates the CNI_* environment (CNI spec, "Parameters").
import { envError } from './errors.js';
import { containerIdProblem, interfaceNameProblem } from './names.js';

/** The verbs of the CNI spec that this plugin serves (STATUS and GC since spec 1.1.0). */
export const COMMANDS = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'] as const;
export type Command = (typeof COMMANDS)[number];

/** The verbs about one attachment. */
export type AttachmentCommand = 'ADD' | 'DEL' | 'CHECK';

/** The validated parameters of an ADD, DEL or CHECK. CNI_PATH is not among them: unused. */
export interface CniEnv {
  command: AttachmentCommand;
  containerId: string;
  /** Path of the network namespace; empty (or unusable) on a DEL whose namespace is gone. */
  netns: string;
  ifname: string;
  /** CNI_ARGS as key/value pairs. */
  args: Map<string, string>;
}

export type Getenv = (name: string) => string | undefined;

/** Far above any real value; bounds what ADD and CHECK echo into errors and logs. */
const MAX_VALUE_LENGTH = 4096;

/** Reads CNI_COMMAND alone: the dispatcher needs it before anything else. */
export function readCommand(getenv: Getenv): Command {
  const command = getenv('CNI_COMMAND');
  if (!command) throw envError('CNI_COMMAND', 'is not set');
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw envError(
      'CNI_COMMAND',
      `is "${printable(command)}"; expected one of ${COMMANDS.join(', ')}`,
    );
  }
  return command as Command;
}

/**
 * Reads the CNI_* variables of an ADD, DEL or CHECK. ADD and CHECK validate every one. DEL
 * needs only what identifies the attachment (container ID, interface; the namespace when it
 * can be used) and takes the rest as it comes: a DEL refused for its environment would leave
 * the attachment behind for good (kubelet retries it forever, libcni stops the chain's DEL).
 */
export function readEnv(getenv: Getenv, command: AttachmentCommand): CniEnv {
  if (command === 'DEL') {
    return {
      command,
      containerId: present(getenv, 'CNI_CONTAINERID'),
      ifname: present(getenv, 'CNI_IFNAME'),
      netns: getenv('CNI_NETNS') ?? '',
      args: parseArgs(getenv('CNI_ARGS') ?? '', true),
    };
  }
  const containerId = bounded(getenv, 'CNI_CONTAINERID');
  if (containerId === '') throw envError('CNI_CONTAINERID', 'is not set');
  const idProblem = containerIdProblem(containerId);
  if (idProblem) throw envError('CNI_CONTAINERID', idProblem);

  const ifname = bounded(getenv, 'CNI_IFNAME');
  if (ifname === '') throw envError('CNI_IFNAME', 'is not set');
  const ifProblem = interfaceNameProblem(ifname);
  if (ifProblem) throw envError('CNI_IFNAME', `"${printable(ifname)}" ${ifProblem}`);

  const netns = bounded(getenv, 'CNI_NETNS');
  if (netns === '') throw envError('CNI_NETNS', 'is not set');
  if (!netns.startsWith('/'))
    throw envError('CNI_NETNS', `"${printable(netns)}" is not an absolute path`);
  if (netns.includes('\0')) throw envError('CNI_NETNS', 'contains a NUL byte');

  return {
    command,
    containerId,
    netns,
    ifname,
    args: parseArgs(bounded(getenv, 'CNI_ARGS'), false),
  };
}

/**
 * CNI_ARGS: `KEY=VALUE` pairs separated by `;` (CNI spec, "Parameters"). A pair that is not
 * KEY=VALUE is an error, or skipped when `lenient` (DEL).
 */
function parseArgs(raw: string, lenient: boolean): Map<string, string> {
  const args = new Map<string, string>();
  for (const pair of raw.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      if (lenient) continue;
      throw envError('CNI_ARGS', `"${printable(pair)}" is not KEY=VALUE`);
    }
    args.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return args;
}

/** A variable that identifies the attachment: anything but empty. */
function present(getenv: Getenv, name: string): string {
  const value = getenv(name) ?? '';
  if (value === '') throw envError(name, 'is not set');
  return value;
}

function bounded(getenv: Getenv, name: string): string {
  const value = getenv(name) ?? '';
  if (value.length > MAX_VALUE_LENGTH) {
    throw envError(name, `is longer than ${MAX_VALUE_LENGTH} characters`);
  }
  return value;
}

/** Quotes control characters so an error message stays on one readable line. */
export function printable(value: string, max = 80): string {
  const shown = JSON.stringify(value).slice(1, -1);
  return shown.length > max ? `${shown.slice(0, max)}...` : shown;
}
