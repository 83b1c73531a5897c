// CNI_ARGS: tc-redirect-tap's per-container tap settings, and the IgnoreUnknown convention.
// Read by ADD and CHECK only: DEL finds the tap by its alias, whatever CNI_ARGS says.
import { envError } from '../cni/errors.js';
import { printable } from '../cni/env.js';
import { interfaceNameProblem } from '../cni/names.js';
import { keySchemaError } from './config.js';

/** tc-redirect-tap's CNI_ARGS and the config keys they set (they win over the config). */
export const TAP_ARGS = {
  TC_REDIRECT_TAP_NAME: 'tapName',
  TC_REDIRECT_TAP_UID: 'owner',
  TC_REDIRECT_TAP_GID: 'group',
} as const;

/**
 * Keys that CNI runtimes pass to every plugin of a Kubernetes pod (CNI CONVENTIONS.md), always
 * with IgnoreUnknown=1 in practice; known, so they never need it.
 */
const CONVENTION_ARGS = [
  'K8S_POD_NAMESPACE',
  'K8S_POD_NAME',
  'K8S_POD_INFRA_CONTAINER_ID',
  'K8S_POD_UID',
];

/**
 * The raw config with the CNI_ARGS we understand applied. As in the reference plugins
 * (libcni's LoadArgs), an unknown key is an error unless `IgnoreUnknown` is 1 or true, and a
 * value is checked as strictly as the config key it sets. Errors are code 4 (the environment)
 * and name the CNI_ARGS key.
 */
export function configWithCniArgs(
  raw: Record<string, unknown>,
  args: Map<string, string>,
): Record<string, unknown> {
  const ignoreUnknown = readIgnoreUnknown(args.get('IgnoreUnknown'));
  const overlay: Record<string, unknown> = {};
  for (const [key, value] of args) {
    if (key === 'IgnoreUnknown' || CONVENTION_ARGS.includes(key)) continue;
    const configKey = TAP_ARGS[key as keyof typeof TAP_ARGS];
    if (!configKey) {
      if (ignoreUnknown) continue;
      throw invalidArg(key, 'is not a key urunc-tap knows; set IgnoreUnknown=1 to ignore it');
    }
    const parsed =
      configKey === 'tapName' ? value : /^\d{1,10}$/.test(value) ? Number(value) : value;
    const problem =
      configKey === 'tapName' ? interfaceNameProblem(value) : schemaProblem(configKey, parsed);
    if (problem !== undefined) {
      throw invalidArg(key, `has invalid value "${printable(value)}": ${problem}`);
    }
    overlay[configKey] = parsed;
  }
  return { ...raw, ...overlay };
}

/** libcni's UnmarshallableBool: "1"/"true" and "0"/"false", in any case. */
function readIgnoreUnknown(value: string | undefined): boolean {
  if (value === undefined) return false;
  const lower = value.toLowerCase();
  if (lower === '1' || lower === 'true') return true;
  if (lower === '0' || lower === 'false') return false;
  throw invalidArg(
    'IgnoreUnknown',
    `has invalid value "${printable(value)}": must be 1, true, 0 or false`,
  );
}

/** What the config schema says about `value` as config key `key`; undefined when valid. */
function schemaProblem(key: string, value: unknown): string | undefined {
  const error = keySchemaError(key, value);
  if (!error) return undefined;
  return error.keyword === 'type' && typeof value === 'string'
    ? 'must be a decimal integer'
    : (error.message ?? 'is invalid');
}

function invalidArg(key: string, problem: string) {
  return envError(`CNI_ARGS ${printable(key)}`, problem);
}
