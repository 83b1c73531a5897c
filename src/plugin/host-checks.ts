// Can this host serve ADD? STATUS's cheap checks, and `urunc-tap doctor`'s full probe.
import { PROBE_STEPS, type NetBackend, type ProbeStep, type Requirement } from '../net/backend.js';
import { hostRequirements } from '../net/host.js';

/** One requirement and how it went; `fix` says what to install or change when it failed. */
export interface HostCheck {
  name: string;
  state: 'ok' | 'failed' | 'skipped';
  detail: string;
  fix?: string;
}

const PROBED: Record<ProbeStep, string> = {
  netns: 'created a throwaway network namespace',
  tap: 'created a persistent tap with vnet_hdr and set it up',
  ingress: 'added an ingress qdisc with a size table',
  u32: 'added a u32 match-all filter',
  mirred: 'added a u32 filter with a mirred egress redirect and an action cookie',
};

/** What fixes a failed probe step, on Debian and derivatives. */
const PROBE_FIXES: Record<ProbeStep, string> = {
  netns: 'run it as root (it needs CAP_NET_ADMIN and CAP_SYS_ADMIN)',
  tap: 'modprobe tun',
  ingress: 'modprobe sch_ingress',
  u32: 'modprobe cls_u32',
  mirred: 'modprobe act_mirred',
};

/**
 * STATUS's checks: only what ADD needs and can actually fail for, read from a few files and one
 * socket: what the backend needs (its programs, or a netlink socket), the tun device, the
 * capabilities, the kernel modules. Nothing is created.
 */
export function readinessChecks(backend: NetBackend): HostCheck[] {
  return [...backend.requirements(), ...hostRequirements()].map(fromRequirement);
}

/**
 * `doctor`: the readiness checks, then the kernel features tried for real in a throwaway
 * namespace. A step whose prerequisite failed is skipped rather than reported as a second,
 * misleading failure.
 */
export async function doctorChecks(backend: NetBackend): Promise<HostCheck[]> {
  const checks = readinessChecks(backend);
  if (checks.some((check) => check.state === 'failed')) {
    return [...checks, ...PROBE_STEPS.map(skipped)];
  }
  const failure = await backend.probe();
  const failedAt = failure ? PROBE_STEPS.indexOf(failure.step) : PROBE_STEPS.length;
  return [
    ...checks,
    ...PROBE_STEPS.map((step, i): HostCheck => {
      if (i < failedAt) return { name: step, state: 'ok', detail: PROBED[step] };
      if (i > failedAt) return skipped(step);
      const notPermitted = /EPERM|EACCES|not permitted/i.test(
        `${failure!.error.errno} ${failure!.error.detail}`,
      );
      return {
        name: step,
        state: 'failed',
        detail: failure!.error.message,
        fix: notPermitted ? PROBE_FIXES.netns : PROBE_FIXES[step],
      };
    }),
  ];
}

function fromRequirement(requirement: Requirement): HostCheck {
  const { name, ok, detail, fix } = requirement;
  return ok
    ? { name, state: 'ok', detail }
    : { name, state: 'failed', detail, ...(fix ? { fix } : {}) };
}

function skipped(name: string): HostCheck {
  return { name, state: 'skipped', detail: 'not checked: an earlier check failed' };
}
