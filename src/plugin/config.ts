// The plugin's configuration: schema validation (precompiled ajv) and defaults.
import { CniError, ErrorCode } from '../cni/errors.js';
import type { CniResult } from '../cni/result.js';
import { validatePluginConfig, type SchemaError } from '../generated/validators.js';
import { DEFAULT_TIMEOUT_MS } from '../net/exec.js';

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
  /** Per iproute2 call; past it the verb fails with "try again later". */
  timeoutMs: number;
  prevResult: CniResult | undefined;
}

export const DEFAULT_TAP_NAME = 'tap0_urunc';

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
    prevResult?: CniResult;
  };
  if (config.prevResult) checkInterfaceIndexes(config.prevResult);
  return {
    network: config.name,
    tapName: config.tapName ?? DEFAULT_TAP_NAME,
    owner: config.owner,
    group: config.group,
    mtu: config.mtu,
    multiQueue: config.multiQueue ?? false,
    vnetHdr: config.vnetHdr ?? true,
    timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    prevResult: config.prevResult,
  };
}

/** `ips[].interface` is an index into `interfaces` (CNI spec, "ips"). */
function checkInterfaceIndexes(result: CniResult): void {
  const count = result.interfaces?.length ?? 0;
  result.ips?.forEach((ip, i) => {
    if (ip.interface !== undefined && ip.interface >= count) {
      throw new CniError(
        ErrorCode.InvalidNetworkConfig,
        `config key "prevResult.ips[${i}].interface" is ${ip.interface}, but prevResult has ${count} interfaces`,
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
  const value = JSON.stringify(valueAt(raw, error.instancePath)) ?? 'undefined';
  const shown = value.length > 80 ? `${value.slice(0, 80)}...` : value;
  const reason = error.keyword === 'not' ? 'is not allowed' : (error.message ?? 'is invalid');
  return `config key "${key}" has invalid value ${shown}: ${reason}`;
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
