// Scenario 5 of the real-VMM tier, the leak audit: cycles of ADD → stand-in VMM attach →
// kill -9 → DEL in one pod namespace leave no link, qdisc, filter, mirred action, process,
// tun handle, plugin file descriptor or state file behind.
//
// Two runs of the same loop (vmm-leak-loop.ts):
// - 1000 cycles through the plugin's CNI entry inside this long-lived process
//   (vmm-in-process-plugin.ts): a descriptor leaked per verb would pile up in /proc/self/fd;
// - 50 cycles of the built executable as a runtime runs it, with fd-probe.mjs reporting the
//   descriptors each plugin process still holds when it exits.
// Slow (minutes), hence a file of its own: leave it out of a quick loop with
// `vitest run --exclude '**/vmm-leak-audit*'`, or shorten it with URUNC_TAP_LEAK_CYCLES
// (in-process) and URUNC_TAP_LEAK_EXEC_CYCLES (exec'd). Under CI=true the in-process run
// always has at least 1000 cycles.
import { readdirSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { cni, netconf, type Outcome } from '../helpers/plugin.js';
import { test } from '../helpers/vmm-fixtures.js';
import { noVm } from '../helpers/vm-tier.js';
import { cniInProcess } from './vmm-in-process-plugin.js';
import { auditCycles, expectNoLeak, printAudit } from './vmm-leak-loop.js';
import { CNI_VERSION } from './vmm-runtime.js';

const FD_PROBE = fileURLToPath(new URL('../helpers/fd-probe.mjs', import.meta.url));
const FD_PROBE_PREFIX = 'urunc-tap-fd-probe: ';

function count(variable: string, fallback: number, ciMinimum = 1): number {
  const value = Number(process.env[variable] ?? fallback);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${variable} must be a positive integer, not "${process.env[variable]}"`);
  }
  return process.env.CI === 'true' ? Math.max(value, ciMinimum) : value;
}
const IN_PROCESS_CYCLES = count('URUNC_TAP_LEAK_CYCLES', 1000, 1000);
const EXEC_CYCLES = count('URUNC_TAP_LEAK_EXEC_CYCLES', 50);

/** This process's descriptors, as "fd=target" lines. */
function ownFds(): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [`${fd}=${readlinkSync(`/proc/self/fd/${fd}`)}`];
    } catch {
      return []; // the directory handle readdirSync used, closed by now
    }
  });
}

/**
 * The descriptors a plugin process held when it exited (fd-probe.mjs), as a comparable
 * multiset: fd and inode numbers dropped ("7=pipe:[123]" → "pipe:[]"), sorted.
 */
function fdsAtExit(outcome: Outcome): string {
  const line = outcome.stderr.split('\n').find((l) => l.startsWith(FD_PROBE_PREFIX));
  if (!line) throw new Error(`no fd probe line in the plugin's stderr:\n${outcome.stderr}`);
  return (JSON.parse(line.slice(FD_PROBE_PREFIX.length)) as string[])
    .map((fd) => fd.replace(/^\d+=/, '').replace(/\[\d+\]/, '[]'))
    .sort()
    .join(' ');
}

describe.skipIf(noVm)('leak audit', () => {
  test(`${IN_PROCESS_CYCLES} × (ADD → stand-in VMM → kill -9 → DEL) through the plugin's CNI entry in one process`, async ({
    pod: makePod,
    tapHolder,
  }) => {
    const pod = await makePod();
    const holder = await tapHolder(pod.netns);
    // One verb first: libuv opens a few descriptors of its own with the first child process
    // (once per process, not per spawn), so the count is taken after a DEL that spawns.
    const warmUp = await cniInProcess({
      command: 'DEL',
      config: netconf(CNI_VERSION),
      netns: pod.netns,
      containerId: 'warm-up',
    });
    expect(warmUp.exitCode, warmUp.stdout).toBe(0);
    const fdsBefore = ownFds();
    const run = await auditCycles({
      label: 'in-process',
      pod,
      holder,
      cycles: IN_PROCESS_CYCLES,
      call: cniInProcess,
    });
    const fdsAfter = ownFds();
    printAudit('in-process', run, [
      `  this process's fds before/after: ${fdsBefore.length}/${fdsAfter.length}`,
    ]);
    expectNoLeak(run);
    expect(fdsAfter).toEqual(fdsBefore);
  }, 3_600_000);

  test(`${EXEC_CYCLES} × (ADD → stand-in VMM → kill -9 → DEL) of the built executable`, async ({
    pod: makePod,
    tapHolder,
  }) => {
    const pod = await makePod();
    const holder = await tapHolder(pod.netns);
    const env = { NODE_OPTIONS: `--import=${FD_PROBE}` };
    const baseline = fdsAtExit(
      await cni({ command: 'VERSION', config: netconf(CNI_VERSION), env }),
    );
    const odd: string[] = [];
    const run = await auditCycles({
      label: 'exec',
      pod,
      holder,
      cycles: EXEC_CYCLES,
      call: cni,
      env,
      checkpointEvery: 25,
      onCall: (verb, cycle, outcome) => {
        const fds = fdsAtExit(outcome);
        if (fds !== baseline) odd.push(`cycle ${cycle} ${verb}: ${fds}`);
      },
    });
    printAudit('exec', run, [
      `  plugin fds at exit: ${baseline.split(' ').length} for VERSION; ` +
        `${2 * EXEC_CYCLES - odd.length}/${2 * EXEC_CYCLES} ADD/DEL processes held exactly those`,
    ]);
    expectNoLeak(run);
    expect(odd).toEqual([]);
  }, 3_600_000);
});
