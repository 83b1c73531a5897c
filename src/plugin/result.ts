// The result of ADD: the previous result, unchanged, plus our tap (and, for firecracker-go-sdk
// users who ask for it, tc-redirect-tap's VM interface).
import { convertResult, type CniResult, type ResultIp } from '../cni/result.js';
import type { CniVersion } from '../cni/versions.js';
import type { Attachment } from './marks.js';

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
  const entry = { name: attachment.tapName, mac: tap.mac, mtu: tap.mtu, sandbox: attachment.netns };
  return convertResult(
    { ...prevResult, interfaces: [...(prevResult?.interfaces ?? []), entry] },
    version,
  );
}

/**
 * `result` (ADD's, the tap already appended) plus tc-redirect-tap's pseudo "VM interface",
 * which firecracker-go-sdk's vmconf reads to configure the guest: named like the tap, with the
 * pod interface's MAC (the guest takes over the pod's L2 identity: the redirects move frames
 * unchanged) and the container ID as its sandbox; and a copy of each of the pod interface's
 * IPs (address and gateway) pointing at it. Output stays in the config's version.
 */
export function withVmInterface(
  result: CniResult,
  version: CniVersion,
  attachment: Attachment,
  podMac: string,
): CniResult {
  const interfaces = [...(result.interfaces ?? [])];
  const podIndex = interfaces.findIndex(
    (entry) => entry.name === attachment.ifname && Boolean(entry.sandbox),
  );
  interfaces.push({ name: attachment.tapName, mac: podMac, sandbox: attachment.containerId });
  const vmIndex = interfaces.length - 1;
  const podIps = (result.ips ?? []).filter((ip) => podIndex >= 0 && ip.interface === podIndex);
  const vmIps: ResultIp[] = podIps.map((ip) => ({
    address: ip.address,
    ...(ip.gateway !== undefined ? { gateway: ip.gateway } : {}),
    interface: vmIndex,
  }));
  const ips = result.ips || vmIps.length > 0 ? { ips: [...(result.ips ?? []), ...vmIps] } : {};
  return convertResult({ ...result, interfaces, ...ips }, version);
}
