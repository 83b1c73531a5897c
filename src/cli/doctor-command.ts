// `urunc-tap doctor`: the STATUS checks, for people, with what to install when one fails.
import { createRunner } from '../net/exec.js';
import { hostChecks, type HostCheck } from '../plugin/host-checks.js';
import { ExitCode } from './exit-codes.js';

/** Runs every check afresh (STATUS's cached verdict is not used); exit 3 when not ready. */
export async function runDoctor(options: { json: boolean }): Promise<number> {
  const checks = await hostChecks(createRunner());
  const ready = checks.every((check) => check.state !== 'failed');
  console.log(options.json ? JSON.stringify({ ready, checks }, null, 2) : format(ready, checks));
  return ready ? ExitCode.Ok : ExitCode.Problems;
}

function format(ready: boolean, checks: HostCheck[]): string {
  const width = Math.max(...checks.map((check) => check.name.length));
  const lines = [`urunc-tap doctor: ${ready ? 'ready to serve ADD' : 'NOT ready to serve ADD'}`];
  for (const check of checks) {
    const state = check.state === 'failed' ? 'FAILED' : check.state;
    lines.push(`  ${state.padEnd(8)} ${check.name.padEnd(width)}  ${check.detail}`);
    if (check.state === 'failed' && check.fix) {
      lines.push(`  ${''.padEnd(8)} ${''.padEnd(width)}  fix: ${check.fix}`);
    }
  }
  return lines.join('\n');
}
