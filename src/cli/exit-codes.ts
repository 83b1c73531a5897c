// Exit codes of the operator commands (documented in README.md and `urunc-tap --help`).

export const ExitCode = {
  /** Done; or, for inspect and doctor, nothing wrong found. */
  Ok: 0,
  /** The command could not do its job (no such namespace, iproute2 failed, refused, ...). */
  Failed: 1,
  /** Bad command line. */
  Usage: 2,
  /** inspect found problems; doctor found the host not ready. */
  Problems: 3,
} as const;

export const EXIT_CODES_HELP =
  'Exit codes: 0 ok; 1 failed (see stderr); 2 usage error; 3 inspect found problems or doctor found the host not ready.';
