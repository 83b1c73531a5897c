// The plugin's configuration: schema validation (precompiled ajv), the checks a schema cannot
// express, and defaults. DEL reads only what identifies the attachment (deleteIdentity).
import { CniError, ErrorCode, configError } from '../cni/errors.js';
import { logFileProblem } from '../cni/log-file.js';
import { interfaceNameProblem, networkNameProblem } from '../cni/names.js';
import type { CniResult } from '../cni/result.js';
import { validatePluginConfig, type SchemaError } from '../generated/validators.js';

/** A validated urunc-tap configuration with defaults applied. */
export interface PluginConfig {
  network: string;
  tapName: string;
  owner: number | undefined;
  group: number | undefined;
  /** Explicit MTU; undefined means "copy the pod interface's". */
  mtu: number | undefined;
  multiQueue: boolean;
  vnetHdr: boolean;
  /** Per kernel or iproute2 call; past it the verb fails with "try again later". */
  timeoutMs: number;
  /** When set, ADD wires only pods whose annotation of this name is "true". */
  podAnnotation: string | undefined;
  /** Also put tc-redirect-tap's VM interface in the ADD result (result.ts). */
  tcRedirectTapResult: boolean;
  prevResult: CniResult | undefined;
}

const DEFAULT_TAP_NAME = 'tap0_urunc';

/**
 * Every kernel call gives up after this long; a hung call must not hang the runtime. Generous:
 * all netlink changes of a node serialise on the kernel's rtnl lock, and a tap deletion waits
 * for RCU grace periods under it, so a burst of pod teardowns on a busy node makes honest calls
 * wait seconds.
 */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Validates the raw network configuration against schemas/urunc-tap-config.schema.json. */
export function parseConfig(raw: Record<string, unknown>): PluginConfig {
  if (!validatePluginConfig(raw)) {
    const error = validatePluginConfig.errors?.[0];
    throw new CniError(
      ErrorCode.InvalidNetworkConfig,
      error ? describeSchemaError(raw, error) : 'invalid network configuration',
      'see schemas/urunc-tap-config.schema.json',
    );
  }
  const config = raw as {
    name: string;
    tapName?: string;
    owner?: number;
    group?: number;
    mtu?: number;
    multiQueue?: boolean;
    vnetHdr?: boolean;
    timeoutMs?: number;
    podAnnotation?: string;
    tcRedirectTapResult?: boolean;
    prevResult?: CniResult;
  };
  const tapName = config.tapName ?? DEFAULT_TAP_NAME;
  const problems: Array<[string, string, string | undefined]> = [
    ['name', config.name, networkNameProblem(config.name)],
    ['tapName', tapName, interfaceNameProblem(tapName)],
  ];
  if (typeof raw.logFile === 'string') {
    problems.push(['logFile', raw.logFile, logFileProblem(raw.logFile)]);
  }
  for (const [key, value, problem] of problems) {
    if (problem) throw configError(key, `has invalid value ${shorten(value)}: ${problem}`);
  }
  if (config.prevResult) checkInterfaceIndexes(config.prevResult);
  return {
    network: config.name,
    tapName,
    owner: config.owner,
    group: config.group,
    mtu: config.mtu,
    multiQueue: config.multiQueue ?? false,
    vnetHdr: config.vnetHdr ?? true,
    timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    podAnnotation: config.podAnnotation,
    tcRedirectTapResult: config.tcRedirectTapResult ?? false,
    prevResult: config.prevResult,
  };
}

/**
 * What DEL takes from the config: the network name, which with the container ID and the
 * interface identifies the attachment, and the timeout if it is a usable one. Nothing else is
 * read: a config changed since ADD (a new tapName, a value ADD would now refuse) must not stop
 * DEL, which finds the attachment's objects by their marks, not by today's settings.
 */
export function deleteIdentity(raw: Record<string, unknown>): {
  network: string;
  timeoutMs: number;
} {
  const { name, timeoutMs } = raw;
  if (typeof name !== 'string') {
    throw configError('name', name === undefined ? 'is missing' : 'must be a string');
  }
  const problem = networkNameProblem(name);
  if (problem) throw configError('name', `has invalid value ${JSON.stringify(name)}: ${problem}`);
  // A non-number fails the schema's type anyway; undefined alone would pass a schema check.
  const usable = typeof timeoutMs === 'number' && !keySchemaError('timeoutMs', timeoutMs);
  return { network: name, timeoutMs: usable ? timeoutMs : DEFAULT_TIMEOUT_MS };
}

/**
 * The schema's first error for `value` as config key `key`, checked alone in a minimal config;
 * undefined when the schema accepts it. For values read without parseConfig: CNI_ARGS, and
 * DEL's timeout.
 */
export function keySchemaError(key: string, value: unknown): SchemaError | undefined {
  if (validatePluginConfig({ cniVersion: '1.0.0', name: 'n', type: 't', [key]: value })) {
    return undefined;
  }
  return (
    validatePluginConfig.errors?.[0] ?? {
      instancePath: `/${key}`,
      keyword: 'invalid',
      params: {},
      message: 'is invalid',
    }
  );
}

/** `ips[].interface` is an index into `interfaces` (CNI spec, "ips"). */
function checkInterfaceIndexes(result: CniResult): void {
  const count = result.interfaces?.length ?? 0;
  result.ips?.forEach((ip, i) => {
    if (ip.interface !== undefined && ip.interface >= count) {
      throw configError(
        `prevResult.ips[${i}].interface`,
        `is ${ip.interface}, but prevResult has ${count} interfaces`,
      );
    }
  });
}

/** One readable sentence naming the key, its value and what is wrong with it. */
function describeSchemaError(raw: unknown, error: SchemaError): string {
  if (error.keyword === 'required') {
    const key = joinKey(error.instancePath, String(error.params.missingProperty));
    return `config key "${key}" is missing`;
  }
  const key = joinKey(error.instancePath);
  const reason = error.keyword === 'not' ? 'is not allowed' : (error.message ?? 'is invalid');
  return `config key "${key}" has invalid value ${shorten(valueAt(raw, error.instancePath))}: ${reason}`;
}

/** A value as JSON, cut to 80 characters. */
function shorten(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

/** "/prevResult/ips/0/address" becomes "prevResult.ips[0].address". */
function joinKey(pointer: string, last?: string): string {
  const parts = pointer.split('/').slice(1).map(unescapePointer);
  if (last !== undefined) parts.push(last);
  return parts.reduce(
    (key, part) => (/^\d+$/.test(part) ? `${key}[${part}]` : key ? `${key}.${part}` : part),
    '',
  );
}

function valueAt(root: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .map(unescapePointer)
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], root);
}

function unescapePointer(part: string): string {
  return part.replace(/~1/g, '/').replace(/~0/g, '~');
}
