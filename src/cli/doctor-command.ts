// `urunc-tap doctor`: STATUS's checks and the full kernel probe, for people, with what to
// install when one fails.
import { DEFAULT_TIMEOUT_MS } from '../plugin/config.js';
import { doctorChecks, type HostCheck } from '../plugin/host-checks.js';
import type { Platform } from '../plugin/platform.js';
import { ExitCode } from './exit-codes.js';

/** Runs every check and the probe; exit 3 when not ready. */
export async function runDoctor(platform: Platform, options: { json: boolean }): Promise<number> {
  const backend = platform.backend({ timeoutMs: DEFAULT_TIMEOUT_MS });
  const checks = await doctorChecks(backend);
  const ready = checks.every((check) => check.state !== 'failed');
  console.log(
    options.json
      ? JSON.stringify({ ready, backend: backend.name, checks }, null, 2)
      : format(ready, backend.name, checks),
  );
  return ready ? ExitCode.Ok : ExitCode.Problems;
}

function format(ready: boolean, backend: string, checks: HostCheck[]): string {
  const width = Math.max(...checks.map((check) => check.name.length));
  const lines = [
    `urunc-tap doctor (${backend}): ${ready ? 'ready to serve ADD' : 'NOT ready to serve ADD'}`,
  ];
  for (const check of checks) {
    const state = check.state === 'failed' ? 'FAILED' : check.state;
    lines.push(`  ${state.padEnd(8)} ${check.name.padEnd(width)}  ${check.detail}`);
    if (check.state === 'failed' && check.fix) {
      lines.push(`  ${''.padEnd(8)} ${''.padEnd(width)}  fix: ${check.fix}`);
    }
  }
  return lines.join('\n');
}
