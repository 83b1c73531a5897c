// CNI results: the types we touch and the conversion to the config's cniVersion
// (CNI spec, "Success" result; "Version considerations" for 0.3.x/0.4.0 vs 1.x).
import { versionAtLeast, type CniVersion } from './versions.js';

/** An entry of `interfaces`. Unknown keys from other plugins are kept. */
export interface ResultInterface {
  name: string;
  mac?: string;
  mtu?: number;
  sandbox?: string;
  [key: string]: unknown;
}

/** An entry of `ips`. `version` exists only up to 0.4.0. */
export interface ResultIp {
  address: string;
  version?: '4' | '6';
  gateway?: string;
  interface?: number;
  [key: string]: unknown;
}

/** The body of a CNI result, whatever its version. */
export interface ResultBody {
  interfaces?: ResultInterface[];
  ips?: ResultIp[];
  [key: string]: unknown;
}

/** A CNI result as passed between chained plugins. */
export interface CniResult extends ResultBody {
  cniVersion: string;
}

/** Interface keys that only exist from 1.1.0 on (CNI spec 1.1, "interfaces"). */
const INTERFACE_KEYS_SINCE_1_1 = ['mtu', 'socketPath', 'pciID'];

/** Route keys that only exist from 1.1.0 on (CNI spec 1.1, "routes"). */
const ROUTE_KEYS_SINCE_1_1 = ['mtu', 'advmss', 'priority', 'table', 'scope'];

/**
 * Returns `result` expressed in `version`: everything else passes through untouched.
 * 0.3.x and 0.4.0 carry `ips[].version` (derived from the address when missing); 1.x drop it;
 * before 1.1.0 the interface and route fields added by 1.1 are dropped.
 */
export function convertResult(result: ResultBody, version: CniVersion): CniResult {
  const converted: CniResult = { cniVersion: version, ...result };
  converted.cniVersion = version;
  if (result.ips) {
    const legacy = !versionAtLeast(version, '1.0.0');
    converted.ips = result.ips.map(({ version: ipVersion, ...ip }) =>
      legacy ? { ...ip, version: ipVersion ?? ipFamily(ip.address) } : ip,
    );
  }
  if (!versionAtLeast(version, '1.1.0')) {
    if (result.interfaces)
      converted.interfaces = result.interfaces.map((entry) =>
        without(entry, INTERFACE_KEYS_SINCE_1_1),
      );
    if (Array.isArray(result.routes)) {
      converted.routes = (result.routes as Array<Record<string, unknown>>).map((route) =>
        without(route, ROUTE_KEYS_SINCE_1_1),
      );
    }
  }
  return converted;
}

/** A copy of `entry` without `keys`. */
function without<T extends Record<string, unknown>>(entry: T, keys: string[]): T {
  const kept = { ...entry };
  for (const key of keys) delete kept[key];
  return kept;
}

/** "4" or "6" from an address in CIDR notation. */
function ipFamily(address: string): '4' | '6' {
  return address.includes(':') ? '6' : '4';
}
