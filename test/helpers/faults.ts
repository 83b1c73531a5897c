// Fault injection, for each backend the builds use. The Node.js entry (iproute2) runs our ip/tc
// stand-ins first on PATH (fault-bin/), which fail one chosen call, or one chosen line of a
// batch, for real. The executable (netlink, no process per change) is tested through a twin
// built with a failing backend (test/native/faulty-executable.ts): one chosen read or change
// fails against the real kernel. A test names a fault for both, and gets the one it runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLUGIN } from './plugin.js';

const FAULT_BIN = fileURLToPath(new URL('./fault-bin', import.meta.url));
const FAKE_VMM = fileURLToPath(new URL('./fake-vmm.py', import.meta.url));
const FAULTY_TWIN = fileURLToPath(new URL('../../build/test/urunc-tap-faults', import.meta.url));

/** Whether the build under test is the executable on the netlink backend. */
export const NATIVE = process.env.URUNC_TAP_BACKEND === 'netlink';

/** What to run for a fault: the faulty twin of the executable, or the plugin itself. */
const FAULTY_PLUGIN = NATIVE ? FAULTY_TWIN : PLUGIN;

type Kind = 'error' | 'busy' | 'hang' | 'vmm-race';

/**
 * An iproute2 fault: the `call`-th invocation of `tool` ("3", "3-5", "3+" for ranges), at batch
 * line `line` (1-based), as a refused request (`error`), EBUSY (`busy`), a hang, or a VMM that
 * creates the tap just before the call (`vmm-race`).
 */
export interface Fault {
  tool: 'ip' | 'tc';
  call: number | string;
  line?: number;
  kind?: Kind;
  /** Count and fail only changes; reads (`-json`) always work. */
  writesOnly?: boolean;
}

/**
 * A netlink fault: the `call`-th read or apply of the plugin process, at its `change`-th change
 * (1-based; those before it take effect).
 */
export interface NativeFault {
  op: 'read' | 'apply';
  call: number | string;
  change?: number;
  kind?: Kind;
}

/** The same fault for each backend, plus what the stand-ins need. */
export interface FaultFor {
  iproute2: Fault;
  netlink: NativeFault;
  /** For `vmm-race`: the tap the stand-in VMM creates, and where its pid goes (faultFile). */
  vmm?: { tap: string; pidFile: string };
  /** For `hang`: how long, in seconds (default 30). */
  hangSeconds?: number;
}

/** Call counters (and stand-in VMM pid files) live here; removed when the test worker exits. */
const counters = mkdtempSync(join(tmpdir(), 'urunc-tap-fault-'));
process.on('exit', () => rmSync(counters, { recursive: true, force: true }));
let faults = 0;

/** A file for a fault's stand-in VMM pid, in the counters' directory. */
export function faultFile(name: string): string {
  return join(counters, `${name}-${++faults}`);
}

/** What an invocation needs to hit `fault` on the backend under test: the build and its env. */
export function injecting(fault: FaultFor): { executable: string; env: Record<string, string> } {
  return { executable: FAULTY_PLUGIN, env: faultEnv(fault) };
}

/**
 * Environment that makes FAULTY_PLUGIN hit the fault of the backend under test (or of
 * `backend`, for a test that runs a given build).
 */
export function faultEnv(
  fault: FaultFor,
  backend: 'netlink' | 'iproute2' = NATIVE ? 'netlink' : 'iproute2',
): Record<string, string> {
  const hangSeconds = String(fault.hangSeconds ?? 30);
  if (backend === 'netlink') {
    const { netlink } = fault;
    const spec = {
      ...netlink,
      kind: netlink.kind ?? 'error',
      ...(fault.hangSeconds ? { hangMs: fault.hangSeconds * 1000 } : {}),
      ...(fault.vmm ? { vmm: { ...fault.vmm, script: FAKE_VMM } } : {}),
    };
    return { URUNC_TAP_TEST_FAULT: JSON.stringify(spec) };
  }
  const { iproute2 } = fault;
  return {
    PATH: `${FAULT_BIN}:${process.env.PATH}`,
    FAULT_TOOL: iproute2.tool,
    FAULT_CALL: String(iproute2.call),
    FAULT_LINE: String(iproute2.line ?? 1),
    FAULT_KIND: iproute2.kind ?? 'error',
    FAULT_WRITES_ONLY: iproute2.writesOnly ? '1' : '',
    FAULT_COUNTER: join(counters, `count-${++faults}`),
    FAULT_VMM_TAP: fault.vmm?.tap ?? '',
    FAULT_VMM_PIDFILE: fault.vmm?.pidFile ?? '',
    FAULT_HANG_SECONDS: hangSeconds,
  };
}
