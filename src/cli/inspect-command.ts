// `urunc-tap inspect`: the report of a namespace, for people (default) or scripts (--json).
import { createRunner } from '../net/exec.js';
import { netError } from '../plugin/apply.js';
import { inspect, type InspectReport, type InspectScope } from '../plugin/inspect.js';
import type { DeviceReport, TapReport } from '../plugin/inspect-report.js';
import { observeNamespace } from '../plugin/observe-namespace.js';
import { ExitCode } from './exit-codes.js';
import { namespacePath } from './namespace-arg.js';

/** Options of `urunc-tap inspect`. */
export interface InspectOptions extends InspectScope {
  netns: string;
  json: boolean;
}

/** Prints the report; exit 0 when healthy or clean, 3 when it found problems. */
export async function runInspect(options: InspectOptions): Promise<number> {
  const netns = namespacePath(options.netns);
  const run = createRunner();
  const view = await observeNamespace(run, netns).catch((error) => {
    throw netError(error, `reading ${netns}`);
  });
  const report = inspect(view, { tap: options.tap, ifname: options.ifname });
  console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.verdict === 'healthy' || report.verdict === 'clean'
    ? ExitCode.Ok
    : ExitCode.Problems;
}

/** The report as text. */
export function formatReport(report: InspectReport): string {
  const lines = [`${report.netns}: ${report.verdict}`];
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
    `qdisc ${device.qdisc ?? '-'}`,
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
