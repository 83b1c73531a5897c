// Fault injection through PATH: the plugin runs our ip/tc stand-ins (fault-bin/), which fail
// one chosen call, or one chosen line of a batch, for real.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FAULT_BIN = fileURLToPath(new URL('./fault-bin', import.meta.url));

/**
 * Where and how to fail: the `call`-th invocation of `tool` ("3", "3-5", "3+" for ranges), at
 * batch line `line` (1-based), as a refused request (`error`), EBUSY (`busy`) or a hang.
 */
export interface Fault {
  tool: 'ip' | 'tc';
  call: number | string;
  line?: number;
  kind?: 'error' | 'busy' | 'hang' | 'vmm-race';
  /** For `vmm-race`: the tap the stand-in VMM creates, and where its pid goes. */
  vmm?: { tap: string; pidFile: string };
  /** Count and fail only changes; reads (`-json`) always work. */
  writesOnly?: boolean;
}

/** Call counters (and stand-in VMM pid files) live here; removed when the test worker exits. */
const counters = mkdtempSync(join(tmpdir(), 'urunc-tap-fault-'));
process.on('exit', () => rmSync(counters, { recursive: true, force: true }));
let faults = 0;

/** A file for a fault's stand-in VMM pid, in the counters' directory. */
export function faultFile(name: string): string {
  return join(counters, `${name}-${++faults}`);
}

/** Environment that makes the plugin hit `fault`. */
export function faultEnv(fault: Fault): Record<string, string> {
  return {
    PATH: `${FAULT_BIN}:${process.env.PATH}`,
    FAULT_TOOL: fault.tool,
    FAULT_CALL: String(fault.call),
    FAULT_LINE: String(fault.line ?? 1),
    FAULT_KIND: fault.kind ?? 'error',
    FAULT_WRITES_ONLY: fault.writesOnly ? '1' : '',
    FAULT_COUNTER: join(counters, `count-${++faults}`),
    FAULT_VMM_TAP: fault.vmm?.tap ?? '',
    FAULT_VMM_PIDFILE: fault.vmm?.pidFile ?? '',
  };
}
