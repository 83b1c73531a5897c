// The version of urunc-tap, embedded at build time: an installed executable has no package.json.
import { readFileSync } from 'node:fs';

// Replaced by esbuild's `define` in every build (scripts/build-bundle.mjs); undeclared when the
// source runs unbundled (the unit tests), hence the typeof guards.
declare const __URUNC_TAP_VERSION__: string | undefined;
declare const __URUNC_TAP_SELF_CONTAINED__: boolean | undefined;

/** The version this build was made from. */
export function urunctapVersion(): string {
  if (typeof __URUNC_TAP_VERSION__ === 'string') return __URUNC_TAP_VERSION__;
  // Unbundled: the source tree's package.json, two levels up from src/cli/.
  const manifest = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/**
 * True in the self-contained executable (build/urunc-tap): the running executable is the whole
 * plugin. False for the Node.js entry (bin/urunc-tap → dist/) and unbundled source.
 */
export function isSelfContained(): boolean {
  return typeof __URUNC_TAP_SELF_CONTAINED__ === 'boolean' && __URUNC_TAP_SELF_CONTAINED__;
}
