// GC (CNI spec 1.1): remove, exactly as DEL would, this network's attachments that the runtime
// no longer lists, wherever on the host their taps are.
import { CniError, toCniError } from '../cni/errors.js';
import type { GcRequest } from '../cni/plugin-api.js';
import { parseConfig } from './config.js';
import { deleteAttachment } from './delete.js';
import { findTaps, searchedNamespaces } from './host-search.js';
import { isUruncTap, parseTapAlias, tapAlias } from './marks.js';
import type { Log, Platform } from './platform.js';

/**
 * The per-call timeout of GC's reads: reading every namespace of a busy host with hundreds of
 * pods is one long call (measured ~30 ms a namespace under heavy load), not a hung one; the
 * configured timeoutMs still bounds each removal.
 */
export const SCAN_TIMEOUT_MS = 120_000;

/**
 * Finds this network's taps by their alias, in every namespace of the host, and removes each
 * attachment not in `validAttachments` as DEL would: same planner, same lock, same retries.
 * What it leaves alone:
 * - valid attachments, other networks' taps, and devices urunc-tap did not make (no alias);
 * - taps whose alias is the digest form (network, interface and container ID too long for an
 *   alias): the network cannot be read back from a digest, so such a tap is kept unless it is
 *   one of the valid attachments', and reported; `urunc-tap cleanup` removes it by hand.
 * It goes on after a failure and reports them all at the end (spec: "remove as many stale
 * resources as possible").
 */
export async function collectGarbage(
  platform: Platform,
  log: Log,
  request: GcRequest,
): Promise<void> {
  const config = parseConfig(request.config);
  const { network } = config;
  const valid = request.validAttachments;
  const isValid = (ifname: string, containerId: string) =>
    valid.some((entry) => entry.ifname === ifname && entry.containerId === containerId);
  const backend = platform.backend({ timeoutMs: Math.max(config.timeoutMs, SCAN_TIMEOUT_MS) });
  const namespaces = await searchedNamespaces(platform);
  const found = await findTaps(backend, isUruncTap, namespaces);
  const failures: CniError[] = [];
  let stale = 0;
  let removed = 0;
  for (const { netns, taps } of found) {
    for (const tap of taps) {
      const owner = parseTapAlias(tap.alias);
      if (owner?.kind === 'digest') {
        const known = valid.some((entry) => tapAlias({ network, ...entry }) === tap.alias);
        if (!known) {
          log(
            `kept tap ${tap.name} in ${netns}: its alias is a digest, so its network is unknown; remove it with \`urunc-tap cleanup --netns ${netns} --tap ${tap.name}\` if it is stale`,
            { level: 'warn', netns, tap: tap.name },
          );
        }
        continue;
      }
      if (!owner || owner.network !== network || isValid(owner.ifname, owner.containerId)) continue;
      stale++;
      const where = { containerId: owner.containerId, ifname: owner.ifname, netns };
      const attachmentLog: Log = (message, fields) =>
        log(`${owner.containerId}/${owner.ifname} in ${netns}: ${message}`, {
          ...where,
          ...fields,
        });
      attachmentLog(`stale attachment (tap ${tap.name}), removing it as DEL would`);
      try {
        await deleteAttachment(platform, attachmentLog, owner, netns, config.timeoutMs);
        removed++;
      } catch (error) {
        const failure = toCniError(error);
        attachmentLog(`could not remove it: ${failure.message}`, { level: 'error' });
        failures.push(failure);
      }
    }
  }
  log(
    `searched ${namespaces.length} namespaces: removed ${removed} of ${stale} stale attachments of ${network}`,
    { level: failures.length ? 'warn' : 'info' },
  );
  if (failures.length > 0) {
    throw new CniError(
      failures[0]!.code,
      `GC met ${failures.length} failures (removed ${removed} of ${stale} stale attachments): ${failures[0]!.message}`,
      failures.map((failure) => failure.message).join('\n'),
    );
  }
}
