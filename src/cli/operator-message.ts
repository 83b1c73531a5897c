// Any error of an operator command as the one line an operator reads: what failed, what to do.
import { errnoReason } from './command-error.js';

/** JavaScript's own error classes: thrown by a bug in urunc-tap, never by a host problem. */
const BUG_CLASSES = new Set([
  'TypeError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'EvalError',
  'URIError',
]);

/** Multi-line messages (iproute2's stderr, say) on one line. */
function oneLine(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join('; ');
}

/**
 * The line for `error`, thrown while running `command`: the message of an error urunc-tap
 * raised on purpose (a CommandError, a CNI error, a failed iproute2 call); a system call's
 * failure in words; for a bug, that it is one and what to do about it.
 */
export function operatorMessage(error: unknown, command: string, version: string): string {
  if (!(error instanceof Error)) return `${command} failed: ${oneLine(String(error))}`;
  if (BUG_CLASSES.has(error.name)) {
    return `internal error in ${command}: ${oneLine(error.message)} (a bug in urunc-tap ${version}: please report it with the command line; URUNC_TAP_DEBUG=1 shows where it happened)`;
  }
  const errno = error as NodeJS.ErrnoException;
  if (errno.code && errno.syscall) {
    const where = errno.path ? ` ${errno.path}` : '';
    return `${command} failed: ${errno.syscall}${where}: ${errnoReason(errno)}`;
  }
  return oneLine(error.message);
}
