// Validation of the identifiers a runtime or a config hands us, before any reaches the kernel.
// The one definition of each: the config schema leaves these strings to this file.

/** CNI spec "Container ID" and network name: alphanumerics first, then alphanumerics, `_`, `.`, `-`. */
const SPEC_IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Linux IFNAMSIZ is 16 including the NUL byte. */
const MAX_INTERFACE_NAME_LENGTH = 15;

/** Why `value` is not a spec identifier (SPEC_IDENTIFIER), or undefined when it is. */
function specIdentifierProblem(value: string): string | undefined {
  if (!SPEC_IDENTIFIER.test(value)) {
    return 'must start with a letter or digit and contain only letters, digits, "_", "." and "-"';
  }
  return undefined;
}

/**
 * Why an ID is not a valid container ID (the spec's character set), or undefined when it is.
 * No length limit: the spec sets none (an alias too long for the kernel becomes a digest).
 */
export const containerIdProblem = specIdentifierProblem;

/** Why a name is not a valid network name (CNI spec, "name"), or undefined when it is. */
export const networkNameProblem = specIdentifierProblem;

/**
 * Why `name` is not a usable interface name (CNI_IFNAME, tapName), or undefined when it is:
 * 1-15 bytes (IFNAMSIZ), not "." or "..", of letters, digits, "_", "." and "-" only, not starting
 * with "-". Stricter than the kernel's dev_valid_name: no character iproute2's batch parser reads
 * as quoting or a comment, nothing a shell would expand, and no leading "-", which iproute2
 * reads as an option wherever a name stands alone on its command line.
 */
export function interfaceNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_INTERFACE_NAME_LENGTH) {
    return `is longer than ${MAX_INTERFACE_NAME_LENGTH} characters`;
  }
  if (name === '.' || name === '..') return 'must not be "." or ".."';
  if (name.startsWith('-')) return 'must not start with "-"';
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) return 'must contain only letters, digits, "_", "." and "-"';
  return undefined;
}
