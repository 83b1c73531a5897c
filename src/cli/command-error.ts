// The error of an operator command that the operator has to fix (exit code 1, one line on stderr).

/** A problem the operator has to fix; its message says what failed and what to do. */
export class CommandError extends Error {
  override name = 'CommandError';
}
