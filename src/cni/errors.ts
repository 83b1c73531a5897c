// CNI error codes and the one error type every verb reports through (CNI spec, "Error").

/** Well-known error codes from the CNI spec, plus urunc-tap's own (100+). */
export const ErrorCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IoFailure: 5,
  DecodingFailure: 6,
  InvalidNetworkConfig: 7,
  TryAgainLater: 11,
  PluginNotAvailable: 50,
  PluginNotAvailableLimited: 51,
  /** An iproute2 command failed; details carry the command, namespace and its stderr. */
  NetlinkFailure: 100,
  /** The pod interface named by CNI_IFNAME is not in the namespace. */
  PodInterfaceMissing: 101,
  /** A device with the tap's name exists and is not this attachment's. */
  TapNameTaken: 102,
  /** CHECK found something of ours missing or wrong. */
  CheckFailed: 103,
  /** A bug: an unexpected exception. */
  Internal: 999,
} as const;

/** An error to report to the runtime as `{cniVersion, code, msg, details}`. */
export class CniError extends Error {
  readonly code: number;
  readonly details: string;

  constructor(code: number, msg: string, details = '', options?: { cause?: unknown }) {
    super(msg, options);
    this.name = 'CniError';
    this.code = code;
    this.details = details;
  }
}

/** Turns anything thrown into a CniError: untyped errors become Internal, in this one place. */
export function toCniError(error: unknown): CniError {
  if (error instanceof CniError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error && error.stack ? error.stack : '';
  return new CniError(ErrorCode.Internal, `internal error: ${message}`, stack, { cause: error });
}

/** Code 4: a CNI_* variable (or a CNI_ARGS key) is missing or invalid; the message names it. */
export function envError(variable: string, problem: string): CniError {
  const which = variable.startsWith('CNI_ARGS') ? 'CNI_ARGS' : variable;
  return new CniError(ErrorCode.InvalidEnvironment, `${variable} ${problem}`, `variable: ${which}`);
}

/** Code 7: a config key is missing or invalid; the message names the key. */
export function configError(key: string, problem: string): CniError {
  return new CniError(ErrorCode.InvalidNetworkConfig, `config key "${key}" ${problem}`);
}
