// Validation of the identifiers the runtime hands us, before any of them reaches ip or tc.

/** CNI spec "Container ID": alphanumerics first, then alphanumerics, `_`, `.`, `-`. */
const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Linux IFNAMSIZ is 16 including the NUL byte. */
export const MAX_INTERFACE_NAME_LENGTH = 15;

/**
 * Returns why `id` is not a valid container ID, or undefined when it is.
 * The spec's character set; the length cap keeps logs and the tap alias bounded.
 */
export function containerIdProblem(id: string): string | undefined {
  if (id.length > 256) return 'is longer than 256 characters';
  if (!CONTAINER_ID.test(id)) {
    return 'must start with a letter or digit and contain only letters, digits, "_", "." and "-"';
  }
  return undefined;
}

/**
 * Returns why `name` is not a usable interface name, or undefined when it is.
 * The kernel's rules (dev_valid_name: 1-15 bytes, not "." or "..", no "/", ":" or white
 * space) plus printable ASCII without quotes, "\" or "#", which iproute2's batch parser would
 * otherwise read as quoting or a comment, and no leading "-".
 */
export function interfaceNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_INTERFACE_NAME_LENGTH) {
    return `is longer than ${MAX_INTERFACE_NAME_LENGTH} characters`;
  }
  if (name === '.' || name === '..') return 'must not be "." or ".."';
  // Legal for the kernel, but iproute2 reads a leading "-" as an option wherever a name stands
  // alone on its command line.
  if (name.startsWith('-')) return 'must not start with "-"';
  if (!/^[\x21-\x7e]+$/.test(name)) return 'must be printable ASCII without white space';
  if (/[/:"'\\#]/.test(name)) return 'must not contain "/", ":", quotes, "\\" or "#"';
  return undefined;
}
