// GC (CNI spec 1.1): remove, exactly as DEL would, this network's attachments that the runtime
// no longer lists, wherever on the host their taps are.
import type { GcRequest } from '../cni/network-verbs.js';
import type { VerbRequest } from '../cni/dispatch.js';
import { CniError, ErrorCode, toCniError } from '../cni/errors.js';
import type { LogFields } from '../cni/log-file.js';
import type { Runner } from '../net/exec.js';
import { showLinks } from '../net/iproute.js';
import { listNamespaces } from '../net/namespaces.js';
import { showLinksOfNamedNamespaces } from '../net/named-links.js';
import { netnsStatus } from '../net/netns.js';
import type { Link } from '../net/model.js';
import { parseConfig } from './config.js';
import { aliasNames, parseTapAlias } from './tap-owner.js';

/** Where GC reports what it did (as the verbs' log). */
export type GcLog = (message: string, fields?: LogFields) => void;

/** What GC needs from the plugin: a runner, a log, and DEL itself. */
export interface GcDeps {
  run: Runner;
  log: GcLog;
  /** The plugin's DEL, logging to `log`. */
  del(request: VerbRequest, log: GcLog): Promise<void>;
  /** The namespaces to search; the host's by default. */
  namespaces?: () => string[];
}

/**
 * Finds this network's taps by their alias, in every namespace of the host (named ones, read
 * by one process, and those of running processes: a runtime may never have named a pod's
 * namespace), and runs DEL for each attachment not in `validAttachments`, as the runtime would
 * have: same planner, same lock, same retries. What it leaves alone:
 * - valid attachments, other networks' taps, and devices urunc-tap did not make (no alias);
 * - taps whose alias is the digest form (network, interface and container ID too long for an
 *   alias): the network cannot be read back from a digest, so such a tap is kept unless it is
 *   one of the valid attachments', and reported; `urunc-tap cleanup` removes it by hand.
 * It goes on after a failure and reports them all at the end (spec: "remove as many stale
 * resources as possible").
 */
export async function collectGarbage(deps: GcDeps, request: GcRequest): Promise<void> {
  const config = parseConfig(request.config);
  const network = config.network;
  const valid = request.validAttachments;
  const isValid = (ifname: string, containerId: string) =>
    valid.some((entry) => entry.ifname === ifname && entry.containerId === containerId);
  const failures: CniError[] = [];
  let stale = 0;
  let removed = 0;
  const namespaces = (deps.namespaces ?? listNamespaces)();
  const named = await showLinksOfNamedNamespaces(deps.run).catch((error) => {
    deps.log(`reading all named namespaces at once failed, reading them one by one: ${error}`, {
      level: 'warn',
    });
    return new Map<string, Link[]>();
  });
  const found = await inBatches(namespaces, READERS, async (netns) => {
    const links = named.get(netns);
    return links ? links.filter(isTap) : readTaps(deps, netns, failures);
  });
  for (const [i, netns] of namespaces.entries()) {
    for (const tap of found[i]!) {
      const owner = parseTapAlias(tap.alias);
      if (owner?.kind === 'digest') {
        const known = valid.some((entry) => aliasNames(tap.alias, { network, ...entry }));
        if (!known) {
          deps.log(
            `kept tap ${tap.name} in ${netns}: its alias is a digest, so its network is unknown; remove it with \`urunc-tap cleanup --netns ${netns} --tap ${tap.name}\` if it is stale`,
            { level: 'warn', netns, tap: tap.name },
          );
        }
        continue;
      }
      if (!owner || owner.network !== network || isValid(owner.ifname, owner.containerId)) continue;
      stale++;
      const where = { containerId: owner.containerId, ifname: owner.ifname, netns };
      const log: GcLog = (message, fields) =>
        deps.log(`${owner.containerId}/${owner.ifname} in ${netns}: ${message}`, {
          ...where,
          ...fields,
        });
      log(`stale attachment (tap ${tap.name}), removing it as DEL would`);
      try {
        await deps.del(
          {
            env: { command: 'DEL', ...where, args: new Map(), path: request.path },
            version: request.version,
            config: { ...request.config, tapName: tap.name },
          },
          log,
        );
        removed++;
      } catch (error) {
        const failure = toCniError(error);
        log(`could not remove it: ${failure.message}`, { level: 'error' });
        failures.push(failure);
      }
    }
  }
  deps.log(
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

/**
 * The per-call timeout of GC's reads: reading every named namespace of a busy host with
 * hundreds of pods is one long call (measured ~30 ms a namespace under heavy load), not a hung
 * one; the configured timeoutMs still bounds each DEL.
 */
export const SCAN_TIMEOUT_MS = 120_000;

/** How many namespaces are read at once: a host may have hundreds, each read is a process. */
const READERS = 4;

/** `work` over `items`, at most `width` at a time, results in order. */
async function inBatches<T, R>(
  items: T[],
  width: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) {
    results.push(...(await Promise.all(items.slice(i, i + width).map(work))));
  }
  return results;
}

/** The taps of a namespace; none when it vanished meanwhile (pods come and go during GC). */
async function readTaps(deps: GcDeps, netns: string, failures: CniError[]): Promise<Link[]> {
  try {
    return (await showLinks(deps.run, netns)).filter(isTap);
  } catch (error) {
    if (stillThere(netns)) {
      deps.log(`could not read ${netns}: ${String(error)}`, { level: 'error', netns });
      failures.push(new CniError(ErrorCode.NetlinkFailure, `reading ${netns}: ${String(error)}`));
    } else {
      deps.log(`${netns} vanished while searching`, { level: 'debug', netns });
    }
    return [];
  }
}

function isTap(link: Link): boolean {
  return link.tun?.type === 'tap';
}

function stillThere(netns: string): boolean {
  try {
    return netnsStatus(netns) === 'namespace';
  } catch {
    return false;
  }
}
