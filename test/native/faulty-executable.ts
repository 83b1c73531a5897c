// The entry of a test-only twin of the shipped executable (build/test/urunc-tap-faults): the
// same plugin on the same netlink backend, except that URUNC_TAP_TEST_FAULT (JSON, see
// NativeFault in test/helpers/faults.ts) makes one chosen read or change fail, hang, or meet a
// VMM racing it, so the verbs' retry and rollback are tested against the real kernel with the
// backend the product ships. The product itself contains none of this.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { nativeStdio } from '../../src/stdio-native.js';
import { runEntry } from '../../src/entry.js';
import type { BackendFactory } from '../../src/net/backend.js';
import { shellEquivalent, type Change } from '../../src/net/changes.js';
import { NetError } from '../../src/net/errors.js';
import { createPlugin, platform } from '../../src/platform-native.js';

/** Where and how to fail (the JSON of URUNC_TAP_TEST_FAULT). */
interface NativeFault {
  /** Which backend call: the `call`-th read or apply of the process ("2", "1-3", "2+"). */
  op: 'read' | 'apply';
  call: number | string;
  /** For apply: the 1-based change of that call that fails; those before it take effect. */
  change?: number;
  kind: 'error' | 'busy' | 'hang' | 'vmm-race';
  /** For hang: how long (default: the call's timeout, then a timeout error). */
  hangMs?: number;
  /** For vmm-race: the tap the stand-in VMM creates, where its pid goes, and its script. */
  vmm?: { tap: string; pidFile: string; script: string };
}

const fault = process.env.URUNC_TAP_TEST_FAULT
  ? (JSON.parse(process.env.URUNC_TAP_TEST_FAULT) as NativeFault)
  : undefined;
const calls = { read: 0, apply: 0 };

function hits(op: 'read' | 'apply'): boolean {
  const count = ++calls[op];
  if (!fault || fault.op !== op) return false;
  const spec = String(fault.call);
  if (spec.endsWith('+')) return count >= Number(spec.slice(0, -1));
  const [from, to = from] = spec.split('-').map(Number);
  return count >= from! && count <= to!;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The error a refused or busy kernel gives, named as the netlink backend names its own. */
function injected(operation: string, netns: string, kind: NativeFault['kind']): NetError {
  const busy = kind === 'busy';
  return new NetError({
    operation,
    netns,
    errno: busy ? 'EBUSY' : 'EPERM',
    detail: `${busy ? 'Device or resource busy' : 'Operation not permitted'} (injected fault)`,
  });
}

/** Starts the stand-in VMM in `netns` on `tap` and waits until it holds the tap. */
async function raceVmm(netns: string, vmm: NonNullable<NativeFault['vmm']>): Promise<void> {
  const child = spawn('nsenter', [`--net=${netns}`, '--', 'python3', vmm.script, vmm.tap], {
    // Not our stderr: the runtime would wait for the VMM to close it before seeing us exit.
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: true,
  });
  writeFileSync(vmm.pidFile, String(child.pid));
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  child.stdout!.destroy();
  child.unref();
}

async function timedOut(operation: string, netns: string, ms: number): Promise<never> {
  await sleep(ms);
  throw new NetError({ operation, netns, timedOut: true, detail: 'no answer (injected fault)' });
}

const faultyBackend: BackendFactory = (options) => {
  const real = platform.backend(options);
  return {
    ...real,
    async read(netns) {
      if (hits('read')) {
        const operation = 'RTM_GETLINK dump';
        if (fault!.kind === 'hang')
          return timedOut(operation, netns, fault!.hangMs ?? options.timeoutMs);
        throw injected(operation, netns, fault!.kind);
      }
      return real.read(netns);
    },
    async apply(netns, changes: Change[]) {
      if (!hits('apply')) return real.apply(netns, changes);
      const at = Math.min(fault!.change ?? 1, changes.length) - 1;
      await real.apply(netns, changes.slice(0, at));
      const failing = changes[at];
      if (!failing) return;
      const operation = shellEquivalent(failing)[0]!.join(' ');
      if (fault!.kind === 'vmm-race') {
        await raceVmm(netns, fault!.vmm!);
        return real.apply(netns, changes.slice(at));
      }
      const error =
        fault!.kind === 'hang'
          ? await timedOut(operation, netns, fault!.hangMs ?? options.timeoutMs).catch((e) => e)
          : injected(operation, netns, fault!.kind);
      (error as NetError).progress = { applied: at };
      throw error;
    },
  };
};

// The shipped executable's platform, but for the backend.
runEntry({
  stdio: nativeStdio,
  load: async () => ({ createPlugin, platform: { ...platform, backend: faultyBackend } }),
});
