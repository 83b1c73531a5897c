// The leak audit's loop: cycles of ADD → stand-in VMM attaches → kill -9 → DEL in one pod
// namespace, with the namespace's census and the state files taken before and after.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { namespaceCensus, type NamespaceCensus } from '../helpers/leak-census.js';
import type { Pod } from '../helpers/netns.js';
import { netconf, type Invocation, type Outcome } from '../helpers/plugin.js';
import { stateFiles, type StateFiles } from '../helpers/state-files.js';
import { IFF_PERSIST, type TapHolder } from '../helpers/tap-holder.js';
import { waitFor } from '../helpers/wait.js';
import { CNI_VERSION } from './vmm-runtime.js';

/** How the plugin is called: the built executable (`cni`) or in-process (`cniInProcess`). */
export type Caller = (invocation: Invocation) => Promise<Outcome>;

export interface AuditSnapshot {
  pod: NamespaceCensus;
  node: NamespaceCensus;
  holderFds: string[];
  files: StateFiles;
}

export interface AuditRun {
  before: AuditSnapshot;
  after: AuditSnapshot;
  seconds: number;
  addMs: number[];
  delMs: number[];
  checkpoints: string[];
}

/** The census without what the kernel updates lazily (mirred actions linger ~1 s). */
const settled = ({ mirredActions: _, ...rest }: NamespaceCensus) => rest;

/**
 * Runs `cycles` cycles. Each cycle has its own container ID, as each pod sandbox would: a tap
 * or filter left by one cycle would then make the next ADD fail (the name is taken by another
 * attachment) instead of being silently reused. `onCall` sees every ADD and DEL outcome.
 */
export async function auditCycles(options: {
  label: string;
  pod: Pod;
  holder: TapHolder;
  cycles: number;
  call: Caller;
  env?: Record<string, string>;
  onCall?: (verb: 'ADD' | 'DEL', cycle: number, outcome: Outcome) => void;
  checkpointEvery?: number;
}): Promise<AuditRun> {
  const { label, pod, holder, cycles, call, env = {} } = options;
  // Strings only this audit's plugin calls see: a state file of ours would hold one of them.
  // Never printed, or the scan would find them in a captured log.
  const token = randomBytes(8).toString('hex');
  const config = netconf(CNI_VERSION, { name: `leak-${token}` });
  const since = Date.now();
  const snapshot = async (): Promise<AuditSnapshot> => ({
    pod: await namespaceCensus(pod.ns),
    node: await namespaceCensus(pod.nodeNs),
    holderFds: await holder.fds(),
    files: stateFiles([token], since),
  });

  const before = await snapshot();
  expect(before.pod).toMatchObject({ mirredActions: 0, pids: [holder.pid], tunFds: 0 });
  const addMs: number[] = [];
  const delMs: number[] = [];
  const checkpoints: string[] = [];
  const every = options.checkpointEvery ?? 250;
  const started = performance.now();
  for (let cycle = 1; cycle <= cycles; cycle++) {
    const containerId = `leak-${token}-${cycle}`;
    let t = performance.now();
    const added = await call({ command: 'ADD', config, netns: pod.netns, containerId, env });
    addMs.push(performance.now() - t);
    expect(added.exitCode, `cycle ${cycle} ADD: ${added.stdout}${added.stderr}`).toBe(0);
    const tap = added.json.interfaces.at(-1);
    expect(tap.sandbox).toBe(pod.netns);

    const vmm = await holder.attach(tap.name);
    // The stand-in found the plugin's persistent tap (TUNSETIFF would create a throwaway one
    // if it were missing, which would hide a failed ADD).
    expect(vmm.flags & IFF_PERSIST, `cycle ${cycle}: tap not persistent`).toBe(IFF_PERSIST);
    expect((await holder.killVmm()).signal).toBe(9);

    t = performance.now();
    const deleted = await call({
      command: 'DEL',
      config: { ...config, prevResult: added.json },
      netns: pod.netns,
      containerId,
      env,
    });
    delMs.push(performance.now() - t);
    expect(deleted.exitCode, `cycle ${cycle} DEL: ${deleted.stdout}${deleted.stderr}`).toBe(0);
    expect(deleted.stdout).toBe('');
    options.onCall?.('ADD', cycle, added);
    options.onCall?.('DEL', cycle, deleted);

    if (cycle % every === 0 || cycle === cycles) {
      const census = await namespaceCensus(pod.ns);
      checkpoints.push(`${cycle}: ${JSON.stringify(settled(census))}`);
      expect(settled(census), `census after cycle ${cycle}`).toEqual(settled(before.pod));
      const elapsed = ((performance.now() - started) / 1000).toFixed(1);
      console.info(`leak audit (${label}): ${cycle}/${cycles} cycles in ${elapsed} s`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  // Deleted actions can stay listed for ~1 s after their filter goes: poll.
  await waitFor(async () => (await namespaceCensus(pod.ns)).mirredActions, 0, 5000);
  return { before, after: await snapshot(), seconds, addMs, delMs, checkpoints };
}

/** Prints the counts before and after, and the timings. */
export function printAudit(label: string, run: AuditRun, extra: string[] = []): void {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const max = (values: number[]) => Math.max(...values);
  const { before, after } = run;
  console.info(
    [
      `leak audit (${label}): ${run.addMs.length} cycles in ${run.seconds.toFixed(1)} s ` +
        `(ADD median ${median(run.addMs).toFixed(0)} ms, max ${max(run.addMs).toFixed(0)} ms; ` +
        `DEL median ${median(run.delMs).toFixed(0)} ms, max ${max(run.delMs).toFixed(0)} ms)`,
      `  pod namespace before: ${JSON.stringify(before.pod)}`,
      `  pod namespace after:  ${JSON.stringify(after.pod)}`,
      `  node namespace before: ${JSON.stringify(before.node)}`,
      `  node namespace after:  ${JSON.stringify(after.node)}`,
      `  stand-in VMM holder fds before/after: ${before.holderFds.length}/${after.holderFds.length}`,
      ...extra,
      `  state files before: ${JSON.stringify(before.files.counts)}`,
      `  state files after:  ${JSON.stringify(after.files.counts)}`,
      `  state files naming this audit's network or containers: ` +
        `before ${before.files.mentioning.length}, after ${after.files.mentioning.length}`,
      `  files in CNI and urunc-tap state directories: ` +
        `before ${JSON.stringify(before.files.pluginFiles)}, after ${JSON.stringify(after.files.pluginFiles)}`,
      `  checkpoints: ${run.checkpoints.join('; ')}`,
    ].join('\n'),
  );
}

/** The after-state of an audit equals its before-state, everywhere it was counted. */
export function expectNoLeak(run: AuditRun): void {
  const { before, after } = run;
  expect(after.pod).toEqual(before.pod);
  expect(after.node).toEqual(before.node);
  expect(after.holderFds).toEqual(before.holderFds);
  expect(after.files.mentioning).toEqual([]);
  // No new file in CNI's or urunc-tap's state directories, bar the STATUS verdict cache (one
  // file per environment, which other test files' STATUS calls may create meanwhile).
  const statusCache = /^\/run\/urunc-tap\/status-[^/]*\.json$/;
  const newFiles = after.files.pluginFiles.filter(
    (path) => !before.files.pluginFiles.includes(path) && !statusCache.test(path),
  );
  expect(newFiles).toEqual([]);
}
