// STATUS's and doctor's checks with a scripted runner: which check fails, what is skipped.
import { describe, expect, it } from 'vitest';
import { IprouteError, type IprouteCommand, type Runner } from '../../src/net/exec.js';
import { hostChecks } from '../../src/plugin/host-checks.js';

const failure = (command: IprouteCommand, stderr: string, exitCode: number | null = 1) =>
  new IprouteError({
    argv: [command.tool, ...command.args],
    netns: command.netns,
    exitCode: exitCode ?? undefined,
    stderr,
    timedOut: false,
    input: command.input,
  });

/** A runner that succeeds, except where `fail` returns an error for a command. */
function runner(fail: (command: IprouteCommand) => IprouteError | undefined = () => undefined) {
  const calls: IprouteCommand[] = [];
  const run: Runner = async (command) => {
    calls.push(command);
    const error = fail(command);
    if (error) throw error;
    return command.args[0] === '-V'
      ? `${command.tool} utility, iproute2-6.1.0, libbpf 1.1.2\n`
      : '';
  };
  return { run, calls };
}

const states = (checks: Awaited<ReturnType<typeof hostChecks>>) =>
  Object.fromEntries(checks.map((check) => [check.name, check.state]));

describe('hostChecks', () => {
  it('passes everything on a good host, probing in a scratch namespace it deletes', async () => {
    const { run, calls } = runner();
    const checks = await hostChecks(run);
    expect(checks.every((check) => check.state === 'ok')).toBe(true);
    expect(checks.map((check) => check.name)).toEqual([
      'nsenter',
      'ip',
      'tc',
      '/dev/net/tun',
      'netns',
      'tap',
      'ingress',
      'u32',
      'mirred',
    ]);
    const netnsCalls = calls
      .filter((c) => c.args[0] === 'netns')
      .map((c) => c.args.slice(0, 2).join(' '));
    expect(netnsCalls.filter((c) => c === 'netns add')).toHaveLength(1);
    expect(netnsCalls.at(-1)).toBe('netns del');
  });

  it('names a missing tc with its package, and skips the kernel probe', async () => {
    const { run } = runner((c) =>
      c.tool === 'tc' && c.args[0] === '-V'
        ? failure(c, 'nsenter: failed to execute tc: No such file or directory', 127)
        : undefined,
    );
    const checks = await hostChecks(run);
    expect(states(checks)).toMatchObject({
      nsenter: 'ok',
      ip: 'ok',
      tc: 'failed',
      netns: 'skipped',
      mirred: 'skipped',
    });
    expect(checks.find((c) => c.name === 'tc')).toMatchObject({
      detail: 'not found on PATH',
      fix: 'apt-get install iproute2',
    });
  });

  it('names a missing nsenter (execa cannot spawn it), not ip and tc', async () => {
    const { run } = runner((c) =>
      failure(c, 'Command failed with ENOENT: nsenter ...\nspawn nsenter ENOENT', null),
    );
    const checks = await hostChecks(run);
    expect(states(checks)).toMatchObject({ nsenter: 'failed', ip: 'skipped', tc: 'skipped' });
    expect(checks[0]!.fix).toBe('apt-get install util-linux');
  });

  it('names the first kernel feature that fails, with the module to load', async () => {
    const { run } = runner((c) =>
      c.input?.includes('mirred')
        ? failure(c, 'Error: Specified action kind is not supported\nCommand failed -:1')
        : undefined,
    );
    const checks = await hostChecks(run);
    expect(states(checks)).toMatchObject({ tap: 'ok', ingress: 'ok', u32: 'ok', mirred: 'failed' });
    expect(checks.find((c) => c.name === 'mirred')!.fix).toBe('modprobe act_mirred');
  });

  it('says to run as root when entering namespaces is not permitted', async () => {
    const { run } = runner((c) =>
      failure(c, "nsenter: reassociate to namespace 'ns/net' failed: Operation not permitted"),
    );
    const checks = await hostChecks(run);
    expect(checks[0]).toMatchObject({ name: 'nsenter', state: 'failed' });
    expect(checks[0]!.fix).toContain('run it as root');
  });
});
