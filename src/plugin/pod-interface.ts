// Finding the pod interface in the previous plugin's result (CNI spec, chained plugins).
import { CniError, ErrorCode } from '../cni/errors.js';
import type { CniResult, ResultInterface } from '../cni/result.js';

/**
 * The `interfaces` entry for CNI_IFNAME inside the sandbox (`sandbox` set: host-side veth
 * peers are listed too, without one). Without a prevResult there is nothing to check, and the
 * namespace alone decides. A prevResult that does not list it means we are chained after the
 * wrong plugin, or with the wrong CNI_IFNAME.
 */
export function podInterfaceFromPrevResult(
  prevResult: CniResult | undefined,
  ifname: string,
): ResultInterface | undefined {
  if (!prevResult) return undefined;
  const found = prevResult.interfaces?.find((entry) => entry.name === ifname && entry.sandbox);
  if (!found) {
    throw new CniError(
      ErrorCode.InvalidNetworkConfig,
      `config key "prevResult.interfaces" has no interface named ${ifname} with a sandbox; is urunc-tap chained after the plugin that creates ${ifname}?`,
    );
  }
  return found;
}
