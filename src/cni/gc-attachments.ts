// The attachments a GC must keep: `cni.dev/valid-attachments` (CNI spec 1.1, "GC").
import { configError } from './errors.js';

/** One attachment the runtime still uses, as (container ID, interface name). */
export interface GcAttachment {
  containerId: string;
  ifname: string;
}

const KEY = 'cni.dev/valid-attachments';
/** The spec draft's name; libcni sends both keys with the same value (containernetworking/cni#1101). */
const DRAFT_KEY = 'cni.dev/attachments';

/**
 * The valid attachments of a GC's config. The spec treats a missing key as an empty list
 * (everything of the network is stale). Anything malformed is refused with code 7 instead of
 * being skipped: an entry we could not read would make its attachment look stale, and GC would
 * remove a pod's network that is still in use.
 */
export function readValidAttachments(config: Record<string, unknown>): GcAttachment[] {
  const key = config[KEY] !== undefined ? KEY : DRAFT_KEY;
  const raw = config[key];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw configError(key, 'must be an array of {containerID, ifname}');
  return raw.map((entry: unknown, i) => {
    const { containerID, ifname } = (entry ?? {}) as Record<string, unknown>;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw configError(`${key}[${i}]`, 'must be an object {containerID, ifname}');
    }
    if (typeof containerID !== 'string' || containerID === '') {
      throw configError(`${key}[${i}].containerID`, 'must be a non-empty string');
    }
    if (typeof ifname !== 'string' || ifname === '') {
      throw configError(`${key}[${i}].ifname`, 'must be a non-empty string');
    }
    return { containerId: containerID, ifname };
  });
}
