// Can this host serve ADD? The checks behind STATUS and `urunc-tap doctor`.
import type { Runner, Tool } from '../net/exec.js';
import { PROBE_STEPS, probeKernel, type ProbeFailure, type ProbeStep } from '../net/probe.js';
import { withScratchNetns } from '../net/scratch-netns.js';
import { checkTool, type ToolCheck } from '../net/tools.js';
import { tunDeviceProblem, TUN_DEVICE } from '../net/tun-device.js';

/** One requirement and how it went; `fix` says what to install or load when it failed. */
export interface HostCheck {
  name: string;
  state: 'ok' | 'failed' | 'skipped';
  detail: string;
  fix?: string;
}

const AS_ROOT = 'run it as root (it needs CAP_NET_ADMIN and CAP_SYS_ADMIN)';

/** What fixes each failed check on Debian and derivatives. */
const FIXES: Record<string, string> = {
  nsenter: 'apt-get install util-linux',
  ip: 'apt-get install iproute2',
  tc: 'apt-get install iproute2',
  [TUN_DEVICE]: 'modprobe tun (in a container: pass the host device /dev/net/tun in)',
  netns: AS_ROOT,
  tap: 'modprobe tun',
  ingress: 'modprobe sch_ingress',
  u32: 'modprobe cls_u32',
  mirred: 'modprobe act_mirred',
};

const PROBED: Record<ProbeStep, string> = {
  tap: 'created a persistent tap with vnet_hdr and set it up',
  ingress: 'added an ingress qdisc',
  u32: 'added a u32 match-all filter',
  mirred: 'added a u32 filter with a mirred egress redirect and an action cookie',
};

/**
 * Runs every check, in order: the programs (through nsenter, as the verbs run them), the tun
 * device, then the kernel features, tried for real in a throwaway namespace. A check whose
 * prerequisite failed is skipped rather than reported as a second, misleading failure.
 */
export async function hostChecks(run: Runner): Promise<HostCheck[]> {
  const tools: Array<[Tool, ToolCheck]> = [
    ['ip', await checkTool(run, 'ip')],
    ['tc', await checkTool(run, 'tc')],
  ];
  const failures = tools.flatMap(([, check]) => (check.ok ? [] : [check]));
  const nsenter = failures.find((check) => check.problem !== 'tool-missing');
  const checks: HostCheck[] = [
    nsenter?.problem === 'nsenter-missing'
      ? failed('nsenter', 'not found on PATH')
      : nsenter?.problem === 'not-permitted'
        ? { ...failed('nsenter', `cannot enter a namespace: ${nsenter.message}`), fix: AS_ROOT }
        : ok('nsenter', 'enters network namespaces'),
  ];
  for (const [tool, check] of tools) {
    if (check.ok) checks.push(ok(tool, check.version));
    else if (check.problem === 'tool-missing') checks.push(failed(tool, 'not found on PATH'));
    else if (check.problem === 'failed') checks.push(failed(tool, check.message));
    else checks.push(skipped(tool));
  }
  const tun = tunDeviceProblem();
  checks.push(tun ? failed(TUN_DEVICE, tun) : ok(TUN_DEVICE, 'character device'));
  if (checks.some((check) => check.state === 'failed')) {
    return [...checks, skipped('netns'), ...PROBE_STEPS.map(skipped)];
  }
  return [...checks, ...(await kernelChecks(run))];
}

/** The scratch namespace and the probe steps inside it. */
async function kernelChecks(run: Runner): Promise<HostCheck[]> {
  let failure: ProbeFailure | undefined;
  try {
    failure = await withScratchNetns(run, (netns) => probeKernel(run, netns));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return [
      failed('netns', `cannot create a scratch namespace: ${message}`),
      ...PROBE_STEPS.map(skipped),
    ];
  }
  const failedAt = failure ? PROBE_STEPS.indexOf(failure.step) : PROBE_STEPS.length;
  return [
    ok('netns', 'created and deleted a scratch namespace'),
    ...PROBE_STEPS.map((step, i) =>
      i < failedAt
        ? ok(step, PROBED[step])
        : i === failedAt
          ? probeFailed(step, failure!)
          : skipped(step),
    ),
  ];
}

function probeFailed(step: ProbeStep, failure: ProbeFailure): HostCheck {
  const check = failed(step, failure.error.message);
  return /Operation not permitted/i.test(failure.error.stderr) ? { ...check, fix: AS_ROOT } : check;
}

function ok(name: string, detail: string): HostCheck {
  return { name, state: 'ok', detail };
}

function failed(name: string, detail: string): HostCheck {
  return { name, state: 'failed', detail, fix: FIXES[name] };
}

function skipped(name: string): HostCheck {
  return { name, state: 'skipped', detail: 'not checked: an earlier check failed' };
}
