// The error of an operator command that the operator has to fix (exit code 1, one line on stderr),
// and file-system errors turned into one.

/** A problem the operator has to fix; its message says what failed and what to do. */
export class CommandError extends Error {
  override name = 'CommandError';
}

/** The reason for common errno codes, in words (Node's messages repeat the call and the path). */
const ERRNO_WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a component of the path is not a directory',
  EISDIR: 'is a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'file exists',
  EIO: 'input/output error',
  ETXTBSY: 'text file busy',
};

/** A system error's reason in words, with its code: "permission denied (EACCES)". */
export function errnoReason(error: NodeJS.ErrnoException): string {
  return error.code
    ? `${ERRNO_WORDS[error.code] ?? error.code.toLowerCase()} (${error.code})`
    : error.message;
}

/** A file-system error as one operator-facing line: what failed, and the system's reason. */
export function failure(error: unknown, doing: string): CommandError {
  return new CommandError(`${doing}: ${errnoReason(error as NodeJS.ErrnoException)}`, {
    cause: error,
  });
}
