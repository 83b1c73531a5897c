// CNI spec versions this plugin speaks, and comparisons between them.

/** Versions accepted in `cniVersion` and reported by VERSION, oldest first. */
export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

export type CniVersion = (typeof SUPPORTED_VERSIONS)[number];

/** The newest version: used for output when the input names none we can use. */
export const LATEST_VERSION: CniVersion = '1.1.0';

/** Whether `version` is one we speak. */
export function isSupportedVersion(version: unknown): version is CniVersion {
  return (SUPPORTED_VERSIONS as readonly unknown[]).includes(version);
}

/** Whether `version` is `minimum` or newer (both supported versions). */
export function versionAtLeast(version: CniVersion, minimum: CniVersion): boolean {
  return SUPPORTED_VERSIONS.indexOf(version) >= SUPPORTED_VERSIONS.indexOf(minimum);
}
