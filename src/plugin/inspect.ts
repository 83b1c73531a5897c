// `urunc-tap inspect`: what urunc-tap made in a namespace, and whether it works (pure).
import { hookOf, linkNamed, type NamespaceSnapshot } from '../net/model.js';
import { deviceReport, tapReport, type DeviceReport, type TapReport } from './inspect-report.js';
import {
  isUruncTap,
  isUruncTapFilter,
  isUruncTapIn,
  parseTapAlias,
  REDIRECT_PREF,
  redirectTarget,
  targetsDeletedDevice,
  type TapScope,
} from './marks.js';
import { shadowing } from './plan-add.js';

/** Problems, most severe first: the verdict is the first kind found. */
const PROBLEM_KINDS = [
  'black-hole',
  'shadowed',
  'broken',
  'orphaned-tap',
  'foreign-filters',
] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

/**
 * The verdicts: a problem kind, or `waiting-for-vmm` (wired as ADD makes it, but no VMM holds
 * the tap yet, or any more: traffic to the pod is dropped until one attaches, which is normal
 * between ADD and the VMM's start and while a crashed VMM restarts), `healthy`, or `clean`.
 */
export type Verdict = ProblemKind | 'waiting-for-vmm' | 'healthy' | 'clean';

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
export type InspectScope = TapScope;

/** Whether a verdict is one an operator has to act on (`inspect` exits 3). */
export function isProblem(verdict: Verdict): verdict is ProblemKind {
  return (PROBLEM_KINDS as readonly string[]).includes(verdict);
}

/**
 * Judges a namespace. A black hole drops the pod's traffic for good: a redirect to a deleted
 * device (`*`) on a device of ours, whoever made it. Shadowed: a foreign match-all filter runs
 * before our redirect and takes every packet. An orphaned tap is one of ours that no redirect
 * feeds, or whose pod interface is gone. Broken is anything else of ours not as ADD makes it.
 * Foreign filters are other programs' filters beside our redirect that do not take everything.
 * A wiring that is right but whose tap no VMM holds is `waiting-for-vmm`, not a problem.
 */
export function inspect(snapshot: NamespaceSnapshot, scope: InspectScope = {}): InspectReport {
  const taps = snapshot.links.filter((link) => isUruncTapIn(scope, link));
  const filtersOf = (name: string) => hookOf(snapshot, name).filters;
  const findings: Finding[] = [];
  const found = (kind: ProblemKind, device: string, message: string) =>
    findings.push({ kind, device, message });

  // Pod-side devices: every non-tap device holding a filter of ours, within the scope.
  const podDevices = snapshot.links.filter((link) => {
    if (isUruncTap(link)) return false;
    if (scope.ifname && link.name !== scope.ifname) return false;
    const ours = filtersOf(link.name).filter(isUruncTapFilter);
    if (ours.length === 0) return scope.ifname === link.name;
    return !scope.tap || ours.some((f) => [scope.tap, '*'].includes(redirectTarget(f)));
  });
  let waiting = false;
  for (const dev of podDevices) {
    const filters = filtersOf(dev.name);
    const ours = filters.filter(isUruncTapFilter);
    const foreign = filters.filter((filter) => !isUruncTapFilter(filter));
    if (ours.length > 1)
      found('broken', dev.name, `${dev.name} has ${ours.length} urunc-tap redirects, expected 1`);
    for (const filter of filters.filter(targetsDeletedDevice)) {
      const whose = isUruncTapFilter(filter) ? "urunc-tap's" : 'a foreign';
      found(
        'black-hole',
        dev.name,
        `${dev.name} has ${whose} redirect to a deleted device (pref ${filter.pref}): every frame it takes is dropped`,
      );
    }
    for (const filter of ours) {
      const target = redirectTarget(filter);
      if (target === '*') continue;
      const tap = target === undefined ? undefined : linkNamed(snapshot, target);
      if (!tap || !isUruncTap(tap)) {
        found(
          'broken',
          dev.name,
          `${dev.name}'s urunc-tap redirect points at ${target ?? 'nothing'}, which is not a urunc-tap tap`,
        );
      } else if (!tap.carrier) {
        waiting = true;
      }
    }
    if (ours.length === 0) continue;
    const others = foreign.filter((filter) => !targetsDeletedDevice(filter));
    for (const message of shadowing(dev.name, others)) found('shadowed', dev.name, message);
    if (
      others.length > 0 &&
      !findings.some((f) => f.kind === 'shadowed' && f.device === dev.name)
    ) {
      const first = others.filter((filter) => filter.pref < REDIRECT_PREF).length;
      found(
        'foreign-filters',
        dev.name,
        `${dev.name} has ${others.length} filters not made by urunc-tap (${first} run before its redirect)`,
      );
    }
  }
  for (const tap of taps) {
    const owner = parseTapAlias(tap.alias);
    const podName = owner?.kind === 'attachment' ? owner.ifname : undefined;
    const fed = snapshot.links.some(
      (link) =>
        !isUruncTap(link) &&
        filtersOf(link.name).some((f) => isUruncTapFilter(f) && redirectTarget(f) === tap.name),
    );
    if (podName && !linkNamed(snapshot, podName)) {
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
    for (const filter of filtersOf(tap.name)) {
      if (isUruncTapFilter(filter) || !targetsDeletedDevice(filter)) continue;
      found(
        'black-hole',
        tap.name,
        `${tap.name} has a foreign redirect to a deleted device (pref ${filter.pref}): the guest's frames it takes are dropped`,
      );
    }
    const back = filtersOf(tap.name).filter(isUruncTapFilter).map(redirectTarget);
    if (back.length === 0)
      found(
        'broken',
        tap.name,
        `${tap.name} has no redirect back to the pod interface: the guest's frames go nowhere`,
      );
    else if (back.includes('*'))
      found(
        'black-hole',
        tap.name,
        `${tap.name} redirects to a deleted device: the guest's frames are dropped`,
      );
    if (!tap.up) found('broken', tap.name, `${tap.name} is down`);
  }
  const shown = new Set([...taps, ...podDevices].map((link) => link.name));
  const devices = snapshot.links
    .filter(
      (link) =>
        shown.has(link.name) || (!scope.tap && !scope.ifname && snapshot.hooks.has(link.name)),
    )
    .map((link) => deviceReport(link, hookOf(snapshot, link.name)));
  const kinds = new Set(findings.map((finding) => finding.kind));
  const anythingOurs =
    taps.length > 0 || podDevices.some((dev) => filtersOf(dev.name).some(isUruncTapFilter));
  const verdict: Verdict =
    PROBLEM_KINDS.find((kind) => kinds.has(kind)) ??
    (!anythingOurs ? 'clean' : waiting ? 'waiting-for-vmm' : 'healthy');
  return { netns: snapshot.netns, verdict, findings, taps: taps.map(tapReport), devices };
}
