// `urunc-tap inspect`: what urunc-tap made in a namespace, and whether it works (pure).
import type { Link } from '../net/model.js';
import { REDIRECT_PREF } from './attachment.js';
import { deviceReport, tapReport, type DeviceReport, type TapReport } from './inspect-report.js';
import { isUruncTap, isUruncTapFilter, redirectTarget } from './marks.js';
import type { NamespaceView } from './observe-namespace.js';
import { parseTapAlias, type TapOwner } from './tap-owner.js';

/** Problems, most severe first: the verdict is the first kind found, else healthy or clean. */
export const PROBLEM_KINDS = ['black-hole', 'broken', 'orphaned-tap', 'foreign-filters'] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];
export type Verdict = ProblemKind | 'healthy' | 'clean';

/** One thing wrong, on one device. */
export interface Finding {
  kind: ProblemKind;
  device: string;
  message: string;
}

/** The whole report; its JSON shape is stable (fields are only ever added). */
export interface InspectReport {
  netns: string;
  verdict: Verdict;
  findings: Finding[];
  taps: TapReport[];
  devices: DeviceReport[];
}

/** What to look at: one tap, one pod interface, or (default) everything. */
export interface InspectScope {
  tap?: string;
  ifname?: string;
}

/**
 * Judges a namespace. A black hole is a redirect of ours that drops the pod's traffic: to a
 * deleted device (`*`), or to a tap without carrier, which no VMM holds (frames sent to it are
 * dropped). An orphaned tap is one of ours that no redirect feeds, or whose pod interface is
 * gone. Broken is anything else of ours that is not as ADD makes it. Foreign filters are
 * other programs' filters on a device that carries our redirect (those at a lower pref run
 * before ours and may take its traffic).
 */
export function inspect(view: NamespaceView, scope: InspectScope = {}): InspectReport {
  const byName = new Map(view.links.map((link) => [link.name, link]));
  const ownerOf = (link: Link) => parseTapAlias(link.alias);
  const taps = view.links.filter(
    (link) =>
      isUruncTap(link) &&
      (!scope.tap || link.name === scope.tap) &&
      (!scope.ifname || ifnameOf(ownerOf(link)) === scope.ifname),
  );
  const tapNames = new Set(taps.map((tap) => tap.name));
  const hookOf = (name: string) => view.hooks.get(name) ?? { qdisc: undefined, filters: [] };
  const findings: Finding[] = [];
  const found = (kind: ProblemKind, device: string, message: string) =>
    findings.push({ kind, device, message });

  // Pod-side devices: every non-tap device holding a filter of ours, within the scope.
  const podDevices = view.links.filter((link) => {
    if (isUruncTap(link)) return false;
    if (scope.ifname && link.name !== scope.ifname) return false;
    const ours = hookOf(link.name).filters.filter(isUruncTapFilter);
    if (ours.length === 0) return scope.ifname === link.name;
    return !scope.tap || ours.some((f) => [scope.tap, '*'].includes(redirectTarget(f)));
  });
  for (const dev of podDevices) {
    const { filters } = hookOf(dev.name);
    const ours = filters.filter(isUruncTapFilter);
    if (ours.length > 1)
      found('broken', dev.name, `${dev.name} has ${ours.length} urunc-tap redirects, expected 1`);
    for (const filter of ours) {
      const target = redirectTarget(filter);
      const tap = target === undefined ? undefined : byName.get(target);
      if (target === '*') {
        found(
          'black-hole',
          dev.name,
          `${dev.name} redirects to a deleted device: every frame arriving on ${dev.name} is dropped`,
        );
      } else if (!tap || !isUruncTap(tap)) {
        found(
          'broken',
          dev.name,
          `${dev.name}'s urunc-tap redirect points at ${target ?? 'nothing'}, which is not a urunc-tap tap`,
        );
      } else if (!tap.carrier) {
        found(
          'black-hole',
          dev.name,
          `${dev.name} redirects to ${tap.name}, which no VMM holds (no carrier): ${dev.name}'s traffic is dropped until a VMM opens it`,
        );
      }
    }
    const foreign = filters.filter((filter) => !isUruncTapFilter(filter));
    if (ours.length > 0 && foreign.length > 0) {
      const first = foreign.filter((filter) => filter.pref < REDIRECT_PREF).length;
      found(
        'foreign-filters',
        dev.name,
        `${dev.name} has ${foreign.length} filters not made by urunc-tap (${first} run before its redirect)`,
      );
    }
  }
  for (const tap of taps) {
    const owner = ownerOf(tap);
    const podName = ifnameOf(owner);
    const fed = view.links.some(
      (link) =>
        !isUruncTap(link) &&
        hookOf(link.name).filters.some(
          (f) => isUruncTapFilter(f) && redirectTarget(f) === tap.name,
        ),
    );
    if (podName && !byName.has(podName)) {
      found(
        'orphaned-tap',
        tap.name,
        `${tap.name} belongs to pod interface ${podName}, which is gone`,
      );
      continue;
    }
    if (!fed) {
      found(
        'orphaned-tap',
        tap.name,
        `no urunc-tap redirect feeds ${tap.name}: the pod's traffic never reaches it`,
      );
    }
    const back = hookOf(tap.name).filters.filter(isUruncTapFilter).map(redirectTarget);
    if (back.length === 0)
      found(
        'broken',
        tap.name,
        `${tap.name} has no redirect back to the pod interface: the guest's frames go nowhere`,
      );
    else if (back.includes('*'))
      found(
        'broken',
        tap.name,
        `${tap.name} redirects to a deleted device: the guest's frames are dropped`,
      );
    if (!tap.up) found('broken', tap.name, `${tap.name} is down`);
  }
  const shown = new Set([...tapNames, ...podDevices.map((dev) => dev.name)]);
  const devices = view.links
    .filter(
      (link) => shown.has(link.name) || (!scope.tap && !scope.ifname && hookOf(link.name).qdisc),
    )
    .map((link) => deviceReport(link, hookOf(link.name)));
  const kinds = new Set(findings.map((finding) => finding.kind));
  const anythingOurs =
    taps.length > 0 || podDevices.some((dev) => hookOf(dev.name).filters.some(isUruncTapFilter));
  const verdict: Verdict =
    PROBLEM_KINDS.find((kind) => kinds.has(kind)) ?? (anythingOurs ? 'healthy' : 'clean');
  return { netns: view.netns, verdict, findings, taps: taps.map(tapReport), devices };
}

function ifnameOf(owner: TapOwner | undefined): string | undefined {
  return owner?.kind === 'attachment' ? owner.ifname : undefined;
}
