// Removing one attachment, wherever it is: DEL's work, also run by GC for stale attachments.
import type { NetBackend } from '../net/backend.js';
import type { NetnsStatus } from '../net/netns.js';
import { withAttachmentLock } from './attachment-lock.js';
import { apply, converge, netError, read, retryLogger } from './converge.js';
import { findTaps, searchedNamespaces } from './host-search.js';
import { holdsAttachment, isAttachmentTap, type AttachmentId } from './marks.js';
import { planDel } from './plan-del.js';
import type { Log, Platform } from './platform.js';

/**
 * Removes what carries the attachment's marks in `netns`, under its lock. When `netns` no
 * longer leads to the namespace (it is gone, not a namespace, unreadable, the plugin's own, or
 * a /proc/PID path whose PID now belongs to another process while a VMM still pins the pod's
 * namespace), it looks for the attachment's tap in every namespace of the host instead, and
 * removes it where it is. An empty `netns` is the runtime saying the namespace is gone.
 */
export async function deleteAttachment(
  platform: Platform,
  log: Log,
  id: AttachmentId,
  netns: string,
  timeoutMs: number,
): Promise<void> {
  // An empty CNI_NETNS is the runtime saying the namespace is gone (containerd's second DEL of
  // every pod, after the first one cleaned up): nothing to search for, nothing to lock.
  if (!netns) {
    log('CNI_NETNS is empty: the namespace is gone, nothing to do');
    return;
  }
  await withAttachmentLock(id, platform.bindLock, async () => {
    const backend = platform.backend({ timeoutMs });
    const status = platform.netnsStatus(netns);
    if (status === 'namespace') {
      const held = await deleteIn(backend, id, netns, log);
      // A /proc/PID path may now lead to another process's namespace: then ours is elsewhere.
      if (held || !netns.startsWith('/proc/')) return;
    }
    const why = status === 'namespace' ? 'holds nothing of this attachment' : NETNS_STATUS[status];
    const namespaces = await searchedNamespaces(platform);
    const found = await findTaps(backend, (link) => isAttachmentTap(id, link), namespaces);
    log(
      `CNI_NETNS ${netns} ${why}: searched the host's namespaces for this attachment's tap, found it in ${found.length}`,
    );
    for (const { netns: where } of found) await deleteIn(backend, id, where, log);
  });
}

/** What a namespace path that is not a usable namespace is, in words. */
export const NETNS_STATUS: Record<Exclude<NetnsStatus, 'namespace'>, string> = {
  missing: 'does not exist',
  'not-a-namespace': 'is not a network namespace',
  own: "is the plugin's own namespace",
  unreadable: 'cannot be read',
};

/** Removal in one namespace; resolves to whether it held anything of the attachment. */
async function deleteIn(
  backend: NetBackend,
  id: AttachmentId,
  netns: string,
  log: Log,
): Promise<boolean> {
  let held = false;
  const outcome = await converge({
    read: () => read(backend, netns),
    plan: (snapshot) => {
      held ||= holdsAttachment(snapshot, id);
      return planDel(snapshot, id);
    },
    apply: (changes) => apply(backend, netns, changes, log),
    onRetry: retryLogger(log),
  });
  if (!outcome.ok) throw netError(outcome.error, 'removing the tap wiring');
  if (outcome.changes.length === 0) log(`nothing of ours left to remove in ${netns}`);
  return held;
}
