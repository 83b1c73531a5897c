// `urunc-tap inspect`: the report of a namespace, for people (default) or scripts (--json).
import type { NetBackend } from '../net/backend.js';
import { DEFAULT_TIMEOUT_MS } from '../plugin/config.js';
import { read } from '../plugin/converge.js';
import { findTaps, searchedNamespaces } from '../plugin/host-search.js';
import { inspect, isProblem, type InspectReport, type InspectScope } from '../plugin/inspect.js';
import type { DeviceReport, TapReport } from '../plugin/inspect-report.js';
import { isUruncTap } from '../plugin/marks.js';
import type { Platform } from '../plugin/platform.js';
import { ExitCode } from './exit-codes.js';
import { namespacePath } from './namespace-arg.js';

/** Options of `urunc-tap inspect`. */
export interface InspectOptions extends InspectScope {
  netns?: string;
  all: boolean;
  json: boolean;
}

/**
 * Prints the report of one namespace, or with --all a line for every namespace of the node
 * that holds urunc-tap's taps (found as GC finds them, by their alias); exit 3 when any verdict
 * is a problem (black-hole, shadowed, broken, orphaned-tap, foreign-filters), else 0.
 */
export async function runInspect(platform: Platform, options: InspectOptions): Promise<number> {
  const backend = platform.backend({ timeoutMs: DEFAULT_TIMEOUT_MS });
  const scope = { tap: options.tap, ifname: options.ifname };
  if (!options.all) {
    const report = inspect(await read(backend, namespacePath(options.netns!)), scope);
    console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return isProblem(report.verdict) ? ExitCode.Problems : ExitCode.Ok;
  }
  const reports = await inspectAll(backend, scope);
  if (options.json) console.log(JSON.stringify({ namespaces: reports }, null, 2));
  else console.log(formatAll(reports));
  return reports.some((report) => isProblem(report.verdict)) ? ExitCode.Problems : ExitCode.Ok;
}

/** The report of every namespace holding a tap of urunc-tap's (one that vanished is skipped). */
async function inspectAll(backend: NetBackend, scope: InspectScope): Promise<InspectReport[]> {
  const reports: InspectReport[] = [];
  for (const { netns } of await findTaps(backend, isUruncTap, await searchedNamespaces())) {
    try {
      reports.push(inspect(await backend.read(netns), scope));
    } catch {
      // Gone since the search: pods come and go.
    }
  }
  return reports.filter((report) => report.verdict !== 'clean');
}

/** One line per namespace: where, whose, which tap, whether a VMM holds it, the verdict. */
function formatAll(reports: InspectReport[]): string {
  if (reports.length === 0) return 'no namespace of this node holds a tap of urunc-tap';
  const lines: string[] = [];
  for (const report of reports) {
    const taps = report.taps.length > 0 ? report.taps : [undefined];
    for (const tap of taps) {
      const owner = !tap
        ? '-'
        : 'digest' in tap.owner
          ? `sha256:${tap.owner.digest.slice(0, 12)}`
          : `${tap.owner.network}/${tap.owner.containerId}/${tap.owner.ifname}`;
      const vmm = !tap ? '-' : tap.vmmAttached ? 'VMM attached' : 'no VMM';
      lines.push(
        `${report.netns}  pod ${owner}  tap ${tap?.name ?? '-'}  ${vmm}  ${report.verdict}`,
      );
    }
    for (const finding of report.findings) lines.push(`    ${finding.kind}: ${finding.message}`);
  }
  return lines.join('\n');
}

/** The report as text. */
export function formatReport(report: InspectReport): string {
  const lines = [`${report.netns}: ${report.verdict}`];
  if (report.verdict === 'waiting-for-vmm') {
    lines.push(
      '  wired as ADD makes it; no VMM holds the tap yet (or since it exited): traffic waits for one',
    );
  }
  for (const finding of report.findings) lines.push(`  ${finding.kind}: ${finding.message}`);
  if (report.taps.length > 0) lines.push('taps:');
  for (const tap of report.taps) lines.push(...formatTap(tap));
  if (report.devices.length > 0) lines.push('devices:');
  for (const device of report.devices) lines.push(...formatDevice(device));
  if (report.verdict === 'clean') lines.push('  nothing of urunc-tap here');
  return lines.join('\n');
}

function formatTap(tap: TapReport): string[] {
  const owner =
    'digest' in tap.owner
      ? `attachment sha256:${tap.owner.digest.slice(0, 16)}...`
      : `network ${tap.owner.network}  ifname ${tap.owner.ifname}  container ${tap.owner.containerId}`;
  const flags = [
    `user ${tap.user ?? '-'}`,
    `group ${tap.group ?? '-'}`,
    `mtu ${tap.mtu}`,
    `mac ${tap.mac}`,
    tap.up ? 'up' : 'DOWN',
    tap.vmmAttached ? 'VMM attached (carrier)' : 'no VMM (no carrier)',
    ...(tap.vnetHdr ? ['vnet_hdr'] : []),
    ...(tap.multiQueue ? ['multi_queue'] : []),
  ];
  return [`  ${tap.name}  ${owner}`, `    ${flags.join('  ')}`];
}

function formatDevice(device: DeviceReport): string[] {
  const flags = [
    device.kind ?? 'device',
    `mtu ${device.mtu}`,
    device.up ? 'up' : 'down',
    device.carrier ? 'carrier' : 'no carrier',
    `qdisc ${device.qdisc ?? '-'}${device.qdiscByUrunctap ? ' (urunc-tap)' : ''}`,
  ];
  const lines = [`  ${device.name}  ${flags.join('  ')}`];
  for (const filter of device.filters) {
    const actions = filter.actions
      .map((a) => [a.kind, a.action, a.direction, a.to && `-> ${a.to}`].filter(Boolean).join(' '))
      .join(', ');
    const owner = filter.urunctap ? 'urunc-tap' : 'foreign';
    lines.push(
      `    pref ${filter.pref} ${filter.kind} ${filter.handle}  ${owner}  ${actions || '-'}`,
    );
  }
  return lines;
}
