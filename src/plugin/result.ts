// The result of ADD: the previous result, unchanged, plus our tap.
import { convertResult, type CniResult } from '../cni/result.js';
import type { CniVersion } from '../cni/versions.js';
import type { Attachment } from './attachment.js';

/**
 * `prevResult` in the config's version with the tap appended to `interfaces` (`sandbox` is the
 * namespace path; `mtu` survives the conversion only from 1.1.0 on).
 */
export function addResult(
  prevResult: CniResult | undefined,
  version: CniVersion,
  attachment: Attachment,
  tap: { mac: string; mtu: number },
): CniResult {
  const { cniVersion: _previousVersion, ...previous } = prevResult ?? { cniVersion: version };
  const entry = { name: attachment.tapName, mac: tap.mac, mtu: tap.mtu, sandbox: attachment.netns };
  return convertResult(
    { ...previous, interfaces: [...(previous.interfaces ?? []), entry] },
    version,
  );
}
