// The result of ADD: the previous result, unchanged, plus our tap (and, for firecracker-go-sdk
// users who ask for it, tc-redirect-tap's VM interface).
import { convertResult, type CniResult, type ResultBody, type ResultIp } from '../cni/result.js';
import type { CniVersion } from '../cni/versions.js';
import type { Attachment } from './marks.js';

/**
 * `prevResult` in the config's version with the tap appended to `interfaces` (`sandbox` is the
 * namespace path; `mtu` survives the conversion only from 1.1.0 on), and tc-redirect-tap's VM
 * interface after it when `podMac` is given (config `tcRedirectTapResult`). Converted once, at
 * the end.
 */
export function addResult(
  prevResult: CniResult | undefined,
  version: CniVersion,
  attachment: Attachment,
  tap: { mac: string; mtu: number },
  podMac?: string,
): CniResult {
  const entry = { name: attachment.tapName, mac: tap.mac, mtu: tap.mtu, sandbox: attachment.netns };
  const body = { ...prevResult, interfaces: [...(prevResult?.interfaces ?? []), entry] };
  return convertResult(
    podMac === undefined ? body : withVmInterface(body, attachment, podMac),
    version,
  );
}

/**
 * `result` (ADD's, the tap already appended) plus tc-redirect-tap's pseudo "VM interface",
 * which firecracker-go-sdk's vmconf reads to configure the guest: named like the tap, with the
 * pod interface's MAC (the guest takes over the pod's L2 identity: the redirects move frames
 * unchanged) and the container ID as its sandbox; and a copy of each of the pod interface's
 * IPs (address and gateway) pointing at it. Not converted: addResult converts the whole.
 */
export function withVmInterface(
  result: ResultBody,
  attachment: Attachment,
  podMac: string,
): ResultBody {
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
  return { ...result, interfaces, ...ips };
}
